#include "tlrecon/source.hpp"

namespace tlrecon {

const char* table_state_name(TableState state) {
  switch (state) {
    case TableState::ok: return "ok";
    case TableState::missing: return "missing";
    case TableState::unreadable: return "unreadable";
  }
  return "?";
}

void TableInfo::note_problem(const std::string& what) {
  constexpr size_t k_max_problems = 5;
  if (problems.size() < k_max_problems) {
    problems.push_back(what);
  }
}

Time read_from(TableId table, const Window& window, const Thresholds& thresholds) {
  return table == TableId::system_logs ? window.since : window.since - thresholds.lookback;
}

}  // namespace tlrecon
