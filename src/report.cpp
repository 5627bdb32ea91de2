#include "tlrecon/report.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "tlrecon/error.hpp"
#include "tlrecon/spill.hpp"
#include "tlrecon/text.hpp"

namespace tlrecon {

namespace {

bool is_warning_or_above(const std::string& level) {
  // Upper-cased into a small buffer: asked of every log line, it allocated
  // and compared a string seven times (3% of report's instructions).
  char upper[9];
  if (level.size() < 4 || level.size() > sizeof upper) {
    return false;
  }
  for (size_t i = 0; i < level.size(); ++i) {
    char c = level[i];
    upper[i] = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  std::string_view l(upper, level.size());
  return l == "WARNING" || l == "WARN" || l == "ERROR" || l == "CRITICAL" || l == "FATAL" || l == "ALERT" ||
         l == "EMERGENCY";
}

// The orchestrator's routine lines of every cycle: E1 writes its task count
// and scaling decision at CRITICAL to be seen, which makes them no warning.
bool routine(FactKind kind) {
  return kind == FactKind::cycle_start || kind == FactKind::task_count || kind == FactKind::scaling_decision ||
         kind == FactKind::cycle_completed || kind == FactKind::worker_spawned;
}

bool matters(const Observation& o) {
  const Event& e = o.event;
  switch (e.type) {
    case EventType::task_queued:
    case EventType::task_finished:
      return false;
    case EventType::log:
      switch (o.fact.kind) {
        case FactKind::scale_up:
        case FactKind::spawn_failed:
        case FactKind::scale_blocked:
        case FactKind::startup:
        case FactKind::shutdown:
          return true;
        default:
          return !routine(o.fact.kind) && is_warning_or_above(e.status);
      }
    default:
      return true;
  }
}

// What the report keeps of an event: the whole of it but a huge message.
constexpr size_t k_max_message = 500;

Event trimmed(Event e) {
  if (e.message.size() > k_max_message) {
    e.message = truncate_text(e.message, k_max_message);
  }
  return e;
}

// `e` as the report keeps it, trimmed, serialized into `out` in place of
// what it held (copied only to be trimmed).
void serialize_kept(const Event& e, std::vector<char>& out) {
  out.clear();
  serialize_event(e.message.size() > k_max_message ? trimmed(e) : e, out);
}

constexpr const char* k_kept_purpose = "what the report keeps";

// A kept record: its kind and its size, then its bytes.
constexpr size_t k_record_header = 1 + 4;

uint32_t get_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

ReportCollector::ReportCollector(const Window& window, bool full) : m_window(window) {
  m_pending.reserve(k_kept_buffer);  // not grown by doubling past it
  if (full) {
    m_spool = ::fdopen(open_temporary_file("the full timeline"), "w+");
    if (m_spool == nullptr) {
      throw Error(k_exit_internal, "cannot open a temporary file for --full");
    }
  }
}

ReportCollector::~ReportCollector() {
  if (m_spool != nullptr) {
    std::fclose(m_spool);
  }
  if (m_kept_fd >= 0) {
    ::close(m_kept_fd);
  }
}

uint64_t ReportCollector::keep(Kept kind, const char* p, size_t n) {
  if (m_pending.size() + k_record_header + n > k_kept_buffer && !m_pending.empty() && !m_in_memory) {
    flush_kept();
  }
  uint64_t at = m_written + m_pending.size();
  auto size = static_cast<uint32_t>(n);
  m_pending.push_back(static_cast<char>(kind));
  m_pending.insert(m_pending.end(), reinterpret_cast<const char*>(&size),
                   reinterpret_cast<const char*>(&size) + sizeof size);
  m_pending.insert(m_pending.end(), p, p + n);
  return at;
}

void ReportCollector::flush_kept() {
  // Without a temporary file (no TMPDIR, a full disk) what is kept stays in
  // memory: the report costs more memory, it does not fail. A failed write
  // leaves what it wrote past m_written, which is never read.
  try {
    if (m_kept_fd < 0) {
      m_kept_fd = open_temporary_file(k_kept_purpose);
    }
    write_all(m_kept_fd, m_pending.data(), m_pending.size(),
              std::string("cannot write the temporary file of ") + k_kept_purpose);
    m_written += m_pending.size();
    m_pending.clear();
  } catch (const Error&) {
    m_in_memory = true;
  }
}

ReportCollector::PerSource& ReportCollector::source_of(const Observation& o) {
  const LogSource& source = *o.source;
  if (source.index >= m_sources.size()) {
    m_sources.resize(source.index + 1);
  }
  PerSource& ps = m_sources[source.index];
  if (ps.source == nullptr) {
    ps.source = &source;
    // Orchestrators get a column each; other sources one per source type.
    std::string column = o.role == Role::orchestrator ? source.name : o.event.source_type + " (all)";
    auto named = std::find(m_column_names.begin(), m_column_names.end(), column);
    ps.column = static_cast<uint32_t>(named - m_column_names.begin());
    if (named == m_column_names.end()) {
      m_columns.insert(std::upper_bound(m_columns.begin(), m_columns.end(), column), column);
      m_column_names.push_back(std::move(column));
    }
  }
  return ps;
}

void ReportCollector::on_event(const Observation& o) {
  const Event& e = o.event;
  if (e.place != Event::Place::inside) {
    return;
  }
  ++m_events;
  m_reliability.on_event(e);
  int64_t bucket = (e.time - m_window.since) / k_bucket;
  if (bucket != m_bucket || m_row == nullptr) {
    m_row = &m_activity[bucket];
    m_bucket = bucket;
  }
  ActivityRow& row = *m_row;
  switch (e.type) {
    case EventType::worker_created: ++row.created; break;
    case EventType::worker_promoted: ++row.promoted; break;
    case EventType::worker_terminated: ++row.terminated; break;
    case EventType::task_claimed: ++row.claimed; break;
    case EventType::decision: ++row.decisions; break;
    case EventType::execution_started: ++row.executions; break;
    case EventType::log: {
      PerSource& ps = source_of(o);
      if (ps.bucket != bucket || ps.count == nullptr) {
        ps.count = &row.logs[m_column_names[ps.column]];
        ps.bucket = bucket;
      }
      ++*ps.count;
      if (!ps.logged) {
        ps.logged = true;
        serialize_kept(e, m_scratch);
        ps.first_at = keep(Kept::first, m_scratch.data(), m_scratch.size());
      }
      // The last is analyze's (LogSource::last): last_of() when rendered.
      break;
    }
    default: break;
  }
  if (matters(o)) {
    // Warnings and task claims, failures and cancellations can run to tens
    // of thousands a day: the first 2000 of each are listed, the rest counted.
    constexpr uint64_t k_max_each = 2000;
    bool numerous = e.type == EventType::log || e.type == EventType::task_claimed ||
                    e.type == EventType::task_failed || e.type == EventType::task_cancelled;
    if (numerous && ++m_listed[static_cast<size_t>(e.type)] > k_max_each) {
      ++m_dropped;
    } else if (o.life != nullptr && e.key == e.worker_id) {
      // The life rebuilds it: a worker's row is its key (RowDecoder::decode_worker).
      // Its address and type, not the struct: no padding bytes to the file.
      char life[sizeof(const WorkerLife*) + 1];
      std::memcpy(life, &o.life, sizeof o.life);
      life[sizeof o.life] = static_cast<char>(e.type);
      keep(Kept::life, life, sizeof life);
      ++m_kept_lives;
    } else {
      serialize_kept(e, m_scratch);
      keep(Kept::timeline, m_scratch.data(), m_scratch.size());
      ++m_kept_events;
    }
  }
  if (m_spool != nullptr) {
    // One spooled line per event: its fields, tab-separated, controls made visible.
    std::string line = std::to_string(e.time.time_since_epoch().count()) + "\t" + origin_name(e.origin) + "\t" +
                       visible(e.key) + "\t" + event_type_name(e.type) + "\t" + visible(actor_of(e)) + "\t" +
                       visible(summary_of(e)) + "\n";
    std::fwrite(line.data(), 1, line.size(), m_spool);
  }
}

void ReportCollector::for_each_kept(const std::function<void(const Spooled&)>& event,
                                    const std::function<void(const WorkerLife&, EventType)>& life) const {
  // The records of [p, p + n), at `base` in the file, but an incomplete
  // last one: how many bytes they took.
  auto each = [&](const char* p, size_t n, uint64_t base) {
    size_t at = 0;
    while (n - at >= k_record_header) {
      uint32_t size = get_u32(p + at + 1);
      if (n - at - k_record_header < size) {
        break;
      }
      const char* record = p + at + k_record_header;
      switch (static_cast<Kept>(p[at])) {
        case Kept::timeline:
          event(Spooled{base + at, serialized_time(record), serialized_type(record), serialized_origin(record)});
          break;
        case Kept::life: {
          const WorkerLife* l = nullptr;
          std::memcpy(&l, record, sizeof l);
          life(*l, static_cast<EventType>(static_cast<uint8_t>(record[sizeof l])));
          break;
        }
        case Kept::first: break;  // PerSource::first_at
      }
      at += k_record_header + size;
    }
    return at;
  };
  if (m_written > 0) {
    // The file in chunks (a record may straddle two; one larger than a chunk grows it).
    const std::string failure = std::string("cannot read back the temporary file of ") + k_kept_purpose;
    std::vector<char> chunk(k_kept_buffer);
    size_t have = 0;
    uint64_t offset = 0;
    while (offset < m_written) {
      if (have == chunk.size()) {
        chunk.resize(k_record_header + get_u32(chunk.data() + 1));
      }
      auto n = static_cast<size_t>(std::min<uint64_t>(chunk.size() - have, m_written - offset));
      read_all_at(m_kept_fd, chunk.data() + have, n, offset, failure);
      offset += n;
      have += n;
      size_t used = each(chunk.data(), have, offset - have);
      std::memmove(chunk.data(), chunk.data() + used, have - used);
      have -= used;
    }
    if (have != 0) {
      throw Error(k_exit_internal, failure + ": it ends inside a record");
    }
  }
  if (each(m_pending.data(), m_pending.size(), m_written) != m_pending.size()) {
    throw Error(k_exit_internal, std::string("internal error: ") + k_kept_purpose + " ends inside a record");
  }
}

const char* ReportCollector::read(uint64_t at, std::vector<char>& buffer) const {
  if (at >= m_written) {
    return m_pending.data() + (at - m_written) + k_record_header;
  }
  const std::string failure = std::string("cannot read back the temporary file of ") + k_kept_purpose;
  // The header and, most often, the whole record in one read.
  constexpr size_t k_most = 1024;
  buffer.resize(std::max(buffer.size(), k_most));
  auto n = static_cast<size_t>(std::min<uint64_t>(k_most, m_written - at));
  if (n < k_record_header) {
    throw Error(k_exit_internal, failure + ": it ends inside a record");
  }
  read_all_at(m_kept_fd, buffer.data(), n, at, failure);
  size_t size = k_record_header + get_u32(buffer.data() + 1);
  if (size > n) {
    buffer.resize(size);
    read_all_at(m_kept_fd, buffer.data() + n, size - n, at + n, failure);
  }
  return buffer.data() + k_record_header;
}

Event ReportCollector::event_of(const WorkerLife& life, EventType type) { return trimmed(life.event(type)); }

Event ReportCollector::last_of(const LogSource& source) { return trimmed(source.event()); }

std::vector<ReportCollector::FirstLast> ReportCollector::first_last() const {
  std::vector<const PerSource*> logged;
  for (const PerSource& ps : m_sources) {
    if (ps.logged) {
      logged.push_back(&ps);
    }
  }
  std::sort(logged.begin(), logged.end(),
            [](const PerSource* a, const PerSource* b) { return a->source->name < b->source->name; });
  std::vector<FirstLast> out;
  out.reserve(logged.size());
  std::vector<char> buffer;
  for (const PerSource* ps : logged) {
    const char* first = read(ps->first_at, buffer);
    out.push_back(FirstLast{Spooled{ps->first_at, serialized_time(first), serialized_type(first),
                                    serialized_origin(first)},
                            ps->source});
  }
  return out;
}

std::string md_text(const std::string& text) {
  std::string v = visible(text);
  std::string out;
  out.reserve(v.size() + v.size() / 4);
  for (char c : v) {
    bool punct = (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
    // A few characters are left alone for readability: they cannot start markup.
    if (punct && c != ',' && c != '.' && c != ';' && c != '\'' && c != '"' && c != '=' && c != '?' && c != '%' &&
        c != '/' && c != '(' && c != ')' && c != ':' && c != '-' && c != '^') {
      out += '\\';
    }
    out += c;
  }
  // Autolinks need "www." or "://"; breaking those keeps URLs from the data inert.
  size_t pos = 0;
  while ((pos = out.find("://", pos)) != std::string::npos) {
    out.replace(pos, 3, "\\:\\/\\/");
    pos += 6;
  }
  pos = 0;
  while ((pos = out.find("www.", pos)) != std::string::npos) {
    out.replace(pos, 4, "www\\.");
    pos += 5;
  }
  return out;
}

std::string md_code(const std::string& text, bool in_table) {
  std::string v = visible(text);
  // A fence longer than any run of backticks inside; pipes escaped for tables.
  size_t run = 0;
  size_t longest = 0;
  std::string body;
  for (char c : v) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '|' && in_table) {
      body += "\\|";
    } else {
      body += c;
    }
  }
  std::string fence(longest + 1, '`');
  bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

}  // namespace tlrecon
