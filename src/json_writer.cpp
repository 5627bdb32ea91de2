#include "tlrecon/json_writer.hpp"

#include "tlrecon/text.hpp"

namespace tlrecon {

void append_json_string(std::string& out, std::string_view s) {
  static const char* k_hex = "0123456789abcdef";
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs nothing done in one go.
    size_t run = i;
    while (run < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
        break;
      }
      ++run;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) {
      break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\xef\xbf\xbd";
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += k_hex[c >> 4];
        out += k_hex[c & 15];
    }
    ++i;
  }
  out += '"';
}

namespace {

void put(std::string& out, const char* name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  append_json_string(out, value);
}

void optional_field(std::string& out, const char* name, const std::string& value) {
  if (!value.empty()) {
    put(out, name, value);
  }
}

}  // namespace

void append_event_record(std::string& out, const Event& e) {
  out += "{\"record\":\"event\"";
  put(out, "time", format_utc(e.time));
  put(out, "type", event_type_name(e.type));
  put(out, "table", origin_name(e.origin));
  put(out, "key", e.key);
  put(out, "actor", actor_of(e));
  put(out, "summary", summary_of(e));
  optional_field(out, "source_type", e.source_type);
  optional_field(out, "source_id", e.source_id);
  optional_field(out, "worker_id", e.worker_id);
  optional_field(out, "task_id", e.task_id);
  optional_field(out, "decision_id", e.decision_id);
  optional_field(out, "name", e.name);
  optional_field(out, "status", e.status);
  optional_field(out, "message", e.message);
  optional_field(out, "detail", e.detail);
  if (e.cycle) {
    out += ",\"cycle\":" + std::to_string(*e.cycle);
  }
  out += '}';
}

}  // namespace tlrecon
