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
  // Once the read is over, and while its Analysis lives: keeps the last log
  // of each source (Analysis::log_sources holds it until then) and reads
  // the first ones back from the temporary file. Again: nothing more.
  void finish();
  // Whether first lines went to the temporary file (tests).
  bool first_lines_spilled() const { return m_firsts_written > 0; }

  static constexpr Micros k_bucket = std::chrono::minutes(5);
  const Window& window() const { return m_window; }
  const std::map<int64_t, ActivityRow>& activity() const { return m_activity; }
  const std::vector<std::string>& log_columns() const { return m_columns; }
  // The events that matter (lifecycles, decisions, executions, task claims
  // and failures, annotations, warnings and above), in timeline order,
  // serialized (spill.hpp); but workers' lifecycle events, in lives().
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
  // What is kept per log source: its column and where its first and last
  // log are (indexed by source, not in a map by name: 3,000 sources' names
  // and nodes were 0.3 MB).
  struct PerSource {
    std::string column;
    const LogSource* source = nullptr;  // analyze's entry: its name and, at the end, its last log
    bool logged = false;                // its first log is kept
    uint32_t first_size = 0;
    uint64_t first_at = 0;              // in the file, or in m_firsts after what the file holds
    // Filled by finish() (the first read back, the last serialized), each
    // in an allocation of its own: with the detectors' state gone by then,
    // they fill its holes (one buffer of them all took new pages, and the
    // peak RSS with them).
    std::vector<char> first;
    std::vector<char> last;
    int64_t bucket = -1;                // the activity row `count` is in
    uint64_t* count = nullptr;          // its lines in that row, in the row's map
  };
  void keep_first(PerSource& ps, const Event& e);
  // By LogSource::index: no hashing of the source's name per line.
  PerSource& source_of(const Observation& o);
  Window m_window;
  std::map<int64_t, ActivityRow> m_activity;
  int64_t m_bucket = -1;           // the bucket of the last event, whose row is `m_row`
  ActivityRow* m_row = nullptr;
  std::vector<std::string> m_columns;
  std::vector<PerSource> m_sources;
  EventArena m_timeline;
  std::vector<LifeEvent> m_lives;
  std::array<uint64_t, 32> m_listed{};  // timeline entries so far, by event type
  uint64_t m_dropped = 0;
  std::vector<char> m_scratch;  // an event being serialized
  // Each source's first log, serialized, goes to a temporary file until
  // finish() reads them back: held while the logs stream, 3,000 sources'
  // first lines were 0.75 MB of the report's peak on a fleet's day (its
  // growth with the sources, issue 14). A day with few sources never
  // touches the disk: m_firsts holds up to k_firsts_buffer bytes.
  static constexpr size_t k_firsts_buffer = size_t(64) << 10;
  int m_firsts_fd = -1;
  uint64_t m_firsts_written = 0;  // to the file; m_firsts holds what follows
  bool m_firsts_in_memory = false;  // the file could not be made or written: no more tries
  bool m_finished = false;
  std::vector<char> m_firsts;
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
