#pragma once
// What the fleet did, as every detector and the report share it: each
// worker's lifecycle as the workers table tells it (WorkerTracker), and
// which orchestrator logs account for each lifecycle event
// (FleetAccounting). Both are fed once by the merged stream.
#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tlrecon/catalogue.hpp"
#include "tlrecon/event.hpp"

namespace tlrecon {

// One log source of the read (a source_type and source_id), with its last
// line so far. Kept once for every consumer: logging_gap, worker_lost and the
// report each needed the last line of each source, and each copied every
// line to keep it (issue 14: 3,000 sources, 2M lines a day).
struct LogSource {
  std::string name;  // "source_type/source_id", as actor_of() names a log's source
  uint32_t index = 0;      // 0, 1, … in the order of the sources' first lines
  uint32_t type_size = 0;  // of its source_type, at the start of `name`
  Role role = Role::other;
  bool logged = false;  // a line not after the window was seen: `last` holds the latest
  // Its source_type's lines in the window come without their message and
  // level (Source::withheld_message_types): Event::message_withheld.
  bool withheld = false;
  // Its source_type's lines come whole, but its last line inside the window
  // is kept without its message and ids, read again at the end
  // (Source::refetchable_types): Line::message_withheld.
  bool refetch = false;
  // The last line, but for its source (`name`): task_id and worker_id only
  // when the LogSources keeps whole lines, apart (check has no use for them:
  // 56 bytes of each of 3,000 sources a day). A refetched source's line in
  // the window has neither message nor ids until analyze() reads them again
  // (after the detectors for the report; before, for the ones they cite).
  struct Line {
    Time time{};
    Event::Place place = Event::Place::inside;
    bool message_withheld = false;
    std::optional<int64_t> cycle;
    std::string key;
    std::string status;
    std::string message;
    struct Ids {
      std::string task_id;
      std::string worker_id;
    };
    std::unique_ptr<Ids> ids;
  } last;
  std::string source_type() const { return name.substr(0, type_size); }
  std::string source_id() const { return name.substr(type_size + 1); }
  // The last line as an Event, whole.
  Event event() const;
};

// The log sources in the order of their first line. A source's entry keeps
// its address for the whole read (and after it, while the Analysis lives).
class LogSources {
 public:
  // `whole_lines`: the last lines keep their task_id and worker_id (the report
  // shows them; the detectors do not).
  // `withheld_types`: sorted, the source types whose lines in the window
  // come without their message.
  // `refetch_types`: sorted, the source types whose last line in the window
  // is kept without its message and ids (LogSource::refetch).
  LogSources(bool whole_lines, std::vector<std::string> withheld_types, std::vector<std::string> refetch_types = {})
      : m_whole_lines(whole_lines),
        m_withheld_types(std::move(withheld_types)),
        m_refetch_types(std::move(refetch_types)) {}
  bool whole_lines() const { return m_whole_lines; }
  // The entry of the log line `e`'s source, added on its first line; marks
  // `e` when it came without its message.
  LogSource& of(Event& e, const Catalogue& catalogue);
  // Records `e` as its source's last line (lines after the window are not),
  // taking its strings (moved out of `e`).
  void seen(LogSource& s, Event& e) const;
  // The entry numbered `index` (LogSource::index).
  LogSource& at(uint32_t index) { return m_chunks[index / k_chunk][index % k_chunk]; }
  uint32_t size() const { return m_count; }

 private:
  bool m_whole_lines;
  std::vector<std::string> m_withheld_types;
  std::vector<std::string> m_refetch_types;
  // The entries, k_chunk to an allocation: a std::deque's 512-byte blocks
  // hold two of them and waste a quarter.
  static constexpr uint32_t k_chunk = 64;
  std::vector<std::unique_ptr<LogSource[]>> m_chunks;
  uint32_t m_count = 0;
  std::unordered_map<std::string_view, LogSource*> m_index;  // keys: the entries' names
  std::string m_key;  // the current line's source name, in a reused buffer
};

struct WorkerLife;

// An event as the detectors see it: classified once by the catalogue.
struct Observation {
  const Event& event;
  Role role = Role::other;  // of a log's source_type; Role::other for other tables
  Fact fact;               // of an orchestrator's log; FactKind::none otherwise
  // A log's source. While the detectors and the report see the line, its
  // `last` is still the line before it (if `logged`); it becomes this line after.
  LogSource* source = nullptr;
  // A workers row's event: the worker's life, this event in it. It can
  // rebuild the event (WorkerLife::event) as long as the Analysis lives.
  const WorkerLife* life = nullptr;
};

// When one event of a worker's row happened, and where it falls.
struct WorkerStage {
  Time time{};
  Event::Place place = Event::Place::inside;
};

// One worker's lifecycle as the workers table tells it: the time of each of
// its events and the few fields of its row they show, not five whole
// Events (issue 14: 2,940 workers a day took 5.2 MB that way). event()
// rebuilds a whole event when a finding cites it.
struct WorkerLife {
  std::optional<WorkerStage> created() const { return stage(EventType::worker_created); }
  std::optional<WorkerStage> promoted() const { return stage(EventType::worker_promoted); }
  std::optional<WorkerStage> terminated() const { return stage(EventType::worker_terminated); }
  std::optional<WorkerStage> error() const { return stage(EventType::worker_error); }
  std::optional<WorkerStage> heartbeat() const { return stage(EventType::worker_heartbeat); }
  // When it stopped being alive: the earlier of termination and error.
  std::optional<Time> end() const;
  // The event that ended it: the error if there was one, else the termination.
  std::optional<Event> stop() const;
  // The worker's event of this type, whole, as the stream gave it; the
  // stage must be there.
  Event event(EventType type) const;
  // The stage of a worker_* type (any other: the heartbeat).
  std::optional<WorkerStage> stage(EventType type) const {
    int i = slot(type);
    return (m_has >> i & 1) != 0 ? std::optional<WorkerStage>(WorkerStage{m_times[i], m_places[i]}) : std::nullopt;
  }
  const std::string& id() const { return *m_id; }
  const std::string& key() const { return m_key ? *m_key : *m_id; }  // its row's
  const std::string& name() const { return *m_name; }      // the instance type
  const std::string& status() const { return *m_status; }  // the row's status

 private:
  friend class WorkerTracker;
  static int slot(EventType type) {
    switch (type) {
      case EventType::worker_created: return 0;
      case EventType::worker_promoted: return 1;
      case EventType::worker_terminated: return 2;
      case EventType::worker_error: return 3;
      default: return 4;
    }
  }
  void set(EventType type, WorkerStage s) {
    int i = slot(type);
    m_times[i] = s.time;
    m_places[i] = s.place;
    m_has = static_cast<uint8_t>(m_has | 1 << i);
  }
  // The five stages apart, not five std::optional<WorkerStage> (24 bytes
  // each): 48 bytes, for 3,000 workers a day.
  std::array<Time, 5> m_times{};
  std::array<Event::Place, 5> m_places{};
  uint8_t m_has = 0;  // bit i: stage i is there
  const std::string* m_id = nullptr;          // the tracker's key
  const std::string* m_name = nullptr;        // interned by the tracker, as are the next two
  const std::string* m_status = nullptr;
  const std::string* m_terminated_message = nullptr;
  const std::string* m_key = nullptr;            // the row's key, when it is not the id (never, when decoded)
  const std::string* m_error_message = nullptr;  // interned too: 8 bytes, not 32, for 3,000 workers a day
  std::string m_detail;                          // the creation's (the runpod id)
};

class WorkerTracker {
 public:
  WorkerTracker() = default;
  // The lives point into the tracker's own strings: moved, never copied.
  WorkerTracker(const WorkerTracker&) = delete;
  WorkerTracker& operator=(const WorkerTracker&) = delete;
  WorkerTracker(WorkerTracker&&) = default;
  WorkerTracker& operator=(WorkerTracker&&) = default;

  // The life a workers row's event went into (its address is kept), else null.
  const WorkerLife* on_event(const Event& e);
  // Keyed by worker id, in id order.
  const std::map<std::string, WorkerLife>& workers() const { return m_workers; }
  const WorkerLife* find(const std::string& worker_id) const;

 private:
  const std::string* intern(const std::string& s);
  std::map<std::string, WorkerLife> m_workers;
  // Instance types, statuses and termination messages: a few distinct ones
  // for thousands of workers.
  std::set<std::string> m_strings;
};

// Each orchestrator instance (one source_type/source_id) as its own lines
// show it: when it first and last logged, and its first startup line.
struct Instance {
  std::string source_type;
  std::string source_id;
  Event first;
  Event last;
  std::optional<Event> startup;
};

// An instance that stopped and another of the same source_type that started
// within the hand-over window, the first never logging again: the same
// orchestrator, restarted or redeployed under a new id (REAL-SYSTEM §2).
struct Succession {
  const Instance* old_instance;
  const Instance* new_instance;
  // Both sides before the window: the new one's first line is not known
  // (only its last before the window is read), so neither is the hand-over.
  bool before_window;
};

class InstanceTracker {
 public:
  void on_event(const Observation& o);
  // Keyed by actor_of() their lines, "orchestrator_gpu/orchestrator_gpu-host".
  const std::map<std::string, Instance>& instances() const { return m_instances; }
  // The successions among the instances; each new instance succeeds at most
  // one. The new one may start up to `overlap` before the old one's last
  // line (both running for a moment); more overlap is two orchestrators.
  std::vector<Succession> successions(Micros handover, Micros overlap) const;
  // The succession in which this instance is the old one, if any.
  static const Succession* succeeded(const std::vector<Succession>& all, const std::string& key);

 private:
  std::map<std::string, Instance> m_instances;
};

// A line of a cycle as findings cite it (its evidence, its source_id), not
// the whole Event: its source_type and source_id are the cycle's instance
// split where they meet, its key, status and message one string (three were
// 112 bytes a line and two allocations, for 5,760 lines a day on the fleet).
struct CycleLine {
  Time time{};
  Event::Place place = Event::Place::inside;
  uint32_t type_size = 0;    // of its source_type
  uint32_t key_size = 0;     // `text` is key, status, message
  uint32_t status_size = 0;
  std::string text;
  static CycleLine of(const Event& e);
  // `instance`: the cycle's, "source_type/source_id".
  Event event(const std::string& instance) const;
};

// One cycle of one orchestrator instance, as its lines tell it: how many
// workers it said it spawns, how many spawns it said failed.
struct Cycle {
  // "orchestrator_gpu/orchestrator_gpu-host", actor_of() its lines: the name
  // of its LogSources entry, which outlives the accounting (a copy in each of
  // 5,760 cycles a day on the fleet was 0.46 MB).
  const std::string* name = nullptr;
  const std::string& instance() const { return *name; }
  std::optional<int64_t> number;
  Time first{};
  Time last{};
  int64_t stated = 0;    // the largest count its lines state (Spawning n, need n, i/n, workers_spawned)
  int64_t unstated = 0;  // scale-up lines that state no count (an old mapping's patterns): one each
  int64_t failed = 0;    // spawns logged as failed
  int64_t blocked = 0;   // workers it said it would not spawn (blocked, suppressed)
  std::vector<CycleLine> lines;  // its scale-up, spawn, failure and block lines (the first few)
  // How many creations the cycle accounts for.
  int64_t capacity() const { return std::max<int64_t>(0, std::max(stated, unstated) - failed); }
  bool says_anything() const { return stated + unstated + failed + blocked > 0 || !lines.empty(); }
};

// A creation, promotion or termination of a managed worker, and which
// orchestrator instances account for it. It keeps the time and type; the
// rest of its event is the worker's (event()).
//
// 48 bytes, in this order (8,640 records a day on the fleet).
struct LifecycleRecord {
  Time time{};
  const WorkerLife* life = nullptr;
  // The orchestrator instances that accounted for it (their cycles' names,
  // one pointer per instance): one almost always, rarely more (8,640
  // records a day on the fleet).
  const std::string* source = nullptr;
  std::unique_ptr<std::vector<const std::string*>> more_sources;
  std::optional<uint32_t> named_in;         // the cycle of the line that named it
  EventType type = EventType::worker_created;  // worker_created, worker_promoted or worker_terminated
  Event::Place place = Event::Place::inside;
  bool named_as_failed = false;             // a creation whose spawn a line naming it said failed
  const std::string& worker_id() const { return life->id(); }
  Event event() const { return life->event(type); }
  bool accounted() const { return source != nullptr; }
  bool accounted_by(const std::string& instance) const {
    return (source != nullptr && *source == instance) ||
           (more_sources && std::any_of(more_sources->begin(), more_sources->end(),
                                        [&](const std::string* s) { return *s == instance; }));
  }
  void account(const std::string* instance) {
    if (source == nullptr) {
      source = instance;
    } else if (source != instance && !accounted_by(*instance)) {
      if (!more_sources) {
        more_sources = std::make_unique<std::vector<const std::string*>>();
      }
      more_sources->push_back(instance);
    }
  }
};

// Which orchestrator logs account for each lifecycle event of the workers
// the orchestrator manages (unmanaged instance types are left out).
// A creation is accounted for by an orchestrator line naming the worker
// within the tolerance (not a failure), else by a cycle's scale-up: a cycle
// of one instance accounts for at most capacity() creations within the
// tolerance of its lines, nearest first. A promotion or termination is
// accounted for by a line naming the worker within the tolerance.
class FleetAccounting {
 public:
  // `workers` is fed each event before this is.
  FleetAccounting(const Mapping& mapping, const Catalogue& catalogue, const WorkerTracker& workers);
  void on_event(const Observation& o);
  // Assigns the creations no line names to the cycles' scale-ups.
  void finish();
  const std::deque<LifecycleRecord>& records() const { return m_records; }
  // The cycles that stated a scale-up, a failure or a block, in time order.
  const std::deque<Cycle>& cycles() const { return m_cycles; }

 private:
  // What accounting needs of an orchestrator line: when, which worker it
  // names, and its instance.
  struct RecentLog {
    Time time{};
    std::string worker_id;
    std::string message;
    const std::string* source = nullptr;  // actor_of() the line, interned
    std::optional<size_t> cycle;  // its cycle, once that said something (cycles that say nothing are not kept)
    bool failure = false;
  };
  void check(LifecycleRecord& record, const RecentLog& log);
  size_t cycle_of(const Observation& o);
  void assign_scale_ups();

  const Catalogue& m_catalogue;
  const WorkerTracker& m_workers;
  Micros m_tolerance;
  std::deque<RecentLog> m_recent;       // orchestrator logs of the last `tolerance`
  std::deque<LifecycleRecord> m_records;  // not a vector: 8,640 a day on the fleet, grown without doubling
  size_t m_open_from = 0;               // records still within the tolerance of now
  std::deque<Cycle> m_cycles;
  std::map<std::string, size_t> m_current;  // each instance's cycle in m_cycles
};

}  // namespace tlrecon
