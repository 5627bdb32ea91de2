#pragma once
// Counts per bucket (0-255), holding only the buckets that have any, two
// bytes an entry: logging_gap keeps one for the cadence of every log
// source, and a worker's intervals fill about a hundred of the 256 buckets
// with small counts (issue 14: 256 four-byte counters for each of 2,942
// sources were 3 MB; four-byte entries 1.25 MB).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "tlrecon/time.hpp"

namespace tlrecon {

// The cadence of a log source is counted in buckets 10% wide: bucket 0 holds
// intervals up to 1 ms, bucket b ≥ 1 those of 1.1^(b-1) to 1.1^b ms, the last
// everything longer.
constexpr int k_cadence_buckets = 256;
constexpr double k_cadence_ratio = 1.1;

// The definition: 1 + floor(log_1.1(ms)).
inline int cadence_bucket_exact(Micros interval) {
  double ms = static_cast<double>(interval.count()) / 1000.0;
  if (ms <= 1.0) {
    return 0;
  }
  int b = 1 + static_cast<int>(std::log(ms) / std::log(k_cadence_ratio));
  return b >= k_cadence_buckets ? k_cadence_buckets - 1 : b;
}

// The same, from tables computed once with the definition: the least
// interval of each bucket, and the bucket of each sixteenth of a power of
// two, which no bucket boundary crosses twice (17/16 < 1.1). std::log once
// a log line was 2% of check's time.
inline int cadence_bucket(Micros interval) {
  struct Tables {
    std::array<int64_t, k_cadence_buckets> least{};
    std::array<uint8_t, 64 * 16> cell{};
    Tables() {
      for (int b = 1; b < k_cadence_buckets; ++b) {
        int64_t lo = 1001;  // the least interval past 1 ms
        int64_t hi = INT64_MAX / 2;
        while (lo < hi) {
          int64_t mid = lo + (hi - lo) / 2;
          if (cadence_bucket_exact(Micros(mid)) >= b) {
            hi = mid;
          } else {
            lo = mid + 1;
          }
        }
        least[b] = lo;
      }
      for (int e = 10; e < 63; ++e) {
        for (int m = 0; m < 16; ++m) {
          cell[e * 16 + m] = static_cast<uint8_t>(cadence_bucket_exact(Micros((int64_t{16} + m) << (e - 4))));
        }
      }
    }
  };
  static const Tables t;
  int64_t us = interval.count();
  if (us <= 1000) {
    return 0;
  }
  int e = 63 - __builtin_clzll(static_cast<uint64_t>(us));  // 9 or more
  int b = e < 10 ? 0 : t.cell[e * 16 + ((us >> (e - 4)) & 15)];
  while (b + 1 < k_cadence_buckets && t.least[b + 1] <= us) {
    ++b;
  }
  return b;
}

// The longest interval bucket b counts.
inline Micros cadence_bucket_upper(int b) {
  return Micros(static_cast<long long>(1000.0 * std::pow(k_cadence_ratio, b)));
}

class BucketCounts {
 public:
  void add(uint8_t bucket) {
    // A bucket's count runs over entries of its own, all full but the last.
    auto after = m_entries.begin() + static_cast<std::ptrdiff_t>(entries_up_to(bucket));
    if (after != m_entries.begin()) {
      uint16_t& last = *(after - 1);
      if ((last >> 8) == bucket && (last & k_max) != k_max) {
        ++last;
        return;
      }
    }
    if (m_entries.size() == m_entries.capacity()) {
      // Grown by a quarter, not doubled: 2,942 sources a day of about a
      // hundred entries each kept a quarter of their room empty.
      size_t at = static_cast<size_t>(after - m_entries.begin());
      m_entries.reserve(m_entries.size() + m_entries.size() / 4 + 4);
      after = m_entries.begin() + static_cast<std::ptrdiff_t>(at);
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
  // How many entries hold buckets up to `bucket` (std::upper_bound), by a
  // binary search without branches: the cadence's intervals fall in
  // unpredictable buckets, and std::upper_bound's mispredicted branches were
  // most of logging_gap's time per line.
  size_t entries_up_to(uint8_t bucket) const {
    const uint16_t* base = m_entries.data();
    size_t n = m_entries.size();
    if (n == 0) {
      return 0;
    }
    while (n > 1) {
      size_t half = n / 2;
      base = (base[half] >> 8) <= bucket ? base + half : base;
      n -= half;
    }
    return static_cast<size_t>(base - m_entries.data()) + ((base[0] >> 8) <= bucket ? 1 : 0);
  }

  static constexpr uint16_t k_max = 0xff;
  std::vector<uint16_t> m_entries;  // bucket << 8 | count, in bucket order
};

}  // namespace tlrecon
