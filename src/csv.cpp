#include "tlrecon/csv.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "tlrecon/error.hpp"
#include "tlrecon/sha256.hpp"
#include "tlrecon/time.hpp"

namespace tlrecon {

namespace {

// A field must be quoted when it holds one of these: four memchr passes
// (vectorised) beat one loop testing every byte four times.
bool needs_quotes(std::string_view text) {
  const char* p = text.data();
  size_t n = text.size();
  return std::memchr(p, ',', n) != nullptr || std::memchr(p, '"', n) != nullptr ||
         std::memchr(p, '\n', n) != nullptr || std::memchr(p, '\r', n) != nullptr;
}

}  // namespace

void append_csv_field(std::string& out, std::string_view text) {
  bool quote = text.empty() || text == "\\." || needs_quotes(text);
  if (!quote) {
    out.append(text.data(), text.size());
    return;
  }
  out += '"';
  // Up to each quote in one piece, the quote doubled.
  size_t at = 0;
  while (true) {
    size_t q = text.find('"', at);
    if (q == std::string_view::npos) {
      out.append(text.data() + at, text.size() - at);
      break;
    }
    out.append(text.data() + at, q + 1 - at);
    out += '"';
    at = q + 1;
  }
  out += '"';
}

void append_csv_field(std::string& out, const Field& field) {
  if (field.null) {
    return;
  }
  if (field.time) {
    append_field_text(out, field);  // digits, '-', ':', '.', '+' and a space: never quoted
    return;
  }
  append_csv_field(out, std::string_view(field.text));
}

namespace {

void clear(CsvRecords& out, uint64_t line) {
  out.spans.clear();
  out.ends.clear();
  out.lines.clear();
  out.used = 0;
  out.next_line = line;
  out.error.clear();
}

uint64_t count_lines(const char* p, size_t n) {
  uint64_t lines = 0;
  for (const char* end = p + n; (p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr; ++p) {
    ++lines;
  }
  return lines;
}

// The i-th record of `records` into `row`; returns its field count. Field
// `skip` (when there is one) is left as it is.
size_t fill_row(Row& row, const char* text, const CsvRecords& records, size_t i, size_t skip = SIZE_MAX) {
  size_t first = i == 0 ? 0 : records.ends[i - 1];
  size_t count = records.ends[i] - first;
  if (row.size() < count) {
    row.resize(count);
  }
  for (size_t f = 0; f < count; ++f) {
    if (f != skip) {
      fill_field(row[f], text, records.spans[first + f]);
    }
  }
  return count;
}

// The time column of each record of `records`, parsed where it can be.
void parse_times(const char* text, const CsvRecords& records, const CsvFileReader::TimeColumn& column,
                 std::vector<std::optional<Time>>& out) {
  out.assign(records.ends.size(), std::nullopt);
  for (size_t i = 0; i < records.ends.size(); ++i) {
    size_t first = i == 0 ? 0 : records.ends[i - 1];
    if (records.ends[i] - first <= column.index) {
      continue;
    }
    const CsvSpan& span = records.spans[first + column.index];
    if (span.kind == CsvSpan::text) {
      out[i] = parse_time(std::string_view(text + span.begin, span.size), column.zone);
    }
  }
}

}  // namespace

void split_csv(std::string_view text, bool at_end, uint64_t line, const std::string& what, CsvRecords& out) {
  clear(out, line);
  const char* p = text.data();
  const size_t n = text.size();
  if (n > UINT32_MAX) {
    out.error = what + " line " + std::to_string(line) + ": a record longer than 4 GiB";
    return;
  }
  auto fail = [&](uint64_t at, const char* why) {
    out.spans.resize(out.ends.empty() ? 0 : out.ends.back());
    out.error = what + " line " + std::to_string(at) + ": " + why;
  };
  auto incomplete = [&] {
    out.spans.resize(out.ends.empty() ? 0 : out.ends.back());
    if (out.ends.empty() && n > k_max_csv_record) {
      // Read on, the buffer would double again: a stray quote at the top of
      // a huge file, or not CSV at all.
      out.error = what + " line " + std::to_string(out.next_line) + ": a record longer than 1 GiB";
    }
  };
  size_t pos = 0;
  size_t line_end = 0;  // where the line of `pos` ends, once looked for (> pos)
  while (pos < n) {
    // A record starts at pos, on `line`; each pass of the loop is a field.
    const uint64_t record_line = line;
    while (true) {
      CsvSpan span;
      if (pos < n && p[pos] == '"') {
        // Up to the quote that closes it: a doubled quote is one quote.
        span.kind = CsvSpan::text;
        const size_t from = pos + 1;
        size_t at = from;
        while (true) {
          const void* q = at < n ? std::memchr(p + at, '"', n - at) : nullptr;
          if (q == nullptr) {
            if (at_end) {
              return fail(record_line, "a quoted field is not closed before the end of the file");
            }
            return incomplete();
          }
          size_t quote = static_cast<const char*>(q) - p;
          if (quote + 1 == n && !at_end) {
            return incomplete();  // a quote doubled by the next byte, or not
          }
          if (quote + 1 < n && p[quote + 1] == '"') {
            span.kind = CsvSpan::doubled;
            at = quote + 2;
            continue;
          }
          span.begin = static_cast<uint32_t>(from);
          span.size = static_cast<uint32_t>(quote - from);
          line += count_lines(p + from, quote - from);
          pos = quote + 1;
          break;
        }
        if (pos < n && p[pos] != ',' && p[pos] != '\n') {
          return fail(line, "unexpected text after a closing quote");
        }
      } else {
        // Up to the next comma on the line.
        if (line_end <= pos) {
          const void* nl = std::memchr(p + pos, '\n', n - pos);
          if (nl == nullptr && !at_end) {
            return incomplete();
          }
          line_end = nl == nullptr ? n : static_cast<size_t>(static_cast<const char*>(nl) - p);
        }
        const void* comma = std::memchr(p + pos, ',', line_end - pos);
        size_t stop = comma == nullptr ? line_end : static_cast<size_t>(static_cast<const char*>(comma) - p);
        if (std::memchr(p + pos, '"', stop - pos) != nullptr) {
          return fail(line, "a quote inside an unquoted field");
        }
        span.kind = stop == pos ? CsvSpan::null : CsvSpan::text;
        span.begin = static_cast<uint32_t>(pos);
        span.size = static_cast<uint32_t>(stop - pos);
        pos = stop;
      }
      out.spans.push_back(span);
      if (pos < n && p[pos] == ',') {
        ++pos;
        continue;
      }
      // The record ends at a line break, or at the end of the file.
      if (pos < n) {
        ++pos;
        ++line;
      }
      break;
    }
    out.ends.push_back(static_cast<uint32_t>(out.spans.size()));
    out.lines.push_back(record_line);
    out.used = pos;
    out.next_line = line;
  }
}

void fill_field(Field& field, const char* text, const CsvSpan& span) {
  field.text.clear();  // then appended to: cheaper than assign()
  field.time.reset();
  field.null = span.kind == CsvSpan::null;
  const char* p = text + span.begin;
  if (span.kind != CsvSpan::doubled) {
    field.text.append(p, span.size);
    return;
  }
  // Up to each quote in one piece, the quote after it dropped.
  size_t at = 0;
  while (at < span.size) {
    const void* q = std::memchr(p + at, '"', span.size - at);
    if (q == nullptr) {
      field.text.append(p + at, span.size - at);
      break;
    }
    size_t quote = static_cast<const char*>(q) - p;
    field.text.append(p + at, quote + 1 - at);
    at = quote + 2;
  }
}

CsvReader::CsvReader(std::istream& in, std::string what, size_t chunk)
    : m_in(in), m_what(std::move(what)), m_chunk(std::max<size_t>(chunk, 1)) {}

bool CsvReader::next(Row& row) {
  while (m_next == m_records.ends.size()) {
    if (!m_records.error.empty()) {
      throw source_error(m_records.error);
    }
    // The records returned make room; what is left starts a record.
    size_t used = m_records.used;
    if (used > 0) {
      std::memmove(m_buffer.data(), m_buffer.data() + used, m_size - used);
      m_size -= used;
      m_records.used = 0;
    }
    if (m_at_end) {
      return false;  // split_csv took every byte at the end
    }
    // As much again as a record begun holds: a long record is split again
    // a few times, not once a chunk.
    size_t want = std::max(m_chunk, m_size);
    if (m_buffer.size() < m_size + want) {
      m_buffer.resize(m_size + want);
    }
    m_in.read(m_buffer.data() + m_size, static_cast<std::streamsize>(want));
    size_t got = static_cast<size_t>(m_in.gcount());
    m_size += got;
    m_at_end = got < want;
    split_csv(std::string_view(m_buffer.data(), m_size), m_at_end, m_records.next_line, m_what, m_records);
    m_next = 0;
  }
  m_record_line = m_records.lines[m_next];
  m_fields = fill_row(row, m_buffer.data(), m_records, m_next);
  ++m_next;
  return true;
}

CsvFileReader::CsvFileReader(const std::string& path, bool hash, std::optional<TimeColumn> time)
    : m_path(path), m_hash(hash), m_time(std::move(time)) {
  m_file = std::fopen(path.c_str(), "rb");
  if (m_file == nullptr) {
    throw source_error("cannot read snapshot file '" + path + "'");
  }
  m_thread = std::thread([this] { run(); });
}

CsvFileReader::~CsvFileReader() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  m_thread.join();
  std::fclose(m_file);
}

void CsvFileReader::run() {
  // Whatever escapes (bad_alloc on a huge record) ends the reading with an
  // error the taker throws, not the program.
  try {
    read_blocks();
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_error = "cannot read snapshot file '" + m_path + "': " + e.what();
    m_ended = true;
    m_changed.notify_all();
  }
}

void CsvFileReader::read_blocks() {
  Sha256 hash;
  Block block;
  std::vector<char> carry;  // a record begun in the last block, for the next
  uint64_t line = 1;
  bool split = true;        // false once a record is malformed: just hash the rest
  while (true) {
    {
      std::unique_lock<std::mutex> lock(m_mutex);
      // Once the queue is full, on again only when it has room for several
      // blocks: a wake-up a block was 4% of the taker's time (futex_wake)
      // when the taker is the slower.
      if (m_full.size() >= k_blocks_ahead) {
        m_changed.wait(lock, [&] { return m_stop || m_drain || m_full.size() <= k_resume_at; });
      }
      if (m_stop) {
        return;
      }
      split = split && !m_drain;
      if (!split) {
        carry.clear();  // hashed already; nothing more is split
      }
      if (block.bytes.empty() && !m_spare.empty()) {
        block = std::move(m_spare.back());
        m_spare.pop_back();
      }
    }
    // As much again as a record begun holds (see CsvReader::next).
    const size_t have = carry.size();
    const size_t want = std::max(k_block_size, have);
    if (block.bytes.size() < have + want) {
      block.bytes.resize(have + want);
    }
    if (have > 0) {
      std::memcpy(block.bytes.data(), carry.data(), have);
    }
    size_t n = std::fread(block.bytes.data() + have, 1, want, m_file);
    if (m_hash) {
      hash.update(std::string_view(block.bytes.data() + have, n));
    }
    const bool at_end = n < want;
    std::string failed;
    if (at_end && std::ferror(m_file)) {
      failed = "cannot read snapshot file '" + m_path + "': " + std::strerror(errno);
    }
    const bool publish = split;
    if (split) {
      std::string_view text(block.bytes.data(), have + n);
      split_csv(text, at_end && failed.empty(), line, m_path, block.records);
      if (block.records.ends.empty() && block.records.error.empty() && !at_end) {
        carry.assign(text.begin(), text.end());  // a record longer than the block: read on
        continue;
      }
      carry.assign(text.begin() + static_cast<std::ptrdiff_t>(block.records.used), text.end());
      line = block.records.next_line;
      if (block.records.error.empty()) {
        block.records.error = failed;
      }
      split = block.records.error.empty();
      if (m_time) {
        parse_times(block.bytes.data(), block.records, *m_time, block.times);
      }
    }
    const bool ended = at_end || (!split && !m_hash);
    std::lock_guard<std::mutex> lock(m_mutex);
    if (publish && !m_drain) {
      m_full.push_back(std::move(block));
      block = {};
      if (m_full.size() == 1) {
        m_changed.notify_all();  // the taker waits only on an empty queue (a wake-up was 3% of check --from)
      }
    }
    if (ended) {
      m_error = failed;
      if (m_hash && failed.empty()) {
        m_digest = hash.hex_digest();
      }
      m_ended = true;
      m_changed.notify_all();
      return;
    }
  }
}

bool CsvFileReader::next(Row& row) {
  while (m_next == m_current.records.ends.size()) {
    if (!m_current.records.error.empty()) {
      throw source_error(m_current.records.error);
    }
    std::unique_lock<std::mutex> lock(m_mutex);
    if (!m_current.bytes.empty()) {
      m_spare.push_back(std::move(m_current));
      m_current = {};
    }
    m_changed.wait(lock, [&] { return !m_full.empty() || m_ended; });
    if (m_full.empty()) {
      m_next = 0;  // of the empty m_current: the next call ends here again
      if (!m_error.empty()) {
        throw source_error(m_error);
      }
      return false;
    }
    if (m_full.size() == k_resume_at + 1) {
      m_changed.notify_all();  // the reader waits for this once it has filled the queue
    }
    m_current = std::move(m_full.front());
    m_full.pop_front();
    m_next = 0;
  }
  m_record_line = m_current.records.lines[m_next];
  if (m_time && m_current.times[m_next]) {
    m_fields = fill_row(row, m_current.bytes.data(), m_current.records, m_next, m_time->index);
    Field& f = row[m_time->index];
    f.text.clear();
    f.null = false;
    f.time = m_current.times[m_next];
  } else {
    m_fields = fill_row(row, m_current.bytes.data(), m_current.records, m_next);
  }
  ++m_next;
  return true;
}

std::string CsvFileReader::digest() {
  std::unique_lock<std::mutex> lock(m_mutex);
  m_drain = true;
  m_full.clear();
  m_changed.notify_all();
  m_changed.wait(lock, [&] { return m_ended; });
  if (!m_error.empty()) {
    throw source_error(m_error);
  }
  return m_digest;
}

}  // namespace tlrecon
