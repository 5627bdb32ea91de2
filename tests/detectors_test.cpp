#include <doctest/doctest.h>

#include "fake_source.hpp"
#include "tlrecon/analysis.hpp"
#include "tlrecon/bucket_counts.hpp"

#include <array>

using namespace tlrecon;
using tlrecon::test::FakeSource;
using tlrecon::test::of_kind;

namespace {

const Window k_window{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};

std::string at(int minute, int second = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2025-10-16 %02d:%02d:%02d+00", 17 + minute / 60, minute % 60, second);
  return buf;
}

// An orchestrator logging a cycle every 30 s in [from, to) minutes.
void orchestrator(FakeSource& src, const std::string& id, int from, int to, const std::string& type = "orchestrator_gpu") {
  int cycle = 1;
  for (int s = from * 60; s < to * 60; s += 30) {
    src.add(TableId::system_logs, {id + "-" + std::to_string(s), at(s / 60, s % 60), type, id, "INFO",
                                   "Cycle completed: 0 spawned, 0 terminated", "\\N", "\\N",
                                   std::to_string(cycle++)});
  }
}

void worker(FakeSource& src, const std::string& id, int created, std::optional<int> promoted = std::nullopt,
            std::optional<int> terminated = std::nullopt) {
  src.add(TableId::workers, {id, "RTX", terminated ? "terminated" : "active", at(created), "\\N", "\\N",
                             promoted ? at(*promoted) : "\\N", terminated ? at(*terminated) : "\\N"});
}

Analysis run(FakeSource& src, Mapping m = default_mapping()) {
  src.declare(TableId::workers);
  src.declare(TableId::system_logs);
  return analyze(src, m, k_window, nullptr);
}

}  // namespace

TEST_SUITE_BEGIN("detectors");

TEST_CASE("logging_gap: an orchestrator silent while workers appear is a high gap; the burst is unexplained") {
  FakeSource src;
  orchestrator(src, "orch", 0, 20);
  orchestrator(src, "orch", 50, 60);
  worker(src, "w1", 30, 31);
  worker(src, "w2", 30, 32);
  Analysis a = run(src);
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->severity == Severity::high);
  CHECK(format_utc(gaps[0]->start) == "2025-10-16T17:19:30Z");
  CHECK(format_utc(gaps[0]->end) == "2025-10-16T17:50:00Z");
  CHECK_FALSE(gaps[0]->open);
  CHECK(gaps[0]->entities == std::vector<std::string>{"orch"});
  CHECK(gaps[0]->evidence_total == 2 + 4);  // the logs either side and four lifecycle events
  auto bursts = of_kind(a, "unexplained_scale_up");
  REQUIRE(bursts.size() == 1);
  CHECK(bursts[0]->entities == std::vector<std::string>{"w1", "w2"});
  CHECK(bursts[0]->severity == Severity::high);
  CHECK(bursts[0]->related == std::vector<std::string>{gaps[0]->id});
  CHECK(gaps[0]->related == std::vector<std::string>{bursts[0]->id});
}

TEST_CASE("logging_gap: a pause under the floor is not a gap; a lower --gap-min makes it one") {
  FakeSource src;
  orchestrator(src, "orch", 0, 20);
  orchestrator(src, "orch", 24, 60);  // a 4.5-minute pause
  CHECK(of_kind(run(src), "logging_gap").empty());
  FakeSource again;
  orchestrator(again, "orch", 0, 20);
  orchestrator(again, "orch", 24, 60);
  Mapping m = default_mapping();
  m.thresholds.gap_min = std::chrono::minutes(2);
  Analysis b = run(again, m);
  auto gaps = of_kind(b, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->severity == Severity::medium);  // nothing happened meanwhile
}

TEST_CASE("logging_gap: an open gap at the window's end; one source never masked by another") {
  FakeSource src;
  orchestrator(src, "a", 0, 60);
  orchestrator(src, "b", 0, 40);
  Analysis a = run(src);
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->entities == std::vector<std::string>{"b"});
  CHECK(gaps[0]->open);
  CHECK(format_utc(gaps[0]->end) == "2025-10-16T18:00:00Z");
}

TEST_CASE("logging_gap: a worker's silence after its termination is not a gap; before it, it is") {
  FakeSource src;
  orchestrator(src, "orch", 0, 60);
  worker(src, "w1", 1, 2, 40);
  for (int s = 3 * 60; s < 20 * 60; s += 30) {  // logs, then silence from 17:19:30 to the end at 17:40
    src.add(TableId::system_logs, {"w-" + std::to_string(s), at(s / 60, s % 60), "worker", "w1", "INFO", "hb"});
  }
  Analysis a = run(src);
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->entities == std::vector<std::string>{"w1"});
  CHECK(format_utc(gaps[0]->end) == "2025-10-16T17:40:00Z");
  CHECK_FALSE(gaps[0]->open);
  FakeSource quiet;
  orchestrator(quiet, "orch", 0, 60);
  worker(quiet, "w1", 1, 2, 21);
  for (int s = 3 * 60; s < 20 * 60; s += 30) {
    quiet.add(TableId::system_logs, {"w-" + std::to_string(s), at(s / 60, s % 60), "worker", "w1", "INFO", "hb"});
  }
  CHECK(of_kind(run(quiet), "logging_gap").empty());
}

TEST_CASE("unexplained_scale_up: a log naming the worker or a spawn message accounts; MAINTAIN does not") {
  for (const auto& [message, explained] : std::vector<std::pair<std::string, bool>>{
           {"Spawning worker w1 (runpod abc)", true},
           {"🚀 SCALING UP: Spawning 1 workers", true},
           {"Scaling up: need 1 more workers", true},
           {"✅ Worker 1/1 spawned successfully", true},
           {"Cycle completed: 1 spawned, 0 terminated", true},
           {"SCALING DECISION (Cycle #5): Current=1, Desired=1 — MAINTAIN", false},
           {"Cycle completed: 0 spawned, 0 terminated", false}}) {
    CAPTURE(message);
    FakeSource src;
    orchestrator(src, "orch", 0, 60);
    src.add(TableId::system_logs, {"z-spawn", at(29, 45), "orchestrator_gpu", "orch", "INFO", message});
    worker(src, "w1", 30, 31);
    Analysis a = run(src);
    auto bursts = of_kind(a, "unexplained_scale_up");
    CHECK(bursts.empty() == explained);
    if (!explained && !bursts.empty()) {
      CHECK(bursts[0]->severity == Severity::medium);  // logs were flowing
    }
  }
}

TEST_CASE("unexplained_scale_up: creations further apart than burst_gap are separate bursts") {
  FakeSource src;
  orchestrator(src, "orch", 0, 60);
  worker(src, "w1", 30);
  worker(src, "w2", 31);
  worker(src, "w3", 40);
  Analysis a = run(src);
  auto bursts = of_kind(a, "unexplained_scale_up");
  REQUIRE(bursts.size() == 2);
  CHECK(bursts[0]->entities == std::vector<std::string>{"w1", "w2"});
  CHECK(bursts[1]->entities == std::vector<std::string>{"w3"});
}

TEST_CASE("orphaned_decision: RUN without execution past the grace; not SKIP, not within grace") {
  FakeSource src;
  auto decision = [&](const std::string& id, int minute, const std::string& action) {
    src.add(TableId::workflow_decisions, {id, at(minute), "wf-" + id, action, "due", "high", "scheduler"});
  };
  decision("ran", 10, "RUN");
  decision("orphan", 10, "RUN");
  decision("skipped", 10, "SKIP");
  decision("recent", 55, "RUN");
  src.add(TableId::workflow_executions, {"e1", at(10, 30), "wf-ran", "ran", "completed", "7.9", "1", "1", "0"});
  Analysis a = analyze(src, default_mapping(), k_window, nullptr);
  auto orphans = of_kind(a, "orphaned_decision");
  REQUIRE(orphans.size() == 1);
  CHECK(orphans[0]->entities == std::vector<std::string>{"orphan"});
  CHECK(orphans[0]->severity == Severity::high);
  // Evidence: the decision, and the decision of the same evaluation that ran with its execution.
  REQUIRE(orphans[0]->evidence.size() == 3);
  CHECK(orphans[0]->evidence[1].key == "ran");
  CHECK(orphans[0]->evidence[2].key == "e1");
  Mapping shorter = default_mapping();
  shorter.thresholds.grace = std::chrono::minutes(2);
  Analysis b = analyze(src, shorter, k_window, nullptr);
  CHECK(of_kind(b, "orphaned_decision").size() == 2);
}

TEST_CASE("detectors that lack their tables are listed as skipped, with the reason") {
  FakeSource src;
  src.add(TableId::workflow_decisions, {"d", at(10), "wf", "RUN"});
  Analysis a = analyze(src, default_mapping(), k_window, nullptr);
  bool found = false;
  for (const DetectorStatus& d : a.detectors) {
    if (d.name == "orphaned_decision") {
      found = true;
      CHECK_FALSE(d.ran);
      CHECK(d.reason == "needs workflow_executions, which is missing (table workflow_executions does not exist)");
    }
  }
  CHECK(found);
}

TEST_CASE("workflow_failure and early_termination") {
  FakeSource src;
  src.add(TableId::workflow_executions, {"e1", at(5), "betting", "\\N", "failed", "20", "3", "0", "3", "HTTP 500"});
  src.add(TableId::workflow_executions, {"e2", at(6), "schedule", "\\N", "failed", "20", "1", "0", "1", "HTTP 500"});
  src.add(TableId::workflow_executions, {"e3", at(30), "schedule", "\\N", "completed", "14"});
  worker(src, "w1", 1, 2, 3);
  Analysis a = analyze(src, default_mapping(), k_window, nullptr);
  CHECK(of_kind(a, "execution_failed").size() == 2);
  auto unrecovered = of_kind(a, "workflow_unrecovered");
  REQUIRE(unrecovered.size() == 1);
  CHECK(unrecovered[0]->entities == std::vector<std::string>{"betting"});
  auto early = of_kind(a, "early_termination");
  REQUIRE(early.size() == 1);
  CHECK(early[0]->title == "worker w1 terminated 1m 00s after its promotion");
}

TEST_SUITE_END();

namespace {

// A task row: queued at `queued`, claimed by `by` at `claimed`, finished (or
// failed) at `done`; minutes, or -1 for none.
void task(FakeSource& src, const std::string& id, const std::string& by, int queued, int claimed, int done,
          const std::string& status = "Complete") {
  auto when = [](int m) { return m < 0 ? std::string("\\N") : at(m); };
  src.add(TableId::tasks, {id, "travel", status, by, at(queued), when(done), when(claimed), when(done)});
}

// A worker w1 logging every 30 s from minute 3 to 20 and from 40 to 55:
// silent from 17:19:30 to 17:40:00, alive until 17:58.
void worker_with_silence(FakeSource& src) {
  orchestrator(src, "orch", 0, 60);
  worker(src, "w1", 1, 2, 58);
  for (int s = 3 * 60; s < 55 * 60; s += 30) {
    if (s < 20 * 60 || s >= 40 * 60) {
      src.add(TableId::system_logs, {"w-" + std::to_string(s), at(s / 60, s % 60), "worker", "w1", "INFO", "hb"});
    }
  }
  src.declare(TableId::tasks);
}

}  // namespace

TEST_CASE("logging_gap: a worker that kept working while silent cites the task events inside the silence") {
  FakeSource src;
  worker_with_silence(src);
  task(src, "t-before", "w1", 4, 5, 10);     // all before the silence: not cited
  task(src, "t-inside", "w1", 20, 25, 30);   // claimed and finished inside
  task(src, "t-spans", "w1", 18, 19, 45);    // claimed before, finished after
  task(src, "t-other", "w2", 20, 25, 30);    // another worker's
  Analysis a = run(src);
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->severity == Severity::high);
  CHECK(gaps[0]->title.find("while it claimed or finished 2 task events") != std::string::npos);
  std::vector<std::string> keys;
  for (const Evidence& e : gaps[0]->evidence) {
    if (e.table == "tasks") {
      keys.push_back(e.key);
    }
  }
  CHECK(keys == std::vector<std::string>{"t-inside", "t-inside"});
}

TEST_CASE("logging_gap: an idle silent worker reports the tasks it held through the silence") {
  FakeSource src;
  worker_with_silence(src);
  task(src, "t-held", "w1", 17, 18, 45);     // claimed before, finished after: held
  task(src, "t-held2", "w1", 17, 19, -1, "Running");
  task(src, "t-done", "w1", 10, 11, 12);     // finished before: not held
  task(src, "t-failed", "w1", 10, 11, 13, "Failed");
  Analysis a = run(src);
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->severity == Severity::medium);
  CHECK(gaps[0]->detail.find("It held 2 claimed task(s) through the silence.") != std::string::npos);
}

TEST_CASE("logging_gap: the silence after a worker's last log cites what it did until the window's end") {
  FakeSource src;
  orchestrator(src, "orch", 0, 60);
  worker(src, "w1", 1, 2);
  for (int s = 3 * 60; s < 20 * 60; s += 30) {
    src.add(TableId::system_logs, {"w-" + std::to_string(s), at(s / 60, s % 60), "worker", "w1", "INFO", "hb"});
  }
  src.declare(TableId::tasks);
  for (int i = 0; i < 30; ++i) {
    task(src, "t" + std::to_string(100 + i), "w1", 20 + i, 21 + i, 22 + i);
  }
  Analysis a = run(src);
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->open);
  // 30 tasks claimed and finished after the last log: 60 events, 20 cited, all counted.
  CHECK(gaps[0]->title.find("while it claimed or finished 60 task events") != std::string::npos);
  CHECK(gaps[0]->evidence_total == 61);  // and the last log
  CHECK(gaps[0]->evidence.size() == 20);
}

TEST_CASE("clock_skew: tasks claimed before they were queued, cited in the order of the claims") {
  FakeSource src;
  orchestrator(src, "orch", 0, 60);
  src.declare(TableId::tasks);
  task(src, "t-ok", "w1", 10, 11, 12);
  task(src, "t-late", "w1", 30, 20, 35);   // claimed 10 min before queued
  task(src, "t-early", "w1", 25, 15, 35);  // claimed 10 min before queued, earlier claim
  task(src, "t-same", "w1", 40, 40, 41);   // claimed the same second: in order
  Analysis a = run(src);
  auto skew = of_kind(a, "clock_skew");
  REQUIRE(skew.size() == 1);
  CHECK(skew[0]->title == "2 tasks claimed before they were queued");
  CHECK(skew[0]->entities == std::vector<std::string>{"t-early", "t-late"});
  CHECK(skew[0]->detail.find("the largest difference is 10m") != std::string::npos);
}

TEST_CASE("logging_gap: an interval's cadence bucket from the tables is the one its definition gives") {
  auto same = [](int64_t us) {
    INFO("interval " << us << " us");
    CHECK(cadence_bucket(Micros(us)) == cadence_bucket_exact(Micros(us)));
  };
  // Every microsecond up to 3 s (buckets 0 to 85), around each bucket's
  // boundary, and a spread up to centuries.
  for (int64_t us = -5; us <= 3000000; ++us) {
    if (cadence_bucket(Micros(us)) != cadence_bucket_exact(Micros(us))) {
      same(us);
    }
  }
  for (int b = 1; b < k_cadence_buckets; ++b) {
    int64_t lo = 1;  // the least interval of bucket b, by bisection of the definition
    int64_t hi = int64_t{1} << 50;
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (cadence_bucket_exact(Micros(mid)) >= b) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    for (int64_t us = lo - 3; us <= lo + 3; ++us) {
      same(us);
    }
  }
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    same(static_cast<int64_t>(x >> (1 + x % 40)));
  }
  CHECK(cadence_bucket(Micros(1000)) == 0);
  CHECK(cadence_bucket(Micros(1001)) == 1);
  CHECK(cadence_bucket(std::chrono::hours(24 * 365 * 100)) == k_cadence_buckets - 1);
}

TEST_CASE("logging_gap: the sparse cadence histogram answers every rank as 256 counters do") {
  std::array<uint64_t, 256> dense{};
  BucketCounts sparse;
  uint64_t n = 0;
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245 + 12345;  // a fixed pseudo-random spread, denser in a few buckets
    auto bucket = static_cast<uint8_t>(i % 3 == 0 ? (x >> 16) % 256 : 40 + (x >> 16) % 7);
    ++dense[bucket];
    sparse.add(bucket);
    ++n;
  }
  auto dense_rank = [&](uint64_t rank) -> std::optional<uint8_t> {
    uint64_t seen = 0;
    for (int b = 0; b < 256; ++b) {
      seen += dense[b];
      if (seen > rank) {
        return static_cast<uint8_t>(b);
      }
    }
    return std::nullopt;
  };
  for (uint64_t rank = 0; rank <= n; ++rank) {
    REQUIRE(sparse.bucket_of_rank(rank) == dense_rank(rank));
  }
  CHECK(sparse.bucket_of_rank(n) == std::nullopt);
  // Every bucket has some, the busy ones several entries, all full but the last.
  size_t entries = 0;
  for (uint64_t count : dense) {
    entries += (count + 254) / 255;
  }
  CHECK(entries > 256);
  CHECK(sparse.entries() == entries);
}

TEST_CASE("logging_gap: a bucket counted past 255 goes on in entries of its own, and still answers") {
  BucketCounts counts;
  counts.add(9);
  counts.add(7);
  for (int i = 0; i < 255 * 3; ++i) {
    counts.add(9);
  }
  counts.add(200);
  counts.add(9);
  CHECK(counts.entries() == 6);  // 7 (1), 9 (255, 255, 255, 2), 200 (1)
  CHECK(counts.bucket_of_rank(0) == 7);
  CHECK(counts.bucket_of_rank(1) == 9);
  CHECK(counts.bucket_of_rank(255 * 3 + 2) == 9);
  CHECK(counts.bucket_of_rank(255 * 3 + 3) == 200);
  CHECK(counts.bucket_of_rank(255 * 3 + 4) == std::nullopt);
}
