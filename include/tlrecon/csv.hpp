#pragma once
// CSV in the dialect of PostgreSQL's COPY … CSV HEADER: comma-separated,
// fields quoted with " when they hold a comma, quote, CR or LF, or are the
// empty string; an unquoted empty field is NULL. Snapshots are written and
// read in it, and Timesketch's importer reads it.
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <istream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tlrecon/source.hpp"

namespace tlrecon {

// Appends one field, quoted as COPY would quote it.
void append_csv_field(std::string& out, const Field& field);
void append_csv_field(std::string& out, std::string_view text);

// One field of a record split out of a buffer: where its text is and how
// to read it.
struct CsvSpan {
  enum Kind : uint8_t {
    null,     // an unquoted empty field
    text,     // the bytes as they are (a quoted field's, without its quotes)
    doubled,  // a quoted field holding "", each of which reads as one "
  };
  uint32_t begin = 0;
  uint32_t size = 0;
  Kind kind = null;
};

// The whole records split out of the start of a buffer by split_csv.
struct CsvRecords {
  std::vector<CsvSpan> spans;
  std::vector<uint32_t> ends;   // per record: one past its last span
  std::vector<uint64_t> lines;  // per record: the line it starts on (1-based)
  size_t used = 0;              // the bytes of those records, line breaks included
  uint64_t next_line = 1;       // the line of the byte at `used`
  std::string error;            // set: the record at `used` is malformed, this says how
};

// A record split_csv refuses to wait for more of (an error): PostgreSQL
// caps a field at 1 GB.
constexpr size_t k_max_csv_record = size_t(1) << 30;

// Splits off the whole records at the start of `text`, whose first byte is
// on line `line`; `at_end`: nothing follows `text` in the file. A record
// the bytes end inside is left for the next call (with more bytes), unless
// `at_end`. `what` names the file in errors. The one CSV parser: both
// readers below run it; fill_field reads a span into a Field.
void split_csv(std::string_view text, bool at_end, uint64_t line, const std::string& what, CsvRecords& out);
void fill_field(Field& field, const char* text, const CsvSpan& span);

// Reads records from a stream. Malformed input (an unterminated quote, a
// stray quote inside an unquoted field) throws Error with the line number;
// `what` names the file in that message. `chunk`: how many bytes are read
// at a time (a test reads in tiny chunks to split records anywhere).
class CsvReader {
 public:
  CsvReader(std::istream& in, std::string what, size_t chunk = 64 << 10);
  // Fills `row` with the next record; false at the end of the input.
  bool next(Row& row);
  // The line on which the last record returned started (1-based).
  uint64_t line() const { return m_record_line; }
  // The number of fields of the last record.
  size_t fields() const { return m_fields; }

 private:
  std::istream& m_in;
  std::string m_what;
  size_t m_chunk;
  std::vector<char> m_buffer;  // [0, m_size): read, not returned yet
  size_t m_size = 0;
  bool m_at_end = false;
  CsvRecords m_records;
  size_t m_next = 0;  // of m_records
  uint64_t m_record_line = 0;
  size_t m_fields = 0;
};

// A CSV file read and split into records on a second thread, and hashed
// there as it is read when asked: whoever takes the records fills rows from
// them, decodes and analyses them on one core while the file is read, hashed
// and split on the other. Snapshots are read through it. The file goes over
// in blocks of about k_block_size bytes, k_blocks_ahead at most waiting.
// (Rows filled on the second thread lost: the caller moves their strings
// away, so every string was allocated on one thread and freed on the other,
// and check --from took twice the CPU.)
class CsvFileReader {
 public:
  // A column whose text is a time, parsed on the second thread: its field
  // comes with `time` set and `text` empty, as a binary COPY's does (parsing
  // it was 5% of the first thread's time in check --from). A text that does
  // not parse comes as text, for the decoder to count.
  struct TimeColumn {
    size_t index;
    std::string zone;  // for a time without an offset (parse_time)
  };
  // Throws Error (exit 3) when the file cannot be opened.
  CsvFileReader(const std::string& path, bool hash, std::optional<TimeColumn> time = std::nullopt);
  ~CsvFileReader();
  CsvFileReader(const CsvFileReader&) = delete;
  CsvFileReader& operator=(const CsvFileReader&) = delete;
  // As CsvReader's; a file that cannot be read to its end throws Error
  // (exit 3) after the records before the failure.
  bool next(Row& row);
  uint64_t line() const { return m_record_line; }
  size_t fields() const { return m_fields; }
  // The file's SHA-256 (constructed with `hash`), once all of it is hashed:
  // what was not read yet is read and hashed without being split. Throws
  // Error (exit 3) when the file could not be read to its end.
  std::string digest();

 private:
  struct Block {
    std::vector<char> bytes;
    CsvRecords records;  // its error: after the records, the file is malformed there or could not be read
    std::vector<std::optional<Time>> times;  // per record: its time column, parsed (with a TimeColumn)
  };
  void run();
  void read_blocks();
  static constexpr size_t k_block_size = 128 << 10;
  static constexpr size_t k_blocks_ahead = 6;
  static constexpr size_t k_resume_at = 2;  // a full queue is filled again from this many
  std::string m_path;
  bool m_hash;
  std::optional<TimeColumn> m_time;
  std::FILE* m_file = nullptr;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Block> m_full;  // split, not taken yet
  std::vector<Block> m_spare;
  Block m_current;           // being taken
  size_t m_next = 0;         // of m_current's records
  bool m_ended = false;      // every byte read (or a read failed)
  bool m_drain = false;      // no more splitting: just hash the rest
  bool m_stop = false;
  std::string m_digest;
  std::string m_error;       // reading failed
  std::thread m_thread;
  uint64_t m_record_line = 0;
  size_t m_fields = 0;
};

}  // namespace tlrecon
