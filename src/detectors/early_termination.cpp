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
      if (!w.promoted() || !w.terminated() || w.terminated()->place != Event::Place::inside) {
        continue;
      }
      Micros lived = w.terminated()->time - w.promoted()->time;
      if (lived < Micros(0) || lived > m_limit) {
        continue;
      }
      Finding f = new_finding("early_termination", Severity::low, w.promoted()->time, w.terminated()->time, {id});
      if (w.created()) {
        add_evidence(f, w.event(EventType::worker_created));
      }
      add_evidence(f, w.event(EventType::worker_promoted));
      Event terminated = w.event(EventType::worker_terminated);
      add_evidence(f, terminated);
      f.title = "worker " + id + " terminated " + format_duration(lived) + " after its promotion";
      f.detail = "Promoted to active at " + format_utc(w.promoted()->time) + " and terminated at " +
                 format_utc(w.terminated()->time) + " (" + terminated.message + ")" +
                 (w.created() ? ", " + format_duration(w.terminated()->time - w.created()->time) +
                                  " after its creation"
                            : "") +
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
