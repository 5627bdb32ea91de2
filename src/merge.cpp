#include "tlrecon/merge.hpp"

#include <algorithm>

#include "tlrecon/error.hpp"

namespace tlrecon {

VectorStream::VectorStream(std::vector<Event> events) : m_events(std::move(events)) {
  std::sort(m_events.begin(), m_events.end(), event_before);
}

Event* VectorStream::next() {
  return m_pos == m_events.size() ? nullptr : &m_events[m_pos++];
}

DecodedStream::DecodedStream(std::unique_ptr<RowStream> rows, RowDecoder decoder)
    : m_rows(std::move(rows)), m_decoder(std::move(decoder)) {}

Event* DecodedStream::next() {
  while (m_pos == m_pending.size()) {
    // Events are decoded into the same slots again and again, so their
    // strings keep their capacity and a row costs no allocation.
    m_pos = 0;
    if (!m_rows->next(m_row)) {
      m_pending.clear();
      return nullptr;
    }
    m_decoder.decode_into(m_row, m_pending);
  }
  Event* e = &m_pending[m_pos++];
  // The merge is only right if every stream is in order; a hand-made
  // snapshot might not be. Refuse rather than print a wrong timeline.
  if (m_started && e->time < m_last) {
    throw source_error(std::string(origin_name(e->origin)) + ": rows are not in time order (row " + e->key +
                       " at " + format_utc(e->time) + " comes after " + format_utc(m_last) + ")");
  }
  m_started = true;
  m_last = e->time;
  return e;
}

namespace {

// std::push_heap builds a max-heap: "later" puts the earliest on top.
struct Later {
  template <class H>
  bool operator()(const H& a, const H& b) const {
    // Streams' heads mostly differ in time: decided without the key.
    if (a.event->time != b.event->time) {
      return b.event->time < a.event->time;
    }
    if (event_before(*b.event, *a.event)) {
      return true;
    }
    if (event_before(*a.event, *b.event)) {
      return false;
    }
    return a.stream > b.stream;
  }
};

}  // namespace

Merger::Merger(std::vector<std::unique_ptr<EventStream>> streams) : m_streams(std::move(streams)) {
  for (size_t i = 0; i < m_streams.size(); ++i) {
    if (Event* e = m_streams[i]->next()) {
      m_heap.push_back(Head{e, i});
      std::push_heap(m_heap.begin(), m_heap.end(), Later{});
    }
  }
}

Event* Merger::next() {
  // The stream handed out last may advance only now: its event was in use.
  if (m_last_stream != SIZE_MAX) {
    if (Event* e = m_streams[m_last_stream]->next()) {
      Head head{e, m_last_stream};
      // Mostly the same stream wins again (system_logs, run after run):
      // when its next event comes before every other stream's, it is handed
      // out without going through the heap. The order is the same total
      // order either way.
      if (m_heap.empty() || Later{}(m_heap.front(), head)) {
        return head.event;
      }
      m_heap.push_back(head);
      std::push_heap(m_heap.begin(), m_heap.end(), Later{});
    }
    m_last_stream = SIZE_MAX;
  }
  if (m_heap.empty()) {
    return nullptr;
  }
  std::pop_heap(m_heap.begin(), m_heap.end(), Later{});
  Head head = m_heap.back();
  m_heap.pop_back();
  m_last_stream = head.stream;
  return head.event;
}

}  // namespace tlrecon
