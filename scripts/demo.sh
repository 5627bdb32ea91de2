#!/usr/bin/env bash
# Builds tlrecon and shows the bundled 2025-10-16 incident with no database
# server: the sample is a snapshot directory.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_packages
build_release
sample="$TLRECON_ROOT/sample_data/orchestrator-2025-10-16"
echo "== tlrecon check --from sample_data/orchestrator-2025-10-16"
"$TLRECON_BUILD/tlrecon" check --from "$sample" --quiet || true
echo
echo "== tlrecon timeline --from sample_data/orchestrator-2025-10-16 --since 2025-10-16T17:34:00Z"
"$TLRECON_BUILD/tlrecon" timeline --from "$sample" --since 2025-10-16T17:34:00Z --until 2025-10-16T18:02:00Z --quiet
