#pragma once
// Which orchestrator logs account for each worker lifecycle event. A log
// accounts for a creation when it names the worker or reports a scale-up or
// spawn (patterns from the mapping), for a promotion or termination when it
// names the worker; it must be within the tolerance of the event. Both the
// logging-gap and the scale-up detectors ask this.
#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "tlrecon/event.hpp"
#include "tlrecon/mapping.hpp"

namespace tlrecon {

class PatternSet;

struct LifecycleRecord {
  Event event;                          // worker_created, worker_promoted or worker_terminated
  std::vector<std::string> sources;     // orchestrator sources that accounted for it, sorted
  std::vector<Event> accounting_logs;   // the first few such logs
};

class FleetAccounting {
 public:
  explicit FleetAccounting(const Mapping& mapping);
  ~FleetAccounting();
  void on_event(const Event& e);
  void finish();

  bool is_orchestrator(const std::string& source_type) const;
  bool is_worker_source(const std::string& source_type) const;
  const std::vector<LifecycleRecord>& records() const { return m_records; }

 private:
  struct RecentLog {
    Event event;
    bool scale_up;
  };
  void check(LifecycleRecord& record, const RecentLog& log);

  Micros m_tolerance;
  std::unique_ptr<PatternSet> m_orchestrator;
  std::unique_ptr<PatternSet> m_worker;
  std::unique_ptr<PatternSet> m_scale_up;
  std::deque<RecentLog> m_recent;       // orchestrator logs of the last `tolerance`
  std::vector<LifecycleRecord> m_records;
  size_t m_open_from = 0;               // records still within the tolerance of now
};

// A compiled list of RE2 patterns, matched as one alternation.
class PatternSet {
 public:
  // Throws Error (exit 2) naming `what` when a pattern does not compile.
  PatternSet(const std::vector<std::string>& patterns, const std::string& what);
  ~PatternSet();
  bool matches(const std::string& text) const;
  // The same for the few distinct values of a column such as source_type,
  // remembered once seen.
  bool matches_cached(const std::string& text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
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
};
// Records a workers-table event in the map (keyed by worker id).
void track_worker(std::map<std::string, WorkerLife>& workers, const Event& e);

}  // namespace tlrecon
