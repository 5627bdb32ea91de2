"""Behaviour that depends on a terminal: colour and progress. The binary runs
with stdout or stderr on a pseudo-terminal, as a person would run it."""
import os
import pty
import shutil
import subprocess
import tempfile
import unittest

from common import ORCH, TLRECON, main
from snapshot_builder import make_snapshot


def run_on_pty(args, which, env_extra=None):
    """Runs tlrecon with stdout ('out') or stderr ('err') on a pty; returns (pty text, other text)."""
    master, slave = pty.openpty()
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(env_extra or {})
    kwargs = {"stdout": slave if which == "out" else subprocess.PIPE,
              "stderr": slave if which == "err" else subprocess.PIPE}
    proc = subprocess.Popen([TLRECON, *args], stdin=subprocess.DEVNULL, env=env, **kwargs)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    other = (proc.stdout if which == "err" else proc.stderr).read()
    proc.wait(timeout=120)
    os.close(master)
    return b"".join(chunks).decode(errors="replace"), other.decode(errors="replace")


class Colour(unittest.TestCase):
    args = ["report", "--format", "text", "--from", ORCH, "--quiet"]

    def test_colour_on_a_terminal(self):
        out, _ = run_on_pty(self.args, "out")
        self.assertIn("\x1b[1;31mHIGH", out)

    def test_no_colour_with_NO_COLOR_or_never_or_a_pipe(self):
        out, _ = run_on_pty(self.args, "out", {"NO_COLOR": "1"})
        self.assertNotIn("\x1b[", out)
        out, _ = run_on_pty(self.args + ["--color", "never"], "out")
        self.assertNotIn("\x1b[", out)
        # no-color.org: an empty NO_COLOR does not disable colour (issue 13 item 7).
        out, _ = run_on_pty(self.args, "out", {"NO_COLOR": ""})
        self.assertIn("\x1b[1;31mHIGH", out)
        piped = subprocess.run([TLRECON, *self.args], capture_output=True, text=True).stdout
        self.assertNotIn("\x1b[", piped)


class Progress(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.snap = os.path.join(cls.dir, "big")
        logs = [[f"{i:08d}", f"2025-10-16 17:{i // 4000:02d}:{(i // 67) % 60:02d}+00", "worker", "w", "INFO", "hb"]
                for i in range(230000)]
        logs.sort(key=lambda r: (r[1], r[0]))
        make_snapshot(cls.snap, "2025-10-16T17:00:00Z", "2025-10-16T18:00:00Z", {"system_logs": logs})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_rows_counted_on_a_terminal(self):
        err, out = run_on_pty(["check", "--from", self.snap], "err")
        self.assertIn("reading system_logs: 200000 rows", err)
        self.assertNotIn("reading", out)

    def test_nothing_when_stderr_is_not_a_terminal(self):
        run = subprocess.run([TLRECON, "check", "--from", self.snap], capture_output=True, text=True)
        self.assertNotIn("reading system_logs", run.stderr)
        self.assertEqual(run.returncode, 0, run.stderr)


if __name__ == "__main__":
    main()
