#include "tlrecon/source.hpp"

namespace tlrecon {

const char* const k_hidden_by_rls =
    "hidden by row-level security: connect as a role with BYPASSRLS, e.g. service_role";
const char* const k_filtered_by_rls = "rows may be filtered by row-level security";

const char* table_state_name(TableState state) {
  switch (state) {
    case TableState::ok: return "ok";
    case TableState::missing: return "missing";
    case TableState::unreadable: return "unreadable";
    case TableState::hidden: return "hidden";
  }
  return "?";
}

void TableInfo::note_problem(const std::string& what) {
  constexpr size_t k_max_problems = 5;
  if (problems.size() < k_max_problems) {
    problems.push_back(what);
  }
}

void TableInfo::count_null_time_rows(uint64_t n) {
  null_time_rows = n;
  if (n > 0) {
    rejected += n;
    note_problem(std::to_string(n) + " rows with no " + field_names(id)[time_field(id)] +
                 ": they belong to no window");
  }
}

Time read_from(TableId table, const Window& window, const Thresholds& thresholds) {
  return window.since - (table == TableId::system_logs ? thresholds.log_lookback : thresholds.lookback);
}

}  // namespace tlrecon
