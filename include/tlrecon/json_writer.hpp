#pragma once
// JSON written by hand on the hot path: one timeline event a line for
// millions of events, without building a JSON object per event. The bytes
// are those nlohmann::json's dump() writes for event_to_json() (with invalid
// UTF-8 replaced), which the golden tests hold it to.
#include <string>
#include <string_view>

#include "tlrecon/event.hpp"

namespace tlrecon {

// Appends text as a JSON string: quoted, escaped, invalid UTF-8 as U+FFFD.
void append_json_string(std::string& out, std::string_view text);

// Appends {"record":"event", ...event_to_json(e)...} without a newline.
void append_event_record(std::string& out, const Event& e);
// The same record written at `out`, which has room for
// event_record_bound(e) bytes; returns the end of what was written. For a
// writer that keeps its own buffer: growing a string to the bound zeroes
// it, which cost more instructions than the record (callgrind).
size_t event_record_bound(const Event& e);
char* write_event_record(char* out, const Event& e);

}  // namespace tlrecon
