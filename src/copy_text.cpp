#include "tlrecon/copy_text.hpp"

namespace tlrecon {

namespace {

int octal(char c) { return c >= '0' && c <= '7' ? c - '0' : -1; }

int hex(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

void decode_field(std::string_view raw, Field& out) {
  out.time.reset();
  if (raw == "\\N") {
    out.null = true;
    out.text.clear();
    return;
  }
  out.null = false;
  out.text.clear();
  if (raw.find('\\') == std::string_view::npos) {
    out.text.append(raw.data(), raw.size());  // cleared above: cheaper than assign()
    return;
  }
  out.text.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\' || i + 1 == raw.size()) {
      out.text += c;
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b': out.text += '\b'; break;
      case 'f': out.text += '\f'; break;
      case 'n': out.text += '\n'; break;
      case 'r': out.text += '\r'; break;
      case 't': out.text += '\t'; break;
      case 'v': out.text += '\v'; break;
      case 'x': {
        int value = 0;
        int digits = 0;
        while (digits < 2 && i + 1 < raw.size() && hex(raw[i + 1]) >= 0) {
          value = value * 16 + hex(raw[++i]);
          ++digits;
        }
        out.text += digits ? static_cast<char>(value) : 'x';
        break;
      }
      default:
        if (octal(e) >= 0) {
          int value = octal(e);
          int digits = 1;
          while (digits < 3 && i + 1 < raw.size() && octal(raw[i + 1]) >= 0) {
            value = value * 8 + octal(raw[++i]);
            ++digits;
          }
          out.text += static_cast<char>(value & 0xff);
        } else {
          out.text += e;  // "\\" and any other escaped character stand for themselves
        }
    }
  }
}

}  // namespace

size_t decode_copy_line(std::string_view line, Row& row) {
  size_t count = 0;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    std::string_view raw = line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
    if (count == row.size()) {
      row.emplace_back();
    }
    decode_field(raw, row[count]);
    ++count;
    if (tab == std::string_view::npos) {
      break;
    }
    start = tab + 1;
  }
  return count;
}

}  // namespace tlrecon
