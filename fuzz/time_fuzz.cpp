// libFuzzer target: parse_time, parse_duration, the formatters and resolve_window. Input: "<text>\n<zone>\n<other>".
// The body is tlrecon::fuzz::time_one in fuzz_harness.hpp, shared with the regression tests.
#include "fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tlrecon::fuzz::time_one(tlrecon::fuzz::as_view(data, size));
  return 0;
}
