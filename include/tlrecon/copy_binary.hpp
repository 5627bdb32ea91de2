#pragma once
// PostgreSQL's COPY binary format (COPY … TO STDOUT (FORMAT binary)), read
// into the same rows as the text format: each field becomes the text
// PostgreSQL prints for it (ISO dates in UTC, as the session sets them), so
// nothing downstream can tell the two apart. The server saves the text
// output of timestamptz and uuid, which costs it about as much as finding
// the rows (docs/scaling.md); only the types below are asked for in binary.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tlrecon/source.hpp"

namespace tlrecon {

// How one column's binary value becomes its text. timestamptz_value: kept
// as its value in Field::time (years 1 to 9999; text outside them), for a
// time field whose consumers all read it with field_time().
enum class BinaryColumn : uint8_t { text, uuid, timestamptz, timestamp, int2, int4, int8, timestamptz_value };

// The binary reading of a column of this type (as format_type prints it), or
// none when tlrecon does not decode that type: such a table is read as text.
std::optional<BinaryColumn> binary_column_of(const std::string& type);

// The text PostgreSQL prints for a timestamp held as microseconds since
// 2000-01-01 00:00 UTC, with DateStyle ISO and TimeZone UTC:
// "2025-10-16 17:35:31.5+00", "0044-03-15 12:00:00+00 BC", "infinity".
// `zone`: timestamptz ("+00"); without it, timestamp without time zone.
void append_pg_timestamp(std::string& out, int64_t micros, bool zone);
// An instant as PostgreSQL holds it: microseconds since 2000-01-01 00:00 UTC.
constexpr int64_t k_pg_epoch_micros = 946684800LL * 1000000;
constexpr int64_t pg_micros(Time t) { return t.time_since_epoch().count() - k_pg_epoch_micros; }

// Reads the CopyData messages of one binary COPY, in order, into rows.
class BinaryCopyReader {
 public:
  explicit BinaryCopyReader(std::vector<BinaryColumn> columns) : m_columns(std::move(columns)) {}
  // Hands over the next message (taken, to avoid a copy).
  void feed(std::string& message);
  // The next whole row of what was fed: true with `row` filled; false when
  // the reader needs the next message or the data has ended (ended()).
  // Malformed data throws a source error.
  bool next(Row& row);
  // The trailer was read: no row follows.
  bool ended() const { return m_ended; }

 private:
  bool read_header();
  std::vector<BinaryColumn> m_columns;
  std::string m_data;
  size_t m_pos = 0;
  bool m_header = false;
  bool m_ended = false;
};

}  // namespace tlrecon
