// libFuzzer target: read_annotations on a file holding the input (CSV or JSONL).
// The body is tlrecon::fuzz::annotations_one in fuzz_harness.hpp, shared with the regression tests.
#include "fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tlrecon::fuzz::annotations_one(tlrecon::fuzz::as_view(data, size));
  return 0;
}
