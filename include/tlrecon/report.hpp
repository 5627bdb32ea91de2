#pragma once
// `tlrecon report`: findings plus the merged timeline and an activity
// summary. The ReportCollector watches the event stream for what the report
// shows (it never holds the whole stream); the renderers write markdown
// (GitHub-flavoured, with a Mermaid gantt chart), text, or JSON.
#include <array>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "tlrecon/analysis.hpp"
#include "tlrecon/fleet.hpp"
#include "tlrecon/reliability.hpp"
#include "tlrecon/spill.hpp"

namespace tlrecon {

struct ReportOptions {
  std::vector<std::string> zones;   // local times beside UTC in the human formats (--tz A,B)
  bool full = false;                // every event in the timeline, not only those that matter
  bool color = false;               // text: ANSI colours
  std::string source;               // "PostgreSQL" or "snapshot DIR", as the report states it
};

// Counts per 5-minute window.
struct ActivityRow {
  uint64_t created = 0;
  uint64_t promoted = 0;
  uint64_t terminated = 0;
  uint64_t claimed = 0;
  uint64_t decisions = 0;
  uint64_t executions = 0;
  std::map<std::string, uint64_t> logs;  // per column (an orchestrator, or a source type)
  bool any_lifecycle() const {
    return created + promoted + terminated + claimed + decisions + executions > 0;
  }
};

class ReportCollector {
 public:
  ReportCollector(const Window& window, bool full);
  ~ReportCollector();
  void on_event(const Observation& o);
  // Whether what was kept went to the temporary file (tests).
  bool spilled() const { return m_written > 0; }

  static constexpr Micros k_bucket = std::chrono::minutes(5);
  const Window& window() const { return m_window; }
  const std::map<int64_t, ActivityRow>& activity() const { return m_activity; }
  const std::vector<std::string>& log_columns() const { return m_columns; }
  // A kept event where it waits, serialized (spill.hpp): read(at) gives it
  // back; its time, table and type are here for ordering.
  struct Spooled {
    uint64_t at;
    Time time;
    EventType type;
    Origin origin;
  };
  // Once the read is over, while its Analysis lives, each thing kept in the
  // order kept (the stream's): the events that matter (lifecycles,
  // decisions, executions, task claims and failures, annotations, warnings
  // and above) where each waits in the file, but the workers' lifecycle
  // events, as the lives that rebuild them (event_of(); 11,500 a day on a
  // fleet's day took 2.9 MB serialized). They stay in the file until
  // rendered: read back whole, with each source's first and last line,
  // they took 2.5 MB more than the detectors left free (issue 14).
  void for_each_kept(const std::function<void(const Spooled&)>& event,
                     const std::function<void(const WorkerLife&, EventType)>& life) const;
  // How many events and lifecycle events for_each_kept() gives.
  uint64_t kept_events() const { return m_kept_events; }
  uint64_t kept_lives() const { return m_kept_lives; }
  // The serialized event kept at `at`, read into `buffer`: valid until the
  // buffer's next use.
  const char* read(uint64_t at, std::vector<char>& buffer) const;
  // A worker's lifecycle event as the timeline keeps it: rebuilt, a huge
  // message cut as every kept event's is.
  static Event event_of(const WorkerLife& life, EventType type);
  // A source's last log, as the timeline keeps it.
  static Event last_of(const LogSource& source);
  uint64_t timeline_dropped() const { return m_dropped; }
  // The first and last log of a source: the first where it waits (read()),
  // the last in analyze's entry (LogSource::last, last_of()), valid while
  // the collector and the Analysis live.
  struct FirstLast {
    Spooled first;
    const LogSource* last;
  };
  // Those of the sources that logged, in the order of the sources' names.
  std::vector<FirstLast> first_last() const;
  // With --full: every event inside the window, spooled to a temporary file.
  std::FILE* spool() const { return m_spool; }
  uint64_t events() const { return m_events; }
  // Per-workflow reliability, with orphans counted from the findings.
  std::vector<WorkflowReliability> reliability(const std::vector<Finding>& findings) const {
    return m_reliability.rows(findings);
  }

 private:
  // What is kept per log source while the logs stream: 40 bytes, indexed
  // by source (LogSource::index), not in a map by name.
  struct PerSource {
    const LogSource* source = nullptr;  // analyze's entry: its name and, at the end, its last log
    uint64_t* count = nullptr;          // its lines in the activity row `bucket`, in the row's map
    int64_t bucket = -1;
    uint64_t first_at = 0;              // its first log, in the file (read())
    uint32_t column = 0;                // in m_column_names
    bool logged = false;                // its first log was kept
  };
  // What is kept goes to a temporary file as records, in the order kept.
  enum class Kept : uint8_t { timeline, life, first };
  // Where the record goes: its offset in the file, past the file's end when
  // m_pending holds it.
  uint64_t keep(Kept kind, const char* p, size_t n);
  void flush_kept();
  PerSource& source_of(const Observation& o);
  Window m_window;
  std::map<int64_t, ActivityRow> m_activity;
  int64_t m_bucket = -1;           // the bucket of the last event, whose row is `m_row`
  ActivityRow* m_row = nullptr;
  std::vector<std::string> m_columns;       // sorted
  std::vector<std::string> m_column_names;  // in the order the sources appeared
  std::deque<PerSource> m_sources;  // grown without moving (3,000 sources a day)
  uint64_t m_kept_events = 0;  // in the timeline, kept so far
  uint64_t m_kept_lives = 0;
  std::array<uint64_t, 32> m_listed{};  // timeline entries so far, by event type
  uint64_t m_dropped = 0;
  std::vector<char> m_scratch;  // an event being serialized
  // Held in memory while the logs stream, the timeline's events, the
  // lifecycle events and the first lines took 2 MB of the report's peak on
  // a fleet's day, and grew with the fleet (issue 14). A day that keeps
  // little never touches the disk: m_pending holds up to k_kept_buffer bytes.
  static constexpr size_t k_kept_buffer = size_t(64) << 10;
  int m_kept_fd = -1;
  uint64_t m_written = 0;      // to the file; m_pending holds what follows
  bool m_in_memory = false;    // the file could not be made or written: no more tries
  std::vector<char> m_pending;
  std::FILE* m_spool = nullptr;
  uint64_t m_events = 0;
  ReliabilityCollector m_reliability;
};

void write_report_markdown(std::ostream& out, const Analysis& a, const ReportCollector& r,
                           const ReportOptions& options);
void write_report_text(std::ostream& out, const Analysis& a, const ReportCollector& r,
                       const ReportOptions& options);
void write_report_json(std::ostream& out, const Analysis& a, const ReportCollector& r);

// Markdown safety: every ASCII punctuation character from the data is
// backslash-escaped and controls are made visible, so nothing in a row can
// break a table or inject markup. `md_code` is an inline code span.
std::string md_text(const std::string& text);
// Inside a table, '|' must be written "\|" even in a code span; elsewhere not.
std::string md_code(const std::string& text, bool in_table = true);

// The Mermaid gantt chart of worker lifecycles, gaps and findings.
std::string mermaid_chart(const Analysis& a);
// The same, for a part of the window (its bars cut to it).
std::string mermaid_chart(const Analysis& a, const Window& part);

}  // namespace tlrecon
