#!/usr/bin/env bash
# The bash completion offers the commands, each command's options, and values.
set -u
source "$(dirname "$0")/../../completion/tlrecon.bash"
pass=0 fail=0
expect() {  # expect "words typed" "a completion that must be offered"
  read -ra COMP_WORDS <<< "$1"
  [[ "$1" == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _tlrecon
  if printf '%s\n' "${COMPREPLY[@]}" | grep -qx -- "$2"; then pass=$((pass + 1)); else
    echo "FAIL: '$1' does not offer '$2' (got: ${COMPREPLY[*]})"; fail=$((fail + 1)); fi
}
expect "tlrecon " report
expect "tlrecon ch" check
expect "tlrecon report --" --annotate
expect "tlrecon check --fail-on " high
expect "tlrecon timeline --format " jsonl
expect "tlrecon report --format " markdown
expect "tlrecon snapshot --" --out
expect "tlrecon report --tz America/New_Y" America/New_York
expect "tlrecon check --format " junit
expect "tlrecon check --require " orphaned_decision
expect "tlrecon timeline --" --wide
expect "tlrecon ver" verify
expect "tlrecon verify --" --expect
root=$(cd "$(dirname "$0")/../.." && pwd)
expect "tlrecon verify $root/sample_dat" "$root/sample_data"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
