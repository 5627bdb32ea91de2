#include "tlrecon/read_ahead.hpp"

#include <cstdlib>
#include <string>

namespace tlrecon {

ReadAhead::ReadAhead(std::unique_ptr<RowStream> inner) : m_inner(std::move(inner)) {}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void ReadAhead::run() {
  Batch batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(m_mutex);
      m_changed.wait(lock, [&] { return m_stop || m_full.size() < k_batches_ahead; });
      if (m_stop) {
        return;
      }
      if (!m_spare.empty()) {
        batch = std::move(m_spare.back());
        m_spare.pop_back();
      }
    }
    // The rows of a spare batch keep their strings' capacity.
    size_t n = 0;
    bool more = true;
    std::exception_ptr error;
    try {
      for (; n < k_batch_rows; ++n) {
        if (n == batch.size()) {
          batch.emplace_back();
        }
        if (!m_inner->next(batch[n])) {
          more = false;
          break;
        }
      }
    } catch (...) {
      error = std::current_exception();
      more = false;
    }
    batch.resize(n);
    std::lock_guard<std::mutex> lock(m_mutex);
    if (n > 0) {
      m_full.push_back(std::move(batch));
      batch = {};
    }
    if (!more) {
      m_error = error;
      m_ended = true;
      m_changed.notify_all();
      return;
    }
    m_changed.notify_all();
  }
}

bool ReadAhead::next(Row& row) {
  if (m_pos < m_current.size()) {
    std::swap(row, m_current[m_pos++]);
    return true;
  }
  if (!m_thread.joinable()) {
    m_thread = std::thread([this] { run(); });
  }
  std::unique_lock<std::mutex> lock(m_mutex);
  if (!m_current.empty()) {
    m_spare.push_back(std::move(m_current));
    m_current = {};
  }
  m_changed.wait(lock, [&] { return !m_full.empty() || m_ended; });
  if (m_full.empty()) {
    if (m_error) {
      std::exception_ptr error = m_error;
      m_error = nullptr;
      std::rethrow_exception(error);
    }
    return false;
  }
  m_current = std::move(m_full.front());
  m_full.pop_front();
  m_changed.notify_all();
  lock.unlock();
  m_pos = 0;
  std::swap(row, m_current[m_pos++]);
  return true;
}

std::unique_ptr<RowStream> read_ahead_if_asked(std::unique_ptr<RowStream> rows) {
  const char* asked = std::getenv("TLRECON_READ_AHEAD");
  if (asked != nullptr && std::string(asked) == "1") {
    return std::make_unique<ReadAhead>(std::move(rows));
  }
  return rows;
}

}  // namespace tlrecon
