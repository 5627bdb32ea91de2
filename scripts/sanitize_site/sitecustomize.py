"""Loaded by every Python the sanitizer run starts (scripts/sanitize.sh puts
this directory first on PYTHONPATH). GCC's UBSan runtime prints its reports
to stderr, which the end-to-end tests capture, and ends the process with
SIGABRT (abort_on_error=1); a test that does not look at the exit code would
not notice. So every child process that dies of SIGABRT, SIGSEGV, SIGBUS,
SIGILL or SIGFPE is recorded in $TLRECON_SANITIZER_REPORTS, which fails the
run. Signals tests send on purpose (SIGINT, SIGTERM, SIGKILL) are not recorded."""
import os
import shlex
import signal
import subprocess

_DIR = os.environ.get("TLRECON_SANITIZER_REPORTS")
_FATAL = {signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE}
_original = getattr(subprocess.Popen, "_handle_exitstatus", None)

if _DIR and _original is not None:
    def _handle_exitstatus(self, *args, **kwargs):
        _original(self, *args, **kwargs)
        code = self.returncode
        if code is not None and code < 0 and -code in _FATAL:
            argv = self.args if isinstance(self.args, (list, tuple)) else [self.args]
            path = os.path.join(_DIR, f"killed.{self.pid}")
            with open(path, "a") as f:
                f.write(f"killed by {signal.Signals(-code).name}: "
                        f"{shlex.join(str(a) for a in argv)}\n"
                        "(UBSan writes its report to the stderr the test captured: run the command "
                        "again with the environment of scripts/sanitize.sh to see it)\n")

    subprocess.Popen._handle_exitstatus = _handle_exitstatus
