// The real orchestrator's lines (../shared/REAL-SYSTEM.md §2) read as facts,
// counted accounting, instances renamed at each redeploy, and workers the
// orchestrator does not manage. Each case is one wrong answer of the build
// before the facts catalogue (issue 11).
#include <doctest/doctest.h>

#include "fake_source.hpp"
#include "tlrecon/analysis.hpp"
#include "tlrecon/error.hpp"

using namespace tlrecon;
using tlrecon::test::FakeSource;
using tlrecon::test::of_kind;

namespace {

const Window k_window{*parse_time("2026-05-12T10:00:00Z"), *parse_time("2026-05-12T11:00:00Z")};

std::string at(int minute, int second = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2026-05-12 %02d:%02d:%02d+00", 10 + minute / 60, minute % 60, second);
  return buf;
}

struct Orchestrator {
  FakeSource& src;
  std::string id;
  std::string type = "orchestrator_gpu";
  int lines = 0;
  void log(int minute, int second, const std::string& message, const std::string& level = "INFO") {
    src.add(TableId::system_logs, {id + "-" + std::to_string(++lines), at(minute, second), type, id, level, message});
  }
  // E1/E2 cycles every 30 s in [from, to) minutes: "Starting orchestrator cycle" opens each.
  void e1_cycles(int from, int to) {
    for (int s = from * 60; s < to * 60; s += 30) {
      log(s / 60, s % 60, "Starting orchestrator cycle");
      log(s / 60, s % 60 + 1, "🎯 SCALING DECISION (Cycle #" + std::to_string(s / 30) + "): Current=2+0, Desired=2",
          "CRITICAL");
      log(s / 60, s % 60 + 2, "Orchestrator cycle completed in 1.52s: no actions");
    }
  }
  // E3 cycles every 30 s.
  void e3_cycles(int from, int to, int first_cycle = 1) {
    int n = first_cycle;
    for (int s = from * 60; s < to * 60; s += 30) {
      log(s / 60, s % 60, "Cycle #" + std::to_string(n++) + ": scaling=0 active=2");
    }
  }
};

void worker(FakeSource& src, const std::string& id, int created, std::optional<int> promoted = std::nullopt,
            const std::string& instance_type = "gpu") {
  src.add(TableId::workers, {id, instance_type, "active", at(created, 10), "\\N", "\\N",
                             promoted ? at(*promoted, 10) : "\\N"});
}

Analysis run(FakeSource& src, Mapping m = default_mapping()) {
  src.declare(TableId::workers);
  src.declare(TableId::system_logs);
  return analyze(src, m, k_window, nullptr);
}

Fact fact(const std::string& line, Mapping m = default_mapping()) { return Catalogue(m).fact_of(line); }

}  // namespace

TEST_SUITE_BEGIN("real_orchestrator");

TEST_CASE("catalogue: every era's lines become the facts they state") {
  Fact f = fact("🚀 SCALING UP: Spawning 3 workers (current: 1, desired: 4)");
  CHECK(f.kind == FactKind::scale_up);
  CHECK(f.n == 3);
  CHECK(f.desired == 4);
  CHECK(fact("SCALING UP: Spawning 2 workers (current: 0, desired: 2)").n == 2);  // E2, no emoji
  CHECK(fact("Scaling up: need 2 more workers (current: 0, desired: 2)").n == 2);
  f = fact("🔢 TASK COUNT (Cycle #640): Queued=51, Active=0, Total=51");
  CHECK(f.kind == FactKind::task_count);
  CHECK(f.queued == 51);
  CHECK(f.cycle == 640);
  f = fact("🎯 SCALING DECISION (Cycle #638): Current=2+0, Desired=2");
  CHECK(f.kind == FactKind::scaling_decision);
  CHECK(f.current == 2);
  CHECK(f.spawning == 0);
  CHECK(f.desired == 2);
  f = fact("Cycle #12: scaling=5 active=3");
  CHECK(f.kind == FactKind::cycle_start);
  CHECK(f.cycle == 12);
  CHECK(f.queued == 5);
  CHECK(fact("Starting orchestrator cycle").kind == FactKind::cycle_start);
  f = fact("✅ Worker 1/2 spawned successfully");
  CHECK(f.kind == FactKind::worker_spawned);
  CHECK(f.i == 1);
  CHECK(f.n == 2);
  f = fact("🚀 Creating worker: gpu-20251016_173023-673741fb (Storage: 50, RAM: 32 GB)");
  CHECK(f.kind == FactKind::worker_created);
  CHECK(f.id == "gpu-20251016_173023-673741fb");
  CHECK(fact("❌ Failed to spawn worker 2/2").kind == FactKind::spawn_failed);
  CHECK(fact("Failed to launch worker gpu-x: quota").id == "gpu-x");
  CHECK(fact("⚠️  SCALING BLOCKED: High failure rate detected, not spawning 2 workers").kind ==
        FactKind::scale_blocked);
  CHECK(fact("SCALE-UP SUPPRESSED: recent failures; skipping spawn of 2 workers").n == 2);
  CHECK(fact("🚀 Worker gpu-a detected as active via logging - promoting now").id == "gpu-a");
  CHECK(fact("Worker gpu-b signaled ready_for_tasks - promoting to active").id == "gpu-b");
  f = fact("WORKER_LIFECYCLE [Worker gpu-c] TERMINATING worker (reason: idle)");
  CHECK(f.kind == FactKind::terminating);
  CHECK(f.id == "gpu-c");
  CHECK(f.reason == "idle");
  f = fact("Cycle completed: {'workers_promoted': 1, 'workers_failed': 0, 'workers_spawned': 2, "
           "'workers_terminated': 0, 'duration': 1.2}");
  CHECK(f.kind == FactKind::cycle_completed);
  CHECK(f.spawned == 2);
  CHECK(f.promoted == 1);
  f = fact("✅ Database logging enabled: orchestrator_gpu-host-b -> Supabase");
  CHECK(f.kind == FactKind::startup);
  CHECK(f.id == "orchestrator_gpu-host-b");
  CHECK(fact("Orchestrator stopped by user").kind == FactKind::shutdown);
  CHECK(fact("Cycle completed: 0 spawned, 0 terminated").kind == FactKind::cycle_completed);
  // Mojibake of the same emoji changes nothing.
  CHECK(fact("ðŸš€ SCALING UP: Spawning 4 workers (current: 0, desired: 4)").n == 4);
}

TEST_CASE("catalogue: role_of gives the same roles whatever the order and number of source types") {
  Mapping m = default_mapping();
  const Catalogue c(m);  // asked again and again: answers from its memo
  std::vector<std::string> types = {"worker", "orchestrator_gpu", "api", "orchestrator", "worker_gpu",
                                    "scheduler", "", "orchestrator_api", "WORKER"};
  std::vector<Role> expected;
  for (const std::string& t : types) {
    expected.push_back(Catalogue(m).role_of(t));
  }
  CHECK(expected[0] == Role::worker);
  CHECK(expected[1] == Role::orchestrator);
  for (int round = 0; round < 500; ++round) {
    size_t i = static_cast<size_t>((round * 7 + round / 9) % static_cast<int>(types.size()));
    CAPTURE(types[i]);
    CHECK(c.role_of(types[i]) == expected[i]);
  }
}

TEST_CASE("catalogue: a mapping adds entries, and a pattern without the group its fact needs is refused") {
  Mapping m = default_mapping();
  m.patterns.facts = {{"scale_up", R"(launching (?P<n>\d+) pods)"}};
  CHECK(fact("launching 3 pods", m).n == 3);
  m.patterns.facts = {{"scale_up", R"(launching \d+ pods)"}};
  CHECK_THROWS_WITH_AS(Catalogue{m}, doctest::Contains("a scale_up fact needs the group (?P<n>"), Error);
  m.patterns.facts = {{"teleport", "x"}};
  CHECK_THROWS_WITH_AS(Catalogue{m}, doctest::Contains("unknown fact 'teleport'"), Error);
  m.patterns.facts = {{"promoted", R"(up (?P<worker>\S+))"}};
  CHECK_THROWS_WITH_AS(Catalogue{m}, doctest::Contains("has no group 'worker'"), Error);
  // The mapping format of before the catalogue still works.
  m.patterns.facts.clear();
  m.patterns.scale_up = {"booting worker"};
  CHECK(fact("booting worker now", m).kind == FactKind::scale_up);
  m.patterns.default_facts = false;
  CHECK(fact("SCALING UP: Spawning 2 workers", m).kind == FactKind::none);
}

TEST_CASE("restart: 'Starting orchestrator cycle' at every cycle is not a restart") {
  FakeSource src;
  Orchestrator o{src, "orchestrator_gpu-host-a"};
  o.e1_cycles(0, 60);
  Analysis a = run(src);
  CHECK(of_kind(a, "orchestrator_restart").empty());
  CHECK(a.findings.empty());
}

TEST_CASE("accounting: failed, blocked and suppressed spawns explain no worker") {
  for (const std::string& line : {std::string("❌ Failed to spawn worker 2/2"),
                                  std::string("⚠️  SCALING BLOCKED: High failure rate detected, not spawning 2 workers"),
                                  std::string("SCALE-UP SUPPRESSED: 3 failures in 10m, skipping spawn of 2 workers")}) {
    CAPTURE(line);
    FakeSource src;
    Orchestrator o{src, "orchestrator_gpu-host-a"};
    o.e3_cycles(0, 60);
    o.log(20, 5, line, "WARNING");
    worker(src, "w1", 20);
    Analysis a = run(src);
    auto bursts = of_kind(a, "unexplained_scale_up");
    REQUIRE(bursts.size() == 1);
    CHECK(bursts[0]->entities == std::vector<std::string>{"w1"});
    CHECK(bursts[0]->severity == Severity::medium);
  }
}

TEST_CASE("accounting: a cycle accounts for the count it states, not for every worker near it") {
  FakeSource src;
  Orchestrator a_logged{src, "orchestrator_gpu-host-a"};
  a_logged.e3_cycles(0, 60);
  a_logged.log(20, 1, "SCALING UP: Spawning 1 workers (current: 1, desired: 2)", "CRITICAL");
  a_logged.log(20, 20, "Worker 1/1 spawned successfully");
  // A second orchestrator whose logging died at 10:05 creates three workers beside it.
  Orchestrator b_silent{src, "orchestrator_gpu-host-b"};
  b_silent.e3_cycles(0, 5);
  worker(src, "w1", 20);
  src.add(TableId::workers, {"w2", "gpu", "active", at(20, 12), "\\N"});
  src.add(TableId::workers, {"w3", "gpu", "active", at(20, 14), "\\N"});
  src.add(TableId::workers, {"w4", "gpu", "active", at(20, 16), "\\N"});
  Analysis a = run(src);
  auto bursts = of_kind(a, "unexplained_scale_up");
  REQUIRE(bursts.size() == 1);
  // The nearest creation is the logged one; the other three are left over.
  CHECK(bursts[0]->entities == std::vector<std::string>{"w2", "w3", "w4"});
  CHECK(bursts[0]->severity == Severity::high);  // inside host-b's logging gap
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->entities == std::vector<std::string>{"orchestrator_gpu-host-b"});
  CHECK(gaps[0]->severity == Severity::high);
}

TEST_CASE("accounting: the i/n lines of one cycle are the same n, never added up") {
  FakeSource src;
  Orchestrator o{src, "orchestrator_gpu-host-a"};
  o.e3_cycles(0, 60);
  o.log(20, 1, "SCALING UP: Spawning 2 workers (current: 0, desired: 2)", "CRITICAL");
  o.log(20, 20, "Worker 1/2 spawned successfully");
  o.log(20, 25, "Worker 2/2 spawned successfully");
  worker(src, "w1", 20);
  src.add(TableId::workers, {"w2", "gpu", "active", at(20, 15), "\\N"});
  src.add(TableId::workers, {"w3", "gpu", "active", at(20, 18), "\\N"});
  Analysis a = run(src);
  auto bursts = of_kind(a, "unexplained_scale_up");
  REQUIRE(bursts.size() == 1);
  CHECK(bursts[0]->entities == std::vector<std::string>{"w3"});
}

TEST_CASE("instances: a redeploy under a new host name is one restart naming both ids, and no gap") {
  FakeSource src;
  Orchestrator old_one{src, "orchestrator_gpu-host-a"};
  old_one.e3_cycles(0, 20, 300);
  Orchestrator new_one{src, "orchestrator_gpu-host-b"};
  new_one.log(22, 0, "✅ Database logging enabled: orchestrator_gpu-host-b -> Supabase");
  new_one.e3_cycles(22, 60);
  Analysis a = run(src);
  auto restarts = of_kind(a, "orchestrator_restart");
  REQUIRE(restarts.size() == 1);
  CHECK(restarts[0]->entities == std::vector<std::string>{"orchestrator_gpu-host-a", "orchestrator_gpu-host-b"});
  CHECK(restarts[0]->severity == Severity::low);
  CHECK(format_utc(restarts[0]->start) == "2026-05-12T10:19:30Z");
  CHECK(format_utc(restarts[0]->end) == "2026-05-12T10:22:00Z");
  CHECK(restarts[0]->evidence_total == 2);  // the old one's last log, the new one's first (its startup line)
  CHECK(of_kind(a, "logging_gap").empty());
}

TEST_CASE("instances: a hand-over longer than the threshold is a gap ending at the successor's first log") {
  FakeSource src;
  Orchestrator old_one{src, "orchestrator_gpu-host-a"};
  old_one.e3_cycles(0, 20);
  Orchestrator new_one{src, "orchestrator_gpu-host-b"};
  new_one.e3_cycles(28, 60);
  Analysis a = run(src);
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->entities == std::vector<std::string>{"orchestrator_gpu-host-a"});
  CHECK(format_utc(gaps[0]->end) == "2026-05-12T10:28:00Z");
  CHECK_FALSE(gaps[0]->open);
  CHECK(of_kind(a, "orchestrator_restart").size() == 1);
}

TEST_CASE("instances: two orchestrators logging over the same period stay two; one dying is a gap") {
  FakeSource src;
  Orchestrator one{src, "orchestrator_gpu-host-a"};
  one.e3_cycles(0, 60);
  Orchestrator two{src, "orchestrator_gpu-host-b"};
  two.e3_cycles(0, 25);
  Orchestrator late{src, "orchestrator_gpu-host-c"};
  late.e3_cycles(50, 60);  // starts 25 minutes later: beyond the hand-over window
  Analysis a = run(src);
  CHECK(of_kind(a, "orchestrator_restart").empty());
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->entities == std::vector<std::string>{"orchestrator_gpu-host-b"});
  CHECK(gaps[0]->open);
}

TEST_CASE("unmanaged: an external worker is never a scale-up and never 'not promoted'") {
  FakeSource src;
  Orchestrator o{src, "orchestrator_gpu-host-a"};
  o.e3_cycles(0, 60);
  worker(src, "ext-laptop", 10, std::nullopt, "external");
  Analysis a = run(src);
  CHECK(of_kind(a, "unexplained_scale_up").empty());
  CHECK(of_kind(a, "worker_never_promoted").empty());
  // A managed one in the same place is both.
  FakeSource src2;
  Orchestrator o2{src2, "orchestrator_gpu-host-a"};
  o2.e3_cycles(0, 60);
  worker(src2, "gpu-1", 10);
  Analysis b = run(src2);
  CHECK(of_kind(b, "unexplained_scale_up").size() == 1);
  CHECK(of_kind(b, "worker_never_promoted").size() == 1);
}

TEST_CASE("retention: before the oldest kept log nothing is a gap, and nobody is said to be logging") {
  FakeSource src;
  src.set_logs_kept_since(*parse_time("2026-05-12T10:30:00Z"));
  Orchestrator edge{src, "edge-1", "edge_function"};
  edge.log(40, 0, "claim-next-task: no task");
  worker(src, "gpu-early", 10);  // before the oldest kept log: nothing can be said
  worker(src, "gpu-late", 45);
  Analysis a = run(src);
  auto gaps = of_kind(a, "logging_gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->entities == std::vector<std::string>{"orchestrator"});
  CHECK(gaps[0]->severity == Severity::high);
  CHECK(format_utc(gaps[0]->start) == "2026-05-12T10:30:00Z");
  CHECK(gaps[0]->title == "no orchestrator has logged for as long as logs are kept, while 1 worker was created");
  auto bursts = of_kind(a, "unexplained_scale_up");
  REQUIRE(bursts.size() == 1);
  CHECK(bursts[0]->entities == std::vector<std::string>{"gpu-late"});
  CHECK(bursts[0]->severity == Severity::high);
  for (const Finding& f : a.findings) {
    CHECK(f.detail.find("were logging") == std::string::npos);
  }
}

TEST_CASE("retention: a window older than every kept log skips the log detectors, saying why") {
  FakeSource src;
  src.set_logs_kept_since(*parse_time("2026-05-14T03:00:00Z"));
  worker(src, "gpu-1", 10);
  Analysis a = run(src);
  CHECK(a.findings.size() == 1);  // only worker_never_promoted: the workers table is all there is
  int skipped = 0;
  for (const DetectorStatus& d : a.detectors) {
    if (d.name == "logging_gap" || d.name == "unexplained_scale_up" || d.name == "orchestrator_restart") {
      CHECK_FALSE(d.ran);
      CHECK(d.reason == "no logs are kept for the window: system_logs begins at 2026-05-14T03:00:00Z "
                        "(older rows are deleted by its retention)");
      ++skipped;
    }
  }
  CHECK(skipped == 3);
}

TEST_CASE("zombie rows: a worker row abandoned days before the window is not news of the window") {
  FakeSource src;
  Orchestrator o{src, "orchestrator_gpu-host-a"};
  o.e3_cycles(0, 60);
  // Created three days before, never promoted, never ended; promoted four
  // days before and silent since: both read, as every worker alive is.
  src.add(TableId::workers, {"zombie-spawning", "gpu", "spawning", "2026-05-09 10:00:00+00", "2026-05-09 10:00:00+00"});
  src.add(TableId::workers, {"zombie-active", "gpu", "active", "2026-05-08 10:00:00+00", "2026-05-08 11:00:00+00", "\\N",
                             "2026-05-08T10:05:00Z"});
  // One that went quiet within the lookback still is.
  src.add(TableId::workers, {"recent", "gpu", "active", "2026-05-12 08:00:00+00", "2026-05-12 09:00:00+00", "\\N",
                             "2026-05-12T08:05:00Z"});
  Analysis a = run(src);
  CHECK(of_kind(a, "worker_never_promoted").empty());
  auto stale = of_kind(a, "stale_heartbeat");
  REQUIRE(stale.size() == 1);
  CHECK(stale[0]->entities == std::vector<std::string>{"recent"});
}
