#pragma once
// What the fleet did, as every detector and the report share it: each
// worker's lifecycle as the workers table tells it (WorkerTracker), and
// which orchestrator logs account for each lifecycle event
// (FleetAccounting). Both are fed once by the merged stream.
#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tlrecon/catalogue.hpp"
#include "tlrecon/event.hpp"

namespace tlrecon {

// An event as the detectors see it: classified once by the catalogue.
struct Observation {
  const Event& event;
  Role role = Role::other;  // of a log's source_type; Role::other for other tables
  Fact fact;               // of an orchestrator's log; FactKind::none otherwise
};

// One worker's lifecycle as the workers table tells it.
struct WorkerLife {
  std::optional<Event> created;
  std::optional<Event> promoted;
  std::optional<Event> terminated;
  std::optional<Event> error;
  std::optional<Event> heartbeat;
  // When it stopped being alive: the earlier of termination and error.
  std::optional<Time> end() const;
  // The event that ended it: the error if there was one, else the termination.
  const std::optional<Event>& stop() const { return error ? error : terminated; }
};

class WorkerTracker {
 public:
  void on_event(const Event& e);
  // Keyed by worker id, in id order.
  const std::map<std::string, WorkerLife>& workers() const { return m_workers; }
  const WorkerLife* find(const std::string& worker_id) const;

 private:
  std::map<std::string, WorkerLife> m_workers;
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

// One cycle of one orchestrator instance, as its lines tell it: how many
// workers it said it spawns, how many spawns it said failed.
struct Cycle {
  std::string instance;  // "orchestrator_gpu/orchestrator_gpu-host": actor_of() its lines
  std::optional<int64_t> number;
  Time first{};
  Time last{};
  int64_t stated = 0;    // the largest count its lines state (Spawning n, need n, i/n, workers_spawned)
  int64_t unstated = 0;  // scale-up lines that state no count (an old mapping's patterns): one each
  int64_t failed = 0;    // spawns logged as failed
  int64_t blocked = 0;   // workers it said it would not spawn (blocked, suppressed)
  std::vector<Event> lines;  // its scale-up, spawn, failure and block lines (the first few)
  // How many creations the cycle accounts for.
  int64_t capacity() const { return std::max<int64_t>(0, std::max(stated, unstated) - failed); }
  bool says_anything() const { return stated + unstated + failed + blocked > 0 || !lines.empty(); }
};

struct LifecycleRecord {
  Event event;                          // worker_created, worker_promoted or worker_terminated
  std::vector<std::string> sources;     // orchestrator instances that accounted for it, sorted
  std::vector<Event> accounting_logs;   // the first few such logs
  bool named_as_failed = false;         // a creation whose spawn a line naming it said failed
  std::optional<size_t> named_in;       // the cycle of the line that named it
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
  FleetAccounting(const Mapping& mapping, const Catalogue& catalogue);
  void on_event(const Observation& o);
  // Assigns the creations no line names to the cycles' scale-ups.
  void finish();
  const std::vector<LifecycleRecord>& records() const { return m_records; }
  // The cycles that stated a scale-up, a failure or a block, in time order.
  const std::deque<Cycle>& cycles() const { return m_cycles; }

 private:
  struct RecentLog {
    Event event;
    std::optional<size_t> cycle;  // its cycle, once that said something (cycles that say nothing are not kept)
    bool failure;
  };
  void check(LifecycleRecord& record, const RecentLog& log);
  size_t cycle_of(const Observation& o);
  void assign_scale_ups();

  const Catalogue& m_catalogue;
  Micros m_tolerance;
  std::deque<RecentLog> m_recent;       // orchestrator logs of the last `tolerance`
  std::vector<LifecycleRecord> m_records;
  size_t m_open_from = 0;               // records still within the tolerance of now
  std::deque<Cycle> m_cycles;
  std::map<std::string, size_t> m_current;  // each instance's cycle in m_cycles
};

}  // namespace tlrecon
