// The fuzzers' findings, kept. Every seed (fuzz/corpus/<target>/) and every
// reproducer (fuzz/regressions/<target>/) goes through the same body the
// libFuzzer target runs (fuzz/fuzz_harness.hpp), here without libFuzzer and
// in the ordinary build: nothing may escape but an Error with the documented
// exit code, and no invariant may break. Under scripts/sanitize.sh the same
// replay runs with AddressSanitizer and UBSan. Each reproducer also has a
// case below that pins the behaviour expected of it.
#define TLRECON_FUZZ_THROW
#include "../fuzz/fuzz_harness.hpp"

#include <algorithm>
#include <utility>

#include <doctest/doctest.h>

#include "tlrecon/snapshot.hpp"

using namespace tlrecon;
namespace fs = std::filesystem;

namespace {

fs::path fuzz_dir() {
  if (const char* dir = std::getenv("TLRECON_FUZZ_DIR")) {
    return dir;
  }
  return fs::path(__FILE__).parent_path().parent_path() / "fuzz";
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

using Body = void (*)(std::string_view);
const std::pair<const char*, Body> k_targets[] = {
    {"time", fuzz::time_one},
    {"csv", fuzz::csv_one},
    {"copy_text", fuzz::copy_text_one},
    {"copy_binary", fuzz::copy_binary_one},
    {"text", fuzz::text_one},
    {"mapping", fuzz::mapping_one},
    {"annotations", fuzz::annotations_one},
    {"snapshot", fuzz::snapshot_one},
};

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file()) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("fuzz");

TEST_CASE("every seed and every kept reproducer replays through its fuzz target cleanly") {
  fs::path root = fuzz_dir();
  REQUIRE_MESSAGE(fs::is_directory(root / "corpus"), "no fuzz corpus at ", root.string(),
                  " (set TLRECON_FUZZ_DIR)");
  for (const auto& target : k_targets) {
    const char* name = target.first;
    Body body = target.second;
    size_t seeds = 0;
    for (const char* kind : {"corpus", "regressions"}) {
      for (const fs::path& file : files_in(root / kind / name)) {
        INFO(file.string());
        std::string data = slurp(file);
        CHECK_NOTHROW(body(data));
        seeds += std::string(kind) == "corpus" ? 1 : 0;
      }
    }
    INFO(name);
    CHECK(seeds >= 5);  // a corpus that vanished is not a pass
  }
}

// ---- time: parse_duration overflowed (UBSan: signed integer overflow in
// std::chrono's conversion to microseconds, src/time.cpp parse_duration).
// fuzz/regressions/time/duration_weeks_overflow, duration_sum_overflow.
TEST_CASE("parse_duration: a duration microseconds cannot hold is malformed, not an overflow") {
  CHECK_FALSE(parse_duration("99999999w").has_value());             // 99999999 weeks in µs > 2^63
  CHECK_FALSE(parse_duration("100000000d100000000d").has_value());  // each fits, the sum does not
  CHECK_FALSE(parse_duration("20200269w25s").has_value());          // the fuzzer's own input
  // Ordinary durations are untouched.
  CHECK(parse_duration("1w") == Micros(std::chrono::hours(24 * 7)));
  CHECK(parse_duration("1h30m") == Micros(std::chrono::minutes(90)));
  CHECK(parse_duration("90s") == Micros(std::chrono::seconds(90)));
}

TEST_CASE("resolve_window: --since with a duration too long to hold is a usage error") {
  WindowOptions o;
  o.since = "99999999w";
  Time now = fuzz::fixed_now();
  CHECK_THROWS_AS(resolve_window(o, now, std::nullopt), Error);
  o.since.clear();
  o.around = "2025-10-16T17:00:00Z";
  o.window = "100000000d100000000d";
  CHECK_THROWS_AS(resolve_window(o, now, std::nullopt), Error);
}

// ---- mapping: a number too large for a double made nlohmann::json throw
// out_of_range (406) from json::parse, which load_mapping did not catch
// (it catches parse_error only, src/mapping.cpp load_mapping): the user got
// "internal error", exit 4, instead of exit 2 naming the file.
// fuzz/regressions/mapping/number_overflow_1e999, number_overflow_fuzzer_input.
TEST_CASE("load_mapping: a number JSON cannot hold is exit 2 naming the file, not an internal error") {
  for (const char* text : {R"({"thresholds": {"gap_factor": 1e999}})", R"({"patterns":81e3086})",
                           R"({"thresholds": {"lookback": -1e400}})"}) {
    INFO(text);
    std::string path = fuzz::write_file(fuzz::Scratch::dir() / "big_number.json", text);
    bool threw_error = false;
    try {
      (void)load_mapping(path);
    } catch (const Error& e) {
      threw_error = true;
      CHECK(e.exit_code() == k_exit_usage);
      CHECK(std::string(e.what()).find("big_number.json") != std::string::npos);
    }
    CHECK(threw_error);
  }
}

// ---- snapshot: manifest.json is the one file no checksum covers, so its
// numbers are hostile input. lookback_seconds 1e300 was cast to long long
// (UBSan: float-cast-overflow, src/snapshot.cpp parse_manifest); a
// format_version of 1e300 was read with get<int>() (UBSan, inside
// nlohmann's from_json) and, in the release build, accepted as INT_MIN.
// fuzz/regressions/snapshot/manifest_lookback_1e300, manifest_format_version_1e300.
namespace {

int manifest_exit_code(const std::string& regression) {
  auto built = fuzz::build_snapshot(slurp(fuzz_dir() / "regressions" / "snapshot" / regression));
  try {
    (void)read_snapshot_manifest(built.first);
    (void)open_snapshot(built.first);
  } catch (const Error& e) {
    return e.exit_code();
  }
  return 0;
}

}  // namespace

TEST_CASE("snapshot manifest: numbers out of range are a damaged manifest (exit 3), not undefined behaviour") {
  CHECK(manifest_exit_code("manifest_lookback_1e300") == k_exit_source);
  CHECK(manifest_exit_code("manifest_format_version_1e300") == k_exit_source);
}

// ---- snapshot: the markdown report's activity table has a row for every
// 5-minute bucket that overlaps a finding (src/render_markdown.cpp, the
// bucket loop of the activity section). A logging gap still open at the
// window's end overlaps them all, so the report grows with the window, not
// the data: a 100-year window over the bundled sample gives 375 MB of
// markdown; the manifest window 0000-01-01..9999-12-31 (a manifest is not
// checksummed) a billion rows, out of memory in the fuzzer. Expected: either
// the window is refused, or the output stays proportionate to the data.
// fuzz/regressions/snapshot/manifest_window_ten_thousand_years.
TEST_CASE("report: a window of ten thousand years does not make a report of gigabytes") {
  auto built = fuzz::build_snapshot(
      slurp(fuzz_dir() / "regressions" / "snapshot" / "manifest_window_ten_thousand_years"));
  CommonOptions common;
  common.from = built.first;
  common.quiet = true;
  ReportCommandOptions report;
  report.color = ColorMode::never;
  fuzz::BoundedOutput out_buf("report", size_t{1} << 20);
  std::ostream out(&out_buf);
  out.exceptions(std::ios::badbit);
  std::ostringstream err;
  try {
    (void)run_report(common, report, out, err, false);
  } catch (const Error& e) {
    CHECK((e.exit_code() == k_exit_usage || e.exit_code() == k_exit_source));  // refused: fine too
    return;
  }
  CHECK(out_buf.str().size() < (size_t{1} << 20));
}

TEST_SUITE_END();
