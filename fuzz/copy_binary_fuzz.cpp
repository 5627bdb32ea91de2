// libFuzzer target: BinaryCopyReader (PostgreSQL COPY binary format), fed whole and in two parts.
// The body is tlrecon::fuzz::copy_binary_one in fuzz_harness.hpp, shared with the regression tests.
#include "fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tlrecon::fuzz::copy_binary_one(tlrecon::fuzz::as_view(data, size));
  return 0;
}
