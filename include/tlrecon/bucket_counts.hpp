#pragma once
// Counts per bucket (0-255), holding only the buckets that have any, two
// bytes an entry: logging_gap keeps one for the cadence of every log
// source, and a worker's intervals fill about a hundred of the 256 buckets
// with small counts (issue 14: 256 four-byte counters for each of 2,942
// sources were 3 MB; four-byte entries 1.25 MB).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace tlrecon {

class BucketCounts {
 public:
  void add(uint8_t bucket) {
    // A bucket's count runs over entries of its own, all full but the last.
    auto after = std::upper_bound(m_entries.begin(), m_entries.end(), bucket,
                                  [](uint8_t b, uint16_t entry) { return b < (entry >> 8); });
    if (after != m_entries.begin()) {
      uint16_t& last = *(after - 1);
      if ((last >> 8) == bucket && (last & k_max) != k_max) {
        ++last;
        return;
      }
    }
    m_entries.insert(after, static_cast<uint16_t>((bucket << 8) | 1));
  }
  // The bucket of the item of this rank (0-based) when the items are taken
  // in bucket order; none past the last.
  std::optional<uint8_t> bucket_of_rank(uint64_t rank) const {
    uint64_t seen = 0;
    for (uint16_t entry : m_entries) {
      seen += entry & k_max;
      if (seen > rank) {
        return static_cast<uint8_t>(entry >> 8);
      }
    }
    return std::nullopt;
  }
  size_t entries() const { return m_entries.size(); }

 private:
  static constexpr uint16_t k_max = 0xff;
  std::vector<uint16_t> m_entries;  // bucket << 8 | count, in bucket order
};

}  // namespace tlrecon
