#include "tlrecon/render_timeline.hpp"

#include <algorithm>
#include <cstdio>

#include "tlrecon/csv.hpp"
#include "tlrecon/json_writer.hpp"
#include "tlrecon/render_findings.hpp"
#include "tlrecon/text.hpp"

namespace tlrecon {

using ojson = nlohmann::ordered_json;

namespace {

std::string dump(const ojson& j) {
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

void pad(std::string& line, const std::string& text, size_t width) {
  line += text;
  // Pad by characters, not bytes, so UTF-8 names stay aligned.
  size_t chars = 0;
  for (unsigned char c : text) {
    chars += (c & 0xc0) != 0x80;
  }
  if (chars < width) {
    line.append(width - chars, ' ');
  }
  line += ' ';
}

class TextWriter : public TimelineWriter {
 public:
  TextWriter(std::ostream& out, std::string tz, bool wide) : m_out(out), m_tz(std::move(tz)), m_wide(wide) {}

  void header(const Window& w) override {
    m_out << "tlrecon timeline, window [" << format_utc(w.since) << ", " << format_utc(w.until)
          << ")";
    if (!m_tz.empty()) {
      m_out << ", local times in " << m_tz;
    }
    m_out << "\n";
  }

  void event(const Event& e) override {
    if (!m_wide) {
      compact_event(e);
      return;
    }
    std::string line;
    pad(line, format_event_time(e.time), 23);
    if (!m_tz.empty()) {
      pad(line, format_in_zone(e.time, m_tz), 23);
    }
    pad(line, event_type_name(e.type), 21);
    pad(line, visible(actor_of(e)), 34);
    line += visible(summary_of(e));
    line += '\n';
    m_out << line;
  }

  void trailer(const Window&, const std::vector<TableInfo>& tables) override {
    m_out << "-- ";
    bool first = true;
    for (const TableInfo& t : tables) {
      m_out << (first ? "" : "; ") << table_name(t.id) << ": ";
      first = false;
      if (t.state != TableState::ok) {
        m_out << table_state_name(t.state);
      } else {
        m_out << t.rows << " rows, " << t.events << " events";
        std::string counts = count_words(t);
        if (!counts.empty()) {
          m_out << ", " << counts;
        }
      }
    }
    m_out << "\n";
  }

  void incomplete(const std::string& why) override {
    m_out << "-- INCOMPLETE: " << visible(why) << "\n";
  }

 private:
  // For 80 columns: the date once per day (a line of its own, when the UTC
  // or local date changes), the time of day, a short event name, the actor
  // shortened; the message starts at column 51 (60 with --tz).
  static constexpr size_t k_actor_width = 24;
  void compact_event(const Event& e) {
    std::string utc = format_event_time(e.time);
    std::string local = m_tz.empty() ? "" : format_in_zone(e.time, m_tz);
    std::string day = utc.substr(0, 10) + (local.empty() ? "" : ", " + local.substr(0, 10) + " in " + m_tz);
    std::string line;
    if (day != m_day) {
      m_day = day;
      line += "== " + day + " ==\n";
    }
    pad(line, utc.substr(11), 12);
    if (!local.empty()) {
      pad(line, local.substr(11, 8), 8);
    }
    pad(line, short_event_name(e.type), 11);
    pad(line, short_actor(visible(actor_of(e)), k_actor_width), k_actor_width);
    line += visible(summary_of(e));
    line += '\n';
    m_out << line;
  }

  std::ostream& m_out;
  std::string m_tz;
  bool m_wide;
  std::string m_day;
};

class JsonlWriter : public TimelineWriter {
 public:
  explicit JsonlWriter(std::ostream& out) : m_out(out) {}

  void header(const Window& w) override {
    ojson h;
    h["record"] = "header";
    h["tool"] = "tlrecon";
    h["version"] = TLRECON_VERSION;
    h["schema_version"] = k_schema_version;
    h["window"] = {{"since", format_utc(w.since)}, {"until", format_utc(w.until)}};
    m_out << dump(h) << '\n';
  }

  void event(const Event& e) override {
    // The buffer only grows (to the longest record's bound): never zeroed
    // again, unlike a string grown for each record.
    const size_t most = event_record_bound(e) + 1;
    if (m_buffer.size() < most) {
      m_buffer.resize(std::max(most, 2 * m_buffer.size()));
    }
    char* end = write_event_record(m_buffer.data(), e);
    *end++ = '\n';
    m_out.write(m_buffer.data(), end - m_buffer.data());
  }

  void trailer(const Window& window, const std::vector<TableInfo>& tables) override {
    ojson t;
    t["record"] = "end";
    t["complete"] = true;
    ojson sources = ojson::array();
    for (const TableInfo& info : tables) {
      sources.push_back(table_to_json(info, window));
    }
    t["sources"] = sources;
    m_out << dump(t) << '\n';
  }

  void incomplete(const std::string& why) override {
    ojson t;
    t["record"] = "end";
    t["complete"] = false;
    t["reason"] = why;
    m_out << dump(t) << '\n';
  }

 private:
  std::ostream& m_out;
  std::vector<char> m_buffer;
};

class CsvWriter : public TimelineWriter {
 public:
  explicit CsvWriter(std::ostream& out) : m_out(out) {}

  void header(const Window& w) override {
    m_out << "datetime,timestamp_desc,message,timestamp,table,key,actor,source_type,source_id,"
             "worker_id,task_id,decision_id,status\n";
    marker(w.since, "window_start", "tlrecon window [" + format_utc(w.since) + ", " +
                                        format_utc(w.until) + ") begins");
  }

  void event(const Event& e) override {
    std::string line;
    append_csv_field(line, std::string_view(format_utc(e.time)));
    line += ',';
    append_csv_field(line, std::string_view(event_type_name(e.type)));
    line += ',';
    append_csv_field(line, std::string_view(visible(summary_of(e))));
    line += ',';
    line += std::to_string(e.time.time_since_epoch().count());
    for (const std::string& value : {std::string(origin_name(e.origin)), e.key, actor_of(e),
                                     e.source_type, e.source_id, e.worker_id, e.task_id,
                                     e.decision_id, e.status}) {
      line += ',';
      append_csv_field(line, std::string_view(visible(value)));
    }
    line += '\n';
    m_out << line;
  }

  void trailer(const Window& w, const std::vector<TableInfo>&) override {
    marker(w.until, "window_end", "tlrecon window ends");
  }

  void incomplete(const std::string& why) override {
    // No window_end row: the last row says the output stops short.
    m_out << ",incomplete,";
    std::string line;
    append_csv_field(line, std::string_view("INCOMPLETE: " + visible(why)));
    m_out << line << ",,tlrecon,,,,,,,,\n";
  }

 private:
  void marker(Time t, const char* desc, const std::string& message) {
    std::string line;
    append_csv_field(line, std::string_view(format_utc(t)));
    line += ',';
    line += desc;
    line += ',';
    append_csv_field(line, std::string_view(message));
    line += ',' + std::to_string(t.time_since_epoch().count()) + ",tlrecon,,,,,,,,\n";
    m_out << line;
  }
  std::ostream& m_out;
};

}  // namespace

const char* short_event_name(EventType type) {
  switch (type) {
    case EventType::worker_created: return "created";
    case EventType::worker_promoted: return "promoted";
    case EventType::worker_error: return "error";
    case EventType::worker_terminated: return "terminated";
    case EventType::worker_heartbeat: return "heartbeat";
    case EventType::task_queued: return "queued";
    case EventType::task_claimed: return "claimed";
    case EventType::task_finished: return "finished";
    case EventType::task_failed: return "task failed";
    case EventType::task_cancelled: return "cancelled";
    case EventType::decision: return "decision";
    case EventType::execution_started: return "exec start";
    case EventType::execution_finished: return "exec end";
    case EventType::execution_failed: return "exec failed";
    case EventType::log: return "log";
    case EventType::annotation: return "annotation";
  }
  return "?";
}

namespace {

std::vector<size_t> char_starts(const std::string& text) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) {
      starts.push_back(i);
    }
  }
  return starts;
}

// The middle elided; the tail tells ids apart (worker ids end in a hash).
std::string elide_middle(const std::string& text, size_t width) {
  std::vector<size_t> starts = char_starts(text);
  if (starts.size() <= width) {
    return text;
  }
  size_t head = (width - 1) / 3;
  size_t tail = width - 1 - head;
  return text.substr(0, starts[head]) + "\u2026" + text.substr(starts[starts.size() - tail]);
}

}  // namespace

std::string short_actor(const std::string& actor, size_t width) {
  std::vector<size_t> starts = char_starts(actor);
  if (starts.size() <= width) {
    return actor;
  }
  // A log source is type/id: the id says who, so the type gives way first.
  size_t slash = actor.find('/');
  if (slash != std::string::npos) {
    std::string type = actor.substr(0, slash);
    std::string id = actor.substr(slash + 1);
    size_t id_chars = char_starts(id).size();
    if (id_chars + 4 <= width) {
      std::vector<size_t> type_starts = char_starts(type);
      size_t keep = width - id_chars - 2;  // the type's head, then "…/"
      return type.substr(0, type_starts[std::min(keep, type_starts.size() - 1)]) + "\u2026/" + id;
    }
  }
  return elide_middle(actor, width);
}

std::string format_event_time(Time t) {
  auto secs = date::floor<std::chrono::seconds>(t);
  long ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count());
  char buf[32];
  std::snprintf(buf, sizeof buf, ".%03ld", ms);
  return format_utc_short(t) + buf;
}

ojson event_to_json(const Event& e) {
  ojson j;
  j["time"] = format_utc(e.time);
  j["type"] = event_type_name(e.type);
  j["table"] = origin_name(e.origin);
  j["key"] = e.key;
  j["actor"] = actor_of(e);
  j["summary"] = summary_of(e);
  auto put = [&](const char* name, const std::string& value) {
    if (!value.empty()) {
      j[name] = value;
    }
  };
  put("source_type", e.source_type);
  put("source_id", e.source_id);
  put("worker_id", e.worker_id);
  put("task_id", e.task_id);
  put("decision_id", e.decision_id);
  put("name", e.name);
  put("status", e.status);
  put("message", e.message);
  put("detail", e.detail);
  if (e.cycle) {
    j["cycle"] = *e.cycle;
  }
  return j;
}

ojson table_to_json(const TableInfo& info, const Window& window) {
  ojson j;
  j["table"] = table_name(info.id);
  j["relation"] = info.relation;
  j["status"] = table_state_name(info.state);
  if (info.state != TableState::ok) {
    j["reason"] = info.reason;
    j["rows"] = 0;
    return j;
  }
  if (info.kept_since) {
    j["kept_since"] = format_utc(*info.kept_since);
  }
  std::vector<std::string> notes = coverage_notes(info, window);
  if (!notes.empty()) {
    j["notes"] = notes;
  }
  j["rows"] = info.rows;
  j["events"] = info.events;
  if (info.has_time) {
    j["first"] = format_utc(info.first);
    j["last"] = format_utc(info.last);
  } else {
    j["first"] = nullptr;
    j["last"] = nullptr;
  }
  j["rejected"] = info.rejected;
  j["duplicates"] = info.duplicates;
  j["bad_values"] = info.bad_values;
  if (!info.unmapped.empty()) {
    j["unmapped"] = info.unmapped;
  }
  if (!info.problems.empty()) {
    j["problems"] = info.problems;
  }
  return j;
}

std::unique_ptr<TimelineWriter> make_timeline_writer(const TimelineOptions& options, std::ostream& out) {
  switch (options.format) {
    case TimelineFormat::text: return std::make_unique<TextWriter>(out, options.tz, options.wide);
    case TimelineFormat::jsonl: return std::make_unique<JsonlWriter>(out);
    case TimelineFormat::csv: return std::make_unique<CsvWriter>(out);
  }
  return nullptr;
}

}  // namespace tlrecon
