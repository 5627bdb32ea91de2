#!/usr/bin/env bash
# Installs what tests/render/check_mermaid.sh and check_json_schema.sh need, and nothing
# that is already there (safe to run again):
#   - Debian's chromium (/usr/bin/chromium), with apt-get, as root; otherwise prints the
#     command to run and exits 1;
#   - tests/tools/node_modules (mermaid 11, ajv, ajv-formats) with `npm ci`, when it is
#     missing or older than tests/tools/package-lock.json.
# npm never downloads a browser: install scripts are off and the browser-download
# switches of puppeteer/playwright are set, should either ever become a dependency.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=$ROOT/tests/tools
LOG=$(mktemp "${TMPDIR:-/tmp}/install_test_tools.XXXXXX.log")
trap 'rm -f -- "$LOG"' EXIT

fail() {
  echo "install_test_tools: $1" >&2
  if [ -s "$LOG" ]; then
    echo "--- last lines of the log:" >&2
    tail -n 15 "$LOG" >&2
  fi
  exit 1
}

# --- chromium (Debian package) --------------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install_test_tools: chromium is missing. Run as root:" >&2
    echo "  apt-get install -y --no-install-recommends chromium" >&2
    exit 1
  fi
  echo "install_test_tools: installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends chromium >"$LOG" 2>&1; then
    # Stale or empty package lists: refresh once and retry.
    apt-get update -q >>"$LOG" 2>&1 || fail "apt-get update failed"
    apt-get install -y -q --no-install-recommends chromium >>"$LOG" 2>&1 || fail "apt-get install chromium failed"
  fi
  [ -x /usr/bin/chromium ] || fail "chromium installed, but /usr/bin/chromium is not there"
fi

# --- node tools (npm ci) --------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  fail "node and npm are needed (Debian: apt-get install -y nodejs npm; Node >= 18)"
fi
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  fail "Node $(node --version) is too old; mermaid 11 and ajv 8 need Node >= 18"

# npm writes node_modules/.package-lock.json on every install: it is the stamp.
STAMP=$TOOLS/node_modules/.package-lock.json
if [ ! -f "$STAMP" ] || [ "$TOOLS/package-lock.json" -nt "$STAMP" ] ||
   [ ! -f "$TOOLS/node_modules/mermaid/dist/mermaid.min.js" ]; then
  echo "install_test_tools: npm ci in tests/tools"
  (
    cd "$TOOLS"
    export PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >"$LOG" 2>&1
  ) || fail "npm ci in tests/tools failed"
  touch "$STAMP"
fi

echo "install_test_tools: ok ($(/usr/bin/chromium --version 2>/dev/null | head -n 1)," \
  "mermaid $(node -p "require('$TOOLS/node_modules/mermaid/package.json').version")," \
  "ajv $(node -p "require('$TOOLS/node_modules/ajv/package.json').version"))"
