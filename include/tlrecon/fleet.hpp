#pragma once
// What the fleet did, as every detector and the report share it: each
// worker's lifecycle as the workers table tells it (WorkerTracker), and
// which orchestrator logs account for each lifecycle event
// (FleetAccounting). Both are fed once by the merged stream.
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

struct LifecycleRecord {
  Event event;                          // worker_created, worker_promoted or worker_terminated
  std::vector<std::string> sources;     // orchestrator sources that accounted for it, sorted
  std::vector<Event> accounting_logs;   // the first few such logs
};

// A log accounts for a creation when it names the worker or reports a
// scale-up, for a promotion or termination when it names the worker; it must
// be within the tolerance of the event.
class FleetAccounting {
 public:
  explicit FleetAccounting(const Mapping& mapping);
  void on_event(const Observation& o);
  void finish();
  const std::vector<LifecycleRecord>& records() const { return m_records; }

 private:
  struct RecentLog {
    Event event;
    bool scale_up;
  };
  void check(LifecycleRecord& record, const RecentLog& log);

  Micros m_tolerance;
  std::deque<RecentLog> m_recent;       // orchestrator logs of the last `tolerance`
  std::vector<LifecycleRecord> m_records;
  size_t m_open_from = 0;               // records still within the tolerance of now
};

}  // namespace tlrecon
