-- tlrecon sample data: a GPU orchestrator redeployed on 2026-05-12, then silent while it
-- keeps scaling. All times UTC. Invented, but every line is a line the orchestrator at
-- reigh-worker-orchestrator fcec14f (era E3 of ../shared/REAL-SYSTEM.md section 2) writes.
--
-- Load into a database that already has sample_data/src/schema_gpu.sql applied:
--   psql -v ON_ERROR_STOP=1 -f schema_gpu.sql -f orchestrator-2026-05-redeploy.sql
-- (scripts/load_sample.sh orchestrator-2026-05-redeploy DB does both).
-- Snapshot window: [2026-05-12T08:00:00Z, 2026-05-12T12:00:00Z).
-- Fully deterministic: no random(), no now(); ids are fixed strings or md5() of them.
--
-- How E3 speaks (DB_LOG_LEVEL=INFO, so its DEBUG lines -- TASK COUNT, SCALING DECISION --
-- never arrive): each cycle (ORCHESTRATOR_POLL_SEC=30) logs
--   'Cycle #n: scaling=q active=a'                       (q, a: the tasks table at that moment)
--   'Cycle completed: {'workers_promoted': p, 'workers_failed': 0, 'workers_spawned': s,
--                      'workers_terminated': t, 'tasks_reset': 0, 'startup_scripts_launched': l}'
-- with cycle_number = n; every 10th cycle '📊 Database logging stats: {…}'; a cycle longer
-- than 30 s is followed by the WARNING 'Cycle took 50.4s, longer than 30s interval'.
-- A scale-up logs 'SCALING UP: Spawning n workers (current: c, desired: d)' and, per worker,
-- 'Worker i/n spawned successfully' -- no INFO line names a new worker since 99a909f. A spawn
-- whose worker record cannot be inserted logs 'Failed to create worker record <id>: {…}' and
-- 'Failed to spawn worker i/n' (ERROR) and leaves no row. Later cycles log 'Launched startup
-- script for <id>', 'Worker <id> signaled ready_for_tasks - promoting to active', and for an
-- idle termination 'Terminating 1 workers (over-capacity: c > d)', 'WORKER_LIFECYCLE [Worker
-- <id>] TERMINATING worker (reason: …)', '… RunPod terminated successfully', 'Terminated idle
-- worker <id> (idle > 900s)'. While a pause_scaling row is active a needed scale-up logs only
-- the WARNING 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping
-- spawn of n workers'. The source id is 'orchestrator_gpu-' || hostname (no
-- ORCHESTRATOR_INSTANCE_ID): a redeploy is a new source id whose first line is
-- '✅ Database logging enabled: <source_id> -> Supabase' (cycle_number NULL) and whose cycles
-- count from 1; the SIGTERM that stops the old container leaves no line. No orchestrator line
-- sets the worker_id column. The API orchestrator (another Railway service, not redeployed
-- here) logs its '[WORKER_LOOP]' lines all along; they never concern GPU workers.
--
-- Story
--   07:00-09:41:47   instance A = orchestrator_gpu-3f9c2b7e41d0 (running since 2026-05-10),
--                    cycles #4251..#4571.
--   08:12:14         A, cycle #4394: 'SCALING UP: Spawning 2 workers (current: 0, desired: 2)' for
--                    3 queued tasks; gpu-20260512_081215-7a3e91c4 (08:12:15) and
--                    gpu-20260512_081240-d52b08f1 (08:12:40) created, 'Worker 1/2', 'Worker 2/2
--                    spawned successfully'; the cycle takes 50 s. Promoted 08:15:06/08:15:36,
--                    idle-terminated by A at 08:41:19 and 08:37:17.
--   09:20:36         A, cycle #4529: spawns 1 (gpu-20260512_092037-3c86e2a9, 09:20:37) for a
--                    travel batch; promoted 09:23:08; idle from 09:36:40.
--   09:41:47         A's last line (cycle #4571). A push redeploys the service (SIGTERM: no line).
--   09:44:12         instance B = orchestrator_gpu-a84e10c5d2f7 starts: '✅ Database logging
--                    enabled: orchestrator_gpu-a84e10c5d2f7 -> Supabase'; 'Cycle #1: …' at 09:44:12.
--   09:51:44         B, cycle #16, terminates A's worker gpu-20260512_092037-3c86e2a9 (idle).
--   10:02:15         B, cycle #37: 'SCALING UP: Spawning 2 workers (current: 0, desired: 2)';
--                    gpu-20260512_100215-91f4c7d0 created (10:02:15.947), 'Worker 1/2 spawned
--                    successfully'; the second record insert times out: 'Failed to create worker
--                    record gpu-20260512_100239-c41d7e2a: {…57014…}', 'Failed to spawn worker 2/2'.
--                    No row for it. The user cancels one of the 3 tasks at 10:02:46, so one
--                    worker is enough and no further spawn follows.
--   10:18            an operator pauses scaling (pause_scaling row) to try a new image: B's cycles
--                    #71..#82 (10:19:28-10:25:02) log 'SCALE-UP SUPPRESSED: … skipping spawn of 2
--                    workers' (1 when one more would do), and at 10:21:07 the operator launches
--                    manual-gpu-20260512_102107-5e0c93ab by hand (scripts/spawn_gpu.py, which
--                    logs to stdout only). B later launches its startup script (10:23:31), promotes
--                    it (10:24:31) and idle-terminates it (10:50:47).
--   10:52:17         B, cycle #136, terminates gpu-20260512_100215-91f4c7d0; its 'Cycle completed'
--                    at 10:52:18.000 is B's LAST line: its log handler's thread dies, B goes on.
--   11:05:50         4 tasks; B (silent) creates gpu-20260512_110640-b8d2f615 (11:06:40.513) and
--                    gpu-20260512_110705-4e7a03cd (11:07:05.229), promoted 11:09:12/11:09:55.
--   11:18:30         a user's own machine first beats: func_worker_heartbeat_with_logs inserts
--                    worker local-studio-3090 (instance_type 'external', status 'active', never
--                    promoted, no orchestrator involved); it logs every 20 s to the end.
--   11:30:20         6 tasks; B (silent) creates gpu-20260512_113112-0f9d5b2e (11:31:12.884),
--                    promoted 11:33:41. Workers keep logging; B never does again.
--
-- Findings tlrecon must report on the window:
--   orchestrator_restart  low, entities [orchestrator_gpu-3f9c2b7e41d0, orchestrator_gpu-a84e10c5d2f7]
--                         (old, new), 09:41:47 -> 09:44:12, evidence the startup line; exactly one.
--   logging_gap           high, [orchestrator_gpu-a84e10c5d2f7], 10:52:18 -> open at 12:00:00
--                         (B creates and promotes workers in it).
--   unexplained_scale_up  high, [gpu-20260512_110640-b8d2f615, gpu-20260512_110705-4e7a03cd],
--                         11:06:40.513-11:07:05.229, related to B's gap.
--   unexplained_scale_up  high, [gpu-20260512_113112-0f9d5b2e], 11:31:12.884, related to B's gap.
--   unexplained_scale_up  medium, [manual-gpu-20260512_102107-5e0c93ab], 10:21:07.482: B was
--                         logging, but only SCALE-UP SUPPRESSED lines, which account for nothing.
--   Nothing else at or above medium. In particular: no logging_gap for A (its silence ends at
--   the hand-over, 2m25s < 5 min); no orchestrator_restart from A's or B's cycles; no finding
--   naming local-studio-3090 (not a scale-up, not worker_never_promoted, not stale); the failed
--   spawn of 10:02 is healthy (1 of 2 workers appeared: 'Spawning 2' accounts for it).

BEGIN;

-- ---------------------------------------------------------------- workers
-- Rows as the orchestrator leaves them (database.py create_worker_record, then
-- update_worker_status merging metadata; the guardian's heartbeats through
-- func_worker_heartbeat_with_logs add the vram_* keys), times ISO with +00:00.
INSERT INTO workers (id, instance_type, status, created_at, last_heartbeat, metadata) VALUES
  ('gpu-20260512_081215-7a3e91c4', 'NVIDIA GeForce RTX 4090', 'terminated', '2026-05-12 08:12:15.204118+00', '2026-05-12 08:41:04.7+00',
   '{"orchestrator_status": "terminated", "runpod_id": "x1c7f0k2b9m4qa", "ram_tier": 60, "storage_volume": "EU-RO-1", "ssh_details": {"ip": "213.173.98.14", "port": 11402}, "startup_script_launched": true, "startup_script_launched_at": "2026-05-12T08:13:36.455012+00:00", "promoted_to_active_at": "2026-05-12T08:15:06.741305+00:00", "promotion_reason": "ready_for_tasks", "vram_total_mb": 24564, "vram_used_mb": 612, "vram_timestamp": 1778575264.7, "terminated_at": "2026-05-12T08:41:19.330874+00:00", "termination_reason": "scale_down_idle (capacity 1 > desired 0)"}'),
  ('gpu-20260512_081240-d52b08f1', 'NVIDIA GeForce RTX 4090', 'terminated', '2026-05-12 08:12:40.11295+00', '2026-05-12 08:37:03.1+00',
   '{"orchestrator_status": "terminated", "runpod_id": "p3n8v6t1z0r5wd", "ram_tier": 60, "storage_volume": "EU-RO-1", "ssh_details": {"ip": "213.173.98.31", "port": 11417}, "startup_script_launched": true, "startup_script_launched_at": "2026-05-12T08:14:06.570833+00:00", "promoted_to_active_at": "2026-05-12T08:15:36.94812+00:00", "promotion_reason": "ready_for_tasks", "vram_total_mb": 24564, "vram_used_mb": 588, "vram_timestamp": 1778575023.1, "terminated_at": "2026-05-12T08:37:17.652231+00:00", "termination_reason": "scale_down_idle (capacity 2 > desired 0)"}'),
  ('gpu-20260512_092037-3c86e2a9', 'NVIDIA GeForce RTX 4090', 'terminated', '2026-05-12 09:20:37.018446+00', '2026-05-12 09:51:31.8+00',
   '{"orchestrator_status": "terminated", "runpod_id": "h6q2m9c4y7e1sb", "ram_tier": 60, "storage_volume": "EU-RO-1", "ssh_details": {"ip": "213.173.99.7", "port": 11503}, "startup_script_launched": true, "startup_script_launched_at": "2026-05-12T09:22:08.149720+00:00", "promoted_to_active_at": "2026-05-12T09:23:08.196551+00:00", "promotion_reason": "ready_for_tasks", "vram_total_mb": 24564, "vram_used_mb": 640, "vram_timestamp": 1778579491.8, "terminated_at": "2026-05-12T09:51:44.97142+00:00", "termination_reason": "scale_down_idle (capacity 1 > desired 0)"}'),
  ('gpu-20260512_100215-91f4c7d0', 'NVIDIA GeForce RTX 4090', 'terminated', '2026-05-12 10:02:15.947301+00', '2026-05-12 10:52:04.2+00',
   '{"orchestrator_status": "terminated", "runpod_id": "d9w5k3r8u2j6nl", "ram_tier": 60, "storage_volume": "EU-RO-1", "ssh_details": {"ip": "213.173.101.62", "port": 11620}, "startup_script_launched": true, "startup_script_launched_at": "2026-05-12T10:04:20.066204+00:00", "promoted_to_active_at": "2026-05-12T10:04:49.853006+00:00", "promotion_reason": "ready_for_tasks", "vram_total_mb": 24564, "vram_used_mb": 597, "vram_timestamp": 1778583124.2, "terminated_at": "2026-05-12T10:52:17.905117+00:00", "termination_reason": "scale_down_idle (capacity 1 > desired 0)"}'),
  -- launched by hand with scripts/spawn_gpu.py while scaling was paused; the orchestrator
  -- adopts it like any spawning worker of a managed instance type
  ('manual-gpu-20260512_102107-5e0c93ab', 'NVIDIA GeForce RTX 4090', 'terminated', '2026-05-12 10:21:07.482109+00', '2026-05-12 10:50:36.1+00',
   '{"orchestrator_status": "terminated", "runpod_id": "f4b1x7s0g5v9pe", "ssh_details": {"ip": "213.173.101.90", "port": 11688}, "startup_script_launched": true, "startup_script_launched_at": "2026-05-12T10:23:31.233871+00:00", "promoted_to_active_at": "2026-05-12T10:24:31.447215+00:00", "promotion_reason": "ready_for_tasks", "vram_total_mb": 24564, "vram_used_mb": 655, "vram_timestamp": 1778583036.1, "terminated_at": "2026-05-12T10:50:47.846690+00:00", "termination_reason": "scale_down_idle (capacity 2 > desired 0)"}'),
  -- created by B after its logging died
  ('gpu-20260512_110640-b8d2f615', 'NVIDIA GeForce RTX 4090', 'active', '2026-05-12 11:06:40.513207+00', '2026-05-12 11:59:52.4+00',
   '{"orchestrator_status": "active", "runpod_id": "m2t6a9e3q8w1ko", "ram_tier": 60, "storage_volume": "EU-RO-1", "ssh_details": {"ip": "213.173.102.3", "port": 11731}, "startup_script_launched": true, "startup_script_launched_at": "2026-05-12T11:08:24.618305+00:00", "promoted_to_active_at": "2026-05-12T11:09:12.804560+00:00", "promotion_reason": "ready_for_tasks", "vram_total_mb": 24564, "vram_used_mb": 603, "vram_timestamp": 1778587192.4}'),
  ('gpu-20260512_110705-4e7a03cd', 'NVIDIA GeForce RTX 4090', 'active', '2026-05-12 11:07:05.229871+00', '2026-05-12 11:59:47.9+00',
   '{"orchestrator_status": "active", "runpod_id": "r7y0c5h2n6b3xu", "ram_tier": 60, "storage_volume": "EU-RO-1", "ssh_details": {"ip": "213.173.102.18", "port": 11744}, "startup_script_launched": true, "startup_script_launched_at": "2026-05-12T11:08:55.007114+00:00", "promoted_to_active_at": "2026-05-12T11:09:55.311942+00:00", "promotion_reason": "ready_for_tasks", "vram_total_mb": 24564, "vram_used_mb": 590, "vram_timestamp": 1778587187.9}'),
  -- inserted by func_worker_heartbeat_with_logs at the first beat of a user's own machine
  ('local-studio-3090', 'external', 'active', '2026-05-12 11:18:30.117+00', '2026-05-12 11:59:50.6+00',
   '{"vram_total_mb": 24576, "vram_used_mb": 1210, "vram_timestamp": 1778587190.6}'),
  ('gpu-20260512_113112-0f9d5b2e', 'NVIDIA GeForce RTX 4090', 'active', '2026-05-12 11:31:12.88452+00', '2026-05-12 11:59:55.1+00',
   '{"orchestrator_status": "active", "runpod_id": "j5e8u1p4d0s7ig", "ram_tier": 60, "storage_volume": "EU-RO-1", "ssh_details": {"ip": "213.173.102.47", "port": 11790}, "startup_script_launched": true, "startup_script_launched_at": "2026-05-12T11:32:48.550210+00:00", "promoted_to_active_at": "2026-05-12T11:33:41.270094+00:00", "promotion_reason": "ready_for_tasks", "vram_total_mb": 24564, "vram_used_mb": 611, "vram_timestamp": 1778587195.1}');

-- ---------------------------------------------------------------- tasks
INSERT INTO tasks (id, task_type, status, worker_id, created_at, updated_at, generation_started_at, generation_processed_at, attempts, error_message)
SELECT md5('redeploy-task-' || k)::uuid, ty, st, wid, c::timestamptz, coalesce(u, p, s, c)::timestamptz, s::timestamptz, p::timestamptz,
       CASE WHEN s IS NULL THEN 0 ELSE 1 END, err
FROM (VALUES
  ('T01', 'image_generation', 'Complete', 'gpu-20260512_081215-7a3e91c4', '2026-05-12 08:11:50.412+00', NULL, '2026-05-12 08:15:09.517+00', '2026-05-12 08:19:40.733+00', NULL),
  ('T02', 'image_generation', 'Complete', 'gpu-20260512_081240-d52b08f1', '2026-05-12 08:11:53.907+00', NULL, '2026-05-12 08:15:39.884+00', '2026-05-12 08:22:05.126+00', NULL),
  ('T03', 'image_generation', 'Complete', 'gpu-20260512_081215-7a3e91c4', '2026-05-12 08:11:57.233+00', NULL, '2026-05-12 08:19:44.061+00', '2026-05-12 08:26:10.498+00', NULL),
  ('T04', 'travel_orchestrator', 'Complete', 'gpu-20260512_092037-3c86e2a9', '2026-05-12 09:20:30.826+00', NULL, '2026-05-12 09:23:11.402+00', '2026-05-12 09:27:51.218+00', NULL),
  ('T05', 'travel_segment', 'Complete', 'gpu-20260512_092037-3c86e2a9', '2026-05-12 09:20:41.305+00', NULL, '2026-05-12 09:27:54.830+00', '2026-05-12 09:36:40.317+00', NULL),
  ('T06', 'image_generation', 'Complete', 'gpu-20260512_100215-91f4c7d0', '2026-05-12 10:01:49.608+00', NULL, '2026-05-12 10:04:52.118+00', '2026-05-12 10:10:14.507+00', NULL),
  ('T07', 'image_generation', 'Complete', 'gpu-20260512_100215-91f4c7d0', '2026-05-12 10:01:55.013+00', NULL, '2026-05-12 10:10:18.063+00', '2026-05-12 10:16:41.772+00', NULL),
  ('T08', 'image_generation', 'Cancelled', NULL, '2026-05-12 10:01:58.342+00', '2026-05-12 10:02:46.213+00', NULL, NULL, NULL),
  ('T09', 'image_edit', 'Complete', 'gpu-20260512_100215-91f4c7d0', '2026-05-12 10:19:20.225+00', NULL, '2026-05-12 10:19:23.406+00', '2026-05-12 10:25:05.318+00', NULL),
  ('T10', 'image_edit', 'Complete', 'manual-gpu-20260512_102107-5e0c93ab', '2026-05-12 10:19:21.870+00', NULL, '2026-05-12 10:24:34.207+00', '2026-05-12 10:29:55.931+00', NULL),
  ('T11', 'image_edit', 'Complete', 'gpu-20260512_100215-91f4c7d0', '2026-05-12 10:19:24.114+00', NULL, '2026-05-12 10:25:08.902+00', '2026-05-12 10:31:12.660+00', NULL),
  ('T12', 'image_edit', 'Failed', 'manual-gpu-20260512_102107-5e0c93ab', '2026-05-12 10:19:27.530+00', '2026-05-12 10:35:21.017+00', '2026-05-12 10:29:59.480+00', NULL,
   'CUDA out of memory. Tried to allocate 3.10 GiB (GPU 0; 23.64 GiB total capacity; 20.91 GiB already allocated)'),
  ('T13', 'image_edit', 'Complete', 'gpu-20260512_100215-91f4c7d0', '2026-05-12 10:19:31.008+00', NULL, '2026-05-12 10:31:16.015+00', '2026-05-12 10:36:50.244+00', NULL),
  ('T14', 'image_generation', 'Complete', 'gpu-20260512_110640-b8d2f615', '2026-05-12 11:05:50.117+00', NULL, '2026-05-12 11:09:16.120+00', '2026-05-12 11:14:40.882+00', NULL),
  ('T15', 'image_generation', 'Complete', 'gpu-20260512_110705-4e7a03cd', '2026-05-12 11:05:53.402+00', NULL, '2026-05-12 11:09:58.664+00', '2026-05-12 11:16:02.190+00', NULL),
  ('T16', 'image_generation', 'Complete', 'gpu-20260512_110640-b8d2f615', '2026-05-12 11:05:58.760+00', NULL, '2026-05-12 11:14:44.357+00', '2026-05-12 11:20:31.604+00', NULL),
  ('T17', 'image_generation', 'Complete', 'gpu-20260512_110705-4e7a03cd', '2026-05-12 11:06:04.935+00', NULL, '2026-05-12 11:16:05.731+00', '2026-05-12 11:22:48.455+00', NULL),
  ('T18', 'travel_orchestrator', 'Complete', 'gpu-20260512_110640-b8d2f615', '2026-05-12 11:30:20.402+00', NULL, '2026-05-12 11:30:22.618+00', '2026-05-12 11:36:10.044+00', NULL),
  ('T19', 'travel_segment', 'Complete', 'gpu-20260512_110705-4e7a03cd', '2026-05-12 11:30:24.117+00', NULL, '2026-05-12 11:30:26.135+00', '2026-05-12 11:37:02.509+00', NULL),
  ('T20', 'travel_segment', 'Complete', 'gpu-20260512_113112-0f9d5b2e', '2026-05-12 11:30:29.880+00', NULL, '2026-05-12 11:33:44.903+00', '2026-05-12 11:40:02.637+00', NULL),
  ('T21', 'travel_segment', 'Complete', 'gpu-20260512_110640-b8d2f615', '2026-05-12 11:30:33.245+00', NULL, '2026-05-12 11:36:13.318+00', '2026-05-12 11:42:50.126+00', NULL),
  ('T22', 'travel_segment', 'Complete', 'gpu-20260512_113112-0f9d5b2e', '2026-05-12 11:30:38.761+00', NULL, '2026-05-12 11:40:06.150+00', '2026-05-12 11:46:55.302+00', NULL),
  ('T23', 'travel_segment', 'Complete', 'gpu-20260512_110705-4e7a03cd', '2026-05-12 11:30:44.903+00', NULL, '2026-05-12 11:37:05.806+00', '2026-05-12 11:43:40.331+00', NULL)
) AS t (k, ty, st, wid, c, u, s, p, err);

-- ---------------------------------------------------------------- GPU orchestrator cycles
-- Cycle start times: interpolated between anchor cycles, plus a deterministic
-- jitter of -0.2..+0.2 s; a cycle runs 0.35-1.25 s, or until its last event
-- line (a spawn waits for the pod), or ends at the anchor's t_end. The anchors
-- are the instances' first and last cycles and the two cycles longer than the
-- 30 s poll interval (after those the next cycle starts at once).
CREATE TEMP TABLE orch_cycle ON COMMIT DROP AS
WITH
anchor (inst, n, t, t_end) AS (VALUES
    ('A', 4251::bigint, timestamptz '2026-05-12 07:00:05.21+00', NULL::timestamptz),
    ('A', 4394, timestamptz '2026-05-12 08:12:14.35+00', NULL),
    ('A', 4395, timestamptz '2026-05-12 08:13:05.23+00', NULL),
    ('A', 4571, timestamptz '2026-05-12 09:41:46.1+00', timestamptz '2026-05-12 09:41:47+00'),
    ('B', 1, timestamptz '2026-05-12 09:44:12.4+00', NULL),
    ('B', 37, timestamptz '2026-05-12 10:02:15.1+00', NULL),
    ('B', 38, timestamptz '2026-05-12 10:02:48+00', NULL),
    ('B', 136, timestamptz '2026-05-12 10:52:17.3+00', timestamptz '2026-05-12 10:52:18+00')),
seg AS (
    SELECT inst, n AS a, t AS ta, t_end, lead(n) OVER w AS b, lead(t) OVER w AS tb
    FROM anchor WINDOW w AS (PARTITION BY inst ORDER BY n))
SELECT s.inst, g.n,
       CASE WHEN g.n = s.a THEN s.ta
            ELSE s.ta + (s.tb - s.ta) * ((g.n - s.a)::float8 / (s.b - s.a))
                      + make_interval(secs => ((g.n * g.n * 7919 + g.n * 31) % 401 - 200) / 1000.0)
       END AS t_start,
       make_interval(secs => 0.35 + ((g.n * 104729) % 900) / 1000.0) AS base,
       CASE WHEN g.n = s.a THEN s.t_end END AS t_end
FROM seg s
JOIN LATERAL generate_series(s.a, coalesce(s.b - 1, s.a)) AS g (n) ON true;

-- What the cycles did besides counting, line by line (kind counts into 'Cycle completed').
CREATE TEMP TABLE orch_event (inst, n, ts, lvl, msg, kind) ON COMMIT DROP AS
SELECT inst, n::bigint, ts::timestamptz, lvl, msg, kind FROM (VALUES
  -- A: two workers for three tasks; the pods take 25 s each, the cycle 50 s
  ('A', 4394, '2026-05-12 08:12:14.871+00', 'INFO', 'SCALING UP: Spawning 2 workers (current: 0, desired: 2)', NULL),
  ('A', 4394, '2026-05-12 08:12:39.870+00', 'INFO', 'Worker 1/2 spawned successfully', 'spawned'),
  ('A', 4394, '2026-05-12 08:13:04.633+00', 'INFO', 'Worker 2/2 spawned successfully', 'spawned'),
  ('A', 4396, '2026-05-12 08:13:36.412+00', 'INFO', 'Launched startup script for gpu-20260512_081215-7a3e91c4', 'launched'),
  ('A', 4397, '2026-05-12 08:14:06.527+00', 'INFO', 'Launched startup script for gpu-20260512_081240-d52b08f1', 'launched'),
  ('A', 4399, '2026-05-12 08:15:06.702+00', 'INFO', 'Worker gpu-20260512_081215-7a3e91c4 signaled ready_for_tasks - promoting to active', 'promoted'),
  ('A', 4400, '2026-05-12 08:15:36.902+00', 'INFO', 'Worker gpu-20260512_081240-d52b08f1 signaled ready_for_tasks - promoting to active', 'promoted'),
  ('A', 4443, '2026-05-12 08:37:16.833+00', 'INFO', 'Terminating 1 workers (over-capacity: 2 > 0)', NULL),
  ('A', 4443, '2026-05-12 08:37:16.851+00', 'INFO', 'WORKER_LIFECYCLE [Worker gpu-20260512_081240-d52b08f1] TERMINATING worker (reason: scale_down_idle (capacity 2 > desired 0))', NULL),
  ('A', 4443, '2026-05-12 08:37:17.604+00', 'INFO', 'WORKER_LIFECYCLE [Worker gpu-20260512_081240-d52b08f1] RunPod terminated successfully', NULL),
  ('A', 4443, '2026-05-12 08:37:17.698+00', 'INFO', 'Terminated idle worker gpu-20260512_081240-d52b08f1 (idle > 900s)', 'terminated'),
  ('A', 4451, '2026-05-12 08:41:18.516+00', 'INFO', 'Terminating 1 workers (over-capacity: 1 > 0)', NULL),
  ('A', 4451, '2026-05-12 08:41:18.533+00', 'INFO', 'WORKER_LIFECYCLE [Worker gpu-20260512_081215-7a3e91c4] TERMINATING worker (reason: scale_down_idle (capacity 1 > desired 0))', NULL),
  ('A', 4451, '2026-05-12 08:41:19.287+00', 'INFO', 'WORKER_LIFECYCLE [Worker gpu-20260512_081215-7a3e91c4] RunPod terminated successfully', NULL),
  ('A', 4451, '2026-05-12 08:41:19.371+00', 'INFO', 'Terminated idle worker gpu-20260512_081215-7a3e91c4 (idle > 900s)', 'terminated'),
  -- A: one worker for a travel batch
  ('A', 4529, '2026-05-12 09:20:36.690+00', 'INFO', 'SCALING UP: Spawning 1 workers (current: 0, desired: 1)', NULL),
  ('A', 4529, '2026-05-12 09:21:01.245+00', 'INFO', 'Worker 1/1 spawned successfully', 'spawned'),
  ('A', 4532, '2026-05-12 09:22:08.104+00', 'INFO', 'Launched startup script for gpu-20260512_092037-3c86e2a9', 'launched'),
  ('A', 4534, '2026-05-12 09:23:08.150+00', 'INFO', 'Worker gpu-20260512_092037-3c86e2a9 signaled ready_for_tasks - promoting to active', 'promoted'),
  -- B terminates A's idle worker
  ('B', 16, '2026-05-12 09:51:44.051+00', 'INFO', 'Terminating 1 workers (over-capacity: 1 > 0)', NULL),
  ('B', 16, '2026-05-12 09:51:44.068+00', 'INFO', 'WORKER_LIFECYCLE [Worker gpu-20260512_092037-3c86e2a9] TERMINATING worker (reason: scale_down_idle (capacity 1 > desired 0))', NULL),
  ('B', 16, '2026-05-12 09:51:44.930+00', 'INFO', 'WORKER_LIFECYCLE [Worker gpu-20260512_092037-3c86e2a9] RunPod terminated successfully', NULL),
  ('B', 16, '2026-05-12 09:51:45.012+00', 'INFO', 'Terminated idle worker gpu-20260512_092037-3c86e2a9 (idle > 900s)', 'terminated'),
  -- B: two wanted, one spawned, the second worker record times out (no row)
  ('B', 37, '2026-05-12 10:02:15.588+00', 'INFO', 'SCALING UP: Spawning 2 workers (current: 0, desired: 2)', NULL),
  ('B', 37, '2026-05-12 10:02:39.415+00', 'INFO', 'Worker 1/2 spawned successfully', 'spawned'),
  ('B', 37, '2026-05-12 10:02:47.622+00', 'ERROR', 'Failed to create worker record gpu-20260512_100239-c41d7e2a: {''message'': ''canceling statement due to statement timeout'', ''code'': ''57014'', ''hint'': None, ''details'': None}', NULL),
  ('B', 37, '2026-05-12 10:02:47.640+00', 'ERROR', 'Failed to spawn worker 2/2', NULL),
  ('B', 41, '2026-05-12 10:04:20.021+00', 'INFO', 'Launched startup script for gpu-20260512_100215-91f4c7d0', 'launched'),
  ('B', 42, '2026-05-12 10:04:49.812+00', 'INFO', 'Worker gpu-20260512_100215-91f4c7d0 signaled ready_for_tasks - promoting to active', 'promoted'),
  -- B while scaling is paused; the operator's manual worker appears at 10:21:07.482
  ('B', 71, '2026-05-12 10:19:28.541+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 1 workers', NULL),
  ('B', 72, '2026-05-12 10:19:58.864+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 2 workers', NULL),
  ('B', 73, '2026-05-12 10:20:28.985+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 2 workers', NULL),
  ('B', 74, '2026-05-12 10:20:59.305+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 2 workers', NULL),
  ('B', 75, '2026-05-12 10:21:29.423+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 1 workers', NULL),
  ('B', 76, '2026-05-12 10:21:59.740+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 1 workers', NULL),
  ('B', 77, '2026-05-12 10:22:30.256+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 1 workers', NULL),
  ('B', 78, '2026-05-12 10:23:00.570+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 1 workers', NULL),
  ('B', 79, '2026-05-12 10:23:31.188+00', 'INFO', 'Launched startup script for manual-gpu-20260512_102107-5e0c93ab', 'launched'),
  ('B', 79, '2026-05-12 10:23:31.330+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 1 workers', NULL),
  ('B', 80, '2026-05-12 10:24:00.993+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 1 workers', NULL),
  ('B', 81, '2026-05-12 10:24:31.402+00', 'INFO', 'Worker manual-gpu-20260512_102107-5e0c93ab signaled ready_for_tasks - promoting to active', 'promoted'),
  ('B', 81, '2026-05-12 10:24:31.560+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 1 workers', NULL),
  ('B', 82, '2026-05-12 10:25:01.811+00', 'WARNING', 'SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; skipping spawn of 1 workers', NULL),
  -- B idle-terminates the manual worker, then its own; then its logging dies
  ('B', 133, '2026-05-12 10:50:47.011+00', 'INFO', 'Terminating 1 workers (over-capacity: 2 > 0)', NULL),
  ('B', 133, '2026-05-12 10:50:47.029+00', 'INFO', 'WORKER_LIFECYCLE [Worker manual-gpu-20260512_102107-5e0c93ab] TERMINATING worker (reason: scale_down_idle (capacity 2 > desired 0))', NULL),
  ('B', 133, '2026-05-12 10:50:47.802+00', 'INFO', 'WORKER_LIFECYCLE [Worker manual-gpu-20260512_102107-5e0c93ab] RunPod terminated successfully', NULL),
  ('B', 133, '2026-05-12 10:50:47.889+00', 'INFO', 'Terminated idle worker manual-gpu-20260512_102107-5e0c93ab (idle > 900s)', 'terminated'),
  ('B', 136, '2026-05-12 10:52:17.712+00', 'INFO', 'Terminating 1 workers (over-capacity: 1 > 0)', NULL),
  ('B', 136, '2026-05-12 10:52:17.727+00', 'INFO', 'WORKER_LIFECYCLE [Worker gpu-20260512_100215-91f4c7d0] TERMINATING worker (reason: scale_down_idle (capacity 1 > desired 0))', NULL),
  ('B', 136, '2026-05-12 10:52:17.871+00', 'INFO', 'WORKER_LIFECYCLE [Worker gpu-20260512_100215-91f4c7d0] RunPod terminated successfully', NULL),
  ('B', 136, '2026-05-12 10:52:17.944+00', 'INFO', 'Terminated idle worker gpu-20260512_100215-91f4c7d0 (idle > 900s)', 'terminated')
) AS e (inst, n, ts, lvl, msg, kind);

-- Every event line inside its cycle, after its 'Cycle #n' line and before the next cycle.
DO $$
DECLARE bad text;
BEGIN
  SELECT string_agg(format('%s #%s %s', e.inst, e.n, e.ts), ', ') INTO bad
  FROM orch_event e
  LEFT JOIN orch_cycle c ON c.inst = e.inst AND c.n = e.n
  LEFT JOIN orch_cycle nx ON nx.inst = e.inst AND nx.n = e.n + 1
  WHERE c.n IS NULL OR e.ts < c.t_start + interval '0.4 s'
     OR (nx.n IS NOT NULL AND e.ts + interval '0.2 s' > nx.t_start)
     OR (c.t_end IS NOT NULL AND e.ts >= c.t_end);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'orchestrator-2026-05-redeploy.sql: event lines outside their cycle: %', bad;
  END IF;
END $$;

INSERT INTO system_logs (id, "timestamp", source_type, source_id, log_level, message, task_id, worker_id, cycle_number, metadata)
WITH
inst (inst, source_id) AS (VALUES
    ('A', 'orchestrator_gpu-3f9c2b7e41d0'),
    ('B', 'orchestrator_gpu-a84e10c5d2f7')),
cyc AS (
    SELECT c.inst, c.n, c.t_start,
           coalesce(c.t_end, greatest(c.t_start + c.base,
                                      (SELECT max(e.ts) + interval '0.12 s' FROM orch_event e
                                       WHERE e.inst = c.inst AND e.n = c.n))) AS t_end,
           (SELECT count(*) FROM tasks t
             WHERE t.created_at <= c.t_start + interval '0.2 s'
               AND (t.generation_started_at IS NULL OR t.generation_started_at > c.t_start + interval '0.2 s')
               AND NOT (t.status = 'Cancelled' AND t.updated_at <= c.t_start + interval '0.2 s')) AS queued,
           (SELECT count(*) FROM tasks t
             WHERE t.generation_started_at <= c.t_start + interval '0.2 s'
               AND coalesce(t.generation_processed_at,
                            CASE WHEN t.status IN ('Failed', 'Cancelled') THEN t.updated_at END,
                            'infinity') > c.t_start + interval '0.2 s') AS active,
           format('{''workers_promoted'': %s, ''workers_failed'': 0, ''workers_spawned'': %s, '
                  '''workers_terminated'': %s, ''tasks_reset'': 0, ''startup_scripts_launched'': %s}',
                  (SELECT count(*) FROM orch_event e WHERE e.inst = c.inst AND e.n = c.n AND e.kind = 'promoted'),
                  (SELECT count(*) FROM orch_event e WHERE e.inst = c.inst AND e.n = c.n AND e.kind = 'spawned'),
                  (SELECT count(*) FROM orch_event e WHERE e.inst = c.inst AND e.n = c.n AND e.kind = 'terminated'),
                  (SELECT count(*) FROM orch_event e WHERE e.inst = c.inst AND e.n = c.n AND e.kind = 'launched'))
             AS actions
    FROM orch_cycle c),
lines (inst, n, ts, ord, lvl, msg) AS (
    SELECT inst, n, t_start + interval '0.2 s' + make_interval(secs => (n % 7) * 0.03), 10, 'INFO',
           format('Cycle #%s: scaling=%s active=%s', n, queued, active)
    FROM cyc
    UNION ALL
    SELECT inst, n, ts, 20 + (row_number() OVER (PARTITION BY inst, n ORDER BY ts))::int, lvl, msg FROM orch_event
    UNION ALL
    SELECT inst, n, t_end, 90, 'INFO', format('Cycle completed: %s', actions) FROM cyc
    UNION ALL
    SELECT inst, n, t_end + interval '0.001 s', 91, 'INFO',
           format('📊 Database logging stats: {''source_type'': ''orchestrator_gpu'', ''source_id'': ''%s'', '
                  '''total_logs_queued'': %s, ''total_logs_sent'': %s, ''total_logs_dropped'': 0, '
                  '''total_batches_sent'': %s, ''total_errors'': 0, ''queue_size'': 0, ''is_alive'': True}',
                  (SELECT source_id FROM inst i WHERE i.inst = cyc.inst), 2 * n + n / 10 + 1, 2 * n + n / 10 + 1, 6 * n)
    FROM cyc WHERE n % 10 = 0
    UNION ALL
    SELECT inst, n, t_end + interval '0.002 s', 92, 'WARNING',
           format('Cycle took %ss, longer than 30s interval', to_char(extract(epoch FROM t_end - t_start), 'FM990.0'))
    FROM cyc WHERE t_end - t_start > interval '30 s')
SELECT md5('redeploy-orch-' || l.inst || '-' || l.n || '-' || l.ord)::uuid, l.ts, 'orchestrator_gpu', i.source_id,
       l.lvl, l.msg, NULL::uuid, NULL::text, l.n::int, NULL::jsonb
FROM lines l JOIN inst i ON i.inst = l.inst
UNION ALL
-- B's first line in the database: setup_logging() logs it before the first cycle.
SELECT md5('redeploy-orch-B-startup')::uuid, timestamptz '2026-05-12 09:44:12+00', 'orchestrator_gpu',
       'orchestrator_gpu-a84e10c5d2f7', 'INFO', '✅ Database logging enabled: orchestrator_gpu-a84e10c5d2f7 -> Supabase',
       NULL, NULL, NULL, NULL
ORDER BY 2, 1;

-- ---------------------------------------------------------------- API orchestrator
-- api_orchestrator/main.py's loop (API_PARENT_POLL_SEC=30, CONCURRENCY 20, no API
-- tasks today): two INFO lines per loop, database stats every 100 loops.
INSERT INTO system_logs (id, "timestamp", source_type, source_id, log_level, message, task_id, worker_id, cycle_number, metadata)
WITH loop AS (
    SELECT k, timestamptz '2026-05-12 07:00:11.4+00'
              + make_interval(secs => (k - 51733) * 30.04 + ((k * k * 31 + k * 17) % 97) / 1000.0) AS ts
    FROM generate_series(51733::bigint, 52340::bigint) AS k),
lines (k, ts, ord, msg) AS (
    SELECT k, ts, 1, format('[WORKER_LOOP] Loop #%s: Active tasks: 0, Capacity: 20', k) FROM loop
    UNION ALL
    SELECT k, ts + interval '0.083 s', 2, '[WORKER_LOOP] Available tasks: 0, Will attempt to claim: 0' FROM loop
    UNION ALL
    SELECT k, ts + interval '0.001 s', 3,
           format('[WORKER_LOOP] 📊 Database logging stats: {''source_type'': ''orchestrator_api'', '
                  '''source_id'': ''orchestrator_api-5b21e9f07c3a'', ''total_logs_queued'': %s, '
                  '''total_logs_sent'': %s, ''total_logs_dropped'': 0, ''total_batches_sent'': %s, '
                  '''total_errors'': 0, ''queue_size'': 0, ''is_alive'': True}', 2 * k + k / 100, 2 * k + k / 100, 6 * k)
    FROM loop WHERE k % 100 = 0)
SELECT md5('redeploy-api-' || k || '-' || ord)::uuid, ts, 'orchestrator_api', 'orchestrator_api-5b21e9f07c3a',
       'INFO', msg, NULL::uuid, NULL::text, NULL::int, NULL::jsonb
FROM lines
ORDER BY 2, 1;

-- ---------------------------------------------------------------- worker logs
-- Each worker logs '✅ Centralized logging enabled for worker' when its startup
-- script has run (before the orchestrator promotes it on ready_for_tasks), then a
-- line every `period` s (+-2 s jitter) up to its last_heartbeat, plus one line per
-- task claimed, completed or failed (from the tasks rows). B's silence does not
-- touch them: their logs reach the database through their own heartbeats.
INSERT INTO system_logs (id, "timestamp", source_type, source_id, log_level, message, task_id, worker_id, cycle_number, metadata)
WITH
plan (worker_id, first_log, period, seed, gpu) AS (VALUES
    ('gpu-20260512_081215-7a3e91c4', timestamptz '2026-05-12 08:14:58.214+00', 25, 1, 'NVIDIA GeForce RTX 4090'),
    ('gpu-20260512_081240-d52b08f1', timestamptz '2026-05-12 08:15:29.631+00', 25, 2, 'NVIDIA GeForce RTX 4090'),
    ('gpu-20260512_092037-3c86e2a9', timestamptz '2026-05-12 09:22:59.402+00', 25, 3, 'NVIDIA GeForce RTX 4090'),
    ('gpu-20260512_100215-91f4c7d0', timestamptz '2026-05-12 10:04:41.318+00', 25, 4, 'NVIDIA GeForce RTX 4090'),
    ('manual-gpu-20260512_102107-5e0c93ab', timestamptz '2026-05-12 10:24:22.905+00', 25, 5, 'NVIDIA GeForce RTX 4090'),
    ('gpu-20260512_110640-b8d2f615', timestamptz '2026-05-12 11:09:03.517+00', 25, 6, 'NVIDIA GeForce RTX 4090'),
    ('gpu-20260512_110705-4e7a03cd', timestamptz '2026-05-12 11:09:46.020+00', 25, 7, 'NVIDIA GeForce RTX 4090'),
    ('local-studio-3090', timestamptz '2026-05-12 11:18:30.117+00', 20, 8, 'NVIDIA GeForce RTX 3090'),
    ('gpu-20260512_113112-0f9d5b2e', timestamptz '2026-05-12 11:33:30.744+00', 25, 9, 'NVIDIA GeForce RTX 4090')),
beat AS (
    SELECT p.worker_id, p.seed, k,
           p.first_log + make_interval(secs => k * p.period + ((k * k * 13 + k * 7 + p.seed) % 5) - 2
                                               + ((k * 389 + p.seed * 71) % 1000) / 1000.0) AS ts
    FROM plan p JOIN workers w ON w.id = p.worker_id
    CROSS JOIN LATERAL generate_series(1, floor(extract(epoch FROM w.last_heartbeat - p.first_log) / p.period)::int - 1) AS k),
lines (wid, ts, ord, lvl, msg, task_id) AS (
    SELECT worker_id, first_log, 0, 'INFO', '✅ Centralized logging enabled for worker', NULL::uuid FROM plan
    UNION ALL
    SELECT worker_id, first_log + interval '1.204 s', 1, 'INFO',
           format('🖥️ GPU ready: %s, VRAM %s/%s MB', gpu, 480 + seed * 37, CASE WHEN gpu LIKE '%3090' THEN 24576 ELSE 24564 END), NULL
    FROM plan
    UNION ALL
    SELECT b.worker_id, b.ts, 100 + b.k, 'INFO',
           CASE WHEN cur.id IS NULL
                THEN format('Heartbeat: idle, VRAM %s/24564 MB', 600 + (b.k * 97 + b.seed * 13) % 500)
                ELSE format('🎬 Processing task %s (%s), VRAM %s/24564 MB', cur.id, cur.task_type, 17200 + (b.k * 211 + b.seed * 29) % 4800)
           END,
           cur.id
    FROM beat b
    LEFT JOIN LATERAL (
        SELECT t.id, t.task_type FROM tasks t
        WHERE t.worker_id = b.worker_id
          AND t.generation_started_at <= b.ts
          AND coalesce(t.generation_processed_at,
                       CASE WHEN t.status IN ('Failed', 'Cancelled') THEN t.updated_at END,
                       'infinity') > b.ts
        ORDER BY t.generation_started_at LIMIT 1) cur ON true
    UNION ALL
    SELECT t.worker_id, t.generation_started_at, 20, 'INFO', format('📥 Claimed task %s (%s)', t.id, t.task_type), t.id
    FROM tasks t JOIN plan p ON p.worker_id = t.worker_id
    WHERE t.generation_started_at IS NOT NULL
    UNION ALL
    SELECT t.worker_id, t.generation_processed_at, 30, 'INFO',
           format('✅ Task %s completed in %ss', t.id, extract(epoch FROM t.generation_processed_at - t.generation_started_at)::int), t.id
    FROM tasks t JOIN plan p ON p.worker_id = t.worker_id
    WHERE t.status = 'Complete'
    UNION ALL
    SELECT t.worker_id, t.updated_at, 30, 'ERROR', format('❌ Task %s failed: %s', t.id, t.error_message), t.id
    FROM tasks t JOIN plan p ON p.worker_id = t.worker_id
    WHERE t.status = 'Failed')
SELECT md5('redeploy-wlog-' || wid || '-' || ord || '-' || coalesce(task_id::text, ''))::uuid, ts,
       'worker', wid, lvl, msg, task_id, wid, NULL::int, NULL::jsonb
FROM lines
ORDER BY 2, 1;

COMMIT;
