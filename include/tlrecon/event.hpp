#pragma once
// One event on the unified timeline. Every row becomes one or more events
// (decode.hpp); each keeps the table and primary key of its row, so every
// finding can cite its evidence.
#include <cstdint>
#include <optional>
#include <string>

#include "tlrecon/mapping.hpp"
#include "tlrecon/time.hpp"

namespace tlrecon {

// Within one table, events at the same instant sort in this order.
enum class EventType : uint8_t {
  worker_created,
  worker_promoted,
  worker_error,
  worker_terminated,
  worker_heartbeat,
  task_queued,
  task_claimed,
  task_finished,
  task_failed,
  task_cancelled,
  decision,
  execution_started,
  execution_finished,
  execution_failed,
  log,
  annotation,
};

const char* event_type_name(EventType type);

// The table an event came from: a database table, or an annotation file.
enum class Origin : uint8_t { workers, tasks, workflow_decisions, workflow_executions, system_logs, annotations };
inline Origin origin_of(TableId t) { return static_cast<Origin>(static_cast<int>(t)); }
const char* origin_name(Origin origin);

struct Event {
  Time time{};
  EventType type = EventType::log;
  Origin origin = Origin::system_logs;
  // Where the event falls: only `inside` events are shown. Events before the
  // window (the lookback) and after it (a later heartbeat of a row read for
  // the window) are seen by the detectors only.
  enum class Place : uint8_t { inside, before, after };
  Place place = Place::inside;
  // A log line read without its message and level (`status`), which the
  // analysis fetches later for the few lines it keeps
  // (Source::withheld_message_types).
  bool message_withheld = false;
  std::string key;           // the row's primary key
  std::string source_type;   // log: source_type; annotation: its source
  std::string source_id;     // log: source_id
  std::string worker_id;     // the worker involved, if any
  std::string task_id;
  std::string decision_id;
  std::string name;          // workflow name, task type or instance type
  std::string status;        // log level, task/execution status, decision action
  std::string message;       // log message, error or termination reason, decision reason
  std::string detail;        // a few facts more ("3 scrapers triggered, 0 succeeded")
  std::optional<int64_t> cycle;
};

// "orchestrator_gpu/gpu-orchestrator": the log source an event belongs to,
// or the entity that acted for other events (the worker, the workflow).
std::string actor_of(const Event& e);
// A one-line description: "worker created gpu-… (NVIDIA RTX 4090)".
std::string summary_of(const Event& e);

// The total order of the merged timeline: time, then table (workers, tasks,
// decisions, executions, logs, annotations), then event type, then key.
bool event_before(const Event& a, const Event& b);

}  // namespace tlrecon
