#pragma once
// Counts per bucket (0-255), holding only the buckets that have any, four
// bytes each: logging_gap keeps one for the cadence of every log source,
// and a source's intervals fill a few dozen of the 256 buckets (issue 14:
// 256 counters for each of 2,942 sources were 3 MB).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace tlrecon {

class BucketCounts {
 public:
  void add(uint8_t bucket) {
    auto it = std::lower_bound(m_entries.begin(), m_entries.end(), bucket,
                               [](uint32_t entry, uint8_t b) { return (entry >> k_shift) < b; });
    // A bucket whose count is full goes on in the entry after it.
    while (it != m_entries.end() && (*it >> k_shift) == bucket && (*it & k_max) == k_max) {
      ++it;
    }
    if (it != m_entries.end() && (*it >> k_shift) == bucket) {
      ++*it;
    } else {
      m_entries.insert(it, (uint32_t(bucket) << k_shift) | 1);
    }
  }
  // The bucket of the item of this rank (0-based) when the items are taken
  // in bucket order; none past the last.
  std::optional<uint8_t> bucket_of_rank(uint64_t rank) const {
    uint64_t seen = 0;
    for (uint32_t entry : m_entries) {
      seen += entry & k_max;
      if (seen > rank) {
        return static_cast<uint8_t>(entry >> k_shift);
      }
    }
    return std::nullopt;
  }
  size_t entries() const { return m_entries.size(); }

 private:
  static constexpr int k_shift = 24;
  static constexpr uint32_t k_max = (uint32_t(1) << k_shift) - 1;
  std::vector<uint32_t> m_entries;  // bucket << 24 | count, in bucket order
};

}  // namespace tlrecon
