#include "tlrecon/decode.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>

namespace tlrecon {

using namespace field;

namespace {

const std::string& text(const Row& row, int f) { return row[f].text; }
bool has(const Row& row, int f) { return field_present(row[f]); }

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return s;
}

std::optional<double> number(const Row& row, int f) {
  if (!has(row, f)) {
    return std::nullopt;
  }
  char* end = nullptr;
  double v = std::strtod(text(row, f).c_str(), &end);
  if (end == text(row, f).c_str() || *end != '\0' || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// A cycle number: an integer as it is (a bigint's whole range), else any
// other number that fits one (a numeric "12.0"); none when it fits no int64.
std::optional<int64_t> cycle_of(const Row& row) {
  if (!has(row, l_cycle)) {
    return std::nullopt;
  }
  const std::string& t = text(row, l_cycle);
  int64_t whole = 0;
  auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), whole);
  if (error == std::errc() && end == t.data() + t.size()) {
    return whole;
  }
  std::optional<double> v = number(row, l_cycle);
  // 2^63 is exactly representable; every double below it converts.
  if (!v || *v < -9223372036854775808.0 || *v >= 9223372036854775808.0) {
    return std::nullopt;
  }
  return static_cast<int64_t>(*v);
}

std::string printable_key(const std::string& key) {
  return key.size() > 80 ? key.substr(0, 77) + "..." : key;
}

}  // namespace

bool RowDecoder::KeyHashes::insert(uint64_t hash) {
  hash = hash == 0 ? 1 : hash;
  if (2 * (m_size + 1) > m_slots.size()) {
    // Kept at most half full; doubling re-places every hash.
    std::vector<uint64_t> old(std::max<size_t>(1024, 2 * m_slots.size()));
    old.swap(m_slots);
    m_size = 0;
    for (uint64_t h : old) {
      if (h != 0) {
        insert(h);
      }
    }
  }
  size_t mask = m_slots.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    if (m_slots[i] == hash) {
      return false;
    }
    if (m_slots[i] == 0) {
      m_slots[i] = hash;
      ++m_size;
      return true;
    }
  }
}

RowDecoder::RowDecoder(TableId table, const Mapping& mapping, const Window& window, TableInfo& info)
    : m_table(table),
      m_mapping(mapping[table]),
      m_window(window),
      m_read_from(read_from(table, window, mapping.thresholds)),
      m_info(info) {}

std::optional<Time> RowDecoder::time_of(const Row& row, int f, bool row_time) {
  if (!field_present(row[f])) {
    if (row_time) {
      ++m_info.rejected;
      m_info.note_problem(printable_key(text(row, key_field(m_table))) + ": no " +
                          field_names(m_table)[f]);
    }
    return std::nullopt;
  }
  auto t = field_time(row[f], m_mapping.columns[f].zone);
  if (!t) {
    if (row_time) {
      ++m_info.rejected;
    } else {
      ++m_info.bad_values;
    }
    std::string value = row[f].text.size() > 40 ? row[f].text.substr(0, 40) + "..." : row[f].text;
    m_info.note_problem(printable_key(text(row, key_field(m_table))) + ": unreadable " +
                        field_names(m_table)[f] + " '" + value + "'");
  }
  return t;
}

Event& RowDecoder::emit(Event e, EventType type, Time time, std::vector<Event>& out) {
  e.type = type;
  e.time = time;
  place(e);
  out.push_back(std::move(e));
  return out.back();
}

void RowDecoder::place(Event& e) {
  if (e.time >= m_window.until) {
    ++m_info.after_window;
    e.place = Event::Place::after;
  } else if (e.time < m_window.since) {
    e.place = Event::Place::before;
    ++m_info.context_events;
  } else {
    e.place = Event::Place::inside;
    ++m_info.events;
    if (!m_info.has_time || e.time < m_info.first) {
      m_info.first = e.time;
    }
    if (!m_info.has_time || e.time > m_info.last) {
      m_info.last = e.time;
    }
    m_info.has_time = true;
  }
}

std::optional<Time> RowDecoder::accept(const Row& row) {
  int tf = time_field(m_table);
  std::optional<Time> row_time;
  if (!field_present(row[tf])) {
    ++m_info.rows;
    return time_of(row, tf, true);  // counts it as rejected
  }
  row_time = field_time(row[tf], m_mapping.columns[tf].zone);
  // The read range, as the PostgreSQL source's WHERE clauses have it.
  if (row_time && (*row_time >= m_window.until || (*row_time < m_read_from && !still_alive(row)))) {
    return std::nullopt;
  }
  ++m_info.rows;
  if (!row_time) {
    return time_of(row, tf, true);  // counts it as rejected
  }
  const std::string& key = text(row, key_field(m_table));
  if (m_table == TableId::system_logs) {
    if (*row_time == m_last_time && key == m_last_key && !key.empty()) {
      ++m_info.duplicates;
      m_info.note_problem(printable_key(key) + ": duplicate row");
      return std::nullopt;
    }
    m_last_key = key;
    m_last_time = *row_time;
  } else if (!m_keys.insert(std::hash<std::string>{}(key))) {
    ++m_info.duplicates;
    m_info.note_problem(printable_key(key) + ": duplicate key");
    return std::nullopt;
  }
  return row_time;
}

bool RowDecoder::still_alive(const Row& row) const {
  if (m_table != TableId::workers) {
    return false;
  }
  auto end = [&](int f) {
    return field_time(row[f], m_mapping.columns[f].zone);
  };
  return alive_since(end(w_terminated_at), end(w_error_time), m_window.since);
}

void RowDecoder::fill_log(Row& row, Time time, Event& e) {
  e.type = EventType::log;
  e.origin = Origin::system_logs;
  e.time = time;
  e.message_withheld = false;  // LogSources::of says
  e.cycle = cycle_of(row);
  // Moved, not copied: copying each field a second time (the reader copied
  // it out of its buffer) cost as much as a log line's detectors. A move
  // between two allocated strings hands the event's old buffer to the row
  // (libstdc++), so both keep their capacity; std::string::swap, an
  // out-of-line call, cost ~40 instructions a field.
  e.key = std::move(row[l_id].text);
  e.source_type = std::move(row[l_source_type].text);
  e.source_id = std::move(row[l_source_id].text);
  e.status = std::move(row[l_level].text);
  e.message = std::move(row[l_message].text);
  e.task_id = std::move(row[l_task_id].text);
  e.worker_id = std::move(row[l_worker_id].text);
  e.decision_id.clear();
  e.name.clear();
  e.detail.clear();
}

void RowDecoder::decode_into(Row& row, std::vector<Event>& slots) {
  if (m_table != TableId::system_logs) {
    slots.clear();
    decode(row, slots);
    return;
  }
  std::optional<Time> row_time = accept(row);
  if (!row_time) {
    slots.clear();
    return;
  }
  slots.resize(1);
  fill_log(row, *row_time, slots[0]);
  place(slots[0]);
}

void RowDecoder::decode(const Row& row, std::vector<Event>& out) {
  std::optional<Time> row_time = accept(row);
  if (!row_time) {
    return;
  }
  switch (m_table) {
    case TableId::workers: decode_worker(row, *row_time, out); break;
    case TableId::tasks: decode_task(row, *row_time, out); break;
    case TableId::workflow_decisions: decode_decision(row, *row_time, out); break;
    case TableId::workflow_executions: decode_execution(row, *row_time, out); break;
    case TableId::system_logs: {
      Row copy = row;
      fill_log(copy, *row_time, out.emplace_back());
      place(out.back());
      break;
    }
  }
}

Event RowDecoder::row_event(const Row& row) const {
  Event e;
  e.origin = origin_of(m_table);
  e.key = text(row, key_field(m_table));
  return e;
}

void RowDecoder::decode_worker(const Row& row, Time created, std::vector<Event>& out) {
  Event base = row_event(row);
  base.worker_id = base.key;
  base.name = text(row, w_instance_type);
  base.status = text(row, w_status);
  emit(base, EventType::worker_created, created, out).detail = text(row, w_runpod_id);
  if (auto t = time_of(row, w_promoted_at, false)) {
    emit(base, EventType::worker_promoted, *t, out);
  }
  if (auto t = time_of(row, w_error_time, false)) {
    emit(base, EventType::worker_error, *t, out).message = text(row, w_error_reason);
  }
  if (auto t = time_of(row, w_terminated_at, false)) {
    emit(base, EventType::worker_terminated, *t, out).message =
        has(row, w_error_reason) ? text(row, w_error_reason) : "status " + base.status;
  }
  if (auto t = time_of(row, w_last_heartbeat, false)) {
    emit(std::move(base), EventType::worker_heartbeat, *t, out);
  }
}

void RowDecoder::decode_task(const Row& row, Time queued, std::vector<Event>& out) {
  Event base = row_event(row);
  base.name = text(row, t_task_type);
  base.status = text(row, t_status);
  base.worker_id = text(row, t_worker_id);
  base.task_id = base.key;
  emit(base, EventType::task_queued, queued, out);
  if (auto t = time_of(row, t_claimed_at, false)) {
    emit(base, EventType::task_claimed, *t, out);
  }
  std::string status = lower(base.status);
  std::optional<Time> done = time_of(row, t_finished_at, false);
  bool failed = status == "failed" || status == "error";
  bool cancelled = status == "cancelled" || status == "canceled";
  if (!done && (failed || cancelled)) {
    done = time_of(row, t_updated_at, false);
  }
  if (!done) {
    return;
  }
  EventType type = failed ? EventType::task_failed : cancelled ? EventType::task_cancelled : EventType::task_finished;
  Event& e = emit(std::move(base), type, *done, out);
  e.message = text(row, t_error_message);
  if (has(row, t_attempts)) {
    e.detail = "attempts " + text(row, t_attempts);
  }
}

void RowDecoder::decode_decision(const Row& row, Time time, std::vector<Event>& out) {
  Event& e = emit(row_event(row), EventType::decision, time, out);
  e.decision_id = e.key;
  e.name = text(row, d_workflow);
  e.status = text(row, d_action);
  e.message = text(row, d_reason);
  if (has(row, d_priority)) {
    e.detail = "priority " + text(row, d_priority);
  }
  if (has(row, d_triggered_by)) {
    e.detail += (e.detail.empty() ? "" : ", ") + std::string("by ") + text(row, d_triggered_by);
  }
}

void RowDecoder::decode_execution(const Row& row, Time started, std::vector<Event>& out) {
  Event base = row_event(row);
  base.name = text(row, e_workflow);
  base.decision_id = text(row, e_decision_id);
  base.status = text(row, e_status);
  emit(base, EventType::execution_started, started, out);
  std::string status = lower(base.status);
  bool failed = status == "failed" || status == "error";
  bool completed = status == "completed" || status == "complete" || status == "succeeded" ||
                   status == "success";
  if (!failed && !completed) {
    return;
  }
  // The end is the start plus the duration the row gives, when it gives one.
  Time ended = started;
  std::string detail;
  if (auto d = number(row, e_duration); d && *d >= 0 && *d < 1e9) {
    ended += Micros(static_cast<long long>(std::llround(*d * 1e6)));
    detail = "after " + text(row, e_duration) + " s";
  }
  if (has(row, e_triggered)) {
    detail += (detail.empty() ? "" : ", ") + text(row, e_triggered) + " scrapers triggered";
    if (has(row, e_succeeded)) {
      detail += ", " + text(row, e_succeeded) + " succeeded";
    }
  }
  Event& end = emit(std::move(base), failed ? EventType::execution_failed : EventType::execution_finished, ended, out);
  end.detail = std::move(detail);
  end.message = text(row, e_error_message);
}

}  // namespace tlrecon
