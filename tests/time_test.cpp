#include <cstdio>

#include <doctest/doctest.h>

#include "tlrecon/error.hpp"
#include "tlrecon/time.hpp"
#include "tlrecon/window_options.hpp"

using namespace tlrecon;

namespace {
std::string iso(const std::string& text, const std::string& zone = "") {
  auto t = parse_time(text, zone);
  return t ? format_utc(*t) : "none";
}
}  // namespace

TEST_SUITE_BEGIN("time");

TEST_CASE("parse_time: the forms PostgreSQL and ISO-8601 write") {
  CHECK(iso("2025-10-16T17:35:31Z") == "2025-10-16T17:35:31Z");
  CHECK(iso("2025-10-16 17:35:31+00") == "2025-10-16T17:35:31Z");
  CHECK(iso("2025-10-16 17:35:31.123456+00") == "2025-10-16T17:35:31.123456Z");
  CHECK(iso("2025-10-16 17:35:31.5+00") == "2025-10-16T17:35:31.500Z");
  CHECK(iso("2025-10-16T17:31:31.412000+00:00") == "2025-10-16T17:31:31.412Z");
  CHECK(iso("2025-10-16t17:35:31z") == "2025-10-16T17:35:31Z");
  CHECK(iso("2025-10-16") == "2025-10-16T00:00:00Z");
  CHECK(iso("2025-10-16T17:35") == "2025-10-16T17:35:00Z");
  CHECK(iso("2025-10-16 17:35:31,25+00") == "2025-10-16T17:35:31.250Z");
  CHECK(iso("2025-10-16 17:35:31.1234569Z") == "2025-10-16T17:35:31.123456Z");
  CHECK(iso("2025-10-16 23:59:60Z") == "2025-10-16T23:59:59.999999Z");  // a leap second
}

TEST_CASE("parse_time: offsets are applied in full, including minutes") {
  CHECK(iso("2025-10-16T23:05:31+05:30") == "2025-10-16T17:35:31Z");
  CHECK(iso("2025-10-16T23:05:31+0530") == "2025-10-16T17:35:31Z");
  CHECK(iso("2025-10-16T12:35:31-05") == "2025-10-16T17:35:31Z");
  CHECK(iso("1900-01-01 00:00:00+00:09:21") == "1899-12-31T23:50:39Z");
}

TEST_CASE("parse_time: no zone means UTC, or the column's zone") {
  CHECK(iso("2025-10-16 17:35:31") == "2025-10-16T17:35:31Z");
  CHECK(iso("2026-01-20 13:30:06", "America/New_York") == "2026-01-20T18:30:06Z");
  CHECK(iso("2025-07-01 12:00:00", "America/New_York") == "2025-07-01T16:00:00Z");
}

TEST_CASE("parse_time: rejects what is not a time") {
  for (const char* bad : {"", "infinity", "-infinity", "2025-13-01", "2025-02-30 00:00:00",
                          "2025-10-16 25:00:00", "2025-10-16T17:35:31Zjunk", "2025-10-16 17:35:31+",
                          "17:35:31", "2025/10/16", "2025-10-16 17:35:31.+00", "2025-10-16 17:35:31 BC",
                          "2025-10-16T17:35:31+24:00"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_time(bad).has_value());
  }
}

// The canonical text ("2025-10-16 00:00:00.039663+00") is read on a fast
// path; the same instant written with a lower-case 't', a comma and
// "+hh:00" takes the general parser. Both must agree everywhere.
std::string general_form(std::string text) {
  text[10] = 't';
  size_t dot = text.find('.');
  if (dot != std::string::npos) {
    text[dot] = ',';
  }
  if (text.size() >= 3 && (text[text.size() - 3] == '+' || text[text.size() - 3] == '-')) {
    text += ":00";
  }
  return text;
}

void check_fast_path(const std::string& text) {
  CAPTURE(text);
  std::optional<Time> fast = parse_time(text);
  std::optional<Time> general = parse_time(general_form(text));
  REQUIRE(fast.has_value() == general.has_value());
  if (fast) {
    CHECK(*fast == *general);
  }
}

TEST_CASE("parse_time: the canonical form's fast path agrees with the general parser") {
  SUBCASE("every day of years around leap rules, and the ends of the range") {
    for (int y : {0, 1, 4, 99, 100, 399, 400, 1600, 1899, 1900, 1969, 1970, 2000, 2024, 2025, 2100, 9999}) {
      for (int m = 0; m <= 13; ++m) {
        for (int d = 0; d <= 32; ++d) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%04d-%02d-%02d 23:59:59.999999+00", y, m, d);
          check_fast_path(buf);
        }
      }
    }
  }
  SUBCASE("fractions of 0 to 7 digits, offsets, zone letters") {
    for (const char* frac : {"", ".", ".0", ".5", ".12", ".123", ".1234", ".12345", ".123456", ".1234567"}) {
      for (const char* zone : {"+00", "-00", "+05", "-08", "+14", "+15", "+16", "+99", "Z", ""}) {
        check_fast_path(std::string("2025-10-16 17:35:31") + frac + zone);
        check_fast_path(std::string("1970-01-01 00:00:00") + frac + zone);
        check_fast_path(std::string("1969-12-31 23:59:59") + frac + zone);
      }
    }
  }
  SUBCASE("times of day at and past their limits") {
    for (const char* clock : {"00:00:00", "23:59:59", "24:00:00", "23:60:00", "23:59:60", "23:59:61", "9:00:000"}) {
      check_fast_path(std::string("2024-02-29 ") + clock + "+00");
    }
  }
  SUBCASE("what the fast path leaves to the general parser") {
    CHECK(iso("2025-10-16 17:35:31.123456+05:30") == "2025-10-16T12:05:31.123456Z");
    CHECK(iso("2025-10-16 17:35:31+00 BC") == "none");
    CHECK(iso("0044-03-15 12:00:00+00 BC") == "none");
    CHECK(iso("infinity") == "none");
    CHECK(iso("2025-10-16 17:35:31+00x") == "none");
    CHECK(iso("2025-10-16 17:35:31 +00") == "none");
    CHECK(iso("2025-10-16 17:35:31-0a") == "none");
    CHECK(iso("2025-10-16 17:35:31.123456", "America/New_York") == "2025-10-16T21:35:31.123456Z");
    CHECK(iso("2025-10-16 17:35:31.123456", "UTC") == "2025-10-16T17:35:31.123456Z");
    CHECK(iso("2025-10-16T17:35:31.25+00", "America/New_York") == "2025-10-16T17:35:31.250Z");
    CHECK(iso("+2025-10-16 17:35:31+00") == "none");
    CHECK(iso("2025-1x-16 17:35:31+00") == "none");
  }
}

TEST_CASE("parse_duration") {
  CHECK(parse_duration("90s")->count() == 90'000'000);
  CHECK(parse_duration("30m")->count() == 1'800'000'000);
  CHECK(parse_duration("1h30m")->count() == 5'400'000'000);
  CHECK(parse_duration("1d")->count() == 86'400'000'000);
  CHECK_FALSE(parse_duration("").has_value());
  CHECK_FALSE(parse_duration("5").has_value());
  CHECK_FALSE(parse_duration("h").has_value());
  CHECK_FALSE(parse_duration("5x").has_value());
  CHECK_FALSE(parse_duration("-5m").has_value());
}

TEST_CASE("format_duration") {
  CHECK(format_duration(std::chrono::seconds(26)) == "26s");
  CHECK(format_duration(std::chrono::seconds(26 * 60 + 29)) == "26m 29s");
  CHECK(format_duration(std::chrono::seconds(3600 + 120)) == "1h 02m");
}

TEST_CASE("format_in_zone: Eastern time in winter") {
  Time t = *parse_time("2026-01-20T18:30:06Z");
  CHECK(format_in_zone(t, "America/New_York") == "2026-01-20 13:30:06 EST");
  CHECK_THROWS_WITH_AS(format_in_zone(t, "Mars/Olympus"),
                       "unknown time zone 'Mars/Olympus'; expected an IANA name such as UTC or America/New_York",
                       Error);
}

TEST_CASE("check_zone: says what is wrong, not which option gave the name") {
  CHECK_NOTHROW(check_zone("Asia/Kolkata"));
  CHECK_THROWS_WITH_AS(check_zone("Nowhere"),
                       "unknown time zone 'Nowhere'; expected an IANA name such as UTC or America/New_York", Error);
}

TEST_CASE("resolve_window") {
  Time now = *parse_time("2025-10-16T18:00:00Z");
  SUBCASE("absolute") {
    Window w = resolve_window({"2025-10-16T17:00:00Z", "2025-10-16T17:30:00Z", "", ""}, now, std::nullopt);
    CHECK(format_utc(w.since) == "2025-10-16T17:00:00Z");
    CHECK(format_utc(w.until) == "2025-10-16T17:30:00Z");
  }
  SUBCASE("relative since counts back from until") {
    Window w = resolve_window({"2h", "2025-10-16T17:30:00Z", "", ""}, now, std::nullopt);
    CHECK(format_utc(w.since) == "2025-10-16T15:30:00Z");
  }
  SUBCASE("around") {
    Window w = resolve_window({"", "", "2025-10-16T17:35:31Z", "10m"}, now, std::nullopt);
    CHECK(format_utc(w.since) == "2025-10-16T17:30:31Z");
    CHECK(format_utc(w.until) == "2025-10-16T17:40:31Z");
  }
  SUBCASE("default: the last 24 hours, or the snapshot's window") {
    Window w = resolve_window({}, now, std::nullopt);
    CHECK(format_utc(w.since) == "2025-10-15T18:00:00Z");
    Window snap{*parse_time("2025-10-16T10:00:00Z"), *parse_time("2025-10-16T11:00:00Z")};
    CHECK(format_utc(resolve_window({}, now, snap).since) == "2025-10-16T10:00:00Z");
  }
  SUBCASE("errors name the option and the expected form") {
    try {
      resolve_window({"yesterday", "", "", ""}, now, std::nullopt);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.exit_code() == 2);
      CHECK(std::string(e.what()).rfind("--since: cannot read 'yesterday' as a time;", 0) == 0);
    }
    CHECK_THROWS_AS(resolve_window({"2025-10-16T18:00:00Z", "2025-10-16T17:00:00Z", "", ""}, now, std::nullopt),
                    Error);
    CHECK_THROWS_AS(resolve_window({"1h", "", "2025-10-16T17:00:00Z", ""}, now, std::nullopt), Error);
  }
}

TEST_SUITE_END();

TEST_CASE("format_utc: fractions, day boundaries, far dates") {
  CHECK(format_utc(*parse_time("2025-10-16T17:35:31.412Z")) == "2025-10-16T17:35:31.412Z");
  CHECK(format_utc(*parse_time("2025-10-16T17:35:31.000001Z")) == "2025-10-16T17:35:31.000001Z");
  CHECK(format_utc(*parse_time("2024-02-29T23:59:59Z")) == "2024-02-29T23:59:59Z");
  CHECK(format_utc(*parse_time("1970-01-01T00:00:00Z")) == "1970-01-01T00:00:00Z");
  CHECK(format_utc(*parse_time("0001-01-01T00:00:00Z")) == "0001-01-01T00:00:00Z");
  CHECK(format_utc(*parse_time("1969-12-31T23:59:59.5Z")) == "1969-12-31T23:59:59.500Z");
  CHECK(format_utc_short(*parse_time("2099-12-31T23:59:59.9Z")) == "2099-12-31 23:59:59");
}

TEST_CASE("parse_duration: huge values are refused, not overflowed (fuzz regressions)") {
  CHECK_FALSE(parse_duration("99999999w").has_value());
  CHECK_FALSE(parse_duration("3000000000d").has_value());
  CHECK_FALSE(parse_duration("36000d36000d36000d").has_value());
  CHECK(parse_duration("36500d").has_value());
}
