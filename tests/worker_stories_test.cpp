// The seeds' other questions (issue 12): a worker whose logging never
// started, a worker that died with no last word, an orchestrator that
// counted tasks the tasks table never held, and the anomalies of seed 002.
#include <doctest/doctest.h>

#include "fake_source.hpp"
#include "tlrecon/analysis.hpp"

using namespace tlrecon;
using tlrecon::test::FakeSource;

namespace {

const Window k_window{*parse_time("2025-10-16T18:00:00Z"), *parse_time("2025-10-16T19:00:00Z")};

std::string at(int minute, int second = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2025-10-16 %02d:%02d:%02d+00", 18 + minute / 60, minute % 60, second);
  return buf;
}

void log(FakeSource& src, const std::string& key, int minute, int second, const std::string& type,
         const std::string& id, const std::string& message, const std::string& level = "INFO") {
  src.add(TableId::system_logs, {key, at(minute, second), type, id, level, message});
}

// An orchestrator logging a quiet cycle every 30 s in [from, to) minutes.
void orchestrator(FakeSource& src, const std::string& id, int from, int to) {
  for (int s = from * 60; s < to * 60; s += 30) {
    log(src, id + "-" + std::to_string(s), s / 60, s % 60, "orchestrator_gpu", id,
        "Cycle completed: 0 spawned, 0 terminated");
  }
}

// A worker row; minutes, -1 for none. `heartbeat` is its last_heartbeat.
void worker(FakeSource& src, const std::string& id, int created, int promoted = -1, int terminated = -1,
            int heartbeat = -1, const std::string& status = "") {
  auto when = [](int m) { return m < 0 ? std::string("\\N") : at(m); };
  std::string st = !status.empty() ? status : terminated >= 0 ? "terminated" : "active";
  src.add(TableId::workers, {id, "gpu", st, at(created), when(heartbeat), "\\N", when(promoted), when(terminated)});
}

// A worker logging every 30 s in [from, to) minutes.
void worker_logs(FakeSource& src, const std::string& id, int from, int to) {
  for (int s = from * 60; s < to * 60; s += 30) {
    log(src, id + "-" + std::to_string(s), s / 60, s % 60, "worker", id, "heartbeat");
  }
}

// A task row: queued, claimed, done in minutes (-1: none).
void task(FakeSource& src, const std::string& id, const std::string& by, int queued, int claimed, int done,
          const std::string& status = "Complete") {
  auto when = [](int m) { return m < 0 ? std::string("\\N") : at(m); };
  src.add(TableId::tasks, {id, "travel", status, by.empty() ? "\\N" : by, at(queued), when(done), when(claimed),
                           status == "Cancelled" ? "\\N" : when(done)});
}

Analysis run(FakeSource& src, Mapping m = default_mapping()) {
  src.declare(TableId::workers);
  src.declare(TableId::system_logs);
  src.declare(TableId::tasks);
  return analyze(src, m, k_window, nullptr);
}

std::vector<const Finding*> of_kind(const Analysis& a, const std::string& kind) {
  std::vector<const Finding*> out;
  for (const Finding& f : a.findings) {
    if (f.kind == kind) {
      out.push_back(&f);
    }
  }
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("worker_stories");

TEST_CASE("logging_gap: a worker that never logs among workers that do, from its promotion or first claim") {
  FakeSource src;
  orchestrator(src, "orch", 0, 60);
  worker(src, "w-loud", 1, 2);
  worker_logs(src, "w-loud", 3, 60);
  worker(src, "w-mute", 5, 10, 50);
  task(src, "t1", "w-mute", 7, 8, 12);  // claimed before its promotion: the start
  task(src, "t2", "w-mute", 20, 21, 25);
  Analysis a = run(src);
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->entities == std::vector<std::string>{"w-mute"});
  CHECK(gaps[0]->severity == Severity::high);
  CHECK(format_utc(gaps[0]->start) == "2025-10-16T18:08:00Z");
  CHECK(format_utc(gaps[0]->end) == "2025-10-16T18:50:00Z");
  CHECK_FALSE(gaps[0]->open);
  CHECK(gaps[0]->title ==
        "worker w-mute never logged, for 42m 00s since its first claim, while other workers did, and it claimed or "
        "finished 4 task events");
  CHECK(gaps[0]->evidence_total == 6);  // promotion, four task events, termination

  SUBCASE("idle, it is medium, and still open at the window's end") {
    FakeSource idle;
    orchestrator(idle, "orch", 0, 60);
    worker(idle, "w-loud", 1, 2);
    worker_logs(idle, "w-loud", 3, 60);
    worker(idle, "w-mute", 5, 10);
    auto g = of_kind(run(idle), "logging_gap");
    REQUIRE(g.size() == 1);
    CHECK(g[0]->severity == Severity::medium);
    CHECK(g[0]->open);
    CHECK(format_utc(g[0]->start) == "2025-10-16T18:10:00Z");
  }
  SUBCASE("never before the oldest kept log") {
    FakeSource kept;
    orchestrator(kept, "orch", 20, 60);
    worker(kept, "w-loud", 1, 2);
    worker_logs(kept, "w-loud", 20, 60);
    worker(kept, "w-mute", 5, 10);
    kept.set_logs_kept_since(*parse_time("2025-10-16T18:20:00Z"));
    auto g = of_kind(run(kept), "logging_gap");
    REQUIRE(g.size() == 1);
    CHECK(format_utc(g[0]->start) == "2025-10-16T18:20:00Z");
  }
}

TEST_CASE("logging_gap: a fleet whose workers never log centrally gets no such finding") {
  FakeSource src;
  orchestrator(src, "orch", 0, 60);
  worker(src, "w1", 1, 2);
  worker(src, "w2", 5, 10, 50);
  task(src, "t1", "w2", 7, 8, 12);
  CHECK(of_kind(run(src), "logging_gap").empty());
}

TEST_CASE("worker_lost: heartbeats and logs stop together, no termination, a task In Progress") {
  FakeSource src;
  orchestrator(src, "orch", 0, 60);
  worker(src, "w-oom", 1, 2, -1, 30);  // last heartbeat 18:30, row still active
  worker_logs(src, "w-oom", 3, 30);    // last log 18:29:30
  task(src, "t-stuck", "w-oom", 25, 26, -1, "In Progress");
  task(src, "t-done", "w-oom", 10, 11, 12);
  Analysis a = run(src);
  auto lost = of_kind(a, "worker_lost");
  REQUIRE(lost.size() == 1);
  CHECK(lost[0]->severity == Severity::high);
  CHECK(lost[0]->entities == std::vector<std::string>{"w-oom"});
  CHECK(format_utc(lost[0]->start) == "2025-10-16T18:30:00Z");
  CHECK(lost[0]->open);
  CHECK(lost[0]->title == "worker w-oom lost at 18:30:00: heartbeats and logs stopped together, holding 1 task(s) In Progress");
  CHECK(lost[0]->detail.find("out-of-memory kill") != std::string::npos);
  CHECK(lost[0]->detail.find("task t-stuck") != std::string::npos);
  std::vector<std::string> keys;
  for (const Evidence& e : lost[0]->evidence) {
    keys.push_back(e.table + ":" + e.key);
  }
  CHECK(keys == std::vector<std::string>{"tasks:t-stuck", "system_logs:w-oom-1770", "workers:w-oom"});
  // One story: no stale_heartbeat beside it; the logging gap is related, not repeated.
  CHECK(of_kind(a, "stale_heartbeat").empty());
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(lost[0]->related == std::vector<std::string>{gaps[0]->id});

  SUBCASE("idle, it is medium") {
    FakeSource idle;
    orchestrator(idle, "orch", 0, 60);
    worker(idle, "w-oom", 1, 2, -1, 30);
    worker_logs(idle, "w-oom", 3, 30);
    auto l = of_kind(run(idle), "worker_lost");
    REQUIRE(l.size() == 1);
    CHECK(l[0]->severity == Severity::medium);
  }
  SUBCASE("heartbeats that stop while logs go on are stale_heartbeat's") {
    FakeSource hb;
    orchestrator(hb, "orch", 0, 60);
    worker(hb, "w1", 1, 2, -1, 30);
    worker_logs(hb, "w1", 3, 60);
    Analysis b = run(hb);
    CHECK(of_kind(b, "worker_lost").empty());
    CHECK(of_kind(b, "stale_heartbeat").size() == 1);
  }
  SUBCASE("a terminated worker is not lost") {
    FakeSource done;
    orchestrator(done, "orch", 0, 60);
    worker(done, "w1", 1, 2, 31, 30);
    worker_logs(done, "w1", 3, 30);
    CHECK(of_kind(run(done), "worker_lost").empty());
  }
}

TEST_SUITE_END();
