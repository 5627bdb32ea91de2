#!/usr/bin/env bash
# Builds tlrecon and shows the bundled 2025-10-16 incident with no database
# server: the sample is a snapshot directory.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_packages
build_release
# The report as it would go into a post-mortem (markdown), with the two
# deploys of that day as annotations.
"$TLRECON_BUILD/tlrecon" report --from "$TLRECON_ROOT/sample_data/orchestrator-2025-10-16" \
  --annotate "$TLRECON_ROOT/tests/golden/deploys-2025-10-16.csv" --quiet
