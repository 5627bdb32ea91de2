#pragma once
// The report's timeline, the same in every format: the events that matter
// (ReportCollector::timeline), the first and last log of each source (so a
// gap's last log before the silence is always there), and every finding's
// evidence inside the window, once each, in timeline order. With --full,
// every event, read back from the collector's spool.
#include <functional>
#include <vector>

#include "tlrecon/report.hpp"

namespace tlrecon {

struct TimelineRow {
  Evidence evidence;             // what every format shows
  const Event* event = nullptr;  // the whole event, when the collector kept it (JSON shows all its fields)
};

std::vector<TimelineRow> report_timeline_rows(const Analysis& a, const ReportCollector& r);

// With --full: each spooled event, in timeline order.
void for_each_spooled(const ReportCollector& r, const std::function<void(const Evidence&)>& each);

}  // namespace tlrecon
