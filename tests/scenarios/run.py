#!/usr/bin/env python3
"""Runs tlrecon against the seeded scenarios of generate.py.

    pg_virtualenv python3 tests/scenarios/run.py --tlrecon build/tlrecon [--seeds 1-10] [--scenario NAME]...

For each scenario and seed: generate the history, load it with both schema
files into a fresh database (psql/createdb/dropdb through libpq's
environment, which pg_virtualenv provides), run

    tlrecon check --format json --since S --until U --fail-on high

with PGDATABASE set, and check the result against the expectations the
generator wrote: the exit code, every expected finding present (kind,
entities_contain a subset of entities, severity and open when given), no
forbidden kind or finding, the exact set of orphaned decisions when given,
the number of core findings and the highest severity when bounded, and for
scenarios that say so a second run with --fail-on medium. Prints one line per
case and `N passed, M failed`; exits 1 if any case failed.

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
from generate import CORE, SCENARIOS  # noqa: E402

SEVERITIES = ["info", "low", "medium", "high", "critical"]


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
    if finding.get("kind") != want["kind"]:
        return False
    if not set(want.get("entities_contain", [])) <= set(finding.get("entities", [])):
        return False
    if "severity" in want and finding.get("severity") != want["severity"]:
        return False
    if "open" in want and bool(finding.get("open")) != want["open"]:
        return False
    return True


def describe(want):
    parts = [want["kind"]]
    if want.get("entities_contain"):
        parts.append("entities ⊇ %s" % want["entities_contain"])
    if "severity" in want:
        parts.append("severity %s" % want["severity"])
    if "open" in want:
        parts.append("open %s" % want["open"])
    return " ".join(parts)


def check(exp, doc, code, code_medium):
    """Returns the list of reasons the result does not meet the expectations."""
    why = []
    if code != exp["exit_code"]:
        why.append("exit code %s with --fail-on high, expected %s" % (code, exp["exit_code"]))
    if "exit_code_fail_on_medium" in exp and code_medium != exp["exit_code_fail_on_medium"]:
        why.append("exit code %s with --fail-on medium, expected %s" % (code_medium, exp["exit_code_fail_on_medium"]))
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
            why.append("forbidden finding %s present" % describe(want))
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
    if s == "healthy":
        e["expect"].append({"kind": "logging_gap", "entities_contain": ["gpu-orch-1"]})
        what = "expects a logging_gap for gpu-orch-1 in a healthy history"
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
    exp_path = os.path.join(tmp, "%s-%d.json" % (scenario, seed))
    sql_path = os.path.join(tmp, "%s-%d.sql" % (scenario, seed))
    with open(sql_path, "w") as out:
        g = subprocess.run([sys.executable, GENERATOR, "--scenario", scenario, "--seed", str(seed),
                            "--expect", exp_path], stdout=out, stderr=subprocess.PIPE, text=True)
    if g.returncode != 0:
        return None, None, None, None, "generator failed: %s" % g.stderr.strip()
    with open(exp_path) as f:
        exp = json.load(f)
    db = "tlrecon_scn_%s_%d_%d" % (scenario, seed, os.getpid())
    env = dict(os.environ, PGDATABASE=db)
    run(["dropdb", "--if-exists", db])
    c = run(["createdb", db])
    if c.returncode != 0:
        return exp, None, None, None, "createdb failed: %s" % c.stderr.strip()
    try:
        load = run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db] +
                   sum((["-f", p] for p in SCHEMAS + [sql_path]), []))
        if load.returncode != 0:
            return exp, None, None, None, "loading failed: %s" % load.stderr.strip()[:500]
        base = [args.tlrecon, "check", "--format", "json", "--since", exp["since"], "--until", exp["until"]]
        res = run(base + ["--fail-on", "high"], env=env)
        doc = None
        try:
            doc = json.loads(res.stdout)
        except ValueError:
            pass
        if res.returncode not in (0, 1):
            return exp, doc, res.returncode, None, "tlrecon exit %d: %s" % (res.returncode, res.stderr.strip())
        code_medium = None
        if "exit_code_fail_on_medium" in exp:
            code_medium = run(base + ["--fail-on", "medium"], env=env).returncode
        if args.keep:
            with open(os.path.join(args.keep, "%s-%d.findings.json" % (scenario, seed)), "w") as f:
                f.write(res.stdout)
        return exp, doc, res.returncode, code_medium, None
    finally:
        if not args.keep_db:
            run(["dropdb", "--if-exists", db])


def main():
    ap = argparse.ArgumentParser(description="check tlrecon against the seeded scenarios of generate.py")
    ap.add_argument("--tlrecon", required=True, help="path to the tlrecon binary")
    ap.add_argument("--seeds", default="1-5", help="seeds: 1-5, 3, 1,4,7 (default 1-5)")
    ap.add_argument("--scenario", action="append", choices=SCENARIOS,
                    help="a scenario to run (repeatable; default all)")
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
    seeds = parse_seeds(args.seeds)
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="tlrecon-scn-") as tmp:
        work = args.keep or tmp
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
        for scenario in scenarios:
            for seed in seeds:
                exp, doc, code, code_medium, error = run_case(args, scenario, seed, work)
                if error:
                    why = [error]
                elif args.self_test:
                    bad, what = mutate(exp)
                    reasons = check(bad, doc, code, code_medium)
                    if reasons:
                        print("ok self-test %s %d: a wrong expectation (%s) is reported: %s"
                              % (scenario, seed, what, "; ".join(reasons)))
                        passed += 1
                    else:
                        print("FAIL self-test %s %d: a wrong expectation (%s) went unnoticed" % (scenario, seed, what))
                        failed += 1
                    continue
                elif args.mutate:
                    why = check(mutate(exp)[0], doc, code, code_medium)
                else:
                    why = check(exp, doc, code, code_medium)
                if why:
                    print("FAIL %s %d: %s\n    findings: %s" % (scenario, seed, "; ".join(why), titles(doc)))
                    failed += 1
                else:
                    print("ok %s %d" % (scenario, seed))
                passed += 0 if why else 1
                sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
