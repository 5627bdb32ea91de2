#pragma once
// The report's timeline, the same in every format: the events that matter
// (ReportCollector::timeline), the first and last log of each source (so a
// gap's last log before the silence is always there), and every finding's
// evidence inside the window, once each, in timeline order. With --full,
// every event, read back from the collector's spool.
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "tlrecon/report.hpp"

namespace tlrecon {

struct TimelineRow {
  Evidence evidence;             // what every format shows
  const Event* event = nullptr;  // the whole event, when the collector kept it (JSON shows all its fields)
  std::shared_ptr<const Event> kept;  // what `event` points to
};

// The rows in timeline order, each made when it is read: a busy fleet's
// day has tens of thousands, and made all at once (an Evidence and an
// Event each) they took more memory than the detectors (issue 14).
class TimelineRows {
 public:
  TimelineRows(const Analysis& a, const ReportCollector& r);
  size_t size() const { return m_refs.size(); }
  bool empty() const { return m_refs.empty(); }
  TimelineRow operator[](size_t i) const;

  class Iterator {
   public:
    Iterator(const TimelineRows& rows, size_t i) : m_rows(&rows), m_i(i) {}
    TimelineRow operator*() const { return (*m_rows)[m_i]; }
    Iterator& operator++() {
      ++m_i;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return m_i != other.m_i; }

   private:
    const TimelineRows* m_rows;
    size_t m_i;
  };
  Iterator begin() const { return Iterator(*this, 0); }
  Iterator end() const { return Iterator(*this, m_refs.size()); }

 private:
  // Where a row comes from: an event the collector kept (serialized), a
  // worker's lifecycle event (rebuilt from its life), or a finding's
  // evidence; 24 bytes, as there are tens of thousands.
  enum class From : uint8_t { evidence, kept, life };
  struct Ref {
    Time time{};
    const void* from = nullptr;  // const Evidence*, const char* (kept), const ReportCollector::LifeEvent*
    uint8_t rank = 0;            // of its table
    From kind = From::evidence;
    uint32_t order = 0;          // in which it was added: of equal rows, the first is kept
    std::string_view type() const;
    std::string_view key() const;
  };
  std::vector<Ref> m_refs;
};

TimelineRows report_timeline_rows(const Analysis& a, const ReportCollector& r);

// With --full: each spooled event, in timeline order.
void for_each_spooled(const ReportCollector& r, const std::function<void(const Evidence&)>& each);

}  // namespace tlrecon
