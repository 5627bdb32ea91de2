#include "tlrecon/source.hpp"

#include <algorithm>

#include "tlrecon/copy_binary.hpp"

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

namespace {

std::string count_of(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::optional<Time> field_time(const Field& field, const std::string& zone) {
  if (field.null) {
    return std::nullopt;
  }
  if (field.time) {
    return field.time;
  }
  return parse_time(field.text, zone);
}

void append_field_text(std::string& out, const Field& field) {
  if (field.time) {
    append_pg_timestamp(out, pg_micros(*field.time), true);
  } else {
    out += field.text;
  }
}

std::string count_words(const TableInfo& t) {
  std::string out;
  auto add = [&](uint64_t n, const char* one, const char* many) {
    if (n > 0) {
      out += (out.empty() ? "" : ", ") + count_of(n, one, many);
    }
  };
  add(t.rejected, "row could not be placed on the timeline", "rows could not be placed on the timeline");
  add(t.duplicates, "duplicate row skipped", "duplicate rows skipped");
  add(t.bad_values, "unreadable time", "unreadable times");
  return out;
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

std::vector<std::string> coverage_notes(const TableInfo& t, const Window& window) {
  std::vector<std::string> out = t.notes;
  if (t.id == TableId::system_logs && t.kept_since && *t.kept_since > window.since) {
    out.push_back("no logs kept before " + format_utc(*t.kept_since) + " (its oldest row: retention)");
  }
  return out;
}

Time logs_kept_from(const std::vector<TableInfo>& tables, const Window& window) {
  const TableInfo& logs = tables[static_cast<int>(TableId::system_logs)];
  return logs.kept_since && *logs.kept_since > window.since ? *logs.kept_since : window.since;
}

Time read_from(TableId table, const Window& window, const Thresholds& thresholds) {
  if (table != TableId::system_logs) {
    return window.since - thresholds.lookback;
  }
  if (thresholds.log_lookback.count() == 0) {
    return Time::min();
  }
  return window.since - thresholds.log_lookback;
}

Time recent_logs_from(const Window& window, const Thresholds& thresholds) {
  Micros back = k_recent_log_lookback;
  if (thresholds.log_lookback.count() > 0) {
    back = std::min(back, thresholds.log_lookback);
  }
  return window.since - back;
}

bool alive_since(const std::optional<Time>& terminated, const std::optional<Time>& error, Time since) {
  return !(terminated && *terminated < since) && !(error && *error < since);
}

}  // namespace tlrecon
