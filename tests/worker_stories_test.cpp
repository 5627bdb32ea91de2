// The seeds' other questions (issue 12): a worker whose logging never
// started, a worker that died with no last word, an orchestrator that
// counted tasks the tasks table never held, and the anomalies of seed 002.
#include <doctest/doctest.h>

#include "fake_source.hpp"
#include "tlrecon/analysis.hpp"
#include "tlrecon/report.hpp"
#include "tlrecon/report_timeline.hpp"

using namespace tlrecon;
using tlrecon::test::FakeSource;
using tlrecon::test::of_kind;

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

// Seed 002: an E1 orchestrator counting one queued task every 30 s, until
// at 18:25:42 it logs Queued=51 and spawns 4 workers, which come up and log.
// `spurious` = false: the 51 tasks are really there.
void seed_002(FakeSource& src, bool spurious = true) {
  int cycle = 600;
  for (int s = 0; s < 60 * 60; s += 30, ++cycle) {
    int q = s == 25 * 60 + 30 ? 51 : 1;
    std::string n = std::to_string(cycle);
    std::string k = "o-" + std::to_string(s);
    int m = s / 60;
    int sec = s % 60 + 12;
    // E1 opens each cycle a moment before its count line.
    log(src, k + "a", m, sec - 1, "orchestrator_gpu", "orch", "Starting orchestrator cycle");
    log(src, k + "b", m, sec, "orchestrator_gpu", "orch",
        "🔢 TASK COUNT (Cycle #" + n + "): Queued=" + std::to_string(q) + ", Active=0, Total=" + std::to_string(q),
        "CRITICAL");
    log(src, k + "c", m, sec, "orchestrator_gpu", "orch",
        "🎯 SCALING DECISION (Cycle #" + n + "): Current=" + (s > 25 * 60 + 30 ? "4" : "0") + "+0, Desired=" +
            (q == 51 ? "4" : s > 25 * 60 + 30 ? "4" : "0"),
        "CRITICAL");
    if (q == 51) {
      log(src, k + "d", m, sec, "orchestrator_gpu", "orch", "🚀 SCALING UP: Spawning 4 workers (current: 0, desired: 4)",
          "CRITICAL");
      for (int i = 1; i <= 4; ++i) {
        log(src, k + "e" + std::to_string(i), m, sec + i, "orchestrator_gpu", "orch",
            "✅ Worker " + std::to_string(i) + "/4 spawned successfully", "CRITICAL");
      }
    }
  }
  task(src, "t-only", "", 0, -1, -1, "Queued");
  if (!spurious) {
    for (int i = 0; i < 50; ++i) {
      task(src, "t-real-" + std::to_string(i), "", 24, -1, -1, "Queued");
    }
  }
  for (int i = 1; i <= 4; ++i) {
    std::string id = "gpu-w" + std::to_string(i);
    src.add(TableId::workers, {id, "gpu", "active", at(25, 42 + i), "\\N", "\\N", at(27), "\\N"});
    worker_logs(src, id, 28, 60);
  }
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
    Analysis idle_analysis = run(idle);
    auto g = of_kind(idle_analysis, "logging_gap");
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
    Analysis kept_analysis = run(kept);
    auto g = of_kind(kept_analysis, "logging_gap");
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
    Analysis idle_analysis = run(idle);
    auto l = of_kind(idle_analysis, "worker_lost");
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

TEST_CASE("worker_lost: workers whose lines name them by worker_id alone share one source, not one last log") {
  // No source_id: the worker_id names the worker, and every such line is of
  // the one source "worker/". w-ok logs on after w-oom fell silent; w-oom's
  // last log is still its own.
  FakeSource src;
  orchestrator(src, "orch", 0, 60);
  worker(src, "w-oom", 1, 2, -1, 30);
  worker(src, "w-ok", 1, 2, -1, 59);
  for (int s = 3 * 60; s < 60 * 60; s += 30) {
    if (s < 30 * 60) {
      src.add(TableId::system_logs, {"w-oom-" + std::to_string(s), at(s / 60, s % 60), "worker", "\\N", "INFO",
                                     "heartbeat", "\\N", "w-oom"});
    }
    src.add(TableId::system_logs, {"w-ok-" + std::to_string(s), at(s / 60, s % 60 + 1), "worker", "\\N", "INFO",
                                   "heartbeat", "\\N", "w-ok"});
  }
  Analysis a = run(src);
  auto lost = of_kind(a, "worker_lost");
  REQUIRE(lost.size() == 1);
  CHECK(lost[0]->entities == std::vector<std::string>{"w-oom"});
  CHECK(format_utc(lost[0]->start) == "2025-10-16T18:30:00Z");
  std::vector<std::string> keys;
  for (const Evidence& e : lost[0]->evidence) {
    keys.push_back(e.table + ":" + e.key);
  }
  CHECK(keys == std::vector<std::string>{"system_logs:w-oom-1770", "workers:w-oom"});
}

TEST_CASE("demand_mismatch: seed 002, Queued=51 while the tasks table holds one queued task") {
  FakeSource src;
  seed_002(src);
  Analysis a = run(src);
  auto found = of_kind(a, "demand_mismatch");
  REQUIRE(found.size() == 1);
  const Finding& f = *found[0];
  CHECK(f.severity == Severity::high);
  CHECK(f.entities == std::vector<std::string>{"orch"});
  CHECK(format_utc(f.start) == "2025-10-16T18:25:42Z");
  CHECK(f.title ==
        "orchestrator orch logged Queued=51, Active=0 at 18:25:42 while the tasks table held 1 queued and 0 "
        "active; 4 workers were created for it");
  std::vector<std::string> tables;
  for (const Evidence& e : f.evidence) {
    tables.push_back(e.table + ":" + e.key);
  }

  CHECK(tables == std::vector<std::string>{"tasks:t-only", "system_logs:o-1530b", "system_logs:o-1530c",
                                           "system_logs:o-1530d", "workers:gpu-w1", "workers:gpu-w2",
                                           "workers:gpu-w3", "workers:gpu-w4"});
  // The workers were spawned and logged: accounted for, not unexplained.
  CHECK(of_kind(a, "unexplained_scale_up").empty());
  // The health monitor's anomalies, low, related to the mismatch.
  auto rapid = of_kind(a, "rapid_scale_up");
  REQUIRE(rapid.size() == 1);
  CHECK(rapid[0]->severity == Severity::low);
  CHECK(rapid[0]->title == "orchestrator orch scaled up by 4 workers in one cycle at 18:25:41");
  CHECK(rapid[0]->related == std::vector<std::string>{f.id});
  auto spike = of_kind(a, "task_count_spike");
  REQUIRE(spike.size() == 1);
  CHECK(spike[0]->title == "orchestrator orch's task count jumped from 1 to 51 in one cycle at 18:25:42");
  CHECK(spike[0]->related == std::vector<std::string>{f.id});

  SUBCASE("the demand was real: no finding") {
    FakeSource real;
    seed_002(real, false);
    CHECK(of_kind(run(real), "demand_mismatch").empty());
  }
}

TEST_CASE("task_count_spike: x10, or from 0 to 10 or more; rapid_scale_up from 3 workers") {
  FakeSource src;
  log(src, "a1", 10, 0, "orchestrator_gpu", "a", "Cycle #1: scaling=2 active=0");
  log(src, "a2", 10, 30, "orchestrator_gpu", "a", "Cycle #2: scaling=19 active=0");   // x9.5: no
  log(src, "b1", 10, 0, "orchestrator_gpu", "b", "Cycle #1: scaling=0 active=0");
  log(src, "b2", 10, 30, "orchestrator_gpu", "b", "Cycle #2: scaling=9 active=0");    // 0 to 9: no
  log(src, "c1", 10, 0, "orchestrator_gpu", "c", "Cycle #1: scaling=0 active=0");
  log(src, "c2", 10, 30, "orchestrator_gpu", "c", "Cycle #2: scaling=6 active=4");    // 0 to 10: yes
  log(src, "d1", 20, 0, "orchestrator_gpu", "d", "🚀 SCALING UP: Spawning 2 workers (current: 0, desired: 2)");
  log(src, "e1", 20, 0, "orchestrator_gpu", "e", "🚀 SCALING UP: Spawning 3 workers (current: 0, desired: 3)");
  Analysis a = run(src);
  auto spike = of_kind(a, "task_count_spike");
  REQUIRE(spike.size() == 1);
  CHECK(spike[0]->entities == std::vector<std::string>{"c"});
  auto rapid = of_kind(a, "rapid_scale_up");
  REQUIRE(rapid.size() == 1);
  CHECK(rapid[0]->entities == std::vector<std::string>{"e"});
}

TEST_CASE("demand_mismatch: small counts, a race of one cycle, and a shard's count stay quiet") {
  FakeSource src;
  // Logged 4 with 1 in the table: twice as many, but not 5 more.
  log(src, "l1", 10, 0, "orchestrator_gpu", "orch", "Cycle #1: scaling=4 active=0");
  // Logged 8 at 20:00 while the 8 tasks were claimed at 19:50, one cycle before: the race.
  log(src, "l2", 19, 30, "orchestrator_gpu", "orch", "Cycle #2: scaling=8 active=0");
  log(src, "l3", 20, 0, "orchestrator_gpu", "orch", "Cycle #3: scaling=8 active=0");
  log(src, "l4", 20, 30, "orchestrator_gpu", "orch", "Cycle #4: scaling=0 active=8");
  // A second orchestrator of the same type counting its shard: fewer than the table.
  log(src, "s1", 20, 0, "orchestrator_gpu", "orch-eu", "Cycle #1: scaling=3 active=0");
  task(src, "t0", "", 5, -1, -1, "Queued");
  for (int i = 0; i < 8; ++i) {
    task(src, "t" + std::to_string(i + 1), "w1", 19, 20, 40);
  }
  CHECK(of_kind(run(src), "demand_mismatch").empty());
}

TEST_CASE("demand_mismatch: a count with no scale-up after it is medium; a Cancelled task counts until updated_at") {
  FakeSource src;
  log(src, "l1", 30, 0, "orchestrator_gpu", "orch", "Cycle #1: scaling=12 active=0");
  log(src, "l2", 45, 0, "orchestrator_gpu", "orch", "Cycle #2: scaling=12 active=0");
  for (int i = 0; i < 12; ++i) {
    // Cancelled at 18:39: queued at 18:30, no longer over the cycle before 18:45.
    src.add(TableId::tasks, {"c" + std::to_string(i), "travel", "Cancelled", "\\N", at(20), at(39)});
  }
  Analysis src_analysis = run(src);
  auto found = of_kind(src_analysis, "demand_mismatch");
  REQUIRE(found.size() == 1);
  CHECK(format_utc(found[0]->start) == "2025-10-16T18:45:00Z");
  CHECK(found[0]->severity == Severity::medium);
}

TEST_SUITE_END();

namespace {

// What the PostgreSQL source does for check: the window's lines of the
// withheld types come with a NULL message and level, and messages_of gives
// back those asked for (the database path itself: tests/e2e/test_real_schema.py).
// `refetch`: for report, the lines come whole and those types are
// refetchable (Source::refetchable_types) instead.
class Withholding : public FakeSource {
 public:
  explicit Withholding(std::vector<std::string> types, bool refetch = false)
      : m_types(std::move(types)), m_refetch(refetch) {}
  std::vector<std::string> withheld_message_types() const override {
    return m_refetch ? std::vector<std::string>() : m_types;
  }
  std::vector<std::string> refetchable_types() const override {
    return m_refetch ? m_types : std::vector<std::string>();
  }
  std::unique_ptr<RowStream> open(TableId t) override {
    if (t != TableId::system_logs) {
      return FakeSource::open(t);
    }
    // The rows as sorted, the withheld messages taken out.
    auto rows = FakeSource::open(t);
    Row row;
    m_logs.clear();
    while (rows->next(row)) {
      std::vector<std::string> values;
      for (const Field& f : row) {
        values.push_back(f.null ? "\\N" : f.text);
      }
      Time time = *parse_time(values[field::l_time]);
      std::string& message = values[field::l_message];
      std::string& level = values[field::l_level];
      if (time >= k_window.since && time < k_window.until &&
          std::binary_search(m_types.begin(), m_types.end(), values[field::l_source_type])) {
        auto text = [](const std::string& v) { return v == "\\N" ? std::string() : v; };
        m_messages.emplace(values[field::l_id],
                           LogMessage{values[field::l_id], time, text(message), text(values[field::l_task_id]),
                                      text(values[field::l_worker_id]), text(level)});
        if (!m_refetch) {
          message = "\\N";
          level = "\\N";
        }
      }
      m_logs.push_back(std::move(values));
    }
    return std::make_unique<Stream>(m_logs);
  }
  void finish() override { ++finished; }
  std::vector<LogMessage> messages_of(const std::vector<std::string>& keys) override {
    asked += keys.size();
    asked_after_finish = asked_after_finish || finished > 0;
    std::vector<LogMessage> out;
    for (const std::string& k : keys) {
      auto [from, to] = m_messages.equal_range(k);
      for (auto it = from; it != to; ++it) {
        out.push_back(it->second);
      }
    }
    return out;
  }
  size_t asked = 0;
  int finished = 0;  // the read ends once, after the last messages_of()
  bool asked_after_finish = false;

 private:
  std::vector<std::string> m_types;
  bool m_refetch;
  std::vector<std::vector<std::string>> m_logs;
  std::multimap<std::string, LogMessage> m_messages;
};

// A worker that falls silent for 20 minutes and then is lost, one named by
// worker_id alone that is lost too, each line with its own message.
// `one_key`: every line of w-gap has the same key (a table without a primary
// key), told apart by its time.
template <class Src>
void silent_and_lost(Src& src, bool one_key = false) {
  orchestrator(src, "orch", 0, 60);
  worker(src, "w-gap", 1, 2, -1, 40);
  worker(src, "w-anon", 1, 2, -1, 30);
  for (int s = 3 * 60; s < 40 * 60; s += 30) {
    if (s < 10 * 60 || s >= 30 * 60) {
      log(src, one_key ? "g" : "g-" + std::to_string(s), s / 60, s % 60, "worker", "w-gap",
          "step " + std::to_string(s) + " of w-gap");
    }
    if (s < 30 * 60) {
      src.add(TableId::system_logs, {"a-" + std::to_string(s), at(s / 60, s % 60 + 1), "worker", "\\N", "INFO",
                                     "step " + std::to_string(s) + " of w-anon", "\\N", "w-anon"});
    }
  }
  task(src, "t-stuck", "w-gap", 35, 36, -1, "In Progress");
}

std::string story(const Analysis& a) {
  std::string out;
  for (const Finding& f : a.findings) {
    out += f.id + " " + f.kind + " " + f.title + "\n" + f.detail + "\n";
    for (const Evidence& e : f.evidence) {
      out += "  " + e.table + ":" + e.key + " " + e.summary + "\n";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("check's lines read without their message: the findings quote what they cite, as with every message") {
  FakeSource whole;
  silent_and_lost(whole);
  std::string expected = story(run(whole));
  // The story cites the workers' own lines, by their levels and messages.
  CHECK(expected.find("INFO step 570 of w-gap") != std::string::npos);  // the last line before the silence
  CHECK(expected.find("step 1800 of w-gap") != std::string::npos);  // the first after it
  CHECK(expected.find("step 2370 of w-gap") != std::string::npos);  // its last line: lost
  CHECK(expected.find("step 1770 of w-anon") != std::string::npos); // a last line kept by worker_lost alone

  Withholding withheld({"worker"});
  silent_and_lost(withheld);
  Analysis a = run(withheld);
  CHECK(story(a) == expected);
  CHECK(withheld.asked > 0);
  CHECK(withheld.asked < 20);  // the lines kept, not every line

  SUBCASE("a last line only worker_lost cites (the silences are under a 30-minute gap_min)") {
    Mapping m = default_mapping();
    m.thresholds.gap_min = std::chrono::minutes(30);
    FakeSource whole_30;
    silent_and_lost(whole_30);
    Analysis expected_30 = run(whole_30, m);
    for (const Finding* f : of_kind(expected_30, "logging_gap")) {
      CHECK(f->entities != std::vector<std::string>{"w-gap"});  // w-gap's last line: worker_lost's alone
    }
    REQUIRE(of_kind(expected_30, "worker_lost").size() == 2);
    Withholding withheld_30({"worker"});
    silent_and_lost(withheld_30);
    CHECK(story(run(withheld_30, m)) == story(expected_30));
    CHECK(story(expected_30).find("step 2370 of w-gap") != std::string::npos);
  }
  SUBCASE("a key that is not unique: each line's message by its key and time") {
    FakeSource whole_one_key;
    silent_and_lost(whole_one_key, true);
    std::string expected_one_key = story(run(whole_one_key));
    CHECK(expected_one_key.find("step 570 of w-gap") != std::string::npos);
    CHECK(expected_one_key.find("step 2370 of w-gap") != std::string::npos);
    Withholding withheld_one_key({"worker"});
    silent_and_lost(withheld_one_key, true);
    CHECK(story(run(withheld_one_key)) == expected_one_key);
  }
  SUBCASE("a type not withheld keeps its messages, and nothing is asked for") {
    Withholding none({"edge_function"});
    silent_and_lost(none);
    CHECK(story(run(none)) == expected);
    CHECK(none.asked == 0);
  }
}

namespace {

// The report of `src`: its findings, and its timeline rows with every field
// of their events (the last lines' messages and ids among them).
std::string report_story(FakeSource& src) {
  src.declare(TableId::workers);
  src.declare(TableId::system_logs);
  src.declare(TableId::tasks);
  ReportCollector collector(k_window, false);
  Analysis a = analyze(src, default_mapping(), k_window, [&](const Observation& o) { collector.on_event(o); });
  std::string out = story(a);
  for (const TimelineRow& row : TimelineRows(a, collector)) {
    out += format_utc(row.evidence.time) + " " + row.evidence.type + " " + row.evidence.key + " " +
           row.evidence.actor + " " + row.evidence.summary;
    if (row.event != nullptr) {
      out += " | " + row.event->message + " | " + row.event->task_id + " | " + row.event->worker_id;
    }
    out += "\n";
  }
  return out;
}

}  // namespace

// silent_and_lost, and a worker that logs to the window's end, whose last
// line no detector cites: only the report asks for it.
void silent_lost_and_well(FakeSource& src, bool one_key = false) {
  silent_and_lost(src, one_key);
  worker(src, "w-ok", 1, 2, -1, 59);
  for (int s = 3 * 60; s < 59 * 60; s += 30) {
    src.add(TableId::system_logs, {"ok-" + std::to_string(s), at(s / 60, s % 60 + 2), "worker", "w-ok", "INFO",
                                   "step " + std::to_string(s) + " of w-ok", "t-" + std::to_string(s), "w-ok"});
  }
  // One whose last line is before the window (kept whole), one whose only
  // line in the window is its first and its last.
  src.add(TableId::system_logs, {"before-1", "2025-10-16 17:50:00+00", "worker", "w-before", "INFO",
                                 "step before the window", "t-b", "w-before"});
  src.add(TableId::system_logs, {"once-1", at(20, 5), "worker", "w-once", "INFO", "the one step of w-once", "t-o",
                                 "w-once"});
}

TEST_CASE("report's last lines read again at the end: the same report as with every message") {
  FakeSource whole;
  silent_lost_and_well(whole);
  std::string expected = report_story(whole);
  CHECK(expected.find("step 2370 of w-gap") != std::string::npos);                 // w-gap's last line
  CHECK(expected.find("step 1770 of w-anon |  | w-anon") != std::string::npos);    // w-anon's, with its worker_id
  CHECK(expected.find("step 3510 of w-ok | t-3510 | w-ok") != std::string::npos);  // w-ok's: the report's alone
  CHECK(expected.find("the one step of w-once | t-o | w-once") != std::string::npos);

  Withholding refetched({"worker"}, true);
  silent_lost_and_well(refetched);
  CHECK(report_story(refetched) == expected);
  CHECK(refetched.asked >= 4);  // the workers' last lines in the window at least
  CHECK(refetched.asked < 20);  // those, not every line
  CHECK(refetched.finished == 1);
  CHECK_FALSE(refetched.asked_after_finish);

  SUBCASE("a key that is not unique: each last line by its key and time") {
    FakeSource whole_one_key;
    silent_lost_and_well(whole_one_key, true);
    Withholding refetched_one_key({"worker"}, true);
    silent_lost_and_well(refetched_one_key, true);
    CHECK(report_story(refetched_one_key) == report_story(whole_one_key));
  }
}
