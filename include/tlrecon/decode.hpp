#pragma once
// Turns rows into events: a worker row into created / promoted / error /
// terminated / last-heartbeat events, a task row into queued / claimed /
// finished, and so on. A row whose own time cannot be read is rejected and
// counted; a secondary time that cannot be read is counted as a bad value.
#include <cstdint>
#include <string>
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
  // The same, reusing the events already in `slots` (their strings keep
  // their capacity): afterwards slots holds exactly the row's events. A log
  // row's strings are moved into its event, not copied: `row` is left
  // holding the slot's old buffers, emptied, for the next read to fill.
  void decode_into(Row& row, std::vector<Event>& slots);

 private:
  // The row's own time when the row is to be decoded; counts what it skips.
  std::optional<Time> accept(const Row& row);
  // A worker created before the read range is still read while alive in the window.
  bool still_alive(const Row& row) const;
  std::optional<Time> time_of(const Row& row, int field, bool row_time);
  // Marks the event inside, before or after the window, and counts it.
  void place(Event& e);
  // Appends `e` as an event of `type` at `time`, placed; the caller fills in
  // what only that event has.
  Event& emit(Event e, EventType type, Time time, std::vector<Event>& out);
  // What every event of the row has: its table and key.
  Event row_event(const Row& row) const;
  // One per table: the events a row of it gives, in the order of EventType.
  void decode_worker(const Row& row, Time created, std::vector<Event>& out);
  void decode_task(const Row& row, Time queued, std::vector<Event>& out);
  void decode_decision(const Row& row, Time time, std::vector<Event>& out);
  void decode_execution(const Row& row, Time started, std::vector<Event>& out);
  void fill_log(Row& row, Time time, Event& e);

  TableId m_table;
  const TableMapping& m_mapping;
  Window m_window;
  Time m_read_from;
  TableInfo& m_info;
  // Small tables: a 64-bit hash of every key seen, not the keys (a day's
  // tasks would cost megabytes), in an open-addressing table of 8-byte
  // slots. Two keys sharing a hash (odds about n²/2^65: 1e-10 at 50,000
  // tasks) would count the second as a duplicate.
  class KeyHashes {
   public:
    // False when the hash was there already.
    bool insert(uint64_t hash);

   private:
    std::vector<uint64_t> m_slots;  // 0: empty; a hash of 0 is stored as 1
    size_t m_size = 0;
  };
  KeyHashes m_keys;
  std::string m_last_key;                  // system_logs: keys arrive sorted by (time, key)
  Time m_last_time{};
};

}  // namespace tlrecon
