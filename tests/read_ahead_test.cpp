#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "tlrecon/error.hpp"
#include "tlrecon/read_ahead.hpp"

using namespace tlrecon;

TEST_SUITE_BEGIN("read_ahead");

namespace {

// Rows "0", "1", … up to `count`, then the end or an error.
class Counting : public RowStream {
 public:
  Counting(int count, bool fail, std::atomic<int>* read = nullptr) : m_count(count), m_fail(fail), m_read(read) {}
  bool next(Row& row) override {
    if (m_next == m_count) {
      if (m_fail) {
        throw source_error("broken after " + std::to_string(m_count) + " rows");
      }
      return false;
    }
    row.resize(1);
    row[0].null = false;
    row[0].text = std::to_string(m_next++);
    if (m_read != nullptr) {
      ++*m_read;
    }
    return true;
  }

 private:
  int m_count;
  bool m_fail;
  std::atomic<int>* m_read;
  int m_next = 0;
};

}  // namespace

TEST_CASE("ReadAhead: every row, in order, then the end") {
  for (int count : {0, 1, 255, 256, 257, 5000}) {
    ReadAhead rows(std::make_unique<Counting>(count, false));
    Row row;
    int n = 0;
    while (rows.next(row)) {
      REQUIRE(row.size() == 1);
      CHECK(row[0].text == std::to_string(n));
      ++n;
    }
    CHECK(n == count);
    CHECK_FALSE(rows.next(row));  // and stays ended
  }
}

TEST_CASE("ReadAhead: an error comes after the rows read before it") {
  ReadAhead rows(std::make_unique<Counting>(1000, true));
  Row row;
  int n = 0;
  try {
    while (rows.next(row)) {
      CHECK(row[0].text == std::to_string(n));
      ++n;
    }
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "broken after 1000 rows");
    CHECK(e.exit_code() == k_exit_source);
  }
  CHECK(n == 1000);
}

TEST_CASE("ReadAhead: reads a bounded way ahead, and stops when dropped") {
  std::atomic<int> read{0};
  {
    ReadAhead rows(std::make_unique<Counting>(1'000'000, false, &read));
    Row row;
    REQUIRE(rows.next(row));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // A few batches ahead, not the whole stream.
    CHECK(read.load() < 5000);
  }
  CHECK(read.load() < 5000);
}

TEST_SUITE_END();
