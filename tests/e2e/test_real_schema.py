"""The real system's database, against a real PostgreSQL (REAL-SYSTEM.md §1):
row-level security as its migrations set it (system_logs with RLS and no
policy, a SELECT policy for a group role, one for service_role only), its
48-hour log retention, workers that live for days, and an orchestrator whose
logs stopped long before the window. Each test builds the database it needs."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from common import ROOT, kinds, main, tlrecon

DB = "tlrecon_e2e_real"
SINCE, UNTIL = "2025-10-16T17:00:00Z", "2025-10-16T18:00:00Z"
WINDOW = ["--since", SINCE, "--until", UNTIL]
HIDDEN = "hidden by row-level security: connect as a role with BYPASSRLS, e.g. service_role"
FILTERED = "rows may be filtered by row-level security"
ROLES = ("tlrecon_reader", "tlrecon_owner", "tlrecon_service", "tlrecon_authenticated")


def psql(sql, db=DB):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-tAc", sql],
                          capture_output=True, text=True, check=True).stdout.strip()


def server_reachable():
    return subprocess.run(["psql", "-X", "-d", "postgres", "-tAc", "SELECT 1"], capture_output=True).returncode == 0


def drop_roles():
    for role in ROLES:
        psql(f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
             f"EXECUTE 'DROP OWNED BY {role}'; EXECUTE 'DROP ROLE {role}'; END IF; END $$", db="postgres")


def logs(source_type, source_id, first, last, every="30 seconds", message="Starting orchestrator cycle"):
    """Log lines of one source, every `every` from first to last (inclusive)."""
    psql("INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message) "
         f"SELECT md5('{source_id}' || t::text)::uuid, t, '{source_type}', '{source_id}', 'INFO', '{message}' "
         f"FROM generate_series('{first}'::timestamptz, '{last}'::timestamptz, interval '{every}') t")


def worker(wid, created, status="active", heartbeat=None, **metadata):
    psql("INSERT INTO workers (id, instance_type, status, created_at, last_heartbeat, metadata) VALUES "
         f"('{wid}', 'RTX 4090', '{status}', '{created}', {repr(heartbeat) if heartbeat else 'NULL'}, "
         f"'{json.dumps(metadata)}'::jsonb)")


def silent_worker_logs():
    """w-gap's lines every 30 s from 16:55 to 17:40, silent from 17:10 to 17:30."""
    psql("INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message, worker_id) "
         "SELECT md5('g' || t::text)::uuid, t, 'worker', 'w-gap', 'INFO', 'step ' || to_char(t, 'HH24:MI:SS') "
         "|| ' of w-gap', 'w-gap' FROM generate_series('2025-10-16 16:55+00'::timestamptz, "
         "'2025-10-16 17:40+00', interval '30 seconds') t "
         "WHERE t < '2025-10-16 17:10+00' OR t >= '2025-10-16 17:30+00'")


def events(run):
    return [json.loads(line) for line in run.out.splitlines() if '"record":"event"' in line]


def sources(doc):
    return {s["table"]: s for s in doc["sources"]}


class RealSchema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not server_reachable():
            if os.environ.get("TLRECON_REQUIRE_PG"):
                raise RuntimeError("no PostgreSQL reachable through libpq's environment")
            raise unittest.SkipTest("no PostgreSQL reachable (run scripts/test.sh)")

    def setUp(self):
        drop_roles()
        subprocess.run(["dropdb", "--if-exists", DB], check=True, capture_output=True)
        subprocess.run(["createdb", DB], check=True)
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB, "-f",
                        os.path.join(ROOT, "sample_data", "src", "schema_gpu.sql")], check=True, capture_output=True)
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)
        subprocess.run(["dropdb", "--if-exists", DB], capture_output=True)
        drop_roles()

    @classmethod
    def tearDownClass(cls):
        if server_reachable():
            drop_roles()

    def as_role(self, role):
        return {"PGDATABASE": DB, "PGUSER": role, "PGPASSWORD": "pw-" + role}

    def login(self, role, *options):
        psql(f"CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}' {' '.join(options)};"
             f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")

    def snapshot(self, env, name="s"):
        out = os.path.join(self.tmp, name)
        run = tlrecon("snapshot", "--out", out, *WINDOW, env=env)
        self.assertEqual(run.code, 0, run.err)
        with open(os.path.join(out, "manifest.json")) as f:
            return run, out, {t["table"]: t for t in json.load(f)["tables"]}

    # ------------------------------------------------------------ row-level security

    def test_rls_with_no_policy_hides_the_table_and_check_exits_3_with_no_finding(self):
        # A quiet hour: the orchestrator logs every cycle, nothing else happens.
        logs("orchestrator_gpu", "gpu-orch", "2025-10-16 15:00+00", "2025-10-16 18:00+00")
        psql("ALTER TABLE system_logs ENABLE ROW LEVEL SECURITY")  # the 2026-01-21 migration: no policy
        self.login("tlrecon_reader")
        env = self.as_role("tlrecon_reader")
        run = tlrecon("check", "--format", "json", *WINDOW, env=env)
        self.assertEqual(run.code, 3, run.err)
        doc = run.json()
        self.assertEqual(doc["findings"], [])
        logs_entry = sources(doc)["system_logs"]
        self.assertEqual((logs_entry["status"], logs_entry["reason"], logs_entry["rows"]), ("hidden", HIDDEN, 0))
        gap = [d for d in doc["detectors"] if d["name"] == "logging_gap"][0]
        self.assertEqual(gap["status"], "skipped")
        self.assertIn(HIDDEN, gap["reason"])
        self.assertEqual(run.err.splitlines()[-1],
                         "tlrecon: error: the findings leave out tables it could not read: system_logs hidden by "
                         "row-level security: connect as a role with BYPASSRLS, e.g. service_role")
        text = tlrecon("check", *WINDOW, env=env)
        self.assertEqual(text.code, 3, text.err)
        self.assertEqual(len([l for l in text.err.splitlines() if l.startswith("tlrecon: error:")]), 1)
        # Only check fails on it; the snapshot keeps the status, and check --from it fails the same way.
        run, snap, tables = self.snapshot(env)
        self.assertIn("system_logs: hidden (" + HIDDEN + ")", run.out)
        self.assertEqual((tables["system_logs"]["status"], tables["system_logs"]["reason"]), ("hidden", HIDDEN))
        again = tlrecon("check", "--format", "json", "--from", snap)
        self.assertEqual(again.code, 3, again.err)
        self.assertEqual(again.json()["sources"], doc["sources"])
        # The superuser of the test server reads it.
        self.assertEqual(tlrecon("check", *WINDOW, env={"PGDATABASE": DB}).code, 0)

    def test_a_select_policy_for_the_role_reads_filtered_rows_and_says_so(self):
        worker("w-live", "2025-10-16 17:10+00", heartbeat="2025-10-16 17:40+00")
        worker("w-gone", "2025-10-16 17:20+00", status="terminated", terminated_at="2025-10-16T17:30:00+00:00")
        logs("orchestrator_gpu", "gpu-orch", "2025-10-16 15:00+00", "2025-10-16 18:00+00",
             message="Spawning 1 workers")
        # The Reigh policies: workers readable by authenticated, tasks by service_role only (plus a
        # restrictive policy, which alone lets nothing through), system_logs by nobody.
        psql("CREATE ROLE tlrecon_authenticated NOLOGIN;"
             "ALTER TABLE workers ENABLE ROW LEVEL SECURITY; ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;"
             "ALTER TABLE system_logs ENABLE ROW LEVEL SECURITY;"
             "CREATE POLICY \"Authenticated users can view workers\" ON workers FOR SELECT "
             "TO tlrecon_authenticated USING (status <> 'terminated');"
             "CREATE ROLE tlrecon_service NOLOGIN;"
             "CREATE POLICY \"Service role can manage all tasks\" ON tasks FOR ALL TO tlrecon_service "
             "USING (true) WITH CHECK (true);"
             "CREATE POLICY narrow ON tasks AS RESTRICTIVE FOR SELECT TO tlrecon_authenticated USING (true)")
        self.login("tlrecon_reader", "IN ROLE tlrecon_authenticated")
        env = self.as_role("tlrecon_reader")
        run, _, tables = self.snapshot(env)
        self.assertIn("  workers: 1 rows (" + FILTERED + ")\n", run.out)
        self.assertEqual(tables["workers"]["notes"], [FILTERED])
        self.assertEqual(tables["workers"]["rows"], 1)
        self.assertEqual((tables["tasks"]["status"], tables["system_logs"]["status"]), ("hidden", "hidden"))
        check = tlrecon("check", "--format", "json", *WINDOW, env=env)
        self.assertEqual(check.code, 3, check.err)
        self.assertEqual(check.err.splitlines()[-1],
                         "tlrecon: error: the findings leave out tables it could not read: tasks hidden by "
                         "row-level security, system_logs hidden by row-level security: connect as a role with "
                         "BYPASSRLS, e.g. service_role")

    def test_the_owner_and_a_bypassrls_role_read_normally_unless_forced(self):
        logs("orchestrator_gpu", "gpu-orch", "2025-10-16 15:00+00", "2025-10-16 18:00+00")
        worker("w-live", "2025-10-16 17:10+00")
        self.login("tlrecon_owner")
        self.login("tlrecon_service", "BYPASSRLS")
        for table in ("workers", "tasks", "system_logs"):
            psql(f"ALTER TABLE {table} OWNER TO tlrecon_owner; ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        superuser = tlrecon("check", "--format", "json", *WINDOW, env={"PGDATABASE": DB})
        for role in ("tlrecon_owner", "tlrecon_service"):
            with self.subTest(role=role):
                _, _, tables = self.snapshot(self.as_role(role), name=role)
                self.assertEqual({t: (e["status"], e.get("notes")) for t, e in tables.items() if t in
                                  ("workers", "tasks", "system_logs")},
                                 {"workers": ("ok", None), "tasks": ("ok", None), "system_logs": ("ok", None)})
                run = tlrecon("check", "--format", "json", *WINDOW, env=self.as_role(role))
                self.assertEqual((run.code, run.json()["findings"]), (superuser.code, superuser.json()["findings"]))
        # FORCE ROW LEVEL SECURITY subjects the owner to it; BYPASSRLS still bypasses it.
        psql("ALTER TABLE system_logs FORCE ROW LEVEL SECURITY")
        owner = tlrecon("check", "--format", "json", *WINDOW, env=self.as_role("tlrecon_owner"))
        self.assertEqual(owner.code, 3, owner.err)
        self.assertEqual(sources(owner.json())["system_logs"]["status"], "hidden")
        service = tlrecon("check", "--format", "json", *WINDOW, env=self.as_role("tlrecon_service"))
        self.assertEqual(sources(service.json())["system_logs"]["status"], "ok")

    # ------------------------------------------------------------ retention

    def test_the_oldest_kept_log_is_known_and_kept_in_the_snapshot(self):
        # The retention job has deleted everything before 17:20, inside the window.
        logs("orchestrator_gpu", "gpu-orch", "2025-10-16 17:20:00.25+00", "2025-10-16 18:30+00")
        _, snap, tables = self.snapshot({"PGDATABASE": DB})
        self.assertEqual(tables["system_logs"]["kept_since"], "2025-10-16T17:20:00.250Z")
        self.assertNotIn("kept_since", tables["workers"])
        # The snapshot of a day whose logs are all gone says so: null, not absent.
        psql("DELETE FROM system_logs")
        _, _, tables = self.snapshot({"PGDATABASE": DB}, name="empty")
        self.assertIsNone(tables["system_logs"]["kept_since"])
        # The query is one probe of the time index, the real schema's (timestamp DESC) too.
        logs("orchestrator_gpu", "gpu-orch", "2025-10-16 00:00+00", "2025-10-16 18:30+00", every="1 second")
        psql("ANALYZE system_logs")
        oldest = "SELECT min(\"timestamp\") FROM system_logs WHERE \"timestamp\" > '-infinity'"
        self.assertIn('"Index Name": "system_logs_timestamp_idx"', psql("EXPLAIN (FORMAT JSON) " + oldest))
        psql("DROP INDEX system_logs_timestamp_idx;"
             "CREATE INDEX idx_system_logs_timestamp ON system_logs (\"timestamp\" DESC)")
        plan = psql("EXPLAIN (FORMAT JSON) " + oldest)
        self.assertIn('"Index Name": "idx_system_logs_timestamp"', plan)
        self.assertIn('"Node Type": "Limit"', plan)

    # ------------------------------------------------------------ reading enough of the past

    def test_a_worker_created_days_before_the_window_is_read(self):
        logs("orchestrator_gpu", "gpu-orch", "2025-10-16 15:00+00", "2025-10-16 18:00+00")
        # Created three days before, terminated inside the window by the orchestrator.
        worker("w-old", "2025-10-13 16:00+00", status="terminated", heartbeat="2025-10-16 17:24+00",
               promoted_to_active_at="2025-10-13T16:03:00.000000+00:00",
               terminated_at="2025-10-16T17:25:00.100000+00:00")
        # Never ended, however old: read.
        worker("w-forever", "2025-09-01 00:00+00", heartbeat="2025-10-16 17:30+00")
        # Ended before the window: not read.
        worker("w-ended", "2025-10-12 10:00+00", status="terminated", terminated_at="2025-10-15T10:00:00+00:00")
        worker("w-failed", "2025-10-12 10:00+00", status="error", error_time="2025-10-16T16:59:59.9Z",
               terminated_at="2025-10-16T17:30:00+00:00")
        # Ended within the second the window begins: the server cannot tell, the decoder can.
        worker("w-edge", "2025-10-12 10:00+00", status="error", error_time="2025-10-16T17:00:00.2Z")
        # Metadata no cast could read must not fail the query: not ended, read.
        worker("w-garbled", "2025-10-10 10:00+00", status="terminated", terminated_at="2025-02-30T10:00:00+00:00",
               error_time="not a time")
        psql("UPDATE workers SET metadata = metadata || '{\"terminated_at\": {\"nested\": 1}}' WHERE id = 'w-forever'")
        live = tlrecon("timeline", "--format", "jsonl", *WINDOW, env={"PGDATABASE": DB})
        self.assertEqual(live.code, 0, live.err)
        shown = [(e["time"], e["type"], e["key"]) for e in events(live) if e["table"] == "workers"]
        self.assertEqual(shown, [("2025-10-16T17:00:00.200Z", "worker_error", "w-edge"),
                                 ("2025-10-16T17:24:00Z", "worker_last_heartbeat", "w-old"),
                                 ("2025-10-16T17:25:00.100Z", "worker_terminated", "w-old"),
                                 ("2025-10-16T17:30:00Z", "worker_last_heartbeat", "w-forever")])
        _, snap, tables = self.snapshot({"PGDATABASE": DB})
        self.assertEqual(tables["workers"]["rows"], 4)
        self.assertIn("far_back_query", tables["workers"])
        saved = tlrecon("timeline", "--format", "jsonl", "--from", snap)
        self.assertEqual(saved.out, live.out)
        # A window inside the snapshot shows what the database shows for it (the snapshot holds
        # more log lines before such a window, so only the counts of context rows differ).
        for since in ("2025-10-16T17:26:00Z", "2025-10-16T17:00:00.5Z"):
            narrow = tlrecon("timeline", "--format", "jsonl", "--since", since, "--until", UNTIL, "--from", snap)
            direct = tlrecon("timeline", "--format", "jsonl", "--since", since, "--until", UNTIL,
                             env={"PGDATABASE": DB})
            self.assertEqual(events(narrow), events(direct))
            self.assertEqual(sources(json.loads(narrow.out.splitlines()[-1]))["workers"],
                             sources(json.loads(direct.out.splitlines()[-1]))["workers"])

    def test_an_orchestrator_silent_since_hours_before_the_window_has_a_gap_from_its_last_log(self):
        # gpu-a logged until 11:00, six hours before the window; the workers kept logging, and one
        # more was created inside the window.
        logs("orchestrator_gpu", "gpu-a", "2025-10-16 05:00+00", "2025-10-16 11:00+00")
        logs("worker", "w-1", "2025-10-16 05:00+00", "2025-10-16 18:00+00", every="1 minute", message="heartbeat")
        worker("w-1", "2025-10-16 04:50+00", heartbeat="2025-10-16 17:59+00")
        worker("w-2", "2025-10-16 17:30+00")

        def gaps(*extra, env={"PGDATABASE": DB}):
            run = tlrecon("check", "--format", "json", *WINDOW, *extra, env=env)
            self.assertIn(run.code, (0, 1), run.err)
            return [(f["entities"], f["start"], f["open"]) for f in kinds(run.json(), "logging_gap")]

        self.assertEqual(gaps(), [(["gpu-a"], "2025-10-16T11:00:00Z", True)])
        # The same through the real schema's index on (source_type, source_id, timestamp).
        psql("CREATE INDEX idx_system_logs_source ON system_logs (source_type, source_id, \"timestamp\" DESC)")
        self.assertEqual(gaps(), [(["gpu-a"], "2025-10-16T11:00:00Z", True)])
        _, snap, tables = self.snapshot({"PGDATABASE": DB})
        self.assertIn("'orchestrator_gpu'", tables["system_logs"]["far_back_query"])
        self.assertNotIn("'worker'", tables["system_logs"]["far_back_query"])
        saved = tlrecon("check", "--format", "json", "--from", snap)
        self.assertEqual([(f["entities"], f["start"]) for f in kinds(saved.json(), "logging_gap")],
                         [(["gpu-a"], "2025-10-16T11:00:00Z")])
        # log_lookback, when a mapping sets it, bounds the search: gpu-a is not found 6 hours back.
        mapping = os.path.join(self.tmp, "mapping.json")
        with open(mapping, "w") as f:
            json.dump({"thresholds": {"log_lookback": "4h"}}, f)
        self.assertNotIn(["gpu-a"], [entities for entities, _, _ in gaps("--config", mapping)])

    def test_a_narrower_window_of_a_snapshot_finds_far_back_what_the_database_finds(self):
        # gpu-a stops at 11:00; gpu-b (another type) at 12:00 and a successor of the same type
        # takes over at 12:05, so only gpu-a's type has no log in the two hours before 17:00.
        logs("orchestrator_gpu", "gpu-a", "2025-10-16 09:00+00", "2025-10-16 11:00+00")
        logs("orchestrator_api", "api-b", "2025-10-16 09:00+00", "2025-10-16 12:00+00")
        logs("orchestrator_api", "api-c", "2025-10-16 12:05+00", "2025-10-16 18:00+00")
        logs("worker", "w-1", "2025-10-16 09:00+00", "2025-10-16 18:00+00", every="1 minute", message="heartbeat")
        worker("w-1", "2025-10-16 08:50+00", heartbeat="2025-10-16 17:59+00")
        worker("w-2", "2025-10-16 17:30+00")
        snap = os.path.join(self.tmp, "wide")
        run = tlrecon("snapshot", "--out", snap, "--since", "2025-10-16T10:00:00Z", "--until", UNTIL,
                      env={"PGDATABASE": DB})
        self.assertEqual(run.code, 0, run.err)
        for since in (SINCE, "2025-10-16T12:30:00Z", "2025-10-16T10:30:00Z"):
            with self.subTest(since=since):
                window = ["--since", since, "--until", UNTIL]
                direct = tlrecon("check", "--format", "json", *window, env={"PGDATABASE": DB}).json()
                narrow = tlrecon("check", "--format", "json", *window, "--from", snap).json()
                self.assertEqual(narrow["findings"], direct["findings"])
                # Six hours before 17:00, gpu-a's silence is still found; api-b's hand-over to
                # api-c is no gap at 17:00 (api-c logs in the two hours before it).
                gaps = [(f["entities"], f["start"]) for f in kinds(narrow, "logging_gap")]
                self.assertIn((["gpu-a"], "2025-10-16T11:00:00Z"), gaps)

    # ------------------------------------------------------------ check reads workers' lines without messages

    def test_check_quotes_the_worker_lines_it_cites_as_the_snapshot_does(self):
        # check asks for the window's worker lines without their message (most of the bytes) and
        # fetches the few its findings cite, on the same snapshot: the output is the snapshot's,
        # whether the worker types are listed from the table's statistics or from the real
        # schema's index on source_type, or not listed at all.
        logs("orchestrator_gpu", "gpu-a", "2025-10-16 16:00+00", "2025-10-16 18:00+00")
        worker("w-gap", "2025-10-16 16:50+00", heartbeat="2025-10-16 17:40+00")
        worker("w-anon", "2025-10-16 16:50+00", heartbeat="2025-10-16 17:30+00")
        silent_worker_logs()
        # No source_id: the worker_id names the worker; a message with quotes and a backslash.
        psql("INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message, worker_id) "
             "SELECT md5('a' || t::text)::uuid, t, 'worker', NULL, 'INFO', 'step ' || to_char(t, 'HH24:MI:SS') "
             "|| ' of w-anon, \"quoted\" \\ and ''apostrophe''', 'w-anon' FROM generate_series("
             "'2025-10-16 16:55:01+00'::timestamptz, '2025-10-16 17:30+00', interval '30 seconds') t")
        # The level is withheld with the message: the first line after the silence is a
        # warning. worker_id comes as NULL where it is the source_id, and '' where it is NULL
        # or '': lines of w-gap with another worker_id, none, and an empty one.
        psql("UPDATE system_logs SET log_level = 'WARNING' WHERE source_id = 'w-gap' "
             "AND \"timestamp\" = '2025-10-16 17:30+00'")
        psql("INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message, worker_id) "
             "VALUES (md5('o1')::uuid, '2025-10-16 16:56:10+00', 'worker', 'w-gap', 'INFO', 'names w-anon', 'w-anon'), "
             "(md5('o2')::uuid, '2025-10-16 16:56:20+00', 'worker', 'w-gap', 'INFO', 'names nobody', NULL), "
             "(md5('o3')::uuid, '2025-10-16 16:56:40+00', 'worker', 'w-gap', 'INFO', 'names nothing', '')")
        _, snap, _ = self.snapshot({"PGDATABASE": DB})
        saved = tlrecon("check", "--format", "json", "--from", snap)
        self.assertIn(saved.code, (0, 1), saved.err)
        cited = json.dumps(saved.json()["findings"])
        for line in ("INFO step 17:09:30 of w-gap", "WARNING step 17:30:00 of w-gap", "INFO step 17:40:00 of w-gap",
                     "INFO step 17:29:31 of w-anon"):
            self.assertIn(line, cited)

        def direct():
            run = tlrecon("check", "--format", "json", *WINDOW, env={"PGDATABASE": DB})
            self.assertEqual(run.code, saved.code, run.err)
            return run.json()["findings"]

        for how in ("no statistics, no index", "statistics", "index"):
            with self.subTest(listed_by=how):
                if how == "statistics":
                    psql("ANALYZE system_logs")
                    self.assertIn("worker", psql("SELECT most_common_vals::text FROM pg_stats "
                                                 "WHERE tablename = 'system_logs' AND attname = 'source_type'"))
                if how == "index":
                    psql("CREATE INDEX idx_system_logs_source ON system_logs "
                         "(source_type, source_id, \"timestamp\" DESC)")
                self.assertEqual(direct(), saved.json()["findings"])
        # Where tlrecon and the server could disagree on which lines lost their message (a
        # character(n) type, whose text drops the padding; a key that may be NULL), check reads
        # every message, and still says what the snapshot says.
        psql("ALTER TABLE system_logs ALTER COLUMN source_type TYPE character(20)")
        psql("ANALYZE system_logs")
        mapping = os.path.join(self.tmp, "padded.json")
        with open(mapping, "w") as f:
            json.dump({"patterns": {"worker_source": "^worker *$"}}, f)
        _, padded, _ = self.snapshot({"PGDATABASE": DB}, name="padded")
        padded_findings = tlrecon("check", "--format", "json", "--config", mapping, "--from", padded).json()["findings"]
        self.assertIn("step 17:09:30 of w-gap", json.dumps(padded_findings))
        run = tlrecon("check", "--format", "json", "--config", mapping, *WINDOW, env={"PGDATABASE": DB})
        self.assertEqual(run.json()["findings"], padded_findings)
        psql("ALTER TABLE system_logs ALTER COLUMN source_type TYPE text")
        psql("ALTER TABLE system_logs DROP CONSTRAINT system_logs_pkey, ALTER COLUMN id TYPE text, "
             "ALTER COLUMN id DROP NOT NULL; CREATE INDEX ON system_logs (id); ANALYZE system_logs")
        self.assertEqual(direct(), saved.json()["findings"])
        # w-gap's last line, the one worker_lost quotes, with no key at all.
        psql("UPDATE system_logs SET id = NULL WHERE source_id = 'w-gap' AND \"timestamp\" = '2025-10-16 17:40+00'")
        _, keyless, _ = self.snapshot({"PGDATABASE": DB}, name="keyless")
        keyless_findings = tlrecon("check", "--format", "json", "--from", keyless).json()["findings"]
        self.assertIn("step 17:40:00 of w-gap", json.dumps(keyless_findings))
        self.assertEqual(direct(), keyless_findings)

    def test_report_reads_each_workers_last_line_again_as_the_snapshot_has_it(self):
        # report reads every line whole, but keeps a worker's last line without its message and
        # ids while the logs stream (3,000 of them on a fleet's day), and reads those again at the
        # end, on the same snapshot: its timeline's last lines are the snapshot's, message,
        # task_id and worker_id, whether the worker types are listed or not.
        logs("orchestrator_gpu", "gpu-a", "2025-10-16 16:00+00", "2025-10-16 18:00+00")
        worker("w-ok", "2025-10-16 16:50+00", heartbeat="2025-10-16 17:59+00")
        worker("w-gap", "2025-10-16 16:50+00", heartbeat="2025-10-16 17:40+00")
        psql("INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message, task_id, "
             "worker_id) SELECT md5('o' || t::text)::uuid, t, 'worker', 'w-ok', 'INFO', 'step ' || "
             "to_char(t, 'HH24:MI:SS') || ' of w-ok, \"quoted\" \\ and ''apostrophe''', md5('t' || t::text)::uuid, "
             "'w-ok' FROM generate_series('2025-10-16 16:55+00'::timestamptz, '2025-10-16 17:59:40+00', "
             "interval '20 seconds') t")
        silent_worker_logs()
        _, snap, _ = self.snapshot({"PGDATABASE": DB})
        saved = tlrecon("report", "--format", "json", "--from", snap)
        self.assertIn(saved.code, (0, 1), saved.err)
        last = [e for e in saved.json()["timeline"] if e.get("message", "").startswith("step 17:59:40 of w-ok")]
        self.assertEqual(len(last), 1, "w-ok's last line is in the timeline")
        self.assertEqual(last[0]["worker_id"], "w-ok")
        self.assertTrue(last[0]["task_id"])

        def same_as_saved():
            run = tlrecon("report", "--format", "json", *WINDOW, env={"PGDATABASE": DB})
            self.assertEqual(run.code, saved.code, run.err)
            for part in ("findings", "timeline", "activity"):
                self.assertEqual(run.json()[part], saved.json()[part], part)

        for how in ("no statistics, no index", "statistics", "index"):
            with self.subTest(listed_by=how):
                if how == "statistics":
                    psql("ANALYZE system_logs")
                if how == "index":
                    psql("CREATE INDEX idx_system_logs_source ON system_logs "
                         "(source_type, source_id, \"timestamp\" DESC)")
                same_as_saved()
        # A character(n) worker_id: its ::text would drop the padding the window's read keeps, so
        # the report keeps the last lines whole there, and still says what its snapshot says.
        psql("ALTER TABLE system_logs ALTER COLUMN worker_id TYPE character(12); ANALYZE system_logs")
        _, snap, _ = self.snapshot({"PGDATABASE": DB}, name="padded")
        saved = tlrecon("report", "--format", "json", "--from", snap)
        self.assertIn('"worker_id": "w-ok        "', saved.out)
        same_as_saved()


if __name__ == "__main__":
    main()
