-- tlrecon sample data: workflow controller incident of 2026-01-20 (seed 004), all times UTC
-- (ET = UTC-5 that day: 1:00 PM ET = 18:00Z, 1:30 PM ET = 18:30Z, 2:00 PM ET = 19:00Z).
--
-- Load into a database that has ONLY sample_data/src/schema_workflows.sql applied
-- (workers, tasks and system_logs are deliberately absent in this database):
--   psql -v ON_ERROR_STOP=1 -f schema_workflows.sql -f workflows-2026-01-20.sql
-- Snapshot window: [2026-01-20T13:00:00Z, 2026-01-20T20:00:00Z). The 3:00 PM ET
-- evaluation (20:00:02Z) lies just outside it, on purpose.
--
-- Story
--   8-10 AM ET   hourly evaluations (cloud_scheduler); morning_operations and
--                injury_reports RUN and complete at :05; everything else SKIPs.
--   1:00 PM ET   RUN betting_lines, referee_discovery, schedule_dependency; all three
--                executions fail at 1:05/1:06 PM (Phase 1 rev 00105 dotenv import bug).
--   1:30 PM ET   manual /evaluate at 18:30:06Z: RUN for the same three; /execute-workflows
--                hangs after referee_discovery (37e4986b..., 7.9 s). The betting_lines
--                and schedule_dependency decisions of 18:30:06 are ORPHANED (no execution).
--   2:00 PM ET   schedule_dependency runs again from a NEW decision (19:05Z, completed);
--                betting_lines SKIPs with 'Already ran today' (its 1:05 PM run failed).

BEGIN;

INSERT INTO workflow_decisions (decision_id, decision_time, workflow_name, action, reason, priority, triggered_by) VALUES
  -- 8:00 AM ET
  ('dec-20260120-1300-morning_operations', '2026-01-20 13:00:02+00', 'morning_operations', 'RUN', 'In time window 8-10 AM ET, not yet run today', 'high', 'cloud_scheduler'),
  ('dec-20260120-1300-injury_reports', '2026-01-20 13:00:02+00', 'injury_reports', 'RUN', 'Hourly refresh due (window 8-10 AM ET)', 'high', 'cloud_scheduler'),
  ('dec-20260120-1300-betting_lines', '2026-01-20 13:00:02+00', 'betting_lines', 'SKIP', 'Not in time window', 'high', 'cloud_scheduler'),
  ('dec-20260120-1300-referee_discovery', '2026-01-20 13:00:02+00', 'referee_discovery', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1300-schedule_dependency', '2026-01-20 13:00:02+00', 'schedule_dependency', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1300-props_scraping', '2026-01-20 13:00:02+00', 'props_scraping', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  -- 9:00 AM ET
  ('dec-20260120-1400-morning_operations', '2026-01-20 14:00:03+00', 'morning_operations', 'SKIP', 'Already ran today', 'high', 'cloud_scheduler'),
  ('dec-20260120-1400-injury_reports', '2026-01-20 14:00:03+00', 'injury_reports', 'RUN', 'Hourly refresh due (window 8-10 AM ET)', 'high', 'cloud_scheduler'),
  ('dec-20260120-1400-betting_lines', '2026-01-20 14:00:03+00', 'betting_lines', 'SKIP', 'Not in time window', 'high', 'cloud_scheduler'),
  ('dec-20260120-1400-referee_discovery', '2026-01-20 14:00:03+00', 'referee_discovery', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1400-schedule_dependency', '2026-01-20 14:00:03+00', 'schedule_dependency', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1400-props_scraping', '2026-01-20 14:00:03+00', 'props_scraping', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  -- 10:00 AM ET
  ('dec-20260120-1500-morning_operations', '2026-01-20 15:00:02+00', 'morning_operations', 'SKIP', 'Already ran today', 'high', 'cloud_scheduler'),
  ('dec-20260120-1500-injury_reports', '2026-01-20 15:00:02+00', 'injury_reports', 'RUN', 'Hourly refresh due (window 8-10 AM ET)', 'high', 'cloud_scheduler'),
  ('dec-20260120-1500-betting_lines', '2026-01-20 15:00:02+00', 'betting_lines', 'SKIP', 'Not in time window', 'high', 'cloud_scheduler'),
  ('dec-20260120-1500-referee_discovery', '2026-01-20 15:00:02+00', 'referee_discovery', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1500-schedule_dependency', '2026-01-20 15:00:02+00', 'schedule_dependency', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1500-props_scraping', '2026-01-20 15:00:02+00', 'props_scraping', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  -- 11:00 AM ET
  ('dec-20260120-1600-morning_operations', '2026-01-20 16:00:04+00', 'morning_operations', 'SKIP', 'Already ran today', 'high', 'cloud_scheduler'),
  ('dec-20260120-1600-injury_reports', '2026-01-20 16:00:04+00', 'injury_reports', 'SKIP', 'Not in time window', 'high', 'cloud_scheduler'),
  ('dec-20260120-1600-betting_lines', '2026-01-20 16:00:04+00', 'betting_lines', 'SKIP', 'Not in time window', 'high', 'cloud_scheduler'),
  ('dec-20260120-1600-referee_discovery', '2026-01-20 16:00:04+00', 'referee_discovery', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1600-schedule_dependency', '2026-01-20 16:00:04+00', 'schedule_dependency', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1600-props_scraping', '2026-01-20 16:00:04+00', 'props_scraping', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  -- 12:00 PM ET
  ('dec-20260120-1700-morning_operations', '2026-01-20 17:00:02+00', 'morning_operations', 'SKIP', 'Already ran today', 'high', 'cloud_scheduler'),
  ('dec-20260120-1700-injury_reports', '2026-01-20 17:00:02+00', 'injury_reports', 'SKIP', 'Not in time window', 'high', 'cloud_scheduler'),
  ('dec-20260120-1700-betting_lines', '2026-01-20 17:00:02+00', 'betting_lines', 'SKIP', 'Not in time window', 'high', 'cloud_scheduler'),
  ('dec-20260120-1700-referee_discovery', '2026-01-20 17:00:02+00', 'referee_discovery', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1700-schedule_dependency', '2026-01-20 17:00:02+00', 'schedule_dependency', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1700-props_scraping', '2026-01-20 17:00:02+00', 'props_scraping', 'SKIP', 'Not in time window', 'medium', 'cloud_scheduler'),
  -- 1:00 PM ET
  ('dec-20260120-1800-morning_operations', '2026-01-20 18:00:03+00', 'morning_operations', 'SKIP', 'Already ran today', 'high', 'cloud_scheduler'),
  ('dec-20260120-1800-injury_reports', '2026-01-20 18:00:03+00', 'injury_reports', 'SKIP', 'Not in time window', 'high', 'cloud_scheduler'),
  ('dec-20260120-1800-betting_lines', '2026-01-20 18:00:03+00', 'betting_lines', 'RUN', 'Game day: lines window opened (1 PM ET), not yet run today', 'high', 'cloud_scheduler'),
  ('dec-20260120-1800-referee_discovery', '2026-01-20 18:00:03+00', 'referee_discovery', 'RUN', 'Game day: referee assignments not yet discovered', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1800-schedule_dependency', '2026-01-20 18:00:03+00', 'schedule_dependency', 'RUN', 'Dependency check due: schedule not refreshed in 4h', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1800-props_scraping', '2026-01-20 18:00:03+00', 'props_scraping', 'SKIP', 'Dependency not met: betting_lines has not run today', 'medium', 'cloud_scheduler'),
  -- 1:30 PM ET
  ('dec-20260120-1830-morning_operations', '2026-01-20 18:30:06+00', 'morning_operations', 'SKIP', 'Already ran today', 'high', 'manual'),
  ('dec-20260120-1830-injury_reports', '2026-01-20 18:30:06+00', 'injury_reports', 'SKIP', 'Not in time window', 'high', 'manual'),
  ('dec-20260120-1830-betting_lines', '2026-01-20 18:30:06+00', 'betting_lines', 'RUN', 'Manual trigger: re-run after fix (Phase 1 rev 00106)', 'high', 'manual'),
  ('dec-20260120-1830-referee_discovery', '2026-01-20 18:30:06+00', 'referee_discovery', 'RUN', 'Manual trigger: re-run after fix (Phase 1 rev 00106)', 'medium', 'manual'),
  ('dec-20260120-1830-schedule_dependency', '2026-01-20 18:30:06+00', 'schedule_dependency', 'RUN', 'Manual trigger: re-run after fix (Phase 1 rev 00106)', 'medium', 'manual'),
  ('dec-20260120-1830-props_scraping', '2026-01-20 18:30:06+00', 'props_scraping', 'SKIP', 'Dependency not met: betting_lines has no successful run today', 'medium', 'manual'),
  -- 2:00 PM ET
  ('dec-20260120-1900-morning_operations', '2026-01-20 19:00:02+00', 'morning_operations', 'SKIP', 'Already ran today', 'high', 'cloud_scheduler'),
  ('dec-20260120-1900-injury_reports', '2026-01-20 19:00:02+00', 'injury_reports', 'SKIP', 'Not in time window', 'high', 'cloud_scheduler'),
  ('dec-20260120-1900-betting_lines', '2026-01-20 19:00:02+00', 'betting_lines', 'SKIP', 'Already ran today', 'high', 'cloud_scheduler'),
  ('dec-20260120-1900-referee_discovery', '2026-01-20 19:00:02+00', 'referee_discovery', 'SKIP', 'Already ran today', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1900-schedule_dependency', '2026-01-20 19:00:02+00', 'schedule_dependency', 'RUN', 'Dependency check due: last run failed', 'medium', 'cloud_scheduler'),
  ('dec-20260120-1900-props_scraping', '2026-01-20 19:00:02+00', 'props_scraping', 'SKIP', 'Dependency not met: betting_lines has no successful run today', 'medium', 'cloud_scheduler'),
  -- 3:00 PM ET (outside the snapshot window)
  ('dec-20260120-2000-morning_operations', '2026-01-20 20:00:02+00', 'morning_operations', 'SKIP', 'Already ran today', 'high', 'cloud_scheduler'),
  ('dec-20260120-2000-injury_reports', '2026-01-20 20:00:02+00', 'injury_reports', 'SKIP', 'Not in time window', 'high', 'cloud_scheduler'),
  ('dec-20260120-2000-betting_lines', '2026-01-20 20:00:02+00', 'betting_lines', 'SKIP', 'Already ran today', 'high', 'cloud_scheduler'),
  ('dec-20260120-2000-referee_discovery', '2026-01-20 20:00:02+00', 'referee_discovery', 'SKIP', 'Already ran today', 'medium', 'cloud_scheduler'),
  ('dec-20260120-2000-schedule_dependency', '2026-01-20 20:00:02+00', 'schedule_dependency', 'SKIP', 'Already ran today', 'medium', 'cloud_scheduler'),
  ('dec-20260120-2000-props_scraping', '2026-01-20 20:00:02+00', 'props_scraping', 'SKIP', 'Dependency not met: betting_lines has no successful run today', 'medium', 'cloud_scheduler');

INSERT INTO workflow_executions (execution_id, execution_time, workflow_name, decision_id, status, duration_seconds, scrapers_triggered, scrapers_succeeded, scrapers_failed, error_message) VALUES
  ('ba87dab4-2dd7-0970-0f0f-fbd7ade02952', '2026-01-20 13:05:02+00', 'morning_operations', 'dec-20260120-1300-morning_operations', 'completed', 41.6, 4, 4, 0, NULL),
  ('b1522342-38f8-6611-3f60-a99fe1c69d5d', '2026-01-20 13:05:44+00', 'injury_reports', 'dec-20260120-1300-injury_reports', 'completed', 18.3, 2, 2, 0, NULL),
  ('87ae2304-f3f8-baf3-cea2-4be97a6e8f77', '2026-01-20 14:05:03+00', 'injury_reports', 'dec-20260120-1400-injury_reports', 'completed', 16.9, 2, 2, 0, NULL),
  ('d976fd83-e927-0871-29d0-7f9721b73584', '2026-01-20 15:05:02+00', 'injury_reports', 'dec-20260120-1500-injury_reports', 'completed', 17.4, 2, 2, 0, NULL),
  ('b89acc14-a5c9-0d87-e5ae-a54142c52f62', '2026-01-20 18:05:03+00', 'betting_lines', 'dec-20260120-1800-betting_lines', 'failed', 28.3, 3, 0, 3, 'HTTP 500: Failed to load scraper... Module ''scrapers.oddsapi.oddsa_events'''),
  ('b18cd353-a4cf-2282-e3b7-793975142aba', '2026-01-20 18:05:32+00', 'referee_discovery', 'dec-20260120-1800-referee_discovery', 'failed', 27.6, 1, 0, 1, 'HTTP 500: Failed to load scraper... Module ''scrapers.nbacom.nbac_referee_assignments'''),
  ('d7255091-6731-4f3f-0bf4-429158eb9994', '2026-01-20 18:06:00+00', 'schedule_dependency', 'dec-20260120-1800-schedule_dependency', 'failed', 22.1, 1, 0, 1, 'HTTP 500: Failed to load scraper... Module ''scrapers.nbacom.nbac_schedule_api'''),
  ('37e4986b-5a1c-4e02-8f7d-c2b9a61d0e43', '2026-01-20 18:30:07+00', 'referee_discovery', 'dec-20260120-1830-referee_discovery', 'completed', 7.9, 1, 1, 0, NULL),
  ('4a846d0d-45a4-1e2b-03f2-edc8000e2a54', '2026-01-20 19:05:02+00', 'schedule_dependency', 'dec-20260120-1900-schedule_dependency', 'completed', 14.1, 1, 1, 0, NULL);

COMMIT;
