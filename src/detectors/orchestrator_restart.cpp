// orchestrator_restart: an orchestrator whose cycle counter goes back, or
// that logs a startup line (the catalogue's startup fact); both signs of one
// restart within the tolerance make one finding. And an instance succeeded
// by another of the same source_type within the hand-over window (a restart
// or redeploy under a new source_id, fleet.hpp): one finding naming both
// ids, old then new, which takes in the new instance's startup line.
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
    const std::string& source = o.source->name;  // actor_of(e), built once by analyze
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

  bool reads_worker_logs() const override { return false; }  // orchestrators' lines only

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    std::vector<const Instance*> successors;
    for (const Succession& s : ctx.successions) {
      if (!s.before_window && ctx.window.contains(s.new_instance->first.time)) {
        out.push_back(redeployed(s));
        successors.push_back(s.new_instance);
      }
    }
    for (const auto& [source, list] : m_restarts) {
      for (const Restart& r : list) {
        if (part_of_succession(r, successors)) {
          continue;
        }
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
  // A startup line among the first lines of an instance that succeeded
  // another is that succession's, not a restart of its own.
  bool part_of_succession(const Restart& r, const std::vector<const Instance*>& successors) const {
    for (const Instance* in : successors) {
      if (in->source_type == r.first.source_type && in->source_id == r.first.source_id && !r.old_cycle &&
          r.first.time - in->first.time <= m_tolerance) {
        return true;
      }
    }
    return false;
  }

  Finding redeployed(const Succession& s) const {
    const Instance& a = *s.old_instance;
    const Instance& b = *s.new_instance;
    Finding f = new_finding("orchestrator_restart", Severity::low, std::min(a.last.time, b.first.time),
                            b.first.time, {a.source_id, b.source_id});
    add_evidence(f, a.last);
    add_evidence(f, b.first);
    bool startup = b.startup && b.startup->time - b.first.time <= m_tolerance;
    if (startup && b.startup->key != b.first.key) {
      add_evidence(f, *b.startup);
    }
    f.title = "orchestrator " + b.source_type + " restarted at " + format_clock(b.first.time) + " as " +
              b.source_id + " (was " + a.source_id + ")";
    f.detail = "The last log of " + a.source_id + " is at " + format_utc(a.last.time) + "; " + b.source_id +
               " logs from " + format_utc(b.first.time) + (startup ? ", starting with its startup line" : "") +
               ", and " + a.source_id + " never logs again: the same " + b.source_type +
               " orchestrator restarted or redeployed under a new source_id (its host name). " +
               (b.first.time >= a.last.time ? "The hand-over took " + format_duration(b.first.time - a.last.time)
                                            : "Both logged for " + format_duration(a.last.time - b.first.time)) +
               ". Check that its logs continue normally after this point: a log handler that fails at a "
               "restart goes unnoticed.";
    return f;
  }

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
