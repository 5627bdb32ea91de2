-- tlrecon bench: a realistic day of a GPU-worker orchestrator and a workflow
-- controller, generated server-side (generate_series, INSERT … SELECT), so a
-- few million rows load at close to COPY speed with nothing sent over the wire.
--
--   psql -X -v ON_ERROR_STOP=1 -d DB -f bench/generate.sql \
--        [-v rows=5000000] [-v partitioned=0|1] [-v days=1] [-v history_days=0] \
--        [-v start=2025-10-16] [-v slots=120] [-v tasks_per_day=N]
--        [-v life=0] [-v drain=900] [-v orch_every=0]
--
-- Run it with -f (the schema files are included relative to this file). It
-- DROPS and recreates workers, tasks, system_logs, workflow_decisions and
-- workflow_executions in the current schema.
--
--   rows          exactly this many system_logs rows over the `days` days
--   partitioned   1: system_logs is partitioned by day (declarative, RANGE on
--                 "timestamp", PRIMARY KEY (id, "timestamp") as partitioning
--                 requires), one partition per day from the day before `start`
--                 to the day after the last; 0: the plain table of
--                 sample_data/src/schema_gpu.sql
--   days          days of logs, from `start` 00:00 UTC
--   history_days  days before `start` with workers, tasks, decisions and
--                 executions but no logs (a 48 h log retention job has
--                 deleted them): makes those tables realistically larger than
--                 one window
--   slots         workers alive at any time (each slot hosts a worker for 5-9 h,
--                 then its replacement); 120 slots give ~500 workers a day
--   tasks_per_day tasks created per day; default rows/days/100 (at least 500),
--                 so the task volume grows with the log volume
--   life          seconds a slot hosts one worker before its replacement is
--                 spawned; 0 (default): 5-9 h, varying by slot
--   drain         seconds a replaced worker keeps running (draining, still
--                 logging) beside its replacement, plus 0-119 s; default 900
--   orch_every    0 (default): the orchestrators write only their cycle and
--                 lifecycle lines; N: also every Nth line of the bulk (a
--                 monitoring line, no worker_id, no cycle_number)
--
-- The fleet shape of issue 14 (a busy GPU farm: ~3,000 workers a day, ~80
-- alive at once, each logging every few seconds for 40 minutes, 20,000
-- tasks, the orchestrators writing every 20th line):
--   -v slots=60 -v life=1800 -v drain=600 -v tasks_per_day=20000 -v orch_every=20
-- 60 slots of 30 min + 10 min of draining: 80 alive, 2,880 workers a day; a
-- task (at most 10 min) always ends before its worker is terminated.
--
-- Every table comes from sample_data/src/schema_gpu.sql and
-- schema_workflows.sql (same columns, same indexes); only system_logs is
-- replaced by its partitioned variant when partitioned=1.
--
-- What a day looks like (defaults: 5,000,000 rows, 1 day):
--   * two GPU orchestrators (source_type orchestrator_gpu, source_id gpu-orch-1
--     and gpu-orch-2), each running a cycle every 30 s with 4 log lines and
--     an increasing cycle_number, and logging every spawn, promotion and
--     termination of the workers of its slots (with worker_id);
--   * a few hundred workers (source_type worker, source_id = worker_id = the
--     worker's id), alive 5-9 h each and replaced with 15-17 min of overlap,
--     logging heartbeats, progress, uploads, VRAM stats, and their tasks
--     (claimed/completed/failed, with task_id); ~10 % WARNING or ERROR;
--     messages of 40-200 bytes, some with emoji, tabs, '|', newlines, a few
--     in mojibake; a metadata jsonb on heartbeats;
--   * tasks: rows/100 a day (50,000 at 5M), each claimed by a live worker
--     2 s-2 min after creation and finished 20 s-10 min later (3 % fail);
--   * workers: metadata with orchestrator_status, runpod_id,
--     promoted_to_active_at and terminated_at (ISO-8601 strings);
--   * workflow_decisions every hour for 6 workflows (~35 % RUN), each RUN
--     executed 4-6 min later (7 % of executions fail).
-- The data is a healthy day: every lifecycle event is logged by its
-- orchestrator and every decision is executed.
--
-- Deterministic: no random(); every choice is hashint8extended(key, salt),
-- the hash PostgreSQL uses for hash partitioning (stable across platforms and
-- releases), so the same parameters give the same rows.
-- Rows are inserted in time order, as an append-only log table fills, so the
-- physical order matches "timestamp" (correlation ~1) as on a real server.

\set ON_ERROR_STOP on
\if :{?rows}
\else
  \set rows 5000000
\endif
\if :{?partitioned}
\else
  \set partitioned 0
\endif
\if :{?days}
\else
  \set days 1
\endif
\if :{?history_days}
\else
  \set history_days 0
\endif
\if :{?start}
\else
  \set start 2025-10-16
\endif
\if :{?slots}
\else
  \set slots 120
\endif
\if :{?tasks_per_day}
\else
  \set tasks_per_day 0
\endif
\if :{?life}
\else
  \set life 0
\endif
\if :{?drain}
\else
  \set drain 900
\endif
\if :{?orch_every}
\else
  \set orch_every 0
\endif

SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET work_mem = '1GB';
SET maintenance_work_mem = '1GB';
SET synchronous_commit = off;

DROP TABLE IF EXISTS system_logs, workers, tasks, workflow_decisions, workflow_executions CASCADE;

-- Parameters, as a one-row table the queries join.
CREATE TEMP TABLE bp AS
SELECT :rows::bigint                                   AS nrows,
       (:'start' || ' 00:00:00+00')::timestamptz       AS t0,
       :days::int                                      AS days,
       :history_days::int                              AS hist,
       :slots::int                                     AS nslots,
       (:days * 86400)::float8                         AS span,   -- seconds of logs from t0
       :life::int                                      AS life,
       :drain::int                                     AS drain,
       :orch_every::int                                AS orch_every,
       CASE WHEN :tasks_per_day > 0 THEN :tasks_per_day::bigint
            ELSE greatest(500, :rows::bigint / :days / 100) END AS tasks_per_day;

DO $$
BEGIN
  IF (SELECT nrows < 50000 OR days < 1 OR hist < 0 OR nslots < 4 FROM bp) THEN
    RAISE EXCEPTION 'bench/generate.sql: need rows >= 50000, days >= 1, history_days >= 0, slots >= 4';
  END IF;
END $$;

-- u(key, salt): a uniform number in [0, 1) from the 64-bit hash of key.
CREATE FUNCTION pg_temp.u(bigint, int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ((hashint8extended($1, $2) >> 11) & 9007199254740991)::float8 / 9007199254740992.0 $$;

-- pick(key, salt, array): one element of the array.
CREATE FUNCTION pg_temp.pick(bigint, int, text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT $3[1 + floor(pg_temp.u($1, $2) * array_length($3, 1))::int] $$;

-- ts(off): t0 + off seconds (microsecond precision). t0 is written into the
-- body as a literal so the function inlines (a sub-select would not).
SELECT format($f$CREATE FUNCTION pg_temp.ts(float8) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $b$ SELECT %L::timestamptz + $1 * interval '1 second' $b$$f$, t0) FROM bp
\gexec

-- ISO-8601 as the orchestrator writes it into workers.metadata.
CREATE FUNCTION pg_temp.iso(timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') $$;

------------------------------------------------------------------- schema

\if :partitioned
CREATE TABLE system_logs (
    id            uuid NOT NULL,
    "timestamp"   timestamptz NOT NULL,
    source_type   text,
    source_id     text,
    log_level     text,
    message       text,
    task_id       uuid NULL,
    worker_id     text NULL,
    cycle_number  int NULL,
    metadata      jsonb NULL
) PARTITION BY RANGE ("timestamp");
-- One partition per day, from the day before the first (the lookbacks read
-- there) to the day after the last.
SELECT format('CREATE TABLE %I PARTITION OF system_logs FOR VALUES FROM (%L) TO (%L)',
              'system_logs_p' || to_char(d AT TIME ZONE 'UTC', 'YYYYMMDD'), d, d + interval '1 day')
FROM bp, generate_series(t0 - interval '1 day', t0 + days * interval '1 day', interval '1 day') d
\gexec
\endif

-- The real schema. With partitioned=1 its CREATE TABLE IF NOT EXISTS
-- system_logs is skipped and its index becomes a partitioned index.
\ir ../sample_data/src/schema_gpu.sql
\ir ../sample_data/src/schema_workflows.sql

-- system_logs is loaded without indexes and indexed afterwards (faster than
-- maintaining a random-uuid primary key row by row); same names as the schema.
ALTER TABLE system_logs DROP CONSTRAINT IF EXISTS system_logs_pkey;
DROP INDEX IF EXISTS system_logs_timestamp_idx;

------------------------------------------------------------------- workers

-- Slot s hosts one worker after another; each lives len seconds (5-9 h) plus
-- 15-17 min of draining overlap with its replacement. Times are seconds from
-- t0. The first generation starts before the history (base < -1200 s).
CREATE TEMP TABLE bslot AS
SELECT s,
       len,
       -(hist * 86400.0) - 1200 - pg_temp.u(s, 2) * (len - 1200) AS base,
       1 + s % 2                                                  AS orch,
       pg_temp.pick(s, 3, ARRAY['NVIDIA GeForce RTX 4090', 'NVIDIA RTX A5000', 'NVIDIA L40S',
                                'NVIDIA GeForce RTX 4090'])       AS instance_type
FROM bp, generate_series(0, nslots - 1) s,
     LATERAL (SELECT CASE WHEN bp.life > 0 THEN bp.life
                          ELSE 18000 + floor(pg_temp.u(s, 1) * 14400) END AS len) l;

CREATE TEMP TABLE bworker AS
SELECT sl.s, k, sl.orch, sl.instance_type,
       sl.base + k * sl.len - 0.9 * pg_temp.u(sl.s * 1000 + k, 4)          AS c_off,   -- created
       sl.base + k * sl.len + 60 + 180 * pg_temp.u(sl.s * 1000 + k, 5)     AS p_off,   -- promoted
       sl.base + (k + 1) * sl.len + bp.drain + ((sl.s * 7 + k) % 120)      AS x_off,   -- terminated
       left(md5('runpod.' || sl.s || '.' || k), 14)                        AS runpod
FROM bp, bslot sl, generate_series(0, ceil((bp.span - sl.base) / sl.len)::int) k
WHERE sl.base + k * sl.len < bp.span;
ALTER TABLE bworker ADD COLUMN id text;
UPDATE bworker SET id = 'gpu-' || to_char(pg_temp.ts(c_off) AT TIME ZONE 'UTC', 'YYYYMMDD_HH24MISS') || '-'
                        || left(md5('worker.' || s || '.' || k), 8);
CREATE INDEX ON bworker (s, k);
ANALYZE bworker;

-- The table as of the end of the last day.
INSERT INTO workers (id, instance_type, status, created_at, last_heartbeat, metadata)
SELECT w.id, w.instance_type, st.status, pg_temp.ts(w.c_off),
       CASE st.status
         WHEN 'terminated' THEN pg_temp.ts(w.x_off - 2 - 25 * pg_temp.u(w.s * 1000 + w.k, 6))
         WHEN 'active' THEN pg_temp.ts(least(bp.span, w.x_off) - 1 - 20 * pg_temp.u(w.s * 1000 + w.k, 6))
       END,
       jsonb_strip_nulls(jsonb_build_object(
         'orchestrator_status', st.status,
         'runpod_id', w.runpod,
         'ram_tier', 48,
         'storage_volume', 'EU-RO-1',
         'orchestrator', 'gpu-orch-' || w.orch,
         'promoted_to_active_at', CASE WHEN w.p_off < bp.span THEN pg_temp.iso(pg_temp.ts(w.p_off)) END,
         'terminated_at', CASE WHEN w.x_off < bp.span THEN pg_temp.iso(pg_temp.ts(w.x_off)) END))
FROM bp, bworker w,
     LATERAL (SELECT CASE WHEN w.x_off < bp.span THEN 'terminated'
                          WHEN w.p_off < bp.span THEN 'active'
                          ELSE 'spawning' END AS status) st
ORDER BY w.c_off, w.id;

------------------------------------------------------------------- tasks

-- Task j is created at a steady rate over history + days, claimed 2 s-2 min
-- later by the worker of a slot (not before that worker's promotion), and
-- finishes 20 s-10 min after the claim, always before its worker terminates.
CREATE TEMP TABLE btask AS
WITH j AS (
  SELECT j,
         -(hist * 86400.0) + (j + pg_temp.u(j, 10)) * 86400.0 / tasks_per_day AS c_off,
         floor(pg_temp.u(j, 12) * nslots)::int                               AS s
  FROM bp, generate_series(0, (days + hist) * tasks_per_day - 1) j
), claim AS (
  SELECT j.*, j.c_off + 2 + 118 * pg_temp.u(j.j, 11) ^ 2 AS q_off FROM j
)
SELECT c.j, c.c_off, w.id AS worker_id, w.s, w.k,
       greatest(c.q_off, w.p_off + 1 + 4 * pg_temp.u(c.j, 13)) AS q_off,
       20 + 580 * pg_temp.u(c.j, 14) ^ 2                         AS dur,
       pg_temp.u(c.j, 15) < 0.03                                 AS failed,
       md5('task.' || c.j)::uuid                                 AS id,
       pg_temp.pick(c.j, 16, ARRAY['travel_segment', 'travel_segment', 'travel_segment', 'travel_orchestrator',
                                   'image_generation', 'image_generation', 'video_upscale'])  AS task_type,
       pg_temp.pick(c.j, 17, ARRAY[
         'CUDA out of memory. Tried to allocate 2.50 GiB (GPU 0; 23.65 GiB total capacity)',
         'Segment render failed: ffmpeg exited with status 1',
         'Model download timed out after 300s | retrying is safe',
         'Worker lost connection to Supabase: server closed the connection unexpectedly']) AS error
FROM claim c
JOIN bslot sl ON sl.s = c.s
LEFT JOIN bworker w ON w.s = c.s AND w.k = floor((c.q_off - sl.base) / sl.len)::int;  -- none: claimed after the end

INSERT INTO tasks (id, task_type, status, worker_id, created_at, updated_at, generation_started_at,
                   generation_processed_at, attempts, error_message)
SELECT t.id, t.task_type, st.status,
       CASE WHEN st.status <> 'Queued' THEN t.worker_id END,
       pg_temp.ts(t.c_off),
       pg_temp.ts(CASE st.status WHEN 'Queued' THEN t.c_off WHEN 'In Progress' THEN t.q_off ELSE t.q_off + t.dur END),
       CASE WHEN st.status <> 'Queued' THEN pg_temp.ts(t.q_off) END,
       CASE WHEN st.status IN ('Complete', 'Failed') THEN pg_temp.ts(t.q_off + t.dur) END,
       CASE WHEN st.status = 'Queued' THEN 0 WHEN pg_temp.u(t.j, 18) < 0.05 THEN 2 ELSE 1 END,
       CASE WHEN st.status = 'Failed' THEN t.error END
FROM bp, btask t,
     LATERAL (SELECT CASE WHEN t.q_off >= bp.span OR t.worker_id IS NULL THEN 'Queued'
                          WHEN t.q_off + t.dur >= bp.span THEN 'In Progress'
                          WHEN t.failed THEN 'Failed'
                          ELSE 'Complete' END AS status) st
WHERE t.c_off < bp.span
ORDER BY t.c_off, t.id;

------------------------------------------------------------------- workflows

CREATE TEMP TABLE bdecision AS
SELECT h, wf.n, wf.name,
       h * 3600.0 + 2 + 1.5 * pg_temp.u(h, 30) + 0.01 * wf.n                AS d_off,
       pg_temp.u(h * 10 + wf.n, 31) < 0.35                                   AS run,
       pg_temp.u(h * 10 + wf.n, 32) < 0.02                                   AS manual
FROM bp, generate_series(-hist * 24, days * 24 - 1) h,
     unnest(ARRAY['morning_operations', 'injury_reports', 'betting_lines', 'referee_discovery',
                  'schedule_dependency', 'props_scraping']) WITH ORDINALITY AS wf(name, n);
ALTER TABLE bdecision ADD COLUMN id text;
UPDATE bdecision SET id = 'dec-' || to_char(pg_temp.ts(d_off) AT TIME ZONE 'UTC', 'YYYYMMDD-HH24MI') || '-' || name;

INSERT INTO workflow_decisions (decision_id, decision_time, workflow_name, action, reason, priority, triggered_by)
SELECT d.id, pg_temp.ts(d.d_off), d.name,
       CASE WHEN d.run THEN 'RUN' ELSE 'SKIP' END,
       CASE WHEN d.run AND d.manual THEN 'Manual trigger: re-run requested'
            WHEN d.run THEN pg_temp.pick(d.h * 10 + d.n, 33, ARRAY['Hourly refresh due', 'In time window, not yet run today',
                                                                  'Game day: lines window open, last run > 1h ago',
                                                                  'Dependency check due: schedule not refreshed in 4h'])
            ELSE pg_temp.pick(d.h * 10 + d.n, 33, ARRAY['Not in time window', 'Already ran today',
                                                       'Dependency not met: betting_lines has not run today']) END,
       CASE WHEN d.n <= 3 THEN 'high' ELSE 'medium' END,
       CASE WHEN d.manual THEN 'manual' ELSE 'cloud_scheduler' END
FROM bp, bdecision d
WHERE d.d_off < bp.span
ORDER BY d.d_off, d.id;

INSERT INTO workflow_executions (execution_id, execution_time, workflow_name, decision_id, status, duration_seconds,
                                 scrapers_triggered, scrapers_succeeded, scrapers_failed, error_message)
SELECT 'exec-' || left(md5(d.id), 12), pg_temp.ts(e.e_off), d.name, d.id,
       CASE WHEN e.failed THEN 'failed' ELSE 'completed' END,
       round((5 + 595 * pg_temp.u(d.h * 10 + d.n, 35) ^ 2)::numeric, 3)::float8,
       e.trig, e.trig - e.nfail, e.nfail,
       CASE WHEN e.failed THEN 'HTTP 500: Failed to load scraper module ''scrapers.' || d.name || '''' END
FROM bp, bdecision d,
     LATERAL (SELECT d.d_off + 240 + 120 * pg_temp.u(d.h * 10 + d.n, 34) AS e_off,
                     pg_temp.u(d.h * 10 + d.n, 36) < 0.07 AS failed,
                     1 + floor(8 * pg_temp.u(d.h * 10 + d.n, 37))::int AS trig) e0,
     LATERAL (SELECT e0.*, CASE WHEN e0.failed THEN 1 + floor(e0.trig * pg_temp.u(d.h * 10 + d.n, 38))::int
                                ELSE 0 END AS nfail) e
WHERE d.run AND e.e_off < bp.span
ORDER BY e.e_off;

------------------------------------------------------------------- system_logs

-- Everything but the bulk of worker lines: orchestrator cycles, the
-- orchestrators' lifecycle lines, and the workers' task lines.
CREATE TEMP TABLE blog (
  off float8, key text, source_type text, source_id text, log_level text, message text,
  task_id uuid, worker_id text, cycle_number int, metadata jsonb);

-- Orchestrator o runs cycle c at c*30 s (+13.7 s for gpu-orch-2, +0-2 s jitter).
CREATE FUNCTION pg_temp.cycle_of(int, float8) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (CASE $1 WHEN 1 THEN 5231 ELSE 812 END) + floor(($2 - ($1 - 1) * 13.7) / 30)::int $$;

INSERT INTO blog
SELECT c.t + line.dt, 'cyc.' || o || '.' || c.c || '.' || line.n, 'orchestrator_gpu', 'gpu-orch-' || o,
       line.lvl, line.msg, NULL, NULL, c.num, line.md
FROM bp, generate_series(1, 2) o,
     LATERAL (SELECT c, c * 30 + (o - 1) * 13.7 + 2 * pg_temp.u(c * 2 + o, 40) AS t,
                     (CASE o WHEN 1 THEN 5231 ELSE 812 END) + c AS num,
                     floor(40 * pg_temp.u(c * 2 + o, 41) ^ 3)::int AS queued,
                     bp.nslots / 2 - 2 + floor(5 * pg_temp.u(c * 2 + o, 42))::int AS active,
                     pg_temp.u(c * 2 + o, 43) AS r
              FROM generate_series(0, floor(bp.span / 30)::int) c) c,
     LATERAL (VALUES
       (1, 0.0, 'INFO',
        format('🔄 ORCHESTRATOR CYCLE #%s started (gpu-orch-%s, %s workers tracked)', c.num, o, c.active), NULL::jsonb),
       (2, 0.3 + 0.5 * c.r, 'INFO',
        format('Task count: Queued=%s, Active=%s, Total=%s (claimable by GPU workers: %s)',
               c.queued, c.active, c.queued + c.active, c.queued), NULL),
       (3, 1.0 + 0.8 * c.r, CASE WHEN c.r < 0.02 THEN 'WARNING' ELSE 'INFO' END,
        CASE WHEN c.r < 0.02
             THEN format('⚠️ Slow cycle #%s: Supabase query took %ss (threshold 2.0s), skipping health summary',
                         c.num, round((2 + 6 * c.r * 50)::numeric, 2))
             ELSE format('SCALING DECISION (Cycle #%s): Current=%s, Desired=%s — MAINTAIN', c.num, c.active, c.active) END,
        NULL),
       (4, 2.0 + 2.5 * c.r, 'INFO',
        format('✅ Cycle #%s completed in %ss: 0 spawned, 0 terminated', c.num, round((2 + 2.5 * c.r)::numeric, 1)),
        jsonb_build_object('pid', 4100 + o, 'cycle_seconds', round((2 + 2.5 * c.r)::numeric, 1)))
     ) AS line(n, dt, lvl, msg, md)
WHERE c.t + line.dt >= 0 AND c.t + line.dt < bp.span;

-- Lifecycle: spawn (2 lines), promotion, termination, by the slot's orchestrator.
INSERT INTO blog
SELECT l.off, 'life.' || w.id || '.' || l.n, 'orchestrator_gpu', 'gpu-orch-' || w.orch, l.lvl, l.msg, NULL,
       w.id, pg_temp.cycle_of(w.orch, l.off), NULL
FROM bp, bworker w,
     LATERAL (VALUES
       (1, w.c_off - 0.4, 'CRITICAL', '🚀 SCALING UP: Spawning 1 workers (queue depth above target)'),
       (2, w.c_off, 'INFO', format('Spawning worker %s (runpod %s, %s)', w.id, w.runpod, w.instance_type)),
       (3, w.p_off, 'INFO', format('✅ Promoted worker %s to active (startup %ss)', w.id, round(w.p_off - w.c_off))),
       (4, w.x_off, 'INFO', format('Terminating idle worker %s (replaced, drained for %ss)', w.id,
                                  bp.drain + (w.s * 7 + w.k) % 120))
     ) AS l(n, off, lvl, msg)
WHERE l.off >= 0 AND l.off < bp.span;

-- The workers' own lines about their tasks.
INSERT INTO blog
SELECT l.off, 'task.' || t.j || '.' || l.n, 'worker', t.worker_id, l.lvl, l.msg, t.id, t.worker_id, NULL, NULL
FROM bp, btask t,
     LATERAL (VALUES
       (1, t.q_off, 'INFO', format('📥 Claimed task %s (%s), attempt 1', t.id, t.task_type)),
       (2, t.q_off + t.dur,
        CASE WHEN t.failed THEN 'ERROR' ELSE 'INFO' END,
        CASE WHEN t.failed THEN format('❌ Task %s failed: %s', t.id, t.error)
             ELSE format('✅ Task %s completed in %ss', t.id, round(t.dur::numeric, 1)) END)
     ) AS l(n, off, lvl, msg)
WHERE t.worker_id IS NOT NULL AND l.off >= 0 AND l.off < bp.span;

SELECT nrows - (SELECT count(*) FROM blog) AS nfill, nrows - (SELECT count(*) FROM blog) >= 0 AS fill_ok FROM bp \gset
\if :fill_ok
\else
  \echo 'bench/generate.sql: rows is too small for the fixed lines (orchestrator cycles, lifecycle, tasks):' :nfill
  SELECT 1/0;
\endif

-- The bulk: row g of nfill lands at ((g - 1 + jitter) / nfill) of the span,
-- on a random slot's worker alive then (the draining predecessor for half of
-- the rows in the overlap), and says one of a dozen kinds of thing.
INSERT INTO system_logs (id, "timestamp", source_type, source_id, log_level, message, task_id, worker_id,
                         cycle_number, metadata)
SELECT id, bp.t0 + off * interval '1 second', source_type, source_id, log_level, message, task_id, worker_id, cycle_number, metadata
FROM (
  SELECT md5(key)::uuid AS id, off, source_type, source_id, log_level, message, task_id, worker_id, cycle_number,
         metadata
  FROM blog
  UNION ALL
  SELECT md5('log.' || f.g)::uuid, f.off,
         CASE WHEN f.orch THEN 'orchestrator_gpu' ELSE 'worker' END,
         CASE WHEN f.orch THEN 'gpu-orch-' || (1 + f.g / bp.orch_every % 2) ELSE w.id END,
         CASE WHEN f.orch THEN 'INFO' ELSE m.lvl END,
         CASE WHEN f.orch
              THEN format('Monitoring: %s workers active, queue depth %s, oldest heartbeat %ss ago',
                          bp.nslots + (f.h & 31) - 8, (f.h >> 5) & 63, 1 + ((f.h >> 11) & 15))
              ELSE m.msg END,
         NULL, CASE WHEN f.orch THEN NULL ELSE w.id END, NULL, CASE WHEN f.orch THEN NULL ELSE m.md END
  FROM bp, (
    SELECT g, off, s, k0,
           CASE WHEN k0 >= 1 AND off - (base + k0 * len) < drain - 5 + ((s * 7 + k0 - 1) % 120)
                     AND pg_temp.u(g, 22) < 0.5 THEN k0 - 1 ELSE k0 END AS k,
           pg_temp.u(g, 21) AS r,
           hashint8extended(g, 23) AS h,
           orch_every > 0 AND g % orch_every = 0 AS orch
    FROM (
      SELECT g, off, sl.s, sl.base, sl.len, drain, orch_every, floor((off - sl.base) / sl.len)::int AS k0
      FROM (SELECT g, (g - 1 + pg_temp.u(g, 20)) * bp.span / :nfill AS off, bp.drain, bp.orch_every,
                   floor(pg_temp.u(g, 24) * bp.nslots)::int AS s
            FROM bp, generate_series(1, :nfill::bigint) g) x
      JOIN bslot sl ON sl.s = x.s
    ) y
  ) f
  JOIN bworker w ON w.s = f.s AND w.k = f.k
  CROSS JOIN LATERAL (
    SELECT
      CASE WHEN f.r < 0.70 THEN 'INFO'
           WHEN f.r < 0.80 THEN 'DEBUG'
           WHEN f.r < 0.89 THEN 'INFO'
           WHEN f.r < 0.955 THEN 'WARNING'
           ELSE 'ERROR' END AS lvl,
      CASE
        WHEN f.r < 0.45 THEN
          format('%s Heartbeat: %s, VRAM %s/24080 MB, GPU util %s%%, temp %s°C, %s tasks done',
                 CASE WHEN (f.h & 127) = 0 THEN 'ðŸ’“' ELSE '💓' END,
                 CASE WHEN (f.h >> 8) & 1 = 0 THEN 'busy' ELSE 'idle' END,
                 500 + ((f.h >> 9) & 16383), ((f.h >> 24) & 127) % 100, 40 + ((f.h >> 32) & 63) % 46, (f.h >> 40) & 255)
        WHEN f.r < 0.70 THEN
          format('Segment %s/%s rendered in %ss (%s frames @ %s fps), writing /workspace/outputs/seg_%s.mp4',
                 1 + (f.h & 15), 16 + ((f.h >> 4) & 15), round(((f.h >> 8) & 4095) / 300.0, 2),
                 24 + ((f.h >> 20) & 255), 8 + ((f.h >> 28) & 31), lpad(to_hex((f.h >> 33) & 16777215), 6, '0'))
        WHEN f.r < 0.80 THEN
          format(E'VRAM stats:\tallocated=%s MB\treserved=%s MB\tpeak=%s MB',
                 400 + (f.h & 1023), 900 + ((f.h >> 10) & 1023), 1800 + ((f.h >> 20) & 4095))
        WHEN f.r < 0.86 THEN
          format('Uploaded seg_%s.mp4 (%s MB) to https://storage.example.com/renders/%s/seg_%s.mp4?X-Amz-Expires=3600 in %ss',
                 lpad(to_hex(f.h & 16777215), 6, '0'), 1 + ((f.h >> 24) & 127), w.runpod,
                 lpad(to_hex(f.h & 16777215), 6, '0'), round(((f.h >> 32) & 1023) / 100.0, 2))
        WHEN f.r < 0.89 THEN
          format('Pipeline stage | load_model=%sms | encode=%sms | decode=%sms | total=%sms',
                 (f.h & 1023), ((f.h >> 10) & 4095), ((f.h >> 22) & 2047),
                 (f.h & 1023) + ((f.h >> 10) & 4095) + ((f.h >> 22) & 2047))
        WHEN f.r < 0.925 THEN
          format('⚠️ Slow storage write: %s MB in %ss to /workspace (threshold 5.0s), retrying with smaller chunks',
                 1 + (f.h & 255), round((500 + ((f.h >> 8) & 2047)) / 100.0, 2))
        WHEN f.r < 0.955 THEN
          format('⚠️ GPU temperature %s°C above the 83°C threshold, throttling clocks to %s MHz',
                 84 + (f.h & 7), 1400 + ((f.h >> 3) & 511))
        WHEN f.r < 0.975 THEN
          format('❌ CUDA out of memory. Tried to allocate %s GiB (GPU 0; 23.65 GiB total capacity; %s GiB already allocated; %s MiB free)',
                 round((1 + (f.h & 15)) / 4.0, 2), round((((f.h >> 4) & 2047) / 100.0), 2), (f.h >> 16) & 511)
        WHEN f.r < 0.99 THEN
          format('Model download timed out after 300s | retrying is safe (attempt %s/5)', 1 + (f.h & 3))
        ELSE
          format(E'Traceback (most recent call last):\n  File "worker.py", line %s, in process_segment\nRuntimeError: ffmpeg exited with status %s',
                 300 + (f.h & 255), 1 + ((f.h >> 8) & 3))
      END AS msg,
      CASE WHEN f.r < 0.45 THEN jsonb_build_object('vram_used_mb', 500 + ((f.h >> 9) & 16383),
                                                  'gpu_util', ((f.h >> 24) & 127) % 100, 'temp_c', 40 + ((f.h >> 32) & 63) % 46) END AS md
  ) m
) all_rows, bp
ORDER BY off, id;

\if :partitioned
ALTER TABLE system_logs ADD CONSTRAINT system_logs_pkey PRIMARY KEY (id, "timestamp");
\else
ALTER TABLE system_logs ADD CONSTRAINT system_logs_pkey PRIMARY KEY (id);
\endif
CREATE INDEX system_logs_timestamp_idx ON system_logs ("timestamp");

COMMENT ON TABLE system_logs IS 'tlrecon bench/generate.sql';
SELECT format('COMMENT ON TABLE system_logs IS %L',
              format('tlrecon bench/generate.sql rows=%s partitioned=%s days=%s history_days=%s start=%s slots=%s tasks_per_day=%s life=%s drain=%s orch_every=%s',
                     :rows, :partitioned, :days, :history_days, :'start', :slots, (SELECT tasks_per_day FROM bp),
                     :life, :drain, :orch_every))
\gexec

VACUUM ANALYZE workers, tasks, system_logs, workflow_decisions, workflow_executions;

SELECT 'workers' AS "table", count(*) AS rows FROM workers
UNION ALL SELECT 'tasks', count(*) FROM tasks
UNION ALL SELECT 'workflow_decisions', count(*) FROM workflow_decisions
UNION ALL SELECT 'workflow_executions', count(*) FROM workflow_executions
UNION ALL SELECT 'system_logs', count(*) FROM system_logs;
