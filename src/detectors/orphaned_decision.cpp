// orphaned_decision: a RUN decision that no execution references, older
// than the grace period at the window's end. SKIP and ABORT never are; an
// execution with no decision is not an error.
#include <map>
#include <set>

#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

bool is_run(const std::string& action) {
  return action.size() == 3 && (action[0] == 'R' || action[0] == 'r') &&
         (action[1] == 'U' || action[1] == 'u') && (action[2] == 'N' || action[2] == 'n');
}

class OrphanedDecision : public Detector {
 public:
  explicit OrphanedDecision(const Mapping& mapping)
      : Detector("orphaned_decision", {{TableId::workflow_decisions, field::d_action},
                                       {TableId::workflow_executions, field::e_decision_id}}),
        m_grace(mapping.thresholds.grace) {}

  void on_event(const Observation& o) override {
    const Event& e = o.event;
    if (e.type == EventType::decision) {
      m_decisions.push_back(e);
    } else if (e.type == EventType::execution_started && !e.decision_id.empty()) {
      m_executed.emplace(e.decision_id, e);
    }
  }

  bool reads_worker_logs() const override { return false; }  // decisions and executions only

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    // Decisions of one evaluation share a time within this much.
    constexpr Micros k_same_evaluation = std::chrono::seconds(60);
    for (const Event& d : m_decisions) {
      if (d.place != Event::Place::inside || !is_run(d.status) || m_executed.count(d.key) > 0) {
        continue;
      }
      if (d.time + m_grace > ctx.window.until) {
        continue;  // it may still run
      }
      Finding f = new_finding("orphaned_decision", Severity::high, d.time, ctx.window.until, {d.key});
      f.open = true;
      add_evidence(f, d);
      std::vector<std::string> ran;
      std::vector<std::string> orphaned;
      for (const Event& other : m_decisions) {
        Micros apart = other.time > d.time ? other.time - d.time : d.time - other.time;
        if (other.key == d.key || apart > k_same_evaluation || !is_run(other.status)) {
          continue;
        }
        auto range = m_executed.equal_range(other.key);
        if (range.first != range.second) {
          add_evidence(f, other);
          add_evidence(f, range.first->second);
          ran.push_back(other.name);
        } else {
          orphaned.push_back(other.name);
        }
      }
      f.title = "RUN decision for " + d.name + " at " + format_clock(d.time) + " never executed";
      f.detail = "Decision " + d.key + " (" + d.name + ", " + format_utc(d.time) +
                 (d.message.empty() ? "" : ", reason \"" + d.message + "\"") +
                 ") has no execution referencing it " + format_duration(ctx.window.until - d.time) +
                 " later, past the grace period of " + format_duration(m_grace) + ".";
      if (!ran.empty()) {
        f.detail += " In the same evaluation, " + join(ran) + " did execute";
        f.detail += orphaned.empty() ? "." : ", while " + join(orphaned) + " did not either.";
        f.detail += " The executor stopped part-way through the batch (a timeout or crash of the "
                    "caller is the usual cause).";
      } else if (!orphaned.empty()) {
        f.detail += " No decision of that evaluation executed (" + join(orphaned) +
                    " neither): the executor never picked the batch up.";
      }
      out.push_back(std::move(f));
    }
  }

 private:
  static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
      out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    }
    return out;
  }

  Micros m_grace;
  std::vector<Event> m_decisions;
  std::multimap<std::string, Event> m_executed;
};

}  // namespace

std::unique_ptr<Detector> make_orphaned_decision(const Mapping& mapping) {
  return std::make_unique<OrphanedDecision>(mapping);
}

}  // namespace tlrecon
