// worker_never_promoted: a worker that ended without ever being promoted to
// active, or that is still not promoted `promotion_timeout` after creation
// at the window's end.
#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

class WorkerNeverPromoted : public Detector {
 public:
  explicit WorkerNeverPromoted(const Mapping& mapping)
      : Detector("worker_never_promoted", {{TableId::workers, field::w_promoted_at}}),
        m_timeout(mapping.thresholds.promotion_timeout) {}

  bool reads_worker_logs() const override { return false; }  // nothing while reading

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    for (const auto& [id, w] : ctx.workers.workers()) {
      if (!w.created() || w.promoted() || !ctx.catalogue.managed(w.name())) {
        continue;  // promoted, or not one the orchestrator promotes
      }
      const Time created = w.created()->time;
      std::optional<Time> end = w.end();
      bool ended_inside = end && *end >= ctx.window.since && *end < ctx.window.until;
      // A row left "spawning" for longer than the lookback before the window
      // is an abandoned row, not news of this window (every worker alive in
      // the window is read, however old: zombie rows come with them).
      bool still_waiting = (!end || *end >= ctx.window.until) &&
                           ctx.window.until - created > m_timeout &&
                           created < ctx.window.until &&
                           created >= ctx.window.since - ctx.mapping.thresholds.lookback;
      if (!ended_inside && !still_waiting) {
        continue;
      }
      Finding f = new_finding("worker_never_promoted", Severity::medium, created,
                              ended_inside ? *end : ctx.window.until, {id});
      f.open = !ended_inside;
      add_evidence(f, w.event(EventType::worker_created));
      const std::optional<Event> stop = w.stop();
      if (ended_inside && stop) {
        add_evidence(f, *stop);
      }
      if (ended_inside) {
        f.title = "worker " + id + " ended after " + format_duration(*end - created) +
                  " without ever becoming active";
        f.detail = "Created at " + format_utc(created) + ", it ended at " + format_utc(*end) +
                   (stop && !stop->message.empty() ? " (" + stop->message + ")" : "") +
                   " and was never promoted to active. Spawn failures like this cost capacity and "
                   "often repeat: look for the same reason on other workers.";
      } else {
        f.title = "worker " + id + " still not active " + format_duration(ctx.window.until - created) +
                  " after its creation";
        f.detail = "Created at " + format_utc(created) + ", it has no promotion by the window's "
                   "end, past the promotion timeout of " + format_duration(m_timeout) + ".";
      }
      out.push_back(std::move(f));
    }
  }

 private:
  Micros m_timeout;
};

}  // namespace

std::unique_ptr<Detector> make_worker_never_promoted(const Mapping& mapping) {
  return std::make_unique<WorkerNeverPromoted>(mapping);
}

}  // namespace tlrecon
