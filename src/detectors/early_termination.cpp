// early_termination: a worker terminated within `early_termination` of its
// promotion to active: it was paid for spawning and did almost nothing.
#include <map>

#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

class EarlyTermination : public Detector {
 public:
  explicit EarlyTermination(const Mapping& mapping) : m_limit(mapping.thresholds.early_termination) {}
  const char* name() const override { return "early_termination"; }
  std::vector<std::pair<TableId, int>> needs() const override {
    return {{TableId::workers, field::w_promoted_at}, {TableId::workers, field::w_terminated_at}};
  }
  void on_event(const Event& e) override { track_worker(m_workers, e); }

  void finish(const DetectorContext&, std::vector<Finding>& out) override {
    for (const auto& [id, w] : m_workers) {
      if (!w.promoted || !w.terminated || w.terminated->place != Event::Place::inside) {
        continue;
      }
      Micros lived = w.terminated->time - w.promoted->time;
      if (lived < Micros(0) || lived > m_limit) {
        continue;
      }
      Finding f;
      f.kind = "early_termination";
      f.severity = Severity::low;
      f.start = w.promoted->time;
      f.end = w.terminated->time;
      f.entities = {id};
      f.ref = "early_termination:" + id;
      if (w.created) {
        add_evidence(f, *w.created);
      }
      add_evidence(f, *w.promoted);
      add_evidence(f, *w.terminated);
      f.title = "worker " + id + " terminated " + format_duration(lived) + " after its promotion";
      f.detail = "Promoted to active at " + format_utc(w.promoted->time) + " and terminated at " +
                 format_utc(w.terminated->time) + " (" + w.terminated->message + ")" +
                 (w.created ? ", " + format_duration(w.terminated->time - w.created->time) +
                                  " after its creation"
                            : "") +
                 ". A worker that lives this briefly usually means the scale-up overshot (an "
                 "idle worker scaled down) or the worker failed right after starting.";
      out.push_back(std::move(f));
    }
  }

 private:
  Micros m_limit;
  std::map<std::string, WorkerLife> m_workers;
};

}  // namespace

std::unique_ptr<Detector> make_early_termination(const Mapping& mapping) {
  return std::make_unique<EarlyTermination>(mapping);
}

}  // namespace tlrecon
