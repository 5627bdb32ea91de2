"""A snapshot is evidence: its manifest says where the rows came from (server,
database, role, point in the WAL, never a password), `snapshot` prints the
manifest's SHA-256 for the incident ticket, and `tlrecon verify` re-checks every
file later. The PostgreSQL part uses the server scripts/test.sh starts."""
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from common import ORCH, ROOT, WORKFLOWS, main, require_postgres, tlrecon

HERE = os.path.dirname(os.path.abspath(__file__))
FORMAT_1 = os.path.join(HERE, "fixtures", "snapshot-format-1")
SAMPLES = [os.path.join(ROOT, "sample_data", name) for name in sorted(os.listdir(os.path.join(ROOT, "sample_data")))
           if name != "src"]
DB = "tlrecon_e2e_evidence"
WINDOW = ["--since", "2025-10-16T10:55:00Z", "--until", "2025-10-16T18:02:00Z"]


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def psql(sql, db=DB):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-tAc", sql],
                          capture_output=True, text=True, check=True).stdout.strip()



class Verify(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def copy(self, src):
        dst = os.path.join(self.tmp, os.path.basename(src))
        shutil.copytree(src, dst)
        return dst

    def test_every_bundled_snapshot_and_old_format_verifies(self):
        for snap in SAMPLES + [FORMAT_1]:
            with self.subTest(snapshot=snap):
                run = tlrecon("verify", snap)
                self.assertEqual(run.code, 0, run.err)
                self.assertEqual(run.err, "")
                lines = run.out.splitlines()
                self.assertRegex(lines[0], r"^%s: \d+ files match manifest.json$" % re.escape(snap))
                self.assertEqual(lines[1], "manifest sha256 " + sha256_of(os.path.join(snap, "manifest.json")))
                digest = lines[1].split()[-1]
                self.assertEqual(tlrecon("verify", snap, "--expect", digest.upper()).code, 0)

    def test_an_altered_csv_is_named(self):
        snap = self.copy(ORCH)
        path = os.path.join(snap, "workers.csv")
        with open(path, "a") as f:
            f.write("\n")
        run = tlrecon("verify", snap)
        self.assertEqual(run.code, 3)
        self.assertEqual(run.out, "")
        self.assertEqual(run.err, "tlrecon: error: snapshot '%s' is altered: '%s' does not match its SHA-256 in "
                                  "manifest.json; the evidence is not what was taken: use an unaltered copy\n"
                         % (snap, path))

    def test_a_missing_csv_is_named(self):
        snap = self.copy(WORKFLOWS)
        path = os.path.join(snap, "workflow_executions.csv")
        os.unlink(path)
        run = tlrecon("verify", snap)
        self.assertEqual(run.code, 3)
        self.assertIn("'%s' is missing" % path, run.err)
        self.assertEqual(len(run.err.splitlines()), 1)

    def test_an_altered_manifest_is_caught(self):
        snap = self.copy(ORCH)
        manifest = os.path.join(snap, "manifest.json")
        recorded = sha256_of(manifest)
        with open(manifest) as f:
            doc = json.load(f)
        logs = [t for t in doc["tables"] if t["table"] == "system_logs"][0]
        logs["rows"] -= 1  # a row "removed" from the record
        with open(manifest, "w") as f:
            json.dump(doc, f, indent=2)
        run = tlrecon("verify", snap)
        self.assertEqual(run.code, 3)
        self.assertIn("'%s' has %d rows, manifest.json says %d" % (os.path.join(snap, "system_logs.csv"),
                                                                  logs["rows"] + 1, logs["rows"]), run.err)
        # A manifest edit the files cannot show is caught by the hash in the ticket.
        doc["tables"] = [t for t in doc["tables"] if t["table"] != "system_logs"]
        with open(manifest, "w") as f:
            json.dump(doc, f, indent=2)
        self.assertEqual(tlrecon("verify", snap).code, 0)
        run = tlrecon("verify", snap, "--expect", recorded)
        self.assertEqual(run.code, 3)
        self.assertEqual(run.err, "tlrecon: error: snapshot '%s': manifest.json's SHA-256 is %s, not %s: the manifest "
                                  "was altered since it was recorded; use an unaltered copy of the evidence\n"
                         % (snap, sha256_of(manifest), recorded))

    def test_usage(self):
        self.assertEqual(tlrecon("verify").code, 2)
        run = tlrecon("verify", ORCH, "--expect", "abc")
        self.assertEqual(run.code, 2)
        self.assertIn("--expect: 'abc' is not a SHA-256", run.err)
        run = tlrecon("verify", os.path.join(ROOT, "sample_data"))
        self.assertEqual(run.code, 3)
        self.assertIn("manifest.json is missing; give one directory written by tlrecon snapshot", run.err)


class Provenance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_postgres()
        subprocess.run(["dropdb", "--if-exists", DB], check=True)
        subprocess.run([os.path.join(ROOT, "scripts", "load_sample.sh"), "orchestrator-2025-10-16", DB], check=True)
        psql("DROP ROLE IF EXISTS tlrecon_evidence; CREATE ROLE tlrecon_evidence LOGIN PASSWORD 'Ev1dencePw';"
             "GRANT SELECT ON ALL TABLES IN SCHEMA public TO tlrecon_evidence;")

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["dropdb", "--if-exists", DB])
        subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", "DROP ROLE IF EXISTS tlrecon_evidence"])

    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def snapshot(self, *dsn, env=None):
        out = os.path.join(self.tmp, "snap")
        run = tlrecon("snapshot", *dsn, "--out", out, *WINDOW, env=env)
        self.assertEqual(run.code, 0, run.err)
        with open(os.path.join(out, "manifest.json")) as f:
            return out, run, json.load(f)

    def test_the_manifest_says_where_the_rows_came_from(self):
        host = os.environ.get("PGHOST", "localhost")
        port = os.environ.get("PGPORT", "5432")
        dsn = f"host={host} port={port} dbname={DB} user=tlrecon_evidence password=Ev1dencePw"
        out, run, doc = self.snapshot("--dsn", dsn)
        source = doc["source"]
        self.assertEqual(list(source), ["kind", "host", "port", "database", "server_version", "system_identifier",
                                        "current_user", "session_user", "in_recovery", "wal_lsn"])
        self.assertEqual(source["kind"], "postgresql")
        self.assertEqual(source["host"], host)
        self.assertEqual(source["port"], port)
        self.assertEqual(source["database"], DB)
        self.assertEqual(source["server_version"], psql("SHOW server_version"))
        self.assertEqual((source["current_user"], source["session_user"]), ("tlrecon_evidence", "tlrecon_evidence"))
        self.assertIs(source["in_recovery"], False)
        self.assertRegex(source["wal_lsn"], r"^[0-9A-F]+/[0-9A-F]+$")
        self.assertEqual(source["system_identifier"], psql("SELECT system_identifier FROM pg_control_system()"))
        # No password anywhere in the evidence.
        for name in os.listdir(out):
            with open(os.path.join(out, name), encoding="utf-8") as f:
                self.assertNotIn("Ev1dencePw", f.read(), name)
        self.assertNotIn("Ev1dencePw", run.out + run.err)

    def test_a_role_that_may_not_read_the_control_file_says_why(self):
        # The function is per database: revoked here only, in a database the test drops.
        psql("REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC")
        try:
            _, _, doc = self.snapshot(env={"PGDATABASE": DB, "PGUSER": "tlrecon_evidence",
                                           "PGPASSWORD": "Ev1dencePw"})
        finally:
            psql("GRANT EXECUTE ON FUNCTION pg_control_system() TO PUBLIC")
        source = doc["source"]
        self.assertIsNone(source["system_identifier"])
        self.assertEqual(source["system_identifier_reason"],
                         "role tlrecon_evidence may not execute pg_control_system()")
        self.assertEqual(list(source)[5:7], ["system_identifier", "system_identifier_reason"])

    def test_a_superuser_records_the_system_identifier(self):
        _, _, doc = self.snapshot(env={"PGDATABASE": DB})
        source = doc["source"]
        self.assertEqual(source["system_identifier"], psql("SELECT system_identifier FROM pg_control_system()"))
        self.assertNotIn("system_identifier_reason", source)
        self.assertEqual(source["current_user"], os.environ.get("PGUSER", source["current_user"]))
        # The WAL position was read at the snapshot: not after what the server has now.
        lsn = psql(f"SELECT pg_current_wal_lsn() >= '{source['wal_lsn']}'::pg_lsn")
        self.assertEqual(lsn, "t")

    def test_snapshot_prints_the_hash_verify_prints(self):
        out, run, _ = self.snapshot(env={"PGDATABASE": DB})
        last = run.out.splitlines()[-1]
        digest = sha256_of(os.path.join(out, "manifest.json"))
        self.assertEqual(last, "manifest sha256 " + digest)
        sha256sum = subprocess.run(["sha256sum", os.path.join(out, "manifest.json")], capture_output=True,
                                   text=True, check=True).stdout.split()[0]
        self.assertEqual(sha256sum, digest)
        verify = tlrecon("verify", out, "--expect", digest)
        self.assertEqual(verify.code, 0, verify.err)
        self.assertEqual(verify.out, "%s: 3 files match manifest.json\nmanifest sha256 %s\n" % (out, digest))
        # The snapshot still reads like the bundled one.
        live = tlrecon("check", "--format", "json", "--from", out)
        saved = tlrecon("check", "--format", "json", "--from", ORCH)
        self.assertEqual(live.json(), saved.json())


if __name__ == "__main__":
    main()
