#!/usr/bin/env bash
# Usage: tests/render/check_json_schema.sh TLRECON_BINARY
#
# Writes `report --format json` and `check --format json` for both bundled samples (and
# the orchestrator report with --annotate, which adds annotation events) into a temporary
# directory and validates them against docs/report.schema.json with validate_json.js
# (ajv, JSON Schema 2020-12), which also runs its negative controls: mutated copies that
# must fail. Prints one line per document / control and "N passed, M failed"; exit 0
# only if all passed.
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

for need in "$TLRECON" "$ROOT/tests/tools/node_modules/ajv/package.json" "$ROOT/docs/report.schema.json"; do
  if [ ! -e "$need" ]; then
    echo "check_json_schema: missing $need (run scripts/install_test_tools.sh, build tlrecon)" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tlrecon-json.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT

failed=0
docs=()
# name | expected exit codes | arguments
run() {
  local name=$1 codes=$2
  shift 2
  "$TLRECON" "$@" >"$WORK/$name" 2>"$WORK/$name.err"
  local rc=$?
  if [[ " $codes " != *" $rc "* ]]; then
    echo "FAIL  $name: tlrecon $* exited $rc (expected $codes):"
    sed 's/^/        /' "$WORK/$name.err" | tail -n 5
    failed=$((failed + 1))
    return
  fi
  docs+=("$WORK/$name")
}
ORCH=$ROOT/sample_data/orchestrator-2025-10-16
WF=$ROOT/sample_data/workflows-2026-01-20
# report exits 0 without --fail-on; check exits 1 when a finding is at or above high.
run orch.report.json "0" report --format json --from "$ORCH"
run orch.check.json "0 1" check --format json --from "$ORCH"
run wf.report.json "0" report --format json --from "$WF"
run wf.check.json "0 1" check --format json --from "$WF"
if [ -f "$ROOT/tests/golden/deploys-2025-10-16.csv" ]; then
  run orch.annotated.report.json "0" report --format json --from "$ORCH" \
    --annotate "$ROOT/tests/golden/deploys-2025-10-16.csv"
fi

out=$(cd "$WORK" && node "$HERE/validate_json.js" --schema "$ROOT/docs/report.schema.json" "${docs[@]##*/}")
status=$?
# Fold tlrecon failures into the summary line.
if [ $failed -gt 0 ]; then
  summary=$(tail -n 1 <<<"$out")
  echo "$out" | sed '$d'
  read -r p _ f _ <<<"$summary"
  echo "$p passed, $((f + failed)) failed"
  exit 1
fi
echo "$out"
exit $status
