#include "tlrecon/merge.hpp"

#include <algorithm>

#include "tlrecon/error.hpp"

namespace tlrecon {

VectorStream::VectorStream(std::vector<Event> events) : m_events(std::move(events)) {
  std::stable_sort(m_events.begin(), m_events.end(), event_before);
}

bool VectorStream::next(Event& e) {
  if (m_pos == m_events.size()) {
    return false;
  }
  e = std::move(m_events[m_pos++]);
  return true;
}

DecodedStream::DecodedStream(std::unique_ptr<RowStream> rows, RowDecoder decoder)
    : m_rows(std::move(rows)), m_decoder(std::move(decoder)) {}

bool DecodedStream::next(Event& e) {
  while (m_pos == m_pending.size()) {
    m_pending.clear();
    m_pos = 0;
    if (!m_rows->next(m_row)) {
      return false;
    }
    m_decoder.decode(m_row, m_pending);
  }
  e = std::move(m_pending[m_pos++]);
  // The merge is only right if every stream is in order; a hand-made
  // snapshot might not be. Refuse rather than print a wrong timeline.
  if (m_started && e.time < m_last) {
    throw source_error(std::string(origin_name(e.origin)) + ": rows are not in time order (row " + e.key +
                       " at " + format_utc(e.time) + " comes after " + format_utc(m_last) + ")");
  }
  m_started = true;
  m_last = e.time;
  return true;
}

namespace {

// std::push_heap builds a max-heap: "greater" puts the earliest on top.
struct Later {
  template <class H>
  bool operator()(const H& a, const H& b) const {
    if (event_before(b.event, a.event)) {
      return true;
    }
    if (event_before(a.event, b.event)) {
      return false;
    }
    return a.stream > b.stream;
  }
};

}  // namespace

Merger::Merger(std::vector<std::unique_ptr<EventStream>> streams) : m_streams(std::move(streams)) {
  for (size_t i = 0; i < m_streams.size(); ++i) {
    refill(i);
  }
}

void Merger::refill(size_t stream) {
  Head head{Event{}, stream};
  if (m_streams[stream]->next(head.event)) {
    m_heap.push_back(std::move(head));
    std::push_heap(m_heap.begin(), m_heap.end(), Later{});
  }
}

bool Merger::next(Event& e) {
  if (m_heap.empty()) {
    return false;
  }
  std::pop_heap(m_heap.begin(), m_heap.end(), Later{});
  e = std::move(m_heap.back().event);
  size_t stream = m_heap.back().stream;
  m_heap.pop_back();
  refill(stream);
  return true;
}

}  // namespace tlrecon
