#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tlrecon/json_writer.hpp"
#include "tlrecon/render_timeline.hpp"
#include "tlrecon/text.hpp"

using namespace tlrecon;

TEST_SUITE_BEGIN("text");

TEST_CASE("visible: controls, escapes, bidi overrides and invalid UTF-8 are shown, not passed") {
  CHECK(visible("plain ✅ text") == "plain ✅ text");
  CHECK(visible("a\nb\tc\rd") == "a\\nb\\tc\\rd");
  CHECK(visible("\x1b[31mred\x1b]0;title\x07") == "\\x1b[31mred\\x1b]0;title\\x07");
  CHECK(visible("\xc2\x9b" "2J") == "\\u009b2J");
  CHECK(visible("\xe2\x80\xae" "evil") == "\\u202eevil");
  CHECK(visible("bad \xff\xfe end") == "bad \\xff\\xfe end");
  CHECK(visible("\xc0\xaf") == "\\xc0\\xaf");  // overlong
}

TEST_CASE("decode_utf8: the length and the code point in one pass, length 0 when invalid") {
  auto decoded = [](std::string_view s) {
    Utf8Sequence seq = decode_utf8(s, 0);
    return std::make_pair(seq.length, static_cast<uint32_t>(seq.code_point));
  };
  CHECK(decoded("a") == std::make_pair(size_t{1}, uint32_t{0x61}));
  CHECK(decoded("\x1b") == std::make_pair(size_t{1}, uint32_t{0x1b}));
  CHECK(decoded("\xc2\x9b") == std::make_pair(size_t{2}, uint32_t{0x9b}));
  CHECK(decoded("\xe2\x80\xae") == std::make_pair(size_t{3}, uint32_t{0x202e}));
  CHECK(decoded("\xf0\x9f\x98\x80") == std::make_pair(size_t{4}, uint32_t{0x1f600}));
  CHECK(decoded("\xf4\x8f\xbf\xbf") == std::make_pair(size_t{4}, uint32_t{0x10ffff}));
  CHECK(decode_utf8("\xc0\xaf", 0).length == 0);          // overlong
  CHECK(decode_utf8("\xe0\x9f\xbf", 0).length == 0);      // overlong
  CHECK(decode_utf8("\xed\xa0\x80", 0).length == 0);      // a surrogate
  CHECK(decode_utf8("\xf4\x90\x80\x80", 0).length == 0);  // past U+10FFFF
  CHECK(decode_utf8("\xe2\x9c", 0).length == 0);          // cut short
  CHECK(decode_utf8("\x9c\x85", 0).length == 0);          // a continuation byte
  CHECK(decode_utf8("a\xe2\x9c\x85", 1).length == 3);
  CHECK(utf8_sequence_length("a\xe2\x9c\x85", 1) == 3);
}

TEST_CASE("valid_utf8: invalid bytes become U+FFFD, the rest is kept") {
  CHECK(valid_utf8("ok ✅") == "ok ✅");
  CHECK(valid_utf8("a\xff" "b") == "a\xef\xbf\xbd" "b");
  CHECK(valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
}

TEST_CASE("truncate_text cuts at a character boundary") {
  CHECK(truncate_text("✅✅", 4) == "✅…");
  CHECK(truncate_text("short", 10) == "short");
}

namespace {

// Strings that test every escape and every way UTF-8 can be broken,
// including at the edges where the JSONL writer joins two fields.
const std::vector<std::string> k_hostile = {
    "",
    "plain",
    "quote \" backslash \\ slash /",
    std::string("nul \0 bell \x07 esc \x1b del \x7f", 24),
    "\b\f\n\r\t\x01\x1f",
    "✅ é 中 \xf0\x9f\x98\x80",
    "ends in a cut sequence \xe2\x9c",
    "\x9c\x85 starts with continuation bytes",
    "\xff\xfe lone bytes \xc0\xaf overlong \xed\xa0\x80 surrogate",
    "\xe2",
};

}  // namespace

TEST_CASE("JSONL event records: the bytes nlohmann writes, and log fields escaped in place as if joined") {
  for (const std::string& a : k_hostile) {
    for (const std::string& b : k_hostile) {
      Event e;
      e.time = *parse_time("2025-10-16T17:35:31.25Z");
      e.type = EventType::log;
      e.origin = Origin::system_logs;
      e.key = b;
      e.source_type = a;
      e.source_id = b;
      e.status = a;
      e.message = b;
      e.cycle = -3;
      std::string line;
      append_event_record(line, e);
      CHECK(line.size() <= event_record_bound(e));
      // The log fast path writes actor and summary from their parts.
      std::string actor;
      append_json_string(actor, actor_of(e));
      std::string summary;
      append_json_string(summary, summary_of(e));
      CHECK(line.find(",\"actor\":" + actor + ",\"summary\":" + summary + ",") != std::string::npos);
      // On valid text the record is exactly nlohmann's dump of event_to_json.
      if (valid_utf8(a) == a && valid_utf8(b) == b) {
        nlohmann::ordered_json j;
        j["record"] = "event";
        const nlohmann::ordered_json fields = event_to_json(e);
        for (auto it = fields.begin(); it != fields.end(); ++it) {
          j[it.key()] = it.value();
        }
        CHECK(line == j.dump());
      }
      Event task = e;
      task.type = EventType::task_failed;
      task.origin = Origin::tasks;
      task.worker_id = a;
      std::string other;
      append_event_record(other, task);
      CHECK(other.size() <= event_record_bound(task));
      std::string task_summary;
      append_json_string(task_summary, summary_of(task));
      CHECK(other.find(",\"summary\":" + task_summary + ",") != std::string::npos);
    }
  }
}

namespace {

// append_json_string as it was written first, a byte at a time: the
// 8-bytes-at-a-time scan must give the same bytes.
std::string json_string_bytewise(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      i += append_utf8_or_replacement(out, s, i);
      continue;
    }
    char buf[8];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out + "\"";
}

}  // namespace

TEST_CASE("append_json_string: the word-at-a-time scan gives the bytes of the byte-at-a-time one") {
  SUBCASE("each special byte at every position of strings up to 3 words long") {
    for (const std::string& special : std::vector<std::string>{"\"", "\\", std::string(1, '\0'), "\x1f", "\x20", "\x7f", "\x80", "\xff",
                                      "\xc3\xa9", "\xe2\x9c\x85", "\xf0\x9f\x98\x80", "\xe2\x9c", "!", "#", "[", "]"}) {
      for (size_t length = 0; length <= 24; ++length) {
        for (size_t at = 0; at <= length; ++at) {
          std::string text(length, 'a');
          text.insert(at, special);
          CAPTURE(text);
          std::string out;
          append_json_string(out, text);
          CHECK(out == json_string_bytewise(text));
        }
      }
    }
  }
  SUBCASE("random bytes, mostly printable") {
    uint64_t state = 42;
    auto next = [&state]() {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<unsigned>(state >> 33);
    };
    for (int round = 0; round < 20000; ++round) {
      std::string text;
      size_t length = next() % 40;
      for (size_t i = 0; i < length; ++i) {
        unsigned r = next() % 100;
        text += static_cast<char>(r < 80 ? 0x20 + next() % 0x5f : next() % 256);
      }
      CAPTURE(text);
      std::string out = "prefix";
      append_json_string(out, text);
      CHECK(out == "prefix" + json_string_bytewise(text));
    }
  }
  for (const std::string& hostile : k_hostile) {
    std::string out;
    append_json_string(out, hostile);
    CHECK(out == json_string_bytewise(hostile));
  }
}

TEST_SUITE_END();

#include "tlrecon/report.hpp"

TEST_CASE("md_text and md_code: data cannot break a table or inject markup") {
  CHECK(md_text("a|b") == "a\\|b");
  CHECK(md_text("`x`") == "\\`x\\`");
  CHECK(md_text("line\nnext") == "line\\\\nnext");
  CHECK(md_text("[a](b) <i> *s* _u_ #h") == "\\[a\\](b) \\<i\\> \\*s\\* \\_u\\_ \\#h");
  CHECK(md_text("see http://x.io and www.y.io") == "see http\\:\\/\\/x.io and www\\.y.io");
  CHECK(md_text("@team $x$") == "\\@team \\$x\\$");
  CHECK(md_code("plain") == "`plain`");
  CHECK(md_code("a`b") == "``a`b``");
  CHECK(md_code("`edge") == "`` `edge ``");
  CHECK(md_code("a|b") == "`a\\|b`");
  CHECK(md_code("a|b", false) == "`a|b`");
  CHECK(md_code("\x1b[2J") == "`\\x1b[2J`");
}
