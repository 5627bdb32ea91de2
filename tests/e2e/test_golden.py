"""Golden files: every format on both bundled incidents, byte for byte.
They change only on purpose: scripts/update_golden.sh rewrites them, and
the diff is read before it is committed."""
import difflib
import os
import shlex
import subprocess
import sys
import unittest

from common import ROOT, TLRECON, main

GOLDEN = os.path.join(ROOT, "tests", "golden")


def cases():
    with open(os.path.join(GOLDEN, "cases.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, args = (part.strip() for part in line.split("|", 1))
                yield name, shlex.split(args)


def produce(args, extra_env=None):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.pop("TLRECON_SORT_MEMORY", None)
    env.update(extra_env or {})
    proc = subprocess.run([TLRECON, *args, "--quiet"], cwd=ROOT, capture_output=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=120)
    return proc.returncode, proc.stdout


class Golden(unittest.TestCase):
    def test_every_case_matches(self):
        self.check_every_case({})

    def test_every_case_matches_when_sorting_spills_to_disk(self):
        # A budget of one byte writes every event of the small tables as its
        # own sorted run to the temporary file: the output must not change.
        self.check_every_case({"TLRECON_SORT_MEMORY": "1"})

    def check_every_case(self, extra_env):
        for name, args in cases():
            with self.subTest(case=name):
                code, out = produce(args, extra_env)
                self.assertIn(code, (0, 1))
                with open(os.path.join(GOLDEN, name), "rb") as f:
                    want = f.read()
                if out != want:
                    diff = "".join(difflib.unified_diff(want.decode(errors="replace").splitlines(True),
                                                        out.decode(errors="replace").splitlines(True),
                                                        "golden/" + name, "now", n=2))
                    self.fail(f"{name} differs (scripts/update_golden.sh rewrites it):\n{diff[:6000]}")

    def test_tz_shows_the_130_pm_batch_in_eastern_time(self):
        with open(os.path.join(GOLDEN, "wf.report.md"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("2026-01-20 18:30:06 (13:30:06 EST)", text)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--update":
        for name, args in cases():
            code, out = produce(args)
            with open(os.path.join(GOLDEN, name), "wb") as f:
                f.write(out)
            print(f"wrote tests/golden/{name} (exit {code})")
    else:
        main()
