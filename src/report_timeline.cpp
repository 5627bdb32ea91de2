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

TimelineRows::TimelineRows(const Analysis& a, const ReportCollector& r) {
  auto kept = [&](const char* p) {
    Ref ref;
    ref.time = serialized_time(p);
    ref.rank = table_rank(origin_name(serialized_origin(p)));
    ref.type = event_type_name(serialized_type(p));
    ref.key = serialized_key(p);
    ref.kept = p;
    m_refs.push_back(ref);
  };
  const EventArena& timeline = r.timeline();
  for (size_t i = 0; i < timeline.size(); ++i) {
    kept(timeline[i]);
  }
  for (const auto& [source, fl] : r.first_last()) {
    kept(fl.first.data());
    kept(fl.last.data());
  }
  for (const Finding& f : a.findings) {
    for (const Evidence& e : f.evidence) {
      if (a.window.contains(e.time)) {
        m_refs.push_back(Ref{e.time, table_rank(e.table), e.type, e.key, nullptr, &e});
      }
    }
  }
  auto key = [](const Ref& x) { return std::make_tuple(x.time, x.rank, x.type, x.key); };
  // Stable: of equal rows the first kept is one with its whole event.
  std::stable_sort(m_refs.begin(), m_refs.end(), [&](const Ref& x, const Ref& y) { return key(x) < key(y); });
  m_refs.erase(std::unique(m_refs.begin(), m_refs.end(), [&](const Ref& x, const Ref& y) { return key(x) == key(y); }),
               m_refs.end());
}

TimelineRow TimelineRows::operator[](size_t i) const {
  const Ref& ref = m_refs[i];
  TimelineRow row;
  if (ref.kept == nullptr) {
    row.evidence = *ref.evidence;
    return row;
  }
  auto e = std::make_shared<Event>();
  parse_event(ref.kept, *e);
  row.evidence = evidence_of(*e);
  row.event = e.get();
  row.kept = std::move(e);
  return row;
}

TimelineRows report_timeline_rows(const Analysis& a, const ReportCollector& r) { return TimelineRows(a, r); }

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
