"""The report on data built to attack it, and --annotate."""
import json
import os
import re
import shutil
import tempfile
import unittest

from common import ORCH, WORKFLOWS, kinds, main, tlrecon
from snapshot_builder import make_snapshot

HOSTILE = [
    "pipe | in | cells",
    "back`ticks` and ``more``",
    "new\nline and \r\n crlf",
    "\x1b[31mred\x1b[0m \x1b]0;title\x07 osc",
    "*bold* _em_ [link](http://evil.example) <b>html</b> # heading",
    "@here mention and $math$ and ~~strike~~",
]


class HostileMarkdown(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        snap = os.path.join(cls.dir, "snap")
        logs = []
        for i, text in enumerate(HOSTILE):
            logs.append([f"log-{i}", f"2025-10-16 17:0{i}:00+00", "orchestrator_gpu", "orch|`x`", "ERROR", text,
                         None, None, str(i)])
        workers = [["gpu-|`1`", "RTX | 4090", "terminated", "2025-10-16 17:01:00+00", None, None,
                    "2025-10-16T17:02:00Z", "2025-10-16T17:02:30Z", "reason | `x`\nmore"]]
        make_snapshot(snap, "2025-10-16T17:00:00Z", "2025-10-16T18:00:00Z",
                      {"system_logs": logs, "workers": workers})
        cls.run_md = tlrecon("report", "--from", snap, "--full")
        cls.run_text = tlrecon("report", "--from", snap, "--format", "text", "--color", "always")
        cls.run_json = tlrecon("report", "--from", snap, "--format", "json")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_tables_keep_their_shape(self):
        self.assertIn(self.run_md.code, (0, 1), self.run_md.err)
        lines = self.run_md.out.splitlines()
        table = None
        for line in lines:
            if line.startswith("|"):
                cells = len(re.findall(r"(?<!\\)\|", line))
                if table is None:
                    table = cells
                self.assertEqual(cells, table, line)
            else:
                table = None

    def test_no_raw_markup_or_controls(self):
        out = self.run_md.out
        self.assertNotIn("\x1b", out)
        self.assertNotIn("\x07", out)
        self.assertNotIn("<b>", out)
        self.assertIsNone(re.search(r"(?<!\\)\]\(http", out))
        self.assertNotIn(" @here", out)
        self.assertIn("\\x1b\\[31mred", out)  # shown, escaped

    def test_text_shows_controls_visibly_and_colours_only_severities(self):
        out = self.run_text.out
        self.assertNotIn("\x1b[31mred", out)
        self.assertIn("\\x1b[31mred", out)
        self.assertIn("\x1b[", out)  # --color always paints severities

    def test_json_is_valid_utf8_with_the_text_kept(self):
        doc = json.loads(self.run_json.out)
        messages = [e.get("message") for e in doc["timeline"] if e["type"] == "log"]
        self.assertIn(HOSTILE[0], messages)


class Annotations(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_a_push_before_the_gap_is_named_as_possible_trigger(self):
        path = self.write("deploys.csv", "2025-10-16T17:34:02Z,deploy 56d5e6d,fix: relative import, again\n")
        doc = tlrecon("report", "--from", ORCH, "--format", "json", "--annotate", path).json()
        gap = kinds(doc, "logging_gap")[0]
        self.assertIn('Possible trigger: deploy 56d5e6d "fix: relative import, again" at 2025-10-16T17:34:02Z, '
                      "1m 29s before.", gap["detail"])
        self.assertIn("annotations", [e["table"] for e in gap["evidence"]])
        self.assertIn("annotation", [e["type"] for e in doc["timeline"]])

    def test_jsonl_annotations(self):
        path = self.write("a.jsonl", '{"time": "2025-10-16T17:35:00Z", "source": "pager", "message": "paged"}\n')
        doc = tlrecon("report", "--from", ORCH, "--format", "json", "--annotate", path).json()
        self.assertIn("pager", kinds(doc, "logging_gap")[0]["detail"])

    def test_bad_lines_are_exit_2_with_the_line_number(self):
        for text, why in (("time,source,message\n2025-10-16T17:34:02Z,a,b\nnot-a-time,x,y\n",
                           "line 3: cannot read 'not-a-time' as a time"),
                          ("2025-10-16T17:34:02Z,only-two\n", "line 1: expected time,source,message"),
                          ('{"time": 5}\n', "line 1: expected {")):
            with self.subTest(text=text):
                path = self.write("bad.csv", text)
                run = tlrecon("report", "--from", ORCH, "--annotate", path)
                self.assertEqual(run.code, 2)
                self.assertIn(f"--annotate: {path} {why}", run.err)
                self.assertEqual(len(run.err.splitlines()), 1)


class WorkflowReliability(unittest.TestCase):
    """Seed 004: betting_lines fails at 13:05 ET, two 13:30 decisions are orphaned, recovery after."""

    WF = WORKFLOWS

    def test_markdown_text_and_json_show_each_workflow(self):
        md = tlrecon("report", "--from", self.WF, "--tz", "America/New_York")
        self.assertIn("## Workflow reliability", md.out)
        self.assertIn("| `betting_lines` | 2 RUN, 6 SKIP | 1 failed | 0% (0 of 1) | 3 / 0 / 3 | 28.3 s / 28.3 s "
                      "| 1 | never in the window |", md.out)
        self.assertIn("| `schedule_dependency` | 3 RUN, 5 SKIP | 1 completed, 1 failed | 50% (1 of 2) | 2 / 1 / 1 "
                      "| 18.1 s / 22.1 s | 1 | 2026-01-20 19:05:16 (14:05:16 EST) |", md.out)
        text = tlrecon("report", "--from", self.WF, "--format", "text")
        self.assertIn("  betting_lines\n    decisions: 2 RUN, 6 SKIP; executions: 1 failed; 0% succeeded\n", text.out)
        doc = json.loads(tlrecon("report", "--from", self.WF, "--format", "json").out)
        rows = {w["workflow"]: w for w in doc["workflows"]}
        self.assertEqual(rows["betting_lines"]["scrapers"], {"triggered": 3, "succeeded": 0, "failed": 3})
        self.assertEqual(rows["betting_lines"]["orphaned_decisions"], 1)
        self.assertIsNone(rows["betting_lines"]["last_success"])
        self.assertEqual(rows["schedule_dependency"]["success_rate"], 0.5)
        self.assertEqual(rows["schedule_dependency"]["last_success"], "2026-01-20T19:05:16.100Z")


class TwoZones(unittest.TestCase):
    def test_reports_show_both_zones_the_timeline_the_first(self):
        md = tlrecon("report", "--from", WORKFLOWS, "--tz", "America/New_York,America/Los_Angeles")
        self.assertEqual(md.code, 0)
        self.assertIn("with America/New_York and America/Los_Angeles in parentheses", md.out)
        self.assertIn("| 2026-01-20 18:05:31 (13:05:31 EST, 10:05:31 PST) | workflow_executions |", md.out)
        self.assertIn("| time (UTC) | America/New_York | America/Los_Angeles | table |", md.out)
        text = tlrecon("report", "--from", WORKFLOWS, "--format", "text", "--tz", "America/New_York,America/Los_Angeles")
        self.assertIn("last success: 2026-01-20 19:05:16 (2026-01-20 14:05:16 EST, 2026-01-20 11:05:16 PST)", text.out)
        line = tlrecon("timeline", "--from", WORKFLOWS, "--tz", "America/New_York,America/Los_Angeles")
        self.assertIn("local times in America/New_York\n", line.out)
        self.assertNotIn("PST", line.out)
        bad = tlrecon("report", "--from", WORKFLOWS, "--tz", "America/New_York,Mars/Base")
        self.assertEqual(bad.code, 2)
        self.assertIn("--tz: unknown time zone 'Mars/Base'", bad.err)


if __name__ == "__main__":
    main()
