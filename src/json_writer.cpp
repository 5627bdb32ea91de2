#include "tlrecon/json_writer.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Whether any of 8 bytes is special: a byte >= 0x80, < 0x20, '"' or '\\'.
// With no high bit set, "some byte < n" is ((w - n*0x01..) & ~w & 0x80..)
// != 0 exactly (the borrow of a byte below n reaches its high bit first).
bool any_special(uint64_t w) {
  constexpr uint64_t k_ones = 0x0101010101010101ULL;
  constexpr uint64_t k_highs = 0x8080808080808080ULL;
  if ((w & k_highs) != 0) {
    return true;
  }
  auto any_below = [](uint64_t v, uint64_t n) { return ((v - n * k_ones) & ~v & k_highs) != 0; };
  return any_below(w, 0x20) || any_below(w ^ ('"' * k_ones), 1) || any_below(w ^ ('\\' * k_ones), 1);
}

// The last 1 to 7 bytes of a value (all of a short one: "INFO", "worker")
// as one word to test with any_special: two overlapping loads, the rest
// spaces, which need nothing. (A memcpy of n bytes into a word, read back
// at once, stalled on store forwarding.)
uint64_t tail_word(const char* p, size_t n) {
  if (n >= 4) {
    uint32_t head;
    uint32_t tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    return head | (static_cast<uint64_t>(tail) << 32);
  }
  if (n >= 2) {
    uint16_t head;
    uint16_t tail;
    std::memcpy(&head, p, 2);
    std::memcpy(&tail, p + n - 2, 2);
    return head | (static_cast<uint64_t>(tail) << 16) | 0x2020202000000000ULL;
  }
  return static_cast<unsigned char>(p[0]) | 0x2020202020202000ULL;
}

// The escaped characters of s, without quotes, written at `out`, which has
// room for k_max_expansion bytes per byte of s; returns the end. Escaping
// two strings with an ASCII character between them gives the bytes of
// escaping the three joined: an ASCII byte never completes or continues a
// UTF-8 sequence. Runs of bytes written as they are (ASCII, valid UTF-8)
// are copied in one go, found 8 bytes at a time: escaping was 14% of
// timeline --format jsonl when scanned byte by byte.
constexpr size_t k_max_expansion = 6;  // a control character: \u001f
char* write_json_chars(char* out, std::string_view s) {
  static const char* k_hex = "0123456789abcdef";
  const char* p = s.data();
  const size_t n = s.size();
  size_t run = 0;  // the start of the bytes not written yet
  size_t i = 0;
  auto flush = [&]() {
    std::memcpy(out, p + run, i - run);
    out += i - run;
  };
  while (true) {
#if defined(__SSE2__)
    // 16 bytes at a time where SSE2 is (every x86-64): a signed "< 0x20"
    // catches the controls and every byte >= 0x80 at once.
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      __m128i special = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
      int mask = _mm_movemask_epi8(special);
      if (mask != 0) {
        i += static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
        break;
      }
      i += 16;
    }
#endif
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (any_special(w)) {
        break;
      }
      i += 8;
    }
    if (i < n && n - i < 8 && !any_special(tail_word(p + i, n - i))) {
      i = n;
    }
    if (i == n) {
      break;
    }
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (!k_special.table[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t length = utf8_sequence_length(s, i);
      if (length != 0) {
        i += length;  // valid UTF-8 is written as it is
        continue;
      }
      flush();
      std::memcpy(out, "\xef\xbf\xbd", 3);  // U+FFFD for the invalid byte
      out += 3;
      run = ++i;
      continue;
    }
    flush();
    *out++ = '\\';
    switch (c) {
      case '"': *out++ = '"'; break;
      case '\\': *out++ = '\\'; break;
      case '\b': *out++ = 'b'; break;
      case '\f': *out++ = 'f'; break;
      case '\n': *out++ = 'n'; break;
      case '\r': *out++ = 'r'; break;
      case '\t': *out++ = 't'; break;
      default:
        std::memcpy(out, "u00", 3);
        out += 3;
        *out++ = k_hex[c >> 4];
        *out++ = k_hex[c & 15];
    }
    run = ++i;
  }
  flush();
  return out;
}

// A record is written through one pointer: 36 appends a record, each a call
// into libstdc++, cost as much as the escaping itself.
class RecordWriter {
 public:
  explicit RecordWriter(char* out) : m_p(out) {}
  char* end() const { return m_p; }

  template <size_t N>
  void raw(const char (&text)[N]) {
    std::memcpy(m_p, text, N - 1);
    m_p += N - 1;
  }
  void raw(char c) { *m_p++ = c; }
  void chars(std::string_view s) { m_p = write_json_chars(m_p, s); }
  void utc(Time t) { m_p = write_utc(m_p, t); }
  void integer(int64_t v) { m_p = std::to_chars(m_p, m_p + 24, v).ptr; }
  // `key` is the whole ,"name":" prefix.
  template <size_t N>
  void field(const char (&key)[N], std::string_view value) {
    raw(key);
    chars(value);
    raw('"');
  }
  template <size_t N>
  void optional_field(const char (&key)[N], const std::string& value) {
    if (!value.empty()) {
      field(key, value);
    }
  }

 private:
  char* m_p;
};

// Appends what `write` writes at a pointer, given room for `most` bytes:
// the string is grown to that, then cut back to what was written.
template <class Write>
void append_bounded(std::string& out, size_t most, const Write& write) {
  const size_t start = out.size();
  out.resize(start + most);
  char* end = write(&out[start]);
  out.resize(static_cast<size_t>(end - out.data()));
}

bool is_log(const Event& e) { return e.type == EventType::log && e.origin == Origin::system_logs; }

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  append_bounded(out, 2 + k_max_expansion * s.size(), [s](char* p) {
    RecordWriter w(p);
    w.raw('"');
    w.chars(s);
    w.raw('"');
    return w.end();
  });
}

size_t event_record_bound(const Event& e) {
  const size_t text = e.key.size() + e.source_type.size() + e.source_id.size() + e.worker_id.size() +
                      e.task_id.size() + e.decision_id.size() + e.name.size() + e.status.size() +
                      e.message.size() + e.detail.size();
  // Every value escaped at most k_max_expansion-fold (a log's actor and
  // summary repeat four of its fields), the keys, a time, a cycle.
  const size_t derived = is_log(e) ? 0 : actor_of(e).size() + summary_of(e).size();
  return k_max_expansion * (2 * text + derived) + 512;
}

char* write_event_record(char* out, const Event& e) {
  RecordWriter w(out);
  w.raw("{\"record\":\"event\",\"time\":\"");
  w.utc(e.time);
  w.raw('"');
  w.field(",\"type\":\"", event_type_name(e.type));
  w.field(",\"table\":\"", origin_name(e.origin));
  w.field(",\"key\":\"", e.key);
  if (is_log(e)) {
    // actor_of() and summary_of() of a log line, escaped in place rather
    // than built: the bytes are the same (see write_json_chars).
    w.raw(",\"actor\":\"");
    w.chars(e.source_type);
    w.raw('/');
    w.chars(e.source_id);
    w.raw("\",\"summary\":\"");
    w.chars(e.status);
    w.raw(' ');
    w.chars(e.message);
    w.raw('"');
  } else {
    w.field(",\"actor\":\"", actor_of(e));
    w.field(",\"summary\":\"", summary_of(e));
  }
  w.optional_field(",\"source_type\":\"", e.source_type);
  w.optional_field(",\"source_id\":\"", e.source_id);
  w.optional_field(",\"worker_id\":\"", e.worker_id);
  w.optional_field(",\"task_id\":\"", e.task_id);
  w.optional_field(",\"decision_id\":\"", e.decision_id);
  w.optional_field(",\"name\":\"", e.name);
  w.optional_field(",\"status\":\"", e.status);
  w.optional_field(",\"message\":\"", e.message);
  w.optional_field(",\"detail\":\"", e.detail);
  if (e.cycle) {
    w.raw(",\"cycle\":");
    w.integer(*e.cycle);
  }
  w.raw('}');
  return w.end();
}

void append_event_record(std::string& out, const Event& e) {
  append_bounded(out, event_record_bound(e), [&e](char* p) { return write_event_record(p, e); });
}

}  // namespace tlrecon
