// orchestrator_restart: an orchestrator whose cycle counter goes back, or
// that logs a startup message (patterns.startup). Both signs of one restart
// within the tolerance make one finding.
#include <map>

#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

struct Restart {
  Event first;                 // the first log of the new process
  std::optional<Event> before; // the last log of the old one
  std::optional<int64_t> old_cycle;
  std::optional<int64_t> new_cycle;
  bool startup_message = false;
};

class OrchestratorRestart : public Detector {
 public:
  explicit OrchestratorRestart(const Mapping& mapping)
      : Detector("orchestrator_restart", {{TableId::system_logs, field::l_source_type}}),
        m_tolerance(mapping.thresholds.tolerance) {}

  void on_event(const Observation& o) override {
    const Event& e = o.event;
    if (e.type != EventType::log || e.place != Event::Place::inside || o.role != Role::orchestrator) {
      return;
    }
    std::string source = actor_of(e);
    State& s = m_state[source];
    bool startup = o.fact.kind == FactKind::startup;
    bool reset = e.cycle && s.cycle && *e.cycle < *s.cycle;
    if (startup || reset) {
      std::vector<Restart>& list = m_restarts[source];
      if (!list.empty() && e.time - list.back().first.time <= m_tolerance) {
        // The other sign of the same restart.
        Restart& r = list.back();
        r.startup_message = r.startup_message || startup;
        if (reset && !r.old_cycle) {
          r.old_cycle = s.cycle;
          r.new_cycle = e.cycle;
        }
      } else {
        Restart r{e, s.last, reset ? s.cycle : std::nullopt, reset ? e.cycle : std::nullopt, startup};
        list.push_back(std::move(r));
      }
    }
    if (e.cycle) {
      s.cycle = e.cycle;
    }
    s.last = e;
  }

  void finish(const DetectorContext&, std::vector<Finding>& out) override {
    for (const auto& [source, list] : m_restarts) {
      for (const Restart& r : list) {
        Finding f = new_finding("orchestrator_restart", Severity::low, r.before ? r.before->time : r.first.time,
                                r.first.time, {r.first.source_id});
        if (r.before) {
          add_evidence(f, *r.before);
        }
        add_evidence(f, r.first);
        f.title = "orchestrator " + source + " restarted at " + format_clock(r.first.time);
        if (r.old_cycle && r.new_cycle) {
          f.title += " (cycle " + std::to_string(*r.old_cycle) + " → " + std::to_string(*r.new_cycle) + ")";
        }
        f.detail = "At " + format_utc(r.first.time) + " " + source + " ";
        if (r.old_cycle) {
          f.detail += "started counting its cycles again (from " + std::to_string(*r.old_cycle) + " to " +
                      (r.new_cycle ? std::to_string(*r.new_cycle) : "?") + ")";
          f.detail += r.startup_message ? " and logged a startup message" : "";
        } else {
          f.detail += "logged a startup message";
        }
        f.detail += r.before ? "; its previous log is at " + format_utc(r.before->time) + "." : ".";
        f.detail += " A restart is when a log handler that fails to initialise goes unnoticed: "
                    "check that its logs continue normally after this point.";
        out.push_back(std::move(f));
      }
    }
  }

 private:
  struct State {
    std::optional<int64_t> cycle;
    std::optional<Event> last;
  };
  Micros m_tolerance;
  std::map<std::string, State> m_state;
  std::map<std::string, std::vector<Restart>> m_restarts;
};

}  // namespace

std::unique_ptr<Detector> make_orchestrator_restart(const Mapping& mapping) {
  return std::make_unique<OrchestratorRestart>(mapping);
}

}  // namespace tlrecon
