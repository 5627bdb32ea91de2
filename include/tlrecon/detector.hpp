#pragma once
// Detectors consume the merged event stream and report findings when it
// ends. Adding one is a new file in src/detectors/ and one line in
// registry.cpp. Each sees every event, including those before and after the
// window (Event::place), in timeline order.
#include <memory>
#include <string>
#include <vector>

#include "tlrecon/finding.hpp"
#include "tlrecon/fleet.hpp"
#include "tlrecon/source.hpp"

namespace tlrecon {

// What detectors share at the end: the window, the knobs, what the sources
// held, the fleet accounting, and the findings of detectors that ran before.
struct DetectorContext {
  Window window;
  const Mapping& mapping;
  const std::vector<TableInfo>& tables;
  const FleetAccounting& fleet;
  const std::vector<Finding>& earlier;
  bool table_ok(TableId t) const { return tables[static_cast<int>(t)].state == TableState::ok; }
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual const char* name() const = 0;
  // The (table, field) pairs it cannot run without.
  virtual std::vector<std::pair<TableId, int>> needs() const = 0;
  virtual void on_event(const Event& e) = 0;
  virtual void finish(const DetectorContext& ctx, std::vector<Finding>& out) = 0;
};

// Every detector, in the order they finish (logging_gap before
// unexplained_scale_up, which relates its findings to gaps).
std::vector<std::unique_ptr<Detector>> make_detectors(const Mapping& mapping);

// Why a detector cannot run on these tables, or "" when it can.
std::string skip_reason(const Detector& d, const std::vector<TableInfo>& tables);

// Orders findings by start, kind and entities, then gives them ids F1, F2, …
// and resolves related_refs into related ids.
void number_findings(std::vector<Finding>& findings);

}  // namespace tlrecon
