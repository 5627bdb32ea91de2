#include <doctest/doctest.h>

#include <algorithm>

#include "fake_source.hpp"
#include "tlrecon/analysis.hpp"
#include "tlrecon/catalogue.hpp"
#include "tlrecon/fleet.hpp"
#include "tlrecon/merge.hpp"
#include "tlrecon/spill.hpp"

#include <cstdlib>

using namespace tlrecon;
using tlrecon::test::FakeSource;

namespace {

Window window() { return Window{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")}; }

// The events in merge order; `counted` receives what the read counted.
std::vector<std::string> order_of(FakeSource& src, std::vector<TableInfo>* counted = nullptr) {
  std::vector<std::string> out;
  std::vector<TableInfo> tables = read_events(src, default_mapping(), window(), [&](const Event& e) {
    out.push_back(format_utc(e.time) + " " + event_type_name(e.type) + " " + e.key +
                  (e.place == Event::Place::inside ? "" : e.place == Event::Place::before ? " (before)" : " (after)"));
  });
  if (counted != nullptr) {
    *counted = tables;
  }
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("merge");

TEST_CASE("merge: time first, then table, then event type, then key") {
  FakeSource src;
  src.add(TableId::system_logs, {"b-log", "2025-10-16 17:30:23+00", "orchestrator_gpu", "o", "INFO", "x"});
  src.add(TableId::system_logs, {"c-log", "2025-10-16 17:30:23+00", "orchestrator_gpu", "o", "INFO", "y"});
  src.add(TableId::workers, {"w1", "RTX", "terminated", "2025-10-16 17:30:23+00", "\\N", "\\N",
                             "2025-10-16T17:31:00Z", "2025-10-16T17:30:23Z"});
  src.add(TableId::tasks, {"t1", "travel", "Complete", "w1", "2025-10-16 17:30:23+00", "\\N",
                           "2025-10-16 17:31:00+00", "2025-10-16 17:40:00+00"});
  CHECK(order_of(src) == std::vector<std::string>{
                             "2025-10-16T17:30:23Z worker_created w1",
                             "2025-10-16T17:30:23Z worker_terminated w1",
                             "2025-10-16T17:30:23Z task_queued t1",
                             "2025-10-16T17:30:23Z log b-log",
                             "2025-10-16T17:30:23Z log c-log",
                             "2025-10-16T17:31:00Z worker_promoted w1",
                             "2025-10-16T17:31:00Z task_claimed t1",
                             "2025-10-16T17:40:00Z task_finished t1",
                         });
}

TEST_CASE("merge: events outside the window are marked, rows outside the read range skipped") {
  FakeSource src;
  // Created in the lookback, promoted inside, heartbeat after the window.
  src.add(TableId::workers, {"w1", "RTX", "active", "2025-10-16 16:00:00+00", "2025-10-16 18:30:00+00", "\\N",
                             "2025-10-16T17:10:00Z"});
  // Created two days before and terminated before the window: outside the
  // 24h lookback, as the SQL would skip it.
  src.add(TableId::workers, {"old", "RTX", "terminated", "2025-10-14 16:00:00+00", "\\N", "\\N", "\\N",
                             "2025-10-15T16:00:00+00:00"});
  std::vector<TableInfo> counted;
  CHECK(order_of(src, &counted) == std::vector<std::string>{
                                       "2025-10-16T16:00:00Z worker_created w1 (before)",
                                       "2025-10-16T17:10:00Z worker_promoted w1",
                                       "2025-10-16T18:30:00Z worker_last_heartbeat w1 (after)",
                                   });
  CHECK(counted[0].rows == 1);
  CHECK(counted[0].events == 1);
  // The source is never written into: its own tables hold no counts.
  CHECK(src.tables()[0].rows == 0);
}

TEST_CASE("decode: a worker created before the lookback is read while it is alive in the window") {
  FakeSource src;
  // Three days old, terminated inside the window: its termination is shown.
  src.add(TableId::workers, {"long", "RTX", "terminated", "2025-10-13 16:00:00+00", "\\N", "\\N",
                             "2025-10-13T16:05:00+00:00", "2025-10-16T17:20:00.5+00:00"});
  // Never ended, however old: read (its events before the window are not shown).
  src.add(TableId::workers, {"ancient", "RTX", "active", "2025-09-01 00:00:00+00"});
  // An error before the window ends it, even with a later termination.
  src.add(TableId::workers, {"failed", "RTX", "error", "2025-10-13 16:00:00+00", "\\N", "\\N", "\\N",
                             "2025-10-16T17:30:00+00:00", "oom", "2025-10-16T16:59:59+00:00"});
  // Metadata that cannot be read is no end: the worker is read.
  src.add(TableId::workers, {"garbled", "RTX", "terminated", "2025-10-13 16:00:00+00", "\\N", "\\N", "\\N",
                             "yesterday"});
  std::vector<TableInfo> counted;
  CHECK(order_of(src, &counted) == std::vector<std::string>{
                                       "2025-09-01T00:00:00Z worker_created ancient (before)",
                                       "2025-10-13T16:00:00Z worker_created garbled (before)",
                                       "2025-10-13T16:00:00Z worker_created long (before)",
                                       "2025-10-13T16:05:00Z worker_promoted long (before)",
                                       "2025-10-16T17:20:00.500Z worker_terminated long",
                                   });
  CHECK(counted[0].rows == 3);
  CHECK(counted[0].events == 1);
}

TEST_CASE("decode: unreadable times are counted and reported, never dropped silently") {
  FakeSource src;
  src.add(TableId::workers, {"w1", "RTX", "active", "not a time"});
  src.add(TableId::workers, {"w2", "RTX", "active", "2025-10-16 17:10:00+00", "\\N", "\\N", "soon"});
  src.add(TableId::workers, {"w2", "RTX", "active", "2025-10-16 17:10:00+00"});
  std::vector<TableInfo> counted;
  std::vector<std::string> got = order_of(src, &counted);
  CHECK(got == std::vector<std::string>{"2025-10-16T17:10:00Z worker_created w2"});
  const TableInfo& info = counted[0];
  CHECK(info.rows == 3);
  CHECK(info.rejected == 1);
  CHECK(info.bad_values == 1);
  CHECK(info.duplicates == 1);
  CHECK(info.problems == std::vector<std::string>{"w2: unreadable promoted_to_active_at 'soon'",
                                                  "w2: duplicate key",
                                                  "w1: unreadable created_at 'not a time'"});
}

TEST_CASE("Merger: ties between streams go to the stream given first") {
  auto make = [](const std::string& key, Origin origin) {
    Event e;
    e.time = *parse_time("2025-10-16T17:00:00Z");
    e.key = key;
    e.origin = origin;
    return e;
  };
  std::vector<std::unique_ptr<EventStream>> streams;
  streams.push_back(std::make_unique<VectorStream>(std::vector<Event>{make("a", Origin::system_logs)}));
  streams.push_back(std::make_unique<VectorStream>(std::vector<Event>{make("a", Origin::system_logs)}));
  streams.push_back(std::make_unique<VectorStream>(std::vector<Event>{make("z", Origin::workers)}));
  Merger m(std::move(streams));
  std::vector<std::string> keys;
  while (const Event* e = m.next()) {
    keys.push_back(e->key);
  }
  CHECK(keys == std::vector<std::string>{"z", "a", "a"});
}

TEST_CASE("Merger: long runs of one stream, ties and interleaving give the order of one sort") {
  // The stream handed out last skips the heap while it stays first: runs of
  // one stream, equal times across streams, equal events in two streams.
  std::vector<std::vector<Event>> inputs(4);
  std::vector<std::pair<Event, size_t>> all;
  for (int i = 0; i < 2000; ++i) {
    size_t stream = (i / 37) % 4 == 3 ? 3 : static_cast<size_t>((i * 7) % 11 < 8 ? 0 : (i % 3));
    Event e;
    e.time = *parse_time("2025-10-16T17:00:00Z") + std::chrono::seconds(i / 5);
    e.origin = static_cast<Origin>(stream == 3 ? 4 : i % 5);
    e.type = static_cast<EventType>(i % 3);
    e.key = "k" + std::to_string(i % 7);
    inputs[stream].push_back(e);
    all.emplace_back(e, stream);
  }
  std::vector<std::unique_ptr<EventStream>> streams;
  for (auto& events : inputs) {
    streams.push_back(std::make_unique<VectorStream>(events));
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (event_before(a.first, b.first)) {
      return true;
    }
    return !event_before(b.first, a.first) && a.second < b.second;
  });
  Merger m(std::move(streams));
  size_t n = 0;
  while (const Event* e = m.next()) {
    REQUIRE(n < all.size());
    CHECK(e->time == all[n].first.time);
    CHECK(e->origin == all[n].first.origin);
    CHECK(e->type == all[n].first.type);
    CHECK(e->key == all[n].first.key);
    ++n;
  }
  CHECK(n == all.size());
}

TEST_SUITE_END();

namespace {

Event numbered(int i) {
  Event e;
  // Times collide on purpose: the order must fall back to type and key.
  e.time = *parse_time("2025-10-16T17:00:00Z") + std::chrono::seconds((i * 7919) % 97);
  e.type = static_cast<EventType>(i % 5);
  e.origin = Origin::workers;
  e.place = static_cast<Event::Place>(i % 3);
  e.key = "key-" + std::to_string(i);
  e.worker_id = i % 2 ? "" : "worker-" + std::to_string(i % 13);
  e.message = std::string(static_cast<size_t>(i % 4 == 0 ? 40000 : i % 50), static_cast<char>('a' + i % 26));
  e.detail = std::string("tab\there\nnul", 12) + '\0' + "after";
  if (i % 3 == 0) {
    e.cycle = -int64_t(i) * 1000000007;
  }
  return e;
}

std::vector<std::string> drain(EventStream& s) {
  std::vector<std::string> out;
  while (const Event* e = s.next()) {
    out.push_back(format_utc(e->time) + "|" + event_type_name(e->type) + "|" + origin_name(e->origin) + "|" +
                  std::to_string(static_cast<int>(e->place)) + "|" + e->key + "|" + e->worker_id + "|" +
                  e->message + "|" + e->detail + "|" + (e->cycle ? std::to_string(*e->cycle) : "-"));
  }
  return out;
}

}  // namespace

TEST_CASE("spill: events sorted through the temporary file equal those sorted in memory") {
  std::vector<Event> all;
  for (int i = 0; i < 600; ++i) {
    all.push_back(numbered(i));
  }
  VectorStream in_memory(all);
  std::vector<std::string> expected = drain(in_memory);
  REQUIRE(expected.size() == 600);
  for (size_t budget : {size_t(1), size_t(5000), size_t(200000)}) {
    CAPTURE(budget);
    SpillSorter sorter(budget);
    for (const Event& e : all) {
      Event copy = e;
      sorter.add(std::move(copy));
    }
    CHECK(sorter.runs() > 0);
    auto stream = sorter.sorted();
    CHECK(drain(*stream) == expected);
  }
}

TEST_CASE("spill: within the budget nothing is written") {
  SpillSorter sorter(size_t(1) << 30);
  for (int i = 0; i < 100; ++i) {
    sorter.add(numbered(i));
  }
  auto stream = sorter.sorted();
  CHECK(sorter.runs() == 0);
  CHECK(drain(*stream).size() == 100);
}

TEST_CASE("spill: TLRECON_SORT_MEMORY sets the budget") {
  ::setenv("TLRECON_SORT_MEMORY", "1234", 1);
  CHECK(SpillSorter::default_budget() == 1234);
  ::setenv("TLRECON_SORT_MEMORY", "12x", 1);
  CHECK(SpillSorter::default_budget() == (size_t(4) << 20));
  ::unsetenv("TLRECON_SORT_MEMORY");
  CHECK(SpillSorter::default_budget() == (size_t(4) << 20));
}

TEST_CASE("spill: the small tables' events share one sorter; spilled or not, they come back in timeline order") {
  // Events of all four small tables (origins 0-3) in the order the tables
  // are read, each table in its own time order, as read_events adds them.
  std::vector<Event> all;
  for (int table = 0; table < 4; ++table) {
    for (int i = 0; i < 150; ++i) {
      Event e = numbered(i);
      e.origin = static_cast<Origin>(table);
      e.key = "t" + std::to_string(table) + "-" + std::to_string(i);
      all.push_back(e);
    }
  }
  std::vector<Event> expected_events = all;
  std::sort(expected_events.begin(), expected_events.end(), event_before);
  VectorStream in_order(expected_events);
  std::vector<std::string> expected = drain(in_order);
  for (size_t budget : {size_t(300), size_t(100000), size_t(1) << 30}) {
    CAPTURE(budget);
    SpillSorter sorter(budget);
    for (const Event& e : all) {
      sorter.add(e);
    }
    auto stream = sorter.sorted();
    CHECK((sorter.runs() > 0) == (budget < (size_t(1) << 30)));
    CHECK(drain(*stream) == expected);
  }
}

TEST_CASE("spill: a serialized event gives back each event whole, and its time, table, type and key in place") {
  std::vector<Event> all;
  for (int i = 0; i < 300; ++i) {
    all.push_back(numbered(i));  // every fourth one holds a 40,000-byte message
  }
  VectorStream originals(all);
  std::vector<std::string> want = drain(originals);
  std::vector<Event> back;
  std::vector<char> bytes;
  for (const Event& e : all) {
    bytes.clear();
    serialize_event(e, bytes);
    CHECK(serialized_time(bytes.data()) == e.time);
    CHECK(serialized_origin(bytes.data()) == e.origin);
    CHECK(serialized_type(bytes.data()) == e.type);
    CHECK(serialized_key(bytes.data()) == e.key);
    parse_event(bytes.data(), back.emplace_back());
  }
  VectorStream parsed(back);
  CHECK(drain(parsed) == want);
}

TEST_CASE("fleet: a worker's events rebuilt from its lifecycle are the events the stream gave") {
  FakeSource src;
  // id, instance_type, status, created_at, last_heartbeat, orchestrator_status,
  // promoted_to_active_at, terminated_at, error_reason, error_time, runpod_id
  src.add(TableId::workers, {"w1", "NVIDIA L40S", "terminated", "2025-10-16 17:10:00+00", "2025-10-16 17:40:00+00",
                             "\\N", "2025-10-16T17:12:00Z", "2025-10-16T17:41:00Z", "\\N", "\\N", "rp-1"});
  src.add(TableId::workers, {"w2", "RTX", "error", "2025-10-16 16:50:00+00", "\\N", "\\N", "\\N",
                             "2025-10-16T17:30:00Z", "CUDA out of memory", "2025-10-16T17:29:00Z", "\\N"});
  src.add(TableId::workers, {"w3", "RTX", "active", "2025-10-16 17:20:00+00", "2025-10-16 18:05:00+00", "\\N",
                             "2025-10-16T17:21:00Z", "\\N", "\\N", "\\N", "rp-3"});
  std::vector<Event> seen;
  WorkerTracker workers;
  read_events(src, default_mapping(), window(), [&](const Event& e) {
    seen.push_back(e);
    workers.on_event(e);
  });
  REQUIRE(seen.size() == 10);
  for (const Event& e : seen) {
    CAPTURE(e.key);
    CAPTURE(event_type_name(e.type));
    const WorkerLife* w = workers.find(e.worker_id);
    REQUIRE(w != nullptr);
    Event back = w->event(e.type);
    CHECK(back.time == e.time);
    CHECK(back.type == e.type);
    CHECK(back.origin == e.origin);
    CHECK(back.place == e.place);
    CHECK(back.cycle == e.cycle);
    CHECK(back.key == e.key);
    for (auto field : {&Event::source_type, &Event::source_id, &Event::worker_id, &Event::task_id,
                       &Event::decision_id, &Event::name, &Event::status, &Event::message, &Event::detail}) {
      CHECK(back.*field == e.*field);
    }
    CHECK(summary_of(back) == summary_of(e));
  }
  const WorkerLife* w2 = workers.find("w2");
  REQUIRE(w2 != nullptr);
  CHECK(w2->stop()->type == EventType::worker_error);
  CHECK(w2->stop()->message == "CUDA out of memory");
  CHECK(workers.find("w3")->heartbeat()->place == Event::Place::after);
}

TEST_CASE("fleet: LogSources finds each source by its name among thousands, numbered as they first log") {
  const Catalogue catalogue(default_mapping());
  LogSources sources(false, {});
  auto of = [&](const std::string& type, const std::string& id) -> LogSource& {
    Event e;
    e.source_type = type;
    e.source_id = id;
    return sources.of(e, catalogue);
  };
  // 5,000 sources, each asked three times in interleaved rounds: the index
  // grows while entries are found again.
  const int n = 5000;
  std::vector<LogSource*> first(n, nullptr);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < n; ++i) {
      int k = (i * 7919 + round * 13) % n;
      LogSource& s = of("worker", "w-" + std::to_string(k));
      if (round == 0 && first[static_cast<size_t>(k)] == nullptr) {
        first[static_cast<size_t>(k)] = &s;
        CHECK(s.index == static_cast<uint32_t>(i));
      }
      REQUIRE(&s == first[static_cast<size_t>(k)]);
      CHECK(s.name == "worker/w-" + std::to_string(k));
    }
  }
  CHECK(sources.size() == static_cast<uint32_t>(n));
  // A name is the source: "a/b" + "c" and "a" + "b/c" are one.
  LogSource& split1 = of("a/b", "c");
  LogSource& split2 = of("a", "b/c");
  CHECK(&split1 == &split2);
  CHECK(&of("orchestrator_gpu", "") != &of("orchestrator_gpu", "x"));
  CHECK(sources.size() == static_cast<uint32_t>(n + 3));
}
