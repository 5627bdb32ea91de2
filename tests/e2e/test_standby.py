"""Against a real hot standby, where forensics usually reads: the same findings
as from the primary once replay has caught up, and a read cancelled by a
recovery conflict (the primary deleting and vacuuming the rows being read)
is one line with what to do, exit 3. scripts/test.sh starts the standby
(scripts/standby.sh) and exports TLRECON_STANDBY_PORT; without it, this test
starts its own."""
import json
import os
import subprocess
import time
import unittest

from common import ROOT, TLRECON, main, require_postgres, tlrecon

DB = "tlrecon_e2e_standby"
CONFLICT_DB = "tlrecon_e2e_conflict"
SLOW_DB = "tlrecon_e2e_slow_reader"
WINDOW = ["--since", "2025-10-16T10:55:00Z", "--until", "2025-10-16T18:02:00Z"]
STANDBY_SH = os.path.join(ROOT, "scripts", "standby.sh")
HINT = (" (on a read replica: turn on hot_standby_feedback or raise max_standby_streaming_delay, "
        "or take a snapshot of the window and read that)")


def psql(sql, db="postgres", port=None):
    env = dict(os.environ, **({"PGPORT": port} if port else {}))
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-tAc", sql],
                          capture_output=True, text=True, check=True, env=env).stdout.strip()



def new_gpu_database(db):
    """An empty database on the primary with the orchestrator's tables."""
    subprocess.run(["createdb", db], check=True)
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f",
                    os.path.join(ROOT, "sample_data", "src", "schema_gpu.sql")], check=True, capture_output=True)


class Standby(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_postgres()
        cls.own_dir = None
        cls.port = os.environ.get("TLRECON_STANDBY_PORT")
        if not cls.port:
            started = subprocess.run([STANDBY_SH, "start"], capture_output=True, text=True)
            if started.returncode != 0:
                raise RuntimeError("scripts/standby.sh start failed:\n" + started.stderr)
            exports = dict(word.split("=", 1) for word in started.stdout.split()[1:])
            cls.port, cls.own_dir = exports["TLRECON_STANDBY_PORT"], exports["TLRECON_STANDBY_DIR"]
        for db in (DB, CONFLICT_DB, SLOW_DB):
            subprocess.run(["dropdb", "--if-exists", db], check=True)
        subprocess.run([os.path.join(ROOT, "scripts", "load_sample.sh"), "orchestrator-2025-10-16", DB], check=True)

    @classmethod
    def tearDownClass(cls):
        for db in (DB, CONFLICT_DB, SLOW_DB):
            subprocess.run(["dropdb", "--if-exists", db])
        if cls.own_dir:
            subprocess.run([STANDBY_SH, "stop", cls.own_dir])

    def standby_env(self, db):
        return {"PGPORT": self.port, "PGDATABASE": db}

    def wait_for_replay(self):
        """Until the standby has replayed everything the primary has written so far."""
        lsn = psql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + 30
        while psql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn", port=self.port) != "t":
            self.assertLess(time.monotonic(), deadline, "the standby did not catch up in 30 s")
            time.sleep(0.05)

    def timeline_on_standby(self, db):
        env = dict(os.environ, **self.standby_env(db))
        return subprocess.Popen([TLRECON, "timeline", "--format", "jsonl", "--since", "2025-10-16T17:00:00Z",
                                 "--until", "2025-10-16T18:00:00Z"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)

    def assert_cancelled_with_the_hint(self, code, out, err):
        self.assertEqual(code, 3, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertEqual(err.count("conflict with recovery"), 1, err)
        self.assertTrue(err.startswith("tlrecon: error: reading system_logs: "), err)
        self.assertTrue(err.endswith(HINT + "\n"), err)
        last = json.loads(out.splitlines()[-1])
        self.assertEqual((last["record"], last["complete"]), ("end", False))

    def test_the_standby_gives_the_primarys_findings(self):
        self.wait_for_replay()
        self.assertEqual(psql("SELECT pg_is_in_recovery()", port=self.port), "t")
        primary = tlrecon("check", "--format", "json", *WINDOW, env={"PGDATABASE": DB})
        standby = tlrecon("check", "--format", "json", *WINDOW, env=self.standby_env(DB))
        self.assertEqual(primary.code, 1, primary.err)
        self.assertEqual(standby.code, 1, standby.err)
        self.assertGreater(len(primary.json()["findings"]), 0)
        self.assertEqual(standby.json()["findings"], primary.json()["findings"])
        self.assertEqual(standby.json()["sources"], primary.json()["sources"])

    def test_a_snapshot_of_the_standby_records_its_replay_position(self):
        self.wait_for_replay()
        out = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tlrecon-standby-snap-%d" % os.getpid())
        try:
            run = tlrecon("snapshot", "--out", out, *WINDOW, env=self.standby_env(DB))
            self.assertEqual(run.code, 0, run.err)
            with open(os.path.join(out, "manifest.json")) as f:
                source = json.load(f)["source"]
            self.assertEqual(source["port"], self.port)
            self.assertIs(source["in_recovery"], True)
            self.assertRegex(source["wal_replay_lsn"], r"^[0-9A-F]+/[0-9A-F]+$")
            self.assertNotIn("wal_lsn", source)
            # The primary's system identifier: a standby is a copy of it.
            self.assertEqual(source["system_identifier"], psql("SELECT system_identifier FROM pg_control_system()"))
        finally:
            subprocess.run(["rm", "-rf", out])

    def test_a_recovery_conflict_is_one_line_with_the_hint(self):
        """A slow read on the standby (a view that sleeps on each row of the window) while the
        primary deletes those rows and vacuums them: replay removes rows the read's snapshot
        still sees, and after max_standby_streaming_delay (1 s) the standby cancels the read."""
        new_gpu_database(CONFLICT_DB)
        psql("INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message) "
             "SELECT md5('l'||i)::uuid, '2025-10-16 17:00:00+00'::timestamptz + i * interval '1 second', "
             "'orchestrator_gpu', 'orch', 'INFO', 'cycle '||i FROM generate_series(0, 999) i;"
             "INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message) VALUES "
             "(md5('before')::uuid, '2025-10-16 16:00:00+00', 'orchestrator_gpu', 'orch', 'INFO', 'before');"
             "ALTER TABLE system_logs RENAME TO real_logs;"
             "CREATE VIEW system_logs AS SELECT * FROM real_logs "
             "WHERE \"timestamp\" < '2025-10-16 17:00:00+00' OR pg_sleep(0.02)::text = ''", db=CONFLICT_DB)
        self.wait_for_replay()
        reader = self.timeline_on_standby(CONFLICT_DB)
        try:
            time.sleep(1.0)  # the read is under way, its snapshot taken
            psql("DELETE FROM real_logs", db=CONFLICT_DB)
            psql("VACUUM real_logs", db=CONFLICT_DB)
            out, err = reader.communicate(timeout=30)
        finally:
            reader.kill()
        self.assert_cancelled_with_the_hint(reader.returncode, out.decode(), err.decode())

    def test_a_slow_consumer_cancelled_by_a_conflict_is_one_line_with_the_hint(self):
        """The same conflict when the reader is slow, not the server: tlrecon's output is read
        a little at a time, so the COPY stays open while the primary deletes and vacuums."""
        new_gpu_database(SLOW_DB)
        psql("INSERT INTO system_logs (id, \"timestamp\", source_type, source_id, log_level, message) "
             "SELECT md5('l'||i)::uuid, '2025-10-16 17:00:00+00'::timestamptz + i * interval '10 ms', "
             "'orchestrator_gpu', 'orch', 'INFO', repeat('x', 100) FROM generate_series(0, 49999) i", db=SLOW_DB)
        self.wait_for_replay()
        reader = self.timeline_on_standby(SLOW_DB)
        try:
            out = b""
            started = time.monotonic()
            conflicted = None
            while True:
                chunk = reader.stdout.read1(16384)
                if not chunk:
                    break
                out += chunk
                now = time.monotonic()
                if conflicted is None and now - started > 1.0:
                    psql("DELETE FROM system_logs", db=SLOW_DB)
                    psql("VACUUM system_logs", db=SLOW_DB)
                    conflicted = time.monotonic()
                self.assertLess(now - started, 60)
                # Slow until the standby has cancelled the read (its 1 s delay, and some), then
                # at full speed through what the socket buffers still hold.
                if conflicted is None or now - conflicted < 2.0:
                    time.sleep(0.01)
            err = reader.stderr.read()
            reader.wait(timeout=30)
            if os.environ.get("TLRECON_TIMINGS"):
                print("conflict %.1fs after the start, ended after %.1fs, %d bytes read"
                      % (conflicted - started, time.monotonic() - started, len(out)))
        finally:
            reader.kill()
            reader.stdout.close()
            reader.stderr.close()
        self.assert_cancelled_with_the_hint(reader.returncode, out.decode(), err.decode())


if __name__ == "__main__":
    main()
