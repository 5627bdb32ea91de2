#!/usr/bin/env bash
# Loads a bundled incident into a PostgreSQL database (libpq's environment
# says which server; the database is created if absent).
#   scripts/load_sample.sh orchestrator-2025-10-16 DBNAME
#   scripts/load_sample.sh orchestrator-2026-05-redeploy DBNAME
#   scripts/load_sample.sh workflows-2026-01-20 DBNAME
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
name=$1
db=$2
case "$name" in
  orchestrator-*) schema=schema_gpu.sql ;;
  workflows-*) schema=schema_workflows.sql ;;
  *) echo "load_sample.sh: unknown sample '$name'" >&2; exit 2 ;;
esac
psql -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
  createdb "$db"
psql -q -v ON_ERROR_STOP=1 -d "$db" -f "$root/sample_data/src/$schema" >/dev/null
psql -q -v ON_ERROR_STOP=1 -d "$db" -f "$root/sample_data/src/$name.sql" >/dev/null
