#include "tlrecon/csv.hpp"

#include <cstring>

#include "tlrecon/error.hpp"

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

CsvReader::CsvReader(std::istream& in, std::string what) : m_in(in), m_what(std::move(what)) {}

bool CsvReader::next(Row& row) {
  if (!std::getline(m_in, m_buffer)) {
    return false;
  }
  ++m_line;
  m_record_line = m_line;
  size_t count = 0;
  size_t pos = 0;
  auto field = [&]() -> Field& {
    if (count == row.size()) {
      row.emplace_back();
    }
    return row[count++];
  };
  while (true) {
    Field& f = field();
    f.text.clear();
    f.time.reset();
    if (pos < m_buffer.size() && m_buffer[pos] == '"') {
      f.null = false;
      ++pos;
      while (true) {
        if (pos >= m_buffer.size()) {
          // The quoted field goes on over a line break.
          std::string more;
          if (!std::getline(m_in, more)) {
            throw source_error(m_what + " line " + std::to_string(m_record_line) +
                               ": a quoted field is not closed before the end of the file");
          }
          ++m_line;
          f.text += '\n';
          m_buffer = std::move(more);
          pos = 0;
          continue;
        }
        // Up to the next quote in one piece: a doubled quote is one quote, a
        // single one closes the field.
        size_t quote = m_buffer.find('"', pos);
        size_t stop = quote == std::string::npos ? m_buffer.size() : quote;
        f.text.append(m_buffer, pos, stop - pos);
        pos = stop;
        if (quote == std::string::npos) {
          continue;
        }
        ++pos;
        if (pos < m_buffer.size() && m_buffer[pos] == '"') {
          f.text += '"';
          ++pos;
        } else {
          break;
        }
      }
      if (pos < m_buffer.size() && m_buffer[pos] != ',') {
        throw source_error(m_what + " line " + std::to_string(m_line) +
                           ": unexpected text after a closing quote");
      }
    } else {
      size_t end = m_buffer.find(',', pos);
      size_t stop = end == std::string::npos ? m_buffer.size() : end;
      std::string_view raw(m_buffer.data() + pos, stop - pos);
      if (raw.find('"') != std::string_view::npos) {
        throw source_error(m_what + " line " + std::to_string(m_line) +
                           ": a quote inside an unquoted field");
      }
      f.null = raw.empty();
      f.text.append(raw.data(), raw.size());  // cleared above: cheaper than assign()
      pos = stop;
    }
    if (pos >= m_buffer.size()) {
      break;
    }
    ++pos;  // the comma
  }
  m_fields = count;
  return true;
}

}  // namespace tlrecon
