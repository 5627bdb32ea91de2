#pragma once
// CSV in the dialect of PostgreSQL's COPY … CSV HEADER: comma-separated,
// fields quoted with " when they hold a comma, quote, CR or LF, or are the
// empty string; an unquoted empty field is NULL. Snapshots are written and
// read in it, and Timesketch's importer reads it.
#include <cstdint>
#include <istream>
#include <string>

#include "tlrecon/source.hpp"

namespace tlrecon {

// Appends one field, quoted as COPY would quote it.
void append_csv_field(std::string& out, const Field& field);
void append_csv_field(std::string& out, std::string_view text);

// Reads records from a stream. Malformed input (an unterminated quote, a
// stray quote inside an unquoted field) throws Error with the line number;
// `what` names the file in that message.
class CsvReader {
 public:
  CsvReader(std::istream& in, std::string what);
  // Fills `row` with the next record; false at the end of the input.
  bool next(Row& row);
  // The line on which the last record returned started (1-based).
  uint64_t line() const { return m_record_line; }
  // The number of fields of the last record.
  size_t fields() const { return m_fields; }

 private:
  std::istream& m_in;
  std::string m_what;
  std::string m_buffer;
  uint64_t m_line = 0;
  uint64_t m_record_line = 0;
  size_t m_fields = 0;
};

}  // namespace tlrecon
