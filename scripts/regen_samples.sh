#!/usr/bin/env bash
# Regenerates the bundled snapshots in sample_data/ from sample_data/src/*.sql,
# through a throwaway PostgreSQL and `tlrecon snapshot`. Run it only on purpose,
# and read the diff: the end-to-end tests compare against these files.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_packages
build_release
cd "$TLRECON_ROOT"
pg_virtualenv -t bash -euo pipefail -c '
  tl=$1
  scripts/load_sample.sh orchestrator-2025-10-16 orchestrator
  scripts/load_sample.sh orchestrator-2026-05-redeploy redeploy
  scripts/load_sample.sh workflows-2026-01-20 workflows
  for pair in "orchestrator-2025-10-16 orchestrator 2025-10-16T10:55:00Z 2025-10-16T18:02:00Z" \
              "orchestrator-2026-05-redeploy redeploy 2026-05-12T08:00:00Z 2026-05-12T12:00:00Z" \
              "workflows-2026-01-20 workflows 2026-01-20T13:00:00Z 2026-01-20T20:00:00Z"; do
    set -- $pair
    rm -rf "sample_data/$1.new"
    PGDATABASE=$2 "$tl" snapshot --out "sample_data/$1.new" --since "$3" --until "$4"
    # Where the rows came from is this throwaway server: not part of the sample.
    sed -i "/^  \"source\": {\$/,/^  },\$/d" "sample_data/$1.new/manifest.json"
    rm -rf "sample_data/$1"
    mv "sample_data/$1.new" "sample_data/$1"
  done
' regen "$TLRECON_BUILD/tlrecon" 2>&1 | grep -v "^Creating\|^Dropping\|^Ver\|^$" || true
git -C "$TLRECON_ROOT" status --short sample_data
