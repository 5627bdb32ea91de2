// libFuzzer target: a snapshot directory built from the input, read by check, report and timeline in every format.
// The body is tlrecon::fuzz::snapshot_one in fuzz_harness.hpp, shared with the regression tests.
#include "fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tlrecon::fuzz::snapshot_one(tlrecon::fuzz::as_view(data, size));
  return 0;
}
