#pragma once
// The report's timeline, the same in every format: the events that matter
// (ReportCollector::for_each_kept), the first and last log of each source (so a
// gap's last log before the silence is always there), and every finding's
// evidence inside the window, once each, in timeline order. With --full,
// every event, read back from the collector's spool.
#include <cstdint>
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
// Event each) they took more memory than the detectors (issue 14). The
// events the collector kept are read from its file when they are made.
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
  // Where a row comes from: an event the collector kept (in its file), a
  // worker's lifecycle event (rebuilt from its life), a source's last log
  // (rebuilt from its entry) or a finding's evidence; 24 bytes, as there
  // are tens of thousands.
  enum class From : uint8_t { evidence, kept, life, last };
  struct Ref {
    Time time{};
    // kept: where in the collector's file; else the address of an Evidence,
    // a WorkerLife or a LogSource.
    uint64_t from = 0;
    uint32_t order = 0;  // in which it was added: of equal rows, the first is kept
    uint8_t rank = 0;    // of its table
    From kind = From::evidence;
    EventType type{};    // kept, life: its type
  };
  static_assert(sizeof(Ref) == 24, "tens of thousands of rows: keep a Ref 24 bytes");
  std::string_view type_of(const Ref& ref) const;
  // Read into `buffer` when the collector's file holds it.
  std::string_view key_of(const Ref& ref, std::vector<char>& buffer) const;
  template <class T>
  static const T* address(const Ref& ref) {
    return reinterpret_cast<const T*>(static_cast<uintptr_t>(ref.from));
  }
  template <class T>
  static uint64_t from(const T* p) {
    return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p));
  }
  const ReportCollector* m_collector;
  std::vector<Ref> m_refs;
};

TimelineRows report_timeline_rows(const Analysis& a, const ReportCollector& r);

// With --full: each spooled event, in timeline order.
void for_each_spooled(const ReportCollector& r, const std::function<void(const Evidence&)>& each);

}  // namespace tlrecon
