#!/usr/bin/env bash
# The test suite under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer, or with SANITIZE_KIND=thread under
# ThreadSanitizer (the threads that read system_logs ahead and hash
# snapshots): builds tlrecon and the unit tests in build-asan (build-tsan),
# runs the unit tests and the end-to-end tests that need no server, and, when
# PGHOST is set (inside pg_virtualenv, as scripts/test.sh runs it), the
# PostgreSQL end-to-end tests too. Exits non-zero when a test fails or any
# sanitizer reports anything, even in a test that passed (see below).
#
#   bash scripts/sanitize.sh                      # standalone: no PostgreSQL tests
#   pg_virtualenv -- bash scripts/sanitize.sh     # with them
#
# Environment: SANITIZE_KIND (address, the default, or thread),
# TLRECON_ASAN_BUILD (build dir), CXX_SANITIZE (default g++;
# clang++ 14 cannot build tests/detectors_test.cpp, which captures a
# structured binding in a lambda), SANITIZE_BUILD_TYPE (default
# RelWithDebInfo), SANITIZE_PG_TESTS (the PostgreSQL tests to run, default
# "postgres"; e.g. "postgres hardening").
#
# Where reports go: AddressSanitizer and LeakSanitizer write them to
# build-asan/sanitizer-reports/ (log_path), so a report in any process fails
# this script even when the test around it passed. GCC's UBSan runtime
# ignores log_path and prints to stderr, then aborts (abort_on_error): the
# unit tests fail on it, and scripts/sanitize_site/sitecustomize.py records
# every child of an end-to-end test that dies of SIGABRT in the same
# directory, with its command line to replay.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_packages python3

KIND=${SANITIZE_KIND:-address}
case "$KIND" in
  address)
    BUILD=${TLRECON_ASAN_BUILD:-$TLRECON_ROOT/build-asan}
    SANITIZERS="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all" ;;
  thread)
    BUILD=${TLRECON_ASAN_BUILD:-$TLRECON_ROOT/build-tsan}
    SANITIZERS="-fsanitize=thread" ;;
  *) echo "sanitize: SANITIZE_KIND is address or thread, not '$KIND'" >&2; exit 2 ;;
esac
CXX_SANITIZE=${CXX_SANITIZE:-g++}
BUILD_TYPE=${SANITIZE_BUILD_TYPE:-RelWithDebInfo}
# _GLIBCXX_ASSERTIONS: bounds-checked operator[] and friends in libstdc++ (no ABI change).
CXXFLAGS_SAN="$SANITIZERS -fno-omit-frame-pointer -g -D_GLIBCXX_ASSERTIONS"

# 1. Build. Warnings are the release build's business (-Werror there); with
#    sanitizers GCC warns about code it instrumented, so they are not fatal here.
start=$SECONDS
echo "sanitize: building in $BUILD ($CXX_SANITIZE, $BUILD_TYPE, $SANITIZERS)"
# Another compiler than the cached one: start from an empty build directory
# (CMake rebuilds by itself when only the flags change).
if [ -f "$BUILD/CMakeCache.txt" ]; then
  cached=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
  wanted=$(command -v "$CXX_SANITIZE" || echo "$CXX_SANITIZE")
  if [ "$(readlink -f "$cached")" != "$(readlink -f "$wanted")" ]; then
    rm -rf "$BUILD"
  fi
fi
cmake -S "$TLRECON_ROOT" -B "$BUILD" -DCMAKE_CXX_COMPILER="$CXX_SANITIZE" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS_SAN" -DCMAKE_EXE_LINKER_FLAGS="$SANITIZERS" \
  -DTLRECON_WERROR=OFF -DTLRECON_TESTS=ON -DTLRECON_FUZZ=OFF >/dev/null
if ! cmake --build "$BUILD" --target tlrecon unit_tests -j "$(nproc)" >"$BUILD/sanitize-build.log" 2>&1; then
  tail -50 "$BUILD/sanitize-build.log"
  echo "sanitize: the build failed (log: $BUILD/sanitize-build.log)"
  exit 1
fi
echo "sanitize: built in $((SECONDS - start))s"

# 2. Every report goes to a file as well as failing the process: a report in a
#    child whose exit code a test does not check still fails this script.
REPORTS="$BUILD/sanitizer-reports"
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$REPORTS/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1:log_path=$REPORTS/ubsan"
export LSAN_OPTIONS="log_path=$REPORTS/lsan"
export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:log_path=$REPORTS/tsan"
# Under ThreadSanitizer, system_logs is read ahead on its thread too (off by default).
[ "$KIND" = thread ] && export TLRECON_READ_AHEAD=1
export TLRECON="$BUILD/tlrecon"
# Python children that die of SIGABRT & co. are recorded there too (see the file).
export TLRECON_SANITIZER_REPORTS="$REPORTS"
export PYTHONPATH="$TLRECON_ROOT/scripts/sanitize_site${PYTHONPATH:+:$PYTHONPATH}"

failed=()
passed=()
run() {  # run NAME COMMAND...
  local name=$1
  shift
  local t0=$SECONDS
  echo "sanitize: $name"
  if (cd "$TLRECON_ROOT" && "$@"); then
    passed+=("$name ($((SECONDS - t0))s)")
  else
    failed+=("$name (exit $?)")
  fi
}

run unit_tests "$BUILD/tests/unit_tests"
for t in cli golden report terminal hostile; do
  run "e2e_$t" python3 "$TLRECON_ROOT/tests/e2e/test_$t.py"
done
if [ -n "${PGHOST:-}" ]; then
  for t in ${SANITIZE_PG_TESTS:-postgres}; do
    run "e2e_$t" python3 "$TLRECON_ROOT/tests/e2e/test_$t.py"
  done
else
  echo "sanitize: PGHOST is not set: the PostgreSQL tests are skipped (run under pg_virtualenv for them)"
fi

# 3. The verdict.
reports=()
for f in "$REPORTS"/*; do
  [ -s "$f" ] && reports+=("$f")
done
echo
echo "sanitize: $((SECONDS - start))s in all; passed: ${#passed[@]}, failed: ${#failed[@]}, sanitizer reports: ${#reports[@]}"
for p in "${passed[@]}"; do echo "  ok      $p"; done
for f in "${failed[@]}"; do echo "  FAILED  $f"; done
if [ ${#reports[@]} -gt 0 ]; then
  for f in "${reports[@]}"; do
    echo
    echo "==== $f"
    head -80 "$f"
  done
fi
[ ${#failed[@]} -eq 0 ] && [ ${#reports[@]} -eq 0 ]
