#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "fake_source.hpp"
#include "tlrecon/report.hpp"
#include "tlrecon/spill.hpp"

using namespace tlrecon;
using tlrecon::test::FakeSource;

namespace {

const Window k_window{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};

// `sources` workers logging a first and a last line each, with messages long
// enough that `sources` x ~300 bytes of first lines say whether the
// collector's first-line buffer went to its temporary file.
void first_and_last(int sources, bool spilled) {
  FakeSource src;
  src.declare(TableId::system_logs);
  const std::string padding(200, 'x');
  char name[32];
  for (int i = 0; i < sources; ++i) {
    std::snprintf(name, sizeof name, "w%05d", i);
    // Out of name order in time: the collector sorts them by name.
    int second = (sources - i) % 60;
    char first_at[32];
    std::snprintf(first_at, sizeof first_at, "2025-10-16 17:%02d:%02d+00", 1 + i % 20, second);
    char last_at[32];
    std::snprintf(last_at, sizeof last_at, "2025-10-16 17:%02d:%02d+00", 40 + i % 19, second);
    src.add(TableId::system_logs, {std::string(name) + "-a", first_at, "worker", name, "INFO",
                                   std::string("first of ") + name + " " + padding});
    src.add(TableId::system_logs, {std::string(name) + "-b", last_at, "worker", name, "INFO",
                                   std::string("last of ") + name + " " + padding});
  }
  ReportCollector collector(k_window, false);
  Analysis a = analyze(src, default_mapping(), k_window, [&](const Observation& o) { collector.on_event(o); });
  collector.finish();
  CHECK(collector.first_lines_spilled() == spilled);
  collector.finish();  // again: nothing more
  std::vector<ReportCollector::FirstLast> kept = collector.first_last();
  REQUIRE(kept.size() == static_cast<size_t>(sources));
  for (int i = 0; i < sources; ++i) {
    std::snprintf(name, sizeof name, "w%05d", i);
    Event first;
    parse_event(kept[i].first, first);
    Event last;
    parse_event(kept[i].last, last);
    REQUIRE(first.source_id == name);
    CHECK(first.key == std::string(name) + "-a");
    CHECK(first.message == std::string("first of ") + name + " " + padding);
    CHECK(last.source_id == name);
    CHECK(last.key == std::string(name) + "-b");
    CHECK(last.message == std::string("last of ") + name + " " + padding);
    CHECK(last.time > first.time);
  }
}

}  // namespace

TEST_SUITE_BEGIN("report");

TEST_CASE("report: each source's first and last line, kept in memory for a few sources") {
  first_and_last(20, false);  // ~6 KB of first lines: the buffer only
}

TEST_CASE("report: each source's first and last line, through the temporary file for thousands of sources") {
  first_and_last(3000, true);  // ~0.9 MB of first lines: most went to the file and came back
}

TEST_CASE("report: without a temporary file, the first lines stay in memory and the report is the same") {
  // TMPDIR restored however the case ends: the cases after it spill too.
  struct NoTemporaryFiles {
    const char* was = std::getenv("TMPDIR");
    std::string saved = was != nullptr ? was : "";
    NoTemporaryFiles() { ::setenv("TMPDIR", "/nonexistent/tlrecon-no-such-dir", 1); }
    ~NoTemporaryFiles() { was != nullptr ? ::setenv("TMPDIR", saved.c_str(), 1) : ::unsetenv("TMPDIR"); }
  } no_temporary_files;
  first_and_last(3000, false);
}

TEST_SUITE_END();
