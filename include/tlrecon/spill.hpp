#pragma once
// Events of the small tables (workers, tasks, decisions, executions), all
// four through one sorter and one budget, put in timeline order in bounded
// memory. A row becomes events at several times
// (a task is queued, claimed and finished hours apart), so these tables
// cannot be streamed in the order they are read; and all of them must be
// read before system_logs starts streaming (one stream at a time). Events
// are held in memory up to a budget; beyond it they are sorted and written
// as runs to one unlinked temporary file in $TMPDIR (or /tmp), and read back
// merged. A few thousand tasks (about 20,000 events) fit in the default
// budget without touching the disk.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tlrecon/event.hpp"
#include "tlrecon/merge.hpp"

namespace tlrecon {

// A new temporary file in $TMPDIR (or /tmp), already unlinked: it goes
// away with the process however that ends. Throws an internal Error naming
// `purpose` when it cannot be made.
int open_temporary_file(const std::string& purpose);
// All of [p, p + n) written to / read at `offset` from such a file; when
// that fails, an internal Error: `failure`, where and why (and, writing,
// that TMPDIR may name a directory with room).
void write_all(int fd, const char* p, size_t n, const std::string& failure);
void read_all_at(int fd, char* p, size_t n, uint64_t offset, const std::string& failure);

// An event serialized as the sorter holds it, appended to `out`; parsed
// back whole, or read in place: its time, table, type and key.
void serialize_event(const Event& e, std::vector<char>& out);
void parse_event(const char* p, Event& e);
Time serialized_time(const char* p);
Origin serialized_origin(const char* p);
EventType serialized_type(const char* p);
std::string_view serialized_key(const char* p);

class SpillSorter {
 public:
  // `budget`: bytes of events held in memory before a run is written; by
  // default $TLRECON_SORT_MEMORY (bytes), else 4 MiB.
  explicit SpillSorter(size_t budget = default_budget());
  ~SpillSorter();
  SpillSorter(const SpillSorter&) = delete;
  SpillSorter& operator=(const SpillSorter&) = delete;

  void add(const Event& e);
  // Every event added, in the order of event_before(). Call once.
  std::unique_ptr<EventStream> sorted();
  // Runs written to the temporary file so far (0 when all fit in memory).
  size_t runs() const { return m_runs.size(); }

  static size_t default_budget();

 private:
  struct Run {
    uint64_t offset;
    uint64_t bytes;
  };
  struct Record {
    uint64_t offset;  // in m_arena
    uint32_t bytes;
  };
  void sort_records();
  void write_run();

  size_t m_budget;
  // Events are held serialized, one after the other, in one buffer that is
  // reused for every run: no per-event allocation, nothing to fragment.
  std::vector<char> m_arena;
  std::vector<Record> m_records;
  std::vector<char> m_out;    // what write_run() writes, in pieces
  std::shared_ptr<int> m_fd;  // the temporary file, closed by the last reader
  uint64_t m_end = 0;
  std::vector<Run> m_runs;
};

}  // namespace tlrecon
