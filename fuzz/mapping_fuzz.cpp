// libFuzzer target: load_mapping / apply_mapping, the RE2 pattern sets, the mapping_to_json round trip.
// The body is tlrecon::fuzz::mapping_one in fuzz_harness.hpp, shared with the regression tests.
#include "fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tlrecon::fuzz::mapping_one(tlrecon::fuzz::as_view(data, size));
  return 0;
}
