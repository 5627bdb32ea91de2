#pragma once
// `tlrecon timeline` output: every event, merged and time-ordered, written
// as it arrives. text is aligned for people; jsonl is one JSON object a
// line (a header record, the events, an end record with the counts); csv is
// what Timesketch imports as is (datetime, timestamp_desc, message, then ours).
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tlrecon/event.hpp"
#include "tlrecon/source.hpp"

namespace tlrecon {

enum class TimelineFormat { text, jsonl, csv };

struct TimelineOptions {
  TimelineFormat format = TimelineFormat::text;
  std::string tz;     // text only: local time beside UTC
  bool wide = false;  // text only: full dates, event names and actors on every line
};

class TimelineWriter {
 public:
  virtual ~TimelineWriter() = default;
  virtual void header(const Window& window) = 0;
  virtual void event(const Event& e) = 0;
  virtual void trailer(const Window& window, const std::vector<TableInfo>& tables) = 0;
  // Instead of the trailer, when reading failed or was interrupted: the
  // output says it is not complete.
  virtual void incomplete(const std::string& why) = 0;
};

std::unique_ptr<TimelineWriter> make_timeline_writer(const TimelineOptions& options, std::ostream& out);

// An event as JSON (UTC times, fields present only when set); shared with
// the report's evidence.
nlohmann::ordered_json event_to_json(const Event& e);
// A table's coverage as JSON: {table, relation, status, rows, …}.
nlohmann::ordered_json table_to_json(const TableInfo& info, const Window& window);

// The text timeline's short names, for 80 columns: an event type in at most
// 11 characters, an actor in at most `width` (the middle elided, so the same
// actor is always shortened the same way and its distinct tail is kept).
const char* short_event_name(EventType type);
std::string short_actor(const std::string& actor, size_t width);

// "12:35:31.412" style time with milliseconds, UTC.
std::string format_event_time(Time t);

}  // namespace tlrecon
