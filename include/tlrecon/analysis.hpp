#pragma once
// The pipeline: sources → merge → detectors. analyze() reads every table in
// one pass, hands each event to the detectors (and to an optional sink, the
// report's timeline), and returns the findings.
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "tlrecon/finding.hpp"
#include "tlrecon/fleet.hpp"
#include "tlrecon/source.hpp"

namespace tlrecon {

struct Analysis {
  Window window{};
  std::vector<TableInfo> tables;  // what the source found, with what the read counted
  WorkerTracker workers;
  std::vector<DetectorStatus> detectors;
  std::vector<Finding> findings;  // numbered F1… in timeline order
  // Every log source of the read, with its last line (ReportCollector::finish).
  std::unique_ptr<const LogSources> log_sources;
};

// The event is the sink's until it returns: it may take its strings.
using EventSink = std::function<void(Event&)>;
using ObservationSink = std::function<void(const Observation&)>;

// Reads every ok table of the source and hands each event to `sink` in
// timeline order (events before and after the window included; see
// Event::place). The small tables are read whole first: a worker or task row
// becomes several events at different times, so they need sorting, and they
// are small. system_logs, the big one, streams last, merged as it arrives.
// Annotations (--annotate) are merged in as one more stream.
// With `progress`, rows read per table are counted there as they come.
// Returns the source's tables with what the read counted (rows, events,
// rejected rows …); the source itself is never written into. `before_finish`
// runs after the last event, before the source ends its read (its snapshot);
// with `finish_source` false the caller ends it (Source::finish).
std::vector<TableInfo> read_events(Source& source, const Mapping& mapping, const Window& window,
                                   const EventSink& sink, std::vector<Event> annotations = {},
                                   std::ostream* progress = nullptr,
                                   const std::function<void()>& before_finish = nullptr, bool finish_source = true);

// read_events, with every detector watching, each event classified once by
// the catalogue. `sink` (the report) may be empty. A finding that begins
// shortly after an annotation names it as a possible trigger. With a sink
// and a source whose last lines it can read again (Source::refetchable_types),
// it ends the source's read itself, once the detectors are done and those
// lines are read.
Analysis analyze(Source& source, const Mapping& mapping, const Catalogue& catalogue, const Window& window,
                 const ObservationSink& sink, std::vector<Event> annotations = {}, std::ostream* progress = nullptr);
// The same with the mapping's catalogue compiled here (tests, one-off runs).
Analysis analyze(Source& source, const Mapping& mapping, const Window& window, const ObservationSink& sink,
                 std::vector<Event> annotations = {}, std::ostream* progress = nullptr);

// Findings most severe first, then in timeline order.
std::vector<const Finding*> by_severity(const std::vector<Finding>& findings);

}  // namespace tlrecon
