// scaling_anomaly: what the orchestrator's own health monitor alerts on
// (seed 002), as low findings of their own kinds: `rapid_scale_up`, a cycle
// that states a scale-up of 3 or more workers; `task_count_spike`, a logged
// task count (queued + active) that grows tenfold, or from 0 to 10 or more,
// between two consecutive counts of one instance. Each relates to a
// demand_mismatch of the same instance that it is part of.
#include <map>

#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

constexpr int64_t k_rapid = 3;
constexpr int64_t k_spike = 10;

struct LastCount {
  Event line;
  int64_t total = 0;
};

class ScalingAnomaly : public Detector {
 public:
  explicit ScalingAnomaly(const Mapping&)
      : Detector("scaling_anomaly", {{TableId::system_logs, field::l_message}}, {"demand_mismatch"}) {}

  void on_event(const Observation& o) override {
    const Event& e = o.event;
    bool counts = (o.fact.kind == FactKind::task_count || o.fact.kind == FactKind::cycle_start) && o.fact.queued;
    if (o.role != Role::orchestrator || !counts) {
      return;
    }
    int64_t total = *o.fact.queued + o.fact.active.value_or(0);
    std::string instance = actor_of(e);
    auto last = m_last.find(instance);
    if (last != m_last.end() && e.place == Event::Place::inside) {
      int64_t before = last->second.total;
      bool spike = before == 0 ? total >= k_spike : total >= k_spike * before;
      if (spike) {
        Finding f = new_finding("task_count_spike", Severity::low, e.time, e.time, {e.source_id});
        f.role = Role::orchestrator;
        add_evidence(f, last->second.line);
        add_evidence(f, e);
        f.title = "orchestrator " + e.source_id + "'s task count jumped from " + std::to_string(before) + " to " +
                  std::to_string(total) + " in one cycle at " + format_clock(e.time);
        f.detail = "Between " + format_utc(last->second.line.time) + " and " + format_utc(e.time) + " " + instance +
                   "'s logged task count (queued + active) went from " + std::to_string(before) + " to " +
                   std::to_string(total) + ". A large batch of new tasks does this, and so does a count "
                   "that came from the wrong place; the tasks table tells which (demand_mismatch).";
        m_found.push_back(std::move(f));
      }
    }
    m_last[instance] = LastCount{e, total};
  }

  bool reads_worker_logs() const override { return false; }  // orchestrators' counts only

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    for (const Cycle& c : ctx.fleet.cycles()) {
      int64_t n = std::max(c.stated, c.unstated);
      if (n < k_rapid || c.first < ctx.window.since || c.lines.empty()) {
        continue;
      }
      const Event line = c.lines.front().event(c.instance());
      Finding f = new_finding("rapid_scale_up", Severity::low, c.first, c.last, {line.source_id});
      f.role = Role::orchestrator;
      for (const CycleLine& l : c.lines) {
        add_evidence(f, l.event(c.instance()));
      }
      f.title = "orchestrator " + line.source_id + " scaled up by " + std::to_string(n) + " workers in one cycle at " +
                format_clock(c.first);
      f.detail = c.instance() + " stated a scale-up of " + std::to_string(n) + " workers in one cycle" +
                 (c.number ? " (cycle " + std::to_string(*c.number) + ")" : "") + ". Its own health monitor "
                 "calls 3 or more an anomaly: a large batch of tasks, a wrong task count, or workers failing "
                 "and being replaced.";
      m_found.push_back(std::move(f));
    }
    for (Finding& f : m_found) {
      for (const Finding& d : ctx.earlier) {
        // The same episode: within the tolerance of the mismatch's span (a
        // cycle opens a moment before its count line).
        Micros tolerance = ctx.mapping.thresholds.tolerance;
        if (d.kind == "demand_mismatch" && d.entities == f.entities && f.start + tolerance >= d.start &&
            f.start <= d.end + tolerance) {
          relate(f, d);
        }
      }
      out.push_back(std::move(f));
    }
  }

 private:
  std::map<std::string, LastCount> m_last;
  std::vector<Finding> m_found;
};

}  // namespace

std::unique_ptr<Detector> make_scaling_anomaly(const Mapping& mapping) {
  return std::make_unique<ScalingAnomaly>(mapping);
}

}  // namespace tlrecon
