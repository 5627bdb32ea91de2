#pragma once
// Detectors consume the merged event stream and report findings when it
// ends. Adding one is a new file in src/detectors/ and one line in
// registry.cpp. Each sees every event, including those before and after the
// window (Event::place), in timeline order, already classified by the
// catalogue; the workers' lifecycles and the fleet accounting are shared.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tlrecon/finding.hpp"
#include "tlrecon/fleet.hpp"
#include "tlrecon/source.hpp"

namespace tlrecon {

// What detectors share at the end: the window, the knobs, what the sources
// held, the workers and the fleet accounting, and the findings of the
// detectors this one reads (Detector::reads()).
struct DetectorContext {
  Window window;
  const Mapping& mapping;
  const Catalogue& catalogue;
  const std::vector<TableInfo>& tables;
  const WorkerTracker& workers;
  const FleetAccounting& fleet;
  const InstanceTracker& instances;
  const std::vector<Succession>& successions;  // of the orchestrator instances
  const std::vector<Finding>& earlier;
  bool table_ok(TableId t) const { return tables[static_cast<int>(t)].state == TableState::ok; }
  // Where the window's kept logs begin (retention): before it nothing can be
  // said about who was logging.
  Time logs_from() const { return logs_kept_from(tables, window); }
};

// The (table, field) pairs a detector cannot run without; field -1: the table only.
using Needs = std::vector<std::pair<TableId, int>>;

// What a detector may cite, told to the analysis after the read: its own
// copies of log lines, and the sources whose last line (LogSources) it may
// cite, for the window.
struct KeptLogs {
  const Window& window;
  const WorkerTracker& workers;
  std::function<void(Event&)> line;
  std::function<void(const LogSource&)> last_line;
};

class Detector {
 public:
  // `reads`: the detectors whose findings this one relates its own to; they
  // finish first, whatever the registry's order.
  Detector(const char* name, Needs needs, std::vector<std::string> reads = {})
      : m_name(name), m_needs(std::move(needs)), m_reads(std::move(reads)) {}
  virtual ~Detector() = default;
  const char* name() const { return m_name; }
  const Needs& needs() const { return m_needs; }
  const std::vector<std::string>& reads() const { return m_reads; }
  virtual void on_event(const Observation&) {}
  // Whether on_event needs the log lines of sources that are not
  // orchestrators (the workers': most of the lines). A detector that ignores
  // them says no and is not called for them (a virtual call each).
  virtual bool reads_worker_logs() const { return true; }
  // The log lines of sources other than orchestrators that finish() may
  // cite: such a line may have come without its message, which the analysis
  // fetches and puts back before finish() (KeptLogs).
  virtual void kept_logs(const KeptLogs&) {}
  virtual void finish(const DetectorContext& ctx, std::vector<Finding>& out) = 0;

 private:
  const char* m_name;
  Needs m_needs;
  std::vector<std::string> m_reads;
};

// Every detector, in the order of the registry.
std::vector<std::unique_ptr<Detector>> make_detectors(const Mapping& mapping);

// The detectors in an order where each finishes after those it reads.
std::vector<Detector*> finishing_order(const std::vector<Detector*>& detectors);

// Why a detector cannot run on these tables for this window, or "" when it
// can: a table it needs is missing or unreadable, or it reads logs and none
// are kept for the window.
std::string skip_reason(const Detector& d, const std::vector<TableInfo>& tables, const Window& window);

// Orders findings by start, kind and entities, then gives them ids F1, F2, …
// and resolves relations into related ids, both ways.
void number_findings(std::vector<Finding>& findings);

}  // namespace tlrecon
