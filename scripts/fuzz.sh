#!/usr/bin/env bash
# Fuzzes tlrecon with libFuzzer: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Builds the targets of fuzz/ in build-fuzz with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer on; installs clang when missing, as root, or
# prints the apt-get line), then runs each target for SECONDS_PER_TARGET
# (default 60) on a copy of its seed corpus fuzz/corpus/<target> plus the
# reproducers kept in fuzz/regressions/<target>. What it finds goes to
# build-fuzz/work/<target>/ (corpus/ for new inputs, artifacts/ for crashes),
# never into the repository. It stops at the first crash, leak, timeout or
# broken invariant and prints the reproducer and the command that replays it.
#
# Targets: time csv copy_text text mapping annotations snapshot (default: all).
# Environment: TLRECON_FUZZ_BUILD (build dir), TLRECON_FUZZ_WORK (scratch dir),
# CXX_FUZZ (default clang++), FUZZ_EXTRA (more libFuzzer flags, e.g. -jobs=2).
set -euo pipefail
source "$(dirname "$0")/common.sh"

ALL_TARGETS=(time csv copy_text copy_binary text mapping annotations snapshot)
SECONDS_PER_TARGET=${1:-60}
[ $# -gt 0 ] && shift
TARGETS=("${ALL_TARGETS[@]}")
[ $# -gt 0 ] && TARGETS=("$@")
case "$SECONDS_PER_TARGET" in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac
for t in "${TARGETS[@]}"; do
  [ -d "$TLRECON_ROOT/fuzz/corpus/$t" ] || { echo "unknown target '$t'; known: ${ALL_TARGETS[*]}" >&2; exit 2; }
done

BUILD=${TLRECON_FUZZ_BUILD:-$TLRECON_ROOT/build-fuzz}
WORK=${TLRECON_FUZZ_WORK:-$BUILD/work}
CXX_FUZZ=${CXX_FUZZ:-clang++}

# 1. clang with its libFuzzer and sanitizer runtimes.
probe_clang() {
  local dir
  dir=$(mktemp -d)
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
    > "$dir/probe.cpp"
  "$CXX_FUZZ" -fsanitize=fuzzer,address,undefined "$dir/probe.cpp" -o "$dir/probe" >/dev/null 2>&1
  local rc=$?
  rm -rf "$dir"
  return $rc
}
if ! command -v "$CXX_FUZZ" >/dev/null || ! probe_clang; then
  install_packages clang libclang-rt-dev   # exits with the apt-get line when not root
  probe_clang || { echo "fuzz: $CXX_FUZZ cannot link -fsanitize=fuzzer,address,undefined" >&2; exit 1; }
fi

# 2. Build (only the fuzz targets; the tests are not needed here).
echo "fuzz: building in $BUILD with $CXX_FUZZ"
build_start=$SECONDS
cmake -S "$TLRECON_ROOT" -B "$BUILD" -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTLRECON_FUZZ=ON -DTLRECON_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target fuzzers -j "$(nproc)" >"$BUILD/fuzz-build.log" 2>&1 || {
  tail -50 "$BUILD/fuzz-build.log" >&2
  echo "fuzz: the build failed (log: $BUILD/fuzz-build.log)" >&2
  exit 1
}
echo "fuzz: built in $((SECONDS - build_start))s"

# Inputs larger than this are not tried (the seeds are far smaller).
max_len() {
  case "$1" in
    time) echo 256 ;;
    snapshot) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}

# 3. Run each target; a summary line per target at the end.
summary=()
for t in "${TARGETS[@]}"; do
  dir="$WORK/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -n "$TLRECON_ROOT/fuzz/corpus/$t/"* "$dir/corpus/" 2>/dev/null || true
  if [ -d "$TLRECON_ROOT/fuzz/regressions/$t" ]; then
    for f in "$TLRECON_ROOT/fuzz/regressions/$t/"*; do
      [ -f "$f" ] && cp -n "$f" "$dir/corpus/regression-$(basename "$f")"
    done
  fi
  opts=(-max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
        -max_len="$(max_len "$t")" -artifact_prefix="$dir/artifacts/")
  [ -f "$TLRECON_ROOT/fuzz/dicts/$t.dict" ] && opts+=(-dict="$TLRECON_ROOT/fuzz/dicts/$t.dict")
  # shellcheck disable=SC2206
  [ -n "${FUZZ_EXTRA:-}" ] && opts+=($FUZZ_EXTRA)
  log="$dir/fuzz.log"
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s (log: $log)"
  rc=0
  (cd "$dir" && "$BUILD/fuzz/${t}_fuzz" "${opts[@]}" "$dir/corpus" >"$log" 2>&1) || rc=$?

  fuzz_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  execs=$(fuzz_stat number_of_executed_units)
  rate=$(fuzz_stat average_exec_per_sec)
  new_units=$(fuzz_stat new_units_added)
  cov_start=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$log" | head -1)
  cov_end=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft_end=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus_end=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  crashes=0
  [ "$rc" -ne 0 ] && crashes=1
  line=$(printf '%-12s %9s runs %7s exec/s  cov %s -> %s (+%s)  ft %s  corpus %s (%s new units)  crashes %s' \
    "$t" "${execs:-?}" "${rate:-?}" "${cov_start:-?}" "${cov_end:-?}" \
    "$(( ${cov_end:-0} - ${cov_start:-0} ))" "${ft_end:-?}" "${corpus_end:-?}" "${new_units:-?}" "$crashes")
  echo "$line"
  summary+=("$line")
  if [ "$rc" -ne 0 ]; then
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    echo
    echo "fuzz: $t FAILED (exit $rc). The report:"
    # The first report, up to its SUMMARY line (at most 60 lines).
    awk '!on && /ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant violated|terminate called|ALARM: working on the last Unit|out-of-memory/ { on = 1 }
         on { print; if (/^SUMMARY:/ || ++n >= 60) exit }' "$log"
    if [ -n "$artifact" ]; then
      echo
      echo "fuzz: reproducer: $artifact"
      echo "fuzz: replay it:  $BUILD/fuzz/${t}_fuzz '$artifact'"
      echo "fuzz: keep it:    cp '$artifact' $TLRECON_ROOT/fuzz/regressions/$t/ (and a case in tests/fuzz_regressions_test.cpp)"
    fi
    echo "fuzz: full log: $log"
    exit 1
  fi
done

echo
echo "fuzz: summary (${SECONDS_PER_TARGET}s per target; new inputs in $WORK/<target>/corpus)"
printf '%s\n' "${summary[@]}"
