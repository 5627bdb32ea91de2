#pragma once
// Per-workflow reliability for the report (seed 004): for each workflow in
// the window, its decisions by action, its executions by status, the success
// rate, the scrapers triggered, succeeded and failed, the median and longest
// duration, the RUN decisions left orphaned and its last success. Fed from
// the event stream; the executions and decisions tables are small.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tlrecon/event.hpp"
#include "tlrecon/finding.hpp"

namespace tlrecon {

struct WorkflowReliability {
  std::string workflow;
  std::map<std::string, uint64_t> decisions;   // by action: RUN, SKIP, ABORT
  std::map<std::string, uint64_t> executions;  // by status: completed, failed, …
  uint64_t completed = 0;
  uint64_t failed = 0;
  std::optional<double> success_rate;  // completed / (completed + failed)
  uint64_t scrapers_triggered = 0;
  uint64_t scrapers_succeeded = 0;
  uint64_t scrapers_failed = 0;        // triggered - succeeded: the failed column is not read
  std::optional<double> median_seconds;
  std::optional<double> max_seconds;
  uint64_t orphaned = 0;               // its orphaned_decision findings
  std::optional<Time> last_success;
};

class ReliabilityCollector {
 public:
  void on_event(const Event& e);
  // One entry per workflow, in name order; orphans from the findings.
  std::vector<WorkflowReliability> rows(const std::vector<Finding>& findings) const;

 private:
  struct Stats {
    WorkflowReliability r;
    std::vector<double> durations;
  };
  std::map<std::string, Stats> m_workflows;
  std::map<std::string, std::string> m_decision_workflow;  // decision id -> workflow
};

}  // namespace tlrecon
