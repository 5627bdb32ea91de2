#include "tlrecon/detector.hpp"

namespace tlrecon {

std::unique_ptr<Detector> make_logging_gap(const Mapping&);
std::unique_ptr<Detector> make_orphaned_decision(const Mapping&);
std::unique_ptr<Detector> make_unexplained_scale_up(const Mapping&);
std::unique_ptr<Detector> make_orchestrator_restart(const Mapping&);
std::unique_ptr<Detector> make_early_termination(const Mapping&);
std::unique_ptr<Detector> make_worker_never_promoted(const Mapping&);
std::unique_ptr<Detector> make_stale_heartbeat(const Mapping&);
std::unique_ptr<Detector> make_workflow_failure(const Mapping&);
std::unique_ptr<Detector> make_clock_skew(const Mapping&);
std::unique_ptr<Detector> make_worker_lost(const Mapping&);
std::unique_ptr<Detector> make_demand_mismatch(const Mapping&);
std::unique_ptr<Detector> make_scaling_anomaly(const Mapping&);

std::vector<std::unique_ptr<Detector>> make_detectors(const Mapping& mapping) {
  std::vector<std::unique_ptr<Detector>> all;
  all.push_back(make_logging_gap(mapping));
  all.push_back(make_orphaned_decision(mapping));
  all.push_back(make_unexplained_scale_up(mapping));
  all.push_back(make_orchestrator_restart(mapping));
  all.push_back(make_early_termination(mapping));
  all.push_back(make_worker_never_promoted(mapping));
  all.push_back(make_stale_heartbeat(mapping));
  all.push_back(make_workflow_failure(mapping));
  all.push_back(make_clock_skew(mapping));
  all.push_back(make_worker_lost(mapping));
  all.push_back(make_demand_mismatch(mapping));
  all.push_back(make_scaling_anomaly(mapping));
  return all;
}

}  // namespace tlrecon
