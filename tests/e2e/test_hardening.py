"""Hardening against a real PostgreSQL: never writes, never hangs, faults end
with exit 3 and no output that claims to be complete, secrets stay secret,
bad rows are counted. Each test sets up the database that attacks the tool."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from common import ROOT, TLRECON, main, require_postgres, tlrecon

DB = "tlrecon_e2e_hard"
WINDOW = ["--since", "2025-10-16T17:00:00Z", "--until", "2025-10-16T18:00:00Z"]


def psql(sql, db=DB):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-tAc", sql],
                          capture_output=True, text=True, check=True).stdout.strip()



def load_gpu_schema():
    subprocess.run(["dropdb", "--if-exists", DB], check=True, capture_output=True)
    subprocess.run(["createdb", DB], check=True)
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB, "-f",
                    os.path.join(ROOT, "sample_data", "src", "schema_gpu.sql")], check=True, capture_output=True)


def some_logs(n=50, table="system_logs"):
    psql(f"INSERT INTO {table} (id, \"timestamp\", source_type, source_id, log_level, message, cycle_number) "
         f"SELECT md5('l'||i)::uuid, '2025-10-16 17:00:00+00'::timestamptz + i * interval '30 seconds', "
         f"'orchestrator_gpu', 'orch', 'INFO', 'cycle '||i, i FROM generate_series(1, {n}) i")


def line_before_the_window():
    psql("INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message) VALUES "
         "(md5('before')::uuid, '2025-10-16 16:00:00+00', 'orchestrator_gpu', 'orch', 'INFO', 'before')")


class Hardening(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_postgres()

    def setUp(self):
        load_gpu_schema()
        self.env = {"PGDATABASE": DB}

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["dropdb", "--if-exists", DB], capture_output=True)

    def swap_logs_for_view(self, view_sql):
        """Renames system_logs to real_logs and puts a view in its place."""
        psql("ALTER TABLE system_logs RENAME TO real_logs")
        psql(view_sql)

    def slow_inside_the_window(self, sleep):
        """A system_logs whose rows inside the window each take `sleep` seconds, with one line
        before the window that does not: the probe (which asks for the oldest row) is quick, and
        the read is slow once the output has begun."""
        line_before_the_window()
        self.swap_logs_for_view("CREATE VIEW system_logs AS SELECT * FROM real_logs "
                                f"WHERE \"timestamp\" < '2025-10-16 17:00:00+00' OR pg_sleep({sleep})::text = ''")

    def test_never_writes_even_through_a_view_that_would(self):
        some_logs()
        self.swap_logs_for_view(
            "CREATE TABLE audit (n int);"
            "CREATE FUNCTION sneaky() RETURNS SETOF real_logs LANGUAGE plpgsql VOLATILE AS "
            "$$ BEGIN INSERT INTO audit VALUES (1); RETURN QUERY SELECT * FROM real_logs; END $$;"
            "CREATE VIEW system_logs AS SELECT * FROM sneaky();")
        run = tlrecon("timeline", *WINDOW, env=self.env)
        self.assertEqual(run.code, 3, run.err)
        self.assertIn("read-only transaction", run.err)
        self.assertEqual(len(run.err.splitlines()), 1)
        self.assertEqual(psql("SELECT count(*) FROM audit"), "0")

    def test_statement_timeout(self):
        some_logs()
        self.swap_logs_for_view("CREATE VIEW system_logs AS SELECT * FROM real_logs WHERE pg_sleep(5)::text = ''")
        started = time.monotonic()
        run = tlrecon("check", "--timeout", "1s", *WINDOW, env=self.env)
        self.assertLess(time.monotonic() - started, 4)
        self.assertEqual(run.code, 3)
        self.assertEqual(run.err, "tlrecon: error: finding the oldest row of system_logs: cancelled by the statement "
                                  "timeout (1s); "
                                  "raise it with --timeout or narrow the window\n")

    def test_a_slow_stream_gives_every_row(self):
        # The COPY's reader naps while no whole row has come, then blocks on
        # the socket. The server sends 8 KB at a time: lines of 3 KB, each
        # taking `sleep`, come 1.5 ms apart (during the naps) or 18 ms apart
        # (after them). A reader that took "nothing yet" for the end hangs
        # or stops short.
        def long_lines():
            some_logs(40)
            psql("UPDATE system_logs SET message = message || ' ' || repeat('x', 3000)")
            line_before_the_window()

        long_lines()
        fast = tlrecon("timeline", "--format", "jsonl", *WINDOW, env=self.env)
        self.assertEqual(fast.code, 0, fast.err)
        self.assertEqual(fast.out.count('"type":"log"'), 40)
        for sleep in (0.0005, 0.006):
            with self.subTest(sleep=sleep):
                self.setUp()
                long_lines()
                psql("ALTER TABLE system_logs RENAME TO real_logs")
                psql("CREATE VIEW system_logs AS SELECT * FROM real_logs "
                     f"WHERE \"timestamp\" < '2025-10-16 17:00:00+00' OR pg_sleep({sleep})::text = ''")
                # The time index, not a sort of the slept rows: they stream.
                psql(f"ALTER DATABASE {DB} SET enable_seqscan = off")
                psql(f"ALTER DATABASE {DB} SET enable_bitmapscan = off")
                slow = tlrecon("timeline", "--format", "jsonl", *WINDOW, env=self.env)
                self.assertEqual(slow.code, 0, slow.err)
                self.assertEqual(slow.out, fast.out)

    def test_statement_timeout_while_the_rows_stream(self):
        # The server's error comes after rows did: the read ends with it, not
        # as if the rows had ended.
        some_logs(40)
        self.slow_inside_the_window(0.2)
        started = time.monotonic()
        run = tlrecon("timeline", "--format", "jsonl", "--timeout", "2s", *WINDOW, env=self.env)
        self.assertLess(time.monotonic() - started, 6)
        self.assertEqual(run.code, 3, run.err)
        self.assertEqual(run.err, "tlrecon: error: reading system_logs: cancelled by the statement timeout (2s); "
                                  "raise it with --timeout or narrow the window\n")
        self.assertIn('"complete":false', run.out.splitlines()[-1])

    def test_ctrl_c_cancels_the_query_and_exits_130(self):
        some_logs()
        self.slow_inside_the_window(30)
        env = dict(os.environ, **self.env)
        proc = subprocess.Popen([TLRECON, "timeline", "--format", "jsonl", *WINDOW], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn("interrupted", err)
        last = json.loads(out.splitlines()[-1])
        self.assertEqual((last["record"], last["complete"]), ("end", False))
        # The query is gone from the server, not left running.
        time.sleep(0.5)
        self.assertEqual(psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tlrecon' "
                              "AND state = 'active'"), "0")

    def test_server_gone_mid_stream_is_exit_3_and_incomplete(self):
        some_logs(400)
        self.slow_inside_the_window(0.01)

        def kill():
            time.sleep(1.0)
            psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tlrecon'")

        killer = threading.Thread(target=kill)
        killer.start()
        run = tlrecon("timeline", "--format", "jsonl", *WINDOW, env=self.env)
        killer.join()
        self.assertEqual(run.code, 3, run.err)
        self.assertEqual(len(run.err.splitlines()), 1, run.err)
        self.assertNotIn('"complete":true', run.out)
        self.assertIn('"complete":false', run.out.splitlines()[-1])

    def test_a_server_that_never_answers_times_out(self):
        import socket
        mute = socket.socket()
        mute.bind(("127.0.0.1", 0))
        mute.listen(4)  # accepts the TCP connection, never says a word
        port = mute.getsockname()[1]
        try:
            env = dict(os.environ)
            env.pop("PGCONNECT_TIMEOUT", None)
            started = time.monotonic()
            proc = subprocess.run([TLRECON, "check", "--dsn", f"host=127.0.0.1 port={port} dbname=x", *WINDOW],
                                  capture_output=True, text=True, env=env, timeout=60)
            elapsed = time.monotonic() - started
        finally:
            mute.close()
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertLess(elapsed, 20)  # the default connect timeout is 10 s
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertTrue(proc.stderr.startswith("tlrecon: error: connecting to PostgreSQL: "), proc.stderr)
        self.assertTrue(proc.stderr.endswith(" (check --dsn, PGHOST/PGPORT, and that the server is up)\n"),
                        proc.stderr)

    def test_a_column_of_unexpected_type(self):
        psql("ALTER TABLE system_logs ALTER COLUMN \"timestamp\" TYPE bigint USING 0")
        run = tlrecon("check", *WINDOW, env=self.env)
        self.assertEqual(run.code, 3)
        self.assertEqual(run.err, "tlrecon: error: system_logs.timestamp: column \"timestamp\" is bigint; expected "
                                  "timestamp with time zone (or timestamp, text)\n")

    def test_rows_with_no_time_are_counted_not_dropped(self):
        some_logs(10)
        psql("ALTER TABLE system_logs ALTER COLUMN \"timestamp\" DROP NOT NULL;"
             "INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, message) VALUES "
             "(md5('n1')::uuid, NULL, 'worker', 'w', 'no time'), (md5('n2')::uuid, NULL, 'worker', 'w', 'none')")
        run = tlrecon("check", "--format", "json", *WINDOW, env=self.env)
        logs = [s for s in json.loads(run.out)["sources"] if s["table"] == "system_logs"][0]
        self.assertEqual(logs["rejected"], 2)
        self.assertEqual(logs["rows"], 10)
        self.assertIn("2 rows with no timestamp: they belong to no window", logs["problems"])
        self.assertIn("system_logs: 2 rows could not be placed on the timeline", run.err)
        # A snapshot keeps the count.
        tmp = tempfile.mkdtemp()
        try:
            snap = os.path.join(tmp, "s")
            self.assertEqual(tlrecon("snapshot", "--out", snap, *WINDOW, env=self.env).code, 0)
            again = json.loads(tlrecon("check", "--format", "json", "--from", snap).out)
            self.assertEqual([s["rejected"] for s in again["sources"] if s["table"] == "system_logs"], [2])
        finally:
            shutil.rmtree(tmp)

    def test_passwords_never_appear_in_output_manifest_or_json(self):
        some_logs()
        psql("DROP ROLE IF EXISTS tlrecon_secret; CREATE ROLE tlrecon_secret LOGIN PASSWORD 'Sup3rS3cret';"
             "GRANT SELECT ON ALL TABLES IN SCHEMA public TO tlrecon_secret;")
        tmp = tempfile.mkdtemp()
        try:
            host = os.environ.get("PGHOST", "localhost")
            port = os.environ.get("PGPORT", "5432")
            for dsn in (f"host={host} port={port} dbname={DB} user=tlrecon_secret password=Sup3rS3cret",
                        f"postgresql://tlrecon_secret:Sup3rS3cret@localhost:{port}/{DB}"):
                for args in (["check", "--format", "json"], ["report", "--format", "json"],
                             ["timeline", "--format", "jsonl"], ["report"]):
                    run = tlrecon(*args, "--dsn", dsn, *WINDOW)
                    self.assertIn(run.code, (0, 1), run.err)
                    self.assertNotIn("Sup3rS3cret", run.out + run.err)
            snap = os.path.join(tmp, "s")
            run = tlrecon("snapshot", "--out", snap, *WINDOW,
                          env={"PGDATABASE": DB, "PGUSER": "tlrecon_secret", "PGPASSWORD": "Sup3rS3cret"})
            self.assertEqual(run.code, 0, run.err)
            for name in os.listdir(snap):
                with open(os.path.join(snap, name), encoding="utf-8") as f:
                    self.assertNotIn("Sup3rS3cret", f.read())
            bad = tlrecon("check", "--dsn", f"host={host} port={port} dbname={DB} user=tlrecon_secret "
                                           "password=WrongSup3rS3cret", *WINDOW)
            self.assertEqual(bad.code, 3)
            self.assertNotIn("Sup3rS3cret", bad.err)
        finally:
            shutil.rmtree(tmp)
            psql("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tlrecon_secret; DROP ROLE tlrecon_secret")

    def test_the_password_of_every_dsn_form_is_redacted_from_errors(self):
        """A server error that quotes the password (here a view that raises it) never reaches
        stderr, whichever way libpq was given the password: quoted or escaped key=value,
        percent-encoded URI, a password file, a service file."""
        secret = "Sup3r S3cret@x"
        psql("DROP ROLE IF EXISTS tlrecon_secret; CREATE ROLE tlrecon_secret LOGIN PASSWORD 'Sup3r S3cret@x';"
             "GRANT SELECT ON ALL TABLES IN SCHEMA public TO tlrecon_secret;")
        tmp = tempfile.mkdtemp()
        try:
            self.swap_logs_for_view(
                "CREATE FUNCTION leak() RETURNS SETOF real_logs LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'authentication of % failed', 'Sup3r S3cret@x'; END $$;"
                "CREATE VIEW system_logs AS SELECT * FROM leak();"
                "GRANT SELECT ON system_logs TO tlrecon_secret;")
            host = os.environ.get("PGHOST", "localhost")
            port = os.environ.get("PGPORT", "5432")
            passfile = os.path.join(tmp, "pgpass")
            with open(passfile, "w") as f:
                f.write("*:*:*:tlrecon_secret:Sup3r S3cret@x\n")
            os.chmod(passfile, 0o600)
            services = os.path.join(tmp, "pg_service.conf")
            with open(services, "w") as f:
                f.write(f"[tlrecon]\nhost={host}\nport={port}\ndbname={DB}\nuser=tlrecon_secret\n"
                        f"password={secret}\n")
            base = f"host={host} port={port} dbname={DB} user=tlrecon_secret"
            uri_host = urllib.parse.quote(host, safe="")
            forms = {
                "key=value, quoted": (f"{base} password='Sup3r S3cret@x'", {}),
                "key=value, escaped": (base + " password=Sup3r\\ S3cret@x", {}),
                "URI, percent-encoded": (f"postgresql://tlrecon_secret:Sup3r%20S3cret%40x@/{DB}?host={uri_host}"
                                         f"&port={port}", {}),
                "passfile=": (f"{base} passfile={passfile}", {}),
                "PGPASSFILE": (base, {"PGPASSFILE": passfile}),
                "service=": ("service=tlrecon", {"PGSERVICEFILE": services}),
                "PGSERVICE": ("", {"PGSERVICEFILE": services, "PGSERVICE": "tlrecon", "PGDATABASE": DB}),
            }
            for form, (dsn, extra) in forms.items():
                with self.subTest(form=form):
                    env = {k: v for k, v in os.environ.items() if k not in ("PGPASSWORD", "PGUSER", "PGDATABASE")}
                    env.update(extra)
                    args = [TLRECON, "check", *WINDOW] + (["--dsn", dsn] if dsn else [])
                    run = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
                    self.assertEqual(run.returncode, 3, run.stderr)
                    self.assertIn("authentication of *** failed", run.stderr)
                    self.assertNotIn(secret, run.stdout + run.stderr)
                    self.assertNotIn("Sup3r", run.stdout + run.stderr)
        finally:
            shutil.rmtree(tmp)
            psql("DROP VIEW IF EXISTS system_logs; REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tlrecon_secret;"
                 "DROP ROLE tlrecon_secret")


class Dsn(unittest.TestCase):
    """A DSN libpq cannot parse is a usage error (exit 2) with libpq's reason, and its
    password never shows: no server is needed to tell."""

    HINT = ("; give keyword=value pairs ('host=db dbname=prod user=ro') or a URI "
            "(postgresql://ro@db/prod)\n")

    def refused(self, dsn):
        run = tlrecon("check", "--dsn", dsn, *WINDOW)
        self.assertEqual(run.code, 2, run.err)
        self.assertEqual(run.out, "")
        self.assertNotIn("Hunter2", run.err)
        return run.err

    def test_a_mistyped_uri_shows_no_password(self):
        self.assertEqual(self.refused("postgres:/bob:Hunter2pw@db"),
                         'tlrecon: error: --dsn: not a connection string (missing "=" after "postgres:/***:***@***" '
                         'in connection info string)' + self.HINT)

    def test_libpq_says_why(self):
        cases = {
            "host=db password='Hunter2": "unterminated quoted string in connection info string",
            "postgresql://bob:Hunter2@db/x?nosuch=1": 'invalid URI query parameter: "***"',
            "host=db password=Hunter2 nosuch=1": 'invalid connection option "***"',
            "not a dsn": 'missing "=" after "***" in connection info string',
        }
        for dsn, why in cases.items():
            with self.subTest(dsn=dsn):
                self.assertEqual(self.refused(dsn), "tlrecon: error: --dsn: not a connection string (%s)%s"
                                 % (why, self.HINT))


if __name__ == "__main__":
    main()
