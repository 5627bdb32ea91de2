// libFuzzer target: visible, valid_utf8, utf8_sequence_length (against a reference) and truncate_text.
// The body is tlrecon::fuzz::text_one in fuzz_harness.hpp, shared with the regression tests.
#include "fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tlrecon::fuzz::text_one(tlrecon::fuzz::as_view(data, size));
  return 0;
}
