#!/usr/bin/env python3
"""Seeded scenario generator for tlrecon.

    generate.py --scenario NAME --seed N --expect FILE > data.sql

writes SQL INSERTs for workers, tasks, system_logs, workflow_decisions and
workflow_executions (load sample_data/src/schema_gpu.sql and
schema_workflows.sql first) and writes to FILE what `tlrecon check` must
find in the window of the generated history (see run.py for how each key is
checked):

    {"scenario", "seed", "since", "until",
     "expect": [{"kind", "entities_contain"?, "severity"?, "open"?, "why"}],
     "forbid_kinds": [...], "forbid": [{"kind", "entities_contain"}],
     "orphaned_exact"?: [decision ids], "max_core_findings"?: N,
     "max_severity"?: "low", "exit_code": 0|1, "exit_code_fail_on_medium"?: 0}

The history is simulated second by second: task demand arrives in batches,
GPU orchestrators run jittered cycles (with the odd slow cycle), spawn
workers when the queue needs them, promote them once booted and terminate
them when idle; workers log on their own cadence, claim and finish tasks; a
workflow controller evaluates every hour and executes its RUN decisions a few
minutes later. A scenario then injects one fault. The message formats (older
orchestrator, newer emoji orchestrator, with or without mojibake) and every
cadence vary with the seed. Only random.Random(seed) is used: the same seed
gives byte-identical output.

Scenarios:
  healthy                        several orchestrators, workers coming and going,
                                 every decision executed: no core finding.
  silent_logging_death           the GPU orchestrator's database logs stop while
                                 it keeps spawning, promoting and terminating.
  restart                        SIGTERM, startup message, cycle counter back to 1
                                 after a pause under 2 minutes.
  worker_silent_holding_task     a worker claims a task and writes nothing for
                                 15-40 min while the task finishes.
  one_of_two_orchestrators_dies  gpu-orch-b stops; gpu-orch-a keeps logging,
                                 spawning and takes over b's workers.
  orphaned_decisions             RUN decisions of one evaluation never executed,
                                 plus recent ones still inside the grace period.
  logging_death_before_window    as silent_logging_death, but the window starts
                                 5-30 min after the orchestrator's last log (the
                                 usual `--since 2h` run after an incident).
"""
import argparse
import json
import math
import random
import re
import sys
import uuid
from datetime import datetime, timedelta, timezone

US = 1_000_000
SEC = US
MIN = 60 * US
HOUR = 60 * MIN

SCENARIOS = ["healthy", "silent_logging_death", "restart", "worker_silent_holding_task",
             "one_of_two_orchestrators_dies", "orphaned_decisions", "logging_death_before_window"]
CORE = ["logging_gap", "orphaned_decision", "unexplained_scale_up"]

# tlrecon's defaults (include/tlrecon/mapping.hpp), used only to place the
# injected faults unambiguously (never to decide what tlrecon should find).
TOLERANCE = 2 * MIN
BURST_GAP = 2 * MIN
GRACE = 10 * MIN

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def dt(us):
    return EPOCH + timedelta(microseconds=us)


def iso_z(us):
    return dt(us).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        self.booted_at = created + boot
        self.period = period
        self.runpod = runpod
        self.logging_started = False
        self.next_log = None
        self.next_poll = None
        self.promoted = None
        self.terminated = None
        self.stopping = False
        self.task = None
        self.idle_since = None
        self.silences = []            # [start, end) with no log written
        self.no_terminate_until = 0
        self.last_beat = None         # workers.last_heartbeat
        self.clock = 0
        self.spawned_by = None

    def alive(self, t):
        return self.terminated is None or t < self.terminated

    def silent(self, t):
        return any(a <= t < b for a, b in self.silences)


class Orch:
    def __init__(self, kind, source_type, source_id, period, cycle, fmt):
        self.kind = kind                  # 'gpu' or 'api'
        self.source_type = source_type
        self.source_id = source_id
        self.period = period
        self.cycle = cycle
        self.fmt = fmt                    # dict of format choices
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
        self.sigterm_at = None
        self.pid = 0
        self.last_line = None
        self.slow_cycles = 0
        self.clock = 0                    # this process's clock minus the database's


class Gen:
    def __init__(self, scenario, seed):
        self.scenario = scenario
        self.seed = seed
        self.rng = random.Random(seed * 7919 + SCENARIOS.index(scenario) * 104729 + 17)
        r = self.rng
        day = datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=r.randint(0, 330))
        start = day + timedelta(hours=r.randint(5, 13), minutes=r.randint(0, 59))
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
        self.notes = []
        self.silent_plan = None
        self.forced_batches = []

    # ------------------------------------------------------------------ helpers
    def uid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex8(self):
        return "%08x" % self.rng.getrandbits(32)

    def runpod_id(self):
        return "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14))

    def jitter(self, base, frac=0.2):
        return int(base * self.rng.uniform(1 - frac, 1 + frac))

    def meta_time(self, us):
        d = dt(us)
        style = self.meta_style
        if style == 0:
            return d.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        if style == 1:
            return d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return d.strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def log(self, t, o_or_w, level, msg, cycle=None, worker_id=None, task_id=None, metadata=None):
        if isinstance(o_or_w, Orch):
            o = o_or_w
            if o.dead_at is not None and t >= o.dead_at:
                return
            if o.fmt.get("mojibake"):
                msg = mojibake(msg)
            self.logs.append(dict(t=t, clk=o.clock, st=o.source_type, sid=o.source_id, lvl=level, msg=msg,
                                  task=task_id, wid=worker_id, cycle=cycle, md=metadata, orch=o))
            o.last_line = t
        else:
            w = o_or_w
            if w.silent(t):
                return
            self.logs.append(dict(t=t, clk=w.clock, st="worker", sid=w.id, lvl=level, msg=msg, task=task_id,
                                  wid=w.id, cycle=None, md=metadata, orch=None))

    # ------------------------------------------------------------------ setup
    def setup(self):
        r = self.rng
        s = self.scenario
        self.meta_style = r.randint(0, 2)
        self.instance = r.choice(["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000", "NVIDIA L40S"])
        self.ram_tier = r.choice([48, 60, 80])
        self.volume = r.choice(["Peter", "EU-RO-1", "US-TX-3"])
        moj = r.random() < 0.3

        def fmt():
            return {"style": r.choice(["old", "new", "new"]), "mojibake": moj,
                    "id_in_spawn": r.random() < 0.5, "wid_column": r.random() < 0.6,
                    "multiline": r.random() < 0.5}

        gpu_names = ["gpu-orch-1"]
        if s == "one_of_two_orchestrators_dies":
            gpu_names = ["gpu-orch-a", "gpu-orch-b"]
        elif s == "healthy" and r.random() < 0.4:
            gpu_names = ["gpu-orch-1", "gpu-orch-2"]
        for i, name in enumerate(gpu_names):
            o = Orch("gpu", "orchestrator_gpu", name, r.randint(20, 60) * SEC, r.randint(300, 4000), fmt())
            o.shards = [i]
            o.min_workers = r.choice([0, 0, 1]) if len(gpu_names) == 1 else 0
            o.max_workers = r.randint(3, 6)
            o.tasks_per_worker = r.choice([2, 2, 3])
            o.idle_timeout = r.randint(150, 360) * SEC
            o.pid = r.randint(7, 400)
            o.clock = r.randint(-4000, 4000) * 1000
            if s == "one_of_two_orchestrators_dies" and i == 0:
                o.fmt["id_in_spawn"] = o.fmt["wid_column"] = True   # a's logs name what it spawns
            self.orchs.append(o)
        self.nshards = len(gpu_names)
        api = Orch("api", "orchestrator_api", "api-orch-1", r.randint(15, 45) * SEC, r.randint(100, 9000), fmt())
        api.clock = r.randint(-4000, 4000) * 1000
        self.orchs.append(api)
        for o in self.orchs:
            o.next_cycle = self.t0 + r.randint(0, o.period // SEC) * SEC + r.randint(0, 999) * 1000

        # demand: batches through the whole history, sporadic singles
        t = self.t0 + r.randint(2, 10) * MIN
        while t < self.t_end:
            self.add_batch(t)
            t += r.randint(12, 35) * MIN + r.randint(0, 59) * SEC
        t = self.t0 + r.randint(1, 20) * MIN
        while t < self.t_end:
            self.add_task(t, r.choice(["image_generation", "image_edit"]))
            t += int(r.expovariate(1 / (18 * MIN))) + 2 * MIN
        t = self.t0 + r.randint(1, 8) * MIN
        while t < self.t_end:
            self.api_tasks.append(Task(self.uid(), r.choice(["qwen_image_edit", "wan_2_2_i2v", "flux_api"]),
                                       t, 0, api=True))
            t += r.randint(4, 16) * MIN + r.randint(0, 59) * SEC

        win = self.until - self.since
        if s == "restart":
            self.orchs[0].restart_at = self.since + int(win * r.uniform(0.25, 0.7))
        elif s == "one_of_two_orchestrators_dies":
            b = self.orchs[1]
            b.dead_at = self.since + int(win * r.uniform(0.3, 0.55))
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

    def add_batch(self, t, size=None):
        r = self.rng
        size = size or r.randint(2, 6)
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
                self.worker_tick(w, t)
            for o in self.orchs:
                if o.sigterm_at is not None and t >= o.sigterm_at:
                    self.do_restart(o)
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
            raise SystemExit("generate.py: internal error: the silent worker was never chosen")

    def queued_tasks(self, t, shards=None):
        return [k for k in self.tasks if k.created <= t and k.claimed is None
                and (shards is None or k.shard in shards)]

    def worker_tick(self, w, t):
        r = self.rng
        if w.terminated is not None and t >= w.terminated:
            return
        if not w.logging_started and t >= w.booted_at:
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
        t = [tc]

        def nxt(lo=20, hi=400):
            t[0] += self.rng.randint(lo, hi) * 1000
            return t[0]
        return nxt

    def gpu_cycle(self, o, tc):
        r = self.rng
        o.cycle += 1
        n = o.cycle
        new = o.fmt["style"] == "new"
        nxt = self.line_times(tc)
        # another GPU orchestrator silent for 90 s: take over its shard and workers
        for other in self.orchs:
            if (other is not o and other.kind == "gpu" and other.dead_at is not None
                    and tc - other.dead_at >= 90 * SEC and other.shards):
                o.shards = sorted(o.shards + other.shards)
                other.shards = []
                adopted = [w for w in self.workers if w.owner is other and w.alive(tc)]
                for w in adopted:
                    w.owner = o
                self.log(nxt(), o, "WARNING", "♻️ %s missed its heartbeat for %ds: taking over its queue shard "
                         "and %d worker(s)%s" % (other.source_id, (tc - other.last_line) // SEC, len(adopted),
                                                 "".join(" " + w.id for w in adopted)), cycle=n)
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

        if new:
            self.log(nxt(), o, "INFO", "ORCHESTRATOR CYCLE #%d" % n, cycle=n)
            self.log(nxt(), o, "CRITICAL", "🔢 TASK COUNT (Cycle #%d): Queued=%d, Active=%d, Total=%d"
                     % (n, len(queued), len(active), total), cycle=n)
        else:
            self.log(nxt(), o, "DEBUG", "Starting cycle #%d" % n, cycle=n)
            self.log(nxt(), o, "INFO", "Task count: Queued=%d, Active=%d, Total=%d"
                     % (len(queued), len(active), total), cycle=n)

        # promotions of booted workers
        for w in spawning:
            if w.logging_started and tc >= w.booted_at + 3 * SEC:
                tp = nxt()
                w.promoted = tp
                w.idle_since = tp
                w.next_poll = tp + r.randint(1, 5) * SEC
                if new:
                    msg = "✅ Promoted worker %s to active (startup %ds)" % (w.id, (tp - w.created) // SEC)
                else:
                    msg = "Worker %s promoted to active" % w.id
                self.log(tp, o, "INFO", msg, cycle=n, worker_id=w.id)

        spawn = max(0, min(desired - current, 3))
        terminate = []
        if spawn == 0 and not queued and current > desired:
            idle = [w for w in promoted if w.task is None and w.idle_since is not None
                    and tc - w.idle_since >= o.idle_timeout and tc - w.promoted >= 5 * MIN
                    and tc >= w.no_terminate_until]
            idle.sort(key=lambda w: w.idle_since)
            terminate = idle[:current - desired]

        if new:
            decision = ("SCALE UP by %d" % spawn if spawn else
                        "SCALE DOWN by %d" % len(terminate) if terminate else "MAINTAIN")
            if o.fmt["multiline"] and (spawn or terminate or r.random() < 0.2):
                msg = ("SCALING DECISION (Cycle #%d)\n  Task Count: %d queued + %d active = %d total\n"
                       "  Current: %d active + %d spawning = %d total\n  Desired: %d workers\n  Decision: %s"
                       % (n, len(queued), len(active), total, len(promoted), len(spawning), current,
                          desired, decision))
                self.log(nxt(), o, "INFO", msg, cycle=n)
            self.log(nxt(), o, "CRITICAL", "🎯 SCALING DECISION (Cycle #%d): Current=%d+%d, Desired=%d"
                     % (n, len(promoted), len(spawning), desired), cycle=n)
        else:
            word = "SCALE UP" if spawn else "SCALE DOWN" if terminate else "MAINTAIN"
            self.log(nxt(), o, "INFO", "SCALING DECISION (Cycle #%d): Current=%d, Desired=%d — %s"
                     % (n, current, desired, word), cycle=n)

        spawned = []
        if spawn:
            if new:
                self.log(nxt(), o, "CRITICAL", "🚀 SCALING UP: Spawning %d workers" % spawn, cycle=n)
            else:
                self.log(nxt(), o, "INFO", "Scaling up: need %d more workers" % spawn, cycle=n)
            for i in range(spawn):
                tw = nxt(1500, 7000)
                created = (tw // SEC) * SEC
                wid = "gpu-%s-%s" % (dt(created).strftime("%Y%m%d_%H%M%S"), self.hex8())
                w = Worker(wid, created, o, r.randint(30, 150) * SEC + r.randint(0, 999999),
                           r.randint(20, 60) * SEC, self.runpod_id())
                w.clock = r.randint(-2000, 2000) * 1000
                w.spawned_by = o
                self.workers.append(w)
                spawned.append(w)
                tl = nxt(50, 900)
                if new:
                    msg = "✅ Worker %d/%d spawned successfully" % (i + 1, spawn)
                    if o.fmt["id_in_spawn"]:
                        msg += ": %s (runpod %s)" % (wid, w.runpod)
                    self.log(tl, o, "CRITICAL", msg, cycle=n,
                             worker_id=wid if o.fmt["wid_column"] else None,
                             metadata={"runpod_id": w.runpod} if o.fmt["wid_column"] else None)
                else:
                    self.log(tl, o, "INFO", "Spawning worker %s (runpod %s)" % (wid, w.runpod), cycle=n,
                             worker_id=wid, metadata={"runpod_id": w.runpod})
            if new and spawn >= 3:
                self.log(nxt(), o, "WARNING", "🚨 ANOMALY DETECTED: Rapid scale-up of %d workers in one cycle\n"
                         "   Task count: %d\n   Previous worker count: %d" % (spawn, total, current), cycle=n)
        for w in terminate:
            tt = nxt()
            w.stopping = True
            w.terminated = tt + r.randint(300, 2500) * 1000
            idle_s = (tc - w.idle_since) // SEC
            if new:
                msg = "🛑 Terminating worker %s: idle for %ds (queue empty)" % (w.id, idle_s)
            else:
                msg = "Terminating idle worker %s" % w.id
            self.log(tt, o, "INFO", msg, cycle=n, worker_id=w.id)
        if new and n % 20 == 0:
            self.log(nxt(), o, "INFO", "📊 HEALTH SUMMARY (Cycle #%d):\n   • Database logging: ✅ Healthy\n"
                     "   • Last task count: %d\n   • Last worker count: %d" % (n, total, current), cycle=n)
        end = nxt(100, 1500)
        if new:
            self.log(end, o, "INFO", "✅ Cycle #%d completed in %.1fs: %d spawned, %d terminated"
                     % (n, (end - tc) / SEC, len(spawned), len(terminate)), cycle=n)
        else:
            self.log(end, o, "INFO", "Cycle completed: %d spawned, %d terminated" % (len(spawned), len(terminate)),
                     cycle=n)
        self.schedule_next(o, end)
        if o.restart_at is not None and not o.restarted and tc >= o.restart_at:
            o.restarted = True
            o.sigterm_at = end + r.randint(2, 10) * SEC + r.randint(0, 999) * 1000
            o.next_cycle = None

    def schedule_next(self, o, tc):
        r = self.rng
        step = self.jitter(o.period)
        if r.random() < 0.025:
            step = int(o.period * r.uniform(1.6, 2.5))   # a slow cycle (a slow API call)
            o.slow_cycles += 1
        o.next_cycle = tc + step

    def do_restart(self, o):
        r = self.rng
        t = o.sigterm_at
        o.sigterm_at = None
        self.log(t, o, "WARNING", "🛑 Received SIGTERM, shutting down GPU orchestrator", metadata={"pid": o.pid})
        old_pid = o.pid
        o.pid = old_pid + r.randint(3, 60)
        start = t + r.randint(10, 45) * SEC + r.randint(0, 999) * 1000
        self.log(start, o, "INFO", "🚀 GPU orchestrator starting (pid %d)" % o.pid,
                 metadata={"pid": o.pid, "git_commit": "%07x" % r.getrandbits(28)})
        self.log(start + r.randint(200, 900) * 1000, o, "INFO",
                 "✅ Database logging enabled: %s -> Supabase" % o.source_id, metadata={"pid": o.pid})
        o.cycle = 0
        o.next_cycle = start + r.randint(2, 6) * SEC
        self.extra["restart"] = dict(sigterm=t, startup=start, first_cycle=o.next_cycle)

    def api_cycle(self, o, tc):
        r = self.rng
        o.cycle += 1
        n = o.cycle
        nxt = self.line_times(tc)
        queued = [k for k in self.api_tasks if k.created <= tc and k.claimed is None]
        running = [k for k in self.api_tasks if k.claimed is not None and k.finished is None]
        done = [k for k in running if k.finish_at <= tc]
        self.log(nxt(), o, "INFO", "API orchestrator cycle #%d: %d queued, %d in progress"
                 % (n, len(queued), len(running) - len(done)), cycle=n)
        for k in done:
            t1 = nxt()
            k.finished = k.finish_at
            k.updated = t1
            k.status = "Complete"
            self.log(t1, o, "INFO", "✅ API task %s (%s) complete in %ds"
                     % (k.id, k.type, (k.finish_at - k.claimed) // SEC), cycle=n, task_id=k.id)
        for k in queued[:3]:
            t1 = nxt()
            k.claimed = t1
            k.status = "In Progress"
            k.attempts = 1
            k.finish_at = t1 + r.randint(10, 120) * SEC
            self.log(t1, o, "INFO", "📤 Dispatched task %s (%s) to %s"
                     % (k.id, k.type, r.choice(["wavespeed", "fal.ai", "replicate"])), cycle=n, task_id=k.id)
        self.schedule_next(o, nxt(100, 800))

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
    def finish_expectations(self):
        s = self.scenario
        r = self.rng
        gpu = [o for o in self.orchs if o.kind == "gpu"]
        self.forbid_kinds = list(CORE)
        exit_code = 0
        if s == "healthy":
            self.forbid_kinds += ["orchestrator_restart", "worker_never_promoted", "stale_heartbeat",
                                  "clock_skew", "workflow_unrecovered", "early_termination"]
            self.extra_out = {"max_severity": "low", "max_core_findings": 0, "exit_code_fail_on_medium": 0}
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
                raise SystemExit("generate.py: seed %d gives no place for the logging death" % self.seed)
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
            self.expect.append(dict(kind="orchestrator_restart", entities_contain=[gpu[0].source_id],
                                    why="SIGTERM, startup message, cycle counter back to 1"))
            self.extra_out = {"max_core_findings": 0}
            if "restart" not in self.extra:
                raise SystemExit("generate.py: internal error: the restart did not happen")
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
            self.forbid_kinds = ["orphaned_decision", "unexplained_scale_up"]
            self.expect.append(dict(kind="logging_gap", entities_contain=[b.source_id], severity="medium",
                                    open=True, why="%s stops at %s; every worker event after it is logged by %s"
                                    % (b.source_id, iso_z(b.dead_at), a.source_id)))
            self.forbid.append(dict(kind="logging_gap", entities_contain=[a.source_id]))
            self.extra_out = {"max_core_findings": 1}
            later = [w for w in self.workers if w.spawned_by is a and b.dead_at < w.created < self.until]
            if not later:
                raise SystemExit("generate.py: internal error: %s spawned nothing after %s stopped"
                                 % (a.source_id, b.source_id))
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
        self.exit_code = exit_code

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
            raise SystemExit("generate.py: internal error: too few workers come and go (%d, %d)" % (came, went))

    # ------------------------------------------------------------------ output
    def post_filter(self):
        out = []
        for l in self.logs:
            o = l["orch"]
            if o is not None and o.log_dead_at is not None and l["t"] >= o.log_dead_at:
                continue
            out.append(l)
        self.logs = out

    def sql(self):
        lines = []
        lines.append("-- tlrecon scenario %s, seed %d (generated by tests/scenarios/generate.py)" %
                     (self.scenario, self.seed))
        lines.append("-- Window [%s, %s). Load after sample_data/src/schema_gpu.sql and schema_workflows.sql."
                     % (iso_z(self.since), iso_z(self.until)))
        lines.append("BEGIN;")
        lines.append("SET TIME ZONE 'UTC';")

        def insert(table, cols, rows):
            for i in range(0, len(rows), 400):
                lines.append("INSERT INTO %s (%s) VALUES" % (table, ", ".join(cols)))
                chunk = rows[i:i + 400]
                lines.append(",\n".join("  (" + ", ".join(row) + ")" for row in chunk) + ";")

        wrows = []
        end = self.t_end
        for w in sorted(self.workers, key=lambda w: (w.created, w.id)):
            md = {}
            terminated = w.terminated is not None and w.terminated <= end
            promoted = w.promoted is not None and w.promoted <= end
            status = "terminated" if terminated else "active" if promoted else "spawning"
            md["orchestrator_status"] = status
            md["runpod_id"] = w.runpod
            md["ram_tier"] = self.ram_tier
            md["storage_volume"] = self.volume
            if promoted:
                md["promoted_to_active_at"] = self.meta_time(w.promoted)
            if terminated:
                md["terminated_at"] = self.meta_time(w.terminated)
            beat = w.last_beat
            if terminated and beat is not None:
                beat = min(beat, w.terminated - 2 * SEC)
            wrows.append([sql_str(w.id), sql_str(self.instance), sql_str(status), sql_str(pg_ts(w.created, False)),
                          sql_str(pg_ts(beat)) if beat is not None else "NULL",
                          sql_str(json.dumps(md, ensure_ascii=False))])
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
        lines.append("COMMIT;")
        return "\n".join(lines) + "\n"

    def expectations(self):
        doc = {"scenario": self.scenario, "seed": self.seed, "since": iso_z(self.since), "until": iso_z(self.until),
               "expect": self.expect, "forbid_kinds": self.forbid_kinds, "forbid": self.forbid,
               "exit_code": self.exit_code}
        doc.update(self.extra_out)
        facts = {}
        for k, v in sorted(self.extra.items()):
            if isinstance(v, dict):
                facts[k] = {kk: iso_z(vv) for kk, vv in v.items()}
            else:
                facts[k] = iso_z(v) if v > 10 ** 12 else v
        facts["workers"] = len(self.workers)
        facts["workers_in_window"] = sum(1 for w in self.workers if self.since <= w.created < self.until)
        facts["orchestrators"] = ["%s/%s (period %ds, %s format%s)" % (o.source_type, o.source_id, o.period // SEC,
                                                                     o.fmt["style"],
                                                                     ", mojibake" if o.fmt["mojibake"] else "")
                                  for o in self.orchs]
        facts["slow_cycles"] = sum(o.slow_cycles for o in self.orchs)
        if self.silent_plan:
            facts["silent_worker"] = {k: (iso_z(v) if isinstance(v, int) and k != "length" else v)
                                      for k, v in self.silent_plan.items()}
        doc["facts"] = facts
        return doc

    def generate(self):
        self.run()
        self.workflows()
        self.finish_expectations()
        if self.scenario == "healthy":
            self.check_healthy_invariants()
        self.post_filter()
        return self.sql(), self.expectations()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", required=True, choices=SCENARIOS)
    ap.add_argument("--seed", required=True, type=int)
    ap.add_argument("--expect", required=True, metavar="FILE", help="where to write the expectations JSON")
    args = ap.parse_args()
    sql, expect = Gen(args.scenario, args.seed).generate()
    with open(args.expect, "w", encoding="utf-8") as f:
        json.dump(expect, f, indent=2, ensure_ascii=False)
        f.write("\n")
    sys.stdout.buffer.write(sql.encode("utf-8"))


if __name__ == "__main__":
    main()
