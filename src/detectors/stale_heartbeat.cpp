// stale_heartbeat: an active worker, not ended by the window's end, whose
// last heartbeat is older than `heartbeat_stale` at that time. A worker
// whose logs stopped with its heartbeats is worker_lost's story, not this one.
#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

class StaleHeartbeat : public Detector {
 public:
  explicit StaleHeartbeat(const Mapping& mapping)
      : Detector("stale_heartbeat", {{TableId::workers, field::w_last_heartbeat}}, {"worker_lost"}),
        m_limit(mapping.thresholds.heartbeat_stale) {}

  bool reads_worker_logs() const override { return false; }  // nothing while reading

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    for (const auto& [id, w] : ctx.workers.workers()) {
      const std::optional<WorkerStage> beat = w.heartbeat();
      if (!beat || !w.promoted() || beat->place == Event::Place::after) {
        continue;
      }
      std::optional<Time> end = w.end();
      if (end && *end < ctx.window.until) {
        continue;  // it ended inside the window
      }
      if (!end && (w.status() == "terminated" || w.status() == "error")) {
        continue;  // ended, but the table does not say when
      }
      if (lost(ctx, id)) {
        continue;
      }
      Micros age = ctx.window.until - beat->time;
      // Silent since before the lookback: an abandoned row, not news of this window.
      if (age <= m_limit || beat->time < ctx.window.since - ctx.mapping.thresholds.lookback) {
        continue;
      }
      Finding f = new_finding("stale_heartbeat", Severity::medium, beat->time, ctx.window.until, {id});
      f.open = true;
      add_evidence(f, w.event(EventType::worker_heartbeat));
      f.title = "worker " + id + " has not sent a heartbeat for " + format_duration(age);
      f.detail = "Its last heartbeat is at " + format_utc(beat->time) +
                 ", yet it is not terminated at the window's end (status " + w.status() +
                 "). It may be hung or gone while still counted as capacity.";
      out.push_back(std::move(f));
    }
  }

 private:
  static bool lost(const DetectorContext& ctx, const std::string& id) {
    for (const Finding& f : ctx.earlier) {
      if (f.kind == "worker_lost" && f.entities.front() == id) {
        return true;
      }
    }
    return false;
  }

  Micros m_limit;
};

}  // namespace

std::unique_ptr<Detector> make_stale_heartbeat(const Mapping& mapping) {
  return std::make_unique<StaleHeartbeat>(mapping);
}

}  // namespace tlrecon
