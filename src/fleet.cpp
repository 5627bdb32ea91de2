#include "tlrecon/fleet.hpp"

#include <algorithm>
#include <unordered_map>

#include <re2/re2.h>

#include "tlrecon/error.hpp"

namespace tlrecon {

struct PatternSet::Impl {
  std::unique_ptr<RE2> re;
  std::unordered_map<std::string, bool> memo;
};

PatternSet::PatternSet(const std::vector<std::string>& patterns, const std::string& what)
    : m_impl(std::make_unique<Impl>()) {
  std::string combined;
  for (const std::string& p : patterns) {
    RE2 one(p, RE2::Quiet);
    if (!one.ok()) {
      throw usage_error(what + ": pattern '" + p + "' does not compile: " + one.error());
    }
    combined += (combined.empty() ? "" : "|") + std::string("(?:") + p + ")";
  }
  if (!combined.empty()) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(64 << 20);
    m_impl->re = std::make_unique<RE2>(combined, options);
  }
}

PatternSet::~PatternSet() = default;

bool PatternSet::matches(const std::string& text) const {
  return m_impl->re && RE2::PartialMatch(text, *m_impl->re);
}

bool PatternSet::matches_cached(const std::string& text) const {
  auto it = m_impl->memo.find(text);
  if (it != m_impl->memo.end()) {
    return it->second;
  }
  bool result = matches(text);
  constexpr size_t k_max_memo = 4096;  // source types are few; never let hostile data grow it
  if (m_impl->memo.size() < k_max_memo) {
    m_impl->memo.emplace(text, result);
  }
  return result;
}

FleetAccounting::FleetAccounting(const Mapping& mapping)
    : m_tolerance(mapping.thresholds.tolerance),
      m_orchestrator(std::make_unique<PatternSet>(std::vector<std::string>{mapping.patterns.orchestrator_source},
                                                  "patterns.orchestrator_source")),
      m_worker(std::make_unique<PatternSet>(std::vector<std::string>{mapping.patterns.worker_source},
                                            "patterns.worker_source")),
      m_scale_up(std::make_unique<PatternSet>(mapping.patterns.scale_up, "patterns.scale_up")) {}

FleetAccounting::~FleetAccounting() = default;

bool FleetAccounting::is_orchestrator(const std::string& source_type) const {
  return m_orchestrator->matches_cached(source_type);
}

bool FleetAccounting::is_worker_source(const std::string& source_type) const {
  return m_worker->matches_cached(source_type);
}

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

void FleetAccounting::on_event(const Event& e) {
  while (!m_recent.empty() && m_recent.front().event.time < e.time - m_tolerance) {
    m_recent.pop_front();
  }
  while (m_open_from < m_records.size() && m_records[m_open_from].event.time < e.time - m_tolerance) {
    ++m_open_from;
  }
  if (e.type == EventType::log) {
    if (!is_orchestrator(e.source_type)) {
      return;
    }
    RecentLog log{e, m_scale_up->matches(e.message)};
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

void track_worker(std::map<std::string, WorkerLife>& workers, const Event& e) {
  if (e.origin != Origin::workers) {
    return;
  }
  WorkerLife& w = workers[e.worker_id];
  switch (e.type) {
    case EventType::worker_created: w.created = e; break;
    case EventType::worker_promoted: w.promoted = e; break;
    case EventType::worker_terminated: w.terminated = e; break;
    case EventType::worker_error: w.error = e; break;
    case EventType::worker_heartbeat: w.heartbeat = e; break;
    default: break;
  }
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
