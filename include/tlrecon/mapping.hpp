#pragma once
// Where each table and column lives (SPEC §2), and the detectors' knobs.
// The defaults are the Supabase schema of a GPU-worker orchestrator and the
// decision tables of a workflow controller; a JSON mapping file overrides
// any of it. The format is documented in man/tlrecon.1 (MAPPING FILE).
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tlrecon/time.hpp"

namespace tlrecon {

// The order is the merge's tie-break for events at the same instant: a
// worker's creation sorts before the log line that reports it.
enum class TableId : int { workers, tasks, workflow_decisions, workflow_executions, system_logs };
constexpr int k_table_count = 5;
constexpr std::array<TableId, k_table_count> k_all_tables = {
    TableId::workers, TableId::tasks, TableId::workflow_decisions, TableId::workflow_executions,
    TableId::system_logs};

const char* table_name(TableId table);

// The logical fields of each table, in the order rows carry them.
namespace field {
enum Workers : int {
  w_id, w_instance_type, w_status, w_created_at, w_last_heartbeat, w_orchestrator_status,
  w_promoted_at, w_terminated_at, w_error_reason, w_error_time, w_runpod_id, w_count
};
enum Tasks : int {
  t_id, t_task_type, t_status, t_worker_id, t_created_at, t_updated_at, t_claimed_at,
  t_finished_at, t_attempts, t_error_message, t_count
};
enum Decisions : int {
  d_id, d_time, d_workflow, d_action, d_reason, d_priority, d_triggered_by, d_count
};
enum Executions : int {
  e_id, e_time, e_workflow, e_decision_id, e_status, e_duration, e_triggered, e_succeeded,
  e_failed, e_error_message, e_count
};
enum Logs : int {
  l_id, l_time, l_source_type, l_source_id, l_level, l_message, l_task_id, l_worker_id,
  l_cycle, l_count
};
}  // namespace field

// Names of the logical fields of a table, as in SPEC §2 ("promoted_to_active_at").
const std::vector<std::string>& field_names(TableId table);
// The field holding the row's primary key (always 0) and its time.
int key_field(TableId table);
int time_field(TableId table);

// Where one logical field is read from: a column, or a key of a json/jsonb
// column. An empty column means "not mapped": the field reads as NULL.
struct ColumnSpec {
  std::string column;
  std::string json_key;
  std::string zone;  // for timestamps stored without a zone; empty = UTC
};

struct TableMapping {
  std::string schema;  // empty: the connection's search_path
  std::string table;
  std::vector<ColumnSpec> columns;  // indexed by logical field
};

struct Thresholds {
  Micros gap_min = std::chrono::minutes(5);       // floor of the logging-gap threshold
  double gap_factor = 3.0;                        // times the source's p99 interval
  Micros grace = std::chrono::minutes(10);        // orphaned decision grace
  Micros burst_gap = std::chrono::minutes(2);     // creations closer than this are one burst
  Micros tolerance = std::chrono::minutes(2);     // how near a log must be to account for a burst
  Micros early_termination = std::chrono::minutes(2);
  Micros promotion_timeout = std::chrono::minutes(10);
  Micros heartbeat_stale = std::chrono::minutes(5);
  Micros lookback = std::chrono::hours(24);       // context read before the window
  // How far back to look for each orchestrator's last log before the window;
  // zero: no bound (JSON null), since an orchestrator is expected alive
  // however long ago it last logged (source.hpp, read_from).
  Micros log_lookback = Micros::zero();
  Micros trigger_window = std::chrono::minutes(5);  // an annotation this soon before a finding may be its trigger
  Micros handover = std::chrono::minutes(10);     // a new orchestrator instance this near the old one's end succeeds it
  Micros statement_timeout = std::chrono::seconds(60);
};

// One entry of the facts catalogue: a message pattern (RE2, named groups
// carry the values) and the fact it states ("scale_up", "startup" …; the
// list and each fact's groups are in catalogue.hpp and the man page).
struct FactPattern {
  std::string fact;
  std::string pattern;
};

struct Patterns {
  std::string orchestrator_source = "^orchestrator";  // source_type of orchestrators
  std::string worker_source = "^worker$";             // source_type of workers
  // Entries of the mapping file, tried before the built-in catalogue.
  std::vector<FactPattern> facts;
  bool default_facts = true;  // false: only the mapping's entries
  // The mapping format of before the catalogue, still accepted: each
  // becomes an entry (scale_up, startup) tried before the built-in ones.
  std::vector<std::string> scale_up;
  std::vector<std::string> startup;
  // Worker instance types the orchestrator neither creates nor promotes
  // (rows made by a heartbeat function for a user's own machine).
  std::vector<std::string> unmanaged_instance_types = {"external"};
};

struct Mapping {
  std::array<TableMapping, k_table_count> tables;
  Thresholds thresholds;
  Patterns patterns;

  const TableMapping& operator[](TableId t) const { return tables[static_cast<int>(t)]; }
  TableMapping& operator[](TableId t) { return tables[static_cast<int>(t)]; }
};

Mapping default_mapping();
// Applies a JSON document on top of `base`. `origin` names it in errors
// ("mapping file x.json"); every error is an Error with exit 2 naming the key.
void apply_mapping(Mapping& base, const nlohmann::json& doc, const std::string& origin);
// The text of a mapping file. Throws Error (exit 2) "cannot open mapping
// file 'x'", for the caller to say which option named it.
std::string read_mapping_file(const std::string& path);
// The defaults with a mapping file's text, read from `path`, applied. Errors
// name the file and the line or key at fault.
Mapping parse_mapping_file(const std::string& text, const std::string& path);
// Both: reads and applies a mapping file.
Mapping load_mapping(const std::string& path);
// The whole mapping as JSON, as it goes into a snapshot's manifest.
nlohmann::ordered_json mapping_to_json(const Mapping& mapping);

}  // namespace tlrecon
