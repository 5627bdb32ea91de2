#!/usr/bin/env bash
# Usage: tests/render/check_mermaid.sh TLRECON_BINARY
#
# Renders every Mermaid chart of `tlrecon report --format markdown` on both bundled
# samples with the real mermaid 11 (tests/tools/node_modules) in Debian's headless
# Chromium, as the team's shared MERMAID.md notes describe: each chart is parse()d and render()ed
# in a file:// page, the results are read back with --dump-dom. A chart passes when it
# renders, mermaid drew every task line, and the text check (mermaid_check.py) finds
# nothing: dates in `dateFormat YYYY-MM-DD HH:mm:ss`, start <= end, no ':' '#' ';' in
# task names. Negative controls prove both checks can fail: a chart with a broken date
# (mermaid's parse() accepts it, only render() throws), a chart with a syntax error, and
# a chart whose every task line the text check must flag.
#
# Prints one line per chart and "N passed, M failed". Exit 0 only if all passed; 1
# otherwise, also when the page never finished (PENDING) or a tool is missing
# (scripts/install_test_tools.sh installs them).
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 TLRECON_BINARY" >&2
  exit 2
fi
TLRECON=$1
[[ $TLRECON == */* ]] || TLRECON=$(command -v -- "$TLRECON" || echo "$TLRECON")
TLRECON=$(realpath -m -- "$TLRECON")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
HELPER=$HERE/mermaid_check.py
MERMAID_JS=$ROOT/tests/tools/node_modules/mermaid/dist/mermaid.min.js
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
SAMPLES=(orchestrator-2025-10-16 workflows-2026-01-20)

for need in "$TLRECON" "$MERMAID_JS" "$CHROMIUM"; do
  if [ ! -e "$need" ]; then
    echo "check_mermaid: missing $need (run scripts/install_test_tools.sh, build tlrecon)" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tlrecon-mermaid.XXXXXX")
PROFILE=$(mktemp -d "${TMPDIR:-/tmp}/tlrecon-chromium.XXXXXX")
trap 'rm -rf -- "$WORK" "$PROFILE"' EXIT

args=()
for s in "${SAMPLES[@]}"; do
  if ! "$TLRECON" report --from "$ROOT/sample_data/$s" --format markdown >"$WORK/$s.md" 2>"$WORK/$s.err"; then
    echo "check_mermaid: tlrecon report --from sample_data/$s failed:" >&2
    sed 's/^/  /' "$WORK/$s.err" >&2
    : >"$WORK/$s.md"   # counted as a failed chart (no mermaid block)
  fi
  args+=(--report "$s=$WORK/$s.md")
done

# Negative controls. Real charts must say OK; these must not.
# 1. A start date mermaid.parse() accepts; only render() throws "Invalid date". (An
#    unreadable *end* date renders without error; the text check is there for that.)
cat >"$WORK/neg-date.mmd" <<'EOF'
gantt
    title negative control: a date not in dateFormat
    dateFormat YYYY-MM-DD HH:mm:ss
    axisFormat %H:%M
    section Workers
    broken worker :t1, not-a-date, 2025-10-16 17:43:49
EOF
# 2. A grammar error (parse() throws).
cat >"$WORK/neg-syntax.mmd" <<'EOF'
gantt
    dateFormat YYYY-MM-DD HH:mm:ss
    sectionWorkers
    worker :t1, 2025-10-16 17:42:49, 2025-10-16 17:43:49
EOF
# 3. Mistakes mermaid 11 renders without a word (each one alone, and all together); every task
#    line must be flagged by the text check.
cat >"$WORK/neg-text.mmd" <<'EOF'
gantt
    title negative control: what mermaid lets through
    dateFormat YYYY-MM-DD HH:mm:ss
    axisFormat %H:%M
    section Workers
    end before start :t1, 2025-10-16 17:43:49, 2025-10-16 17:42:49
    F3 gpu-orchestrator: silent :t2, 2025-10-16 17:35:31, 2025-10-16 18:02:00
    worker #7 :t3, 2025-10-16 17:42:49, 2025-10-16 17:43:49
    worker a; worker b :t4, 2025-10-16 17:42:49, 2025-10-16 17:43:49
    no seconds :t5, 2025-10-16 17:42, 2025-10-16 17:43:49
    February 30th :t6, 2025-02-30 17:42:49, 2025-10-16 17:43:49
EOF
args+=(--expect-render-error "negative-control/bad-date=$WORK/neg-date.mmd"
       --expect-render-error "negative-control/syntax=$WORK/neg-syntax.mmd"
       --expect-lint-error "negative-control/text-check=$WORK/neg-text.mmd")

python3 "$HELPER" prepare --dir "$WORK/page" --mermaid-js "$MERMAID_JS" "${args[@]}" || {
  echo "check_mermaid: could not build the page" >&2
  echo "0 passed, 1 failed"
  exit 1
}

# Flags exactly as MERMAID.md; --no-sandbox is needed as root. stderr (D-Bus noise) is
# kept for diagnosis only. timeout: a hung browser counts as a page that never finished.
timeout --kill-after=5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$PROFILE" --virtual-time-budget=10000 \
  --dump-dom "file://$WORK/page/check.html" >"$WORK/dom.html" 2>"$WORK/chromium.err"
rc=$?
if [ $rc -ne 0 ]; then
  echo "check_mermaid: chromium exited with $rc; last lines of its stderr:" >&2
  tail -n 5 "$WORK/chromium.err" >&2
fi

python3 "$HELPER" verdict --dir "$WORK/page" --dom "$WORK/dom.html"
status=$?
[ $rc -eq 0 ] || status=1
exit $status
