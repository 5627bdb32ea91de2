#include "tlrecon/report_timeline.hpp"

#include <algorithm>
#include <string>
#include <tuple>

namespace tlrecon {

namespace {

int table_rank(const std::string& table) {
  static const char* k_order[] = {"workers", "tasks", "workflow_decisions", "workflow_executions", "system_logs",
                                  "annotations"};
  for (int i = 0; i < 6; ++i) {
    if (table == k_order[i]) {
      return i;
    }
  }
  return 6;
}

}  // namespace

std::vector<TimelineRow> report_timeline_rows(const Analysis& a, const ReportCollector& r) {
  std::vector<TimelineRow> rows;
  for (const Event& e : r.timeline()) {
    rows.push_back({evidence_of(e), &e});
  }
  for (const auto& [source, fl] : r.first_last()) {
    rows.push_back({evidence_of(fl.first), &fl.first});
    rows.push_back({evidence_of(fl.second), &fl.second});
  }
  for (const Finding& f : a.findings) {
    for (const Evidence& e : f.evidence) {
      if (a.window.contains(e.time)) {
        rows.push_back({e, nullptr});
      }
    }
  }
  auto key = [](const TimelineRow& row) {
    const Evidence& e = row.evidence;
    return std::make_tuple(e.time, table_rank(e.table), e.type, e.key);
  };
  // Stable: of equal rows the first kept is one with its whole event.
  std::stable_sort(rows.begin(), rows.end(), [&](const TimelineRow& x, const TimelineRow& y) { return key(x) < key(y); });
  rows.erase(std::unique(rows.begin(), rows.end(),
                         [&](const TimelineRow& x, const TimelineRow& y) { return key(x) == key(y); }),
             rows.end());
  return rows;
}

// The spool holds one line per event: time (µs), table, key, type, actor and
// summary, separated by tabs (ReportCollector::on_event).
void for_each_spooled(const ReportCollector& r, const std::function<void(const Evidence&)>& each) {
  if (r.spool() == nullptr) {
    return;
  }
  std::rewind(r.spool());
  char buffer[1 << 16];
  std::string pending;
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, r.spool())) > 0) {
    pending.append(buffer, n);
    size_t nl = 0;
    size_t done = 0;
    while ((nl = pending.find('\n', done)) != std::string::npos) {
      std::string rec = pending.substr(done, nl - done);
      done = nl + 1;
      std::vector<std::string> f;
      size_t start = 0;
      for (int i = 0; i < 5; ++i) {
        size_t tab = rec.find('\t', start);
        f.push_back(rec.substr(start, tab - start));
        start = tab + 1;
      }
      f.push_back(rec.substr(start));
      Evidence e;
      e.time = Time(Micros(std::stoll(f[0])));
      e.table = f[1];
      e.key = f[2];
      e.type = f[3];
      e.actor = f[4];
      e.summary = f[5];
      each(e);
    }
    pending.erase(0, done);
  }
}

}  // namespace tlrecon
