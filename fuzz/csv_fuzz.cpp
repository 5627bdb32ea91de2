// libFuzzer target: CsvReader, and append_csv_field reading back what CsvReader read.
// The body is tlrecon::fuzz::csv_one in fuzz_harness.hpp, shared with the regression tests.
#include "fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tlrecon::fuzz::csv_one(tlrecon::fuzz::as_view(data, size));
  return 0;
}
