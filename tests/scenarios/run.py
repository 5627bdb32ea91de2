#!/usr/bin/env python3
"""Runs tlrecon against the seeded scenarios of generate.py.

    pg_virtualenv python3 tests/scenarios/run.py --tlrecon build/tlrecon [--seeds 1-10] [--scenario NAME]...
                                                 [--era E1|E2|E3]

For each scenario and seed: generate the history, load it with both schema
files into a fresh database (psql/createdb/dropdb through libpq's
environment, which pg_virtualenv provides), run

    tlrecon check --format json --since S --until U --fail-on high

with PGDATABASE set (and, for `rls`, as a role created for the case, LOGIN,
SELECT on every table, no BYPASSRLS), and check the result against the
expectations the generator wrote: the exit code, every expected finding
present (kind or "*", entities_contain a subset of entities, entities_equal
the exact list, entities_min at least `count` of a set, severity, open, start
and end when given), no forbidden kind or finding, exact counts per kind, the
exact set of orphaned decisions when given, the number of core findings and
the highest severity when bounded, no core finding starting before the
oldest kept log, the tables reported hidden or readable, and for scenarios
that say so a second run with --fail-on medium. Prints one line per case
(with the orchestrator's era) and `N passed, M failed`; exits 1 if any case
failed.

Which scenarios need issue 11's C++ side (facts catalogue, per-instance
accounting, instances, unmanaged types, row-level security, retention); on
today's build they fail as the issue says:

| scenario | on today's build |
|---|---|
| healthy, silent_logging_death, worker_silent_holding_task, orphaned_decisions, logging_death_before_window | E3 seeds pass; E1/E2 seeds fail wherever restarts are forbidden or counted: 'Starting orchestrator cycle' is taken for a startup, a false orchestrator_restart per cycle (healthy) |
| restart | E3 passes; E1/E2 fail: more than one orchestrator_restart |
| one_of_two_orchestrators_dies | E3 passes; E1/E2 fail: false restarts |
| redeploy | fails: no orchestrator_restart for a new source id, the old id's gap stays open to the window's end |
| external_worker | fails: the external worker is an unexplained_scale_up and worker_never_promoted |
| failed_spawn | variant partial passes; failed_then_manual fails: 'Spawning 1 workers' whose spawn failed still accounts for the manual worker |
| blocked_spawn | fails: SCALING BLOCKED / SCALE-UP SUPPRESSED lines account for the manual worker |
| concurrent_silent | fails: the other orchestrator's 'Spawning 1' accounts for every worker of the silent one |
| rls | fails: zero rows read from system_logs, status ok, exit 0/1 instead of 3 |
| retention | fails: workers created before the oldest kept log are unexplained scale-ups |
| retention_silent | fails: no finding says no orchestrator has logged for as long as logs are kept |

Issue 12's scenarios on a build before it (c9c6ab3): spurious_demand fails
(no demand_mismatch), never_logging_worker fails (no logging_gap for the
worker that never logs), worker_oom_killed fails (no worker_lost, a
stale_heartbeat instead); no_central_worker_logging passes (it guards
against noise; its self-test expects a worker gap and must fail).

`--era E3` keeps the old scenarios runnable against today's build.

--self-test runs the same cases with one expectation deliberately flipped
per case and passes only when the checks report FAIL for every one of them,
which shows the checks can fail. --mutate applies the same flipped
expectations but reports as a normal run (every case should print FAIL).
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEMAS = [os.path.join(ROOT, "sample_data", "src", "schema_gpu.sql"),
           os.path.join(ROOT, "sample_data", "src", "schema_workflows.sql")]
GENERATOR = os.path.join(HERE, "generate.py")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
from generate import CORE, ERAS, SCENARIO_ERAS, SCENARIOS  # noqa: E402

SEVERITIES = ["info", "low", "medium", "high", "critical"]
READER_PASSWORD = "scn-reader-pw"


def parse_time(text):
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            seeds.extend(range(int(lo), int(hi) + 1))
        elif part:
            seeds.append(int(part))
    return seeds


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def matches(finding, want):
    if want["kind"] != "*" and finding.get("kind") != want["kind"]:
        return False
    entities = finding.get("entities", [])
    if not set(want.get("entities_contain", [])) <= set(entities):
        return False
    if "entities_equal" in want and entities != want["entities_equal"]:
        return False
    if "entities_min" in want and \
            len(set(want["entities_min"]["of"]) & set(entities)) < want["entities_min"]["count"]:
        return False
    if "severity" in want and finding.get("severity") != want["severity"]:
        return False
    if "open" in want and bool(finding.get("open")) != want["open"]:
        return False
    for key in ("start", "end"):
        if key in want and (not finding.get(key) or parse_time(finding[key]) != parse_time(want[key])):
            return False
    return True


def describe(want):
    parts = [want["kind"] if want["kind"] != "*" else "a finding of any kind"]
    if want.get("entities_contain"):
        parts.append("entities ⊇ %s" % want["entities_contain"])
    if want.get("entities_equal"):
        parts.append("entities = %s" % want["entities_equal"])
    if want.get("entities_min"):
        parts.append("at least %d of %s" % (want["entities_min"]["count"], want["entities_min"]["of"]))
    for key in ("severity", "open", "start", "end"):
        if key in want:
            parts.append("%s %s" % (key, want[key]))
    return " ".join(parts)


def check(exp, doc, code, code_medium, stderr=""):
    """Returns the list of reasons the result does not meet the expectations."""
    why = []
    if exp["exit_code"] is not None and code != exp["exit_code"]:
        why.append("exit code %s with --fail-on high, expected %s" % (code, exp["exit_code"]))
    if "exit_code_fail_on_medium" in exp and code_medium != exp["exit_code_fail_on_medium"]:
        why.append("exit code %s with --fail-on medium, expected %s" % (code_medium, exp["exit_code_fail_on_medium"]))
    if "hidden_tables" in exp:
        # A hidden table is said in every output: the JSON status when there is a
        # document, else the error line.
        status = {s.get("table"): s.get("status") for s in (doc or {}).get("sources", [])}
        for table in exp["hidden_tables"]:
            if doc is not None and status.get(table) != "hidden":
                why.append("source %s has status %s, expected hidden" % (table, status.get(table)))
            if doc is None and "row-level security" not in stderr:
                why.append("no JSON document, and stderr does not name row-level security: %s" % stderr.strip()[:200])
        for table in exp.get("readable_tables", []):
            if doc is not None and status.get(table) in ("hidden", "unreadable"):
                why.append("source %s has status %s, expected it read" % (table, status.get(table)))
        if doc is None:
            return why
    if doc is None:
        why.append("no JSON document on stdout")
        return why
    findings = doc.get("findings", [])
    missing = {}
    for want in exp.get("expect", []):
        if not any(matches(f, want) for f in findings):
            missing.setdefault(want["kind"], []).append(want)
    for kind, wants in missing.items():
        near = [f for f in findings if f.get("kind") == kind]
        hint = " (found instead: %s)" % "; ".join(
            "%s %s%s" % (",".join(f.get("entities", [])[:2]), f.get("severity"), " open" if f.get("open") else "")
            for f in near[:2]) + (" …" if len(near) > 2 else "") if near else " (none of that kind found)"
        total = sum(1 for w in exp["expect"] if w["kind"] == kind)
        if len(wants) == 1:
            why.append("missing %s%s" % (describe(wants[0]), hint))
        else:
            why.append("missing %d of %d expected %s, e.g. %s%s" % (len(wants), total, kind, describe(wants[0]), hint))
    for kind in exp.get("forbid_kinds", []):
        bad = [f for f in findings if f.get("kind") == kind]
        if bad:
            why.append("forbidden kind %s found %d time(s): %s" % (kind, len(bad), bad[0].get("entities")))
    for want in exp.get("forbid", []):
        bad = [f for f in findings if matches(f, want)]
        if bad:
            why.append("forbidden finding %s present (%s %s)" % (describe(want), bad[0].get("kind"),
                                                                  bad[0].get("severity")))
    for kind, count in sorted(exp.get("count_kinds", {}).items()):
        got = sum(1 for f in findings if f.get("kind") == kind)
        if got != count:
            why.append("%d finding(s) of kind %s, expected exactly %d" % (got, kind, count))
    if "no_core_before" in exp:
        limit = parse_time(exp["no_core_before"])
        bad = [f for f in findings if f.get("kind") in CORE and f.get("start") and parse_time(f["start"]) < limit]
        if bad:
            why.append("%d core finding(s) start before the oldest kept log %s, e.g. %s %s at %s"
                       % (len(bad), exp["no_core_before"], bad[0].get("kind"), bad[0].get("entities"),
                          bad[0].get("start")))
    if "orphaned_exact" in exp:
        got = sorted({e for f in findings if f.get("kind") == "orphaned_decision" for e in f.get("entities", [])})
        if got != sorted(exp["orphaned_exact"]):
            why.append("orphaned decisions %s, expected exactly %s" % (got, sorted(exp["orphaned_exact"])))
    if "max_core_findings" in exp:
        n = sum(1 for f in findings if f.get("kind") in CORE)
        if n > exp["max_core_findings"]:
            why.append("%d core findings, at most %d expected" % (n, exp["max_core_findings"]))
    if "max_severity" in exp:
        limit = SEVERITIES.index(exp["max_severity"])
        bad = [f for f in findings if f.get("severity") in SEVERITIES and SEVERITIES.index(f["severity"]) > limit]
        if bad:
            why.append("%d finding(s) above %s, e.g. %s %s" % (len(bad), exp["max_severity"], bad[0].get("kind"),
                                                             bad[0].get("severity")))
    return why


# One deliberate mistake per scenario for --self-test; each must make the checks FAIL.
def mutate(exp):
    e = copy.deepcopy(exp)
    s = e["scenario"]
    orch = e["facts"]["gpu_orchestrators"][0]
    variant = e["facts"].get("variant")
    if s in ("healthy", "retention") or (s == "failed_spawn" and variant == "partial"):
        e["expect"].append({"kind": "logging_gap", "entities_contain": [orch]})
        what = "expects a logging_gap for %s in a healthy history" % orch
    elif s == "external_worker":
        ext = sorted(e["facts"]["externals"])[0]
        e["expect"].append({"kind": "unexplained_scale_up", "entities_contain": [ext]})
        what = "expects the external worker %s to be an unexplained scale-up" % ext
    elif s == "redeploy":
        e["forbid_kinds"].append("orchestrator_restart")
        what = "forbids the orchestrator_restart of the redeploy"
    elif s in ("failed_spawn", "blocked_spawn"):
        e["expect"][0]["severity"] = "critical"
        what = "expects the finding that shows the manual worker to be critical"
    elif s == "concurrent_silent":
        e["expect"][0]["severity"] = "medium"
        what = "expects the silent orchestrator's gap to be medium although it created workers"
    elif s == "rls":
        e["exit_code"] = 0
        what = "expects exit 0 although system_logs is hidden by row-level security"
    elif s == "retention_silent":
        e["expect"][0]["severity"] = "medium"
        what = "expects the no-orchestrator-log finding to be medium"
    elif s in ("silent_logging_death", "logging_death_before_window"):
        e["expect"][0]["severity"] = "medium"
        what = "expects the orchestrator's gap to be medium instead of high"
    elif s == "restart":
        e["forbid_kinds"].append("orchestrator_restart")
        what = "forbids the orchestrator_restart it injected"
    elif s == "worker_silent_holding_task":
        e["expect"][0]["severity"] = "medium"
        what = "expects the worker's gap to be medium although its task finished inside it"
    elif s == "one_of_two_orchestrators_dies":
        e["forbid"] = [{"kind": "logging_gap", "entities_contain": [e["expect"][0]["entities_contain"][0]]}]
        what = "forbids the gap of the orchestrator that died"
    elif s == "spurious_demand":
        e["forbid_kinds"].append("demand_mismatch")
        what = "forbids the demand_mismatch of the Queued=%d count" % 51
    elif s == "never_logging_worker":
        e["expect"][0]["severity"] = "medium"
        what = "expects the never-logging worker's gap to be medium although it worked"
    elif s == "worker_oom_killed":
        e["expect"][0]["kind"] = "stale_heartbeat"
        what = "expects a stale_heartbeat for the killed worker instead of worker_lost"
    elif s == "no_central_worker_logging":
        w = e["facts"]["first_worker"]
        e["expect"].append({"kind": "logging_gap", "entities_contain": [w]})
        what = "expects a logging_gap for %s, a worker of a fleet that never logs centrally" % w
    elif s == "orphaned_decisions":
        e["orphaned_exact"] = e["orphaned_exact"][1:]
        e["expect"] = e["expect"][1:]
        what = "leaves one orphaned decision out of the exact set"
    else:
        e["exit_code"] = 1 - e["exit_code"]
        what = "flips the exit code"
    return e, what


def titles(doc):
    if not doc:
        return "(no findings document)"
    return " | ".join("%s/%s: %s" % (f.get("kind"), f.get("severity"), f.get("title"))
                      for f in doc.get("findings", [])) or "(no findings)"


def run_case(args, scenario, seed, tmp):
    """Returns (expectations, document, exit code, exit code with --fail-on medium, stderr, error)."""
    exp_path = os.path.join(tmp, "%s-%d.json" % (scenario, seed))
    sql_path = os.path.join(tmp, "%s-%d.sql" % (scenario, seed))
    cmd = [sys.executable, GENERATOR, "--scenario", scenario, "--seed", str(seed), "--expect", exp_path]
    if args.era:
        cmd += ["--era", args.era]
    with open(sql_path, "w") as out:
        g = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, text=True)
    if g.returncode != 0:
        return None, None, None, None, "", "generator failed: %s" % g.stderr.strip()
    with open(exp_path) as f:
        exp = json.load(f)
    db = "tlrecon_scn_%s_%d_%d" % (scenario, seed, os.getpid())
    env = dict(os.environ, PGDATABASE=db)
    reader = None
    run(["dropdb", "--if-exists", db])
    c = run(["createdb", db])
    if c.returncode != 0:
        return exp, None, None, None, "", "createdb failed: %s" % c.stderr.strip()
    try:
        load = run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db] +
                   sum((["-f", p] for p in SCHEMAS + [sql_path]), []))
        if load.returncode != 0:
            return exp, None, None, None, "", "loading failed: %s" % load.stderr.strip()[:500]
        if exp.get("connect_as_reader"):
            # A role as a CI job would get: LOGIN, SELECT on every table, no BYPASSRLS.
            reader = "tlrecon_scn_reader_%d_%d" % (seed, os.getpid())
            grant = run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c",
                         "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN NOBYPASSRLS PASSWORD '%s'; "
                         "GRANT USAGE ON SCHEMA public TO %s; GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s;"
                         % (reader, reader, READER_PASSWORD, reader, reader)])
            if grant.returncode != 0:
                return exp, None, None, None, "", "creating the reader role failed: %s" % grant.stderr.strip()
            env.update(PGUSER=reader, PGPASSWORD=READER_PASSWORD)
        base = [args.tlrecon, "check", "--format", "json", "--since", exp["since"], "--until", exp["until"]]
        res = run(base + ["--fail-on", "high"], env=env)
        doc = None
        try:
            doc = json.loads(res.stdout)
        except ValueError:
            pass
        if res.returncode not in (0, 1) and res.returncode != exp["exit_code"]:
            return exp, doc, res.returncode, None, res.stderr, \
                "tlrecon exit %d: %s" % (res.returncode, res.stderr.strip())
        code_medium = None
        if "exit_code_fail_on_medium" in exp:
            code_medium = run(base + ["--fail-on", "medium"], env=env).returncode
        if args.keep:
            with open(os.path.join(args.keep, "%s-%d.findings.json" % (scenario, seed)), "w") as f:
                f.write(res.stdout)
        return exp, doc, res.returncode, code_medium, res.stderr, None
    finally:
        if not args.keep_db:
            run(["dropdb", "--if-exists", db])
            if reader:
                run(["psql", "-X", "-q", "-d", "postgres", "-c", "DROP ROLE IF EXISTS %s" % reader])


def main():
    ap = argparse.ArgumentParser(description="check tlrecon against the seeded scenarios of generate.py")
    ap.add_argument("--tlrecon", required=True, help="path to the tlrecon binary")
    ap.add_argument("--seeds", default="1-5", help="seeds: 1-5, 3, 1,4,7 (default 1-5)")
    ap.add_argument("--scenario", action="append", choices=SCENARIOS,
                    help="a scenario to run (repeatable; default all)")
    ap.add_argument("--era", choices=ERAS,
                    help="force the orchestrator's era (default: chosen by each seed); scenarios that cannot "
                         "speak that era are skipped")
    ap.add_argument("--self-test", action="store_true",
                    help="flip one expectation per case and require the checks to report FAIL")
    ap.add_argument("--mutate", action="store_true",
                    help="like --self-test, but report the flipped cases as a normal run (all should FAIL)")
    ap.add_argument("--keep", metavar="DIR", help="also keep the generated SQL, expectations and findings in DIR")
    ap.add_argument("--keep-db", action="store_true", help="do not drop the databases afterwards")
    args = ap.parse_args()
    args.tlrecon = os.path.abspath(args.tlrecon)
    if not os.access(args.tlrecon, os.X_OK):
        ap.error("--tlrecon %s is not an executable" % args.tlrecon)
    if run(["psql", "-X", "-d", "postgres", "-tAc", "SELECT 1"]).returncode != 0:
        print("run.py: no PostgreSQL reachable through libpq's environment; run it under pg_virtualenv",
              file=sys.stderr)
        return 2
    scenarios = args.scenario or SCENARIOS
    if args.era:
        scenarios = [s for s in scenarios if args.era in SCENARIO_ERAS.get(s, ERAS)]
    seeds = parse_seeds(args.seeds)
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="tlrecon-scn-") as tmp:
        work = args.keep or tmp
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
        for scenario in scenarios:
            for seed in seeds:
                exp, doc, code, code_medium, stderr, error = run_case(args, scenario, seed, work)
                era = exp["era"] if exp else "?"
                if error:
                    why = [error]
                elif args.self_test:
                    bad, what = mutate(exp)
                    reasons = check(bad, doc, code, code_medium, stderr)
                    if reasons:
                        print("ok self-test %s %d %s: a wrong expectation (%s) is reported: %s"
                              % (scenario, seed, era, what, "; ".join(reasons)))
                        passed += 1
                    else:
                        print("FAIL self-test %s %d %s: a wrong expectation (%s) went unnoticed"
                              % (scenario, seed, era, what))
                        failed += 1
                    continue
                elif args.mutate:
                    why = check(mutate(exp)[0], doc, code, code_medium, stderr)
                else:
                    why = check(exp, doc, code, code_medium, stderr)
                if why:
                    print("FAIL %s %d %s: %s\n    findings: %s" % (scenario, seed, era, "; ".join(why), titles(doc)))
                    failed += 1
                else:
                    print("ok %s %d %s" % (scenario, seed, era))
                passed += 0 if why else 1
                sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
