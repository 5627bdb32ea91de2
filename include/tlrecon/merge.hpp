#pragma once
// The k-way merge: per-table streams, each already in timeline order, become
// one stream in the order of event_before(). Ties between streams go to the
// stream given first, which is why the streams are given in table order.
#include <memory>
#include <vector>

#include "tlrecon/decode.hpp"
#include "tlrecon/event.hpp"
#include "tlrecon/source.hpp"

namespace tlrecon {

class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual bool next(Event& e) = 0;
};

// Events held in memory, sorted on construction.
class VectorStream : public EventStream {
 public:
  explicit VectorStream(std::vector<Event> events);
  bool next(Event& e) override;

 private:
  std::vector<Event> m_events;
  size_t m_pos = 0;
};

// Rows decoded into events as they are read: the path of system_logs, whose
// rows arrive from the source already in time order.
class DecodedStream : public EventStream {
 public:
  DecodedStream(std::unique_ptr<RowStream> rows, RowDecoder decoder);
  bool next(Event& e) override;

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
  bool next(Event& e) override;

 private:
  struct Head {
    Event event;
    size_t stream;
  };
  void refill(size_t stream);
  std::vector<std::unique_ptr<EventStream>> m_streams;
  std::vector<Head> m_heap;
};

}  // namespace tlrecon
