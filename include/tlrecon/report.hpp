#pragma once
// `tlrecon report`: findings plus the merged timeline and an activity
// summary. The ReportCollector watches the event stream for what the report
// shows (it never holds the whole stream); the renderers write markdown
// (GitHub-flavoured, with a Mermaid gantt chart), text, or JSON.
#include <array>
#include <cstdio>
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
  // Once the read is over, and while its Analysis lives: reads back what
  // was kept (the timeline's events, the workers' lifecycle events, each
  // source's first log) and keeps the last log of each source (Analysis::
  // log_sources holds it until then). Again: nothing more.
  void finish();
  // Whether what was kept went to the temporary file (tests).
  bool spilled() const { return m_written > 0; }

  static constexpr Micros k_bucket = std::chrono::minutes(5);
  const Window& window() const { return m_window; }
  const std::map<int64_t, ActivityRow>& activity() const { return m_activity; }
  const std::vector<std::string>& log_columns() const { return m_columns; }
  // The events that matter (lifecycles, decisions, executions, task claims
  // and failures, annotations, warnings and above), in timeline order,
  // serialized (spill.hpp); but workers' lifecycle events, in lives().
  // Once finish() has run.
  const EventArena& timeline() const { return m_timeline; }
  // The workers' lifecycle events that matter, as the lives that rebuild
  // them (WorkerLife::event, valid while the Analysis lives): 16 bytes each,
  // not a serialized event (11,500 a day on a fleet's day took 2.9 MB).
  struct LifeEvent {
    const WorkerLife* life;
    EventType type;
  };
  const std::vector<LifeEvent>& lives() const { return m_lives; }
  // The event as the timeline keeps it: rebuilt, a huge message cut as
  // every kept event's is.
  static Event event_of(const LifeEvent& l);
  uint64_t timeline_dropped() const { return m_dropped; }
  // The first and last log of each source, serialized; valid while the
  // collector lives, once finish() has run.
  struct FirstLast {
    const char* first;
    const char* last;
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
  // What is kept per log source while the logs stream: 32 bytes, indexed
  // by source (LogSource::index), not in a map by name.
  struct PerSource {
    const LogSource* source = nullptr;  // analyze's entry: its name and, at the end, its last log
    uint64_t* count = nullptr;          // its lines in the activity row `bucket`, in the row's map
    int64_t bucket = -1;
    uint32_t column = 0;                // in m_column_names
    bool logged = false;                // its first log was kept
  };
  // Each logging source's first and last log, serialized, filled by
  // finish() (by source index), each in an allocation of its own: with the
  // detectors' state gone by then, they fill its holes (one buffer of them
  // all took new pages, and the peak RSS with them).
  struct Lines {
    std::vector<char> first;
    std::vector<char> last;
  };
  // What is kept goes to a temporary file as records, in the order kept,
  // until finish() reads them back (Kept::first carries its source's index).
  enum class Kept : uint8_t { timeline, life, first };
  void keep(Kept kind, uint32_t source, const char* p, size_t n);
  void flush_kept();
  void restore(Kept kind, uint32_t source, const char* p, size_t n);
  PerSource& source_of(const Observation& o);
  Window m_window;
  std::map<int64_t, ActivityRow> m_activity;
  int64_t m_bucket = -1;           // the bucket of the last event, whose row is `m_row`
  ActivityRow* m_row = nullptr;
  std::vector<std::string> m_columns;       // sorted
  std::vector<std::string> m_column_names;  // in the order the sources appeared
  std::vector<PerSource> m_sources;
  std::vector<Lines> m_lines;
  EventArena m_timeline;
  std::vector<LifeEvent> m_lives;
  uint64_t m_kept_events = 0;  // in the timeline, kept so far
  uint64_t m_kept_lives = 0;
  std::array<uint64_t, 32> m_listed{};  // timeline entries so far, by event type
  uint64_t m_dropped = 0;
  std::vector<char> m_scratch;  // an event being serialized
  // Held in memory while the logs stream, the timeline's events, the
  // lifecycle events and the first lines took 2 MB of the report's peak on
  // a fleet's day, and grew with the fleet (issue 14); read back once the
  // detectors' state is gone, they fill its room. A day that keeps little
  // never touches the disk: m_pending holds up to k_kept_buffer bytes.
  static constexpr size_t k_kept_buffer = size_t(64) << 10;
  int m_kept_fd = -1;
  uint64_t m_written = 0;      // to the file; m_pending holds what follows
  bool m_in_memory = false;    // the file could not be made or written: no more tries
  bool m_finished = false;
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
