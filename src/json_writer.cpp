#include "tlrecon/json_writer.hpp"

#include "tlrecon/text.hpp"

namespace tlrecon {

namespace {

// Bytes that a JSON string cannot hold as they are: controls, '"', '\\',
// and every byte of a multi-byte UTF-8 sequence (checked, then copied).
struct Special {
  bool table[256] = {};
  constexpr Special() {
    for (int c = 0; c < 256; ++c) {
      table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
    }
  }
};
constexpr Special k_special;

// The escaped characters of s, without quotes. Escaping two strings with an
// ASCII character between them gives the bytes of escaping the three
// joined: an ASCII byte never completes or continues a UTF-8 sequence.
void append_json_chars(std::string& out, std::string_view s) {
  static const char* k_hex = "0123456789abcdef";
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs nothing done in one go.
    size_t run = i;
    while (run < s.size() && !k_special.table[static_cast<unsigned char>(s[run])]) {
      ++run;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) {
      break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      i += append_utf8_or_replacement(out, s, i);
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
}

// `key` is the whole ,"name": prefix, so a field costs one append for it.
void put(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += '"';
  append_json_chars(out, value);
  out += '"';
}

void optional_field(std::string& out, std::string_view key, const std::string& value) {
  if (!value.empty()) {
    put(out, key, value);
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_chars(out, s);
  out += '"';
}

void append_event_record(std::string& out, const Event& e) {
  out += "{\"record\":\"event\",\"time\":\"";
  append_utc(out, e.time);
  out += '"';
  put(out, ",\"type\":", event_type_name(e.type));
  put(out, ",\"table\":", origin_name(e.origin));
  put(out, ",\"key\":", e.key);
  if (e.type == EventType::log && e.origin == Origin::system_logs) {
    // actor_of() and summary_of() of a log line, escaped in place rather
    // than built: the bytes are the same (see append_json_chars).
    out += ",\"actor\":\"";
    append_json_chars(out, e.source_type);
    out += '/';
    append_json_chars(out, e.source_id);
    out += "\",\"summary\":\"";
    append_json_chars(out, e.status);
    out += ' ';
    append_json_chars(out, e.message);
    out += '"';
  } else {
    put(out, ",\"actor\":", actor_of(e));
    put(out, ",\"summary\":", summary_of(e));
  }
  optional_field(out, ",\"source_type\":", e.source_type);
  optional_field(out, ",\"source_id\":", e.source_id);
  optional_field(out, ",\"worker_id\":", e.worker_id);
  optional_field(out, ",\"task_id\":", e.task_id);
  optional_field(out, ",\"decision_id\":", e.decision_id);
  optional_field(out, ",\"name\":", e.name);
  optional_field(out, ",\"status\":", e.status);
  optional_field(out, ",\"message\":", e.message);
  optional_field(out, ",\"detail\":", e.detail);
  if (e.cycle) {
    out += ",\"cycle\":";
    out += std::to_string(*e.cycle);
  }
  out += '}';
}

}  // namespace tlrecon
