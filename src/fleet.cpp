#include "tlrecon/fleet.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace tlrecon {

LogSource& LogSources::of(Event& e, const Catalogue& catalogue) {
  m_key.assign(e.source_type).append(1, '/').append(e.source_id);
  auto it = m_index.find(m_key);
  LogSource* s = it != m_index.end() ? it->second : nullptr;
  if (s == nullptr) {
    if (m_count % k_chunk == 0) {
      m_chunks.push_back(std::make_unique<LogSource[]>(k_chunk));
    }
    s = &m_chunks.back()[m_count % k_chunk];
    s->name = m_key;
    s->index = m_count++;
    s->type_size = static_cast<uint32_t>(e.source_type.size());
    s->role = catalogue.role_of(e.source_type);
    s->withheld = std::binary_search(m_withheld_types.begin(), m_withheld_types.end(), e.source_type);
    s->refetch = std::binary_search(m_refetch_types.begin(), m_refetch_types.end(), e.source_type);
    m_index.emplace(s->name, s);
  }
  // Only the window's lines are read without their message.
  e.message_withheld = s->withheld && e.place == Event::Place::inside;
  return *s;
}

void LogSources::seen(LogSource& s, Event& e) const {
  if (e.place == Event::Place::after) {
    return;
  }
  // Moved, not copied (copying was 5% of check's instructions). As in
  // RowDecoder::fill_log, a move between two allocated strings hands the old
  // buffer to the event, which is decoded anew into it: both keep capacity.
  LogSource::Line& l = s.last;
  // A refetched source's line inside the window: its message and ids are
  // read again at the end, if it is still the last.
  bool refetched = s.refetch && e.place == Event::Place::inside;
  l.time = e.time;
  l.place = e.place;
  l.message_withheld = e.message_withheld || refetched;
  l.cycle = e.cycle;
  l.key = std::move(e.key);
  l.status = std::move(e.status);
  if (l.message_withheld) {
    // Nothing to keep: taking the event's buffer would hold a buffer some
    // earlier line filled, for each of thousands of workers. Released once
    // (a line before the window came whole), then only cleared.
    l.message.clear();
    if (l.message.capacity() > std::string().capacity()) {
      std::string().swap(l.message);
    }
  } else {
    l.message = std::move(e.message);
  }
  if (refetched) {
    l.ids.reset();
  } else if (m_whole_lines) {
    if (!l.ids) {
      l.ids = std::make_unique<LogSource::Line::Ids>();
    }
    l.ids->task_id = std::move(e.task_id);
    l.ids->worker_id = std::move(e.worker_id);
  }
  s.logged = true;
}

Event LogSource::event() const {
  Event e;
  e.type = EventType::log;
  e.origin = Origin::system_logs;
  e.time = last.time;
  e.place = last.place;
  e.message_withheld = last.message_withheld;
  e.cycle = last.cycle;
  e.key = last.key;
  e.source_type = source_type();
  e.source_id = source_id();
  e.status = last.status;
  e.message = last.message;
  if (last.ids) {
    e.task_id = last.ids->task_id;
    e.worker_id = last.ids->worker_id;
  }
  return e;
}

FleetAccounting::FleetAccounting(const Mapping& mapping, const Catalogue& catalogue, const WorkerTracker& workers)
    : m_catalogue(catalogue), m_workers(workers), m_tolerance(mapping.thresholds.tolerance) {}

void FleetAccounting::check(LifecycleRecord& record, const RecentLog& log) {
  const std::string& worker_id = record.worker_id();
  Micros distance = log.time > record.time ? log.time - record.time : record.time - log.time;
  if (distance > m_tolerance || worker_id.empty()) {
    return;
  }
  bool names = log.worker_id == worker_id || log.message.find(worker_id) != std::string::npos;
  if (!names) {
    return;
  }
  if (log.failure) {
    // "Failed to launch worker X" explains no worker X.
    record.named_as_failed = record.named_as_failed || record.type == EventType::worker_created;
    return;
  }
  record.account(log.source);
  if (!record.named_in && log.cycle) {
    record.named_in = static_cast<uint32_t>(*log.cycle);
  }
}

// The instance's cycle this line belongs to: a new one at a cycle start, at
// another cycle number, or after a pause longer than the tolerance.
size_t FleetAccounting::cycle_of(const Observation& o) {
  const Event& e = o.event;
  const std::string& instance = o.source->name;  // actor_of(e), built once by analyze
  std::optional<int64_t> number = o.fact.cycle ? o.fact.cycle : e.cycle;
  auto it = m_current.find(instance);
  bool fresh = it == m_current.end();
  if (!fresh) {
    const Cycle& c = m_cycles[it->second];
    fresh = o.fact.kind == FactKind::cycle_start || (number && c.number && *number != *c.number) ||
            e.time - c.last > m_tolerance;
  }
  if (fresh) {
    // A cycle that said nothing about spawning is not kept.
    if (it != m_current.end() && !m_cycles[it->second].says_anything() && it->second + 1 == m_cycles.size()) {
      m_cycles.pop_back();
    }
    m_cycles.push_back(Cycle{&instance, number, e.time, e.time, 0, 0, 0, 0, {}});
    it = m_current.insert_or_assign(instance, m_cycles.size() - 1).first;
  }
  Cycle& c = m_cycles[it->second];
  c.last = e.time;
  if (!c.number) {
    c.number = number;
  }
  return it->second;
}

void FleetAccounting::on_event(const Observation& o) {
  const Event& e = o.event;
  while (!m_recent.empty() && m_recent.front().time < e.time - m_tolerance) {
    m_recent.pop_front();
  }
  while (m_open_from < m_records.size() && m_records[m_open_from].time < e.time - m_tolerance) {
    ++m_open_from;
  }
  if (e.type == EventType::log) {
    if (o.role != Role::orchestrator) {
      return;
    }
    size_t index = cycle_of(o);
    Cycle& c = m_cycles[index];
    const Fact& f = o.fact;
    bool spawn_line = true;
    switch (f.kind) {
      case FactKind::scale_up:
        if (f.n) {
          c.stated = std::max(c.stated, *f.n);
        } else {
          ++c.unstated;
        }
        break;
      case FactKind::worker_spawned: c.stated = std::max(c.stated, f.n.value_or(0)); break;
      case FactKind::cycle_completed: c.stated = std::max(c.stated, f.spawned.value_or(0)); break;
      case FactKind::spawn_failed: ++c.failed; break;  // its "i/n" is the n of a scale-up line, if any
      case FactKind::scale_blocked: c.blocked += f.n.value_or(1); break;
      case FactKind::worker_created: break;
      default: spawn_line = false; break;
    }
    constexpr size_t k_max_lines = 5;
    if (spawn_line && c.lines.size() < k_max_lines && (f.kind != FactKind::cycle_completed || f.spawned > 0)) {
      c.lines.push_back(CycleLine::of(e));
    }
    // Only what accounting needs is kept, and not a whole huge message.
    constexpr size_t k_max_message = 4096;
    RecentLog log{e.time, e.worker_id, e.message.substr(0, k_max_message),
                  c.name, std::nullopt, f.kind == FactKind::spawn_failed};
    if (c.says_anything()) {
      log.cycle = index;
    }
    for (size_t i = m_open_from; i < m_records.size(); ++i) {
      check(m_records[i], log);
    }
    constexpr size_t k_max_recent = 20000;
    if (m_recent.size() == k_max_recent) {
      m_recent.pop_front();
    }
    m_recent.push_back(std::move(log));
  } else if ((e.type == EventType::worker_created || e.type == EventType::worker_promoted ||
              e.type == EventType::worker_terminated) &&
             m_catalogue.managed(e.name)) {
    LifecycleRecord record{e.time, m_workers.find(e.worker_id), nullptr, nullptr, std::nullopt, e.type, e.place, false};
    for (const RecentLog& log : m_recent) {
      check(record, log);
    }
    m_records.push_back(std::move(record));
  }
}

CycleLine CycleLine::of(const Event& e) {
  CycleLine l{e.time, e.place, static_cast<uint32_t>(e.source_type.size()), static_cast<uint32_t>(e.key.size()),
              static_cast<uint32_t>(e.status.size()), {}};
  l.text.reserve(e.key.size() + e.status.size() + e.message.size());
  l.text.append(e.key).append(e.status).append(e.message);
  return l;
}

Event CycleLine::event(const std::string& instance) const {
  Event e;
  e.time = time;
  e.place = place;
  e.key = text.substr(0, key_size);
  e.source_type = instance.substr(0, type_size);
  e.source_id = instance.substr(type_size + 1);
  e.status = text.substr(key_size, status_size);
  e.message = text.substr(key_size + status_size);
  return e;
}

void FleetAccounting::finish() {
  m_recent.clear();
  assign_scale_ups();
}

void FleetAccounting::assign_scale_ups() {
  // What each cycle has left once the creations its lines name are counted.
  std::vector<int64_t> left;
  for (const Cycle& c : m_cycles) {
    left.push_back(c.capacity());
  }
  std::vector<size_t> creations;
  for (size_t i = 0; i < m_records.size(); ++i) {
    const LifecycleRecord& r = m_records[i];
    if (r.type != EventType::worker_created) {
      continue;
    }
    if (r.named_in) {
      --left[*r.named_in];
    } else if (!r.accounted()) {
      creations.push_back(i);  // in time order, as the stream gave them
    }
  }
  // Every (cycle, creation) pair within the tolerance of the cycle's lines,
  // nearest first; ties go to the earlier creation, then the earlier cycle.
  struct Pair {
    Micros distance;
    size_t creation;
    size_t cycle;
  };
  std::vector<Pair> pairs;
  for (size_t c = 0; c < m_cycles.size(); ++c) {
    if (left[c] <= 0) {
      continue;
    }
    const Cycle& cycle = m_cycles[c];
    auto from = std::lower_bound(creations.begin(), creations.end(), cycle.first - m_tolerance,
                                 [&](size_t i, Time t) { return m_records[i].time < t; });
    for (auto it = from; it != creations.end() && m_records[*it].time <= cycle.last + m_tolerance; ++it) {
      Time t = m_records[*it].time;
      Micros d = t < cycle.first ? cycle.first - t : t > cycle.last ? t - cycle.last : Micros(0);
      pairs.push_back(Pair{d, *it, c});
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    return std::tie(a.distance, a.creation, a.cycle) < std::tie(b.distance, b.creation, b.cycle);
  });
  for (const Pair& p : pairs) {
    LifecycleRecord& r = m_records[p.creation];
    if (left[p.cycle] <= 0 || r.accounted()) {
      continue;
    }
    --left[p.cycle];
    r.account(m_cycles[p.cycle].name);
  }
}

const std::string* WorkerTracker::intern(const std::string& s) { return &*m_strings.insert(s).first; }

const WorkerLife* WorkerTracker::on_event(const Event& e) {
  if (e.origin != Origin::workers) {
    return nullptr;
  }
  auto [it, fresh] = m_workers.try_emplace(e.worker_id);
  WorkerLife& w = it->second;
  if (fresh) {
    w.m_id = &it->first;
  }
  // Every event of a row carries its key, instance type and status; the
  // rest is the one event's own.
  if (e.key != e.worker_id) {
    w.m_key = intern(e.key);
  }
  w.m_name = intern(e.name);
  w.m_status = intern(e.status);
  WorkerStage stage{e.time, e.place};
  switch (e.type) {
    case EventType::worker_created:
      w.set(e.type, stage);
      w.m_detail = e.detail;
      break;
    case EventType::worker_promoted: w.set(e.type, stage); break;
    case EventType::worker_terminated:
      w.set(e.type, stage);
      w.m_terminated_message = intern(e.message);
      break;
    case EventType::worker_error:
      w.set(e.type, stage);
      w.m_error_message = intern(e.message);
      break;
    case EventType::worker_heartbeat: w.set(e.type, stage); break;
    default: break;
  }
  return &w;
}

void InstanceTracker::on_event(const Observation& o) {
  const Event& e = o.event;
  if (o.role != Role::orchestrator || e.type != EventType::log) {
    return;
  }
  // Looked up before an Instance is built: building one copies the line twice.
  const std::string& name = o.source->name;  // actor_of(e), built once by analyze
  auto it = m_instances.find(name);
  if (it == m_instances.end()) {
    it = m_instances.emplace(name, Instance{e.source_type, e.source_id, e, e, std::nullopt}).first;
  } else {
    it->second.last = e;
  }
  Instance& in = it->second;
  if (o.fact.kind == FactKind::startup && !in.startup) {
    in.startup = e;
  }
  // Only what the findings cite is kept, and not a whole huge message.
  constexpr size_t k_max_message = 500;
  if (in.last.message.size() > k_max_message) {
    in.last.message.resize(k_max_message);
  }
}

std::vector<Succession> InstanceTracker::successions(Micros handover, Micros overlap) const {
  struct Candidate {
    Micros apart;
    const Instance* old_instance;
    const Instance* new_instance;
    bool before_window;
  };
  std::vector<Candidate> candidates;
  for (const auto& [old_key, a] : m_instances) {
    for (const auto& [new_key, b] : m_instances) {
      if (&a == &b || a.source_type != b.source_type || b.first.time <= a.first.time ||
          b.last.time <= a.last.time) {
        continue;  // not the same kind of orchestrator, or not the newer one
      }
      bool before = a.last.place == Event::Place::before && b.first.place == Event::Place::before;
      Micros apart = b.first.time > a.last.time ? b.first.time - a.last.time : a.last.time - b.first.time;
      bool near = b.first.time >= a.last.time ? apart <= handover : apart <= overlap;
      if (before ? b.first.time >= a.last.time : near) {
        candidates.push_back(Candidate{before ? Micros(0) : apart, &a, &b, before});
      }
    }
  }
  // The nearest pairs first, in a fixed order; each side in one pair only.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
    return std::tie(x.apart, x.old_instance->last.time, x.new_instance->first.time, x.new_instance->source_id) <
           std::tie(y.apart, y.old_instance->last.time, y.new_instance->first.time, y.new_instance->source_id);
  });
  std::vector<Succession> out;
  std::set<const Instance*> used_old;
  std::set<const Instance*> used_new;
  for (const Candidate& c : candidates) {
    if (used_old.count(c.old_instance) == 0 && used_new.count(c.new_instance) == 0) {
      used_old.insert(c.old_instance);
      used_new.insert(c.new_instance);
      out.push_back(Succession{c.old_instance, c.new_instance, c.before_window});
    }
  }
  return out;
}

const Succession* InstanceTracker::succeeded(const std::vector<Succession>& all, const std::string& key) {
  for (const Succession& s : all) {
    if (actor_of(s.old_instance->last) == key) {
      return &s;
    }
  }
  return nullptr;
}

const WorkerLife* WorkerTracker::find(const std::string& worker_id) const {
  auto it = m_workers.find(worker_id);
  return it == m_workers.end() ? nullptr : &it->second;
}

Event WorkerLife::event(EventType type) const {
  // As RowDecoder::decode_worker() makes them.
  const WorkerStage s = *stage(type);
  Event e;
  e.time = s.time;
  e.type = type;
  e.origin = Origin::workers;
  e.place = s.place;
  e.key = key();
  e.worker_id = *m_id;
  e.name = *m_name;
  e.status = *m_status;
  if (type == EventType::worker_created) {
    e.detail = m_detail;
  } else if (type == EventType::worker_terminated) {
    e.message = *m_terminated_message;
  } else if (type == EventType::worker_error) {
    e.message = *m_error_message;
  }
  return e;
}

std::optional<Event> WorkerLife::stop() const {
  if (error()) {
    return event(EventType::worker_error);
  }
  if (terminated()) {
    return event(EventType::worker_terminated);
  }
  return std::nullopt;
}

std::optional<Time> WorkerLife::end() const {
  std::optional<Time> t;
  if (std::optional<WorkerStage> s = terminated()) {
    t = s->time;
  }
  if (std::optional<WorkerStage> s = error(); s && (!t || s->time < *t)) {
    t = s->time;
  }
  return t;
}

}  // namespace tlrecon
