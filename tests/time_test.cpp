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
