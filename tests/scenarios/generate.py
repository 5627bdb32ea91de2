#!/usr/bin/env python3
"""Seeded scenario generator for tlrecon.

    generate.py --scenario NAME --seed N [--era E1|E2|E3] --expect FILE > data.sql

writes SQL INSERTs for workers, tasks, system_logs, workflow_decisions and
workflow_executions (load sample_data/src/schema_gpu.sql and
schema_workflows.sql first; some scenarios append row-level security
statements) and writes to FILE what `tlrecon check` must find in the window
of the generated history (see run.py for how each key is checked):

    {"scenario", "seed", "era", "since", "until",
     "expect": [{"kind" ("*" = any kind), "entities_contain"?, "entities_equal"?,
                 "entities_min"?: {"of": [...], "count": k}, "severity"?, "open"?,
                 "start"?, "end"?, "why"}],
     "forbid_kinds": [...], "forbid": [{"kind", "entities_contain"}],
     "count_kinds"?: {kind: exact number}, "orphaned_exact"?: [decision ids],
     "max_core_findings"?: N, "max_severity"?: "low",
     "exit_code": 0|1|3|null (null: not checked), "exit_code_fail_on_medium"?: 0,
     "connect_as_reader"?: true, "hidden_tables"?: [...], "readable_tables"?: [...],
     "no_core_before"?: time, "facts": {...}}

The history is simulated second by second: task demand arrives in batches,
GPU orchestrators run jittered cycles (with the odd slow cycle), spawn
workers when the queue needs them, promote them once booted and terminate
them when idle; workers log on their own cadence, claim and finish tasks; a
workflow controller evaluates every hour and executes its RUN decisions a few
minutes later. A scenario then injects one fault.

The orchestrators write the real lines of reigh-worker-orchestrator
(../shared/REAL-SYSTEM.md section 2), in one of its three eras, chosen per
seed (or forced with --era): E1 (Oct 2025 - Jan 2026: 'Starting orchestrator
cycle', '🔢 TASK COUNT …', '🎯 SCALING DECISION …', '🚀 SCALING UP: Spawning n
workers …', 'Scaling up: need n more workers …', '🚀 Creating worker: <id> …',
'✅ Worker i/n spawned successfully', 'Orchestrator cycle completed in …s: {…}'
and 'Cycle completed: {…}'), E2 (Jan - Apr 2026: the same without emoji, still
'🚀 Creating worker'), E3 (May 2026: 'Cycle #n: scaling=q active=a', INFO
'SCALING UP …', 'Worker i/n spawned successfully' naming no worker, 'Launched
startup script for <id>', 'Cycle completed: {…}'). The first line of a
(re)started process is '✅ Database logging enabled: <source_id> -> Supabase';
a SIGTERM leaves no line. Source ids are an ORCHESTRATOR_INSTANCE_ID
('gpu-orch-1') or, as on a container platform, 'orchestrator_gpu-<hostname>',
new at every redeploy. Only random.Random(seed) is used: the same seed (and
era) gives byte-identical output.

Scenarios:
  healthy                        one or two GPU orchestrators, workers coming and
                                 going, every decision executed: no core finding.
  silent_logging_death           the GPU orchestrator's database logs stop while
                                 it keeps spawning, promoting and terminating.
  restart                        the same instance id restarts: startup line,
                                 cycle counter back to 1, under 2 minutes.
  worker_silent_holding_task     a worker claims a task and writes nothing for
                                 15-40 min while the task finishes.
  one_of_two_orchestrators_dies  gpu orchestrator b stops; a keeps logging,
                                 spawning and takes over b's workers.
  orphaned_decisions             RUN decisions of one evaluation never executed,
                                 plus recent ones still inside the grace period.
  logging_death_before_window    as silent_logging_death, but the window starts
                                 5-30 min after the orchestrator's last log.
  redeploy                       hostname ids: the instance stops, a new one (new
                                 hostname) starts 1-4 min later, or 6-8 min later.
  external_worker                healthy, plus workers the heartbeat function
                                 inserts (instance_type 'external').
  failed_spawn                   'Spawning 2', the second worker's record fails, no
                                 row (healthy); or 'Spawning 1' fails and an
                                 operator launches a worker by hand right after.
  blocked_spawn                  SCALING BLOCKED (E1) / SCALE-UP SUPPRESSED (E3)
                                 lines while an operator launches a worker by hand.
  concurrent_silent              two GPU orchestrators at once; b's logging dies,
                                 b creates workers beside a's logged scale-up of 1.
  rls                            healthy history read by a role without BYPASSRLS:
                                 system_logs has RLS and no policy.
  retention                      healthy history whose system_logs lost every row
                                 older than a point inside the window (the 48 h
                                 cleanup, as if read 48 h after that point).
  retention_silent               as retention, and the GPU orchestrator's logging
                                 died before that point while it kept creating
                                 workers: no orchestrator line is kept at all.
  spurious_demand                seed 002: 'Queued=51, Active=0' while one task is
                                 queued, then a logged scale-up of 4.
  never_logging_worker           a worker promoted, claiming and finishing tasks,
                                 that never writes a line while others do (E2/E3).
  worker_oom_killed              seed 003: a worker holding a task is killed; beats
                                 and lines stop together, its row stays active.
  no_central_worker_logging      healthy, but workers never write to system_logs.
"""
import argparse
import json
import math
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone

US = 1_000_000
SEC = US
MIN = 60 * US
HOUR = 60 * MIN

SCENARIOS = ["healthy", "silent_logging_death", "restart", "worker_silent_holding_task",
             "one_of_two_orchestrators_dies", "orphaned_decisions", "logging_death_before_window",
             "redeploy", "external_worker", "failed_spawn", "blocked_spawn", "concurrent_silent",
             "rls", "retention", "retention_silent", "spurious_demand", "never_logging_worker",
             "worker_oom_killed", "no_central_worker_logging"]
CORE = ["logging_gap", "orphaned_decision", "unexplained_scale_up"]
ERAS = ["E1", "E2", "E3"]
# REAL-SYSTEM.md section 2: when each era's lines were written.
ERA_DAYS = {"E1": (datetime(2025, 10, 16, tzinfo=timezone.utc), 88),
            "E2": (datetime(2026, 1, 22, tzinfo=timezone.utc), 88),
            "E3": (datetime(2026, 4, 25, tzinfo=timezone.utc), 36)}
# Eras whose orchestrator has the line a scenario needs (E2 has neither
# SCALING BLOCKED, commented out in 61e170e, nor SCALE-UP SUPPRESSED).
SCENARIO_ERAS = {"blocked_spawn": ["E1", "E3"],
                 # E1 promotes a worker 'detected as active via logging': a worker that
                 # never logs could not be promoted there.
                 "never_logging_worker": ["E2", "E3"], "no_central_worker_logging": ["E2", "E3"]}
# The spurious count of seed 002 and the scale-up it caused.
SPURIOUS_QUEUED = 51
SPURIOUS_SPAWN = 4

# The finding for "workers were created while system_logs holds no orchestrator
# line at all in its kept range: no orchestrator has logged for as long as logs
# are kept" (issue 11, item 6). Its kind and entities are not named by the
# issue; this is the one place to change them.
RETENTION_FINDING = {"kind": "logging_gap", "entities_contain": ["orchestrator"], "severity": "high"}

# tlrecon's defaults (include/tlrecon/mapping.hpp), used only to place the
# injected faults unambiguously (never to decide what tlrecon should find).
TOLERANCE = 2 * MIN
BURST_GAP = 2 * MIN
GRACE = 10 * MIN
GAP_MIN = 5 * MIN

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Retry(Exception):
    """The seed's history has no room for the fault: simulate again."""


def dt(us):
    return EPOCH + timedelta(microseconds=us)


def iso_z(us):
    return dt(us).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_tl(us):
    """A time as tlrecon's JSON writes it: Z, a fraction only when there is one."""
    d = dt(us)
    frac = us % SEC
    if frac == 0:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")
    if frac % 1000 == 0:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (frac // 1000)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % frac


def pg_ts(us, frac=True):
    d = dt(us)
    if frac:
        return d.strftime("%Y-%m-%d %H:%M:%S.%f+00")
    return d.strftime("%Y-%m-%d %H:%M:%S+00")


def sql_str(s):
    if s is None:
        return "NULL"
    return "'" + s.replace("'", "''") + "'"


def mojibake(s):
    """UTF-8 bytes read as Windows-1252, as the seed documents show them."""
    out = []
    for b in s.encode("utf-8"):
        if b < 0x80:
            out.append(chr(b))
            continue
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


def actions(promoted=0, failed=0, spawned=0, terminated=0, launched=None):
    """The summary dict the orchestrator logs, as Python prints it."""
    s = ("{'workers_promoted': %d, 'workers_failed': %d, 'workers_spawned': %d, 'workers_terminated': %d, "
         "'tasks_reset': 0" % (promoted, failed, spawned, terminated))
    if launched is not None:
        s += ", 'startup_scripts_launched': %d" % launched
    return s + "}"


class Task:
    def __init__(self, tid, ttype, created, shard, api=False):
        self.id = tid
        self.type = ttype
        self.created = created
        self.shard = shard
        self.api = api
        self.claimed = None
        self.finish_at = None
        self.finished = None      # generation_processed_at
        self.updated = created
        self.status = "Queued"
        self.worker = None
        self.attempts = 0
        self.error = None
        self.forced_duration = None


class Worker:
    def __init__(self, wid, created, owner, boot, period, runpod):
        self.id = wid
        self.created = created
        self.owner = owner
        self.boot = boot
        self.booted_at = created + boot   # E3: set when its startup script is launched
        self.pod_ready = created + boot - 30 * SEC
        self.launched = None
        self.period = period
        self.runpod = runpod
        self.logging_started = False
        self.next_log = None
        self.next_poll = None
        self.promoted = None
        self.promotion_reason = None
        self.terminated = None
        self.termination_reason = None
        self.stopping = False
        self.task = None
        self.idle_since = None
        self.silences = []            # [start, end) with no log written
        self.no_terminate_until = 0
        self.last_beat = None         # workers.last_heartbeat
        self.clock = 0
        self.spawned_by = None
        self.manual = False           # launched by hand, not by an orchestrator
        self.external = False         # inserted by func_worker_heartbeat_with_logs
        self.dead_at = None           # killed (OOM, SIGKILL): no beat, no line, no row update after it

    def alive(self, t):
        return self.terminated is None or t < self.terminated

    def silent(self, t):
        return any(a <= t < b for a, b in self.silences)


class Orch:
    def __init__(self, kind, source_type, source_id, period, cycle):
        self.kind = kind                  # 'gpu' or 'api'
        self.source_type = source_type
        self.source_id = source_id
        self.period = period
        self.cycle = cycle
        self.next_cycle = None
        self.dead_at = None               # stops acting and logging
        self.log_dead_at = None           # stops logging only (post-filtered)
        self.shards = []
        self.min_workers = 0
        self.max_workers = 4
        self.tasks_per_worker = 2
        self.idle_timeout = 4 * MIN
        self.restart_at = None
        self.restarted = False
        self.redeploy_at = None
        self.last_line = None             # simulation time of its last line
        self.last_db = None               # database time of its last line
        self.first_db = None
        self.slow_cycles = 0
        self.clock = 0                    # this process's clock minus the database's
        self.overrides = []               # [{"at", "n", "fail"}]: forced spawns
        self.blocked = None               # (from, until): scale-ups blocked/suppressed
        self.blocked_lines = []
        self.spurious = None              # {"at"}: log Queued=51 at the first cycle after it, spawn 4


class Gen:
    def __init__(self, scenario, seed, era=None, attempt=0):
        self.scenario = scenario
        self.seed = seed
        self.attempt = attempt
        self.rng = random.Random(seed * 7919 + SCENARIOS.index(scenario) * 104729 + 17 + attempt * 1000003)
        r = self.rng
        self.era = era or r.choice(SCENARIO_ERAS.get(scenario, ERAS))
        first, days = ERA_DAYS[self.era]
        day = first + timedelta(days=r.randint(0, days))
        start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + \
            timedelta(hours=r.randint(5, 13), minutes=r.randint(0, 59))
        self.since = int((start - EPOCH).total_seconds()) * US
        self.until = self.since + r.randint(3 * 60, 5 * 60) * MIN
        if scenario == "orphaned_decisions":
            self.until += r.randint(0, 59) * SEC
        self.t0 = self.since - r.randint(35, 55) * MIN       # history before the window
        self.t_end = self.until + r.randint(10, 20) * MIN    # and a little after it
        self.tasks = []
        self.api_tasks = []
        self.workers = []
        self.logs = []          # dicts
        self.orchs = []
        self.decisions = []
        self.executions = []
        self.expect = []
        self.forbid_kinds = []
        self.forbid = []
        self.extra = {}
        self.extra_out = {}
        self.silent_plan = None
        self.quiet = []         # [from, until): no random demand
        self.pending_manual = []
        self.cutoff = None      # system_logs rows older than this are gone (retention)
        self.variant = None
        self.rls = False
        self.workers_log = True     # workers write to system_logs (no_central_worker_logging: never)
        self.never_logs = None      # never_logging_worker: {"after": t, "worker": Worker}
        self.oom_plan = None        # worker_oom_killed: {"at": t, "worker", "task"}
        self.scale_ups = []         # (database time of 'Spawning n workers', n, source_id)

    # ------------------------------------------------------------------ helpers
    def uid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex8(self):
        return "%08x" % self.rng.getrandbits(32)

    def hostname(self):
        return "%012x" % self.rng.getrandbits(48)

    def runpod_id(self):
        return "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14))

    def jitter(self, base, frac=0.2):
        return int(base * self.rng.uniform(1 - frac, 1 + frac))

    @staticmethod
    def meta_time(us):
        # datetime.now(timezone.utc).isoformat(), as the orchestrator writes it
        return dt(us).isoformat()

    def worker_id(self, t, manual=False):
        wid = "gpu-%s-%s" % (dt(t).strftime("%Y%m%d_%H%M%S"), self.hex8())
        return "manual-" + wid if manual else wid

    def log(self, t, o_or_w, level, msg, cycle=None, worker_id=None, task_id=None, metadata=None):
        if isinstance(o_or_w, Orch):
            o = o_or_w
            if o.dead_at is not None and t >= o.dead_at:
                return
            self.logs.append(dict(t=t, clk=o.clock, st=o.source_type, sid=o.source_id, lvl=level, msg=msg,
                                  task=task_id, wid=worker_id, cycle=cycle, md=metadata, orch=o))
            o.last_line = t
            if o.log_dead_at is None or t < o.log_dead_at:
                o.last_db = t + o.clock
                if o.first_db is None:
                    o.first_db = t + o.clock
        else:
            w = o_or_w
            if w.silent(t) or not self.workers_log or (w.dead_at is not None and t >= w.dead_at):
                return
            if self.moj:
                msg = mojibake(msg)
            self.logs.append(dict(t=t, clk=w.clock, st="worker", sid=w.id, lvl=level, msg=msg, task=task_id,
                                  wid=w.id, cycle=None, md=metadata, orch=None))

    # ------------------------------------------------------------------ setup
    def setup(self):
        r = self.rng
        s = self.scenario
        win = self.until - self.since
        self.instance = r.choice(["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000", "NVIDIA L40S"])
        self.ram_tier = r.choice([48, 60, 80])
        self.volume = r.choice(["Peter", "EU-RO-1", "US-TX-3"])
        self.moj = r.random() < 0.15          # worker lines pasted through a cp1252 terminal
        # ORCHESTRATOR_INSTANCE_ID, or the default f"{source_type}-{socket.gethostname()}"
        if s == "restart":
            self.id_style = "instance"
        elif s == "redeploy":
            self.id_style = "hostname"
        else:
            self.id_style = r.choice(["instance", "hostname", "hostname"])

        n_gpu = 1
        if s in ("one_of_two_orchestrators_dies", "concurrent_silent"):
            n_gpu = 2
        elif s == "healthy" and r.random() < 0.4:
            n_gpu = 2
        for i in range(n_gpu):
            if self.id_style == "instance":
                name = ["gpu-orch-a", "gpu-orch-b"][i] if n_gpu == 2 and s != "healthy" else "gpu-orch-%d" % (i + 1)
            else:
                name = "orchestrator_gpu-" + self.hostname()
            o = Orch("gpu", "orchestrator_gpu", name, r.randint(20, 60) * SEC, r.randint(300, 4000))
            o.shards = [i]
            o.min_workers = r.choice([0, 0, 1]) if n_gpu == 1 else 0
            o.max_workers = r.randint(3, 6)
            o.tasks_per_worker = r.choice([2, 2, 3])
            o.idle_timeout = r.randint(150, 360) * SEC
            o.clock = r.randint(-4000, 4000) * 1000
            self.orchs.append(o)
        self.nshards = n_gpu
        if s != "retention_silent":
            name = "api-orch-1" if self.id_style == "instance" else "orchestrator_api-" + self.hostname()
            api = Orch("api", "orchestrator_api", name, r.randint(10, 30) * SEC, r.randint(100, 9000))
            api.clock = r.randint(-4000, 4000) * 1000
            self.orchs.append(api)
        for o in self.orchs:
            o.next_cycle = self.t0 + r.randint(0, o.period // SEC) * SEC + r.randint(0, 999) * 1000
        gpu = [o for o in self.orchs if o.kind == "gpu"]

        # scenario plans that shape demand must come before the demand itself
        if s == "restart":
            gpu[0].restart_at = self.since + int(win * r.uniform(0.25, 0.7))
        elif s == "redeploy":
            self.variant = r.choice(["quick", "quick", "slow"])
            gpu[0].redeploy_at = self.since + int(win * r.uniform(0.25, 0.6))
        elif s == "one_of_two_orchestrators_dies":
            b = gpu[1]
            b.dead_at = self.since + int(win * r.uniform(0.3, 0.55))
        elif s == "failed_spawn":
            self.variant = r.choice(["partial", "failed_then_manual"])
            t = self.since + int(win * r.uniform(0.25, 0.6))
            self.quiet.append((t - 15 * MIN, t + 15 * MIN))
            o = gpu[0]
            if self.variant == "partial":
                n = r.randint(2, 3)
                o.overrides.append(dict(at=t + 20 * SEC, n=n, fail="last"))
                self.extra["forced_batch"] = t
                self.forced = [(t, n * o.tasks_per_worker, 0)]
            else:
                o.overrides.append(dict(at=t + 20 * SEC, n=1, fail="all", manual_after=True))
                self.forced = [(t, 1, 0)]
        elif s == "blocked_spawn":
            t = self.since + int(win * r.uniform(0.25, 0.55))
            o = gpu[0]
            o.blocked = (t + 15 * SEC, t + r.randint(7, 12) * MIN)
            self.quiet.append((t - 15 * MIN, o.blocked[1] + 15 * MIN))
            self.forced = [(t, r.randint(3, 5), 0)]
        elif s == "concurrent_silent":
            a, b = gpu
            death = self.since + int(win * r.uniform(0.25, 0.45))
            b.log_dead_at = death
            t = death + r.randint(5, 20) * MIN
            self.quiet.append((t - 12 * MIN, t + 12 * MIN))
            k = r.randint(2, 3)
            a.overrides.append(dict(at=t, n=1, fail=None))
            b.overrides.append(dict(at=t - 20 * SEC, n=k, fail=None))
            self.forced = [(t - 40 * SEC, a.tasks_per_worker, 0), (t - 60 * SEC, k * b.tasks_per_worker, 1)]
            self.extra["death"] = death
            self.extra["mixed_burst_planned"] = t
        elif s in ("retention", "retention_silent"):
            self.cutoff = (self.since + int(win * r.uniform(0.3, 0.55))) // SEC * SEC
            if s == "retention_silent":
                gpu[0].log_dead_at = self.cutoff - r.randint(5, 40) * MIN
        elif s == "rls":
            self.rls = True
        elif s == "spurious_demand":
            # seed 002: a quiet pool (no worker alive, min_workers 0), one task queued just
            # before a cycle that logs Queued=51 and spawns 4 workers
            o = gpu[0]
            t = self.since + int(win * r.uniform(0.25, 0.6))
            o.min_workers = 0
            o.max_workers = max(o.max_workers, SPURIOUS_SPAWN)
            o.spurious = dict(at=t)
            self.quiet.append((t - 30 * MIN, t + 20 * MIN))
            self.extra["spurious_planned"] = t
        elif s == "never_logging_worker":
            self.never_logs = dict(after=self.since + int(win * r.uniform(0.15, 0.5)), worker=None)
        elif s == "no_central_worker_logging":
            self.workers_log = False
        elif s == "worker_oom_killed":
            self.oom_plan = dict(at=self.since + int(win * r.uniform(0.3, 0.7)), worker=None)

        # demand: batches through the whole history, sporadic singles
        t = self.t0 + r.randint(2, 10) * MIN
        while t < self.t_end:
            if not self.is_quiet(t):
                self.add_batch(t)
            t += r.randint(12, 35) * MIN + r.randint(0, 59) * SEC
        t = self.t0 + r.randint(1, 20) * MIN
        while t < self.t_end:
            if not self.is_quiet(t):
                self.add_task(t, r.choice(["image_generation", "image_edit"]))
            t += int(r.expovariate(1 / (18 * MIN))) + 2 * MIN
        t = self.t0 + r.randint(1, 8) * MIN
        while t < self.t_end:
            self.api_tasks.append(Task(self.uid(), r.choice(["qwen_image_edit", "wan_2_2_i2v", "flux_api"]),
                                       t, 0, api=True))
            t += r.randint(4, 16) * MIN + r.randint(0, 59) * SEC
        for (t, size, shard) in getattr(self, "forced", []):
            self.add_batch(t, size=size, shard=shard)

        if s == "one_of_two_orchestrators_dies":
            b = gpu[1]
            # demand after b died, so that a spawns
            self.add_batch(b.dead_at + r.randint(5, 15) * MIN, size=r.randint(4, 7))
            self.add_batch(b.dead_at + r.randint(40, 60) * MIN, size=r.randint(3, 6))
        elif s == "worker_silent_holding_task":
            variant = r.choice(["resumes", "terminated", "alive_at_end"])
            length = r.randint(15, 40) * MIN
            if variant == "alive_at_end":
                length = r.randint(22, 40) * MIN
                start = self.until - length
            else:
                start = self.since + int(win * r.uniform(0.2, 0.45))
            self.silent_plan = dict(variant=variant, length=length, start=start, worker=None)
            self.add_batch(start, size=r.randint(1, 2))

    def is_quiet(self, t):
        return any(a <= t < b for a, b in self.quiet)

    def add_batch(self, t, size=None, shard=None):
        r = self.rng
        size = size or r.randint(2, 6)
        if shard is None:
            shard = r.randrange(self.nshards) if hasattr(self, "nshards") else 0
        if r.random() < 0.5:
            types = ["travel_orchestrator"] + ["travel_segment"] * (size - 1)
        else:
            types = ["image_generation"] * size
        for ty in types:
            self.add_task(t, ty, shard)
            t += r.randint(1, 12) * SEC

    def add_task(self, t, ttype, shard=None):
        if shard is None:
            shard = self.rng.randrange(self.nshards)
        self.tasks.append(Task(self.uid(), ttype, t, shard))

    def task_duration(self, ttype):
        r = self.rng
        lo, hi = {"travel_orchestrator": (3, 7), "travel_segment": (4, 12),
                  "image_generation": (2, 8), "image_edit": (1, 4)}[ttype]
        return r.randint(lo * 60, hi * 60) * SEC + r.randint(0, 999999)

    # ------------------------------------------------------------------ simulation
    def run(self):
        self.setup()
        self.tasks.sort(key=lambda x: x.created)
        self.api_tasks.sort(key=lambda x: x.created)
        t = self.t0
        while t < self.t_end:
            for w in self.workers:
                if not w.external:
                    self.worker_tick(w, t)
            while self.pending_manual and self.pending_manual[0][0] <= t:
                self.launch_manual(*self.pending_manual.pop(0))
            for o in list(self.orchs):
                if o.next_cycle is not None and o.next_cycle <= t:
                    if o.dead_at is not None and o.next_cycle >= o.dead_at:
                        o.next_cycle = None
                        continue
                    if o.kind == "gpu":
                        self.gpu_cycle(o, o.next_cycle)
                    else:
                        self.api_cycle(o, o.next_cycle)
            t += SEC
        if self.silent_plan and self.silent_plan["worker"] is None:
            raise Retry("the silent worker was never chosen")

    def launch_manual(self, t, owner):
        """A worker an operator launches by hand (scripts/spawn_gpu.py, which logs to
        stdout only); the orchestrator adopts it like any spawning worker. Its pod
        takes long enough that no orchestrator line names it within the tolerance."""
        r = self.rng
        w = Worker(self.worker_id(t, manual=r.random() < 0.5), t, owner,
                   r.randint(200, 260) * SEC + r.randint(0, 999999), r.randint(20, 60) * SEC, self.runpod_id())
        w.clock = r.randint(-2000, 2000) * 1000
        w.manual = True
        if self.era == "E3":
            w.booted_at = None      # boots once the orchestrator launches its startup script
        self.workers.append(w)
        self.extra.setdefault("manual_workers", []).append(w.id)
        self.manual = w

    def queued_tasks(self, t, shards=None):
        return [k for k in self.tasks if k.created <= t and k.claimed is None
                and (shards is None or k.shard in shards)]

    def worker_tick(self, w, t):
        r = self.rng
        if w.terminated is not None and t >= w.terminated:
            return
        if w.dead_at is not None:
            return      # killed: its row, its beat and its task stay as they were
        p = self.oom_plan
        if (p is not None and p["worker"] is None and t >= p["at"] and w.task is not None
                and t - w.task.claimed >= MIN and w.task.finish_at - t >= 2 * MIN):
            # the OOM killer (exit 137): no last line, no more beats, the task stays In Progress
            w.dead_at = t + r.randint(0, 999999)
            w.task.finish_at = self.t_end + 10 * HOUR
            p.update(worker=w, task=w.task.id, claim=w.task.claimed, killed=w.dead_at)
            return
        if not w.logging_started and w.booted_at is not None and t >= w.booted_at:
            w.logging_started = True
            t1 = w.booted_at
            self.log(t1, w, "INFO", "✅ Centralized logging enabled for worker")
            self.log(t1 + r.randint(300, 1500) * 1000, w, "INFO",
                     "🖥️ GPU ready: %s, VRAM %d/24080 MB" % (self.instance, 420 + r.randint(0, 300)))
            w.next_log = t1 + self.jitter(w.period)
            w.last_beat = t1
        if not w.logging_started:
            return
        w.last_beat = t - r.randint(0, 999999)
        if w.promoted is None or t < w.promoted:
            self.periodic(w, t)
            return
        if w.task is not None and t >= w.task.finish_at:
            k = w.task
            k.updated = k.finish_at
            if k.error:
                k.status = "Failed"
                self.log(k.finish_at, w, "ERROR", "❌ Task %s failed: %s" % (k.id, k.error), task_id=k.id)
            else:
                k.status = "Complete"
                k.finished = k.finish_at
                self.log(k.finish_at, w, "INFO", "✅ Task %s completed in %ds"
                         % (k.id, (k.finish_at - k.claimed) // SEC), task_id=k.id)
            w.task = None
            w.idle_since = k.finish_at
        if w.task is None and not w.stopping and (w.next_poll is None or t >= w.next_poll):
            w.next_poll = t + r.randint(2, 6) * SEC
            q = self.queued_tasks(t)
            if q:
                k = q[0]
                c = t + r.randint(0, 999) * 1000
                k.claimed = c
                k.worker = w.id
                k.status = "In Progress"
                k.attempts = 1
                dur = self.task_duration(k.type)
                self.maybe_silence(w, k, c)
                if k.forced_duration is not None:
                    dur = k.forced_duration
                elif r.random() < 0.04:
                    k.error = r.choice([
                        "CUDA out of memory. Tried to allocate 2.50 GiB (GPU 0; 23.65 GiB total capacity)",
                        "Segment render failed: ffmpeg exited with status 1",
                        "Model download timed out after 300s | retrying is safe"])
                k.finish_at = c + dur
                w.task = k
                self.log(c, w, "INFO", "📥 Claimed task %s (%s)" % (k.id, k.type), task_id=k.id)
        self.periodic(w, t)

    def periodic(self, w, t):
        r = self.rng
        if w.next_log is None or t < w.next_log:
            return
        when = w.next_log
        if w.task is not None and w.task.claimed <= when:
            msg = "🎬 Processing task %s (%s), VRAM %d/24080 MB" % (w.task.id, w.task.type,
                                                                   17000 + r.randint(0, 5000))
            self.log(when, w, "INFO", msg, task_id=w.task.id)
        else:
            if r.random() < 0.03:
                msg = "VRAM stats:\tallocated=%d MB\treserved=%d MB" % (r.randint(400, 900), r.randint(900, 1400))
                self.log(when, w, "DEBUG", msg)
            else:
                self.log(when, w, "INFO", "Heartbeat: idle, VRAM %d/24080 MB" % (500 + r.randint(0, 500)))
        w.next_log = when + self.jitter(w.period)

    def maybe_silence(self, w, k, c):
        p = self.silent_plan
        if p is None or p["worker"] is not None or c < p["start"]:
            return
        r = self.rng
        if p["variant"] == "alive_at_end":
            end = self.t_end + HOUR
            if self.until - c < 15 * MIN:
                return
            span = self.until - c
        else:
            end = c + p["length"]
            if end + 10 * MIN > self.until:
                return
            span = p["length"]
        p["worker"] = w.id
        p["claim"] = c
        p["task"] = k.id
        w.silences.append((c + 1, end))
        if p["variant"] == "resumes":
            w.no_terminate_until = end + 3 * MIN
        elif p["variant"] == "terminated":
            w.no_terminate_until = end
            w.silences[-1] = (c + 1, self.t_end + HOUR)   # silent until it is terminated
        else:
            w.no_terminate_until = self.t_end + HOUR
        k.forced_duration = r.randint(3 * 60, min(12 * 60, span // SEC - 180)) * SEC + r.randint(0, 999999)
        p["finish"] = c + k.forced_duration

    # ------------------------------------------------------------------ orchestrators
    def line_times(self, tc):
        """The times of a cycle's lines: each call moves lo..hi ms on; `.t` is the cursor."""
        rng = self.rng

        class Cursor:
            t = tc

            def __call__(self, lo=20, hi=400):
                self.t += rng.randint(lo, hi) * 1000
                return self.t
        return Cursor()

    def gpu_cycle(self, o, tc):
        r = self.rng
        era = self.era
        o.cycle += 1
        n = o.cycle
        nxt = self.line_times(tc)

        def olog(t, level, msg, cycle=n):
            self.log(t, o, level, msg, cycle=cycle)

        # another GPU orchestrator silent for 90 s: take over its shard and workers
        for other in self.orchs:
            if (other is not o and other.kind == "gpu" and other.dead_at is not None
                    and tc - other.dead_at >= 90 * SEC and other.shards and other.redeploy_at is None):
                o.shards = sorted(o.shards + other.shards)
                other.shards = []
                for w in self.workers:
                    if w.owner is other and w.alive(tc):
                        w.owner = o
                self.extra["takeover"] = tc
        shards = o.shards
        mine = [w for w in self.workers if w.owner is o and w.alive(tc)]
        queued = self.queued_tasks(tc, shards)
        active = [k for k in self.tasks if k.shard in shards and k.claimed is not None and k.claimed <= tc
                  and k.finish_at > tc]
        spawning = [w for w in mine if w.promoted is None]
        promoted = [w for w in mine if w.promoted is not None and not w.stopping]
        total = len(queued) + len(active)
        desired = min(o.max_workers, max(o.min_workers, math.ceil(total / o.tasks_per_worker)))
        current = len(spawning) + len(promoted)
        n_queued, n_active = len(queued), len(active)
        spurious = o.spurious is not None and "line" not in o.spurious and tc >= o.spurious["at"]
        if spurious:
            # seed 002: one task queued since the last cycle, and a count from elsewhere
            if mine or active:
                raise Retry("workers or tasks are still about at the spurious count")
            self.add_task(tc - r.randint(2, 12) * SEC - r.randint(0, 999999), "image_generation", shards[0])
            queued = self.queued_tasks(tc, shards)
            n_queued, n_active = SPURIOUS_QUEUED, 0
            total = n_queued
            o.overrides.insert(0, dict(at=tc, n=SPURIOUS_SPAWN, fail=None))
            o.spurious["table_queued"] = len(queued)

        if era in ("E1", "E2"):
            olog(tc, "INFO", "Starting orchestrator cycle")
            tcount = nxt()
            olog(tcount, "CRITICAL", "%sTASK COUNT (Cycle #%d): Queued=%d, Active=%d, Total=%d"
                 % ("🔢 " if era == "E1" else "", n, n_queued, n_active, total))
            if era == "E1":
                olog(nxt(), "INFO", "Current state: %d spawning, %d active, 0 terminating, %d total tasks (%d queued)"
                     % (len(spawning), len(promoted), total, n_queued))
        else:
            tcount = nxt()
            olog(tcount, "INFO", "Cycle #%d: scaling=%d active=%d" % (n, n_queued, n_active))
        if spurious:
            o.spurious["line"] = tcount + o.clock

        # E3: a pod that is up gets its startup script; the worker then boots and logs
        launched = 0
        if era == "E3":
            for w in spawning:
                if w.launched is None and tc >= w.pod_ready:
                    w.launched = nxt()
                    w.booted_at = w.launched + r.randint(20, 45) * SEC
                    olog(w.launched, "INFO", "Launched startup script for %s" % w.id)
                    launched += 1
        # promotions of booted workers
        n_promoted = 0
        for w in spawning:
            if w.logging_started and tc >= w.booted_at + 3 * SEC:
                tp = nxt()
                if era == "E1":
                    msg = "🚀 Worker %s detected as active via logging - promoting now" % w.id
                elif era == "E2" and r.random() < 0.4:
                    msg = "Worker %s has recent heartbeat (%ds old) - promoting to active" % (w.id, r.randint(2, 25))
                    w.promotion_reason = "recent_heartbeat"
                else:
                    msg = "Worker %s signaled ready_for_tasks - promoting to active" % w.id
                    w.promotion_reason = "ready_for_tasks"
                olog(tp, "INFO", msg)
                w.promoted = tp + r.randint(10, 80) * 1000
                w.idle_since = w.promoted
                w.next_poll = w.promoted + r.randint(1, 5) * SEC
                n_promoted += 1

        spawn = max(0, min(desired - current, 3))
        override = None
        if o.overrides and tc >= o.overrides[0]["at"]:
            override = o.overrides.pop(0)
            spawn = override["n"]
            desired = current + spawn
        terminate = []
        if spawn == 0 and not queued and current > desired:
            idle = [w for w in promoted if w.task is None and w.idle_since is not None
                    and tc - w.idle_since >= o.idle_timeout and tc - w.promoted >= 5 * MIN
                    and tc >= w.no_terminate_until]
            idle.sort(key=lambda w: w.idle_since)
            terminate = idle[:current - desired]

        if era in ("E1", "E2"):
            olog(nxt(), "CRITICAL", "%sSCALING DECISION (Cycle #%d): Current=%d+%d, Desired=%d"
                 % ("🎯 " if era == "E1" else "", n, len(promoted), len(spawning), desired))

        # idle terminations
        if terminate:
            if era == "E1":
                olog(nxt(), "INFO", "Terminating %d workers (over-capacity: %d > %d, idle buffer requires keeping 0 idle)"
                     % (len(terminate), current, desired))
            else:
                olog(nxt(), "INFO", "Terminating %d workers (over-capacity: %d > %d)" % (len(terminate), current, desired))
        for w in terminate:
            tt = nxt()
            w.stopping = True
            w.terminated = tt + r.randint(300, 2500) * 1000
            w.termination_reason = "scale_down_idle (capacity %d > desired %d)" % (current, desired)
            idle_limit = o.idle_timeout // SEC
            if era == "E1":
                olog(tt, "INFO", "🔄 WORKER_LIFECYCLE [Worker %s] TERMINATING worker" % w.id)
                olog(w.terminated - 40000, "INFO", "🔄 WORKER_LIFECYCLE [Worker %s] ✅ RunPod instance terminated "
                     "successfully" % w.id)
                olog(w.terminated + 40000, "INFO", "Terminated idle worker %s (over-capacity, idle > %ds)"
                     % (w.id, idle_limit))
            else:
                olog(tt, "INFO", "WORKER_LIFECYCLE [Worker %s] TERMINATING worker (reason: %s)"
                     % (w.id, w.termination_reason))
                olog(w.terminated - 40000, "INFO", "WORKER_LIFECYCLE [Worker %s] RunPod terminated successfully" % w.id)
                olog(w.terminated + 40000, "INFO", "Terminated idle worker %s (idle > %ds)" % (w.id, idle_limit))
            nxt.t = w.terminated + 40000

        # scale-up, blocked or suppressed
        if spawn and o.blocked and o.blocked[0] <= tc < o.blocked[1] and override is None:
            tb = nxt()
            if era == "E1":
                olog(tb, "ERROR", "⚠️  SCALING BLOCKED: High failure rate detected, not spawning %d workers" % spawn)
                olog(nxt(1, 5), "ERROR", "⚠️  Fix the underlying issue (SSH auth, image problems, etc.) before "
                     "scaling resumes")
            else:
                olog(tb, "WARNING", "SCALE-UP SUPPRESSED: pause_scaling row active for pool=production; "
                     "skipping spawn of %d workers" % spawn)
            o.blocked_lines.append(tb)
            if len(o.blocked_lines) == 1 and self.scenario == "blocked_spawn":
                self.pending_manual.append((tb + r.randint(40, 90) * SEC + r.randint(0, 999999), o))
            spawn = 0
        spawned = []
        if spawn:
            tu = nxt()
            prefix = "🚀 " if era == "E1" else ""
            olog(tu, "INFO" if era == "E3" else "CRITICAL", "%sSCALING UP: Spawning %d workers (current: %d, desired: %d)"
                 % (prefix, spawn, current, desired))
            if era == "E1":
                olog(nxt(1, 3), "INFO", "Scaling up: need %d more workers (current: %d, desired: %d)"
                     % (spawn, current, desired))
            self.extra.setdefault("scale_up_lines", []).append(tu + o.clock)
            self.scale_ups.append((tu + o.clock, spawn, o.source_id))
            if override is not None and override["fail"]:
                self.failed_line = tu + o.clock
            for i in range(spawn):
                fail = override is not None and (override["fail"] == "all" or
                                                 (override["fail"] == "last" and i == spawn - 1))
                tw = nxt(200, 900)
                wid = self.worker_id(tw)
                if fail:
                    # create_worker_record's insert fails: no row, two ERROR lines
                    te = nxt(5000, 9000)
                    olog(te, "ERROR", "Failed to create worker record %s: {'message': 'canceling statement due to "
                         "statement timeout', 'code': '57014', 'hint': None, 'details': None}" % wid)
                    olog(nxt(5, 30), "ERROR", "%sFailed to spawn worker %d/%d" % ("❌ " if era == "E1" else "", i + 1, spawn))
                    self.extra.setdefault("failed_spawns", []).append(wid)
                    if override.get("manual_after"):
                        # launched by hand a few seconds later, before the next cycle would retry
                        self.pending_manual.append((te + r.randint(3, 10) * SEC + r.randint(0, 999999), o))
                    continue
                w = Worker(wid, tw, o, r.randint(60, 150) * SEC + r.randint(0, 999999),
                           r.randint(20, 60) * SEC, self.runpod_id())
                w.clock = r.randint(-2000, 2000) * 1000
                w.spawned_by = o
                nl = self.never_logs
                if nl is not None and nl["worker"] is None and tw >= nl["after"]:
                    # its database log handler never starts: not one line, ever
                    w.silences.append((0, self.t_end + 10 * HOUR))
                    nl["worker"] = w
                if era == "E3":
                    w.booted_at = None
                self.workers.append(w)
                spawned.append(w)
                if era in ("E1", "E2"):
                    olog(nxt(150, 600), "INFO", "🚀 Creating worker: %s (Storage: %s, RAM: %d GB)"
                         % (wid, self.volume, self.ram_tier))
                tl = nxt(8000, 30000)          # create_pod_and_wait
                if era == "E1":
                    olog(tl, "CRITICAL", "✅ Worker %d/%d spawned successfully" % (i + 1, spawn))
                else:
                    olog(tl, "CRITICAL" if era == "E2" else "INFO", "Worker %d/%d spawned successfully" % (i + 1, spawn))
        end = nxt(100, 1500)
        act = actions(n_promoted, 0, len(spawned), len(terminate), None if era == "E1" else launched)
        if era in ("E1", "E2"):
            olog(end, "INFO", "Orchestrator cycle completed in %.2fs: %s" % ((end - tc) / SEC, act))
            if era == "E1" and n % 20 == 0:
                for k, msg in enumerate(["📊 HEALTH SUMMARY (Cycle #%d):" % n, "   • Database logging: ✅ Healthy",
                                         "   • Last task count: %d" % total, "   • Last worker count: %d" % current]):
                    olog(end + (k + 1) * 1000, "INFO", msg)
                end += 5000
        olog(end + 800, "INFO", "Cycle completed: %s" % act)
        end += 800
        if end - tc > o.period:
            olog(end + 2000, "WARNING", "Cycle took %.1fs, longer than %ds interval" % ((end - tc) / SEC, o.period // SEC))
        self.schedule_next(o, end)
        if o.restart_at is not None and not o.restarted and tc >= o.restart_at:
            o.restarted = True
            self.do_restart(o, end + r.randint(2, 10) * SEC + r.randint(0, 999) * 1000)
        if o.redeploy_at is not None and tc >= o.redeploy_at and o.dead_at is None:
            self.do_redeploy(o, end + r.randint(1, 8) * SEC + r.randint(0, 999) * 1000)

    def schedule_next(self, o, tc):
        r = self.rng
        step = self.jitter(o.period)
        if r.random() < 0.025:
            step = int(o.period * r.uniform(1.6, 2.5))   # a slow cycle (a slow API call)
            o.slow_cycles += 1
        o.next_cycle = tc + step

    def do_restart(self, o, sigterm):
        """The same process id restarts (ORCHESTRATOR_INSTANCE_ID set): a SIGTERM
        leaves no line; 'Starting orchestrator in continuous mode' is logged before
        the database handler exists; the first line that arrives is the startup one."""
        r = self.rng
        start = sigterm + r.randint(10, 45) * SEC + r.randint(0, 999) * 1000
        o.cycle = 0
        self.log(start, o, "INFO", "✅ Database logging enabled: %s -> Supabase" % o.source_id)
        o.next_cycle = start + r.randint(1, 4) * SEC + r.randint(0, 999) * 1000
        self.extra["restart"] = dict(sigterm=sigterm, startup=start + o.clock, first_cycle=o.next_cycle)

    def do_redeploy(self, o, stop):
        """A new container with a new hostname replaces the instance: o stops at
        `stop` (SIGTERM, no line); the successor's first line is its startup line."""
        r = self.rng
        o.dead_at = stop
        o.next_cycle = None
        if self.variant == "slow":
            # longer than the 5 min gap floor, well inside the 10 min hand-over window
            handover = r.randint(360, 480) * SEC + r.randint(0, 999999)
        else:
            handover = r.randint(60, 240) * SEC + r.randint(0, 999999)
        start = stop + handover
        new = Orch("gpu", o.source_type, "orchestrator_gpu-" + self.hostname(), o.period, 0)
        for attr in ("min_workers", "max_workers", "tasks_per_worker", "idle_timeout"):
            setattr(new, attr, getattr(o, attr))
        new.clock = r.randint(-4000, 4000) * 1000
        new.shards, o.shards = o.shards, []
        for w in self.workers:
            if w.owner is o:
                w.owner = new
        self.orchs.insert(self.orchs.index(o) + 1, new)
        self.log(start, new, "INFO", "✅ Database logging enabled: %s -> Supabase" % new.source_id)
        new.next_cycle = start + r.randint(1, 4) * SEC + r.randint(0, 999) * 1000
        self.extra["redeploy"] = dict(stopped=stop, startup=start + new.clock)
        self.successor = new

    def api_cycle(self, o, tc):
        """api_orchestrator/main.py's worker loop (no cycle number is set)."""
        r = self.rng
        o.cycle += 1
        n = o.cycle
        nxt = self.line_times(tc)
        concurrency = 20
        running = [k for k in self.api_tasks if k.claimed is not None and k.finished is None]
        for k in running:
            if k.finish_at <= tc:
                k.finished = k.finish_at
                k.updated = k.finish_at
                k.status = "Complete"
                self.log(k.finish_at, o, "INFO", "Task %s completed successfully" % k.id, task_id=k.id)
        running = [k for k in running if k.finished is None]
        capacity = concurrency - len(running)
        self.log(nxt(), o, "INFO", "[WORKER_LOOP] Loop #%d: Active tasks: %d, Capacity: %d" % (n, len(running), capacity))
        queued = [k for k in self.api_tasks if k.created <= tc and k.claimed is None]
        to_claim = min(capacity, len(queued))
        self.log(nxt(), o, "INFO", "[WORKER_LOOP] Available tasks: %d, Will attempt to claim: %d" % (len(queued), to_claim))
        if to_claim:
            self.log(nxt(), o, "INFO", "[WORKER_LOOP] Claiming %d tasks (capacity: %d, available: %d)"
                     % (to_claim, capacity, len(queued)))
            for i, k in enumerate(queued[:to_claim]):
                t1 = nxt()
                k.claimed = t1
                k.status = "In Progress"
                k.attempts = 1
                k.worker = "api-worker-main"
                k.finish_at = t1 + r.randint(10, 120) * SEC
                self.log(t1, o, "INFO", "[WORKER_LOOP] Successfully claimed task %d/%d: %s" % (i + 1, to_claim, k.id),
                         task_id=k.id)
                self.log(nxt(1, 20), o, "INFO", "Starting task %s" % k.id, task_id=k.id)
            self.log(nxt(), o, "INFO", "[WORKER_LOOP] Spawned %d tasks" % to_claim)
        self.schedule_next(o, tc)

    # ------------------------------------------------------------------ external workers
    def add_external(self, te, wid):
        """func_worker_heartbeat_with_logs inserts a row at the first beat of a
        user's own machine: instance_type 'external', status 'active', never
        promoted; the machine beats (and logs) every ~20 s to the end."""
        r = self.rng
        w = Worker(wid, te, None, 0, 20 * SEC, None)
        w.external = True
        w.clock = r.randint(-2000, 2000) * 1000
        self.workers.append(w)
        self.log(te, w, "INFO", "✅ Centralized logging enabled for worker")
        self.log(te + r.randint(300, 1500) * 1000, w, "INFO", "🖥️ GPU ready: NVIDIA GeForce RTX 3090, VRAM %d/24576 MB"
                 % (900 + r.randint(0, 600)))
        t = te + self.jitter(20 * SEC, 0.1)
        while t < self.t_end:
            self.log(t, w, "INFO", "Heartbeat: idle, VRAM %d/24576 MB" % (900 + r.randint(0, 600)))
            w.last_beat = t
            t += self.jitter(20 * SEC, 0.1)
        return w

    def place_externals(self):
        r = self.rng
        managed = [w.created for w in self.workers if not w.external]
        chosen = []
        for margin in (6 * MIN, 3 * MIN):
            cands = []
            t = self.since + 10 * MIN
            while t < self.until - 15 * MIN:
                if all(abs(t - c) > margin for c in managed):
                    cands.append(t)
                t += 30 * SEC
            if cands:
                break
        if not cands:
            raise Retry("no quiet place for an external worker")
        for _ in range(r.choice([1, 1, 2])):
            ok = [c for c in cands if all(abs(c - x) > 10 * MIN for x in chosen)]
            if not ok:
                break
            chosen.append(r.choice(ok) + r.randint(0, 29) * SEC + r.randint(0, 999999))
        names = ["local-studio-3090", "home-rig-4090", "ext-%s" % self.hex8()]
        self.externals = [self.add_external(te, names[i]) for i, te in enumerate(sorted(chosen))]

    # ------------------------------------------------------------------ workflows
    def workflows(self):
        r = self.rng
        names = [("morning_operations", "high"), ("injury_reports", "high"), ("betting_lines", "high"),
                 ("referee_discovery", "medium"), ("schedule_dependency", "medium"),
                 ("props_scraping", "medium")]
        run_reasons = {"morning_operations": "In time window, not yet run today",
                       "injury_reports": "Hourly refresh due",
                       "betting_lines": "Game day: lines window open, last run > 1h ago",
                       "referee_discovery": "Game day: referee assignments not yet discovered",
                       "schedule_dependency": "Dependency check due: schedule not refreshed in 4h",
                       "props_scraping": "Props window open, dependency met"}
        skip_reasons = ["Not in time window", "Already ran today", "Dependency not met: betting_lines has not run today"]
        evals = []
        h = (self.t0 - 2 * HOUR) // HOUR * HOUR
        while h < self.t_end:
            evals.append((h + r.randint(2, 6) * SEC, "cloud_scheduler"))
            if r.random() < 0.15:
                evals.append((h + 30 * MIN + r.randint(2, 9) * SEC, "manual"))
            h += HOUR
        evals.sort()
        scenario = self.scenario
        orphan_eval = None
        if scenario == "orphaned_decisions":
            inside = [e for e in evals if self.since + 5 * MIN <= e[0] <= self.until - 25 * MIN]
            orphan_eval = r.choice(inside)[0]
            late = self.until - r.randint(60, 300) * SEC - r.randint(0, 999) * 1000
            evals.append((late, "manual"))
            evals.sort()
            self.extra["late_eval"] = late
        fail_eval = None
        if scenario == "healthy" and r.random() < 0.5:
            inside = [e for e in evals if self.since <= e[0] <= self.until - 2 * HOUR]
            if inside:
                fail_eval = r.choice(inside)[0]
        retry = set()
        orphans = []
        recent_unexecuted = []
        for (te, trig) in evals:
            stamp = dt(te).strftime("%Y%m%d-%H%M" if trig != "manual" else "%Y%m%d-%H%M%S-manual")
            rows = []
            for name, prio in names:
                run = r.random() < 0.35 or name in retry
                reason = run_reasons[name]
                if name in retry:
                    reason = "Retry: last run failed"
                    retry.discard(name)
                if trig == "manual" and te == self.extra.get("late_eval"):
                    run = name in ("betting_lines", "referee_discovery", "schedule_dependency")[:1 + r.randint(0, 2)]
                    reason = "Manual trigger: re-run requested"
                rows.append([name, prio, run, reason])
            if te == orphan_eval:
                for row in r.sample(rows, r.randint(3, 4)):
                    row[2] = True
            runs = []
            for name, prio, run, reason in rows:
                did = "dec-%s-%s" % (stamp, name)
                self.decisions.append(dict(id=did, t=te, wf=name, action="RUN" if run else "SKIP",
                                           reason=reason if run else r.choice(skip_reasons), prio=prio,
                                           trig=trig))
                if run:
                    runs.append((did, name))
            if not runs:
                continue
            executed = runs
            if te == orphan_eval:
                k = 0 if r.random() < 0.3 else r.randint(1, len(runs) - 1)
                executed = runs[:k]
                orphans.extend(d for d, _ in runs[k:])
                self.extra["orphan_eval"] = te
            if te == self.extra.get("late_eval"):
                recent_unexecuted.extend(d for d, _ in runs)
                if r.random() < 0.5:
                    executed = []
                else:
                    # they do run, but after the window ends
                    ts = self.until + r.randint(10, 120) * SEC
                    for did, name in runs:
                        self.executions.append(dict(id=self.uid(), t=ts, wf=name, did=did, status="completed",
                                                    dur=round(r.uniform(4, 30), 1), trig=1, ok=1, err=None))
                        ts += r.randint(8, 35) * SEC
                    executed = []
            ts = te + r.randint(240, 300) * SEC + r.randint(0, 999) * 1000
            for did, name in executed:
                dur = round(r.uniform(4, 30), 1)
                ntrig = r.randint(1, 4)
                status, ok, err = "completed", ntrig, None
                if te == fail_eval and not retry:
                    status, ok = "failed", 0
                    err = "HTTP 500: Failed to load scraper... Module 'scrapers.%s'" % name
                    retry.add(name)
                self.executions.append(dict(id=self.uid(), t=ts, wf=name, did=did, status=status, dur=dur,
                                            trig=ntrig, ok=ok, err=err))
                ts += int(dur * SEC) + r.randint(1, 3) * SEC
        self.orphans = orphans
        self.recent_unexecuted = recent_unexecuted

    # ------------------------------------------------------------------ expectations
    def healthy_expectations(self):
        self.forbid_kinds = list(CORE) + ["orchestrator_restart", "worker_never_promoted", "stale_heartbeat",
                                          "clock_skew", "workflow_unrecovered", "early_termination",
                                          "demand_mismatch", "worker_lost", "task_count_spike"]
        self.extra_out = {"max_severity": "low", "max_core_findings": 0, "exit_code_fail_on_medium": 0}
        self.count_rapid_scale_ups()

    def count_rapid_scale_ups(self):
        """A scale-up of 3 or more workers in one cycle is a rapid_scale_up (low) even in a
        healthy history: exactly one per such cycle in the window, none for smaller ones.
        Not counted when one lies within 3 minutes of the window's edges (which cycle
        is inside is then tlrecon's call), and only lines the retention cleanup kept."""
        big = [t for t, n, _ in self.scale_ups if n >= 3 and (self.cutoff is None or t >= self.cutoff)]
        if self.cutoff is not None and any(abs(t - self.cutoff) < 3 * MIN for t, _, _ in self.scale_ups):
            return      # a cycle cut in two by the retention cleanup
        if any(abs(t - edge) < 3 * MIN for t in big for edge in (self.since, self.until)):
            return
        self.extra_out.setdefault("count_kinds", {})["rapid_scale_up"] = \
            sum(1 for t in big if self.since <= t < self.until)

    def finish_expectations(self):
        s = self.scenario
        r = self.rng
        gpu = [o for o in self.orchs if o.kind == "gpu"]
        self.forbid_kinds = list(CORE)
        exit_code = 0
        if s in ("healthy", "external_worker", "retention"):
            self.healthy_expectations()
            if s == "external_worker":
                for w in self.externals:
                    self.forbid.append(dict(kind="*", entities_contain=[w.id]))
                self.extra["externals"] = {w.id: w.created for w in self.externals}
            if s == "retention":
                self.extra_out["no_core_before"] = iso_tl(self.cutoff)
        elif s in ("silent_logging_death", "logging_death_before_window"):
            late = s == "logging_death_before_window"
            o = gpu[0]
            created = sorted(w.created for w in self.workers)
            inside = [w for w in sorted(self.workers, key=lambda w: w.created)
                      if self.since <= w.created < self.until]
            lo = self.since + (self.until - self.since) * 25 // 100
            hi = self.since + (self.until - self.since) * 60 // 100
            cands = []
            t = lo
            while t < hi:
                if not any(t - 3 * MIN <= c <= t + 3 * MIN for c in created):
                    after = [w for w in inside if w.created > t + (30 * MIN if late else 0)]
                    nb = len(self.bursts(after))
                    if nb >= 1:
                        cands.append((t, nb))
                t += 30 * SEC
            if not cands:
                raise Retry("no place for the logging death")
            best = [c for c in cands if c[1] >= 2] or cands
            death = r.choice(best)[0] + r.randint(0, 29) * SEC
            o.log_dead_at = death
            if late:
                # the investigator's window starts after the last orchestrator log
                self.since = (death + r.randint(5, 30) * MIN) // MIN * MIN
                inside = [w for w in inside if w.created >= self.since]
            bursts = self.bursts([w for w in inside if w.created > death])
            self.forbid_kinds = ["orphaned_decision"]
            self.expect.append(dict(kind="logging_gap", entities_contain=[o.source_id], severity="high",
                                    open=True, why="the orchestrator's logs stop at %s while it keeps acting%s"
                                    % (iso_z(death), ", before the window starts" if late else "")))
            for b in bursts:
                self.expect.append(dict(kind="unexplained_scale_up", entities_contain=[w.id for w in b],
                                        severity="high", why="workers created after the logging death"))
            self.extra_out = {"max_core_findings": 1 + len(bursts)}
            self.extra["death"] = death
            exit_code = 1
        elif s == "restart":
            if "restart" not in self.extra:
                raise Retry("the restart did not happen")
            self.expect.append(dict(kind="orchestrator_restart", entities_contain=[gpu[0].source_id],
                                    why="startup line at %s and cycle counter back to 1, same instance id"
                                    % iso_tl(self.extra["restart"]["startup"])))
            self.extra_out = {"max_core_findings": 0, "count_kinds": {"orchestrator_restart": 1}}
        elif s == "redeploy":
            if "redeploy" not in self.extra:
                raise Retry("the redeploy did not happen")
            old, new = gpu[0], self.successor
            # The metadata times are the database's, the log lines carry each process's
            # clock: nothing of the workers table may fall between the two instances' lines.
            if any(old.last_db < t < new.first_db for w in self.workers
                   for t in (w.created, w.promoted, w.terminated) if t is not None):
                raise Retry("a worker lifecycle event fell inside the hand-over")
            self.expect.append(dict(kind="orchestrator_restart", entities_equal=[old.source_id, new.source_id],
                                    severity="low", start=iso_tl(old.last_db), end=iso_tl(new.first_db),
                                    why="%s stops, %s (new hostname) logs its startup line %ds later"
                                    % (old.source_id, new.source_id, (new.first_db - old.last_db) // SEC)))
            self.forbid_kinds = ["orphaned_decision", "unexplained_scale_up"]
            self.forbid.append(dict(kind="logging_gap", entities_contain=[new.source_id]))
            if self.variant == "slow":
                self.expect.append(dict(kind="logging_gap", entities_contain=[old.source_id], severity="medium",
                                        open=False, start=iso_tl(old.last_db), end=iso_tl(new.first_db),
                                        why="the hand-over itself (%ds) exceeds the 5 min threshold; nothing "
                                            "happened to the workers meanwhile" % ((new.first_db - old.last_db) // SEC)))
                self.extra_out = {"max_core_findings": 1, "count_kinds": {"orchestrator_restart": 1,
                                                                          "logging_gap": 1}}
            else:
                self.forbid.append(dict(kind="logging_gap", entities_contain=[old.source_id]))
                self.extra_out = {"max_core_findings": 0, "count_kinds": {"orchestrator_restart": 1},
                                  "max_severity": "low"}
        elif s == "worker_silent_holding_task":
            p = self.silent_plan
            self.forbid_kinds = ["orphaned_decision", "unexplained_scale_up"]
            self.expect.append(dict(kind="logging_gap", entities_contain=[p["worker"]], severity="high",
                                    why="worker %s claims task %s at %s, then writes nothing (%s) while "
                                        "the task finishes at %s" % (p["worker"], p["task"], iso_z(p["claim"]),
                                                                     p["variant"], iso_z(p["finish"]))))
            self.extra_out = {"max_core_findings": 1}
            exit_code = 1
        elif s == "one_of_two_orchestrators_dies":
            a, b = gpu
            self.forbid_kinds = ["orphaned_decision", "unexplained_scale_up", "orchestrator_restart"]
            self.expect.append(dict(kind="logging_gap", entities_contain=[b.source_id], severity="medium",
                                    open=True, why="%s stops at %s; every worker event after it is logged by %s "
                                    "(both were logging over the same period: no restart)"
                                    % (b.source_id, iso_z(b.dead_at), a.source_id)))
            self.forbid.append(dict(kind="logging_gap", entities_contain=[a.source_id]))
            self.extra_out = {"max_core_findings": 1}
            later = [w for w in self.workers if w.spawned_by is a and b.dead_at < w.created < self.until]
            if not later:
                raise Retry("%s spawned nothing after %s stopped" % (a.source_id, b.source_id))
            self.extra["a_spawned_after_b_stopped"] = len(later)
        elif s == "orphaned_decisions":
            self.forbid_kinds = ["logging_gap", "unexplained_scale_up"]
            for d in self.orphans:
                self.expect.append(dict(kind="orphaned_decision", entities_contain=[d], severity="high",
                                        why="RUN decision never executed"))
            for d in self.recent_unexecuted:
                self.forbid.append(dict(kind="orphaned_decision", entities_contain=[d]))
            self.extra_out = {"orphaned_exact": sorted(self.orphans), "max_core_findings": len(self.orphans)}
            exit_code = 1
        elif s == "failed_spawn":
            if not self.extra.get("failed_spawns"):
                raise Retry("the forced spawn did not happen")
            if self.variant == "partial":
                self.healthy_expectations()
            else:
                m = self.manual_checked()
                self.forbid_kinds = ["logging_gap", "orphaned_decision"]
                self.expect.append(dict(kind="*", entities_contain=[m.id],
                                        why="'Spawning 1 workers' whose only spawn failed (no row); %s appeared "
                                            "%ds later, launched by hand: a failed spawn accounts for nothing, "
                                            "so it is shown" % (m.id, (m.created - self.failed_line) // SEC)))
                exit_code = None    # which kind and severity show it is the C++ side's choice
        elif s == "blocked_spawn":
            o = gpu[0]
            if not o.blocked_lines:
                raise Retry("no scale-up was blocked")
            m = self.manual_checked()
            self.forbid_kinds = ["logging_gap", "orphaned_decision"]
            self.expect.append(dict(kind="unexplained_scale_up", entities_contain=[m.id], severity="medium",
                                    why="%s created by hand beside %s lines only: they account for no worker"
                                    % (m.id, "SCALING BLOCKED" if self.era == "E1" else "SCALE-UP SUPPRESSED")))
            self.extra_out = {"max_core_findings": 1}
            self.extra["blocked_lines"] = len(o.blocked_lines)
        elif s == "concurrent_silent":
            a, b = gpu
            death = b.log_dead_at
            inside = [w for w in sorted(self.workers, key=lambda w: w.created)
                      if self.since <= w.created < self.until and w.created > death]
            bursts = self.bursts(inside)
            mixed = 0
            n_expect = 0
            for burst in bursts:
                mine = [w.id for w in burst if w.spawned_by is b]
                if not mine:
                    continue
                n_expect += 1
                if any(w.spawned_by is a for w in burst):
                    mixed += 1
                    self.expect.append(dict(kind="unexplained_scale_up", severity="high",
                                            entities_min={"of": [w.id for w in burst], "count": len(mine)},
                                            why="%d workers of the silent %s created beside %s's logged scale-up: "
                                                "a's lines account for a's count only" % (len(mine), b.source_id,
                                                                                          a.source_id)))
                else:
                    self.expect.append(dict(kind="unexplained_scale_up", severity="high", entities_contain=mine,
                                            why="workers of the silent %s" % b.source_id))
            if mixed == 0:
                raise Retry("no burst mixes both orchestrators' workers")
            self.forbid_kinds = ["orphaned_decision", "orchestrator_restart"]
            self.expect.insert(0, dict(kind="logging_gap", entities_contain=[b.source_id], severity="high", open=True,
                                       why="%s's logs stop at %s while it keeps creating workers" % (b.source_id,
                                                                                                  iso_z(death))))
            self.forbid.append(dict(kind="logging_gap", entities_contain=[a.source_id]))
            self.extra_out = {"max_core_findings": 1 + n_expect}
            exit_code = 1
        elif s == "rls":
            self.forbid_kinds = []
            self.extra_out = {"connect_as_reader": True, "hidden_tables": ["system_logs"],
                              "readable_tables": ["workers", "tasks", "workflow_decisions", "workflow_executions"]}
            exit_code = 3
        elif s == "retention_silent":
            o = gpu[0]
            after = [w for w in self.workers if not w.external and self.cutoff <= w.created < self.until]
            if not after:
                raise Retry("no worker created after the cutoff")
            self.forbid_kinds = ["orphaned_decision", "orchestrator_restart"]
            want = dict(RETENTION_FINDING)
            want["why"] = ("system_logs keeps nothing before %s, and no orchestrator line after it, while %d "
                           "workers are created: no orchestrator has logged for as long as logs are kept"
                           % (iso_z(self.cutoff), len(after)))
            self.expect.append(want)
            self.extra_out = {"no_core_before": iso_tl(self.cutoff)}
            self.extra["death"] = o.log_dead_at
            exit_code = 1
        elif s == "no_central_worker_logging":
            self.healthy_expectations()
            self.extra["worker_log_lines"] = sum(1 for l in self.logs if l["st"] == "worker")
            worked = [w for w in self.workers if w.promoted is not None and self.since <= w.promoted < self.until
                      and any(k.worker == w.id for k in self.tasks)]
            if not worked:
                raise Retry("no worker was promoted and worked in the window")
            self.extra["first_worker"] = worked[0].id
        elif s == "spurious_demand":
            o = gpu[0]
            sp = o.spurious
            if "line" not in sp or not (self.since + 5 * MIN <= sp["line"] < self.until - 20 * MIN):
                raise Retry("the spurious count was not logged inside the window")
            made = [w for w in self.workers if w.spawned_by is o and abs(w.created - sp["line"]) < 2 * MIN]
            if len(made) != SPURIOUS_SPAWN:
                raise Retry("the spurious scale-up created %d workers" % len(made))
            self.forbid_kinds = list(CORE) + ["worker_lost", "stale_heartbeat", "orchestrator_restart"]
            self.expect.append(dict(kind="demand_mismatch", entities_equal=[o.source_id], severity="high",
                                    start=iso_tl(sp["line"]),
                                    why="%s logs Queued=%d, Active=0 at %s while the tasks table holds %d queued "
                                        "task(s) and none active, then scales up by %d (workers %s)"
                                        % (o.source_id, SPURIOUS_QUEUED, iso_tl(sp["line"]), sp["table_queued"],
                                           SPURIOUS_SPAWN, ", ".join(w.id for w in made))))
            self.extra_out = {"max_core_findings": 0, "count_kinds": {"demand_mismatch": 1}}
            self.extra["spurious"] = dict(line=sp["line"], table_queued=sp["table_queued"])
            self.extra["spurious_workers"] = [w.id for w in made]
            exit_code = 1
        elif s == "never_logging_worker":
            w = self.never_logs["worker"]
            if w is None or w.promoted is None or not (self.since <= w.promoted < self.until - 15 * MIN):
                raise Retry("the never-logging worker was not promoted inside the window")
            claims = sorted(k.claimed for k in self.tasks if k.worker == w.id and k.claimed is not None)
            if not claims or claims[0] >= self.until - 5 * MIN:
                raise Retry("the never-logging worker claimed no task in the window")
            start = min(w.promoted, claims[0])
            end = min(w.terminated or self.until, self.until)
            if end - start <= GAP_MIN + MIN:
                raise Retry("the never-logging worker lived too briefly")
            self.forbid_kinds = ["orphaned_decision", "unexplained_scale_up", "worker_lost", "demand_mismatch",
                                 "orchestrator_restart"]
            self.expect.append(dict(kind="logging_gap", entities_equal=[w.id], severity="high",
                                    start=iso_tl(start),
                                    why="%s is promoted at %s and claims %d task(s) from %s, and never writes a "
                                        "line, while the other workers log" % (w.id, iso_tl(w.promoted),
                                                                               len(claims), iso_tl(claims[0]))))
            self.extra_out = {"max_core_findings": 1, "count_kinds": {"logging_gap": 1}}
            self.extra["never_logging_worker"] = dict(id=w.id, created=w.created, promoted=w.promoted,
                                                      first_claim=claims[0], claims=len(claims),
                                                      terminated=w.terminated)
            exit_code = 1
        elif s == "worker_oom_killed":
            p = self.oom_plan
            w = p["worker"]
            if w is None or not (self.since <= p["killed"] < self.until - 15 * MIN):
                raise Retry("no worker holding a task was killed inside the window")
            self.forbid_kinds = ["orphaned_decision", "unexplained_scale_up", "demand_mismatch",
                                 "orchestrator_restart"]
            self.forbid.append(dict(kind="stale_heartbeat", entities_contain=[w.id]))
            self.expect.append(dict(kind="worker_lost", entities_equal=[w.id], severity="high", open=True,
                                    why="%s is killed at %s holding task %s (claimed %s): its beats and lines "
                                        "stop together, its row stays active, the task In Progress"
                                        % (w.id, iso_tl(p["killed"]), p["task"], iso_tl(p["claim"]))))
            # its silence may also show as its own logging gap (related to worker_lost), nothing else
            self.extra_out = {"max_core_findings": 1, "count_kinds": {"worker_lost": 1}}
            self.extra["oom_killed"] = dict(worker=w.id, task=p["task"], claim=p["claim"], killed=p["killed"],
                                            last_heartbeat=w.last_beat)
            exit_code = 1
        # The detectors of issue 12 stay quiet wherever their fault is not injected.
        if s != "spurious_demand" and "demand_mismatch" not in self.forbid_kinds:
            self.forbid_kinds.append("demand_mismatch")
        if s != "worker_oom_killed" and "worker_lost" not in self.forbid_kinds:
            self.forbid_kinds.append("worker_lost")
        if self.cutoff is not None:
            self.extra["logs_kept_from"] = self.cutoff
        self.exit_code = exit_code

    def manual_checked(self):
        """The manual worker of failed_spawn / blocked_spawn, provided no orchestrator
        line that reports a real scale-up lies near it."""
        m = getattr(self, "manual", None)
        if m is None or not (self.since <= m.created < self.until - 15 * MIN):
            raise Retry("the manual worker did not appear in the window")
        for t in self.extra.get("scale_up_lines", []):
            if t == getattr(self, "failed_line", None):
                continue    # the failed 'Spawning 1 workers' it sits beside, on purpose
            if abs(t - m.created) < TOLERANCE + 30 * SEC:
                raise Retry("a real scale-up is too near the manual worker")
        if any(w is not m and not w.external and abs(w.created - m.created) < BURST_GAP + 30 * SEC
               for w in self.workers):
            raise Retry("another worker was created beside the manual one")
        return m

    def bursts(self, workers):
        out = []
        for w in workers:
            if out and w.created - out[-1][-1].created <= BURST_GAP:
                out[-1].append(w)
            else:
                out.append([w])
        return out

    def check_healthy_invariants(self):
        """Guards on the simulation itself (not on tlrecon): a generated
        healthy history must really be healthy."""
        for w in self.workers:
            if w.terminated is not None and w.promoted is not None and w.terminated - w.promoted < 3 * MIN:
                raise SystemExit("generate.py: internal error: %s lived too briefly" % w.id)
        came = sum(1 for w in self.workers if self.since <= w.created < self.until)
        went = sum(1 for w in self.workers if w.terminated is not None and self.since <= w.terminated < self.until)
        if came < 2 or went < 2:
            raise Retry("too few workers come and go (%d, %d)" % (came, went))

    # ------------------------------------------------------------------ output
    def post_filter(self):
        out = []
        for l in self.logs:
            o = l["orch"]
            if o is not None and o.log_dead_at is not None and l["t"] >= o.log_dead_at:
                continue
            if self.cutoff is not None and l["t"] + l["clk"] < self.cutoff:
                continue    # func_cleanup_old_logs(48)
            out.append(l)
        self.logs = out

    def worker_row(self, w, end):
        md = {}
        terminated = w.terminated is not None and w.terminated <= end
        promoted = w.promoted is not None and w.promoted <= end
        beat = w.last_beat
        if w.external:
            md = {"vram_total_mb": 24576, "vram_used_mb": 900 + self.rng.randint(0, 600),
                  "vram_timestamp": round((beat or w.created) / SEC, 3)}
            return [sql_str(w.id), sql_str("external"), sql_str("active"), sql_str(pg_ts(w.created)),
                    sql_str(pg_ts(beat or w.created)), sql_str(json.dumps(md, ensure_ascii=False))]
        status = "terminated" if terminated else "active" if promoted else "spawning"
        md["orchestrator_status"] = status
        md["runpod_id"] = w.runpod
        md["ram_tier"] = self.ram_tier
        md["storage_volume"] = self.volume
        if w.launched is not None and w.launched <= end:
            md["startup_script_launched"] = True
            md["startup_script_launched_at"] = self.meta_time(w.launched)
        if promoted:
            md["promoted_to_active_at"] = self.meta_time(w.promoted)
            if w.promotion_reason and self.era != "E1":
                md["promotion_reason"] = w.promotion_reason
        if terminated:
            md["terminated_at"] = self.meta_time(w.terminated)
            if self.era != "E1" and w.termination_reason:
                md["termination_reason"] = w.termination_reason
        if terminated and beat is not None:
            beat = min(beat, w.terminated - 2 * SEC)
        if beat is None and self.era in ("E1", "E2"):
            beat = w.created    # last_heartbeat was NOT NULL DEFAULT now() until 2026-01-21
        return [sql_str(w.id), sql_str(self.instance), sql_str(status), sql_str(pg_ts(w.created)),
                sql_str(pg_ts(beat)) if beat is not None else "NULL", sql_str(json.dumps(md, ensure_ascii=False))]

    def sql(self):
        lines = []
        lines.append("-- tlrecon scenario %s, seed %d, era %s (generated by tests/scenarios/generate.py)" %
                     (self.scenario, self.seed, self.era))
        lines.append("-- Window [%s, %s). Load after sample_data/src/schema_gpu.sql and schema_workflows.sql."
                     % (iso_z(self.since), iso_z(self.until)))
        lines.append("BEGIN;")
        lines.append("SET TIME ZONE 'UTC';")

        def insert(table, cols, rows):
            for i in range(0, len(rows), 400):
                lines.append("INSERT INTO %s (%s) VALUES" % (table, ", ".join(cols)))
                chunk = rows[i:i + 400]
                lines.append(",\n".join("  (" + ", ".join(row) + ")" for row in chunk) + ";")

        end = self.t_end
        wrows = [self.worker_row(w, end) for w in sorted(self.workers, key=lambda w: (w.created, w.id))
                 if w.created < end]
        insert("workers", ["id", "instance_type", "status", "created_at", "last_heartbeat", "metadata"], wrows)

        trows = []
        for k in sorted(self.tasks + self.api_tasks, key=lambda k: (k.created, k.id)):
            if k.created >= end:
                continue
            claimed = k.claimed is not None and k.claimed <= end
            done = claimed and k.finish_at is not None and k.finish_at <= end and k.status in ("Complete", "Failed")
            status = k.status if done else ("In Progress" if claimed else "Queued")
            updated = k.updated if done else (k.claimed if claimed else k.created)
            trows.append([sql_str(k.id), sql_str(k.type), sql_str(status),
                          sql_str(k.worker) if claimed and k.worker else "NULL",
                          sql_str(pg_ts(k.created)), sql_str(pg_ts(updated)),
                          sql_str(pg_ts(k.claimed)) if claimed else "NULL",
                          sql_str(pg_ts(k.finished)) if done and k.finished is not None else "NULL",
                          str(k.attempts if claimed else 0),
                          sql_str(k.error) if done and k.status == "Failed" else "NULL"])
        insert("tasks", ["id", "task_type", "status", "worker_id", "created_at", "updated_at",
                         "generation_started_at", "generation_processed_at", "attempts", "error_message"], trows)

        lrows = []
        for l in self.logs:
            l["id"] = self.uid()
        for l in sorted(self.logs, key=lambda l: (l["t"] + l["clk"], l["id"])):
            if l["t"] >= end:
                continue
            lrows.append([sql_str(l["id"]), sql_str(pg_ts(l["t"] + l["clk"])), sql_str(l["st"]), sql_str(l["sid"]),
                          sql_str(l["lvl"]), sql_str(l["msg"]), sql_str(l["task"]) if l["task"] else "NULL",
                          sql_str(l["wid"]) if l["wid"] else "NULL",
                          str(l["cycle"]) if l["cycle"] is not None else "NULL",
                          sql_str(json.dumps(l["md"], ensure_ascii=False)) if l["md"] else "NULL"])
        insert("system_logs", ["id", '"timestamp"', "source_type", "source_id", "log_level", "message", "task_id",
                               "worker_id", "cycle_number", "metadata"], lrows)

        drows = [[sql_str(d["id"]), sql_str(pg_ts(d["t"], False)), sql_str(d["wf"]), sql_str(d["action"]),
                  sql_str(d["reason"]), sql_str(d["prio"]), sql_str(d["trig"])]
                 for d in sorted(self.decisions, key=lambda d: (d["t"], d["id"])) if d["t"] < end]
        insert("workflow_decisions", ["decision_id", "decision_time", "workflow_name", "action", "reason",
                                      "priority", "triggered_by"], drows)
        erows = [[sql_str(e["id"]), sql_str(pg_ts(e["t"], False)), sql_str(e["wf"]), sql_str(e["did"]),
                  sql_str(e["status"]), repr(e["dur"]), str(e["trig"]), str(e["ok"]), str(e["trig"] - e["ok"]),
                  sql_str(e["err"])]
                 for e in sorted(self.executions, key=lambda e: (e["t"], e["id"])) if e["t"] < end]
        insert("workflow_executions", ["execution_id", "execution_time", "workflow_name", "decision_id", "status",
                                       "duration_seconds", "scrapers_triggered", "scrapers_succeeded",
                                       "scrapers_failed", "error_message"], erows)
        if self.rls:
            # The Supabase policies (REAL-SYSTEM.md section 1): RLS on workers, tasks and
            # system_logs; since 2026-01-21 system_logs has no policy at all, so a role
            # without BYPASSRLS reads no row of it, without an error. workers is readable
            # through a policy; tasks through one that filters rows.
            lines.append("ALTER TABLE system_logs ENABLE ROW LEVEL SECURITY;")
            lines.append("ALTER TABLE workers ENABLE ROW LEVEL SECURITY;")
            lines.append("CREATE POLICY workers_read ON workers FOR SELECT TO PUBLIC USING (true);")
            lines.append("ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;")
            lines.append("CREATE POLICY tasks_read ON tasks FOR SELECT TO PUBLIC USING (status <> 'Cancelled');")
        lines.append("COMMIT;")
        return "\n".join(lines) + "\n"

    def expectations(self):
        doc = {"scenario": self.scenario, "seed": self.seed, "era": self.era, "since": iso_z(self.since),
               "until": iso_z(self.until), "expect": self.expect, "forbid_kinds": self.forbid_kinds,
               "forbid": self.forbid, "exit_code": self.exit_code}
        doc.update(self.extra_out)
        facts = {}
        for k, v in sorted(self.extra.items()):
            if k == "scale_up_lines":
                continue
            if isinstance(v, dict):
                facts[k] = {kk: (iso_tl(vv) if isinstance(vv, int) and vv > 10 ** 12 else vv) for kk, vv in v.items()}
            elif isinstance(v, list):
                facts[k] = [iso_tl(x) if isinstance(x, int) and x > 10 ** 12 else x for x in v]
            else:
                facts[k] = iso_tl(v) if isinstance(v, int) and v > 10 ** 12 else v
        if self.variant:
            facts["variant"] = self.variant
        facts["workers"] = len(self.workers)
        facts["workers_in_window"] = sum(1 for w in self.workers if self.since <= w.created < self.until)
        facts["gpu_orchestrators"] = [o.source_id for o in self.orchs if o.kind == "gpu"]
        facts["orchestrators"] = ["%s/%s (period %ds)" % (o.source_type, o.source_id, o.period // SEC)
                                  for o in self.orchs]
        facts["slow_cycles"] = sum(o.slow_cycles for o in self.orchs)
        if self.silent_plan:
            facts["silent_worker"] = {k: (iso_z(v) if isinstance(v, int) and k != "length" else v)
                                      for k, v in self.silent_plan.items()}
        if self.attempt:
            facts["attempt"] = self.attempt
        doc["facts"] = facts
        return doc

    def generate(self):
        self.run()
        if self.scenario == "external_worker":
            self.place_externals()
        self.workflows()
        self.finish_expectations()
        if self.scenario in ("healthy", "external_worker", "rls", "redeploy", "retention",
                             "no_central_worker_logging") or \
                (self.scenario == "failed_spawn" and self.variant == "partial"):
            self.check_healthy_invariants()
        self.post_filter()
        return self.sql(), self.expectations()


def generate(scenario, seed, era=None):
    """The scenario's history and expectations; a seed whose history has no room
    for the fault is simulated again with the next attempt number."""
    last = None
    for attempt in range(12):
        try:
            return Gen(scenario, seed, era, attempt).generate()
        except Retry as e:
            last = e
    raise SystemExit("generate.py: seed %d of %s gives no history for the fault after 12 attempts (%s)"
                     % (seed, scenario, last))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", required=True, choices=SCENARIOS)
    ap.add_argument("--seed", required=True, type=int)
    ap.add_argument("--era", choices=ERAS, help="the orchestrator's era (default: chosen by the seed)")
    ap.add_argument("--expect", required=True, metavar="FILE", help="where to write the expectations JSON")
    args = ap.parse_args()
    if args.era and args.era not in SCENARIO_ERAS.get(args.scenario, ERAS):
        ap.error("scenario %s needs one of the eras %s" % (args.scenario, ", ".join(SCENARIO_ERAS[args.scenario])))
    sql, expect = generate(args.scenario, args.seed, args.era)
    with open(args.expect, "w", encoding="utf-8") as f:
        json.dump(expect, f, indent=2, ensure_ascii=False)
        f.write("\n")
    sys.stdout.buffer.write(sql.encode("utf-8"))


if __name__ == "__main__":
    main()
