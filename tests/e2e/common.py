"""Shared helpers for the end-to-end tests: run the real binary, read its output."""
import json
import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TLRECON = os.environ.get("TLRECON", os.path.join(ROOT, "build", "tlrecon"))
ORCH = os.path.join(ROOT, "sample_data", "orchestrator-2025-10-16")
WORKFLOWS = os.path.join(ROOT, "sample_data", "workflows-2026-01-20")


class Run:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)


def tlrecon(*args, env=None):
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    if env:
        full_env.update(env)
    proc = subprocess.run([TLRECON, *args], capture_output=True, text=True, env=full_env,
                          stdin=subprocess.DEVNULL, timeout=120)
    return Run(proc)


def require_postgres():
    """In setUpClass of a test against the server scripts/test.sh starts: skips when libpq's
    environment reaches none, or fails when TLRECON_REQUIRE_PG says it must be there."""
    reachable = subprocess.run(["psql", "-X", "-d", "postgres", "-tAc", "SELECT 1"],
                               capture_output=True).returncode == 0
    if not reachable:
        if os.environ.get("TLRECON_REQUIRE_PG"):
            raise RuntimeError("no PostgreSQL reachable through libpq's environment")
        raise unittest.SkipTest("no PostgreSQL reachable (run scripts/test.sh)")


def kinds(doc, kind):
    return [f for f in doc["findings"] if f["kind"] == kind]


def main():
    unittest.main(verbosity=2)
