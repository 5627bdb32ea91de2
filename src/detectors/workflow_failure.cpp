// execution_failed: each failed workflow execution (low).
// workflow_unrecovered: a workflow whose last execution in the window failed
// and that never succeeded after it (high): its work was not done.
#include <map>

#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

class WorkflowFailure : public Detector {
 public:
  WorkflowFailure() : Detector("workflow_failure", {{TableId::workflow_executions, field::e_status}}) {}

  void on_event(const Observation& o) override {
    const Event& e = o.event;
    if (e.place != Event::Place::inside) {
      return;
    }
    if (e.type == EventType::execution_failed || e.type == EventType::execution_finished) {
      m_outcomes[e.name].push_back(e);
    } else if (e.type == EventType::decision) {
      m_decisions[e.name].push_back(e);
    }
  }

  bool reads_worker_logs() const override { return false; }  // decisions and executions only

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    for (const auto& [workflow, outcomes] : m_outcomes) {
      for (const Event& e : outcomes) {
        if (e.type != EventType::execution_failed) {
          continue;
        }
        Finding f = new_finding("execution_failed", Severity::low, e.time, e.time, {e.key});
        add_evidence(f, e);
        f.title = "execution of " + workflow + " failed at " + format_clock(e.time);
        f.detail = "Execution " + e.key + " of " + workflow + " failed" +
                   (e.detail.empty() ? "" : " (" + e.detail + ")") +
                   (e.message.empty() ? "." : ": " + e.message);
        out.push_back(std::move(f));
      }
      const Event& last = outcomes.back();
      if (last.type != EventType::execution_failed) {
        continue;
      }
      Finding f = new_finding("workflow_unrecovered", Severity::high, last.time, ctx.window.until, {workflow});
      f.open = true;
      add_evidence(f, last);
      std::string later;
      auto d = m_decisions.find(workflow);
      if (d != m_decisions.end()) {
        for (const Event& decision : d->second) {
          if (decision.time > last.time) {
            add_evidence(f, decision);
            later += (later.empty() ? "" : "; ") + format_clock(decision.time) + " " + decision.status +
                     (decision.message.empty() ? "" : " (" + decision.message + ")");
          }
        }
      }
      f.title = "workflow " + workflow + " failed at " + format_clock(last.time) +
                " and never succeeded afterwards";
      f.detail = "Its last execution in the window, " + last.key + " at " + format_utc(last.time) +
                 ", failed" + (last.message.empty() ? "" : " (" + last.message + ")") +
                 ", and no later execution completed before " + format_utc(ctx.window.until) + ".";
      f.detail += later.empty() ? " No later decision for it was made."
                                : " Later decisions for it: " + later + ".";
      out.push_back(std::move(f));
    }
  }

 private:
  std::map<std::string, std::vector<Event>> m_outcomes;
  std::map<std::string, std::vector<Event>> m_decisions;
};

}  // namespace

std::unique_ptr<Detector> make_workflow_failure(const Mapping&) {
  return std::make_unique<WorkflowFailure>();
}

}  // namespace tlrecon
