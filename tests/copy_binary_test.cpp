#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tlrecon/copy_binary.hpp"
#include "tlrecon/csv.hpp"
#include "tlrecon/error.hpp"

using namespace tlrecon;

TEST_SUITE_BEGIN("copy_binary");

namespace {

std::string be(uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) {
    out += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  return out;
}

std::string header() { return std::string("PGCOPY\n\377\r\n\0", 11) + be(0, 4) + be(0, 4); }

std::string value(const std::string& bytes) { return be(bytes.size(), 4) + bytes; }

std::string null_field() { return be(0xffffffff, 4); }

std::string trailer() { return be(0xffff, 2); }

}  // namespace

TEST_CASE("append_pg_timestamp: the text PostgreSQL 15 prints (DateStyle ISO, TimeZone UTC)") {
  // Each pair read from PostgreSQL 15: the value's microseconds since
  // 2000-01-01 UTC and t::text (and (t::timestamp)::text without the zone).
  struct Case {
    int64_t micros;
    const char* text;
  };
  const Case cases[] = {
      {813951331039663, "2025-10-16 17:35:31.039663+00"},
      {0, "2000-01-01 00:00:00+00"},
      {-1, "1999-12-31 23:59:59.999999+00"},
      {762523200500000, "2024-02-29 12:00:00.5+00"},
      {813888000000001, "2025-10-16 00:00:00.000001+00"},
      {813888000120000, "2025-10-16 00:00:00.12+00"},
      {-946684800000000, "1970-01-01 00:00:00+00"},
      {-63082281600000000, "0001-01-01 00:00:00+00"},
      {-63082281600900000, "0001-12-31 23:59:59.1+00 BC"},
      {-64464465600000000, "0044-03-15 12:00:00+00 BC"},
      {-211810204800000000, "4713-01-01 00:00:00+00 BC"},
      {252455615999999999, "9999-12-31 23:59:59.999999+00"},
      {252455616000000000, "10000-01-01 00:00:00+00"},
      {9223371331199999999, "294276-12-31 23:59:59.999999+00"},
      {-3150579600000000, "1900-02-28 23:00:00+00"},
      {3160861323456700, "2100-03-01 01:02:03.4567+00"},
      {std::numeric_limits<int64_t>::max(), "infinity"},
      {std::numeric_limits<int64_t>::min(), "-infinity"},
  };
  for (const Case& c : cases) {
    std::string with_zone;
    append_pg_timestamp(with_zone, c.micros, true);
    CHECK(with_zone == c.text);
    std::string expected = c.text;
    size_t zone = expected.find("+00");
    if (zone != std::string::npos) {
      expected.erase(zone, 3);
    }
    std::string without;
    append_pg_timestamp(without, c.micros, false);
    CHECK(without == expected);
  }
  // The last second printed is reused: the same second with other fractions,
  // and back to an earlier second, print as they would alone.
  const Case again[] = {
      {813951331000000, "2025-10-16 17:35:31+00"},
      {813951331999999, "2025-10-16 17:35:31.999999+00"},
      {813951332000000, "2025-10-16 17:35:32+00"},
      {813951331500000, "2025-10-16 17:35:31.5+00"},
      {-63082281600900000, "0001-12-31 23:59:59.1+00 BC"},
      {-63082281600000000, "0001-01-01 00:00:00+00"},
      {-63082281600000001, "0001-12-31 23:59:59.999999+00 BC"},
      {-1, "1999-12-31 23:59:59.999999+00"},
      {-1000000, "1999-12-31 23:59:59+00"},
      {-1000001, "1999-12-31 23:59:58.999999+00"},
      // The smallest values above -infinity, which PostgreSQL never sends (its
      // range starts in 4713 BC): printed by the proleptic calendar, not an
      // overflow (fuzzing found one there).
      {std::numeric_limits<int64_t>::min() + 1, "290279-12-22 19:59:05.224193+00 BC"},
      {std::numeric_limits<int64_t>::min() + 1000001, "290279-12-22 19:59:06.224193+00 BC"},
  };
  for (const Case& c : again) {
    std::string text;
    append_pg_timestamp(text, c.micros, true);
    CHECK(text == c.text);
  }
}

TEST_CASE("binary_column_of: the types read in binary, the rest in text") {
  CHECK(binary_column_of("uuid") == BinaryColumn::uuid);
  CHECK(binary_column_of("timestamp with time zone") == BinaryColumn::timestamptz);
  CHECK(binary_column_of("timestamp without time zone") == BinaryColumn::timestamp);
  CHECK(binary_column_of("text") == BinaryColumn::text);
  CHECK(binary_column_of("character varying(64)") == BinaryColumn::text);
  CHECK(binary_column_of("integer") == BinaryColumn::int4);
  CHECK(binary_column_of("bigint") == BinaryColumn::int8);
  CHECK(binary_column_of("smallint") == BinaryColumn::int2);
  // Their binary form is not their text: read as text.
  CHECK_FALSE(binary_column_of("boolean"));
  CHECK_FALSE(binary_column_of("jsonb"));
  CHECK_FALSE(binary_column_of("numeric"));
  CHECK_FALSE(binary_column_of("timestamp(3) with time zone"));
}

TEST_CASE("BinaryCopyReader: rows as the text format gives them") {
  BinaryCopyReader reader({BinaryColumn::uuid, BinaryColumn::timestamptz, BinaryColumn::text, BinaryColumn::int4,
                           BinaryColumn::int8, BinaryColumn::int2});
  std::string uuid = be(0xa0eebc999c0b4ef8ULL, 8) + be(0xbb6d6bb9bd380a11ULL, 8);
  std::string first = header() + be(6, 2) + value(uuid) + value(be(813951331039663, 8)) +
                      value(std::string("tab\there\nnew \\N line\0nul", 25)) + value(be(0xfffffffe, 4)) +
                      value(be(uint64_t{1} << 40, 8)) + value(be(0x8000, 2));
  std::string second = be(6, 2) + null_field() + value(be(0, 8)) + value("") + null_field() + null_field() +
                       null_field();
  std::string end = trailer();
  Row row;
  CHECK_FALSE(reader.next(row));  // nothing fed yet
  reader.feed(first);
  REQUIRE(reader.next(row));
  REQUIRE(row.size() == 6);
  CHECK(row[0].text == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  CHECK(row[1].text == "2025-10-16 17:35:31.039663+00");
  CHECK(row[2].text == std::string("tab\there\nnew \\N line\0nul", 25));
  CHECK(row[3].text == "-2");
  CHECK(row[4].text == "1099511627776");
  CHECK(row[5].text == "-32768");
  for (const Field& f : row) {
    CHECK_FALSE(f.null);
  }
  CHECK_FALSE(reader.next(row));
  CHECK_FALSE(reader.ended());
  reader.feed(second);
  REQUIRE(reader.next(row));
  CHECK(row[0].null);
  CHECK(row[0].text.empty());
  CHECK(row[1].text == "2000-01-01 00:00:00+00");
  CHECK_FALSE(row[2].null);  // an empty string is not NULL
  CHECK(row[2].text.empty());
  CHECK(row[5].null);
  reader.feed(end);
  CHECK_FALSE(reader.next(row));
  CHECK(reader.ended());
}

TEST_CASE("BinaryCopyReader: a row split across messages, and several in one") {
  std::string rows = header();
  for (int i = 0; i < 3; ++i) {
    rows += be(2, 2) + value(be(static_cast<uint64_t>(i), 4)) + value("row " + std::to_string(i));
  }
  rows += trailer();
  // Every way of cutting the data in two gives the same rows.
  for (size_t cut = 0; cut <= rows.size(); ++cut) {
    BinaryCopyReader reader({BinaryColumn::int4, BinaryColumn::text});
    std::string a = rows.substr(0, cut);
    std::string b = rows.substr(cut);
    reader.feed(a);
    std::vector<std::string> seen;
    Row row;
    while (reader.next(row)) {
      seen.push_back(row[0].text + ":" + row[1].text);
    }
    reader.feed(b);
    while (reader.next(row)) {
      seen.push_back(row[0].text + ":" + row[1].text);
    }
    CHECK(reader.ended());
    CHECK(seen == std::vector<std::string>{"0:row 0", "1:row 1", "2:row 2"});
  }
}

TEST_CASE("BinaryCopyReader: a row time kept as its value, and its text where parse_time could not read it") {
  // Microseconds since 2000-01-01 00:00 UTC, as the server sends them.
  const int64_t when = 813951331039663;  // 2025-10-16 17:35:31.039663+00
  const int64_t year_9999_end = 252455615999999999;  // 9999-12-31 23:59:59.999999+00
  const int64_t year_10000 = year_9999_end + 1;
  const int64_t year_1 = -63082281600000000;  // 0001-01-01 00:00:00+00
  BinaryCopyReader reader({BinaryColumn::timestamptz_value, BinaryColumn::text});
  std::string data = header();
  for (int64_t v : {when, year_9999_end, year_10000, year_1, year_1 - 1,
                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    data += be(2, 2) + value(be(static_cast<uint64_t>(v), 8)) + value("x");
  }
  data += be(2, 2) + null_field() + value("x");
  data += trailer();
  reader.feed(data);
  Row row;
  std::vector<std::string> texts;
  std::vector<bool> values;
  while (reader.next(row)) {
    REQUIRE(row.size() == 2);
    // Either way, the text PostgreSQL prints, and the instant parse_time reads.
    std::string text;
    append_field_text(text, row[0]);
    texts.push_back(row[0].null ? "NULL" : text);
    values.push_back(row[0].time.has_value());
    CHECK((row[0].text.empty() && !row[0].null) == row[0].time.has_value());
    if (row[0].time) {
      CHECK(parse_time(text) == row[0].time);
      CHECK(field_time(row[0], "") == row[0].time);
      std::string csv;
      append_csv_field(csv, row[0]);
      CHECK(csv == text);
    } else {
      CHECK_FALSE(field_time(row[0], ""));
    }
    CHECK(field_present(row[0]) == !row[0].null);
  }
  CHECK(reader.ended());
  CHECK(texts == std::vector<std::string>{"2025-10-16 17:35:31.039663+00", "9999-12-31 23:59:59.999999+00",
                                          "10000-01-01 00:00:00+00", "0001-01-01 00:00:00+00",
                                          "0001-12-31 23:59:59.999999+00 BC", "infinity", "-infinity", "NULL"});
  CHECK(values == std::vector<bool>{true, true, false, true, false, false, false, false});
  // A field read in binary and then as text (the same Row, another stream)
  // does not keep the value.
  BinaryCopyReader text_reader({BinaryColumn::text, BinaryColumn::text});
  std::string again = header() + be(2, 2) + value("2025-10-16 17:35:31+00") + value("y") + trailer();
  row.assign(2, Field{});
  BinaryCopyReader value_reader({BinaryColumn::timestamptz_value, BinaryColumn::text});
  std::string one = header() + be(2, 2) + value(be(static_cast<uint64_t>(when), 8)) + value("x") + trailer();
  value_reader.feed(one);
  REQUIRE(value_reader.next(row));
  REQUIRE(row[0].time);
  text_reader.feed(again);
  REQUIRE(text_reader.next(row));
  CHECK_FALSE(row[0].time);
  CHECK(row[0].text == "2025-10-16 17:35:31+00");
}

TEST_CASE("BinaryCopyReader: malformed data is a source error, not a wrong row") {
  Row row;
  {
    BinaryCopyReader reader({BinaryColumn::text});
    std::string bad = std::string("PGCOPY\nXXXX") + be(0, 4) + be(0, 4) + be(1, 2) + value("x");
    reader.feed(bad);
    CHECK_THROWS_AS(reader.next(row), Error);
  }
  {
    BinaryCopyReader reader({BinaryColumn::text, BinaryColumn::text});
    std::string one_field = header() + be(1, 2) + value("x");
    reader.feed(one_field);
    CHECK_THROWS_WITH_AS(reader.next(row), "binary COPY: a row of 1 fields, expected 2", Error);
  }
  {
    BinaryCopyReader reader({BinaryColumn::uuid});
    std::string short_uuid = header() + be(1, 2) + value("0123456789");
    reader.feed(short_uuid);
    CHECK_THROWS_WITH_AS(reader.next(row), "binary COPY: a uuid field of 10 bytes", Error);
  }
  {
    BinaryCopyReader reader({BinaryColumn::timestamptz_value});
    std::string short_time = header() + be(1, 2) + value("0123");
    reader.feed(short_time);
    CHECK_THROWS_WITH_AS(reader.next(row), "binary COPY: a timestamptz field of 4 bytes", Error);
  }
  {
    BinaryCopyReader reader({BinaryColumn::text});
    std::string negative = header() + be(1, 2) + be(0xfffffff0, 4);
    reader.feed(negative);
    CHECK_THROWS_AS(reader.next(row), Error);
  }
}

TEST_SUITE_END();
