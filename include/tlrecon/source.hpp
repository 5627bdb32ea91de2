#pragma once
// A source hands over the rows of each table for a window: PostgreSQL
// (pg_source) or a snapshot directory (snapshot). Rows carry the logical
// fields of mapping.hpp, as text, exactly as PostgreSQL prints them; both
// sources give the same text for the same data, so everything downstream
// is identical whichever source was read. One exception: system_logs' row
// time read in binary comes as its value (Field::time), not as text.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tlrecon/mapping.hpp"
#include "tlrecon/time.hpp"

namespace tlrecon {

struct Field {
  std::string text;
  bool null = true;
  // The value of a timestamptz read in binary, or parsed on a snapshot's
  // reader thread (CsvFileReader::TimeColumn), with `text` left empty:
  // formatting it as text to parse it again was 11% of check's instructions
  // (issue 14). Set only for system_logs' row time, and in binary for years
  // 1 to 9999 (what parse_time reads back); readers of text otherwise reset
  // it. field_time() and append_field_text() read a field either way.
  std::optional<Time> time;
};
using Row = std::vector<Field>;

// A time field's value: `time` when read in binary, else its text parsed in
// `zone` (the column's, for a timestamp without time zone). None for a NULL
// or unreadable field.
std::optional<Time> field_time(const Field& field, const std::string& zone);
// Whether the field holds something: not NULL, not empty.
inline bool field_present(const Field& field) { return !field.null && (field.time || !field.text.empty()); }
// The field's text as PostgreSQL prints it, appended to `out`.
void append_field_text(std::string& out, const Field& field);

class RowStream {
 public:
  virtual ~RowStream() = default;
  // Fills `row` with the next row; false at the end.
  virtual bool next(Row& row) = 0;
};

// hidden: row-level security the role does not bypass, and no policy that
// lets it see any row: reading it would give zero rows and no error.
enum class TableState { ok, missing, unreadable, hidden };
const char* table_state_name(TableState state);

// The reason of a hidden table, and the note of a table whose rows a policy
// may filter: said wherever the table's coverage is.
extern const char* const k_hidden_by_rls;
extern const char* const k_filtered_by_rls;

// What a source found about one table, and what reading it gave.
struct TableInfo {
  TableId id = TableId::workers;
  std::string relation;                // the qualified name read, as the user spelled it
  TableState state = TableState::missing;
  std::string reason;                  // why missing, unreadable or hidden
  std::vector<std::string> unmapped;   // logical fields not found: read as NULL
  // Rows older than the lookback that the window still needs, read first:
  // workers alive in the window however long ago created; each orchestrator
  // source type's last log before the window however far back.
  std::string far_back_query;
  std::vector<std::string> notes;      // what every output says with the coverage (k_filtered_by_rls)
  std::string query;                   // the SQL that selects the window's rows
  std::string prelude_query;           // system_logs: each source's last row in the 2 hours before the window
  // Filled while reading.
  uint64_t rows = 0;                   // rows read
  uint64_t events = 0;                 // events inside the window
  uint64_t context_events = 0;         // events before the window (lookback), not shown
  uint64_t after_window = 0;           // events of read rows after the window, not shown
  uint64_t rejected = 0;               // rows that could not be placed on the timeline
  uint64_t bad_values = 0;             // secondary times that could not be read
  uint64_t duplicates = 0;             // rows whose key was already seen
  uint64_t null_time_rows = 0;         // rows with no row time: in no window, counted in rejected
  bool has_time = false;
  Time first{};
  Time last{};
  // system_logs: its oldest row, wherever the window is: before it, no
  // logs are kept (a retention job deletes them), which is not a silence.
  std::optional<Time> kept_since;
  std::vector<std::string> problems;   // the first few "key: what was wrong"
  void note_problem(const std::string& what);
  void count_null_time_rows(uint64_t n);
};

// What reading a table counted that a reader must be told, in words:
// "2 rows could not be placed on the timeline, 1 duplicate row skipped";
// empty when every row was placed. Every output says it this way.
std::string count_words(const TableInfo& t);

// What every output says of a table beside its counts: its notes (rows a
// row-level security policy may filter) and, for system_logs, that no logs
// are kept before its oldest row when that lies inside the window.
std::vector<std::string> coverage_notes(const TableInfo& t, const Window& window);

// The first instant of the window for which system_logs keeps rows: the
// window's start, or its oldest row when that is later (retention).
Time logs_kept_from(const std::vector<TableInfo>& tables, const Window& window);

class Source {
 public:
  virtual ~Source() = default;
  // One entry per table of k_all_tables, in that order: what the source
  // found. The read's counters are filled in a copy (read_events).
  virtual const std::vector<TableInfo>& tables() const = 0;
  // Streams the rows of an ok table for the window (and its lookback).
  // Only one stream may be open at a time.
  virtual std::unique_ptr<RowStream> open(TableId table) = 0;
  // Called after the last stream: the PostgreSQL source ends its
  // transaction here and reports a broken connection as an Error.
  virtual void finish() {}
  // Sorted: the source types whose system_logs lines in the window come
  // without their message and log level (the PostgreSQL source, for check:
  // a worker's lines are most of the bytes, and check quotes only the few it
  // keeps).
  virtual std::vector<std::string> withheld_message_types() const { return {}; }
  // Sorted: the source types whose system_logs lines in the window come
  // whole, but whose message, task_id and worker_id messages_of() can read
  // again (the PostgreSQL source, for report: the types check withholds).
  // The report keeps a source's last line of these without them while the
  // logs stream, and fetches them once the detectors are done: on a fleet's
  // day 3,000 workers' last messages and ids were 0.7 MB of its peak.
  virtual std::vector<std::string> refetchable_types() const { return {}; }
  // Called before finish(), in the same snapshot: the window's system_logs
  // rows with these keys, each row's key, time, message, task_id, worker_id
  // and log level (NULL: empty). The analysis matches them by key and time
  // (a key need not be unique).
  struct LogMessage {
    std::string key;
    Time time{};
    std::string message;
    std::string task_id;
    std::string worker_id;
    std::string level;
  };
  virtual std::vector<LogMessage> messages_of(const std::vector<std::string>& keys) {
    (void)keys;
    return {};
  }
  // Called by the command when reading failed with a source error, before
  // it reports it: a source that checks its data while it is read (a
  // snapshot hashing system_logs) throws its own error first when the data
  // was altered, so an altered file is said to be altered, whatever the
  // reading tripped on.
  virtual void check_after_failure() {}
};

// The earliest row time a table contributes for a window: since - lookback
// for the small tables (a worker created before the window may act inside
// it; workers still alive in the window come from further back, see
// alive_since); for system_logs, since - log_lookback, or the beginning of
// time when log_lookback is zero (no bound), for the last log of each
// orchestrator before the window (an orchestrator silent since before the
// window is still expected alive in it). The rest of system_logs starts at since.
Time read_from(TableId table, const Window& window, const Thresholds& thresholds);

// How far back the last log of every source (workers too) is looked for:
// two hours, or log_lookback when that is shorter. Beyond it only each
// orchestrator source type's last log is looked for.
constexpr Micros k_recent_log_lookback = std::chrono::hours(2);
Time recent_logs_from(const Window& window, const Thresholds& thresholds);

// Whether a worker created before the lookback is read: it has not ended
// (the earlier of terminated_at and error_time, when readable) before the
// window. Both sources apply it, so a snapshot read for a narrower window gives
// what the database gives for that window.
bool alive_since(const std::optional<Time>& terminated, const std::optional<Time>& error, Time since);

}  // namespace tlrecon
