#include "tlrecon/fleet.hpp"

#include <algorithm>

namespace tlrecon {

FleetAccounting::FleetAccounting(const Mapping& mapping) : m_tolerance(mapping.thresholds.tolerance) {}

void FleetAccounting::check(LifecycleRecord& record, const RecentLog& log) {
  const Event& e = record.event;
  const Event& l = log.event;
  Micros distance = l.time > e.time ? l.time - e.time : e.time - l.time;
  if (distance > m_tolerance) {
    return;
  }
  bool names = !e.worker_id.empty() &&
               (l.worker_id == e.worker_id || l.message.find(e.worker_id) != std::string::npos);
  bool spawn = e.type == EventType::worker_created && log.scale_up;
  if (!names && !spawn) {
    return;
  }
  std::string source = actor_of(l);
  auto it = std::lower_bound(record.sources.begin(), record.sources.end(), source);
  if (it == record.sources.end() || *it != source) {
    record.sources.insert(it, source);
  }
  constexpr size_t k_max_logs = 3;
  if (record.accounting_logs.size() < k_max_logs) {
    record.accounting_logs.push_back(l);
  }
}

void FleetAccounting::on_event(const Observation& o) {
  const Event& e = o.event;
  while (!m_recent.empty() && m_recent.front().event.time < e.time - m_tolerance) {
    m_recent.pop_front();
  }
  while (m_open_from < m_records.size() && m_records[m_open_from].event.time < e.time - m_tolerance) {
    ++m_open_from;
  }
  if (e.type == EventType::log) {
    if (o.role != Role::orchestrator) {
      return;
    }
    RecentLog log{e, o.fact.kind == FactKind::scale_up};
    // Only what accounting needs is kept, and not a whole huge message.
    constexpr size_t k_max_message = 4096;
    if (log.event.message.size() > k_max_message) {
      log.event.message.resize(k_max_message);
    }
    for (size_t i = m_open_from; i < m_records.size(); ++i) {
      check(m_records[i], log);
    }
    constexpr size_t k_max_recent = 20000;
    if (m_recent.size() == k_max_recent) {
      m_recent.pop_front();
    }
    m_recent.push_back(std::move(log));
  } else if (e.type == EventType::worker_created || e.type == EventType::worker_promoted ||
             e.type == EventType::worker_terminated) {
    LifecycleRecord record{e, {}, {}};
    for (const RecentLog& log : m_recent) {
      check(record, log);
    }
    m_records.push_back(std::move(record));
  }
}

void FleetAccounting::finish() { m_recent.clear(); }

void WorkerTracker::on_event(const Event& e) {
  if (e.origin != Origin::workers) {
    return;
  }
  WorkerLife& w = m_workers[e.worker_id];
  switch (e.type) {
    case EventType::worker_created: w.created = e; break;
    case EventType::worker_promoted: w.promoted = e; break;
    case EventType::worker_terminated: w.terminated = e; break;
    case EventType::worker_error: w.error = e; break;
    case EventType::worker_heartbeat: w.heartbeat = e; break;
    default: break;
  }
}

const WorkerLife* WorkerTracker::find(const std::string& worker_id) const {
  auto it = m_workers.find(worker_id);
  return it == m_workers.end() ? nullptr : &it->second;
}

std::optional<Time> WorkerLife::end() const {
  std::optional<Time> t;
  if (terminated) {
    t = terminated->time;
  }
  if (error && (!t || error->time < *t)) {
    t = error->time;
  }
  return t;
}

}  // namespace tlrecon
