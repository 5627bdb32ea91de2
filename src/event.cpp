#include "tlrecon/event.hpp"

#include <tuple>

namespace tlrecon {

const char* event_type_name(EventType type) {
  switch (type) {
    case EventType::worker_created: return "worker_created";
    case EventType::worker_promoted: return "worker_promoted";
    case EventType::worker_error: return "worker_error";
    case EventType::worker_terminated: return "worker_terminated";
    case EventType::worker_heartbeat: return "worker_last_heartbeat";
    case EventType::task_queued: return "task_queued";
    case EventType::task_claimed: return "task_claimed";
    case EventType::task_finished: return "task_finished";
    case EventType::task_failed: return "task_failed";
    case EventType::task_cancelled: return "task_cancelled";
    case EventType::decision: return "decision";
    case EventType::execution_started: return "execution_started";
    case EventType::execution_finished: return "execution_finished";
    case EventType::execution_failed: return "execution_failed";
    case EventType::log: return "log";
    case EventType::annotation: return "annotation";
  }
  return "?";
}

const char* origin_name(Origin origin) {
  if (origin == Origin::annotations) {
    return "annotations";
  }
  return table_name(static_cast<TableId>(static_cast<int>(origin)));
}

std::string actor_of(const Event& e) {
  switch (e.origin) {
    case Origin::system_logs: return e.source_type + "/" + e.source_id;
    case Origin::workers: return e.worker_id;
    case Origin::tasks: return e.worker_id.empty() ? e.name : e.worker_id;
    case Origin::workflow_decisions:
    case Origin::workflow_executions: return e.name;
    case Origin::annotations: return e.source_type;
  }
  return "";
}

namespace {

std::string with(const std::string& prefix, const std::string& text, const std::string& suffix = "") {
  return text.empty() ? "" : prefix + text + suffix;
}

}  // namespace

std::string summary_of(const Event& e) {
  switch (e.type) {
    case EventType::worker_created:
      return "worker created " + e.worker_id + with(" (", e.name, ")") + with(" runpod ", e.detail);
    case EventType::worker_promoted: return "worker promoted to active " + e.worker_id;
    case EventType::worker_error: return "worker error " + e.worker_id + with(": ", e.message);
    case EventType::worker_terminated:
      return "worker terminated " + e.worker_id + with(": ", e.message);
    case EventType::worker_heartbeat: return "worker last heartbeat " + e.worker_id;
    case EventType::task_queued: return "task queued " + e.key + with(" (", e.name, ")");
    case EventType::task_claimed:
      return "task claimed " + e.key + with(" (", e.name, ")") + with(" by ", e.worker_id);
    case EventType::task_finished:
      return "task finished " + e.key + with(" (", e.name, ")") + with(" by ", e.worker_id);
    case EventType::task_failed:
      return "task failed " + e.key + with(" (", e.name, ")") + with(" by ", e.worker_id) +
             with(": ", e.message);
    case EventType::task_cancelled: return "task cancelled " + e.key + with(" (", e.name, ")");
    case EventType::decision:
      return "decision " + e.status + " " + e.name + with(": ", e.message) + with(" [", e.detail, "]");
    case EventType::execution_started:
      return "execution started " + e.name + with(" (decision ", e.decision_id, ")");
    case EventType::execution_finished:
      return "execution " + e.status + " " + e.name + with(" ", e.detail);
    case EventType::execution_failed:
      return "execution failed " + e.name + with(" ", e.detail) + with(": ", e.message);
    case EventType::log:
      return e.status + " " + e.message;
    case EventType::annotation: return e.message;
  }
  return "";
}

bool event_before(const Event& a, const Event& b) {
  return std::tie(a.time, a.origin, a.type, a.key) < std::tie(b.time, b.origin, b.type, b.key);
}

}  // namespace tlrecon
