#!/usr/bin/env python3
"""tlrecon's queries on a realistic schema: partition pruning and index use.

    pg_virtualenv python3 tests/scale/test_explain.py --tlrecon build/tlrecon [--rows 200000] [--keep]

Needs a PostgreSQL reachable through libpq's environment (pg_virtualenv
exports PGHOST, PGPORT, PGUSER, PGPASSWORD) and a role that may create
databases. Python 3 standard library, psql, createdb/dropdb.

It generates with bench/generate.sql two small versions of the bench data
(--rows system_logs rows over 3 days, 2025-10-16 to 2025-10-18, with 14 days
of worker, task, decision and execution history before them), one with
system_logs partitioned by day and one plain, then takes tlrecon's actual
queries from the manifest of a `tlrecon snapshot` (the queries tlrecon runs
against the database, the prelude of system_logs included) and runs
EXPLAIN (FORMAT JSON) on each (COPY cannot be explained; its SELECT can):

  pruning   partitioned data, a window inside one day (2025-10-17 10:00-14:00)
            and one across midnight (2025-10-17 22:00 - 2025-10-18 02:00):
            the plan of each system_logs query touches exactly the partitions
            that overlap the range that query reads (the main query: the
            window; the prelude: the two hours before it; the far-back
            query: everything before it), no other;
  indexes   plain data, the one-day window: every query reaches its table
            through an index whose first column is the table's time column
            (Index Scan, Index Only Scan, or a Bitmap Heap Scan over such an
            index), not a Seq Scan; but for the far-back query of workers,
            which looks at every worker created before the lookback;
  negative  the checks can fail: with enable_partition_pruning off the
  controls  pruning check must report the extra partitions, and with the time
            index of each table dropped (inside a transaction that is rolled
            back) the index check must report the Seq Scan.

Prints `ok NAME` or `FAIL NAME: why` per check, then `N passed, M failed`;
exits 1 if any check failed, 77 (skipped) when no server is reachable unless
TLRECON_REQUIRE_PG is set.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GENERATE = os.path.join(ROOT, "bench", "generate.sql")

# The mapping field holding each table's row time (SPEC section 2); the
# column it maps to is read from the manifest.
TIME_FIELD = {
    "workers": "created_at",
    "tasks": "created_at",
    "workflow_decisions": "decision_time",
    "workflow_executions": "execution_time",
    "system_logs": "timestamp",
}
ONE_DAY = ("2025-10-17T10:00:00Z", "2025-10-17T14:00:00Z")
ACROSS_MIDNIGHT = ("2025-10-17T22:00:00Z", "2025-10-18T02:00:00Z")


class Failure(Exception):
    pass


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def psql(db, sql):
    r = run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db], input=sql)
    if r.returncode != 0:
        raise Failure("psql failed: " + r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "psql failed")
    return r.stdout


def explain(db, query, setup=()):
    """The JSON plan of query, after the setup statements, in a transaction
    that is rolled back (so a DROP INDEX in setup changes nothing)."""
    sql = "BEGIN;\nSET LOCAL TimeZone = 'UTC';\n"
    sql += "".join(s + ";\n" for s in setup)
    sql += "EXPLAIN (FORMAT JSON) " + query + ";\nROLLBACK;\n"
    return json.loads(psql(db, sql))[0]["Plan"]


def nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def parse_utc(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def partitions(db, parent):
    """{partition name: (from, to)} of a range-partitioned table, from the catalog."""
    out = {}
    rows = psql(db, "SET TimeZone = 'UTC';\n"
                    "SELECT c.relname || '|' || pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                    "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '%s'::regclass;" % parent)
    for line in rows.splitlines():
        name, bound = line.split("|", 1)
        m = re.search(r"FROM \('([^']+)'\) TO \('([^']+)'\)", bound)
        if not m:
            raise Failure("unexpected partition bound of %s: %s" % (name, bound))
        # '2025-10-17 00:00:00+00' (TimeZone UTC): the offset as +HH:MM for strptime.
        lo, hi = (datetime.strptime(re.sub(r"([+-]\d\d)$", r"\1:00", x), "%Y-%m-%d %H:%M:%S%z") for x in m.groups())
        out[name] = (lo, hi)
    return out


def time_indexes(db, table, column):
    """Indexes of table whose first column is column."""
    rows = psql(db, "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_attribute a "
                    "ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
                    "WHERE i.indrelid = '%s'::regclass AND a.attname = '%s';" % (table, column))
    return set(rows.split())


# ------------------------------------------------------------------ the checks

def check_pruning(plan, parts, lo, hi, parent):
    """The relations the plan scans are exactly the partitions overlapping [lo, hi)."""
    want = {name for name, (a, b) in parts.items() if a < hi and lo < b}
    scanned = {n["Relation Name"] for n in nodes(plan) if "Relation Name" in n}
    if parent in scanned:
        raise Failure("the plan scans the parent %s itself" % parent)
    if scanned != want:
        extra = sorted(scanned - want)
        missing = sorted(want - scanned)
        raise Failure("scans %s for [%s, %s); expected %s%s%s" % (
            sorted(scanned), lo.strftime("%m-%d %H:%M"), hi.strftime("%m-%d %H:%M"), sorted(want),
            "; extra: %s" % extra if extra else "", "; missing: %s" % missing if missing else ""))
    return "scans %s" % ", ".join(sorted(scanned))


def check_index(plan, table, indexes):
    """Every scan of table goes through one of indexes."""
    seen = []
    for n in nodes(plan):
        if n.get("Relation Name") != table:
            continue
        kind = n["Node Type"]
        if kind in ("Index Scan", "Index Only Scan"):
            used = {n.get("Index Name")}
        elif kind == "Bitmap Heap Scan":
            used = {m.get("Index Name") for m in nodes(n) if m["Node Type"] == "Bitmap Index Scan"}
        else:
            raise Failure("%s on %s (no index on its time column used; time indexes: %s)" %
                          (kind, table, ", ".join(sorted(indexes)) or "none"))
        if not used or not used <= indexes:
            raise Failure("%s on %s uses %s, not an index on the time column (%s)" %
                          (kind, table, ", ".join(sorted(x for x in used if x)), ", ".join(sorted(indexes))))
        seen.append("%s using %s" % (kind, ", ".join(sorted(used))))
    if not seen:
        raise Failure("no scan of %s in the plan" % table)
    return "; ".join(seen)


# ------------------------------------------------------------------ setup

def generate(db, rows, partitioned):
    run(["dropdb", "--if-exists", db])
    r = run(["createdb", db])
    if r.returncode != 0:
        raise Failure("createdb %s: %s" % (db, r.stderr.strip()))
    r = run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-v", "rows=%d" % rows,
             "-v", "partitioned=%d" % partitioned, "-v", "days=3", "-v", "history_days=14",
             "-v", "start=2025-10-16", "-f", GENERATE])
    if r.returncode != 0:
        raise Failure("bench/generate.sql into %s: %s" % (db, r.stderr.strip()))


def snapshot(tlrecon, db, window, tmp):
    out = os.path.join(tmp, "%s-%s" % (db, window[0].replace(":", "")))
    r = run([tlrecon, "snapshot", "--dsn", "dbname=" + db, "--since", window[0], "--until", window[1],
             "-q", "--out", out])
    if r.returncode != 0:
        raise Failure("tlrecon snapshot on %s: exit %d: %s" % (db, r.returncode, r.stderr.strip()))
    with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    for t in manifest["tables"]:
        if t.get("status") != "ok" or not t.get("query"):
            raise Failure("snapshot of %s: table %s is %s" % (db, t.get("table"), t.get("status")))
    return manifest


def time_column(manifest, table):
    col = manifest["mapping"]["tables"][table]["columns"][TIME_FIELD[table]]
    return col if isinstance(col, str) else col["column"]


def queries(manifest):
    """(table, 'query', 'prelude' or 'far_back', SQL) for every query tlrecon runs."""
    for t in manifest["tables"]:
        if t.get("far_back_query"):
            yield t["table"], "far_back", t["far_back_query"]
        if t.get("prelude_query"):
            yield t["table"], "prelude", t["prelude_query"]
        yield t["table"], "query", t["query"]


RECENT_LOGS = timedelta(hours=2)  # source.hpp, k_recent_log_lookback
BEGINNING = datetime(1, 1, 1, tzinfo=timezone.utc)


def query_range(manifest, kind):
    """The range of system_logs' time column a query reads: the window; the prelude's
    recent range before it; far back, everything before the window (back to log_lookback
    when the mapping sets one)."""
    since = parse_utc(manifest["window"]["since"])
    until = parse_utc(manifest["window"]["until"])
    bound = manifest["log_lookback_seconds"]
    if kind == "prelude":
        return since - min(RECENT_LOGS, timedelta(seconds=bound) if bound else RECENT_LOGS), since
    if kind == "far_back":
        return (since - timedelta(seconds=bound) if bound else BEGINNING), since
    return since, until


# The workers alive in the window however long ago created: every worker created before the
# lookback is looked at (its end times live in jsonb, which no index of the schema covers), so a
# sequential scan of those rows is the plan to expect; docs/scaling.md gives its cost.
SCANS = {("workers", "far_back")}


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tlrecon", required=True, help="the tlrecon binary")
    ap.add_argument("--rows", type=int, default=200000, help="system_logs rows over the 3 days (default 200000)")
    ap.add_argument("--keep", action="store_true", help="keep the databases and snapshots")
    args = ap.parse_args()
    tlrecon = os.path.abspath(args.tlrecon)

    if run(["psql", "-X", "-d", "postgres", "-tAc", "SELECT 1"]).returncode != 0:
        print("no PostgreSQL reachable through libpq's environment (run under pg_virtualenv)")
        return 1 if os.environ.get("TLRECON_REQUIRE_PG") else 77

    passed = failed = 0

    def expect(name, fn):
        nonlocal passed, failed
        try:
            detail = fn()
            print("ok %s%s" % (name, ": " + detail if detail else ""))
            passed += 1
        except Failure as e:
            print("FAIL %s: %s" % (name, e))
            failed += 1
        except Exception as e:  # a bug here or an unexpected plan shape: a failure, not a crash
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
            failed += 1

    def expect_failure(name, fn):
        """A negative control: fn must raise Failure."""
        def control():
            try:
                detail = fn()
            except Failure as e:
                return "the check fails as it should (%s)" % e
            raise Failure("the check passed although it should not: " + (detail or ""))
        expect(name, control)

    suffix = str(os.getpid())
    part_db, plain_db = "tlrecon_scale_part_" + suffix, "tlrecon_scale_plain_" + suffix
    tmp = tempfile.mkdtemp(prefix="tlrecon-scale-")
    try:
        try:
            generate(part_db, args.rows, 1)
            generate(plain_db, args.rows, 0)
        except Failure as e:
            print("FAIL setup: %s" % e)
            print("0 passed, 1 failed")
            return 1

        # ---- partitioned: pruning
        parts = partitions(part_db, "system_logs")
        counts = psql(part_db, "SELECT count(DISTINCT tableoid) FROM system_logs;").strip()
        expect("partitioned data has several partitions with rows",
               lambda: "%s partitions, %s with rows" % (len(parts), counts) if int(counts) >= 3
               else (_ for _ in ()).throw(Failure("only %s partitions with rows" % counts)))

        for label, window in (("one-day window", ONE_DAY), ("window across midnight", ACROSS_MIDNIGHT)):
            try:
                manifest = snapshot(tlrecon, part_db, window, tmp)
            except Failure as e:
                expect("pruning, %s: snapshot" % label, lambda e=e: (_ for _ in ()).throw(e))
                continue
            for table, kind, sql in queries(manifest):
                if table != "system_logs":
                    continue
                lo, hi = query_range(manifest, kind)
                expect("pruning, %s: system_logs %s" % (label, kind),
                       lambda sql=sql, lo=lo, hi=hi: check_pruning(explain(part_db, sql), parts, lo, hi, "system_logs"))
            if window == ONE_DAY:
                main_sql = next(sql for table, kind, sql in queries(manifest)
                                if table == "system_logs" and kind == "query")
                lo, hi = query_range(manifest, "query")
                expect_failure("negative control: with enable_partition_pruning off the pruning check fails",
                               lambda: check_pruning(explain(part_db, main_sql, ["SET LOCAL enable_partition_pruning = off"]),
                                                     parts, lo, hi, "system_logs"))

        # ---- plain: index use
        try:
            manifest = snapshot(tlrecon, plain_db, ONE_DAY, tmp)
        except Failure as e:
            expect("indexes: snapshot", lambda: (_ for _ in ()).throw(e))
            manifest = None
        if manifest:
            for table, kind, sql in queries(manifest):
                if (table, kind) in SCANS:
                    continue
                col = time_column(manifest, table)
                idx = time_indexes(plain_db, table, col)
                expect("index on %s(%s): %s %s" % (table, col, table, kind),
                       lambda sql=sql, table=table, idx=idx: check_index(explain(plain_db, sql), table, idx))
            for table in TIME_FIELD:
                col = time_column(manifest, table)
                idx = time_indexes(plain_db, table, col)
                drops = ["DROP INDEX %s" % i for i in sorted(idx)]
                for t, kind, sql in queries(manifest):
                    if t != table or (t, kind) in SCANS:
                        continue
                    expect_failure("negative control: without %s the index check fails for %s %s" %
                                   (", ".join(sorted(idx)) or "(no index)", table, kind),
                                   lambda sql=sql, table=table, idx=idx, drops=drops:
                                   check_index(explain(plain_db, sql, drops), table, idx))
    finally:
        if args.keep:
            print("kept: databases %s, %s; snapshots in %s" % (part_db, plain_db, tmp))
        else:
            for db in (part_db, plain_db):
                run(["dropdb", "--if-exists", db])
            shutil.rmtree(tmp, ignore_errors=True)

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
