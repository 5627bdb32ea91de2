#pragma once
// The k-way merge: per-table streams, each already in timeline order, become
// one stream in the order of event_before(). Ties between streams go to the
// stream given first, which is why the streams are given in table order.
// Events are never copied on the way: each stream owns its current event and
// hands out a pointer to it, valid until its next call.
#include <memory>
#include <vector>

#include "tlrecon/decode.hpp"
#include "tlrecon/event.hpp"
#include "tlrecon/source.hpp"

namespace tlrecon {

class EventStream {
 public:
  virtual ~EventStream() = default;
  // The next event, or nullptr at the end. The pointer stays valid until the
  // next call, and the event is the caller's until then: it may take the
  // event's strings (analyze moves a log line's into its source's entry), as the stream
  // fills the event anew.
  virtual Event* next() = 0;
};

// A few events held in memory (annotations), sorted on construction. The
// small tables, which can be large, go through SpillSorter (spill.hpp).
class VectorStream : public EventStream {
 public:
  explicit VectorStream(std::vector<Event> events);
  Event* next() override;

 private:
  std::vector<Event> m_events;
  size_t m_pos = 0;
};

// Rows decoded into events as they are read: the path of system_logs, whose
// rows arrive from the source already in time order.
class DecodedStream : public EventStream {
 public:
  DecodedStream(std::unique_ptr<RowStream> rows, RowDecoder decoder);
  Event* next() override;

 private:
  std::unique_ptr<RowStream> m_rows;
  RowDecoder m_decoder;
  Row m_row;
  std::vector<Event> m_pending;
  size_t m_pos = 0;
  bool m_started = false;
  Time m_last{};
};

class Merger : public EventStream {
 public:
  explicit Merger(std::vector<std::unique_ptr<EventStream>> streams);
  Event* next() override;

 private:
  struct Head {
    Event* event;
    size_t stream;
  };
  std::vector<std::unique_ptr<EventStream>> m_streams;
  std::vector<Head> m_heap;
  size_t m_last_stream = SIZE_MAX;  // the stream whose event was handed out last
};

}  // namespace tlrecon
