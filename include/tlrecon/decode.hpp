#pragma once
// Turns rows into events: a worker row into created / promoted / error /
// terminated / last-heartbeat events, a task row into queued / claimed /
// finished, and so on. A row whose own time cannot be read is rejected and
// counted; a secondary time that cannot be read is counted as a bad value.
#include <string>
#include <unordered_set>
#include <vector>

#include "tlrecon/event.hpp"
#include "tlrecon/source.hpp"

namespace tlrecon {

class RowDecoder {
 public:
  RowDecoder(TableId table, const Mapping& mapping, const Window& window, TableInfo& info);
  // Appends the row's events to `out`, each marked inside, before or after
  // the window. Rows outside the table's read range are skipped: the
  // PostgreSQL source never sends them, a snapshot may hold them.
  void decode(const Row& row, std::vector<Event>& out);

 private:
  std::optional<Time> time_of(const Row& row, int field, bool row_time);
  void emit(Event&& e, std::vector<Event>& out);

  TableId m_table;
  const TableMapping& m_mapping;
  Window m_window;
  Time m_read_from;
  TableInfo& m_info;
  std::unordered_set<std::string> m_keys;  // small tables: every key seen
  std::string m_last_key;                  // system_logs: keys arrive sorted by (time, key)
  Time m_last_time{};
};

}  // namespace tlrecon
