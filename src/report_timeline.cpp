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

std::string_view TimelineRows::type_of(const Ref& ref) const {
  switch (ref.kind) {
    case From::kept: return event_type_name(ref.type);
    case From::life: return event_type_name(ref.type);
    case From::last: return event_type_name(EventType::log);
    case From::evidence: break;
  }
  return address<Evidence>(ref)->type;
}

std::string_view TimelineRows::key_of(const Ref& ref, std::vector<char>& buffer) const {
  switch (ref.kind) {
    case From::kept: return serialized_key(m_collector->read(ref.from, buffer));
    case From::life: return address<WorkerLife>(ref)->key();
    case From::last: return address<LogSource>(ref)->last.key;
    case From::evidence: break;
  }
  return address<Evidence>(ref)->key;
}

TimelineRows::TimelineRows(const Analysis& a, const ReportCollector& r) : m_collector(&r) {
  size_t evidence = 0;
  for (const Finding& f : a.findings) {
    evidence += f.evidence.size();
  }
  const std::vector<ReportCollector::FirstLast> first_last = r.first_last();
  m_refs.reserve(r.kept_events() + r.kept_lives() + 2 * first_last.size() + evidence);
  // Of equal rows the first in this order is kept: the kept events, the
  // lives (read in one pass of the file, numbered after the events), the
  // first and last lines, then the evidence; of a lifecycle event a finding
  // cites, the whole one is kept.
  auto add = [&](uint64_t order, Time time, uint64_t from, const std::string& table, From kind, EventType type) {
    m_refs.push_back(Ref{time, from, static_cast<uint32_t>(order), static_cast<uint8_t>(table_rank(table)), kind,
                         type});
  };
  uint64_t next_event = 0;
  uint64_t next_life = r.kept_events();
  uint64_t next = r.kept_events() + r.kept_lives();
  auto kept = [&](const ReportCollector::Spooled& s, uint64_t order) {
    add(order, s.time, s.at, origin_name(s.origin), From::kept, s.type);
  };
  r.for_each_kept([&](const ReportCollector::Spooled& s) { kept(s, next_event++); },
                  [&](const WorkerLife& life, EventType type) {
                    add(next_life++, life.stage(type)->time, from(&life), "workers", From::life, type);
                  });
  for (const ReportCollector::FirstLast& fl : first_last) {
    kept(fl.first, next++);
    add(next++, fl.last->last.time, from(fl.last), "system_logs", From::last, EventType::log);
  }
  for (const Finding& f : a.findings) {
    for (const Evidence& e : f.evidence) {
      if (a.window.contains(e.time)) {
        add(next++, e.time, from(&e), e.table, From::evidence, EventType{});
      }
    }
  }
  // Of equal rows the first in that order is kept, one with its whole event:
  // sorted by that order after the key, as a stable sort would,
  // without its buffer of as many rows again. The keys of kept events are
  // read from the collector's file, only for rows of one time, table and type.
  std::vector<char> x_buffer;
  std::vector<char> y_buffer;
  auto same_until_key = [&](const Ref& x, const Ref& y) {
    return x.time == y.time && x.rank == y.rank && type_of(x) == type_of(y);
  };
  std::sort(m_refs.begin(), m_refs.end(), [&](const Ref& x, const Ref& y) {
    if (x.time != y.time || x.rank != y.rank) {
      return std::tie(x.time, x.rank) < std::tie(y.time, y.rank);
    }
    int c = type_of(x).compare(type_of(y));
    if (c == 0) {
      c = key_of(x, x_buffer).compare(key_of(y, y_buffer));
    }
    return c != 0 ? c < 0 : x.order < y.order;
  });
  m_refs.erase(std::unique(m_refs.begin(), m_refs.end(),
                           [&](const Ref& x, const Ref& y) {
                             return same_until_key(x, y) && key_of(x, x_buffer) == key_of(y, y_buffer);
                           }),
               m_refs.end());
}

TimelineRow TimelineRows::operator[](size_t i) const {
  const Ref& ref = m_refs[i];
  TimelineRow row;
  if (ref.kind == From::evidence) {
    row.evidence = *address<Evidence>(ref);
    return row;
  }
  auto e = std::make_shared<Event>();
  switch (ref.kind) {
    case From::life: *e = ReportCollector::event_of(*address<WorkerLife>(ref), ref.type); break;
    case From::last: *e = ReportCollector::last_of(*address<LogSource>(ref)); break;
    case From::kept: {
      std::vector<char> buffer;
      parse_event(m_collector->read(ref.from, buffer), *e);
      break;
    }
    case From::evidence: break;
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
