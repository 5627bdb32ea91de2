"""Snapshots of every format this tlrecon has written stay readable, and give
the findings a fresh snapshot of the same data gives; errors about the
snapshot path name the option that gave it. No server needed.

fixtures/snapshot-format-1 is sample_data/workflows-2026-01-20 exactly as the
tlrecon of format 1 wrote it."""
import json
import os
import shutil
import tempfile
import unittest

from common import ORCH, WORKFLOWS, main, tlrecon

HERE = os.path.dirname(os.path.abspath(__file__))
FORMAT_1 = os.path.join(HERE, "fixtures", "snapshot-format-1")


def as_format_1(src, dst):
    """A copy of a format-2 snapshot with the manifest format 1 had: a 2-hour log lookback,
    none of the keys format 2 added. Its files (and their checksums) are unchanged."""
    shutil.copytree(src, dst)
    path = os.path.join(dst, "manifest.json")
    with open(path) as f:
        doc = json.load(f)
    doc["format_version"] = 1
    doc["log_lookback_seconds"] = 7200.0
    doc["mapping"]["thresholds"]["log_lookback"] = 7200.0
    for table in doc["tables"]:
        for key in ("far_back_query", "kept_since", "notes"):
            table.pop(key, None)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)


class SnapshotFormats(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_a_format_1_snapshot_as_written_reads_like_todays(self):
        for args in (["check", "--format", "json"], ["report", "--format", "json"], ["timeline", "--format", "jsonl"]):
            with self.subTest(args=args):
                old = tlrecon(*args, "--from", FORMAT_1)
                new = tlrecon(*args, "--from", WORKFLOWS)
                self.assertEqual(old.code, new.code, old.err)
                self.assertEqual(old.out, new.out)

    def test_a_format_1_orchestrator_snapshot_gives_the_same_findings(self):
        old = os.path.join(self.tmp, "orch-format-1")
        as_format_1(ORCH, old)
        for window in ([], ["--since", "2025-10-16T17:30:00Z", "--until", "2025-10-16T18:02:00Z"]):
            with self.subTest(window=window):
                a = tlrecon("check", "--format", "json", *window, "--from", old)
                b = tlrecon("check", "--format", "json", *window, "--from", ORCH)
                self.assertEqual(a.code, 1, a.err)
                self.assertEqual(a.json()["findings"], b.json()["findings"])
                ta = tlrecon("timeline", "--format", "jsonl", *window, "--from", old)
                tb = tlrecon("timeline", "--format", "jsonl", *window, "--from", ORCH)
                # The same events; only format 2 knows where system_logs begins (kept_since).
                self.assertEqual(ta.out.splitlines()[:-1], tb.out.splitlines()[:-1])
                end = json.loads(tb.out.splitlines()[-1])
                for source in end["sources"]:
                    source.pop("kept_since", None)
                self.assertEqual(json.loads(ta.out.splitlines()[-1]), end)

    def test_statuses_and_versions_a_format_does_not_have_are_refused(self):
        for version, status, message in (
                (1, "hidden", "unknown table status 'hidden' in manifest.json"),
                (2, "gone", "unknown table status 'gone' in manifest.json"),
                (3, "ok", "has format version 3; this tlrecon reads up to 2")):
            with self.subTest(version=version, status=status):
                snap = os.path.join(self.tmp, "v%d-%s" % (version, status))
                shutil.copytree(WORKFLOWS, snap)
                path = os.path.join(snap, "manifest.json")
                with open(path) as f:
                    doc = json.load(f)
                doc["format_version"] = version
                doc["tables"][0]["status"] = status
                with open(path, "w") as f:
                    json.dump(doc, f)
                run = tlrecon("check", "--from", snap)
                self.assertEqual(run.code, 3)
                self.assertIn(message, run.err)

    def test_a_from_that_is_not_a_directory_names_the_option(self):
        path = os.path.join(self.tmp, "a-file")
        with open(path, "w") as f:
            f.write("not a snapshot\n")
        run = tlrecon("check", "--from", path)
        self.assertEqual(run.code, 3)
        self.assertEqual(run.err, "tlrecon: error: --from: '%s' is not a directory\n" % path)


if __name__ == "__main__":
    main()
