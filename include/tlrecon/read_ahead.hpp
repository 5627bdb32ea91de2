#pragma once
// Rows read ahead on a second thread: the reading of a table (COPY decoding,
// CSV parsing) runs on one core while the caller decodes and analyses the
// rows on another. Both sources read system_logs through it when
// TLRECON_READ_AHEAD=1: on 2 cores shared with the PostgreSQL server (the
// bench) it was slower, the thread competing with the server and moving
// every row between cores (docs/scaling.md).
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tlrecon/source.hpp"

namespace tlrecon {

class ReadAhead : public RowStream {
 public:
  // `inner` is read on the thread only, from the first call of next() on:
  // whatever it touches (a connection) must not be used meanwhile by the
  // caller. Its errors are thrown by next(), in order, after the rows read
  // before them.
  explicit ReadAhead(std::unique_ptr<RowStream> inner);
  // Stops the thread: it ends once the row it is reading arrives.
  ~ReadAhead() override;
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;
  bool next(Row& row) override;

 private:
  using Batch = std::vector<Row>;
  void run();
  static constexpr size_t k_batch_rows = 256;
  static constexpr size_t k_batches_ahead = 4;
  std::unique_ptr<RowStream> m_inner;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Batch> m_full;
  std::vector<Batch> m_spare;
  Batch m_current;  // being handed out
  size_t m_pos = 0;
  bool m_ended = false;  // the thread read the last row, or failed
  bool m_stop = false;
  std::exception_ptr m_error;
  std::thread m_thread;
};

// `rows` read ahead when TLRECON_READ_AHEAD=1, else `rows` itself.
std::unique_ptr<RowStream> read_ahead_if_asked(std::unique_ptr<RowStream> rows);

}  // namespace tlrecon
