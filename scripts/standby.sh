#!/usr/bin/env bash
# A streaming hot standby of the server libpq's environment names (in the
# tests, the throwaway primary pg_virtualenv starts), for the end-to-end tests
# that read from a standby as forensics usually does.
#   eval "$(scripts/standby.sh start)"   # exports TLRECON_STANDBY_PORT and TLRECON_STANDBY_DIR
#   scripts/standby.sh stop "$TLRECON_STANDBY_DIR"
# The standby lives in a temporary directory on a free port; it cancels a read
# that holds back replay for more than a second (max_standby_streaming_delay),
# and tells the primary nothing of its readers (hot_standby_feedback off), so
# a recovery conflict can be provoked on purpose. As root the server runs as
# the postgres user (postgres refuses root).
set -euo pipefail

# From /, which the postgres user can always enter.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

bindir() {
  local major
  major=$(psql -X -d postgres -tAc "SELECT current_setting('server_version_num')::int / 10000")
  echo "/usr/lib/postgresql/$major/bin"
}

start() {
  local bin dir port
  bin=$(bindir)
  dir=$(mktemp -d -t tlrecon-standby.XXXXXX)
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # A fast checkpoint and no fsync: the copy takes a second, not a checkpoint interval.
  pg_basebackup -D "$dir/data" -R -X stream -c fast -N >&2
  cat >> "$dir/data/postgresql.conf" <<EOF
port = $port
listen_addresses = 'localhost'
unix_socket_directories = '$dir'
hot_standby = on
hot_standby_feedback = off
max_standby_streaming_delay = 1s
wal_receiver_status_interval = 1s
fsync = off
EOF
  cat > "$dir/data/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
EOF
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$dir"
  fi
  chmod 700 "$dir/data"
  if ! as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 start >&2; then
    cat "$dir/log" >&2
    rm -rf "$dir"
    exit 1
  fi
  echo "export TLRECON_STANDBY_PORT=$port TLRECON_STANDBY_DIR=$dir"
}

stop() {
  local dir=$1
  [ -d "$dir/data" ] || return 0
  as_postgres "/usr/lib/postgresql/$(cat "$dir/data/PG_VERSION")/bin/pg_ctl" -D "$dir/data" -m immediate -w stop \
    >&2 || true
  rm -rf "$dir"
}

case ${1:-} in
  start) start ;;
  stop) stop "${2:?standby.sh stop DIR}" ;;
  *) echo "usage: standby.sh start | stop DIR" >&2; exit 2 ;;
esac
