// libFuzzer target: decode_copy_line (PostgreSQL COPY text format), and a re-encoding round trip.
// The body is tlrecon::fuzz::copy_text_one in fuzz_harness.hpp, shared with the regression tests.
#include "fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tlrecon::fuzz::copy_text_one(tlrecon::fuzz::as_view(data, size));
  return 0;
}
