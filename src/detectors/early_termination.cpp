// early_termination: a worker terminated within `early_termination` of its
// promotion to active: it was paid for spawning and did almost nothing.
#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

class EarlyTermination : public Detector {
 public:
  explicit EarlyTermination(const Mapping& mapping)
      : Detector("early_termination",
                 {{TableId::workers, field::w_promoted_at}, {TableId::workers, field::w_terminated_at}}),
        m_limit(mapping.thresholds.early_termination) {}

  bool reads_worker_logs() const override { return false; }  // nothing while reading

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    for (const auto& [id, w] : ctx.workers.workers()) {
      const std::optional<WorkerStage> promoted = w.promoted();
      const std::optional<WorkerStage> ended = w.terminated();
      if (!promoted || !ended || ended->place != Event::Place::inside) {
        continue;
      }
      Micros lived = ended->time - promoted->time;
      if (lived < Micros(0) || lived > m_limit) {
        continue;
      }
      const std::optional<WorkerStage> created = w.created();
      Finding f = new_finding("early_termination", Severity::low, promoted->time, ended->time, {id});
      if (created) {
        add_evidence(f, w.event(EventType::worker_created));
      }
      add_evidence(f, w.event(EventType::worker_promoted));
      Event terminated = w.event(EventType::worker_terminated);
      add_evidence(f, terminated);
      f.title = "worker " + id + " terminated " + format_duration(lived) + " after its promotion";
      f.detail = "Promoted to active at " + format_utc(promoted->time) + " and terminated at " +
                 format_utc(ended->time) + " (" + terminated.message + ")" +
                 (created ? ", " + format_duration(ended->time - created->time) + " after its creation" : "") +
                 ". A worker that lives this briefly usually means the scale-up overshot (an "
                 "idle worker scaled down) or the worker failed right after starting.";
      out.push_back(std::move(f));
    }
  }

 private:
  Micros m_limit;
};

}  // namespace

std::unique_ptr<Detector> make_early_termination(const Mapping& mapping) {
  return std::make_unique<EarlyTermination>(mapping);
}

}  // namespace tlrecon
