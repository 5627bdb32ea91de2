#include "tlrecon/copy_binary.hpp"

#include <cstring>
#include <limits>

#include "tlrecon/error.hpp"

namespace tlrecon {

namespace {

constexpr char k_signature[] = "PGCOPY\n\377\r\n";  // and a NUL: 11 bytes
constexpr size_t k_signature_size = 11;
constexpr int64_t k_days_1970_to_2000 = 10957;

uint16_t be16(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] << 8 | u[1]);
}

uint32_t be32(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} << 24 | uint32_t{u[1]} << 16 | uint32_t{u[2]} << 8 | u[3];
}

uint64_t be64(const char* p) { return uint64_t{be32(p)} << 32 | be32(p + 4); }

// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard
// Hinnant's civil_from_days). date::year_month_day holds years up to 32767;
// PostgreSQL's timestamps go to 294276.
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// Writes `value` with at least `width` digits at `p`; returns the end.
char* put_padded(char* p, uint64_t value, int width) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (int i = n; i < width; ++i) {
    *p++ = '0';
  }
  while (n > 0) {
    *p++ = digits[--n];
  }
  return p;
}

char* put_two(char* p, unsigned value) {
  p[0] = static_cast<char>('0' + value / 10);
  p[1] = static_cast<char>('0' + value % 10);
  return p + 2;
}

// "00" to "ff": two characters a byte, copied, not computed nibble by nibble
// (uuid keys and task ids are two of a log line's fields).
struct HexPairs {
  char text[512];
  constexpr HexPairs() : text() {
    const char* hex = "0123456789abcdef";
    for (int b = 0; b < 256; ++b) {
      text[2 * b] = hex[b >> 4];
      text[2 * b + 1] = hex[b & 15];
    }
  }
};
constexpr HexPairs k_hex_pairs;

void put_uuid(std::string& out, const char* p) {
  char text[36];
  char* t = text;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      *t++ = '-';
    }
    std::memcpy(t, k_hex_pairs.text + 2 * static_cast<unsigned char>(p[i]), 2);
    t += 2;
  }
  out.append(text, sizeof text);  // after clear(): cheaper than assign()
}

const char* column_name(BinaryColumn c) {
  switch (c) {
    case BinaryColumn::text: return "text";
    case BinaryColumn::uuid: return "uuid";
    case BinaryColumn::timestamptz: return "timestamptz";
    case BinaryColumn::timestamp: return "timestamp";
    case BinaryColumn::int2: return "int2";
    case BinaryColumn::int4: return "int4";
    case BinaryColumn::int8: return "int8";
    case BinaryColumn::timestamptz_value: return "timestamptz";
  }
  return "?";
}

// The years parse_time reads back (four digits, no " BC"), in PostgreSQL's
// microseconds: a row time outside them is kept as its text.
constexpr int64_t k_first_value = pg_micros(date::sys_days{date::year{1} / 1 / 1});
constexpr int64_t k_past_values = pg_micros(date::sys_days{date::year{10000} / 1 / 1});

// The field from its binary value: its text, or for timestamptz_value its value.
void decode_value(BinaryColumn c, const char* p, uint32_t n, Field& f) {
  static const uint32_t k_sizes[] = {0, 16, 8, 8, 2, 4, 8, 8};
  uint32_t want = k_sizes[static_cast<int>(c)];
  if (want != 0 && n != want) {
    throw source_error("binary COPY: a " + std::string(column_name(c)) + " field of " + std::to_string(n) +
                       " bytes");
  }
  std::string& out = f.text;
  out.clear();
  switch (c) {
    case BinaryColumn::text: out.append(p, n); break;  // cleared above: cheaper than assign()
    case BinaryColumn::uuid: put_uuid(out, p); break;
    case BinaryColumn::timestamptz: append_pg_timestamp(out, static_cast<int64_t>(be64(p)), true); break;
    case BinaryColumn::timestamp: append_pg_timestamp(out, static_cast<int64_t>(be64(p)), false); break;
    case BinaryColumn::int2: out = std::to_string(static_cast<int16_t>(be16(p))); break;
    case BinaryColumn::int4: out = std::to_string(static_cast<int32_t>(be32(p))); break;
    case BinaryColumn::int8: out = std::to_string(static_cast<int64_t>(be64(p))); break;
    case BinaryColumn::timestamptz_value: {
      auto micros = static_cast<int64_t>(be64(p));
      if (micros >= k_first_value && micros < k_past_values) {
        f.time = Time(Micros(micros + k_pg_epoch_micros));
      } else {
        append_pg_timestamp(out, micros, true);
      }
      break;
    }
  }
}

}  // namespace

std::optional<BinaryColumn> binary_column_of(const std::string& type) {
  // character(n) and name print their value as it is stored, like text.
  if (type == "text" || type == "name" || type.rfind("character", 0) == 0) {
    return BinaryColumn::text;
  }
  if (type == "uuid") {
    return BinaryColumn::uuid;
  }
  if (type == "timestamp with time zone") {
    return BinaryColumn::timestamptz;
  }
  if (type == "timestamp without time zone") {
    return BinaryColumn::timestamp;
  }
  if (type == "smallint") {
    return BinaryColumn::int2;
  }
  if (type == "integer") {
    return BinaryColumn::int4;
  }
  if (type == "bigint") {
    return BinaryColumn::int8;
  }
  return std::nullopt;
}

// As PostgreSQL's timestamptz_out with DateStyle ISO and TimeZone UTC
// (EncodeDateTime): the year padded to 4 digits, the fraction of a second
// without its trailing zeros, "+00", and " BC" for years before 1.
void append_pg_timestamp(std::string& out, int64_t micros, bool zone) {
  if (micros == std::numeric_limits<int64_t>::max()) {
    out += "infinity";
    return;
  }
  if (micros == std::numeric_limits<int64_t>::min()) {
    out += "-infinity";
    return;
  }
  // Rows come in time order, a few dozen a second: the date and time of day
  // of the last second printed are kept (per thread) and reused, and only
  // the fraction is printed again. Printing the whole was 5% of snapshot's CPU.
  struct LastSecond {
    int64_t second = std::numeric_limits<int64_t>::min();
    bool bc = false;
    size_t size = 0;
    char text[32];  // "2025-10-16 17:35:31"; years up to 294276
  };
  thread_local LastSecond last;
  // Floored, without multiplying back: near -infinity that would overflow.
  int64_t second = micros / 1000000;
  int64_t below = micros % 1000000;
  if (below < 0) {
    below += 1000000;
    --second;
  }
  auto fraction = static_cast<uint64_t>(below);
  if (second != last.second) {
    int64_t days = second / 86400;
    int64_t rest = second % 86400;
    if (rest < 0) {
      rest += 86400;
      --days;
    }
    int64_t year = 0;
    unsigned month = 0;
    unsigned day = 0;
    civil_from_days(days + k_days_1970_to_2000, year, month, day);
    last.bc = year <= 0;
    char* p = put_padded(last.text, static_cast<uint64_t>(last.bc ? 1 - year : year), 4);
    *p++ = '-';
    p = put_two(p, month);
    *p++ = '-';
    p = put_two(p, day);
    *p++ = ' ';
    auto seconds = static_cast<unsigned>(rest);
    p = put_two(p, seconds / 3600);
    *p++ = ':';
    p = put_two(p, seconds / 60 % 60);
    *p++ = ':';
    p = put_two(p, seconds % 60);
    last.size = static_cast<size_t>(p - last.text);
    last.second = second;
  }
  char text[48];
  std::memcpy(text, last.text, last.size);
  char* p = text + last.size;
  if (fraction != 0) {
    int digits = 6;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --digits;
    }
    *p++ = '.';
    p = put_padded(p, fraction, digits);
  }
  if (zone) {
    *p++ = '+';
    *p++ = '0';
    *p++ = '0';
  }
  if (last.bc) {
    *p++ = ' ';
    *p++ = 'B';
    *p++ = 'C';
  }
  out.append(text, static_cast<size_t>(p - text));
}

void BinaryCopyReader::feed(std::string& message) {
  if (m_pos == m_data.size()) {
    m_data.swap(message);
    m_pos = 0;
    return;
  }
  // A row split across messages (the server sends one per row; a proxy may not).
  m_data.erase(0, m_pos);
  m_data += message;
  m_pos = 0;
}

bool BinaryCopyReader::read_header() {
  size_t fixed = k_signature_size + 8;
  if (m_data.size() - m_pos < fixed) {
    return false;
  }
  if (std::memcmp(m_data.data() + m_pos, k_signature, k_signature_size) != 0) {
    throw source_error("binary COPY: the data does not begin with PostgreSQL's signature");
  }
  uint32_t extension = be32(m_data.data() + m_pos + k_signature_size + 4);
  if (m_data.size() - m_pos < fixed + extension) {
    return false;
  }
  m_pos += fixed + extension;
  m_header = true;
  return true;
}

bool BinaryCopyReader::next(Row& row) {
  if (m_ended || (!m_header && !read_header())) {
    return false;
  }
  const char* data = m_data.data();
  size_t size = m_data.size();
  size_t at = m_pos;
  if (size - at < 2) {
    return false;
  }
  auto count = static_cast<int16_t>(be16(data + at));
  at += 2;
  if (count == -1) {
    m_ended = true;
    m_pos = at;
    return false;
  }
  if (count != static_cast<int16_t>(m_columns.size())) {
    throw source_error("binary COPY: a row of " + std::to_string(count) + " fields, expected " +
                       std::to_string(m_columns.size()));
  }
  // Whole row present? Fields are decoded only then, so a partial one is
  // read again from its start once the next message is fed.
  size_t end = at;
  for (int16_t i = 0; i < count; ++i) {
    if (size - end < 4) {
      return false;
    }
    auto n = static_cast<int32_t>(be32(data + end));
    end += 4;
    if (n < -1) {
      throw source_error("binary COPY: a field of negative length");
    }
    if (n > 0) {
      if (size - end < static_cast<size_t>(n)) {
        return false;
      }
      end += static_cast<size_t>(n);
    }
  }
  row.resize(m_columns.size());
  for (size_t i = 0; i < m_columns.size(); ++i) {
    auto n = static_cast<int32_t>(be32(data + at));
    at += 4;
    Field& f = row[i];
    f.time.reset();
    if (n == -1) {
      f.null = true;
      f.text.clear();
      continue;
    }
    f.null = false;
    decode_value(m_columns[i], data + at, static_cast<uint32_t>(n), f);
    at += static_cast<size_t>(n);
  }
  m_pos = at;
  return true;
}

}  // namespace tlrecon
