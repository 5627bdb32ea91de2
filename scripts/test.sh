#!/usr/bin/env bash
# Installs what is missing, builds in release mode, and runs every test:
# unit tests, end-to-end tests of the binary on the bundled snapshots, and
# end-to-end tests against a throwaway PostgreSQL. pg_virtualenv -t creates that
# server in a temporary directory on a free port (as the postgres user when
# run as root), exports PGHOST/PGPORT/PGUSER/PGPASSWORD to the tests, and
# drops it on exit, whether the tests pass or not. -t even as root: without it
# root's cluster is 15/regress under /etc/postgresql, and a run killed before
# its cleanup (a machine stopped mid-CI) leaves that cluster behind, so every
# later run stops at "Cluster 15/regress exists, refusing to overwrite".
# A hot standby of that server (scripts/standby.sh) serves the tests that read
# from a replica.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_packages python3 nodejs pgbouncer   # pgbouncer: e2e_postgres reads through a transaction-mode pooler
# The machine's Node.js may carry its own npm; Debian's is a separate package.
command -v npm >/dev/null || install_packages npm
build_release
"$TLRECON_ROOT/scripts/install_test_tools.sh"   # Chromium and the npm test tools (mermaid, ajv)
cd "$TLRECON_ROOT"
export TLRECON_REQUIRE_PG=1
# 1. Every test of the release build, against the throwaway server.
# 2. The same tests under AddressSanitizer and UBSan, from build-asan.
# 3. Each fuzz target briefly (scripts/fuzz.sh runs them longer on demand).
# A streaming hot standby of that server runs beside it for the tests
# (scripts/standby.sh), and is stopped and removed whatever happens.
pg_virtualenv -t -- bash -c '
  set -e
  standby=$(bash "$2/scripts/standby.sh" start)
  eval "$standby"
  trap "bash \"$2/scripts/standby.sh\" stop \"$TLRECON_STANDBY_DIR\"" EXIT
  trap "exit 130" HUP INT TERM
  ctest --test-dir "$1" --output-on-failure "${@:3}"
  SANITIZE_PG_TESTS="postgres hardening" bash "$2/scripts/sanitize.sh"
  SANITIZE_KIND=thread SANITIZE_PG_TESTS="postgres hardening" bash "$2/scripts/sanitize.sh"
' tests "$TLRECON_BUILD" "$TLRECON_ROOT" "$@"
bash "$TLRECON_ROOT/scripts/fuzz.sh" "${TLRECON_FUZZ_SECONDS:-10}"
