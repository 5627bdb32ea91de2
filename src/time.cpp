#include "tlrecon/time.hpp"

#include <cstdio>
#include <cstring>

#include <date/tz.h>

#include "tlrecon/error.hpp"

namespace tlrecon {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly n digits at text[pos]; advances pos.
bool read_digits(std::string_view text, size_t& pos, int n, int& out) {
  if (pos + n > text.size()) {
    return false;
  }
  int value = 0;
  for (int i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (!is_digit(c)) {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  out = value;
  pos += n;
  return true;
}

// "+05", "+0530", "+05:30", "+05:30:00" (PostgreSQL prints seconds for
// historical zones); returns the offset east of UTC in seconds.
bool read_offset(std::string_view text, size_t& pos, long& seconds) {
  char sign = text[pos];
  if (sign != '+' && sign != '-') {
    return false;
  }
  ++pos;
  int hours = 0;
  int minutes = 0;
  int secs = 0;
  if (!read_digits(text, pos, 2, hours)) {
    return false;
  }
  if (pos < text.size()) {
    if (text[pos] == ':') {
      ++pos;
      if (!read_digits(text, pos, 2, minutes)) {
        return false;
      }
      if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!read_digits(text, pos, 2, secs)) {
          return false;
        }
      }
    } else if (!read_digits(text, pos, 2, minutes)) {
      return false;
    }
  }
  if (hours > 15 || minutes > 59 || secs > 59) {
    return false;
  }
  seconds = (hours * 3600L + minutes * 60L + secs) * (sign == '-' ? -1 : 1);
  return true;
}

// "2025-10-16": a valid calendar date.
std::optional<date::sys_days> read_date(std::string_view text, size_t& pos) {
  int y = 0;
  int mo = 0;
  int d = 0;
  if (!read_digits(text, pos, 4, y) || pos >= text.size() || text[pos++] != '-' ||
      !read_digits(text, pos, 2, mo) || pos >= text.size() || text[pos++] != '-' ||
      !read_digits(text, pos, 2, d)) {
    return std::nullopt;
  }
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return date::sys_days(ymd);
}

// ".5", ",123456789": at least one digit, read to the microsecond.
bool read_fraction(std::string_view text, size_t& pos, long& micros) {
  int digits = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    if (digits < 6) {
      micros = micros * 10 + (text[pos] - '0');
    }
    ++digits;
    ++pos;
  }
  for (int i = digits; i < 6; ++i) {
    micros *= 10;
  }
  return digits > 0;
}

// "17:35", "17:35:31", "17:35:31.25": the time since midnight.
std::optional<Micros> read_clock(std::string_view text, size_t& pos) {
  int h = 0;
  int mi = 0;
  int s = 0;
  long micros = 0;
  if (!read_digits(text, pos, 2, h) || pos >= text.size() || text[pos++] != ':' ||
      !read_digits(text, pos, 2, mi)) {
    return std::nullopt;
  }
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!read_digits(text, pos, 2, s)) {
      return std::nullopt;
    }
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      if (!read_fraction(text, pos, micros)) {
        return std::nullopt;
      }
    }
  }
  if (h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  if (s == 60) {
    s = 59;  // a leap second: the nearest instant we can represent
    micros = 999999;
  }
  return std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s) + Micros(micros);
}

// "Z" or an offset: seconds east of UTC.
std::optional<long> read_zone(std::string_view text, size_t& pos) {
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
    return 0;
  }
  long offset = 0;
  if (!read_offset(text, pos, offset)) {
    return std::nullopt;
  }
  return offset;
}

// A time without a zone of its own is local time in `zone`, UTC when none.
std::optional<Time> in_zone(Time local, const std::string& zone) {
  if (zone.empty() || zone == "UTC") {
    return local;
  }
  try {
    const date::time_zone* z = date::locate_zone(zone);
    return z->to_sys(date::local_time<Micros>(local.time_since_epoch()), date::choose::earliest);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool is_leap(unsigned y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), for years 0 to 9999.
long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

// The text every row's time arrives in, "2025-10-16 00:00:00.039663+00"
// (PostgreSQL's timestamptz in UTC; 'T', "Z", no zone and other whole-hour
// offsets too), read straight from fixed positions. False for anything
// else, which the general parser below decides: it cost ~360 instructions a
// row, a large share of decoding a log line.
bool parse_canonical(std::string_view text, const std::string& default_zone, Time& out) {
  const size_t n = text.size();
  if (n < 19) {
    return false;
  }
  const char* p = text.data();
  auto digit = [p](size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(p[i]) - '0'); };
  if (p[4] != '-' || p[7] != '-' || (p[10] != ' ' && p[10] != 'T') || p[13] != ':' || p[16] != ':') {
    return false;
  }
  // Rows come in time order, a day's worth at a time: the date of the last
  // call (per thread) is kept with its day number.
  thread_local char last_date[10] = {};
  thread_local long last_days = 0;
  thread_local bool have_last = false;
  long days = 0;
  if (have_last && std::memcmp(p, last_date, 10) == 0) {
    days = last_days;
  } else {
    if ((digit(0) > 9) | (digit(1) > 9) | (digit(2) > 9) | (digit(3) > 9) | (digit(5) > 9) | (digit(6) > 9) |
        (digit(8) > 9) | (digit(9) > 9)) {
      return false;
    }
    const unsigned y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
    const unsigned mo = digit(5) * 10 + digit(6);
    const unsigned d = digit(8) * 10 + digit(9);
    static constexpr unsigned k_month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > k_month_days[mo - 1] + (mo == 2 && is_leap(y) ? 1 : 0)) {
      return false;
    }
    days = days_from_civil(y, mo, d);
    std::memcpy(last_date, p, 10);
    last_days = days;
    have_last = true;
  }
  if ((digit(11) > 9) | (digit(12) > 9) | (digit(14) > 9) | (digit(15) > 9) | (digit(17) > 9) | (digit(18) > 9)) {
    return false;
  }
  const unsigned h = digit(11) * 10 + digit(12);
  const unsigned mi = digit(14) * 10 + digit(15);
  const unsigned s = digit(17) * 10 + digit(18);
  // A leap second (s == 60) is left to the general parser.
  if (h > 23 || mi > 59 || s > 59) {
    return false;
  }
  size_t pos = 19;
  long micros = 0;
  if (pos + 7 <= n && p[pos] == '.' && (digit(pos + 1) <= 9) & (digit(pos + 2) <= 9) & (digit(pos + 3) <= 9) &
                                            (digit(pos + 4) <= 9) & (digit(pos + 5) <= 9) & (digit(pos + 6) <= 9)) {
    // Six digits, as PostgreSQL prints a fraction whose last digit is not 0.
    micros = ((((digit(pos + 1) * 10L + digit(pos + 2)) * 10 + digit(pos + 3)) * 10 + digit(pos + 4)) * 10 +
              digit(pos + 5)) * 10 + digit(pos + 6);
    pos += 7;
    if (pos < n && digit(pos) <= 9) {
      return false;  // more than six
    }
  } else if (pos < n && p[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < n && pos - start < 6 && digit(pos) <= 9) {
      micros = micros * 10 + digit(pos);
      ++pos;
    }
    if (pos == start || (pos < n && digit(pos) <= 9)) {
      return false;  // no digit, or more than six
    }
    for (size_t i = pos - start; i < 6; ++i) {
      micros *= 10;
    }
  }
  long offset = 0;
  if (pos == n) {
    if (!default_zone.empty() && default_zone != "UTC") {
      return false;
    }
  } else if (n - pos == 1 && p[pos] == 'Z') {
    offset = 0;
  } else if (n - pos == 3 && (p[pos] == '+' || p[pos] == '-') && digit(pos + 1) <= 9 && digit(pos + 2) <= 9) {
    const long hours = digit(pos + 1) * 10 + digit(pos + 2);
    if (hours > 15) {
      return false;
    }
    offset = (p[pos] == '-' ? -hours : hours) * 3600;
  } else {
    return false;
  }
  const long seconds = days * 86400L + h * 3600L + mi * 60L + s - offset;
  out = Time(Micros(seconds * 1000000L + micros));
  return true;
}

}  // namespace

std::optional<Time> parse_time(std::string_view text, const std::string& default_zone) {
  Time fast{};
  if (parse_canonical(text, default_zone, fast)) {
    return fast;
  }
  size_t pos = 0;
  // 1. The date; alone, it is midnight.
  std::optional<date::sys_days> day = read_date(text, pos);
  if (!day) {
    return std::nullopt;
  }
  Micros since_midnight{0};
  std::optional<long> offset;
  if (pos < text.size()) {
    // 2. The time of day, after 'T' or a space.
    char sep = text[pos++];
    if (sep != 'T' && sep != 't' && sep != ' ') {
      return std::nullopt;
    }
    std::optional<Micros> clock = read_clock(text, pos);
    if (!clock) {
      return std::nullopt;
    }
    since_midnight = *clock;
    // 3. The zone, when the text has one.
    if (pos < text.size()) {
      offset = read_zone(text, pos);
      if (!offset) {
        return std::nullopt;
      }
    }
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  Time local = *day + since_midnight;
  if (offset) {
    return local - std::chrono::seconds(*offset);
  }
  return in_zone(local, default_zone);
}

std::optional<Micros> parse_duration(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  // At most about 100 years: far beyond any window, far below overflow.
  constexpr long long k_max_seconds = 100LL * 366 * 86400;
  long long total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    long long value = 0;
    size_t start_digits = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      value = value * 10 + (text[pos] - '0');
      if (value > k_max_seconds) {
        return std::nullopt;
      }
      ++pos;
    }
    if (pos == start_digits || pos >= text.size()) {
      return std::nullopt;
    }
    long long unit = 0;
    switch (text[pos++]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: return std::nullopt;
    }
    if (value > (k_max_seconds - total) / unit) {
      return std::nullopt;
    }
    total += value * unit;
  }
  return Micros(total * 1000000);
}

namespace {

// "YYYY-MM-DD?HH:MM:SS" by arithmetic: date::format goes through an
// ostream, which costs more than the rest of a timeline line. Written into
// a buffer and appended once: a timeline line appends its time per event.
char* write_digits(char* out, long value, int width) {
  for (int n = width - 1; n >= 0; --n) {
    out[n] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

char* write_date_time(char* out, Time t, char separator) {
  auto secs = date::floor<std::chrono::seconds>(t);
  auto days = date::floor<date::days>(secs);
  date::year_month_day ymd{days};
  long of_day = static_cast<long>((secs - days).count());
  int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {
    std::string general = date::format("%F", days);  // outside four digits: the slow, general way
    std::memcpy(out, general.data(), general.size());
    out += general.size();
  } else {
    out = write_digits(out, year, 4);
    *out++ = '-';
    out = write_digits(out, static_cast<unsigned>(ymd.month()), 2);
    *out++ = '-';
    out = write_digits(out, static_cast<unsigned>(ymd.day()), 2);
  }
  *out++ = separator;
  out = write_digits(out, of_day / 3600, 2);
  *out++ = ':';
  out = write_digits(out, of_day / 60 % 60, 2);
  *out++ = ':';
  return write_digits(out, of_day % 60, 2);
}

}  // namespace

std::string format_utc(Time t) {
  char buf[k_utc_max];
  return std::string(buf, write_utc(buf, t));
}

void append_utc(std::string& out, Time t) {
  char buf[k_utc_max];
  out.append(buf, write_utc(buf, t));
}

char* write_utc(char* out, Time t) {
  out = write_date_time(out, t, 'T');
  long frac = static_cast<long>((t - date::floor<std::chrono::seconds>(t)).count());
  if (frac != 0) {
    *out++ = '.';
    if (frac % 1000 == 0) {
      out = write_digits(out, frac / 1000, 3);
    } else {
      out = write_digits(out, frac, 6);
    }
  }
  *out++ = 'Z';
  return out;
}

std::string format_utc_short(Time t) {
  char buf[k_utc_max];
  return std::string(buf, write_date_time(buf, t, ' '));
}

std::string format_clock(Time t) {
  return date::format("%T", date::floor<std::chrono::seconds>(t));
}

namespace {

const date::time_zone* find_zone(const std::string& zone) {
  try {
    return date::locate_zone(zone);
  } catch (const std::exception&) {
    throw usage_error("unknown time zone '" + zone + "'; expected an IANA name such as UTC or America/New_York");
  }
}

}  // namespace

void check_zone(const std::string& zone) { find_zone(zone); }

std::string format_in_zone(Time t, const std::string& zone) {
  auto zoned = date::make_zoned(find_zone(zone), date::floor<std::chrono::seconds>(t));
  return date::format("%F %T %Z", zoned);
}

std::string format_duration(Micros d) {
  long long total = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  bool negative = total < 0;
  if (negative) {
    total = -total;
  }
  char buf[64];
  if (total >= 86400) {
    std::snprintf(buf, sizeof buf, "%lldd %02lldh", total / 86400, total % 86400 / 3600);
  } else if (total >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", total / 3600, total % 3600 / 60);
  } else if (total >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", total / 60, total % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", total);
  }
  return negative ? "-" + std::string(buf) : std::string(buf);
}

Time now_utc() {
  return date::floor<Micros>(std::chrono::system_clock::now());
}

}  // namespace tlrecon
