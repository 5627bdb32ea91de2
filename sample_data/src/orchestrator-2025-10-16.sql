-- tlrecon sample data: GPU orchestrator incident of 2025-10-16 (seeds 000/001), all times UTC.
--
-- Load into a database that already has sample_data/src/schema_gpu.sql applied:
--   psql -v ON_ERROR_STOP=1 -f schema_gpu.sql -f orchestrator-2025-10-16.sql
-- (scripts/load_sample.sh orchestrator-2025-10-16 DB does both).
-- Snapshot window: [2025-10-16T10:55:00Z, 2025-10-16T18:02:00Z).
--
-- Fully deterministic: no random(), no now(); ids are md5() of fixed strings.
-- The orchestrator and worker log lines are generated from the workers and
-- tasks rows below, so the three tables always tell one consistent story.
--
-- The orchestrator speaks as gpu_orchestrator/control_loop.py and main.py did
-- in October 2025 (../shared/REAL-SYSTEM.md section 2, era E1): every cycle
-- logs 'Starting orchestrator cycle' (a cycle start, NOT a startup),
-- '🔢 TASK COUNT (Cycle #n): Queued=q, Active=a, Total=t', 'Current state: …',
-- '🎯 SCALING DECISION (Cycle #n): Current=a+s, Desired=d', then
-- 'Orchestrator cycle completed in 0.84s: {…actions…}' (control_loop.py) and
-- 'Cycle completed: {…actions…}' (main.py) with the same actions dict; every
-- 20th cycle the 📊 HEALTH SUMMARY block. A scale-up logs '🚀 SCALING UP:
-- Spawning 1 workers (current: c, desired: d)', 'Scaling up: need 1 more
-- workers (…)', '🚀 Creating worker: <id> (Storage: Peter, RAM: 60 GB)' and,
-- once the pod is up, '✅ Worker 1/1 spawned successfully'. A promotion logs
-- '🚀 Worker <id> detected as active via logging - promoting now' (the worker
-- has logged by then); an idle termination logs the 🔄 WORKER_LIFECYCLE lines
-- and 'Terminated idle worker <id> (over-capacity, idle > 300s)'. No line sets
-- the worker_id column (the orchestrator never sets that logging context).
-- ORCHESTRATOR_INSTANCE_ID=gpu-orchestrator is set on Railway, so the source
-- id survives restarts; a SIGTERM leaves no line, and the first line a new
-- process gets into the database is '✅ Database logging enabled:
-- gpu-orchestrator -> Supabase' (cycle_number NULL).
-- Worker rows carry the metadata keys the orchestrator writes (ISO times with
-- +00:00); last_heartbeat was NOT NULL DEFAULT now() in 2025 (every row has one).
--
-- Story
--   10:55:00-10:57:32  old orchestrator process logs cycles #1516..#1520.
--   ~10:58             SIGTERM (deploy of d063e62): no line.
--   10:58:20           new process: '✅ Database logging enabled: gpu-orchestrator -> Supabase';
--                      its cycles restart at #1 (10:58:2x; period ~37 s, deterministic jitter).
--   11:22-17:00        six healthy workers come and go, each with a logged spawn,
--                      promotion and idle termination; 23 tasks (2 Failed).
--   17:30:23           cycle #629 spawns gpu-20251016_173023-673741fb for a task that is
--                      cancelled at 17:31:12 (SCALING UP + Creating worker lines); promoted
--                      17:31:31 (#631), terminated 17:32:02 (#632).
--   17:35:31           cycle #638 'Cycle completed: {… 'workers_spawned': 0, 'workers_terminated': 0 …}'
--                      -- the LAST orchestrator row (seed 001's "0 spawned, 0 terminated").
--                      The orchestrator keeps working, unlogged:
--   17:42:49/17:42:52  two workers created (one promoted 17:43:49, one 'Spawning timeout' 17:52:55).
--   17:55:06/17:55:32  two more workers; the first claims 51e36aa5... and ef5a11b0... at
--                      17:57:06/17:57:08, the second is promoted 17:58:09 and terminated 17:59:09.
--
-- Findings tlrecon must report on the window (what the seeds found):
--   logging_gap            [gpu-orchestrator] high, 17:35:31 -> open at 18:02:00
--   unexplained_scale_up   [gpu-20251016_174249-34c67fdd, gpu-20251016_174252-9356e3ac] high,
--                          17:42:49-17:42:52, related to the gap
--   unexplained_scale_up   [gpu-20251016_175506-a6a03b7b, gpu-20251016_175532-78a04c2b] high,
--                          17:55:06-17:55:32, related to the gap
--   orchestrator_restart   exactly one, low, ending 10:58:20 (cycle 1520 -> 1 and the startup line)
--   none for 17:30:23 (its SCALING UP and Creating worker lines account for it), and no
--   orchestrator_restart from the 600-odd 'Starting orchestrator cycle' lines.
--   Also (not core): worker_never_promoted [gpu-20251016_174252-9356e3ac] medium,
--   early_termination for 173023-673741fb (31 s) and 175532-78a04c2b (1m00s), low.

BEGIN;

-- ---------------------------------------------------------------- workers
INSERT INTO workers (id, instance_type, status, created_at, last_heartbeat, metadata) VALUES
  -- healthy: spawn cycle #40, promoted #42, terminated #81 (26 min)
  ('gpu-20251016_112246-1c9e4b72', 'NVIDIA GeForce RTX 4090', 'terminated', '2025-10-16 11:22:46+00', '2025-10-16 11:48:11+00',
   '{"orchestrator_status": "terminated", "runpod_id": "k3v8q1zt0w5m2a", "ram_tier": 60, "storage_volume": "Peter", "promoted_to_active_at": "2025-10-16T11:23:59.497000+00:00", "terminated_at": "2025-10-16T11:48:23.430000+00:00", "ssh_details": {"ip": "213.173.100.20", "port": 10100}}'),
  -- healthy: spawn cycle #130, promoted #133, terminated #169 (24 min)
  ('gpu-20251016_121857-8f02d6a1', 'NVIDIA GeForce RTX 4090', 'terminated', '2025-10-16 12:18:57+00', '2025-10-16 12:42:55+00',
   '{"orchestrator_status": "terminated", "runpod_id": "p9x4hn27cq6l0e", "ram_tier": 60, "storage_volume": "Peter", "promoted_to_active_at": "2025-10-16T12:20:49.679000+00:00", "terminated_at": "2025-10-16T12:43:19.250000+00:00", "ssh_details": {"ip": "213.173.103.37", "port": 10107}}'),
  -- healthy: spawn cycle #250, promoted #252, terminated #296 (29 min)
  ('gpu-20251016_133350-4be7193c', 'NVIDIA GeForce RTX 4090', 'terminated', '2025-10-16 13:33:50+00', '2025-10-16 14:01:59+00',
   '{"orchestrator_status": "terminated", "runpod_id": "b6t0ry53mz8k4u", "ram_tier": 60, "storage_volume": "Peter", "promoted_to_active_at": "2025-10-16T13:35:09.848000+00:00", "terminated_at": "2025-10-16T14:02:36.974000+00:00", "ssh_details": {"ip": "213.173.106.54", "port": 10114}}'),
  -- healthy: spawn cycle #262, promoted #265, terminated #304 (26 min)
  ('gpu-20251016_134121-d35a08f6', 'NVIDIA GeForce RTX 4090', 'terminated', '2025-10-16 13:41:21+00', '2025-10-16 14:06:55+00',
   '{"orchestrator_status": "terminated", "runpod_id": "w2j7gs91ef4n6o", "ram_tier": 60, "storage_volume": "Peter", "promoted_to_active_at": "2025-10-16T13:43:13.961000+00:00", "terminated_at": "2025-10-16T14:07:32.612000+00:00", "ssh_details": {"ip": "213.173.109.71", "port": 10121}}'),
  -- healthy: spawn cycle #420, promoted #422, terminated #460 (25 min)
  ('gpu-20251016_151954-6e1f2c94', 'NVIDIA GeForce RTX 4090', 'terminated', '2025-10-16 15:19:54+00', '2025-10-16 15:44:22+00',
   '{"orchestrator_status": "terminated", "runpod_id": "h5c3da86vx0p7i", "ram_tier": 60, "storage_volume": "Peter", "promoted_to_active_at": "2025-10-16T15:21:14.287000+00:00", "terminated_at": "2025-10-16T15:44:53.119000+00:00", "ssh_details": {"ip": "213.173.112.88", "port": 10128}}'),
  -- healthy: spawn cycle #540, promoted #543, terminated #578 (24 min)
  ('gpu-20251016_163449-a78d5e03', 'NVIDIA GeForce RTX 4090', 'terminated', '2025-10-16 16:34:49+00', '2025-10-16 16:57:59+00',
   '{"orchestrator_status": "terminated", "runpod_id": "r1y9ku64tb2s3f", "ram_tier": 60, "storage_volume": "Peter", "promoted_to_active_at": "2025-10-16T16:36:41.363000+00:00", "terminated_at": "2025-10-16T16:58:34.999000+00:00", "ssh_details": {"ip": "213.173.115.105", "port": 10135}}'),
  -- incident: spawned #629 17:30:23, promoted #631 17:31:31, terminated #632 17:32:02 (logged)
  ('gpu-20251016_173023-673741fb', 'NVIDIA GeForce RTX 4090', 'terminated', '2025-10-16 17:30:23+00', '2025-10-16 17:31:58+00',
   '{"orchestrator_status": "terminated", "runpod_id": "q8m2xv5c1n7j3d", "ram_tier": 60, "storage_volume": "Peter", "promoted_to_active_at": "2025-10-16T17:31:31.412000+00:00", "terminated_at": "2025-10-16T17:32:02.583000+00:00"}'),
  -- incident: created inside the logging gap, promoted 17:43:49, still active
  ('gpu-20251016_174249-34c67fdd', 'NVIDIA GeForce RTX 4090', 'active', '2025-10-16 17:42:49+00', '2025-10-16 18:01:30+00',
   '{"orchestrator_status": "active", "runpod_id": "u4f9s0ka6e2r8w", "ram_tier": 60, "storage_volume": "Peter", "promoted_to_active_at": "2025-10-16T17:43:49.841000+00:00", "ssh_details": {"ip": "194.68.245.31", "port": 22087}}'),
  -- incident: created inside the gap; its pod's guardian beat but the worker never logged
  -- nor became ready; marked error by the spawning timeout at 17:52:55 (mark_worker_error
  -- writes error_reason and error_time, no terminated_at)
  ('gpu-20251016_174252-9356e3ac', 'NVIDIA GeForce RTX 4090', 'error', '2025-10-16 17:42:52+00', '2025-10-16 17:52:41+00',
   '{"orchestrator_status": "error", "runpod_id": "z7b1lt3h9p5g0c", "ram_tier": 60, "storage_volume": "Peter", "error_reason": "Spawning timeout", "error_time": "2025-10-16T17:52:55.370000+00:00"}'),
  -- incident: created 17:55:06, promoted 17:56:02, claims 51e36aa5/ef5a11b0
  ('gpu-20251016_175506-a6a03b7b', 'NVIDIA GeForce RTX 4090', 'active', '2025-10-16 17:55:06+00', '2025-10-16 18:01:45+00',
   '{"orchestrator_status": "active", "runpod_id": "e72lqfpbzb0l94", "ram_tier": 60, "storage_volume": "Peter", "promoted_to_active_at": "2025-10-16T17:56:02.804000+00:00", "ssh_details": {"ip": "213.173.108.166", "port": 10121}}'),
  -- incident: created 17:55:32, promoted 17:58:09, terminated 17:59:09, never logged (seed 001)
  ('gpu-20251016_175532-78a04c2b', 'NVIDIA GeForce RTX 4090', 'terminated', '2025-10-16 17:55:32+00', '2025-10-16 17:59:05+00',
   '{"orchestrator_status": "terminated", "runpod_id": "nhayz899m91qyt", "ram_tier": 60, "storage_volume": "Peter", "promoted_to_active_at": "2025-10-16T17:58:09.418000+00:00", "terminated_at": "2025-10-16T17:59:09.487000+00:00"}');

-- ---------------------------------------------------------------- tasks
INSERT INTO tasks (id, task_type, status, worker_id, created_at, updated_at, generation_started_at, generation_processed_at, attempts, error_message) VALUES
  ('c146b6ad-3827-7b93-1d94-d82f20703136', 'travel_orchestrator', 'Complete', 'gpu-20251016_112246-1c9e4b72', '2025-10-16 11:22:22+00', '2025-10-16 11:29:06+00', '2025-10-16 11:24:44+00', '2025-10-16 11:29:06+00', 1, NULL),
  ('befa05fa-d0cd-d5fb-319d-437f20d71bd9', 'travel_segment', 'Complete', 'gpu-20251016_112246-1c9e4b72', '2025-10-16 11:22:29+00', '2025-10-16 11:34:49+00', '2025-10-16 11:29:08+00', '2025-10-16 11:34:49+00', 1, NULL),
  ('4b4f85b0-ab1a-be45-fe2e-cfeff76ff559', 'travel_segment', 'Complete', 'gpu-20251016_112246-1c9e4b72', '2025-10-16 11:22:30+00', '2025-10-16 11:39:49+00', '2025-10-16 11:34:51+00', '2025-10-16 11:39:49+00', 1, NULL),
  ('acf66777-1e46-8d00-52d3-a6f7ceadc857', 'image_generation', 'Complete', 'gpu-20251016_112246-1c9e4b72', '2025-10-16 11:22:37+00', '2025-10-16 11:42:58+00', '2025-10-16 11:39:51+00', '2025-10-16 11:42:58+00', 1, NULL),
  ('7880f63c-ef27-10b3-34ba-19e714d380f6', 'image_generation', 'Complete', 'gpu-20251016_121857-8f02d6a1', '2025-10-16 12:18:29+00', '2025-10-16 12:25:04+00', '2025-10-16 12:21:30+00', '2025-10-16 12:25:04+00', 1, NULL),
  ('8a023074-9e90-af2e-a956-0718109aca95', 'image_generation', 'Complete', 'gpu-20251016_121857-8f02d6a1', '2025-10-16 12:18:36+00', '2025-10-16 12:28:59+00', '2025-10-16 12:25:06+00', '2025-10-16 12:28:59+00', 1, NULL),
  ('5dd62c6d-5e66-18c6-7964-8731868295ed', 'image_generation', 'Failed', 'gpu-20251016_121857-8f02d6a1', '2025-10-16 12:18:37+00', '2025-10-16 12:30:37+00', '2025-10-16 12:29:01+00', NULL, 1, 'CUDA out of memory. Tried to allocate 2.50 GiB (GPU 0; 23.65 GiB total capacity; 21.87 GiB already allocated)'),
  ('fd8b8d18-4ee3-3072-8c5f-f749f7222f39', 'image_generation', 'Complete', 'gpu-20251016_121857-8f02d6a1', '2025-10-16 12:18:51+00', '2025-10-16 12:34:50+00', '2025-10-16 12:30:39+00', '2025-10-16 12:34:50+00', 1, NULL),
  ('fea46727-b5c3-5d6a-c80c-016c0d856a35', 'image_generation', 'Complete', 'gpu-20251016_121857-8f02d6a1', '2025-10-16 12:18:52+00', '2025-10-16 12:38:17+00', '2025-10-16 12:34:52+00', '2025-10-16 12:38:17+00', 1, NULL),
  ('d20d3436-c518-ff67-0015-9bbd4a2328c8', 'travel_orchestrator', 'Complete', 'gpu-20251016_133350-4be7193c', '2025-10-16 13:33:31+00', '2025-10-16 13:40:05+00', '2025-10-16 13:36:05+00', '2025-10-16 13:40:05+00', 1, NULL),
  ('58b45334-003b-3af9-f17d-e28a91f39cea', 'travel_segment', 'Complete', 'gpu-20251016_133350-4be7193c', '2025-10-16 13:33:32+00', '2025-10-16 13:46:24+00', '2025-10-16 13:40:07+00', '2025-10-16 13:46:24+00', 1, NULL),
  ('d13cb183-51e4-28c1-36b8-21dbd3fc7bf5', 'travel_segment', 'Complete', 'gpu-20251016_134121-d35a08f6', '2025-10-16 13:33:39+00', '2025-10-16 13:50:03+00', '2025-10-16 13:44:01+00', '2025-10-16 13:50:03+00', 1, NULL),
  ('663e6ac9-cb01-6dc9-feac-b833743a03a7', 'image_generation', 'Complete', 'gpu-20251016_133350-4be7193c', '2025-10-16 13:40:58+00', '2025-10-16 13:51:54+00', '2025-10-16 13:46:26+00', '2025-10-16 13:51:54+00', 1, NULL),
  ('e65e7c7a-790c-63c9-34c9-328282a8b259', 'image_generation', 'Complete', 'gpu-20251016_134121-d35a08f6', '2025-10-16 13:40:59+00', '2025-10-16 13:55:51+00', '2025-10-16 13:50:05+00', '2025-10-16 13:55:51+00', 1, NULL),
  ('f28a6a3b-902f-e25c-3f6e-a53152c6eec9', 'image_generation', 'Complete', 'gpu-20251016_133350-4be7193c', '2025-10-16 13:41:06+00', '2025-10-16 13:57:15+00', '2025-10-16 13:51:56+00', '2025-10-16 13:57:15+00', 1, NULL),
  ('6139881f-deed-0083-0ff0-9b75e46eaad5', 'image_generation', 'Complete', 'gpu-20251016_134121-d35a08f6', '2025-10-16 13:41:13+00', '2025-10-16 14:01:56+00', '2025-10-16 13:55:53+00', '2025-10-16 14:01:56+00', 1, NULL),
  ('360075ab-928e-c42d-de0e-5c9d7659ac8c', 'travel_orchestrator', 'Complete', 'gpu-20251016_151954-6e1f2c94', '2025-10-16 15:19:28+00', '2025-10-16 15:26:12+00', '2025-10-16 15:21:57+00', '2025-10-16 15:26:12+00', 1, NULL),
  ('2bfb6df3-eb0a-3f34-caa7-d635e4157e75', 'travel_segment', 'Failed', 'gpu-20251016_151954-6e1f2c94', '2025-10-16 15:19:34+00', '2025-10-16 15:28:37+00', '2025-10-16 15:26:14+00', NULL, 1, 'Segment render failed: ffmpeg exited with status 1'),
  ('4a7eea7c-6dfc-d548-a84e-d0f4e8365636', 'travel_segment', 'Complete', 'gpu-20251016_151954-6e1f2c94', '2025-10-16 15:19:35+00', '2025-10-16 15:33:57+00', '2025-10-16 15:28:39+00', '2025-10-16 15:33:57+00', 1, NULL),
  ('a3e9984a-52e1-1e5a-2529-464ac01e13e2', 'travel_segment', 'Complete', 'gpu-20251016_151954-6e1f2c94', '2025-10-16 15:19:47+00', '2025-10-16 15:39:33+00', '2025-10-16 15:33:59+00', '2025-10-16 15:39:33+00', 1, NULL),
  ('8b8b1b6d-bbf7-5bf7-312d-82582461f21d', 'travel_orchestrator', 'Complete', 'gpu-20251016_163449-a78d5e03', '2025-10-16 16:34:28+00', '2025-10-16 16:41:24+00', '2025-10-16 16:37:33+00', '2025-10-16 16:41:24+00', 1, NULL),
  ('0bf71b72-e14f-9fd5-0d61-cef6b5e9a47d', 'travel_segment', 'Complete', 'gpu-20251016_163449-a78d5e03', '2025-10-16 16:34:35+00', '2025-10-16 16:47:22+00', '2025-10-16 16:41:26+00', '2025-10-16 16:47:22+00', 1, NULL),
  ('b8b21f7d-e6f8-af20-ac4d-9b44104951e1', 'travel_segment', 'Complete', 'gpu-20251016_163449-a78d5e03', '2025-10-16 16:34:36+00', '2025-10-16 16:53:13+00', '2025-10-16 16:47:24+00', '2025-10-16 16:53:13+00', 1, NULL),
  ('34ef4679-ad20-5047-ee5e-edd9b89581f1', 'image_generation', 'Cancelled', NULL, '2025-10-16 17:30:05+00', '2025-10-16 17:31:12+00', NULL, NULL, 0, NULL),
  ('f0802351-d8ce-a002-1f2d-8f018663bffe', 'image_generation', 'Complete', 'gpu-20251016_174249-34c67fdd', '2025-10-16 17:42:21+00', '2025-10-16 17:48:42+00', '2025-10-16 17:44:32+00', '2025-10-16 17:48:42+00', 1, NULL),
  ('6f14063d-7894-25ae-94bf-870614f2a3cc', 'image_generation', 'Complete', 'gpu-20251016_174249-34c67fdd', '2025-10-16 17:42:30+00', '2025-10-16 17:53:20+00', '2025-10-16 17:48:44+00', '2025-10-16 17:53:20+00', 1, NULL),
  ('a735d62c-a911-4117-819e-2971e6031e54', 'image_generation', 'Complete', 'gpu-20251016_174249-34c67fdd', '2025-10-16 17:42:38+00', '2025-10-16 17:59:31+00', '2025-10-16 17:53:22+00', '2025-10-16 17:59:31+00', 1, NULL),
  ('51e36aa5-3c7d-4f1e-9a62-8b0d4e7f2c15', 'travel_orchestrator', 'In Progress', 'gpu-20251016_175506-a6a03b7b', '2025-10-16 17:54:50+00', '2025-10-16 17:57:06+00', '2025-10-16 17:57:06+00', NULL, 1, NULL),
  ('ef5a11b0-6d24-4b8a-b3f9-1e5c7a9d0f63', 'travel_segment', 'In Progress', 'gpu-20251016_175506-a6a03b7b', '2025-10-16 17:54:58+00', '2025-10-16 17:57:08+00', '2025-10-16 17:57:08+00', NULL, 1, NULL);

-- ---------------------------------------------------------------- orchestrator logs
-- Cycle timetable: each cycle has a reference second t_ref, interpolated between
-- anchor cycles (the incident cycles are anchored to the seconds of seed 001)
-- plus a jitter of -3..+3 s. The cycle starts 1.2-1.7 s before t_ref. A worker
-- created at t_ref was spawned by that cycle; a promotion or termination whose
-- metadata time falls in the second t_ref was done by it. So workers created,
-- promoted or terminated after 17:35:31 get no orchestrator line, and neither
-- does anything the old process (#1516..#1520) could have done.
INSERT INTO system_logs (id, "timestamp", source_type, source_id, log_level, message, task_id, worker_id, cycle_number, metadata)
WITH
anchor (n, t) AS (VALUES
    (1::bigint, timestamptz '2025-10-16 10:58:27+00'),
    (629,       timestamptz '2025-10-16 17:30:23+00'),
    (631,       timestamptz '2025-10-16 17:31:31+00'),
    (632,       timestamptz '2025-10-16 17:32:02+00'),
    (638,       timestamptz '2025-10-16 17:35:31+00')),
seg AS (
    SELECT n AS a, t AS ta, lead(n) OVER w AS b, lead(t) OVER w AS tb
    FROM anchor WINDOW w AS (ORDER BY n)),
new_cycle AS (
    SELECT g.n,
           CASE WHEN g.n = s.a THEN s.ta
                ELSE s.ta + make_interval(secs => round(extract(epoch FROM s.tb - s.ta) * (g.n - s.a) / (s.b - s.a))
                                                  + ((g.n * g.n * 7919 + g.n * 31) % 101) % 7 - 3)
           END AS t_ref
    FROM generate_series(1::bigint, 638::bigint) AS g (n)
    JOIN seg s ON g.n >= s.a AND (g.n < s.b OR (s.b IS NULL AND g.n = s.a))),
old_cycle AS (
    SELECT g.n,
           timestamptz '2025-10-16 10:55:01.3+00'
             + make_interval(secs => round((g.n - 1516) * 37.4)
                                     + CASE WHEN g.n = 1516 THEN 0 ELSE ((g.n * g.n * 7919 + g.n * 31) % 101) % 7 - 3 END)
             AS t_ref
    FROM generate_series(1516::bigint, 1520::bigint) AS g (n)),
cycle AS (
    SELECT 'old' AS proc, n, t_ref, t_ref - make_interval(secs => 1.3) AS t_start FROM old_cycle
    UNION ALL
    SELECT 'new', n, t_ref, t_ref - make_interval(secs => 1.2 + ((n * 7919) % 500) / 1000.0) FROM new_cycle),
wk AS (
    SELECT id, status, created_at, metadata->>'runpod_id' AS runpod, metadata->>'storage_volume' AS storage,
           metadata->>'ram_tier' AS ram,
           (metadata->>'promoted_to_active_at')::timestamptz AS promoted_at,
           (metadata->>'terminated_at')::timestamptz AS terminated_at,
           coalesce((metadata->>'terminated_at')::timestamptz, (metadata->>'error_time')::timestamptz, 'infinity') AS gone_at
    FROM workers),
-- What each cycle of the new process did; 'at' is the workers-table time.
ev AS (
    SELECT c.n, 'spawned' AS kind, wk.id, wk.runpod, wk.storage, wk.ram, wk.created_at AS at
    FROM cycle c JOIN wk ON c.proc = 'new' AND wk.created_at = c.t_ref
    UNION ALL
    SELECT c.n, 'promoted', wk.id, wk.runpod, wk.storage, wk.ram, wk.promoted_at
    FROM cycle c JOIN wk ON c.proc = 'new' AND date_trunc('second', wk.promoted_at) = c.t_ref
    UNION ALL
    SELECT c.n, 'terminated', wk.id, wk.runpod, wk.storage, wk.ram, wk.terminated_at
    FROM cycle c JOIN wk ON c.proc = 'new' AND wk.status = 'terminated' AND date_trunc('second', wk.terminated_at) = c.t_ref),
-- Seconds from the spawn until create_pod_and_wait returns ('Worker 1/1 spawned').
spawn_wait AS (SELECT n, make_interval(secs => 11 + (n * 37 % 90) / 10.0) AS wait FROM cycle),
stats AS (
    SELECT c.*,
           (SELECT count(*) FROM tasks t
             WHERE t.created_at <= c.t_start
               AND (t.generation_started_at IS NULL OR t.generation_started_at > c.t_start)
               AND NOT (t.status = 'Cancelled' AND t.updated_at <= c.t_start)) AS queued,
           (SELECT count(*) FROM tasks t
             WHERE t.generation_started_at <= c.t_start
               AND coalesce(t.generation_processed_at,
                            CASE WHEN t.status IN ('Failed', 'Cancelled') THEN t.updated_at END,
                            'infinity') > c.t_start) AS active_tasks,
           (SELECT count(*) FROM wk WHERE wk.created_at < c.t_start AND wk.gone_at > c.t_start
                                      AND (wk.promoted_at IS NULL OR wk.promoted_at > c.t_start)) AS spawning_w,
           (SELECT count(*) FROM wk WHERE wk.created_at < c.t_start AND wk.gone_at > c.t_start
                                      AND wk.promoted_at <= c.t_start) AS active_w,
           (SELECT count(*) FROM ev WHERE c.proc = 'new' AND ev.n = c.n AND ev.kind = 'spawned') AS spawned,
           (SELECT count(*) FROM ev WHERE c.proc = 'new' AND ev.n = c.n AND ev.kind = 'promoted') AS promoted,
           (SELECT count(*) FROM ev WHERE c.proc = 'new' AND ev.n = c.n AND ev.kind = 'terminated') AS terminated,
           (SELECT max(ev.at) FROM ev WHERE c.proc = 'new' AND ev.n = c.n AND ev.kind = 'promoted') AS promoted_at,
           greatest(c.t_ref,
                    (SELECT max(CASE ev.kind WHEN 'spawned' THEN ev.at + sw.wait + interval '0.05 s'
                                             ELSE ev.at + interval '0.1 s' END)
                     FROM ev JOIN spawn_wait sw ON sw.n = ev.n
                     WHERE c.proc = 'new' AND ev.n = c.n)) AS t_end
    FROM cycle c),
cyc AS (
    SELECT s.*,
           -- control_loop.py: the scaling decision follows the promotions of the cycle.
           coalesce(s.promoted_at + interval '0.05 s', s.t_ref - interval '0.7 s') AS t_decision,
           s.active_w + s.spawning_w + s.spawned - s.terminated AS desired,
           format('{''workers_promoted'': %s, ''workers_failed'': 0, ''workers_spawned'': %s, '
                  '''workers_terminated'': %s, ''tasks_reset'': 0}', s.promoted, s.spawned, s.terminated) AS actions
    FROM stats s),
lines (proc, n, ts, ord, lvl, msg) AS (
    SELECT proc, n, t_start, 10, 'INFO', 'Starting orchestrator cycle' FROM cyc
    UNION ALL
    SELECT proc, n, t_start + interval '0.21 s', 20, 'CRITICAL',
           format('🔢 TASK COUNT (Cycle #%s): Queued=%s, Active=%s, Total=%s', n, queued, active_tasks, queued + active_tasks)
    FROM cyc
    UNION ALL
    SELECT proc, n, t_start + interval '0.23 s', 25, 'INFO',
           format('Current state: %s spawning, %s active, 0 terminating, %s total tasks (%s queued)',
                  spawning_w, active_w, queued + active_tasks, queued)
    FROM cyc
    UNION ALL
    SELECT 'new', ev.n, ev.at - interval '0.04 s', 30, 'INFO',
           format('🚀 Worker %s detected as active via logging - promoting now', ev.id)
    FROM ev WHERE ev.kind = 'promoted'
    UNION ALL
    SELECT proc, n, t_decision, 40, 'CRITICAL',
           format('🎯 SCALING DECISION (Cycle #%s): Current=%s+%s, Desired=%s', n, active_w, spawning_w, desired)
    FROM cyc
    UNION ALL
    SELECT 'new', ev.n, ev.at + d.dt, x.ord, 'INFO', format(x.fmt, ev.id, ev.runpod, c.active_w + c.spawning_w, c.desired)
    FROM ev JOIN cyc c ON c.proc = 'new' AND c.n = ev.n
    CROSS JOIN (VALUES
        (-0.61, 50, 'Terminating 1 workers (over-capacity: %3$s > %4$s, idle buffer requires keeping 0 idle)'),
        (-0.60, 51, '🔄 WORKER_LIFECYCLE [Worker %1$s] TERMINATING worker'),
        (-0.59, 52, '🔄 WORKER_LIFECYCLE [Worker %1$s] RunPod ID: %2$s'),
        (-0.58, 53, '🔄 WORKER_LIFECYCLE [Worker %1$s] Calling RunPod API to terminate instance...'),
        (-0.02, 54, '🔄 WORKER_LIFECYCLE [Worker %1$s] ✅ RunPod instance terminated successfully'),
        ( 0.03, 55, '🔄 WORKER_LIFECYCLE [Worker %1$s] ✅ Database status updated to ''terminated'''),
        ( 0.04, 56, 'Terminated idle worker %1$s (over-capacity, idle > 300s)')
    ) AS x (secs, ord, fmt)
    CROSS JOIN LATERAL (SELECT make_interval(secs => x.secs) AS dt) d
    WHERE ev.kind = 'terminated'
    UNION ALL
    SELECT proc, n, t_ref - interval '0.25 s', 60, 'CRITICAL',
           format('🚀 SCALING UP: Spawning %s workers (current: %s, desired: %s)', spawned, active_w + spawning_w, desired)
    FROM cyc WHERE spawned > 0
    UNION ALL
    SELECT proc, n, t_ref - interval '0.249 s', 61, 'INFO',
           format('Scaling up: need %s more workers (current: %s, desired: %s)', spawned, active_w + spawning_w, desired)
    FROM cyc WHERE spawned > 0
    UNION ALL
    SELECT 'new', ev.n, ev.at + interval '0.35 s', 62, 'INFO',
           format('🚀 Creating worker: %s (Storage: %s, RAM: %s GB)', ev.id, ev.storage, ev.ram)
    FROM ev WHERE ev.kind = 'spawned'
    UNION ALL
    SELECT 'new', ev.n, ev.at + sw.wait, 63, 'CRITICAL',
           format('✅ Worker %s/%s spawned successfully',
                  row_number() OVER (PARTITION BY ev.n ORDER BY ev.at), count(*) OVER (PARTITION BY ev.n))
    FROM ev JOIN spawn_wait sw ON sw.n = ev.n WHERE ev.kind = 'spawned'
    UNION ALL
    SELECT proc, n, t_end - interval '0.012 s', 90, 'INFO',
           format('Orchestrator cycle completed in %ss: %s',
                  to_char(extract(epoch FROM t_end - interval '0.012 s' - t_start), 'FM990.00'), actions)
    FROM cyc
    UNION ALL
    SELECT proc, n, t_end - make_interval(secs => 0.011 - h.k / 1000.0), 90 + h.k, 'INFO', h.msg
    FROM cyc CROSS JOIN LATERAL (VALUES
        (1, format('📊 HEALTH SUMMARY (Cycle #%s):', n)),
        (2, '   • Database logging: ✅ Healthy'),
        (3, format('   • Last task count: %s', queued + active_tasks)),
        (4, format('   • Last worker count: %s', active_w + spawning_w))) AS h (k, msg)
    WHERE n % 20 = 0
    UNION ALL
    SELECT proc, n, t_end, 99, 'INFO', format('Cycle completed: %s', actions) FROM cyc)
SELECT md5('orch-' || proc || '-' || n || '-' || ord)::uuid, ts,
       'orchestrator_gpu', 'gpu-orchestrator', lvl, msg, NULL::uuid, NULL::text, n::int, NULL::jsonb
FROM lines
UNION ALL
-- The new process's first line in the database: logged by setup_logging()
-- before the first cycle, so without a cycle number.
SELECT md5('orch-new-dblog')::uuid, timestamptz '2025-10-16 10:58:20+00', 'orchestrator_gpu', 'gpu-orchestrator',
       'INFO', '✅ Database logging enabled: gpu-orchestrator -> Supabase', NULL, NULL, NULL, NULL
ORDER BY 2, 1;

-- ---------------------------------------------------------------- worker logs
-- Each worker that logged: '✅ Centralized logging enabled for worker' first
-- (before its promotion, which the orchestrator logs as 'detected as active
-- via logging'), then a line every `period` s (+-2 s jitter) up to its
-- last_heartbeat, plus one line per task claimed, completed or failed (from
-- the tasks rows). gpu-20251016_175506-a6a03b7b starts logging at 17:57:04, after
-- its promotion (seed 001); 174252-9356e3ac and 175532-78a04c2b never log.
INSERT INTO system_logs (id, "timestamp", source_type, source_id, log_level, message, task_id, worker_id, cycle_number, metadata)
WITH
plan (worker_id, first_log, period, seed) AS (VALUES
    ('gpu-20251016_112246-1c9e4b72', timestamptz '2025-10-16 11:23:48+00', 30, 2),
    ('gpu-20251016_121857-8f02d6a1', timestamptz '2025-10-16 12:20:38+00', 30, 3),
    ('gpu-20251016_133350-4be7193c', timestamptz '2025-10-16 13:34:58+00', 30, 4),
    ('gpu-20251016_134121-d35a08f6', timestamptz '2025-10-16 13:43:03+00', 30, 5),
    ('gpu-20251016_151954-6e1f2c94', timestamptz '2025-10-16 15:21:03+00', 30, 6),
    ('gpu-20251016_163449-a78d5e03', timestamptz '2025-10-16 16:36:30+00', 30, 7),
    ('gpu-20251016_173023-673741fb', timestamptz '2025-10-16 17:31:20+00', 30, 8),
    ('gpu-20251016_174249-34c67fdd', timestamptz '2025-10-16 17:43:38+00', 30, 1),
    ('gpu-20251016_175506-a6a03b7b', timestamptz '2025-10-16 17:57:04+00', 15, 3)),
beat AS (
    SELECT p.worker_id, p.seed, k,
           p.first_log + make_interval(secs => k * p.period + ((k * k * 13 + k * 7 + p.seed) % 5) - 2) AS ts
    FROM plan p JOIN workers w ON w.id = p.worker_id
    CROSS JOIN LATERAL generate_series(1, floor(extract(epoch FROM w.last_heartbeat - p.first_log) / p.period)::int - 1) AS k),
lines (wid, ts, ord, lvl, msg, task_id) AS (
    SELECT worker_id, first_log, 0, 'INFO', '✅ Centralized logging enabled for worker', NULL::uuid FROM plan
    UNION ALL
    SELECT worker_id, first_log + interval '1 second', 1, 'INFO',
           format('🖥️ GPU ready: NVIDIA GeForce RTX 4090, VRAM %s/24080 MB', 480 + seed * 37), NULL
    FROM plan
    UNION ALL
    SELECT b.worker_id, b.ts, 100 + b.k, 'INFO',
           CASE WHEN cur.id IS NULL
                THEN format('Heartbeat: idle, VRAM %s/24080 MB', 600 + (b.k * 97 + b.seed * 13) % 500)
                ELSE format('🎬 Processing task %s (%s), VRAM %s/24080 MB', cur.id, cur.task_type, 17200 + (b.k * 211 + b.seed * 29) % 4800)
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
        ORDER BY md5(t.id::text || b.k) LIMIT 1) cur ON true
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
SELECT md5('wlog-' || wid || '-' || ord || '-' || coalesce(task_id::text, ''))::uuid, ts,
       'worker', wid, lvl, msg, task_id, wid, NULL::int, NULL::jsonb
FROM lines
ORDER BY 2, 1;

-- Two messy messages (a '|' plus newlines, and tabs), as real workers write them.
INSERT INTO system_logs (id, "timestamp", source_type, source_id, log_level, message, task_id, worker_id, cycle_number, metadata) VALUES
  (md5('wlog-special-traceback')::uuid, timestamptz '2025-10-16 15:28:38+00', 'worker', 'gpu-20251016_151954-6e1f2c94', 'ERROR',
   E'Traceback (most recent call last):\n  File "/app/worker/process.py", line 412, in process_task\n    result = render_segment(task)\nRuntimeError: ffmpeg exited with status 1 | stderr: [mov,mp4] moov atom not found',
   '2bfb6df3-eb0a-3f34-caa7-d635e4157e75', 'gpu-20251016_151954-6e1f2c94', NULL, '{"exc_type": "RuntimeError"}'),
  (md5('wlog-special-vram-tab')::uuid, timestamptz '2025-10-16 13:45:13+00', 'worker', 'gpu-20251016_133350-4be7193c', 'DEBUG',
   E'VRAM stats:\tallocated=18211 MB\treserved=19456 MB\tfree=4624 MB',
   NULL, 'gpu-20251016_133350-4be7193c', NULL, NULL);

COMMIT;
