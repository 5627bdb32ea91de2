#!/usr/bin/env bash
# Rewrites tests/golden/ from the current build. Only on purpose: read
# `git diff tests/golden` before committing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
TLRECON=${TLRECON:-$root/build/tlrecon} python3 "$root/tests/e2e/test_golden.py" --update
git -C "$root" diff --stat -- tests/golden
