"""Hostile data through every output: escape sequences, controls, invalid
UTF-8, 1 MiB messages, table-breaking characters, NULL and unreadable times,
duplicates, rows far outside the window, clock skew. Nothing may crash or
vanish silently; every format stays well-formed."""
import csv
import io
import json
import os
import shutil
import tempfile
import unittest

from common import kinds, main, tlrecon
from snapshot_builder import make_snapshot

NASTY = [
    "\x1b[2J\x1b[31mred\x1b[0m",            # ANSI: clear screen, colour
    "\x1b]0;owned\x07 and \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",  # OSC title and hyperlink
    "bell\x07 backspace\x08 nul-free \x7f del",
    "pipe | tick ` fence ``` newline\nnext \r\n crlf",
    "\xe2\x80\xaeevil bidi \xc2\x9b csi",
    "x" * (1 << 20),                          # 1 MiB
]
INVALID_UTF8 = b"bad \xff\xfe bytes \xc0\xaf end"


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.snap = os.path.join(cls.dir, "snap")
        logs = []
        for i, text in enumerate(NASTY):
            logs.append([f"log-{i}", f"2025-10-16 17:0{i}:00+00", "orchestrator_gpu", "orch", "ERROR", text])
        logs.append(["log-7", "2025-10-16 17:07:00+00", "worker", "w\x1b[1m", "INFO", INVALID_UTF8])
        logs.append(["log-7", "2025-10-16 17:07:00+00", "worker", "w\x1b[1m", "INFO", INVALID_UTF8])  # duplicate
        workers = [
            ["w-ok", "RTX", "terminated", "2025-10-16 17:01:00+00", None, None, "2025-10-16T17:02:00Z",
             "2025-10-16T17:30:00Z"],
            ["w-skew", "RTX", "active", "2025-10-16 17:10:00+00", None, None, "2025-10-16T17:05:00Z"],  # promoted first
            ["w-badtime", "RTX", "active", "2025-10-16 17:11:00+00", None, None, "soon-ish"],
            ["w-far", "RTX", "terminated", "2025-10-16 17:12:00+00", None, None, "1970-01-01T00:00:00Z",
             "2099-01-01T00:00:00Z"],
            ["w-notime", "RTX", "active", None],
            ["w-dup", "RTX", "active", "2025-10-16 17:13:00+00"],
            ["w-dup", "RTX", "active", "2025-10-16 17:13:00+00"],
        ]
        workers.sort(key=lambda r: (r[3] or "", r[0]))
        make_snapshot(cls.snap, "2025-10-16T17:00:00Z", "2025-10-16T18:00:00Z", {"system_logs": logs, "workers": workers})
        cls.out = {}
        for name, args in {"md": ["report", "--full"], "text": ["report", "--format", "text", "--color", "never"],
                           "json": ["report", "--format", "json"], "check": ["check", "--format", "json"],
                           "jsonl": ["timeline", "--format", "jsonl"], "csv": ["timeline", "--format", "csv"],
                           "tl": ["timeline"]}.items():
            cls.out[name] = tlrecon(*args, "--from", cls.snap)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_nothing_crashes(self):
        for name, run in self.out.items():
            with self.subTest(output=name):
                self.assertIn(run.code, (0, 1), run.err[:500])

    def test_human_outputs_show_controls_visibly(self):
        for name in ("md", "text", "tl", "csv"):
            with self.subTest(output=name):
                out = self.out[name].out
                self.assertNotIn("\x1b", out)
                self.assertNotIn("\x07", out)
                self.assertNotIn("\x08", out)
                self.assertNotIn("\u202e", out)
                self.assertNotIn("\x9b", out)
                self.assertIn("x1b", out)
        self.assertNotIn("\x1b", self.out["tl"].err)

    def test_json_outputs_are_valid_utf8_and_parse(self):
        for name in ("json", "check"):
            json.loads(self.out[name].out)
        lines = self.out["jsonl"].out.splitlines()
        records = [json.loads(line) for line in lines]
        self.assertEqual(records[-1]["record"], "end")
        self.assertTrue(records[-1]["complete"])
        self.out["jsonl"].out.encode("utf-8")
        big = [r for r in records if r.get("key") == "log-5"][0]
        self.assertEqual(len(big["message"]), 1 << 20)

    def test_csv_stays_well_formed(self):
        csv.field_size_limit(1 << 24)
        rows = list(csv.reader(io.StringIO(self.out["csv"].out)))
        widths = {len(r) for r in rows}
        self.assertEqual(widths, {13})

    def test_every_bad_row_is_counted_and_reported(self):
        doc = json.loads(self.out["check"].out)
        src = {s["table"]: s for s in doc["sources"]}
        self.assertEqual(src["system_logs"]["duplicates"], 1)
        self.assertEqual(src["workers"]["duplicates"], 1)
        self.assertEqual(src["workers"]["rejected"], 1)      # w-notime
        self.assertEqual(src["workers"]["bad_values"], 1)    # w-badtime's promotion
        problems = " ".join(src["workers"]["problems"])
        self.assertIn("w-badtime: unreadable promoted_to_active_at 'soon-ish'", problems)
        self.assertIn("w-notime: no created_at", problems)
        err = self.out["check"].err
        # One line per table, worded by count_words() as every output words it.
        self.assertIn("tlrecon: warning: workers: 1 row could not be placed on the timeline, "
                      "1 duplicate row skipped, 1 unreadable time\n", err)
        self.assertRegex(err, r"tlrecon: warning: system_logs: [^\n]*1 duplicate row skipped")

    def test_clock_skew_is_a_finding(self):
        doc = json.loads(self.out["check"].out)
        skew = kinds(doc, "clock_skew")
        self.assertEqual(len(skew), 1)
        self.assertIn("w-skew", skew[0]["entities"])


if __name__ == "__main__":
    main()
