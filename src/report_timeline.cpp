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

std::string_view TimelineRows::Ref::type() const {
  switch (kind) {
    case From::kept: return event_type_name(serialized_type(static_cast<const char*>(from)));
    case From::life: return event_type_name(static_cast<const ReportCollector::LifeEvent*>(from)->type);
    case From::evidence: break;
  }
  return static_cast<const Evidence*>(from)->type;
}

std::string_view TimelineRows::Ref::key() const {
  switch (kind) {
    case From::kept: return serialized_key(static_cast<const char*>(from));
    case From::life: return static_cast<const ReportCollector::LifeEvent*>(from)->life->key();
    case From::evidence: break;
  }
  return static_cast<const Evidence*>(from)->key;
}

TimelineRows::TimelineRows(const Analysis& a, const ReportCollector& r) {
  size_t evidence = 0;
  for (const Finding& f : a.findings) {
    evidence += f.evidence.size();
  }
  const std::vector<ReportCollector::FirstLast> first_last = r.first_last();
  m_refs.reserve(r.timeline().size() + r.lives().size() + 2 * first_last.size() + evidence);
  auto kept = [&](const char* p) {
    m_refs.push_back(Ref{serialized_time(p), p, static_cast<uint8_t>(table_rank(origin_name(serialized_origin(p)))),
                         From::kept, static_cast<uint32_t>(m_refs.size())});
  };
  const EventArena& timeline = r.timeline();
  for (size_t i = 0; i < timeline.size(); ++i) {
    kept(timeline[i]);
  }
  // Before any evidence: of a lifecycle event a finding cites, the whole one is kept.
  const uint8_t workers_rank = static_cast<uint8_t>(table_rank("workers"));
  for (const ReportCollector::LifeEvent& l : r.lives()) {
    m_refs.push_back(Ref{l.life->stage(l.type)->time, &l, workers_rank, From::life, static_cast<uint32_t>(m_refs.size())});
  }
  for (const ReportCollector::FirstLast& fl : first_last) {
    kept(fl.first);
    kept(fl.last);
  }
  for (const Finding& f : a.findings) {
    for (const Evidence& e : f.evidence) {
      if (a.window.contains(e.time)) {
        m_refs.push_back(Ref{e.time, &e, static_cast<uint8_t>(table_rank(e.table)), From::evidence,
                             static_cast<uint32_t>(m_refs.size())});
      }
    }
  }
  auto key = [](const Ref& x) { return std::make_tuple(x.time, x.rank, x.type(), x.key()); };
  // Of equal rows the first added is kept, one with its whole event: sorted
  // by the order they were added after the key, as a stable sort would,
  // without its buffer of as many rows again.
  std::sort(m_refs.begin(), m_refs.end(), [](const Ref& x, const Ref& y) {
    if (x.time != y.time || x.rank != y.rank) {
      return std::tie(x.time, x.rank) < std::tie(y.time, y.rank);
    }
    int c = x.type().compare(y.type());
    if (c == 0) {
      c = x.key().compare(y.key());
    }
    return c != 0 ? c < 0 : x.order < y.order;
  });
  m_refs.erase(std::unique(m_refs.begin(), m_refs.end(), [&](const Ref& x, const Ref& y) { return key(x) == key(y); }),
               m_refs.end());
}

TimelineRow TimelineRows::operator[](size_t i) const {
  const Ref& ref = m_refs[i];
  TimelineRow row;
  if (ref.kind == From::evidence) {
    row.evidence = *static_cast<const Evidence*>(ref.from);
    return row;
  }
  std::shared_ptr<Event> e;
  if (ref.kind == From::life) {
    e = std::make_shared<Event>(ReportCollector::event_of(*static_cast<const ReportCollector::LifeEvent*>(ref.from)));
  } else {
    e = std::make_shared<Event>();
    parse_event(static_cast<const char*>(ref.from), *e);
  }
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
