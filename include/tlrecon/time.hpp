#pragma once
// Instants, durations and windows. Every instant is UTC with microsecond
// precision, the precision of PostgreSQL's timestamptz.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

namespace tlrecon {

using Micros = std::chrono::microseconds;
using Time = date::sys_time<Micros>;

// Parses an ISO-8601 / RFC 3339 instant or PostgreSQL's text form of
// timestamp[tz]: "2025-10-16T17:35:31Z", "2025-10-16 17:35:31.123456+00",
// "2025-10-16T23:05:31+05:30", "2025-10-16 17:35:31" (no zone: taken as
// UTC, or as local time in default_zone when given), "2025-10-16" (midnight).
// Returns nullopt for anything else, including trailing text and "infinity".
std::optional<Time> parse_time(std::string_view text, const std::string& default_zone = "");

// "90s", "30m", "2h", "1d", "1h30m", "1w". Returns nullopt when malformed.
std::optional<Micros> parse_duration(std::string_view text);

// RFC 3339 in UTC with a Z: "2025-10-16T17:35:31Z", with ".123456" only when
// the instant has a fraction (trailing zeros dropped to milliseconds or microseconds).
std::string format_utc(Time t);
// The same, appended to `out`.
void append_utc(std::string& out, Time t);
// The same, written at `out`, which has room for k_utc_max bytes; returns
// the end of what was written.
constexpr size_t k_utc_max = 48;
char* write_utc(char* out, Time t);
// "2025-10-16 17:35:31" (UTC, seconds), the compact form for aligned text.
std::string format_utc_short(Time t);
// "17:35:31", the time of day in UTC.
std::string format_clock(Time t);
// "2025-10-16 12:35:31 EST" in the named zone. Throws Error (exit 2) for an
// unknown zone.
std::string format_in_zone(Time t, const std::string& zone);
// Checks a zone name; throws Error (exit 2) "unknown time zone 'X'; expected
// …" when unknown, for the caller to say where the name came from.
void check_zone(const std::string& zone);
// "1h 02m", "4m 31s", "26s": a human duration.
std::string format_duration(Micros d);

// The longest window any command accepts: an investigation is days, not years,
// and the report's per-5-minute table must stay finite.
constexpr Micros k_max_window = std::chrono::hours(24 * 366);

// The half-open window [since, until) every command works on.
struct Window {
  Time since;
  Time until;
  bool contains(Time t) const { return t >= since && t < until; }
};

Time now_utc();

}  // namespace tlrecon
