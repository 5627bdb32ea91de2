"""End-to-end tests against a real PostgreSQL: the one scripts/test.sh starts
(pg_virtualenv exports PGHOST, PGPORT, PGUSER, PGPASSWORD). The bundled
incidents are loaded into fresh databases and read back with no --dsn, the
way a user with a libpq environment runs the tool."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from common import ORCH, ROOT, WORKFLOWS, kinds, main, require_postgres, tlrecon

SAMPLES = {
    "orchestrator-2025-10-16": ("tlrecon_e2e_orch", ORCH, "2025-10-16T10:55:00Z", "2025-10-16T18:02:00Z"),
    "workflows-2026-01-20": ("tlrecon_e2e_wf", WORKFLOWS, "2026-01-20T13:00:00Z", "2026-01-20T20:00:00Z"),
}


def psql(db, sql):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-tAc", sql],
                          capture_output=True, text=True, check=True).stdout



class Postgres(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_postgres()
        for name, (db, _, _, _) in SAMPLES.items():
            subprocess.run(["dropdb", "--if-exists", db], check=True)
            subprocess.run([os.path.join(ROOT, "scripts", "load_sample.sh"), name, db], check=True)
            # Statistics, as autovacuum leaves them: check then reads workers' lines without
            # their message and fetches the ones it cites (docs/scaling.md).
            psql(db, "ANALYZE")

    @classmethod
    def tearDownClass(cls):
        for db, _, _, _ in SAMPLES.values():
            subprocess.run(["dropdb", "--if-exists", db])

    def both(self, name, *args):
        db, snap, since, until = SAMPLES[name]
        live = tlrecon(*args, "--since", since, "--until", until, env={"PGDATABASE": db})
        saved = tlrecon(*args, "--from", snap)
        return live, saved

    def test_timeline_is_byte_identical_from_postgres_and_snapshot(self):
        for name in SAMPLES:
            for fmt in ("jsonl", "text", "csv"):
                with self.subTest(sample=name, format=fmt):
                    live, saved = self.both(name, "timeline", "--format", fmt)
                    self.assertEqual(live.code, 0, live.err)
                    self.assertGreater(len(live.out.splitlines()), 10)
                    self.assertEqual(live.out, saved.out)

    def test_a_row_committed_between_the_shares_is_in_none(self):
        # system_logs is read on two connections sharing one snapshot
        # (TLRECON_READERS=2, docs/scaling.md): a row committed after the first began and before
        # the second starts is in neither, and the output is the one-reader one.
        db, snap, since, until = SAMPLES["orchestrator-2025-10-16"]
        ts = "2025-10-16 12:00:00.000001+00"   # in the window; the share is whichever its time hashes to
        for share_time in (ts, "2025-10-16 12:00:00.000002+00"):
            with self.subTest(time=share_time):
                insert = ("INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message) "
                          "VALUES (gen_random_uuid(), '%s', 'worker', 'gpu-between', 'INFO', 'committed between shares')"
                          % share_time)
                try:
                    one = tlrecon("timeline", "--format", "jsonl", "--since", since, "--until", until,
                                  env={"PGDATABASE": db, "TLRECON_READERS": "1"})
                    two = tlrecon("timeline", "--format", "jsonl", "--since", since, "--until", until,
                                  env={"PGDATABASE": db, "TLRECON_READERS": "2",
                                       "TLRECON_TEST_BETWEEN_SHARES": insert})
                    self.assertEqual(two.code, 0, two.err)
                    self.assertNotIn("one connection", two.err)   # the second reader did start
                    self.assertNotIn("committed between shares", two.out)
                    self.assertEqual(one.out, two.out)
                    # It was committed: a new read sees it.
                    after = tlrecon("timeline", "--format", "jsonl", "--since", since, "--until", until,
                                    env={"PGDATABASE": db})
                    self.assertIn("committed between shares", after.out)
                finally:
                    psql(db, "DELETE FROM system_logs WHERE source_id = 'gpu-between'")

    def test_one_reader_and_two_give_the_same_bytes(self):
        for name in SAMPLES:
            db, snap, since, until = SAMPLES[name]
            for args in (("timeline", "--format", "jsonl"), ("check", "--format", "json"), ("report", "--format", "json")):
                with self.subTest(sample=name, command=args[0]):
                    one = tlrecon(*args, "--since", since, "--until", until, env={"PGDATABASE": db, "TLRECON_READERS": "1"})
                    two = tlrecon(*args, "--since", since, "--until", until, env={"PGDATABASE": db, "TLRECON_READERS": "2"})
                    self.assertEqual(one.code, two.code, two.err)
                    self.assertEqual(one.out, two.out)

    def test_through_pgbouncer_in_transaction_mode(self):
        # Supabase's pooler works this way: each transaction may get another
        # server connection. The second reader imports the first's exported
        # snapshot while the first transaction stays open on its server
        # connection, so the bytes are those of a direct read.
        pgbouncer = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
        if pgbouncer is None:
            if os.environ.get("TLRECON_REQUIRE_PG"):
                self.fail("pgbouncer is not installed (scripts/test.sh installs it)")
            self.skipTest("pgbouncer is not installed")
        db, snap, since, until = SAMPLES["orchestrator-2025-10-16"]
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o777)
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            user = os.environ.get("PGUSER", "postgres")
            host = os.environ.get("PGHOST", "localhost")
            with open(os.path.join(tmp, "users.txt"), "w") as f:
                f.write('"%s" "%s"\n' % (user, os.environ.get("PGPASSWORD", "")))
            with open(os.path.join(tmp, "pgbouncer.ini"), "w") as f:
                f.write("[databases]\n* = host=%s port=%s\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = %d\n"
                        "unix_socket_dir =\nauth_type = trust\nauth_file = %s/users.txt\npool_mode = transaction\n"
                        "default_pool_size = 4\nlogfile = %s/pgbouncer.log\npidfile = %s/pgbouncer.pid\n"
                        % (host, os.environ.get("PGPORT", "5432"), port, tmp, tmp, tmp))
            for name in os.listdir(tmp):
                os.chmod(os.path.join(tmp, name), 0o644)
            cmd = [pgbouncer, os.path.join(tmp, "pgbouncer.ini")]
            if os.geteuid() == 0:   # pgbouncer refuses to run as root
                cmd = ["runuser", "-u", "postgres", "--"] + cmd
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                for _ in range(50):
                    with socket.socket() as s:
                        if s.connect_ex(("127.0.0.1", port)) == 0:
                            break
                    time.sleep(0.1)
                env = {"PGDATABASE": db, "PGHOST": "127.0.0.1", "PGPORT": str(port), "TLRECON_READERS": "2"}
                # The last: gaps short enough that findings quote workers' lines, whose messages
                # check fetches after the read, through the pooler too.
                for args in (("timeline", "--format", "jsonl"), ("check", "--format", "json"),
                             ("check", "--format", "json", "--gap-min", "1m", "--gap-factor", "1")):
                    with self.subTest(command=" ".join(args)):
                        direct = tlrecon(*args, "--since", since, "--until", until, env={"PGDATABASE": db})
                        pooled = tlrecon(*args, "--since", since, "--until", until, env=env)
                        self.assertEqual(pooled.code, direct.code, pooled.err)
                        self.assertEqual(pooled.out, direct.out)
                saved = tlrecon(*args, "--from", snap)
                titles = [f["title"] for f in pooled.json()["findings"] if f["kind"] == "logging_gap"]
                self.assertTrue(any(t.startswith("worker worker/") for t in titles), titles)
                self.assertEqual(pooled.json()["findings"], saved.json()["findings"])
                # And the two readers did share one snapshot through it.
                insert = ("INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message) "
                          "VALUES (gen_random_uuid(), '2025-10-16 12:00:00.000002+00', 'worker', 'gpu-between', "
                          "'INFO', 'committed between shares')")
                try:
                    between = tlrecon("timeline", "--format", "jsonl", "--since", since, "--until", until,
                                      env=dict(env, TLRECON_TEST_BETWEEN_SHARES=insert))
                    self.assertEqual(between.code, 0, between.err)
                    self.assertNotIn("one connection", between.err)   # the second reader did start
                    self.assertNotIn("committed between shares", between.out)
                    self.assertEqual(psql(db, "SELECT count(*) FROM system_logs WHERE source_id = 'gpu-between'").strip(), "1")
                finally:
                    psql(db, "DELETE FROM system_logs WHERE source_id = 'gpu-between'")
            finally:
                proc.terminate()
                proc.wait(timeout=10)

    def test_check_gives_the_same_findings(self):
        for name in SAMPLES:
            with self.subTest(sample=name):
                live, saved = self.both(name, "check", "--format", "json")
                self.assertEqual(live.code, 1)
                self.assertEqual(live.json(), saved.json())

    def test_a_fresh_snapshot_matches_the_bundled_one(self):
        tmp = tempfile.mkdtemp()
        try:
            for name, (db, snap, since, until) in SAMPLES.items():
                out = os.path.join(tmp, name)
                run = tlrecon("snapshot", "--out", out, "--since", since, "--until", until, env={"PGDATABASE": db})
                self.assertEqual(run.code, 0, run.err)
                with open(os.path.join(out, "manifest.json")) as f:
                    fresh = json.load(f)
                with open(os.path.join(snap, "manifest.json")) as f:
                    bundled = json.load(f)
                for doc in (fresh, bundled):
                    doc.pop("taken_at")
                # Where the rows came from differs per server (test_evidence checks it).
                self.assertEqual(fresh.pop("source")["database"], db)
                self.assertEqual(fresh, bundled, "sample_data is stale: run scripts/regen_samples.sh and read the diff")
                # A snapshot never overwrites evidence.
                again = tlrecon("snapshot", "--out", out, "--since", since, "--until", until, env={"PGDATABASE": db})
                self.assertEqual(again.code, 2)
                self.assertEqual(again.err, "tlrecon: error: --out: '%s' exists and is not an empty directory; "
                                            "a snapshot never overwrites evidence\n" % out)
        finally:
            shutil.rmtree(tmp)

    def test_missing_tables_are_reported_not_fatal(self):
        db, _, since, until = SAMPLES["workflows-2026-01-20"]
        doc = tlrecon("check", "--format", "json", "--since", since, "--until", until, env={"PGDATABASE": db}).json()
        status = {s["table"]: (s["status"], s["rows"]) for s in doc["sources"]}
        self.assertEqual(status["workers"], ("missing", 0))
        self.assertEqual(status["workflow_decisions"], ("ok", 48))
        self.assertEqual(len(kinds(doc, "orphaned_decision")), 2)

    def test_unreachable_server_is_exit_3_without_the_password(self):
        for dsn in ("host=127.0.0.1 port=1 user=bob password=hunter2 connect_timeout=3",
                    "postgresql://bob:hunter2@127.0.0.1:1/db?connect_timeout=3"):
            with self.subTest(dsn=dsn):
                run = tlrecon("check", "--dsn", dsn, "--since", "1h")
                self.assertEqual(run.code, 3)
                self.assertEqual(len(run.err.splitlines()), 1, run.err)
                self.assertTrue(run.err.startswith("tlrecon: error: connecting to PostgreSQL: "))
                self.assertNotIn("hunter2", run.err + run.out)

    def test_reads_in_a_read_only_transaction_as_a_select_only_role(self):
        db, _, since, until = SAMPLES["orchestrator-2025-10-16"]
        psql(db, "DROP ROLE IF EXISTS tlrecon_reader; CREATE ROLE tlrecon_reader LOGIN PASSWORD 'readerpw';"
                 "GRANT SELECT ON ALL TABLES IN SCHEMA public TO tlrecon_reader;")
        try:
            env = {"PGDATABASE": db, "PGUSER": "tlrecon_reader", "PGPASSWORD": "readerpw"}
            run = tlrecon("check", "--format", "json", "--since", since, "--until", until, env=env)
            self.assertEqual(run.code, 1, run.err)
            self.assertNotIn("readerpw", run.out + run.err)
            psql(db, "REVOKE SELECT ON tasks FROM tlrecon_reader")
            run = tlrecon("check", "--format", "json", "--since", since, "--until", until, env=env)
            doc = run.json()
            status = {s["table"]: s["status"] for s in doc["sources"]}
            self.assertEqual(status["tasks"], "unreadable")
            self.assertEqual(len(kinds(doc, "logging_gap")), 1)
            # The findings are written, but a check never passes on a table it could not read:
            # exit 3, not 1.
            self.assertEqual(run.code, 3)
            self.assertEqual(run.err.splitlines()[-1],
                             "tlrecon: error: the findings leave out tables it could not read: tasks unreadable "
                             "(no SELECT privilege on tasks): connect as a role with SELECT on them")
        finally:
            psql(db, "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tlrecon_reader; DROP ROLE tlrecon_reader")

    def test_binary_copy_gives_the_rows_copy_text_gives(self):
        # system_logs' window is read in COPY binary, ordered by time alone,
        # the rows of one instant put in key order by tlrecon
        # (docs/scaling.md). TLRECON_COPY=text reads it as before: COPY
        # text, sorted by the server. Both must give the same bytes, with
        # the real schema's types and with a mapping of other types (text
        # key, timestamp without time zone, varchar, bigint).
        db = "tlrecon_e2e_binary"
        subprocess.run(["dropdb", "--if-exists", db], check=True)
        subprocess.run(["createdb", db], check=True)
        tie = "2025-10-16 12:00:00+00"
        try:
            psql(db, "CREATE TABLE system_logs (id uuid PRIMARY KEY, \"timestamp\" timestamptz NOT NULL, "
                     "source_type text, source_id text, log_level text, message text, task_id uuid, "
                     "worker_id text, cycle_number int, metadata jsonb);"
                     # 300 rows at one instant, inserted in random order
                     "INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message) "
                     "SELECT gen_random_uuid(), '%s', 'worker', 'gpu-' || (i %% 7), 'INFO', 'tie ' || i "
                     "FROM generate_series(1, 300) i ORDER BY random();"
                     # every number of fraction digits, NULLs, escapes, other scripts, extremes
                     "INSERT INTO system_logs SELECT gen_random_uuid(), "
                     "'2025-10-16 12:00:01+00'::timestamptz + i * interval '1.234567 ms', "
                     "CASE WHEN i %% 5 = 0 THEN 'orchestrator_gpu' ELSE 'worker' END, "
                     "CASE WHEN i %% 11 = 0 THEN NULL ELSE 'src-' || (i %% 13) END, "
                     "(ARRAY['INFO','ERROR',NULL,'WARNING'])[1 + i %% 4], "
                     "(ARRAY[E'tab\\there', E'new\\nline', E'back\\\\slash', '\\N', '', NULL, "
                     "'Запуск 🚀 worker', 'Spawning ' || i || ' workers'])[1 + i %% 8], "
                     "CASE WHEN i %% 3 = 0 THEN gen_random_uuid() END, CASE WHEN i %% 2 = 0 THEN 'gpu-' || i END, "
                     "(ARRAY[NULL, -2147483648, 2147483647, 0, i])[1 + i %% 5], NULL "
                     "FROM generate_series(1, 2000) i;" % tie)
            psql(db, "CREATE TABLE logs2 (k text PRIMARY KEY, at timestamp NOT NULL, st varchar(20), sid text, "
                     "lvl text, msg text, tid uuid, wid text, cyc bigint);"
                     "INSERT INTO logs2 SELECT k, '2025-10-16 12:00:00', 'worker', 'w', 'INFO', 'tie ' || k, "
                     "NULL, NULL, 9223372036854775807 FROM unnest(ARRAY['b', 'B', 'a', 'a2', 'é', 'Z', '_']) k;"
                     "INSERT INTO logs2 SELECT 'k' || i, '2025-10-16 12:00:00'::timestamp + i * interval '1.5 s', "
                     "'orchestrator_gpu', 'o', 'INFO', 'line ' || i, NULL, NULL, -i FROM generate_series(1, 50) i;")
            mapping = {"tables": {"system_logs": {"table": "logs2", "columns": {
                "id": "k", "timestamp": "at", "source_type": "st", "source_id": "sid", "log_level": "lvl",
                "message": "msg", "task_id": "tid", "worker_id": "wid", "cycle_number": "cyc"}}}}
            with tempfile.TemporaryDirectory() as tmp:
                config = os.path.join(tmp, "mapping.json")
                with open(config, "w") as f:
                    json.dump(mapping, f)
                window = ["--since", "2025-10-16T11:00:00Z", "--until", "2025-10-16T13:00:00Z"]
                for name, extra in (("real schema", []), ("other types", ["--config", config])):
                    with self.subTest(name):
                        out = {}
                        for copy in ("binary", "text"):
                            env = {"PGDATABASE": db, "TLRECON_COPY": copy}
                            snap = os.path.join(tmp, name.replace(" ", "-") + "-" + copy)
                            run = tlrecon("snapshot", *extra, *window, "--out", snap, env=env)
                            self.assertEqual(run.code, 0, run.err)
                            with open(os.path.join(snap, "system_logs.csv"), "rb") as f:
                                csv_bytes = f.read()
                            with open(os.path.join(snap, "manifest.json")) as f:
                                query = [t for t in json.load(f)["tables"] if t["table"] == "system_logs"][0]["query"]
                            timeline = tlrecon("timeline", *extra, *window, "--format", "jsonl", env=env)
                            self.assertEqual(timeline.code, 0, timeline.err)
                            out[copy] = (csv_bytes, timeline.out, query)
                        self.assertGreater(len(out["binary"][0].splitlines()), 50)
                        self.assertEqual(out["binary"][0], out["text"][0])
                        self.assertEqual(out["binary"][1], out["text"][1])
                        # What ran is in the manifest: the server no longer breaks ties.
                        self.assertTrue(out["text"][2].endswith(' COLLATE "C"') or out["text"][2].endswith('"id"')
                                        or out["text"][2].endswith('"k"'), out["text"][2])
                        self.assertTrue(out["binary"][2].endswith('ORDER BY "timestamp"')
                                        or out["binary"][2].endswith('ORDER BY "at"'), out["binary"][2])
                # The tie, in the order the server's ORDER BY "timestamp", id gives it.
                expected = psql(db, "SELECT id FROM system_logs WHERE \"timestamp\" = '%s' ORDER BY id" % tie).split()
                run = tlrecon("timeline", *window, "--format", "jsonl", env={"PGDATABASE": db})
                keys = [json.loads(l)["key"] for l in run.out.splitlines()
                        if '"record":"event"' in l and '"message":"tie ' in l]
                self.assertEqual(len(expected), 300)
                self.assertEqual(keys, expected)
        finally:
            subprocess.run(["dropdb", "--if-exists", db])

    def test_a_mapping_with_hostile_names_is_quoted(self):
        db = "tlrecon_e2e_names"
        subprocess.run(["dropdb", "--if-exists", db], check=True)
        subprocess.run(["createdb", db], check=True)
        try:
            psql(db, 'CREATE SCHEMA "Ops; x"; CREATE TABLE "Ops; x"."Logs ""quoted""" '
                     '(id text, "When" timestamptz, st text, sid text, lvl text, msg text);'
                     "INSERT INTO \"Ops; x\".\"Logs \"\"quoted\"\"\" VALUES "
                     "('a', '2025-10-16 17:00:00+00', 'orchestrator_gpu', 'o', 'INFO', 'hello');")
            mapping = {"tables": {"system_logs": {"schema": "Ops; x", "table": 'Logs "quoted"',
                                                  "columns": {"id": "id", "timestamp": "When", "source_type": "st",
                                                              "source_id": "sid", "log_level": "lvl",
                                                              "message": "msg"}}}}
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump(mapping, f)
            run = tlrecon("timeline", "--config", f.name, "--since", "2025-10-16T16:00:00Z",
                          "--until", "2025-10-16T18:00:00Z", "--format", "jsonl", env={"PGDATABASE": db})
            os.unlink(f.name)
            self.assertEqual(run.code, 0, run.err)
            events = [json.loads(l) for l in run.out.splitlines() if '"record":"event"' in l]
            self.assertEqual([e["message"] for e in events], ["hello"])
        finally:
            subprocess.run(["dropdb", "--if-exists", db])


if __name__ == "__main__":
    main()
