#!/usr/bin/env bash
# tlrecon benchmark (a benchmark, not a timed test): how far tlrecon is from
# the cost of just reading its rows out of PostgreSQL, and how that and its
# memory grow with the number of log rows.
#
#   bench/run.sh [--rows 1000000,5000000] [--runs 5] [--shape both] [--dsn DSN] [options]
#   bench/run.sh --quick        # the fleet shape at 2M rows, 3 rounds: a few minutes
#
# For each shape and size it generates a realistic day server-side into a fresh
# database (bench/generate.sql: --rows system_logs rows across two
# orchestrators and workers, with the workers, tasks, decisions and
# executions to match), takes the window = that whole day,
# snapshots it once with `tlrecon snapshot` (for the --from commands), and then
# measures, alternating the commands round-robin for --runs rounds (each
# round starts one command later):
#   (a) the floor: psql running COPY (<tlrecon's exact query>) TO STDOUT for
#       every table, the queries taken from the snapshot's manifest, in one
#       read-only repeatable-read transaction with tlrecon's session
#       settings, output to /dev/null (also timed per table);
#   (a') the hand-run floor of issue 14, what a user would run by hand:
#       psql -c "COPY (SELECT "timestamp", source_type, source_id, log_level,
#       message, task_id, worker_id, cycle_number FROM system_logs WHERE
#       <window> ORDER BY "timestamp") TO STDOUT" > /dev/null;
#       the targets are ratios to this one; and as an info row the same in
#       COPY … (FORMAT binary), how tlrecon reads system_logs' window;
#   (b) tlrecon check            (c) tlrecon report --format json
#   (d) tlrecon timeline --format jsonl
#   (e) tlrecon timeline --format jsonl and tlrecon check --from the snapshot;
#   (f) tlrecon snapshot --out a fresh directory (removed after each round);
#   and, as an info row when the role may write server files (superuser or
#   pg_write_server_files, as under pg_virtualenv), the server alone: the same
#   COPYs TO '/dev/null' on the server, no rows sent to any client.
# tlrecon's output goes to /dev/null. It prints, per size, the median wall
# time of each, its ratio to the floor's median, the client CPU time and the
# peak RSS; then how time and RSS grow from the smallest size to the largest
# and from the default shape to the fleet's; then every target of issue 14
# with its measured figure and PASS/FAIL (or n/a when this run has not
# measured it: growth needs two sizes or both shapes; the time targets are
# the issue's at 2M and 5M rows, the snapshot rates at 2M on the fleet, and
# at other sizes the same figures are printed as info); and appends all of it,
# with the machine it ran on, to bench/RESULTS.md.
#
# Shapes (bench/generate.sql's parameters):
#   default  120 worker slots, workers living 5-9 h (~500 a day, ~300 log
#            sources in a day's window at 1M rows), tasks = rows/100
#   fleet    issue 14's busy GPU farm: ~2,900 workers a day, ~80 alive at
#            once, 40 minutes each, 20,000 tasks, the two orchestrators
#            writing every 20th line (~3,000 log sources)
#
# Without --dsn it starts a throwaway PostgreSQL with pg_virtualenv -t
# (shared_buffers=2GB so the largest day stays cached: the measurements are
# warm-cache). With --dsn it needs a role that may CREATE DATABASE there; it
# creates tlrecon_bench_<rows> (dropping any old one of that name) and drops
# it at the end unless --keep.
#
# Options:
#   --rows LIST      comma-separated system_logs row counts (k/M suffixes ok); default 1000000,5000000
#   --runs N         rounds per size; default 5
#   --shape S        default, fleet or both (each size in each shape); default both
#   --quick          --rows 2M --runs 3 --shape fleet (explicit options after it win)
#   --two-readers    also measure check, report and timeline with TLRECON_READERS=2
#                    (system_logs on two connections sharing one snapshot)
#   --dsn DSN        use this server instead of a throwaway one
#   --tlrecon PATH   benchmark this binary (no build); default: build/tlrecon, built (release) if needed
#   --no-build       use build/tlrecon as it is
#   --partitioned    generate system_logs partitioned by day
#   --perf           also profile one `tlrecon check`, `report` and `timeline --format jsonl` per size
#                    with `perf record -a` (where the CPU goes: the PostgreSQL backend vs
#                    tlrecon, and the hottest symbols); needs linux-perf
#   --results FILE   append the results here (default bench/RESULTS.md); --no-results: don't
#   --note TEXT      a line to add to the results (what changed, say)
#   --keep           keep the databases (with --dsn) and the work directory
#
# The binary is copied at the start, so rebuilding during a run does not
# change what is measured. Needs psql, pg_virtualenv (postgresql,
# postgresql-common), GNU time, python3; installs what is missing when run as
# root (scripts/common.sh). Takes ~6 minutes with the defaults on 2 cores.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
ORIG_ARGS=("$@")

ROWS_LIST=1000000,5000000
RUNS=5
SHAPES=both
TWO_READERS=0
DSN=""
TLRECON_ARG=""
BUILD=1
PARTITIONED=0
PERF=0
RESULTS=$BENCH_DIR/RESULTS.md
NOTE=""
KEEP=0
INNER_WORK=""
START_DAY=2025-10-16
SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-2GB}

die() { echo "bench: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS_LIST=${2:?--rows needs a value}; shift 2 ;;
    --rows=*) ROWS_LIST=${1#*=}; shift ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --runs=*) RUNS=${1#*=}; shift ;;
    --shape) SHAPES=${2:?--shape needs a value}; shift 2 ;;
    --shape=*) SHAPES=${1#*=}; shift ;;
    --quick) ROWS_LIST=2000000; RUNS=3; SHAPES=fleet; shift ;;
    --two-readers) TWO_READERS=1; shift ;;
    --dsn) DSN=${2:?--dsn needs a value}; shift 2 ;;
    --dsn=*) DSN=${1#*=}; shift ;;
    --tlrecon) TLRECON_ARG=${2:?--tlrecon needs a path}; BUILD=0; shift 2 ;;
    --tlrecon=*) TLRECON_ARG=${1#*=}; BUILD=0; shift ;;
    --no-build) BUILD=0; shift ;;
    --partitioned) PARTITIONED=1; shift ;;
    --perf) PERF=1; shift ;;
    --results) RESULTS=${2:?--results needs a file}; shift 2 ;;
    --results=*) RESULTS=${1#*=}; shift ;;
    --no-results) RESULTS=""; shift ;;
    --note) NOTE=${2:?--note needs text}; shift 2 ;;
    --note=*) NOTE=${1#*=}; shift ;;
    --keep) KEEP=1; shift ;;
    --_inner) INNER_WORK=$2; shift 2 ;;   # internal: re-run under pg_virtualenv
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

# 1M -> 1000000, 200k -> 200000
SIZES=()
IFS=',' read -ra _sizes <<< "$ROWS_LIST"
for s in "${_sizes[@]}"; do
  s=${s// /}
  case "$s" in
    *[kK]) n=$(( ${s%?} * 1000 )) ;;
    *[mM]) n=$(( ${s%?} * 1000000 )) ;;
    *) n=$s ;;
  esac
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 50000 ] || die "--rows: '$s' is not a row count >= 50000"
  SIZES+=("$n")
done
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] || die "--runs: '$RUNS' is not a positive number"
case "$SHAPES" in
  both) SHAPE_LIST=(default fleet) ;;
  default|fleet) SHAPE_LIST=("$SHAPES") ;;
  *) die "--shape: '$SHAPES' is not default, fleet or both" ;;
esac
[ -n "$RESULTS" ] && case "$RESULTS" in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- outer part
# Dependencies, the binary, then the measurements (under pg_virtualenv
# unless --dsn).
if [ -z "$INNER_WORK" ]; then
  # shellcheck source=../scripts/common.sh
  source "$ROOT/scripts/common.sh"
  extra=(time python3)
  [ "$PERF" = 1 ] && extra+=(linux-perf)
  install_packages "${extra[@]}"
  [ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is missing: apt-get install time"

  if [ -n "$TLRECON_ARG" ]; then
    BIN=$TLRECON_ARG
  else
    BIN=$TLRECON_BUILD/tlrecon
    if [ "$BUILD" = 1 ]; then
      log "building tlrecon (release) in $TLRECON_BUILD"
      build_release
    fi
  fi
  [ -x "$BIN" ] || die "no tlrecon binary at $BIN (build it, or pass --tlrecon PATH)"
  BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

  WORK=$(mktemp -d /tmp/tlrecon-bench.XXXXXX)
  chmod 755 "$WORK"
  cleanup() { [ "$KEEP" = 1 ] && echo "bench: work directory kept: $WORK" >&2 || rm -rf "$WORK"; }
  trap cleanup EXIT

  # What is measured: a copy, with where it came from.
  cp "$BIN" "$WORK/tlrecon"
  {
    # No absolute path of this machine in the results: relative to the tree, else the file name.
    case "$BIN" in
      "$ROOT"/*) printf 'binary\t%s\n' "${BIN#"$ROOT"/}" ;;
      *) printf 'binary\t%s (outside the tree)\n' "$(basename "$BIN")" ;;
    esac
    printf 'binary_sha256\t%s\n' "$(sha256sum "$WORK/tlrecon" | cut -c1-16)"
    printf 'binary_mtime\t%s\n' "$(date -u -r "$BIN" +%Y-%m-%dT%H:%M:%SZ)"
    printf 'tlrecon_version\t%s\n' "$("$WORK/tlrecon" --version 2>&1 | head -1)"
    cache=$(dirname "$BIN")/CMakeCache.txt
    if [ -f "$cache" ]; then
      printf 'build_type\t%s\n' "$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")"
    fi
    if git -C "$ROOT" rev-parse --short HEAD >/dev/null 2>&1; then
      dirty=$(git -C "$ROOT" status --porcelain -- src include CMakeLists.txt | wc -l)
      printf 'git\t%s%s\n' "$(git -C "$ROOT" rev-parse --short HEAD)" \
        "$([ "$dirty" -gt 0 ] && echo " + uncommitted changes to $dirty file(s) under src/ include/")"
    fi
    printf 'nproc\t%s\n' "$(nproc)"
    printf 'cpu\t%s\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    printf 'ram\t%s GiB\n' "$(awk '/^MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
    printf 'os\t%s\n' "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), kernel $(uname -r)"
    if command -v systemd-detect-virt >/dev/null; then
      printf 'virt\t%s\n' "$(systemd-detect-virt 2>/dev/null || true)"
    fi
    printf 'date\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    # Paths in the arguments as file names only (no paths of this machine in the results).
    args=()
    for a in "${ORIG_ARGS[@]}"; do
      case "$a" in /*) args+=("$(basename "$a")") ;; *) args+=("$a") ;; esac
    done
    printf 'command\tbench/run.sh %s\n' "${args[*]}"
    printf 'runs\t%s\n' "$RUNS"
    printf 'note\t%s\n' "$NOTE"
  } > "$WORK/machine.tsv"
  if [ "$(awk -F'\t' '$1 == "build_type" {print $2}' "$WORK/machine.tsv")" != "Release" ] &&
     grep -q '^build_type' "$WORK/machine.tsv"; then
    log "warning: $BIN is not a Release build"
  fi

  if [ -n "$DSN" ]; then
    bash "${BASH_SOURCE[0]}" --_inner "$WORK" "${ORIG_ARGS[@]}"
  else
    command -v pg_virtualenv >/dev/null || die "pg_virtualenv is missing: apt-get install postgresql-common postgresql"
    log "starting a throwaway PostgreSQL (pg_virtualenv -t, shared_buffers=$SHARED_BUFFERS)"
    pg_virtualenv -t -o "shared_buffers=$SHARED_BUFFERS" -o max_wal_size=4GB -- \
      bash "${BASH_SOURCE[0]}" --_inner "$WORK" "${ORIG_ARGS[@]}"
  fi
  exit 0
fi

# ---------------------------------------------------------------- inner part
WORK=$INNER_WORK
TL=$WORK/tlrecon
SINCE=${START_DAY}T00:00:00Z
UNTIL=$(date -u -d "$START_DAY + 1 day" +%Y-%m-%dT%H:%M:%SZ)
COMMANDS=(floor floor_hand floor_hand_binary check report timeline timeline_snap check_snap snapshot)
[ "$TWO_READERS" = 1 ] && COMMANDS+=(check_2 report_2 timeline_2)
: > "$WORK/meas.tsv"
: > "$WORK/floorparts.tsv"
: > "$WORK/info.tsv"

# dsn_for DB: a connection string for database DB (on the --dsn server, or
# on pg_virtualenv's through libpq's environment).
dsn_for() {
  if [ -z "$DSN" ]; then
    printf 'dbname=%s' "$1"
  else
    python3 - "$DSN" "$1" <<'PY'
import sys, urllib.parse
dsn, db = sys.argv[1], sys.argv[2]
if dsn.startswith(("postgres://", "postgresql://")):
    u = urllib.parse.urlsplit(dsn)
    q = [(k, v) for k, v in urllib.parse.parse_qsl(u.query, keep_blank_values=True) if k != "dbname"]
    print(urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + urllib.parse.quote(db), urllib.parse.urlencode(q), "")))
else:
    print(dsn + " dbname='" + db + "'")   # the last value of a keyword wins
PY
  fi
}
ADMIN_DSN=${DSN:-dbname=postgres}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "$ADMIN_DSN" "$@"; }

info() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$WORK/info.tsv"; }

# measure SIZE NAME ROUND STDOUT CMD...: wall time (date, ns), peak RSS and
# CPU (GNU time) into meas.tsv. check exits 1 when it finds something at or
# above --fail-on; anything else but 0 stops the bench.
measure() {
  local size=$1 name=$2 round=$3 out=$4 rc t0 t1
  shift 4
  t0=$(date +%s%N)
  set +e
  /usr/bin/time -f '%M %U %S' -o "$WORK/time.out" "$@" > "$out" 2> "$WORK/stderr.out"
  rc=$?
  set -e
  t1=$(date +%s%N)
  if [ "$rc" -ne 0 ] && ! { [ "$rc" -eq 1 ] && [[ "$name" == check* ]]; }; then
    echo "bench: $name failed (exit $rc): $*" >&2
    grep -v '^Command exited with non-zero status' "$WORK/stderr.out" | tail -20 >&2
    exit 1
  fi
  read -r rss usr sys < <(grep -v '^Command exited' "$WORK/time.out" | tail -1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$name" "$round" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b - a) / 1e9}')" "$rss" "$usr" "$sys" >> "$WORK/meas.tsv"
}

# The summary and RESULTS.md writer.
cat > "$WORK/summary.py" <<'PY'
import json, os, statistics, sys
from collections import defaultdict

work = sys.argv[1]
mode = sys.argv[2]
LABEL = {
    "floor": "(a) floor: psql COPY, same queries",
    "floor_hand": "(a') hand-run floor: psql COPY system_logs",
    "floor_hand_binary": "the same in FORMAT binary (info)",
    "server": "server alone: COPY … TO '/dev/null' (info)",
    "check": "(b) check",
    "report": "(c) report --format json",
    "timeline": "(d) timeline --format jsonl",
    "timeline_snap": "(e) timeline --from snapshot --format jsonl",
    "check_snap": "(e) check --from snapshot",
    "snapshot": "(f) snapshot --out",
    "check_2": "(b2) check, two readers (info)",
    "report_2": "(c2) report --format json, two readers (info)",
    "timeline_2": "(d2) timeline --format jsonl, two readers (info)",
}
ORDER = ["floor", "floor_hand", "floor_hand_binary", "server", "check", "report", "timeline", "timeline_snap", "check_snap", "snapshot",
         "check_2", "report_2", "timeline_2"]

def rows(name):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n").split("\t") for l in f if l.strip()]

def ck(key):
    """'fleet-2000000' -> ('fleet', 2000000): a case, sorted by shape then rows."""
    shape, n = key.rsplit("-", 1)
    return (shape, int(n))

def tag(size):
    return "{}-{}".format(*size)

meas = defaultdict(lambda: defaultdict(list))        # case -> cmd -> [(wall, rss, cpu)]
for size, cmd, rnd, wall, rss, usr, sys_ in rows("meas.tsv"):
    meas[ck(size)][cmd].append((float(wall), int(rss), float(usr) + float(sys_)))
info = defaultdict(dict)
for size, key, value in rows("info.tsv"):
    info[ck(size)][key] = value
parts = defaultdict(lambda: defaultdict(list))
for size, rnd, label, secs in rows("floorparts.tsv"):
    parts[ck(size)][label].append(float(secs))
machine = {r[0]: (r[1] if len(r) > 1 else "") for r in rows("machine.tsv")}

def mib(kib):
    return kib / 1024.0

def size_table(size):
    """[(cmd, label, median, min, ratio, cpu, rss_mib, n, ratio_hand)] for one case."""
    m = meas[size]
    floor = statistics.median(w for w, _, _ in m["floor"]) if m.get("floor") else None
    hand = statistics.median(w for w, _, _ in m["floor_hand"]) if m.get("floor_hand") else None
    out = []
    for cmd in ORDER:
        if cmd not in m:
            continue
        walls = [w for w, _, _ in m[cmd]]
        med = statistics.median(walls)
        out.append((cmd, LABEL[cmd], med, min(walls), med / floor if floor else float("nan"),
                    statistics.median(c for _, _, c in m[cmd]), mib(max(r for _, r, _ in m[cmd])), len(walls),
                    med / hand if hand else float("nan")))
    return out

def fmt_int(n):
    return "{:,}".format(int(n))

def size_header(size):
    i = info[size]
    return ("{} shape, {} system_logs rows from {} log sources ({} rows read in all by the queries), "
            "window [{}, {}), {} runs{}".format(
        size[0], fmt_int(size[1]), fmt_int(i.get("sources", 0)), fmt_int(i.get("rows_read", 0)), i.get("since"), i.get("until"),
        machine.get("runs"), ", system_logs partitioned by day" if i.get("partitioned") == "1" else ""))

def size_notes(size):
    i = info[size]
    notes = []
    if i.get("gen_seconds"):
        notes.append("generated in {:.0f} s; system_logs {} (with indexes)".format(float(i["gen_seconds"]), i.get("logs_size", "?")))
    if i.get("snapshot_seconds"):
        s = float(i["snapshot_seconds"])
        notes.append("first snapshot (for --from, not in the table): {:.2f} s, {} rows/s, {} MiB of CSV".format(
            s, fmt_int(int(i.get("rows_read", 0)) / s), fmt_int(int(i.get("snapshot_bytes", 0)) / 1048576)))
    p = parts[size]
    if p:
        notes.append("floor by query (median s): " + ", ".join(
            "{} {:.3f}".format(k, statistics.median(v)) for k, v in p.items()))
    if i.get("findings"):
        notes.append("findings of check on this day: " + i["findings"])
    if i.get("load_before"):
        # The bench itself keeps about 1.5 cores busy; more than that means
        # something else ran on the machine and the times are noisy.
        notes.append("1-minute load average before the rounds {}, after {} (the bench alone keeps it near 1-1.5)".format(
            i["load_before"], i.get("load_after", "?")))
    return notes

def text_table(size):
    lines = ["== " + size_header(size)]
    lines.append("{:<44} {:>9} {:>8} {:>9} {:>8} {:>8} {:>9}".format(
        "command", "median s", "min s", "x floor", "x hand", "CPU s", "RSS MiB"))
    for cmd, label, med, mn, ratio, cpu, rss, n, hand in size_table(size):
        lines.append("{:<44} {:>9.2f} {:>8.2f} {:>9.2f} {:>8.2f} {:>8.2f} {:>9.1f}".format(
            label, med, mn, ratio, hand, cpu, rss))
    lines += ["  " + n for n in size_notes(size)]
    perf = os.path.join(work, "perf-{}.txt".format(tag(size)))
    if os.path.exists(perf):
        lines += ["  perf record -a (share of all CPU samples; swapper = idle):"]
        lines += ["    " + l for l in open(perf, encoding="utf-8", errors="replace").read().rstrip("\n").split("\n")]
    return "\n".join(lines)

def growth(a, b):
    ta = {r[0]: r for r in size_table(a)}
    tb = {r[0]: r for r in size_table(b)}
    out = []
    for cmd in ORDER:
        if cmd in ta and cmd in tb:
            out.append((LABEL[cmd], ta[cmd][2], tb[cmd][2], tb[cmd][2] / ta[cmd][2],
                        ta[cmd][6], tb[cmd][6], tb[cmd][6] / ta[cmd][6]))
    return a, b, out

def growth_pairs():
    """(a, b, what): from the fewest rows to the most in each shape, and from
    the default shape to the fleet at each size both have."""
    out = []
    for shape in sorted({s for s, _ in meas}):
        ns = sorted(n for s, n in meas if s == shape)
        if len(ns) > 1:
            out.append(((shape, ns[0]), (shape, ns[-1]), "rows"))
    for n in sorted({n for _, n in meas}):
        if ("default", n) in meas and ("fleet", n) in meas:
            out.append((("default", n), ("fleet", n), "sources"))
    return out

def growth_title(a, b, what):
    if what == "rows":
        return "growth from {} to {} rows, {} shape (x{:.1f})".format(fmt_int(a[1]), fmt_int(b[1]), a[0], b[1] / a[1])
    return "growth from {} to {} log sources, {} rows (default shape to fleet)".format(
        fmt_int(info[a].get("sources", 0)), fmt_int(info[b].get("sources", 0)), fmt_int(a[1]))

def text_growth():
    blocks = []
    for a, b, what in growth_pairs():
        blocks.append(text_growth_one(a, b, what))
    return "\n\n".join(blocks)

def text_growth_one(a, b, what):
    a, b, out = growth(a, b)
    lines = ["== " + growth_title(a, b, what)]
    lines.append("{:<44} {:>8} {:>8} {:>7} {:>9} {:>9} {:>7}".format(
        "command", "s", "s", "time x", "RSS MiB", "RSS MiB", "RSS x"))
    for label, sa, sb, tx, ra, rb, rx in out:
        lines.append("{:<44} {:>8.2f} {:>8.2f} {:>7.2f} {:>9.1f} {:>9.1f} {:>7.2f}".format(label, sa, sb, tx, ra, rb, rx))
    return "\n".join(lines)

def md_escape(s):
    return s.replace("|", "\\|")

def markdown():
    m = machine
    out = ["## {} — tlrecon {} ({})".format(m.get("date"), m.get("tlrecon_version", "?").replace("tlrecon ", ""),
                                             m.get("git", "?")), ""]
    out.append("- machine: {} × {}, {} RAM, {}{}".format(
        m.get("nproc"), m.get("cpu"), m.get("ram"), m.get("os"),
        ", virtualized ({})".format(m["virt"]) if m.get("virt") and m.get("virt") != "none" else ""))
    out.append("- PostgreSQL: {}; {}".format(info_any("server_version"), info_any("server_settings")))
    out.append("- binary: {} (sha256 {}…, built {}, {})".format(
        m.get("binary"), m.get("binary_sha256"), m.get("binary_mtime"), m.get("build_type", "build type unknown")))
    out.append("- command: `{}`".format(m.get("command", "").strip()))
    if m.get("note"):
        out.append("- note: " + m["note"])
    out.append("")
    for size in sorted(meas):
        out.append("### " + size_header(size))
        out.append("")
        out.append("| command | median s | min s | ratio to floor | ratio to hand-run floor | client CPU s | peak RSS MiB |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for cmd, label, med, mn, ratio, cpu, rss, n, hand in size_table(size):
            out.append("| {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.1f} |".format(
                md_escape(label), med, mn, ratio, hand, cpu, rss))
        out.append("")
        for n in size_notes(size):
            out.append("- " + md_escape(n))
        perf = os.path.join(work, "perf-{}.txt".format(tag(size)))
        if os.path.exists(perf):
            out += ["", "`perf record -a` of one run each (share of all CPU samples, both cores; swapper = idle):", "", "```"]
            out += open(perf, encoding="utf-8", errors="replace").read().rstrip("\n").split("\n")
            out.append("```")
        out.append("")
    for ga, gb, what in growth_pairs():
        a, b, rowsg = growth(ga, gb)
        out.append("### " + growth_title(a, b, what)[0].upper() + growth_title(a, b, what)[1:])
        out.append("")
        out.append("| command | s at {} | s at {} | time × | RSS MiB at {} | RSS MiB at {} | RSS × |".format(
            *(tag(x) for x in (a, b, a, b))))
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for label, sa, sb, tx, ra, rb, rx in rowsg:
            out.append("| {} | {:.2f} | {:.2f} | {:.2f} | {:.1f} | {:.1f} | {:.2f} |".format(md_escape(label), sa, sb, tx, ra, rb, rx))
        out.append("")
    out.append("### Targets of issue 14")
    out.append("")
    out.append("```")
    out += targets()
    out.append("```")
    out.append("")
    return "\n".join(out) + "\n"

# Issue 14's targets: (what, the measured figure, PASS/FAIL/n/a), per case.
RATIO_TARGETS = [("check", 0.6), ("report", 0.9), ("timeline", 1.0)]
RSS_CMDS = ["check", "report", "timeline", "timeline_snap", "check_snap", "snapshot"]

# The issue's sizes: the time targets hold at 2M and 5M rows, the snapshot
# rates on the fleet at 2M; at other sizes (1M, run for the growth) the same
# figures are printed as info, measured and compared but not a target.
TIME_TARGET_ROWS = (2000000, 5000000)
SNAPSHOT_TARGET_ROWS = (2000000,)

def targets():
    lines = []
    def line(what, fig, ok, target=True):
        verdict = "n/a" if ok is None else ("PASS" if ok else "FAIL")
        if not target:
            verdict = "info ({}, not a target size)".format("holds" if ok else "misses")
        lines.append("{:<62} {:>16}  {}".format(what, fig, verdict))
    for size in sorted(meas):
        t = {r[0]: r for r in size_table(size)}
        c = tag(size)
        rows = int(size[1])
        for cmd, limit in RATIO_TARGETS:
            if cmd in t and "floor_hand" in t:
                line("{}: {} <= {:.1f}x hand-run floor".format(c, cmd, limit), "{:.2f}x".format(t[cmd][8]), t[cmd][8] <= limit,
                     rows in TIME_TARGET_ROWS)
        for cmd in RSS_CMDS:
            if cmd in t:
                line("{}: {} peak RSS <= 32 MiB".format(c, cmd), "{:.1f} MiB".format(t[cmd][6]), t[cmd][6] <= 32)
        rows_read = int(info[size].get("rows_read", 0))
        if size[0] == "fleet" and rows_read:
            if "snapshot" in t:
                r = rows_read / t["snapshot"][2]
                line("{}: snapshot --out >= 1.0M rows/s".format(c), "{:.2f}M rows/s".format(r / 1e6), r >= 1e6,
                     rows in SNAPSHOT_TARGET_ROWS)
            if "check_snap" in t:
                r = rows_read / t["check_snap"][2]
                line("{}: check --from >= 3M rows/s".format(c), "{:.2f}M rows/s".format(r / 1e6), r >= 3e6,
                     rows in SNAPSHOT_TARGET_ROWS)
    pairs = growth_pairs()
    for what in ("rows", "sources"):
        mine = [p for p in pairs if p[2] == what]
        if not mine:
            line("RSS growth <= 10% ({})".format("1M to 5M rows" if what == "rows" else "300 to 3,000 sources"),
                 "not measured", None)
        for a, b, _ in mine:
            ta = {r[0]: r for r in size_table(a)}
            tb = {r[0]: r for r in size_table(b)}
            for cmd in ["check", "report", "timeline"]:
                if cmd in ta and cmd in tb:
                    g = tb[cmd][6] / ta[cmd][6] - 1
                    line("{} -> {}: {} RSS growth <= 10%".format(tag(a), tag(b), cmd), "{:+.1f}%".format(100 * g), g <= 0.10)
    return lines

def info_any(key):
    for size in sorted(info):
        if key in info[size]:
            return info[size][key]
    return "?"

HEADER = """# tlrecon benchmark results

Written by `bench/run.sh` (newest last). Each section is one run: the machine,
the binary, and per size of `system_logs` the median wall time of each
command over the rounds, its ratio to the floor (psql running tlrecon's own
`COPY (SELECT …) TO STDOUT` queries for every table, output discarded), the
median client CPU time (user + sys of the measured process: tlrecon, or psql
for the floor; the PostgreSQL backend's CPU is not in it) and the peak RSS
(the largest over the rounds). Warm cache: the day fits in shared_buffers.
"server alone" runs the same COPYs `TO '/dev/null'` on the server: what
producing the rows costs PostgreSQL with no client at all.
The window is the generated day; `check`, `report` and `timeline` read the
database, `--from` reads the snapshot taken once before the rounds. See
bench/run.sh for the method.

"""

if mode == "size":
    print(text_table(ck(sys.argv[3])))
elif mode == "final":
    for size in sorted(meas):
        print(text_table(size))
        print()
    g = text_growth()
    if g:
        print(g)
        print()
    print("== targets of issue 14")
    print("\n".join(targets()))
    print()
    results = sys.argv[3] if len(sys.argv) > 3 else ""
    if results:
        new = not os.path.exists(results) or os.path.getsize(results) == 0
        with open(results, "a", encoding="utf-8") as f:
            if new:
                f.write(HEADER)
            f.write(markdown())
        print("results appended to " + results)
PY

# floor_sql MANIFEST [server]: the floor's psql script, from the snapshot's
# manifest (the same queries in the same order, in one transaction with
# tlrecon's session settings). Output of COPY goes to \o /dev/null; stdout
# carries one "@@ label" line and psql's "Time:" line per query. With
# "server", COPY … TO '/dev/null' instead: the server produces the rows and
# writes them nowhere, no client involved.
floor_sql() {
  python3 - "$1" "${2:-}" <<'PY'
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
target = "'/dev/null'" if sys.argv[2] == "server" else "STDOUT"
print("\\o /dev/null")
print("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;")
print("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'; SET LOCAL IntervalStyle = 'iso_8601';")
print("SET LOCAL extra_float_digits = 1; SET LOCAL statement_timeout = 0;")
print("\\timing on")
for t in m["tables"]:
    if t.get("status") != "ok":
        continue
    for kind in ("prelude_query", "query"):
        q = t.get(kind)
        if q:
            print("\\echo @@ " + t["table"] + (" prelude" if kind == "prelude_query" else ""))
            print("COPY (" + q + ") TO " + target + ";")
print("\\timing off")
print("COMMIT;")
PY
}

# floor_parts SIZE ROUND: per-query times of the last floor run.
floor_parts() {
  awk -v size="$1" -v round="$2" '
    /^@@ / { label = substr($0, 4); next }
    /^Time: / && label != "" { ms = $2; printf "%s\t%s\t%s\t%.4f\n", size, round, label, ms / 1000; label = "" }
  ' "$WORK/floor.out" >> "$WORK/floorparts.tsv"
}

# perf_profile SIZE LABEL CMD...: one run of CMD under `perf record -a`
# (every CPU, so the PostgreSQL backend shows up next to tlrecon): the share
# of samples by process, and the hottest symbols by self time.
perf_profile() {
  local size=$1 label=$2 rc=0
  shift 2
  log "size $size: perf record -a of one tlrecon $label"
  perf record -q -a -F 499 -o "$WORK/perf.data" -- "$@" > /dev/null 2> "$WORK/perf.err" || rc=$?
  if [ "$rc" -gt 1 ]; then
    log "perf record failed (exit $rc): $(tail -1 "$WORK/perf.err")"
    return 0
  fi
  perf report -i "$WORK/perf.data" --no-children --sort comm --stdio -q > "$WORK/perf-comm.txt" 2>/dev/null || true
  perf report -i "$WORK/perf.data" --no-children --sort comm,symbol --stdio -q > "$WORK/perf-sym.txt" 2>/dev/null || true
  {
    echo "tlrecon $label, by process:"
    awk '/^ +[0-9]/ && n < 4 { sub(/ +$/, ""); print; n++ }' "$WORK/perf-comm.txt"
    echo "by process and symbol (self time, top 15):"
    awk '/^ +[0-9]/ && n < 15 { line = substr($0, 1, 150); sub(/ +$/, "", line); print line; n++ }' "$WORK/perf-sym.txt"
    echo
  } >> "$WORK/perf-$size.txt"
  rm -f "$WORK/perf.data"
}

server_version=$(psql_admin -Atc "SHOW server_version")
# The server-alone row needs a role that may write server files.
if [ "$(psql_admin -Atc "SELECT rolsuper OR pg_has_role(current_user, 'pg_write_server_files', 'MEMBER')
                         FROM pg_roles WHERE rolname = current_user")" = t ]; then
  COMMANDS+=(server)
else
  log "no superuser or pg_write_server_files: skipping the server-alone row"
fi
server_settings=$(psql_admin -Atc "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
  FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'jit', 'max_parallel_workers_per_gather')")
log "PostgreSQL $server_version ($server_settings)"

for shape in "${SHAPE_LIST[@]}"; do
for rows_n in "${SIZES[@]}"; do
  size=$shape-$rows_n     # the key of this case in the .tsv files
  db=tlrecon_bench_${shape}_$rows_n
  case "$shape" in
    fleet) shape_args=(-v slots=60 -v life=1800 -v drain=600 -v tasks_per_day=20000 -v orch_every=20) ;;
    *) shape_args=() ;;
  esac
  dbdsn=$(dsn_for "$db")
  info "$size" since "$SINCE"
  info "$size" until "$UNTIL"
  info "$size" partitioned "$PARTITIONED"
  info "$size" server_version "$server_version"
  info "$size" server_settings "$server_settings"

  log "size $size: generating into a fresh database $db"
  psql_admin -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  t0=$(date +%s%N)
  psql -X -q -v ON_ERROR_STOP=1 -d "$dbdsn" -v rows="$rows_n" -v partitioned="$PARTITIONED" \
    -v start="$START_DAY" "${shape_args[@]}" -f "$BENCH_DIR/generate.sql" > "$WORK/generate.out"
  t1=$(date +%s%N)
  info "$size" gen_seconds "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e9}')"
  info "$size" logs_size "$(psql -X -Atc "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid)))
    FROM pg_class c WHERE c.oid = 'system_logs'::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits
    WHERE inhparent = 'system_logs'::regclass)" -d "$dbdsn")"
  info "$size" sources "$(psql -X -Atc "SELECT count(DISTINCT source_id) FROM system_logs
    WHERE \"timestamp\" >= '$SINCE' AND \"timestamp\" < '$UNTIL'" -d "$dbdsn")"
  # The hand-run floor of issue 14: system_logs' columns in time order, as a user would dump them.
  hand_sql="COPY (SELECT \"timestamp\", source_type, source_id, log_level, message, task_id, worker_id, cycle_number
    FROM system_logs WHERE \"timestamp\" >= '$SINCE' AND \"timestamp\" < '$UNTIL' ORDER BY \"timestamp\") TO STDOUT"
  # Written pages out now, not during the measurements (needs superuser or pg_checkpoint).
  psql -X -q -d "$dbdsn" -c CHECKPOINT >/dev/null 2>&1 || true

  common=(--since "$SINCE" --until "$UNTIL" --timeout 1h -q)
  snap=$WORK/snapshot-$size
  rm -rf "$snap"
  log "size $size: snapshot"
  measure "$size" snapshot_first 1 /dev/null "$TL" snapshot --dsn "$dbdsn" "${common[@]}" --out "$snap"
  rows_read=$(python3 -c 'import json,sys; print(sum(t.get("rows", 0) for t in json.load(open(sys.argv[1]))["tables"]))' "$snap/manifest.json")
  info "$size" rows_read "$rows_read"
  info "$size" snapshot_seconds "$(awk -F'\t' -v s="$size" '$1 == s && $2 == "snapshot_first" {print $4}' "$WORK/meas.tsv")"
  info "$size" snapshot_bytes "$(du -sb "$snap" | cut -f1)"
  floor_sql "$snap/manifest.json" > "$WORK/floor-$size.sql"
  floor_sql "$snap/manifest.json" server > "$WORK/server-$size.sql"

  # What check finds on this day (unmeasured), to show the day is a realistic one.
  "$TL" check --from "$snap" --format json > "$WORK/findings.json" 2>/dev/null || true
  info "$size" findings "$(python3 -c '
import json, sys, collections
f = json.load(open(sys.argv[1]))["findings"]
c = collections.Counter(x["severity"] for x in f)
print("{} ({})".format(len(f), ", ".join("{} {}".format(n, s) for s, n in c.most_common())) if f else "none")' "$WORK/findings.json")"

  # Warm-up, not measured: the day into the caches.
  psql -X -q -v ON_ERROR_STOP=1 -d "$dbdsn" -f "$WORK/floor-$size.sql" > /dev/null

  info "$size" load_before "$(cut -d' ' -f1 /proc/loadavg)"
  for round in $(seq 1 "$RUNS"); do
    log "size $size: round $round/$RUNS"
    n=${#COMMANDS[@]}
    for i in $(seq 0 $((n - 1))); do
      cmd=${COMMANDS[$(( (i + round - 1) % n ))]}
      case "$cmd" in
        floor)
          measure "$size" floor "$round" "$WORK/floor.out" \
            psql -X -q -v ON_ERROR_STOP=1 -d "$dbdsn" -f "$WORK/floor-$size.sql"
          floor_parts "$size" "$round" ;;
        floor_hand)
          measure "$size" floor_hand "$round" /dev/null psql -X -q -d "$dbdsn" -c "$hand_sql" ;;
        floor_hand_binary)
          measure "$size" floor_hand_binary "$round" /dev/null psql -X -q -d "$dbdsn" -c "$hand_sql (FORMAT binary)" ;;
        server)
          measure "$size" server "$round" /dev/null \
            psql -X -q -v ON_ERROR_STOP=1 -d "$dbdsn" -f "$WORK/server-$size.sql" ;;
        check) measure "$size" check "$round" /dev/null "$TL" check --dsn "$dbdsn" "${common[@]}" ;;
        report) measure "$size" report "$round" /dev/null "$TL" report --dsn "$dbdsn" "${common[@]}" --format json ;;
        timeline) measure "$size" timeline "$round" /dev/null "$TL" timeline --dsn "$dbdsn" "${common[@]}" --format jsonl ;;
        timeline_snap) measure "$size" timeline_snap "$round" /dev/null "$TL" timeline --from "$snap" -q --format jsonl ;;
        check_2) measure "$size" check_2 "$round" /dev/null env TLRECON_READERS=2 "$TL" check --dsn "$dbdsn" "${common[@]}" ;;
        report_2) measure "$size" report_2 "$round" /dev/null env TLRECON_READERS=2 "$TL" report --dsn "$dbdsn" "${common[@]}" --format json ;;
        timeline_2) measure "$size" timeline_2 "$round" /dev/null env TLRECON_READERS=2 "$TL" timeline --dsn "$dbdsn" "${common[@]}" --format jsonl ;;
        check_snap) measure "$size" check_snap "$round" /dev/null "$TL" check --from "$snap" -q ;;
        snapshot)
          rm -rf "$WORK/snapout"
          measure "$size" snapshot "$round" /dev/null "$TL" snapshot --dsn "$dbdsn" "${common[@]}" --out "$WORK/snapout"
          rm -rf "$WORK/snapout" ;;
      esac
    done
  done

  info "$size" load_after "$(cut -d' ' -f1 /proc/loadavg)"
  if [ "$PERF" = 1 ]; then
    if command -v perf >/dev/null; then
      : > "$WORK/perf-$size.txt"
      perf_profile "$size" check "$TL" check --dsn "$dbdsn" "${common[@]}"
      perf_profile "$size" "report --format json" "$TL" report --dsn "$dbdsn" "${common[@]}" --format json
      perf_profile "$size" "timeline --format jsonl" "$TL" timeline --dsn "$dbdsn" "${common[@]}" --format jsonl
    else
      log "perf is not installed (apt-get install linux-perf); skipping --perf"
    fi
  fi

  python3 "$WORK/summary.py" "$WORK" size "$size"
  echo
  rm -rf "$snap"
  if [ -n "$DSN" ] && [ "$KEEP" = 0 ]; then
    psql_admin -c "DROP DATABASE IF EXISTS $db"
  fi
done
done

python3 "$WORK/summary.py" "$WORK" final "$RESULTS"
