#!/usr/bin/env bash
# Builds tlrecon and shows the bundled 2025-10-16 incident, with no database
# server: the sample is a snapshot directory.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_packages
build_release
"$TLRECON_BUILD/tlrecon" timeline --from "$TLRECON_ROOT/sample_data/orchestrator-2025-10-16" \
  --since 2025-10-16T17:25:00Z --until 2025-10-16T18:02:00Z
