"""End-to-end tests of the binary on the bundled snapshots: no server needed."""
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

from common import ORCH, ROOT, TLRECON, WORKFLOWS, kinds, main, tlrecon
from snapshot_builder import make_snapshot

REDEPLOY = os.path.join(ROOT, "sample_data", "orchestrator-2026-05-redeploy")
SEVERITY_ORDER = ["info", "low", "medium", "high", "critical"]


class OrchestratorIncident(unittest.TestCase):
    """Seeds 000/001: logging dies at 17:35:31 while workers keep appearing."""

    @classmethod
    def setUpClass(cls):
        cls.result = tlrecon("check", "--from", ORCH, "--format", "json")
        cls.doc = cls.result.json()

    def test_check_fails_on_high(self):
        self.assertEqual(self.result.code, 1)

    def test_window_is_the_snapshots(self):
        self.assertEqual(self.doc["window"], {"since": "2025-10-16T10:55:00Z", "until": "2025-10-16T18:02:00Z"})

    def test_exactly_the_orchestrator_gap_open_and_high(self):
        gaps = kinds(self.doc, "logging_gap")
        self.assertEqual(len(gaps), 1, [g["title"] for g in gaps])
        gap = gaps[0]
        self.assertEqual(gap["entities"], ["gpu-orchestrator"])
        self.assertEqual(gap["severity"], "high")
        self.assertEqual(gap["start"], "2025-10-16T17:35:31Z")
        self.assertEqual(gap["end"], "2025-10-16T18:02:00Z")
        self.assertTrue(gap["open"])
        # It cites the last log and the worker lifecycle after it.
        self.assertEqual(gap["evidence"][0]["table"], "system_logs")
        self.assertIn("Cycle completed: {'workers_promoted': 0, 'workers_failed': 0, 'workers_spawned': 0, "
                      "'workers_terminated': 0", gap["evidence"][0]["summary"])
        cited = {(e["table"], e["key"]) for e in gap["evidence"]}
        for worker in ("gpu-20251016_174249-34c67fdd", "gpu-20251016_175506-a6a03b7b",
                       "gpu-20251016_175532-78a04c2b"):
            self.assertIn(("workers", worker), cited)
        self.assertNotIn(("workers", "gpu-20251016_173023-673741fb"), cited)

    def test_unexplained_scale_ups_for_1742_and_1755_not_1730(self):
        ups = kinds(self.doc, "unexplained_scale_up")
        self.assertEqual([u["entities"] for u in ups], [
            ["gpu-20251016_174249-34c67fdd", "gpu-20251016_174252-9356e3ac"],
            ["gpu-20251016_175506-a6a03b7b", "gpu-20251016_175532-78a04c2b"],
        ])
        gap_id = kinds(self.doc, "logging_gap")[0]["id"]
        for u in ups:
            self.assertEqual(u["severity"], "high")
            self.assertIn(gap_id, u["related"])

    def test_findings_are_ordered_most_severe_first(self):
        order = ["critical", "high", "medium", "low", "info"]
        ranks = [order.index(f["severity"]) for f in self.doc["findings"]]
        self.assertEqual(ranks, sorted(ranks))

    def test_missing_tables_and_skipped_detectors_are_listed(self):
        status = {s["table"]: s["status"] for s in self.doc["sources"]}
        self.assertEqual(status, {"workers": "ok", "tasks": "ok", "workflow_decisions": "missing",
                                  "workflow_executions": "missing", "system_logs": "ok"})
        skipped = {d["name"] for d in self.doc["detectors"] if d["status"] == "skipped"}
        self.assertEqual(skipped, {"orphaned_decision", "workflow_failure"})

    def test_fail_on_and_min_severity(self):
        self.assertEqual(tlrecon("check", "--from", ORCH, "--fail-on", "critical").code, 0)
        high = tlrecon("check", "--from", ORCH, "--format", "json", "--min-severity", "high").json()
        self.assertEqual({f["severity"] for f in high["findings"]}, {"high"})

    def test_text_check_names_each_finding(self):
        run = tlrecon("check", "--from", ORCH)
        self.assertEqual(run.code, 1)
        self.assertIn("orchestrator orchestrator_gpu/gpu-orchestrator silent for 26m 29s", run.out)
        self.assertTrue(run.out.rstrip().endswith("3 findings at or above high: fail"))

    def test_same_bytes_twice(self):
        for args in (["check", "--format", "json"], ["timeline", "--format", "jsonl"], ["timeline"]):
            self.assertEqual(tlrecon(*args, "--from", ORCH).out, tlrecon(*args, "--from", ORCH).out)


class OrchestratorIncidentRealLines(unittest.TestCase):
    """Issue 11: the 2025-10-16 sample in the orchestrator's real E1 lines
    (sample_data/src/orchestrator-2025-10-16.sql) must still give what seeds
    000/001 found, and 'Starting orchestrator cycle' (logged every cycle) is
    no restart. Needs the facts catalogue and the regenerated snapshot."""

    @classmethod
    def setUpClass(cls):
        cls.result = tlrecon("check", "--from", ORCH, "--format", "json")
        cls.doc = cls.result.json()

    def test_exactly_one_restart_at_1058_with_the_startup_line(self):
        restarts = kinds(self.doc, "orchestrator_restart")
        self.assertEqual(len(restarts), 1, [(r["start"], r["title"]) for r in restarts[:5]])
        r = restarts[0]
        self.assertEqual(r["severity"], "low")
        self.assertEqual(r["end"], "2025-10-16T10:58:20Z")
        # Same ORCHESTRATOR_INSTANCE_ID before and after: old and new id are one.
        self.assertEqual(r["entities"][0], "gpu-orchestrator")
        self.assertEqual(r["entities"][-1], "gpu-orchestrator")
        self.assertEqual(set(r["entities"]), {"gpu-orchestrator"})
        self.assertTrue(any(e["table"] == "system_logs" and
                            "Database logging enabled: gpu-orchestrator -> Supabase" in e["summary"]
                            for e in r["evidence"]), r["evidence"])

    def test_the_seed_findings_and_nothing_else_at_or_above_medium(self):
        got = sorted((f["kind"], f["severity"], f["start"], tuple(f["entities"])) for f in self.doc["findings"]
                     if SEVERITY_ORDER.index(f["severity"]) >= SEVERITY_ORDER.index("medium"))
        self.assertEqual(got, sorted([
            ("logging_gap", "high", "2025-10-16T17:35:31Z", ("gpu-orchestrator",)),
            ("unexplained_scale_up", "high", "2025-10-16T17:42:49Z",
             ("gpu-20251016_174249-34c67fdd", "gpu-20251016_174252-9356e3ac")),
            ("unexplained_scale_up", "high", "2025-10-16T17:55:06Z",
             ("gpu-20251016_175506-a6a03b7b", "gpu-20251016_175532-78a04c2b")),
            ("worker_never_promoted", "medium", "2025-10-16T17:42:52Z", ("gpu-20251016_174252-9356e3ac",)),
        ]))
        self.assertEqual(self.result.code, 1)

    def test_the_logged_scale_up_of_1730_is_accounted(self):
        for f in self.doc["findings"]:
            if f["kind"] == "unexplained_scale_up":
                self.assertNotIn("gpu-20251016_173023-673741fb", f["entities"])


class RedeployIncident(unittest.TestCase):
    """Issue 11 item 8: sample_data/orchestrator-2026-05-redeploy (source:
    sample_data/src/orchestrator-2026-05-redeploy.sql, whose header tells the
    story). E3 lines and hostname source ids: instance A stops at 09:41:47,
    B starts at 09:44:12 (a redeploy), B's logging dies at 10:52:18 while it
    creates three workers; an external worker appears at 11:18:30; a worker
    launched by hand at 10:21:07 sits beside SCALE-UP SUPPRESSED lines; a
    spawn of 2 at 10:02 fails for the second worker. Needs the C++ side of
    issue 11 and the snapshot (scripts/regen_samples.sh)."""

    A = "orchestrator_gpu-3f9c2b7e41d0"
    B = "orchestrator_gpu-a84e10c5d2f7"
    EXTERNAL = "local-studio-3090"
    MANUAL = "manual-gpu-20260512_102107-5e0c93ab"

    @classmethod
    def setUpClass(cls):
        if not os.path.isfile(os.path.join(REDEPLOY, "manifest.json")):
            raise AssertionError("no snapshot in %s: run scripts/regen_samples.sh" % REDEPLOY)
        cls.result = tlrecon("check", "--from", REDEPLOY, "--format", "json")
        cls.doc = cls.result.json()

    def test_window_sources_and_exit_code(self):
        self.assertEqual(self.doc["window"], {"since": "2026-05-12T08:00:00Z", "until": "2026-05-12T12:00:00Z"})
        status = {s["table"]: s["status"] for s in self.doc["sources"]}
        for table in ("workers", "tasks", "system_logs"):
            self.assertEqual(status[table], "ok")
        self.assertEqual(self.result.code, 1)

    def test_one_restart_naming_old_then_new_instance(self):
        restarts = kinds(self.doc, "orchestrator_restart")
        self.assertEqual(len(restarts), 1, [(r["start"], r["entities"]) for r in restarts[:5]])
        r = restarts[0]
        self.assertEqual(r["entities"], [self.A, self.B])
        self.assertEqual(r["severity"], "low")
        self.assertEqual(r["start"], "2026-05-12T09:41:47Z")
        self.assertEqual(r["end"], "2026-05-12T09:44:12Z")
        self.assertTrue(any(e["table"] == "system_logs" and
                            "Database logging enabled: %s -> Supabase" % self.B in e["summary"]
                            for e in r["evidence"]), r["evidence"])

    def test_the_old_instance_has_no_gap_the_new_one_an_open_high_gap(self):
        gaps = kinds(self.doc, "logging_gap")
        self.assertEqual([g["entities"] for g in gaps], [[self.B]], [g["title"] for g in gaps])
        gap = gaps[0]
        self.assertEqual(gap["severity"], "high")
        self.assertEqual(gap["start"], "2026-05-12T10:52:18Z")
        self.assertEqual(gap["end"], "2026-05-12T12:00:00Z")
        self.assertTrue(gap["open"])
        cited = {(e["table"], e["key"]) for e in gap["evidence"]}
        for worker in ("gpu-20260512_110640-b8d2f615", "gpu-20260512_110705-4e7a03cd",
                       "gpu-20260512_113112-0f9d5b2e"):
            self.assertIn(("workers", worker), cited)

    def test_unexplained_scale_ups(self):
        ups = sorted((u["start"], u["severity"], u["entities"]) for u in kinds(self.doc, "unexplained_scale_up"))
        self.assertEqual(ups, [
            # beside SCALE-UP SUPPRESSED lines only, while B was logging
            ("2026-05-12T10:21:07.482109Z", "medium", [self.MANUAL]),
            # created by B after its logging died
            ("2026-05-12T11:06:40.513207Z", "high", ["gpu-20260512_110640-b8d2f615", "gpu-20260512_110705-4e7a03cd"]),
            ("2026-05-12T11:31:12.884520Z", "high", ["gpu-20260512_113112-0f9d5b2e"]),
        ])
        gap_id = kinds(self.doc, "logging_gap")[0]["id"]
        for u in kinds(self.doc, "unexplained_scale_up"):
            if u["severity"] == "high":
                self.assertIn(gap_id, u["related"])

    def test_the_external_worker_is_in_no_finding(self):
        for f in self.doc["findings"]:
            self.assertNotIn(self.EXTERNAL, f["entities"], (f["kind"], f["title"]))
        self.assertEqual(kinds(self.doc, "worker_never_promoted"), [])

    def test_the_failed_spawn_accounts_for_the_worker_that_came(self):
        for f in self.doc["findings"]:
            self.assertNotIn("gpu-20260512_100215-91f4c7d0", f["entities"], (f["kind"], f["title"]))
            self.assertNotIn("gpu-20260512_100239-c41d7e2a", f["entities"], (f["kind"], f["title"]))

    def test_nothing_else_at_or_above_medium(self):
        got = sorted((f["kind"], tuple(f["entities"])) for f in self.doc["findings"]
                     if SEVERITY_ORDER.index(f["severity"]) >= SEVERITY_ORDER.index("medium"))
        self.assertEqual(got, sorted([
            ("logging_gap", (self.B,)),
            ("unexplained_scale_up", (self.MANUAL,)),
            ("unexplained_scale_up", ("gpu-20260512_110640-b8d2f615", "gpu-20260512_110705-4e7a03cd")),
            ("unexplained_scale_up", ("gpu-20260512_113112-0f9d5b2e",)),
        ]))


class WorkflowIncident(unittest.TestCase):
    """Seed 004: the 1:30 PM ET batch ran referee_discovery only."""

    @classmethod
    def setUpClass(cls):
        cls.result = tlrecon("check", "--from", WORKFLOWS, "--format", "json")
        cls.doc = cls.result.json()

    def test_exactly_the_two_orphaned_decisions(self):
        orphans = kinds(self.doc, "orphaned_decision")
        self.assertEqual(sorted(o["entities"][0] for o in orphans),
                         ["dec-20260120-1830-betting_lines", "dec-20260120-1830-schedule_dependency"])
        for o in orphans:
            self.assertEqual(o["start"], "2026-01-20T18:30:06Z")
            self.assertEqual(o["severity"], "high")
            keys = [e["key"] for e in o["evidence"]]
            self.assertIn("dec-20260120-1830-referee_discovery", keys)

    def test_unrecovered_betting_lines(self):
        unrecovered = kinds(self.doc, "workflow_unrecovered")
        self.assertEqual([u["entities"] for u in unrecovered], [["betting_lines"]])
        self.assertEqual(self.result.code, 1)


class Timeline(unittest.TestCase):
    def test_text_is_time_ordered_and_states_the_window(self):
        run = tlrecon("timeline", "--from", ORCH, "--since", "2025-10-16T17:35:00Z", "--until", "2025-10-16T17:45:00Z")
        self.assertEqual(run.code, 0)
        lines = run.out.splitlines()
        self.assertEqual(lines[0], "tlrecon timeline, window [2025-10-16T17:35:00Z, 2025-10-16T17:45:00Z)")
        # One day: its date once, then times of day (issue 13 item 5; --wide keeps the old lines).
        self.assertEqual(lines[1], "== 2025-10-16 ==")
        times = [l[:12] for l in lines[2:-1]]
        self.assertEqual(times, sorted(times))
        self.assertIn("17:42:49.000 created ", run.out)
        wide = tlrecon("timeline", "--wide", "--from", ORCH, "--since", "2025-10-16T17:35:00Z",
                       "--until", "2025-10-16T17:45:00Z")
        self.assertIn("2025-10-16 17:42:49.000 worker_created", wide.out)
        self.assertTrue(lines[-1].startswith("-- workers: "))

    def test_jsonl_has_header_events_and_end(self):
        import json
        run = tlrecon("timeline", "--from", ORCH, "--format", "jsonl", "--around", "2025-10-16T17:42:50Z", "--window", "2m")
        records = [json.loads(l) for l in run.out.splitlines()]
        self.assertEqual(records[0]["record"], "header")
        self.assertEqual(records[0]["window"], {"since": "2025-10-16T17:41:50Z", "until": "2025-10-16T17:43:50Z"})
        self.assertEqual(records[-1]["record"], "end")
        self.assertTrue(records[-1]["complete"])
        events = records[1:-1]
        self.assertEqual([e["type"] for e in events if e["table"] == "workers"], ["worker_created", "worker_created", "worker_promoted"])
        for e in events:
            self.assertTrue(e["time"].endswith("Z"))
            self.assertIn("key", e)

    def test_csv_has_timesketch_columns(self):
        run = tlrecon("timeline", "--from", ORCH, "--format", "csv", "--since", "2025-10-16T17:55:00Z", "--until", "2025-10-16T17:56:00Z")
        lines = run.out.splitlines()
        self.assertTrue(lines[0].startswith("datetime,timestamp_desc,message,timestamp,"))
        self.assertIn("2025-10-16T17:55:06Z,worker_created,worker created gpu-20251016_175506-a6a03b7b", run.out)


class Errors(unittest.TestCase):
    def test_bad_time_is_exit_2_with_one_line(self):
        run = tlrecon("timeline", "--from", ORCH, "--since", "yesterday")
        self.assertEqual(run.code, 2)
        self.assertEqual(run.err, "tlrecon: error: --since: cannot read 'yesterday' as a time; expected ISO-8601 "
                                  "such as 2025-10-16T17:35:31Z or 2025-10-16 17:35:31+00, or a duration before "
                                  "now such as 2h\n")
        self.assertEqual(run.out, "")

    def test_bad_option_is_exit_2(self):
        run = tlrecon("timeline", "--frobnicate")
        self.assertEqual(run.code, 2)
        self.assertEqual(len(run.err.splitlines()), 1)
        self.assertTrue(run.err.startswith("tlrecon: error: "))

    def test_bad_severity_and_format(self):
        self.assertEqual(tlrecon("check", "--from", ORCH, "--fail-on", "urgent").code, 2)
        self.assertEqual(tlrecon("timeline", "--from", ORCH, "--format", "xml").code, 2)

    def test_unusable_tmpdir_is_exit_4_with_one_line_only_when_the_sort_spills(self):
        env = {"TMPDIR": "/nonexistent/tlrecon-tmp", "TLRECON_SORT_MEMORY": "1"}
        run = tlrecon("check", "--from", ORCH, "-q", env=env)
        self.assertEqual(run.code, 4)
        self.assertEqual(run.err, "tlrecon: error: cannot create a temporary file for sorting events in "
                                  "/nonexistent/tlrecon-tmp: No such file or directory (set TMPDIR to a "
                                  "directory with room)\n")
        # Within the default budget the bundled day never touches the disk.
        run = tlrecon("check", "--from", ORCH, "-q", env={"TMPDIR": "/nonexistent/tlrecon-tmp"})
        self.assertEqual(run.code, 1)

    def test_window_outside_the_snapshot(self):
        # Issue 13 item 4: cut to the evidence, not refused; a window with no overlap is.
        run = tlrecon("timeline", "--from", ORCH, "--since", "2025-10-16T09:00:00Z", "--until", "2025-10-16T12:00:00Z")
        self.assertEqual(run.code, 0, run.err)
        self.assertIn("reaches outside the snapshot's", run.err)
        run = tlrecon("timeline", "--from", ORCH, "--since", "2025-10-15T09:00:00Z", "--until", "2025-10-15T12:00:00Z")
        self.assertEqual(run.code, 2)
        self.assertIn("does not overlap the snapshot's", run.err)

    def test_bad_mapping_names_the_key(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write('{"tables": {"system_logs": {"columns": {"timestamp": 5}}}}')
        try:
            run = tlrecon("check", "--from", ORCH, "--config", f.name)
            self.assertEqual(run.code, 2)
            self.assertEqual(run.err, f"tlrecon: error: mapping file '{f.name}': tables.system_logs.columns.timestamp: "
                                      "expected a column name, {\"column\": …, \"key\": …} or null, got number\n")
        finally:
            os.unlink(f.name)

    def test_catalogue_entries_from_the_mapping(self):
        redeploy = os.path.join(ROOT, "sample_data", "orchestrator-2026-05-redeploy")
        def with_mapping(doc, *args):
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump(doc, f)
            try:
                return tlrecon("check", "--from", redeploy, "--format", "json", "--config", f.name, *args), f.name
            finally:
                os.unlink(f.name)
        # A pattern without the group its fact needs is a configuration error.
        run, name = with_mapping({"patterns": {"facts": [{"fact": "scale_up", "pattern": "launching \\d+ pods"}]}})
        self.assertEqual((run.code, run.err),
                         (2, f"tlrecon: error: mapping file '{name}': patterns.facts: entry 'launching \\d+ pods': "
                             "a scale_up fact needs the group (?P<n>…)\n"))
        # Entries of the mapping are tried first: reading the suppressed scale-up
        # as one that spawns accounts for the hand-launched worker at 10:21:07.
        manual = "manual-gpu-20260512_102107-5e0c93ab"
        before = json.loads(tlrecon("check", "--from", redeploy, "--format", "json").out)
        self.assertTrue(any(manual in f["entities"] for f in before["findings"]))
        run, _ = with_mapping({"patterns": {"facts": [
            {"fact": "scale_up", "pattern": "SCALE-UP SUPPRESSED.*skipping spawn of (?P<n>\\d+) workers"}]}})
        self.assertEqual(run.code, 1)
        self.assertFalse(any(manual in f["entities"] for f in run.json()["findings"]))

    def test_the_option_is_named_once_by_the_command(self):
        zone = "unknown time zone 'Mars/Olympus'; expected an IANA name such as UTC or America/New_York\n"
        for command in ("timeline", "report"):
            run = tlrecon(command, "--from", ORCH, "--tz", "Mars/Olympus")
            self.assertEqual((run.code, run.err), (2, "tlrecon: error: --tz: " + zone))
        run = tlrecon("check", "--from", ORCH, "--config", "/nonexistent/mapping.json")
        self.assertEqual((run.code, run.err),
                         (2, "tlrecon: error: --config: cannot open mapping file '/nonexistent/mapping.json'\n"))
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write('{"tables": {"tasks": {"columns": {"updated_at": {"column": "u", "zone": "Mars/Olympus"}}}}}')
        try:
            run = tlrecon("check", "--from", ORCH, "--config", f.name)
            self.assertEqual((run.code, run.err),
                             (2, f"tlrecon: error: mapping file '{f.name}': tables.tasks.columns.updated_at.zone: "
                                 + zone))
        finally:
            os.unlink(f.name)

    def test_version_and_help(self):
        run = tlrecon("--version")
        self.assertEqual(run.code, 0)
        self.assertRegex(run.out, r"^tlrecon \d+\.\d+\.\d+\n$")
        self.assertEqual(tlrecon("--help").code, 0)


class SnapshotIntegrity(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.snap = os.path.join(self.dir, "snap")
        shutil.copytree(ORCH, self.snap)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_a_copy_reads_the_same(self):
        self.assertEqual(tlrecon("timeline", "--from", self.snap).out, tlrecon("timeline", "--from", ORCH).out)

    def test_altered_file_is_exit_3_naming_it(self):
        path = os.path.join(self.snap, "workers.csv")
        with open(path, "r+b") as f:
            data = f.read()
            f.seek(0)
            f.write(data.replace(b"17:42:49", b"17:42:48", 1))
        run = tlrecon("timeline", "--from", self.snap)
        self.assertEqual(run.code, 3)
        self.assertEqual(run.err, f"tlrecon: error: snapshot file '{path}' does not match its SHA-256 in "
                                  "manifest.json: it was altered or truncated; analyse an unaltered copy of the "
                                  "evidence, or take a new snapshot\n")
        self.assertEqual(run.out, "")

    def test_altered_logs_are_exit_3_in_every_command(self):
        # check and report hash system_logs while they read it (on a second
        # thread); timeline before it prints. Either way: the same error,
        # nothing on stdout, whether the change parses or breaks the CSV.
        path = os.path.join(self.snap, "system_logs.csv")
        with open(path, "rb") as f:
            original = f.read()
        message = (f"tlrecon: error: snapshot file '{path}' does not match its SHA-256 in "
                   "manifest.json: it was altered or truncated; analyse an unaltered copy of the "
                   "evidence, or take a new snapshot\n")
        alterations = {
            "one digit": original.replace(b"17:35:", b"17:36:", 1),
            "cut inside a quoted field": original[:original.rindex(b'"') - 3],
            "a row appended": original + original.splitlines(keepends=True)[-1],
        }
        for what, data in alterations.items():
            with open(path, "wb") as f:
                f.write(data)
            for args in (("check",), ("report", "--format", "json"), ("timeline", "--format", "jsonl")):
                with self.subTest(alteration=what, command=args[0]):
                    run = tlrecon(*args, "--from", self.snap)
                    self.assertEqual(run.code, 3, run.err)
                    self.assertEqual(run.err, message)
                    self.assertEqual(run.out, "")

    def test_truncated_file_is_exit_3(self):
        path = os.path.join(self.snap, "system_logs.csv")
        with open(path, "r+b") as f:
            f.truncate(1000)
        self.assertEqual(tlrecon("check", "--from", self.snap).code, 3)

    def test_missing_file_is_exit_3_naming_it(self):
        path = os.path.join(self.snap, "tasks.csv")
        os.unlink(path)
        run = tlrecon("check", "--from", self.snap)
        self.assertEqual(run.code, 3)
        self.assertEqual(run.err, f"tlrecon: error: snapshot file '{path}' is missing\n")

    def test_missing_manifest_is_exit_3(self):
        os.unlink(os.path.join(self.snap, "manifest.json"))
        run = tlrecon("check", "--from", self.snap)
        self.assertEqual(run.code, 3)
        self.assertIn("manifest.json is missing", run.err)

    def test_checksums_are_sha256_of_the_files(self):
        import json
        with open(os.path.join(ORCH, "manifest.json")) as f:
            manifest = json.load(f)
        for t in manifest["tables"]:
            if t["status"] == "ok":
                with open(os.path.join(ORCH, t["file"]), "rb") as f:
                    self.assertEqual(hashlib.sha256(f.read()).hexdigest(), t["sha256"])


def run_to(stdout, *args, close_stdout=False):
    """Runs tlrecon with stdout on a given file (e.g. /dev/full), or closed."""
    if close_stdout:
        proc = subprocess.run(["bash", "-c", 'exec "$0" "$@" >&-', TLRECON, *args], stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=120)
    else:
        with open(stdout, "wb") as out:
            proc = subprocess.run([TLRECON, *args], stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                  timeout=120)
    return proc.returncode, proc.stderr.decode(errors="replace")


class OutputLost(unittest.TestCase):
    """Issue 13 item 1: a write that fails is exit 5 with one line on stderr,
    never a silent exit 0; a closed pipe stays quiet."""

    COMMANDS = [["timeline", "--from", ORCH], ["timeline", "--from", ORCH, "--format", "jsonl"],
                ["report", "--from", ORCH], ["report", "--from", ORCH, "--format", "json"],
                ["check", "--from", ORCH], ["check", "--from", ORCH, "--format", "json"], ["--help"]]

    def assert_lost(self, code, err, args):
        self.assertEqual(code, 5, (args, err))
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertTrue(err.startswith("tlrecon: error: "), err)

    def test_disk_full_is_exit_5(self):
        for args in self.COMMANDS:
            with self.subTest(args=args):
                code, err = run_to("/dev/full", *args)
                self.assert_lost(code, err, args)
                self.assertIn("No space left on device", err)

    def test_closed_stdout_is_exit_5(self):
        for args in self.COMMANDS:
            with self.subTest(args=args):
                code, err = run_to(None, *args, close_stdout=True)
                self.assert_lost(code, err, args)
                self.assertIn("standard output is closed", err)

    def test_closed_pipe_stays_quiet(self):
        proc = subprocess.run(["bash", "-c", '"$0" timeline --from "$1" | head -n 1 >/dev/null; '
                               'echo "${PIPESTATUS[0]}"', TLRECON, ORCH], capture_output=True, text=True)
        self.assertEqual(proc.stderr, "")
        self.assertEqual(proc.stdout.strip(), "141")

    def test_snapshot_summary_on_a_full_disk(self):
        reachable = subprocess.run(["psql", "-X", "-d", "postgres", "-tAc", "SELECT 1"],
                                   capture_output=True).returncode == 0 if shutil.which("psql") else False
        if not reachable:
            if os.environ.get("TLRECON_REQUIRE_PG"):
                raise RuntimeError("no PostgreSQL reachable through libpq's environment")
            self.skipTest("no PostgreSQL reachable (run scripts/test.sh)")
        out = tempfile.mkdtemp()
        try:
            code, err = run_to("/dev/full", "snapshot", "--dsn", "dbname=postgres", "--since", "1h",
                               "--out", os.path.join(out, "s"))
            self.assert_lost(code, err, "snapshot")
        finally:
            shutil.rmtree(out)


class NoFalsePass(unittest.TestCase):
    """Issue 13 item 3: a check that saw nothing, or not what the job demands,
    never passes; a failing check always shows why."""

    def test_no_table_at_all_is_exit_3(self):
        d = tempfile.mkdtemp()
        try:
            snap = os.path.join(d, "empty")
            make_snapshot(snap, "2025-10-16T10:00:00Z", "2025-10-16T11:00:00Z", {})
            run = tlrecon("check", "--from", snap)
            self.assertEqual(run.code, 3, run.err)
            self.assertIn("(wrong database or mapping?)", run.err)
            self.assertEqual(len(run.err.splitlines()), 1, run.err)
        finally:
            shutil.rmtree(d)

    def test_require_a_skipped_detector_is_exit_3_naming_it_and_why(self):
        run = tlrecon("check", "--from", ORCH, "--require", "logging_gap,orphaned_decision")
        # 3 wins over the findings' 1 (SPEC 5).
        self.assertEqual(run.code, 3, run.err)
        self.assertEqual(run.err.count("\n"), 1, run.err)
        self.assertIn("orphaned_decision was skipped", run.err)
        self.assertIn("workflow_decisions", run.err)

    def test_require_detectors_that_ran(self):
        run = tlrecon("check", "--from", ORCH, "--require", "logging_gap,unexplained_scale_up")
        self.assertEqual(run.code, 1, run.err)

    def test_require_an_unknown_detector_is_exit_2(self):
        run = tlrecon("check", "--from", ORCH, "--require", "logging_gaps")
        self.assertEqual(run.code, 2, run.err)
        self.assertIn("unknown detector 'logging_gaps'", run.err)
        self.assertIn("logging_gap,", run.err.replace(", ", ","))

    def test_fail_on_below_min_severity_is_refused(self):
        run = tlrecon("check", "--from", ORCH, "--min-severity", "critical", "--fail-on", "low")
        self.assertEqual(run.code, 2, run.err)
        self.assertIn("--fail-on low is below --min-severity critical", run.err)
        self.assertEqual(run.out, "")

    def test_usage_error_wins_over_findings(self):
        self.assertEqual(tlrecon("check", "--from", ORCH, "--fail-on", "nonsense").code, 2)


class Conventions(unittest.TestCase):
    """Issue 13 item 7: the conventions a new user expects."""

    def test_severities_in_any_case(self):
        run = tlrecon("check", "--from", ORCH, "--fail-on", "HIGH", "--min-severity", "Low")
        self.assertEqual(run.code, 1, run.err)

    def test_did_you_mean_a_command(self):
        run = tlrecon("chek")
        self.assertEqual(run.code, 2)
        self.assertEqual(run.err, "tlrecon: error: unknown command 'chek'; did you mean 'check'? "
                                  "(tlrecon --help lists the commands)\n")

    def test_did_you_mean_an_option(self):
        run = tlrecon("check", "--from", ORCH, "--fail-of", "high")
        self.assertEqual(run.code, 2)
        self.assertEqual(run.err, "tlrecon: error: check: unknown option '--fail-of'; did you mean '--fail-on'? "
                                  "(tlrecon check --help lists its options)\n")
        self.assertIn("did you mean '--min-severity'", tlrecon("check", "--min-severity=low", "--min-severty", "x").err)

    def test_help_shows_defaults_values_and_two_examples(self):
        for command in ("timeline", "report", "check", "snapshot"):
            with self.subTest(command=command):
                out = tlrecon(command, "--help").out
                examples = out[out.index("Examples:"):].splitlines()[1:]
                self.assertEqual(len([e for e in examples if e.strip().startswith("tlrecon " + command)]), 2, out)
                self.assertIn("--lookback DURATION=24h", out)
                self.assertNotIn(" TEXT ", out)
        check = tlrecon("check", "--help").out
        self.assertIn("--fail-on SEVERITY=high", check)
        self.assertIn("info, low, medium, high or critical", check)
        self.assertIn("text|json|junit|github", check)

    def test_a_dsn_libpq_cannot_parse_is_a_usage_error(self):
        run = tlrecon("check", "--dsn", "not a dsn")
        self.assertEqual(run.code, 2, run.err)
        self.assertIn("keyword=value", run.err)

    def test_annotate_a_directory_is_refused(self):
        run = tlrecon("report", "--from", ORCH, "--annotate", tempfile.gettempdir())
        self.assertEqual(run.code, 2, run.err)
        self.assertIn("is a directory", run.err)

    def test_errors_say_what_to_do(self):
        run = tlrecon("check", "--from", os.path.join(ROOT, "sample_data"))
        self.assertEqual(run.code, 3)
        self.assertIn("--from takes one snapshot directory, e.g. ", run.err)

    def test_mermaid_title_of_a_workflows_only_incident(self):
        out = tlrecon("report", "--from", WORKFLOWS).out
        title = re.search(r"^    title (.*)$", out, re.M).group(1)
        self.assertNotIn("Worker", title)

    def test_man_page_lists_every_option_of_every_help_and_no_other(self):
        with open(os.path.join(ROOT, "man", "tlrecon.1")) as f:
            man = f.read().replace("\\-", "-")
        in_man = set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", man))
        in_help = set()
        for command in ("timeline", "report", "check", "snapshot", "verify"):
            out = tlrecon(command, "--help").out
            options = set(re.findall(r"^\s+(?:-\w,)?--([a-z][a-z-]*)", out, re.M)) - {"help"}
            in_help |= options
            with self.subTest(command=command):
                self.assertEqual(options - in_man, set())
        self.assertEqual({o for o in in_man - in_help if o not in ("version", "help")}, set(),
                         "options in the man page that no command has")
        self.assertNotRegex(man, r"report[^.]*default high")


def parse_workflow_commands(text):
    """GitHub Actions' workflow-command syntax: ::name key=value,key=value::message, with the
    documented escapes undone. Lines that are not commands are returned as ('log', {}, line)."""
    unescape_data = lambda s: s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    out = []
    for line in text.split("\n")[:-1]:
        m = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
        if not m:
            out.append(("log", {}, line))
            continue
        props = {}
        for pair in (m.group(2) or "").split(","):
            if pair:
                key, value = pair.split("=", 1)
                props[key] = unescape_data(value.replace("%3A", ":").replace("%2C", ","))
        out.append((m.group(1), props, unescape_data(m.group(3))))
    return out


class CiFormats(unittest.TestCase):
    """Issue 13 item 6: check --format junit and github, parsed as CI systems parse them."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.hostile = os.path.join(cls.dir, "hostile")
        evil = "gpu,1:2%3\r\n::error::forged <b>&\"'</b> \x01\x0b\x1b[31m \ufffe]]>"
        workers = [[evil, "gpu", "terminated", "2025-10-16 17:00:00+00", None, None, None,
                    "2025-10-16T17:20:00Z"]]
        logs = [[f"{i:04d}", f"2025-10-16 16:{i:02d}:00+00", "orchestrator_gpu", evil, "INFO", "cycle " + evil]
                for i in range(0, 40)]
        make_snapshot(cls.hostile, "2025-10-16T16:00:00Z", "2025-10-16T18:00:00Z",
                      {"workers": workers, "system_logs": logs})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def junit(self, *args):
        run = tlrecon("check", "--format", "junit", *args)
        return run, ET.fromstring(run.out.encode())

    def test_junit_structure_on_the_sample(self):
        run, root = self.junit("--from", ORCH)
        self.assertEqual(run.code, 1)
        self.assertEqual(root.tag, "testsuites")
        suites = root.findall("testsuite")
        self.assertEqual(len(suites), 1)
        cases = suites[0].findall("testcase")
        failures = [c for c in cases if c.find("failure") is not None]
        skipped = [c for c in cases if c.find("skipped") is not None]
        self.assertEqual(len(failures), 3)
        self.assertEqual({c.get("name") for c in skipped}, {"orphaned_decision", "workflow_failure"})
        self.assertIn("logging_gap", failures[0].get("classname"))
        self.assertIn("17:35:31", failures[0].find("failure").text)
        passed = {c.get("name") for c in cases if c not in failures and c not in skipped}
        self.assertIn("early_termination", passed)
        self.assertNotIn("logging_gap", passed)
        self.assertEqual(int(suites[0].get("tests")), len(cases))
        self.assertEqual(int(suites[0].get("failures")), 3)
        self.assertEqual(int(suites[0].get("skipped")), 2)

    def test_junit_a_detector_failing_by_another_kind_has_no_passing_case(self):
        # workflow_failure finds workflow_unrecovered (high): it failed, whatever its own name.
        run, root = self.junit("--from", WORKFLOWS)
        self.assertEqual(run.code, 1)
        cases = root.find("testsuite").findall("testcase")
        failing = [c for c in cases if c.find("failure") is not None]
        self.assertIn("tlrecon.workflow_unrecovered", {c.get("classname") for c in failing})
        passed = {c.get("name") for c in cases if c.find("failure") is None and c.find("skipped") is None}
        self.assertNotIn("workflow_failure", passed)
        self.assertNotIn("orphaned_decision", passed)

    def test_junit_passes_below_fail_on(self):
        run, root = self.junit("--from", ORCH, "--fail-on", "critical")
        self.assertEqual(run.code, 0)
        self.assertEqual(root.find("testsuite").get("failures"), "0")

    def test_junit_hostile_text_stays_well_formed(self):
        run, root = self.junit("--from", self.hostile, "--fail-on", "low")
        self.assertEqual(run.code, 1, run.err)
        texts = " ".join((c.get("name") or "") + " " + ET.tostring(c, encoding="unicode")
                         for c in root.iter("testcase"))
        self.assertIn("gpu,1:2%3", texts)
        self.assertNotIn("\x1b", run.out)
        self.assertNotIn("\x01", run.out)

    def test_github_on_the_sample(self):
        run = tlrecon("check", "--format", "github", "--from", ORCH)
        self.assertEqual(run.code, 1)
        commands = parse_workflow_commands(run.out)
        errors = [c for c in commands if c[0] == "error"]
        self.assertEqual(len(errors), 3)
        self.assertTrue(errors[0][1]["title"].startswith("F3 HIGH logging_gap: orchestrator "))
        self.assertIn("silent for 26m 29s", errors[0][1]["title"])
        self.assertIn("The last log from", errors[0][2])
        self.assertEqual(len([c for c in commands if c[0] == "notice"]), 2)
        self.assertEqual(commands[-1][0], "log")
        self.assertTrue(commands[-1][2].endswith("3 findings at or above high: fail"))

    def test_github_hostile_text_cannot_forge_a_command(self):
        run = tlrecon("check", "--format", "github", "--from", self.hostile, "--fail-on", "low")
        self.assertEqual(run.code, 1, run.err)
        for line in run.out.split("\n")[:-1]:
            self.assertRegex(line, r"^(::(error|warning|notice) title=[^:]*::[^\r]*|tlrecon check .*)$")
        commands = parse_workflow_commands(run.out)
        self.assertTrue(any("gpu,1:2%3" in c[1]["title"] for c in commands if c[0] in ("error", "warning")), run.out)

    def test_escaping_of_titles(self):
        # A title property holding ':' and ',' would end the property list early unescaped.
        run = tlrecon("check", "--format", "github", "--from", self.hostile, "--fail-on", "info")
        self.assertEqual(run.code, 1, run.err)
        for kind, props, _ in parse_workflow_commands(run.out):
            if kind != "log":
                self.assertEqual(set(props), {"title"})


class SnapshotWindows(unittest.TestCase):
    """Issue 13 item 4: on a snapshot "now" is its end; a window reaching outside
    is cut to the evidence, stated in the output and noted on stderr."""

    def window(self, *args, fmt="json"):
        run = tlrecon("check", "--from", ORCH, "--format", fmt, *args)
        self.assertIn(run.code, (0, 1), run.err)
        return run, run.json()["window"] if fmt == "json" else None

    def test_relative_since_counts_back_from_the_snapshots_end(self):
        run, w = self.window("--since", "2h")
        self.assertEqual(w, {"since": "2025-10-16T16:02:00Z", "until": "2025-10-16T18:02:00Z"})
        self.assertEqual(run.err.count("reaches outside"), 0)

    def test_since_alone_ends_at_the_snapshots_end(self):
        _, w = self.window("--since", "2025-10-16T17:00:00Z")
        self.assertEqual(w, {"since": "2025-10-16T17:00:00Z", "until": "2025-10-16T18:02:00Z"})

    def test_until_alone_is_24h_back_cut_to_the_snapshot(self):
        run, w = self.window("--until", "2025-10-16T12:00:00Z")
        self.assertEqual(w, {"since": "2025-10-16T10:55:00Z", "until": "2025-10-16T12:00:00Z"})
        self.assertIn("tlrecon: note: the window [2025-10-15T12:00:00Z, 2025-10-16T12:00:00Z) reaches outside "
                      "the snapshot's [2025-10-16T10:55:00Z, 2025-10-16T18:02:00Z); analysing "
                      "[2025-10-16T10:55:00Z, 2025-10-16T12:00:00Z)", run.err)

    def test_a_long_window_is_cut_and_stated_in_every_output(self):
        args = ["--since", "1d"]
        _, w = self.window(*args)
        self.assertEqual(w, {"since": "2025-10-16T10:55:00Z", "until": "2025-10-16T18:02:00Z"})
        for command in (["timeline"], ["report", "--format", "text"], ["report"], ["check"]):
            with self.subTest(command=command):
                run = tlrecon(*command, "--from", ORCH, *args)
                self.assertIn("2025-10-16T10:55:00Z, 2025-10-16T18:02:00Z)", run.out)
                self.assertIn("analysing [2025-10-16T10:55:00Z, 2025-10-16T18:02:00Z)", run.err)


class NoBuildMachinePaths(unittest.TestCase):
    """Issue 13 item 9: no tracked file names an absolute path of a build machine."""

    def test_no_absolute_home_or_work_paths(self):
        files = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True)
        if files.returncode != 0:
            self.skipTest("not a git checkout")
        pattern = re.compile(rb"(?<![\w.-])/(?:work|home|root|Users)/")
        found = []
        for name in files.stdout.decode().split("\0"):
            path = os.path.join(ROOT, name)
            if not name or not os.path.isfile(path) or os.path.islink(path):
                continue
            with open(path, "rb") as f:
                for number, line in enumerate(f, 1):
                    if pattern.search(line):
                        found.append(f"{name}:{number}: {line.decode(errors='replace').strip()[:100]}")
        self.assertEqual(found, [])


class ReadableTimeline(unittest.TestCase):
    """Issue 13 item 5: the text timeline reads on an 80-column terminal; --wide
    and the JSONL keep every byte."""

    def lines(self, *args):
        text = tlrecon("timeline", "--from", ORCH, *args)
        jsonl = tlrecon("timeline", "--from", ORCH, "--format", "jsonl", *[a for a in args if a != "--wide"])
        events = [json.loads(l) for l in jsonl.out.splitlines() if json.loads(l)["record"] == "event"]
        rows = [l for l in text.out.splitlines()[1:-1] if not l.startswith("== ")]
        self.assertEqual(len(rows), len(events))
        return text.out, rows, events

    def test_message_starts_within_60_columns(self):
        for args in ([], ["--tz", "America/New_York"]):
            with self.subTest(args=args):
                _, rows, events = self.lines(*args)
                for row, event in zip(rows, events):
                    # The summary of the event is the row's tail; count characters, not bytes.
                    start = row.find(" " + event["summary"][:10])
                    self.assertGreaterEqual(start, 0, (row, event["summary"]))
                    self.assertLessEqual(start + 1, 60, row)

    def test_the_date_once_per_day(self):
        out, rows, _ = self.lines()
        self.assertEqual([l for l in out.splitlines() if "2025-10-16" in l and not l.startswith("tlrecon ")
                          and "window" not in l], ["== 2025-10-16 =="])

    def test_actors_shortened_consistently(self):
        _, rows, events = self.lines()
        short_of = {}
        for row, event in zip(rows, events):
            short = row[25:49].rstrip()
            self.assertLessEqual(len(short), 24)
            short_of.setdefault(event["actor"], set()).add(short)
        self.assertTrue(all(len(v) == 1 for v in short_of.values()), short_of)
        shorts = [next(iter(v)) for v in short_of.values()]
        self.assertEqual(len(shorts), len(set(shorts)))

    def test_wide_keeps_the_full_layout(self):
        _, rows, events = self.lines("--wide")
        for row, event in zip(rows, events):
            self.assertIn(event["actor"], row)
            self.assertTrue(row.startswith(event["time"][:10] + " "), row)


class ReportEventsThatMatter(unittest.TestCase):
    """Issue 13 item 5: --full in every report format, and the text and JSON reports
    show the rows markdown shows (first and last log of each source, all evidence)."""

    @classmethod
    def setUpClass(cls):
        cls.md = tlrecon("report", "--from", ORCH).out
        cls.doc = tlrecon("report", "--from", ORCH, "--format", "json").json()
        cls.text = tlrecon("report", "--from", ORCH, "--format", "text", "--color", "never").out

    def markdown_rows(self, md):
        section = md[md.index("## Timeline"):]
        rows = re.findall(r"^\| (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \| (\w+) \| (\w+) \|", section, re.M)
        return sorted(rows)

    def test_json_timeline_is_markdowns(self):
        rows = sorted((e["time"].replace("T", " ").replace("Z", "").ljust(19, " ")[:19] +
                       ("." + e["time"][20:23] if "." in e["time"] else ".000"), e["table"], e["type"])
                      for e in self.doc["timeline"])
        self.assertEqual(rows, self.markdown_rows(self.md))

    def test_the_last_log_before_the_gap_is_in_every_format(self):
        gap = kinds(self.doc, "logging_gap")[0]
        last = gap["evidence"][0]
        self.assertIn((last["table"], last["key"]), {(e["table"], e["key"]) for e in self.doc["timeline"]})
        timeline = self.text[self.text.index("TIMELINE"):]
        self.assertIn("2025-10-16 17:35:31.000  log", timeline)

    def test_text_timeline_is_markdowns(self):
        timeline = self.text[self.text.index("TIMELINE"):]
        rows = re.findall(r"^  (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})  (\w+)", timeline, re.M)
        self.assertEqual(sorted(rows), sorted((t, ty) for t, _, ty in self.markdown_rows(self.md)))

    def test_full_in_every_format(self):
        events = [json.loads(l) for l in tlrecon("timeline", "--from", ORCH, "--format", "jsonl").out.splitlines()]
        events = [e for e in events if e["record"] == "event"]
        doc = tlrecon("report", "--from", ORCH, "--format", "json", "--full").json()
        self.assertEqual(len(doc["timeline"]), len(events))
        self.assertEqual([(e["time"], e["key"]) for e in doc["timeline"]], [(e["time"], e["key"]) for e in events])
        text = tlrecon("report", "--from", ORCH, "--format", "text", "--full").out
        self.assertIn(f"TIMELINE (every event, {len(events)})", text)
        self.assertEqual(len(text[text.index("TIMELINE (every"):].splitlines()) - 1, len(events))


class ZoomedChart(unittest.TestCase):
    """Issue 13 item 5: findings in 30 minutes of a 7-hour window get a second,
    zoomed chart (tests/render/check_mermaid.sh renders every chart)."""

    def charts(self, snapshot):
        return re.findall(r"```mermaid\n(.*?)```", tlrecon("report", "--from", snapshot).out, re.S)

    def test_the_2025_10_16_story_is_zoomed(self):
        charts = self.charts(ORCH)
        self.assertEqual(len(charts), 2)
        zoom = charts[1]
        self.assertIn("title Worker lifecycles, logging gaps and findings (UTC, 17:32 to 18:02)", zoom)
        starts = re.findall(r", (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d), \d{4}", zoom)
        self.assertTrue(starts and min(starts) >= "2025-10-16 17:32:52", starts)
        self.assertIn("F3 gpu-orchestrator silent", zoom)

    def test_no_zoom_when_findings_spread_over_the_window(self):
        self.assertEqual(len(self.charts(WORKFLOWS)), 1)


if __name__ == "__main__":
    main()
