#include <doctest/doctest.h>

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <string>

#include "fake_source.hpp"
#include "tlrecon/report.hpp"
#include "tlrecon/report_timeline.hpp"
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
  CHECK(collector.spilled() == spilled);
  std::vector<ReportCollector::FirstLast> kept = collector.first_last();
  REQUIRE(kept.size() == static_cast<size_t>(sources));
  std::vector<char> buffer;
  for (int i = 0; i < sources; ++i) {
    std::snprintf(name, sizeof name, "w%05d", i);
    Event first;
    parse_event(collector.read(kept[i].first.at, buffer), first);
    CHECK(kept[i].first.time == first.time);
    Event last = ReportCollector::last_of(*kept[i].last);
    REQUIRE(first.source_id == name);
    CHECK(first.key == std::string(name) + "-a");
    CHECK(first.message == std::string("first of ") + name + " " + padding);
    CHECK(last.source_id == name);
    CHECK(last.key == std::string(name) + "-b");
    CHECK(last.message == std::string("last of ") + name + " " + padding);
    CHECK(last.time > first.time);
  }
}

// No temporary file can be made while it lives; TMPDIR restored however
// the case ends: the cases after it spill too.
struct NoTemporaryFiles {
  const char* was = std::getenv("TMPDIR");
  std::string saved = was != nullptr ? was : "";
  NoTemporaryFiles() { ::setenv("TMPDIR", "/nonexistent/tlrecon-no-such-dir", 1); }
  ~NoTemporaryFiles() { was != nullptr ? ::setenv("TMPDIR", saved.c_str(), 1) : ::unsetenv("TMPDIR"); }
  NoTemporaryFiles(const NoTemporaryFiles&) = delete;
  NoTemporaryFiles& operator=(const NoTemporaryFiles&) = delete;
};

// What a collector kept of a day with `workers` workers (created, promoted
// and terminated in the window) and `errors` ERROR lines (kept for the
// timeline), one of them with a 100 KB id when there are more than 100 (a record larger than the
// collector's buffer): the timeline's events serialized, and the lives.
struct Kept {
  std::vector<std::string> timeline;
  std::vector<std::pair<std::string, EventType>> lives;
  bool spilled = false;
};

Kept kept_of(int workers, int errors) {
  FakeSource src;
  src.declare(TableId::workers);
  src.declare(TableId::system_logs);
  char name[32];
  for (int i = 0; i < workers; ++i) {
    std::snprintf(name, sizeof name, "w%05d", i);
    char created[32];
    std::snprintf(created, sizeof created, "2025-10-16 17:%02d:%02d+00", i % 10, i % 60);
    char promoted[32];
    std::snprintf(promoted, sizeof promoted, "2025-10-16 17:%02d:%02d+00", 10 + i % 10, i % 60);
    char terminated[32];
    std::snprintf(terminated, sizeof terminated, "2025-10-16 17:%02d:%02d+00", 50 + i % 10, i % 60);
    src.add(TableId::workers, {name, "RTX", "terminated", created, "\\N", "\\N", promoted, terminated});
  }
  const std::string padding(300, 'e');
  for (int i = 0; i < errors; ++i) {
    std::snprintf(name, sizeof name, "w%05d", i % workers);
    char at[32];
    std::snprintf(at, sizeof at, "2025-10-16 17:%02d:%02d.%06d+00", 20 + i % 30, i % 60, i);
    std::string id = errors > 100 && i == errors / 2 ? std::string(100000, 'k') : "e" + std::to_string(i);
    src.add(TableId::system_logs, {id, at, "worker", name, "ERROR", "failed " + std::to_string(i) + " " + padding});
  }
  ReportCollector collector(k_window, false);
  Analysis a = analyze(src, default_mapping(), k_window, [&](const Observation& o) { collector.on_event(o); });
  Kept k;
  k.spilled = collector.spilled();
  std::vector<char> buffer;
  collector.for_each_kept(
      [&](const ReportCollector::Spooled& s) {
        Event e;
        parse_event(collector.read(s.at, buffer), e);
        CHECK(s.time == e.time);
        CHECK(s.type == e.type);
        CHECK(s.origin == e.origin);
        std::vector<char> bytes;
        serialize_event(e, bytes);
        k.timeline.emplace_back(bytes.begin(), bytes.end());
      },
      [&](const WorkerLife& life, EventType type) {
        k.lives.emplace_back(ReportCollector::event_of(life, type).key, type);
      });
  return k;
}

}  // namespace

TEST_SUITE_BEGIN("report");

TEST_CASE("report: the timeline's events and the workers' lifecycle events come back from the temporary file") {
  Kept k = kept_of(50, 1500);  // ~0.5 MB of ERROR lines: most went to the file
  CHECK(k.spilled);
  REQUIRE(k.timeline.size() == 1500);
  size_t huge = 0;
  for (size_t i = 0; i < k.timeline.size(); ++i) {
    Event e;
    parse_event(k.timeline[i].data(), e);
    CHECK(e.type == EventType::log);
    CHECK(e.status == "ERROR");
    CHECK(e.message.rfind("failed ", 0) == 0);
    if (e.key.size() == 100000) {
      ++huge;
    }
    if (i > 0) {
      Event before;
      parse_event(k.timeline[i - 1].data(), before);
      CHECK(before.time <= e.time);  // in the order kept: the stream's
    }
  }
  CHECK(huge == 1);
  // Each worker created, promoted and terminated in the window.
  REQUIRE(k.lives.size() == 150);
  int terminated = 0;
  for (const auto& [key, type] : k.lives) {
    CHECK(key.rfind("w", 0) == 0);
    terminated += type == EventType::worker_terminated;
  }
  CHECK(terminated == 50);
  // A day that keeps little never touches the disk, and keeps the same.
  Kept few = kept_of(5, 10);
  CHECK_FALSE(few.spilled);
  CHECK(few.timeline.size() == 10);
  CHECK(few.lives.size() == 15);
}

TEST_CASE("report: without a temporary file, what the collector keeps stays in memory, the same") {
  Kept spilled = kept_of(50, 1500);
  REQUIRE(spilled.spilled);
  Kept in_memory;
  {
    NoTemporaryFiles no_temporary_files;
    in_memory = kept_of(50, 1500);
  }
  CHECK_FALSE(in_memory.spilled);
  CHECK(in_memory.timeline == spilled.timeline);
  CHECK(in_memory.lives == spilled.lives);
}

TEST_CASE("report: a temporary file that fills up: what it holds is read from it, the rest from memory, the same") {
  Kept spilled = kept_of(50, 1500);
  // Files of this process limited to 100 KB while it runs (EFBIG, not
  // SIGXFSZ): the first writes go to the file, then one fails.
  struct FileSizeLimit {
    rlimit was{};
    void (*handler)(int) = std::signal(SIGXFSZ, SIG_IGN);
    FileSizeLimit() {
      ::getrlimit(RLIMIT_FSIZE, &was);
      rlimit limited = was;
      limited.rlim_cur = 100000;
      ::setrlimit(RLIMIT_FSIZE, &limited);
    }
    ~FileSizeLimit() {
      ::setrlimit(RLIMIT_FSIZE, &was);
      std::signal(SIGXFSZ, handler);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  };
  Kept filled;
  {
    FileSizeLimit limit;
    filled = kept_of(50, 1500);
  }
  CHECK(filled.spilled);  // some of it went to the file
  CHECK(filled.timeline == spilled.timeline);
  CHECK(filled.lives == spilled.lives);
}

TEST_CASE("report: each source's first and last line, kept in memory for a few sources") {
  first_and_last(20, false);  // ~6 KB of first lines: the buffer only
}

TEST_CASE("report: each source's first and last line, through the temporary file for thousands of sources") {
  first_and_last(3000, true);  // ~0.9 MB of first lines: most went to the file and came back
}

TEST_CASE("report: without a temporary file, the first lines stay in memory and the report is the same") {
  NoTemporaryFiles no_temporary_files;
  first_and_last(3000, false);
}

TEST_CASE("report: rows of one time are ordered by the keys read from the file, each once") {
  // 3,000 sources each logging one ERROR line at one time, in no order of
  // key: each line is its source's first and last, and (the first 2,000)
  // a kept warning too. Ties on time, table and type are broken by the
  // keys, read back from the collector's file; equal rows are shown once.
  FakeSource src;
  src.declare(TableId::system_logs);
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    int k = (i * 7919) % n;  // a permutation of 0..n-1
    char key[32];
    std::snprintf(key, sizeof key, "k%05d", k);
    char source[32];
    std::snprintf(source, sizeof source, "w%05d", i);
    src.add(TableId::system_logs, {key, "2025-10-16 17:30:00+00", "worker", source, "ERROR",
                                   std::string("failed ") + key + " " + std::string(200, 'x')});
  }
  ReportCollector collector(k_window, false);
  Analysis a = analyze(src, default_mapping(), k_window, [&](const Observation& o) { collector.on_event(o); });
  REQUIRE(collector.spilled());
  TimelineRows rows(a, collector);
  std::vector<std::string> keys;
  for (const TimelineRow& row : rows) {
    if (row.evidence.type == "log") {
      REQUIRE(row.event != nullptr);
      CHECK(row.event->message.rfind("failed " + row.event->key, 0) == 0);
      keys.push_back(row.evidence.key);
    }
  }
  REQUIRE(keys.size() == static_cast<size_t>(n));
  for (int k = 0; k < n; ++k) {
    char key[32];
    std::snprintf(key, sizeof key, "k%05d", k);
    CHECK(keys[static_cast<size_t>(k)] == key);
  }
}

TEST_SUITE_END();
