#pragma once
// The bodies of the fuzz targets, one function per entry point. The libFuzzer
// mains (fuzz/*_fuzz.cpp) call them, and so do the regression tests
// (tests/fuzz_regressions_test.cpp), which replay fuzz/corpus/ and
// fuzz/regressions/ through exactly the same code under the ordinary build.
//
// Malformed input is expected: an Error with the documented exit code is not
// a finding. Anything else is: a sanitizer report, an exception of another
// type escaping (main() would call it an internal error, exit 4), or a broken
// invariant (TLRECON_FUZZ_REQUIRE), which aborts under libFuzzer and throws
// InvariantViolation when TLRECON_FUZZ_THROW is defined (the tests).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include "tlrecon/annotations.hpp"
#include "tlrecon/commands.hpp"
#include "tlrecon/copy_binary.hpp"
#include "tlrecon/copy_text.hpp"
#include "tlrecon/csv.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/fleet.hpp"
#include "tlrecon/mapping.hpp"
#include "tlrecon/sha256.hpp"
#include "tlrecon/text.hpp"
#include "tlrecon/time.hpp"

namespace tlrecon::fuzz {

struct InvariantViolation : std::logic_error {
  using std::logic_error::logic_error;
};

[[noreturn]] inline void fail(const std::string& what, const char* file, int line) {
  std::string message = std::string(file) + ":" + std::to_string(line) + ": " + what;
#ifdef TLRECON_FUZZ_THROW
  throw InvariantViolation(message);
#else
  std::fprintf(stderr, "\n*** tlrecon fuzz invariant violated: %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
#endif
}

#define TLRECON_FUZZ_REQUIRE(cond, what)                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      ::tlrecon::fuzz::fail(std::string("invariant failed: " #cond ": ") + (what), __FILE__, \
                            __LINE__);                                                    \
    }                                                                                     \
  } while (0)

// ---------------------------------------------------------------- helpers

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return size == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char*>(data), size);
}

// Splits at each `sep`, into at most `max_parts` parts (the last keeps the rest).
inline std::vector<std::string_view> split(std::string_view s, std::string_view sep, size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    size_t at = s.find(sep);
    if (at == std::string_view::npos) {
      break;
    }
    parts.push_back(s.substr(0, at));
    s.remove_prefix(at + sep.size());
  }
  parts.push_back(s);
  return parts;
}

// A private scratch directory for the targets that need files, removed at exit.
class Scratch {
 public:
  static const std::filesystem::path& dir() {
    static Scratch s;
    return s.m_dir;
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }

 private:
  Scratch() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/tlrecon-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    m_dir = pattern;
  }
  std::filesystem::path m_dir;
};

inline std::string write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    std::perror(path.c_str());
    std::abort();
  }
  return path.string();
}

// An independent UTF-8 validator (Unicode 15, table 3-7), to check text.cpp against.
inline size_t reference_utf8_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(s[k])); };
  unsigned c = b(i);
  auto cont = [&](size_t k, unsigned lo, unsigned hi) { return k < s.size() && b(k) >= lo && b(k) <= hi; };
  if (c <= 0x7f) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(i + 1, 0x80, 0xbf) ? 2 : 0;
  if (c == 0xe0) return cont(i + 1, 0xa0, 0xbf) && cont(i + 2, 0x80, 0xbf) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
    return cont(i + 1, 0x80, 0xbf) && cont(i + 2, 0x80, 0xbf) ? 3 : 0;
  if (c == 0xed) return cont(i + 1, 0x80, 0x9f) && cont(i + 2, 0x80, 0xbf) ? 3 : 0;
  if (c == 0xf0) return cont(i + 1, 0x90, 0xbf) && cont(i + 2, 0x80, 0xbf) && cont(i + 3, 0x80, 0xbf) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3)
    return cont(i + 1, 0x80, 0xbf) && cont(i + 2, 0x80, 0xbf) && cont(i + 3, 0x80, 0xbf) ? 4 : 0;
  if (c == 0xf4) return cont(i + 1, 0x80, 0x8f) && cont(i + 2, 0x80, 0xbf) && cont(i + 3, 0x80, 0xbf) ? 4 : 0;
  return 0;
}

inline bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = reference_utf8_length(s, i);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

// The first offending code point or byte of text meant for a terminal: C0
// controls other than the newline, DEL, C1 controls, bidi controls, line and
// paragraph separators, ESC of course. Empty when clean.
inline std::string unsafe_for_terminal(std::string_view s, bool allow_newline) {
  for (size_t i = 0; i < s.size();) {
    unsigned c = static_cast<unsigned char>(s[i]);
    size_t n = reference_utf8_length(s, i);
    if (n == 0) {
      return "invalid UTF-8 at byte " + std::to_string(i);
    }
    if ((c < 0x20 && !(allow_newline && c == '\n')) || c == 0x7f) {
      return "control byte " + std::to_string(c) + " at byte " + std::to_string(i);
    }
    if (n >= 2) {
      unsigned cp = n == 2 ? ((c & 0x1fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3fu)
                  : n == 3 ? ((c & 0x0fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3fu) << 6) |
                                 (static_cast<unsigned char>(s[i + 2]) & 0x3fu)
                           : 0x10000;  // nothing to flag above the BMP
      bool bad = (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
                 (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c ||
                 cp == 0x2028 || cp == 0x2029;
      if (bad) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "U+%04X at byte %zu", cp, i);
        return buf;
      }
    }
    i += n;
  }
  return "";
}

inline void expect_error(const Error& e, std::initializer_list<int> codes, const char* where) {
  for (int c : codes) {
    if (e.exit_code() == c) {
      return;
    }
  }
  fail(std::string(where) + ": Error with unexpected exit code " + std::to_string(e.exit_code()) + ": " +
           e.what(),
       __FILE__, __LINE__);
}

inline Time fixed_now() {
  return Time(date::sys_days(date::year(2025) / 10 / 16) + std::chrono::hours(18));
}

// ---------------------------------------------------------------- time
// Input: "<text>\n<zone>\n<other>". parse_time(text, zone) and
// parse_duration(text); a window from --since text --until other and from
// --around text --window other.
inline void time_one(std::string_view data) {
  auto lines = split(data, "\n", 3);
  std::string_view text = lines[0];
  std::string zone = lines.size() > 1 ? std::string(lines[1].substr(0, 64)) : std::string();
  std::string other = lines.size() > 2 ? std::string(lines[2].substr(0, 64)) : std::string();

  if (auto t = parse_time(text, zone)) {
    std::string utc = format_utc(*t);
    auto year = date::year_month_day(date::floor<date::days>(*t)).year();
    if (year >= date::year(0) && year <= date::year(9999)) {
      // What it accepts, it prints in a form it reads back to the same instant.
      auto back = parse_time(utc);
      TLRECON_FUZZ_REQUIRE(back.has_value(), "format_utc gives '" + utc + "' for '" + std::string(text) + "'");
      TLRECON_FUZZ_REQUIRE(*back == *t, "'" + std::string(text) + "' -> " + utc + " -> another instant");
    }
    (void)format_utc_short(*t);
    (void)format_clock(*t);
    (void)format_in_zone(*t, "America/New_York");
  }
  if (auto d = parse_duration(text)) {
    TLRECON_FUZZ_REQUIRE(d->count() >= 0, "negative duration from '" + std::string(text) + "'");
    (void)format_duration(*d);
  }
  Time now = fixed_now();
  WindowOptions range;
  range.since = std::string(text.substr(0, 64));
  range.until = other;
  WindowOptions around;
  around.around = range.since;
  around.window = other;
  for (const WindowOptions& o : {range, around}) {
    try {
      Window w = resolve_window(o, now, std::nullopt);
      TLRECON_FUZZ_REQUIRE(w.since < w.until, "an empty window was accepted");
      (void)format_utc(w.since);
      (void)format_utc(w.until);
    } catch (const Error& e) {
      expect_error(e, {k_exit_usage}, "resolve_window");
    }
  }
}

// ---------------------------------------------------------------- csv
// CsvReader over the input, read in 64 KiB chunks and again in chunks of 1
// to 8 bytes (records split anywhere), gives what a plain line-by-line
// reader gives (the reader of e22d331, before split_csv: the oracle of the
// dialect), errors included; what it read, written back with
// append_csv_field, reads back field for field (text and NULL).
struct CsvRead {
  std::vector<Row> rows;
  std::vector<uint64_t> lines;
  std::string error;
};

// Every record a reader (CsvReader, CsvFileReader) gives, and its error.
template <typename Reader>
CsvRead read_records(Reader& reader) {
  CsvRead out;
  Row row;
  try {
    while (reader.next(row)) {
      TLRECON_FUZZ_REQUIRE(reader.fields() >= 1 && reader.fields() <= row.size(), "field count");
      TLRECON_FUZZ_REQUIRE(out.lines.empty() || reader.line() > out.lines.back(), "record lines go backwards");
      out.lines.push_back(reader.line());
      out.rows.emplace_back(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(reader.fields()));
    }
  } catch (const Error& e) {
    expect_error(e, {k_exit_source}, "CsvReader");
    out.error = e.what();
  }
  return out;
}

inline CsvRead read_csv_chunked(std::string_view data, const std::string& what, size_t chunk) {
  std::istringstream in{std::string(data)};
  CsvReader reader(in, what, chunk);
  return read_records(reader);
}

inline CsvRead read_csv_by_lines(std::string_view data, const std::string& what) {
  std::istringstream in{std::string(data)};
  CsvRead out;
  std::string buffer;
  uint64_t line = 0;
  auto fail = [&](uint64_t at, const std::string& why) {
    out.error = what + " line " + std::to_string(at) + ": " + why;
    return out;
  };
  while (std::getline(in, buffer)) {
    const uint64_t record_line = ++line;
    Row row;
    size_t pos = 0;
    while (true) {
      Field f;
      if (pos < buffer.size() && buffer[pos] == '"') {
        f.null = false;
        ++pos;
        while (true) {
          if (pos >= buffer.size()) {
            if (!std::getline(in, buffer)) {
              return fail(record_line, "a quoted field is not closed before the end of the file");
            }
            ++line;
            f.text += '\n';
            pos = 0;
            continue;
          }
          size_t quote = buffer.find('"', pos);
          size_t stop = quote == std::string::npos ? buffer.size() : quote;
          f.text.append(buffer, pos, stop - pos);
          pos = stop;
          if (quote == std::string::npos) {
            continue;
          }
          ++pos;
          if (pos < buffer.size() && buffer[pos] == '"') {
            f.text += '"';
            ++pos;
          } else {
            break;
          }
        }
        if (pos < buffer.size() && buffer[pos] != ',') {
          return fail(line, "unexpected text after a closing quote");
        }
      } else {
        size_t end = buffer.find(',', pos);
        size_t stop = end == std::string::npos ? buffer.size() : end;
        std::string raw = buffer.substr(pos, stop - pos);
        if (raw.find('"') != std::string::npos) {
          return fail(line, "a quote inside an unquoted field");
        }
        f.null = raw.empty();
        f.text = raw;
        pos = stop;
      }
      row.push_back(f);
      if (pos >= buffer.size()) {
        break;
      }
      ++pos;
    }
    out.rows.push_back(row);
    out.lines.push_back(record_line);
  }
  return out;
}

inline void require_same_csv(const CsvRead& a, const CsvRead& b, const std::string& how) {
  TLRECON_FUZZ_REQUIRE(a.error == b.error, how + ": the error differs: '" + a.error + "' against '" + b.error + "'");
  TLRECON_FUZZ_REQUIRE(a.rows.size() == b.rows.size(), how + ": the record count differs");
  for (size_t r = 0; r < a.rows.size(); ++r) {
    TLRECON_FUZZ_REQUIRE(a.lines[r] == b.lines[r], how + ": the line differs, record " + std::to_string(r));
    TLRECON_FUZZ_REQUIRE(a.rows[r].size() == b.rows[r].size(), how + ": the field count differs, record " + std::to_string(r));
    for (size_t i = 0; i < a.rows[r].size(); ++i) {
      TLRECON_FUZZ_REQUIRE(a.rows[r][i].null == b.rows[r][i].null, how + ": NULL differs, record " + std::to_string(r));
      TLRECON_FUZZ_REQUIRE(a.rows[r][i].text == b.rows[r][i].text, how + ": text differs, record " + std::to_string(r));
    }
  }
}

inline std::vector<Row> read_csv(std::string_view data, const std::string& what) {
  CsvRead whole = read_csv_chunked(data, what, 64 << 10);
  require_same_csv(whole, read_csv_by_lines(data, what), "64 KiB chunks against line by line");
  size_t tiny = 1 + (data.empty() ? 0 : static_cast<unsigned char>(data.back()) % 8);
  require_same_csv(whole, read_csv_chunked(data, what, tiny), "chunks of " + std::to_string(tiny));
  if (!whole.error.empty()) {
    throw source_error(whole.error);
  }
  return whole.rows;
}

inline void csv_one(std::string_view data) {
  std::vector<Row> rows;
  try {
    rows = read_csv(data, "fuzz.csv");
  } catch (const Error& e) {
    expect_error(e, {k_exit_source}, "CsvReader");
    return;
  }
  std::string again;
  for (const Row& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) {
        again += ',';
      }
      append_csv_field(again, row[i]);
    }
    again += '\n';
  }
  std::vector<Row> reread;
  try {
    reread = read_csv(again, "rewritten.csv");
  } catch (const Error& e) {
    fail(std::string("its own output does not read back: ") + e.what(), __FILE__, __LINE__);
  }
  TLRECON_FUZZ_REQUIRE(reread.size() == rows.size(), "record count changes on a round trip");
  for (size_t r = 0; r < rows.size(); ++r) {
    TLRECON_FUZZ_REQUIRE(reread[r].size() == rows[r].size(), "field count changes, record " + std::to_string(r));
    for (size_t i = 0; i < rows[r].size(); ++i) {
      TLRECON_FUZZ_REQUIRE(reread[r][i].null == rows[r][i].null, "NULL changes, record " + std::to_string(r));
      TLRECON_FUZZ_REQUIRE(reread[r][i].text == rows[r][i].text, "text changes, record " + std::to_string(r));
    }
  }
}

// ---------------------------------------------------------------- copy_text
// decode_copy_line; each decoded field, encoded back as COPY does, decodes
// to itself.
inline std::string encode_copy_field(const Field& f) {
  if (f.null) {
    return "\\N";
  }
  std::string out;
  for (char c : f.text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out;
}

inline void copy_text_one(std::string_view data) {
  Row row;
  size_t n = decode_copy_line(data, row);
  size_t tabs = 0;
  for (char c : data) {
    tabs += c == '\t' ? 1 : 0;
  }
  TLRECON_FUZZ_REQUIRE(n == tabs + 1, "field count is not tabs + 1");
  TLRECON_FUZZ_REQUIRE(row.size() >= n, "row too short");
  auto raws = split(data, "\t", n);
  std::string encoded;
  for (size_t i = 0; i < n; ++i) {
    TLRECON_FUZZ_REQUIRE(row[i].null == (raws[i] == "\\N"), "NULL is \\N, and only \\N");
    TLRECON_FUZZ_REQUIRE(row[i].text.size() <= raws[i].size(), "a decoded field grew");
    if (raws[i].find('\\') == std::string_view::npos && !row[i].null) {
      TLRECON_FUZZ_REQUIRE(row[i].text == raws[i], "a field without escapes changed");
    }
    encoded += (i > 0 ? "\t" : "") + encode_copy_field(row[i]);
  }
  // Decoding into a row that already holds fields gives the same result.
  Row again = row;
  size_t m = decode_copy_line(encoded, again);
  TLRECON_FUZZ_REQUIRE(m == n, "field count changes on a round trip");
  for (size_t i = 0; i < n; ++i) {
    TLRECON_FUZZ_REQUIRE(again[i].null == row[i].null && again[i].text == row[i].text,
                         "field " + std::to_string(i) + " changes on a round trip");
  }
}

// ---------------------------------------------------------------- copy_binary
// BinaryCopyReader on what a server (or something posing as one) sends.
// The first byte picks the columns' readings; the rest is the COPY data,
// fed whole and then cut in two at the place the second byte says: both
// give the same rows and end the same way (a source Error, or the end).
inline std::vector<std::string> copy_binary_rows(const std::vector<BinaryColumn>& columns,
                                                 const std::vector<std::string>& messages, bool& failed) {
  BinaryCopyReader reader(columns);
  std::vector<std::string> out;
  failed = false;
  try {
    for (std::string m : messages) {
      reader.feed(m);
      Row row;
      while (reader.next(row)) {
        TLRECON_FUZZ_REQUIRE(row.size() == columns.size(), "a row of another width");
        std::string flat;
        for (const Field& f : row) {
          TLRECON_FUZZ_REQUIRE(!f.null || f.text.empty(), "a NULL with text");
          flat += (f.null ? "N" : "V") + std::to_string(f.text.size()) + ":" + f.text;
          if (f.time) {
            // A row time kept as its value: no text, and its text reads back to it.
            TLRECON_FUZZ_REQUIRE(!f.null && f.text.empty(), "a kept time with text or NULL");
            std::string text;
            append_field_text(text, f);
            TLRECON_FUZZ_REQUIRE(parse_time(text) == f.time, "a kept time that does not read back: " + text);
            flat += "T" + text;
          }
        }
        out.push_back(flat);
      }
    }
    out.push_back(reader.ended() ? "end" : "more");
  } catch (const Error& e) {
    TLRECON_FUZZ_REQUIRE(e.exit_code() == k_exit_source, "not a source error");
    failed = true;
  }
  return out;
}

inline void copy_binary_one(std::string_view data) {
  if (data.size() < 2) {
    return;
  }
  std::vector<BinaryColumn> columns;
  for (int i = 0; i < 1 + (static_cast<unsigned char>(data[0]) >> 6); ++i) {
    columns.push_back(static_cast<BinaryColumn>((static_cast<unsigned char>(data[0]) >> (2 * i)) % 8));
  }
  std::string rest(data.substr(2));
  size_t cut = rest.empty() ? 0 : static_cast<unsigned char>(data[1]) % (rest.size() + 1);
  bool whole_failed = false;
  bool cut_failed = false;
  auto whole = copy_binary_rows(columns, {rest}, whole_failed);
  auto parts = copy_binary_rows(columns, {rest.substr(0, cut), rest.substr(cut)}, cut_failed);
  TLRECON_FUZZ_REQUIRE(whole_failed == cut_failed, "cutting the data changes whether it fails");
  TLRECON_FUZZ_REQUIRE(whole == parts, "cutting the data changes the rows");
}

// ---------------------------------------------------------------- text
inline void text_one(std::string_view data) {
  for (size_t i = 0; i < data.size(); ++i) {
    TLRECON_FUZZ_REQUIRE(utf8_sequence_length(data, i) == reference_utf8_length(data, i),
                         "utf8_sequence_length disagrees at byte " + std::to_string(i));
  }
  std::string v = visible(data);
  std::string why = unsafe_for_terminal(v, false);
  TLRECON_FUZZ_REQUIRE(why.empty(), "visible() output has " + why);
  TLRECON_FUZZ_REQUIRE(visible(v) == v, "visible() is not idempotent");
  if (unsafe_for_terminal(data, false).empty()) {
    TLRECON_FUZZ_REQUIRE(v == data, "visible() changed safe text");
  }

  std::string u = valid_utf8(data);
  TLRECON_FUZZ_REQUIRE(is_valid_utf8(u), "valid_utf8() output is not valid UTF-8");
  TLRECON_FUZZ_REQUIRE(valid_utf8(u) == u, "valid_utf8() is not idempotent");
  if (is_valid_utf8(data)) {
    TLRECON_FUZZ_REQUIRE(u == data, "valid_utf8() changed valid UTF-8");
  }

  std::string text(data);
  for (size_t max : {size_t{0}, size_t{1}, size_t{3}, data.size() / 2, data.size() > 0 ? data.size() - 1 : 0}) {
    std::string t = truncate_text(text, max);
    TLRECON_FUZZ_REQUIRE(t.size() <= max + 3 || t == text, "truncate_text() too long");
    if (is_valid_utf8(data)) {
      TLRECON_FUZZ_REQUIRE(is_valid_utf8(t), "truncate_text() cut a character");
    }
  }
}

// ---------------------------------------------------------------- mapping
// load_mapping on a file of the input; when the input is JSON, apply_mapping,
// the patterns compiled as the detectors compile them, and the tables going
// through mapping_to_json and back as a snapshot manifest takes them.
inline void mapping_one(std::string_view data) {
  std::string path = write_file(Scratch::dir() / "mapping.json", data);
  try {
    (void)load_mapping(path);
  } catch (const Error& e) {
    expect_error(e, {k_exit_usage}, "load_mapping");
  }

  nlohmann::json doc = nlohmann::json::parse(data.begin(), data.end(), nullptr, false);
  if (doc.is_discarded()) {
    return;
  }
  Mapping m = default_mapping();
  try {
    apply_mapping(m, doc, "fuzz");
  } catch (const Error& e) {
    expect_error(e, {k_exit_usage}, "apply_mapping");
    return;
  }
  try {
    Catalogue catalogue(m);
    (void)catalogue;
    // A message one pattern alone matches, the compiled set matches too.
    PatternSet all(m.patterns.scale_up, "patterns.scale_up");
    const std::vector<std::string> samples = {"", "Spawning 2 new workers", "scale up", "orchestrator starting",
                                              "worker 1/2 spawned"};
    for (const std::string& p : m.patterns.scale_up) {
      PatternSet one({p}, "one");
      for (const std::string& s : samples) {
        TLRECON_FUZZ_REQUIRE(!one.matches(s) || all.matches(s),
                             "pattern '" + p + "' matches '" + s + "' alone but not in the set");
      }
    }
  } catch (const Error& e) {
    expect_error(e, {k_exit_usage}, "patterns");
  }
  auto tables = mapping_to_json(m)["tables"];
  Mapping back = default_mapping();
  try {
    apply_mapping(back, nlohmann::json{{"tables", nlohmann::json::parse(tables.dump())}}, "round trip");
  } catch (const Error& e) {
    fail(std::string("mapping_to_json's tables do not apply back: ") + e.what(), __FILE__, __LINE__);
  }
  TLRECON_FUZZ_REQUIRE(mapping_to_json(back)["tables"] == tables, "the tables change on a round trip");
}

// ---------------------------------------------------------------- annotations
inline Window sample_window() {
  Time since = Time(date::sys_days(date::year(2025) / 10 / 16) + std::chrono::hours(10) + std::chrono::minutes(55));
  Time until = Time(date::sys_days(date::year(2025) / 10 / 16) + std::chrono::hours(18) + std::chrono::minutes(2));
  return Window{since, until};
}

inline void annotations_one(std::string_view data) {
  std::string path = write_file(Scratch::dir() / "deploys.csv", data);
  Window w = sample_window();
  std::vector<Event> events;
  try {
    events = read_annotations(path, w);
  } catch (const Error& e) {
    expect_error(e, {k_exit_usage}, "read_annotations");
    return;
  }
  for (const Event& e : events) {
    TLRECON_FUZZ_REQUIRE(e.type == EventType::annotation && e.origin == Origin::annotations, "not an annotation");
    auto expected = e.time < w.since ? Event::Place::before
                    : e.time >= w.until ? Event::Place::after : Event::Place::inside;
    TLRECON_FUZZ_REQUIRE(e.place == expected, "misplaced annotation");
    TLRECON_FUZZ_REQUIRE(e.key.rfind("deploys.csv:", 0) == 0, "key '" + e.key + "'");
    (void)summary_of(e);
    (void)actor_of(e);
  }
}

// ---------------------------------------------------------------- snapshot
// A snapshot directory built from the input, read by every command and
// format. Sections, separated by "\n===\n": the CSV rows (no header) of
// system_logs, workers, tasks, workflow_decisions, workflow_executions; then
// a JSON merge patch over manifest.json; then an --annotate file. A table
// whose section is absent is missing from the snapshot. Checksums are always
// right, so the input reaches the decoders, detectors and renderers.
constexpr std::string_view k_section = "\n===\n";

// An output stream that refuses to grow past a limit: output that grows
// with the window rather than with the data is a finding, and is reported
// as one quickly instead of as an out-of-memory after minutes.
class BoundedOutput : public std::streambuf {
 public:
  BoundedOutput(std::string what, size_t limit) : m_what(std::move(what)), m_limit(limit) {}
  const std::string& str() const { return m_text; }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) {
      return traits_type::not_eof(c);
    }
    char ch = traits_type::to_char_type(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (m_text.size() + static_cast<size_t>(n) > m_limit) {
      fail(m_what + " output passes " + std::to_string(m_limit >> 20) + " MiB for a small snapshot", __FILE__,
           __LINE__);
    }
    m_text.append(s, static_cast<size_t>(n));
    return n;
  }

 private:
  std::string m_what;
  size_t m_limit;
  std::string m_text;
};

constexpr size_t k_output_limit = size_t{32} << 20;

inline void check_text_output(const std::string& out, const char* what) {
  std::string why = unsafe_for_terminal(out, true);
  TLRECON_FUZZ_REQUIRE(why.empty(), std::string(what) + " output has " + why);
}

// Writes the snapshot directory an input describes (see above) into the
// scratch directory; returns it, and the --annotate file ("" when none).
inline std::pair<std::string, std::string> build_snapshot(std::string_view data) {
  namespace fs = std::filesystem;
  auto sections = split(data, k_section, 7);
  fs::path dir = Scratch::dir() / "snap";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);

  static const TableId order[] = {TableId::system_logs, TableId::workers, TableId::tasks,
                                  TableId::workflow_decisions, TableId::workflow_executions};
  nlohmann::json tables = nlohmann::json::array();
  for (size_t i = 0; i < 5; ++i) {
    TableId t = order[i];
    nlohmann::json jt = {{"table", table_name(t)}, {"relation", table_name(t)}};
    if (i >= sections.size()) {
      jt["status"] = "missing";
      jt["reason"] = "table " + std::string(table_name(t)) + " does not exist";
      tables.push_back(jt);
      continue;
    }
    std::string content;
    for (const std::string& name : field_names(t)) {
      content += (content.empty() ? "" : ",") + name;
    }
    content += "\n";
    content += sections[i];
    std::string file = std::string(table_name(t)) + ".csv";
    write_file(dir / file, content);
    Sha256 hash;
    hash.update(content);
    jt["status"] = "ok";
    jt["file"] = file;
    jt["rows"] = 0;
    jt["sha256"] = hash.hex_digest();
    jt["query"] = "SELECT …";
    tables.push_back(jt);
  }
  nlohmann::json manifest = {
      {"format", "tlrecon-snapshot"},
      {"format_version", 1},
      {"tool", "tlrecon"},
      {"version", "0.1.0"},
      {"taken_at", "2026-01-01T00:00:00Z"},
      {"window", {{"since", "2025-10-16T10:55:00Z"}, {"until", "2025-10-16T18:02:00Z"}}},
      {"lookback_seconds", 86400.0},
      {"log_lookback_seconds", 7200.0},
      {"mapping", {{"tables", nlohmann::json::object()}}},
      {"tables", tables},
  };
  if (sections.size() > 5) {
    nlohmann::json patch = nlohmann::json::parse(sections[5].begin(), sections[5].end(), nullptr, false);
    if (!patch.is_discarded()) {
      manifest.merge_patch(patch);
    }
  }
  write_file(dir / "manifest.json", manifest.dump(2));
  std::string annotate;
  if (sections.size() > 6) {
    annotate = write_file(Scratch::dir() / "notes.csv", sections[6]);
  }
  return {dir.string(), annotate};
}

inline void snapshot_one(std::string_view data) {
  const auto built = build_snapshot(data);
  const std::string& annotate = built.second;
  CommonOptions common;
  common.from = built.first;
  common.quiet = true;
  auto run = [&](const char* what, auto&& command) -> std::optional<std::string> {
    BoundedOutput out_buf(what, k_output_limit);
    BoundedOutput err_buf(std::string(what) + " (stderr)", k_output_limit);
    std::ostream out(&out_buf);
    std::ostream err(&err_buf);
    out.exceptions(std::ios::badbit);  // the limit's exception reaches the test, not a stream state
    err.exceptions(std::ios::badbit);
    try {
      int code = command(out, err);
      TLRECON_FUZZ_REQUIRE(code == k_exit_ok || code == k_exit_findings, std::string(what) + " exit code");
    } catch (const Error& e) {
      expect_error(e, {k_exit_usage, k_exit_source}, what);
      return std::nullopt;
    }
    return out_buf.str();
  };

  CheckOptions check;
  check.format = CheckFormat::json;
  if (auto out = run("check --format json", [&](std::ostream& o, std::ostream& e) { return run_check(common, check, o, e); })) {
    auto doc = nlohmann::json::parse(*out, nullptr, false);
    TLRECON_FUZZ_REQUIRE(!doc.is_discarded(), "check --format json is not JSON");
  } else {
    return;  // the snapshot itself is refused: every command refuses it
  }
  CheckOptions check_text;
  if (auto out = run("check", [&](std::ostream& o, std::ostream& e) { return run_check(common, check_text, o, e); })) {
    check_text_output(*out, "check");
  }
  ReportCommandOptions report;
  report.format = ReportFormat::markdown;
  report.full = true;
  report.tz = "America/New_York";
  report.color = ColorMode::never;
  report.annotate = annotate;
  if (auto out = run("report", [&](std::ostream& o, std::ostream& e) { return run_report(common, report, o, e, false); })) {
    check_text_output(*out, "report (markdown)");
  }
  report.format = ReportFormat::text;
  if (auto out = run("report --format text", [&](std::ostream& o, std::ostream& e) { return run_report(common, report, o, e, false); })) {
    check_text_output(*out, "report (text)");
  }
  report.format = ReportFormat::json;
  if (auto out = run("report --format json", [&](std::ostream& o, std::ostream& e) { return run_report(common, report, o, e, false); })) {
    auto doc = nlohmann::json::parse(*out, nullptr, false);
    TLRECON_FUZZ_REQUIRE(!doc.is_discarded(), "report --format json is not JSON");
  }
  TimelineOptions timeline;
  timeline.format = TimelineFormat::text;
  timeline.tz = "Asia/Kolkata";
  if (auto out = run("timeline", [&](std::ostream& o, std::ostream& e) { return run_timeline(common, timeline, o, e); })) {
    check_text_output(*out, "timeline (text)");
  }
  timeline.format = TimelineFormat::jsonl;
  timeline.tz.clear();
  if (auto out = run("timeline --format jsonl", [&](std::ostream& o, std::ostream& e) { return run_timeline(common, timeline, o, e); })) {
    std::istringstream lines(*out);
    std::string line;
    while (std::getline(lines, line)) {
      TLRECON_FUZZ_REQUIRE(!nlohmann::json::parse(line, nullptr, false).is_discarded(), "a jsonl line is not JSON");
    }
  }
  timeline.format = TimelineFormat::csv;
  if (auto out = run("timeline --format csv", [&](std::ostream& o, std::ostream& e) { return run_timeline(common, timeline, o, e); })) {
    std::vector<Row> rows;
    try {
      rows = read_csv(*out, "timeline.csv");
    } catch (const Error& e) {
      fail(std::string("timeline --format csv does not read back: ") + e.what(), __FILE__, __LINE__);
    }
    for (const Row& r : rows) {
      TLRECON_FUZZ_REQUIRE(!rows.empty() && r.size() == rows[0].size(), "timeline csv rows differ in width");
    }
  }
}

}  // namespace tlrecon::fuzz
