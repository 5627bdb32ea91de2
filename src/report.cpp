#include "tlrecon/report.hpp"

#include <unistd.h>

#include <algorithm>
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

Event trimmed(const Event& e) {
  Event t = e;
  t.message = truncate_text(t.message, k_max_message);
  return t;
}

// `e` as the report keeps it, trimmed, serialized into `out` in place of
// what it held.
void serialize_kept(const Event& e, std::vector<char>& out) {
  out.clear();
  serialize_event(e.message.size() > k_max_message ? trimmed(e) : e, out);
}

constexpr const char* k_firsts_purpose = "the report's first log lines";

}  // namespace

ReportCollector::ReportCollector(const Window& window, bool full) : m_window(window) {
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
  if (m_firsts_fd >= 0) {
    ::close(m_firsts_fd);
  }
}

void ReportCollector::keep_first(PerSource& ps, const Event& e) {
  serialize_kept(e, m_scratch);
  if (m_firsts.size() + m_scratch.size() > k_firsts_buffer && !m_firsts.empty() && !m_firsts_in_memory) {
    // Without a temporary file (no TMPDIR, a full disk) they stay in memory:
    // the report costs more memory, it does not fail. A failed write leaves
    // what it wrote past m_firsts_written, which is never read.
    try {
      if (m_firsts_fd < 0) {
        m_firsts_fd = open_temporary_file(k_firsts_purpose);
      }
      write_all(m_firsts_fd, m_firsts.data(), m_firsts.size(),
                std::string("cannot write the temporary file of ") + k_firsts_purpose);
      m_firsts_written += m_firsts.size();
      m_firsts.clear();
    } catch (const Error&) {
      m_firsts_in_memory = true;
    }
  }
  ps.logged = true;
  ps.first_at = m_firsts_written + m_firsts.size();
  ps.first_size = static_cast<uint32_t>(m_scratch.size());
  m_firsts.insert(m_firsts.end(), m_scratch.begin(), m_scratch.end());
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
    ps.column = o.role == Role::orchestrator ? source.name : o.event.source_type + " (all)";
    if (std::find(m_columns.begin(), m_columns.end(), ps.column) == m_columns.end()) {
      m_columns.insert(std::upper_bound(m_columns.begin(), m_columns.end(), ps.column), ps.column);
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
        ps.count = &row.logs[ps.column];
        ps.bucket = bucket;
      }
      ++*ps.count;
      if (!ps.logged) {
        keep_first(ps, e);
      }
      // The last is analyze's: kept (serialized) by finish().
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
      m_lives.push_back(LifeEvent{o.life, e.type});
    } else {
      m_timeline.add(e.message.size() > k_max_message ? trimmed(e) : e);
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

void ReportCollector::finish() {
  if (m_finished) {
    return;
  }
  m_finished = true;
  const std::string failure = std::string("cannot read back the temporary file of ") + k_firsts_purpose;
  for (PerSource& ps : m_sources) {
    if (!ps.logged) {
      continue;
    }
    // The first line from the file, or from what followed it in m_firsts.
    ps.first.resize(ps.first_size);
    if (ps.first_at < m_firsts_written) {
      read_all_at(m_firsts_fd, ps.first.data(), ps.first.size(), ps.first_at, failure);
    } else {
      const char* at = m_firsts.data() + (ps.first_at - m_firsts_written);
      std::copy(at, at + ps.first_size, ps.first.begin());
    }
    // A source with a log inside the window has its last one inside it:
    // lines come in time order, those before the window first.
    serialize_kept(ps.source->event(), m_scratch);
    ps.last.assign(m_scratch.begin(), m_scratch.end());
  }
  std::vector<char>().swap(m_firsts);
  if (m_firsts_fd >= 0) {
    ::close(m_firsts_fd);
    m_firsts_fd = -1;
  }
}

Event ReportCollector::event_of(const LifeEvent& l) {
  Event e = l.life->event(l.type);
  return e.message.size() > k_max_message ? trimmed(e) : e;
}

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
  for (const PerSource* ps : logged) {
    out.push_back(FirstLast{ps->first.data(), ps->last.data()});
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
