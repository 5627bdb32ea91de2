#include <sstream>

#include <doctest/doctest.h>

#include "tlrecon/copy_text.hpp"
#include "tlrecon/csv.hpp"
#include "tlrecon/error.hpp"

using namespace tlrecon;

TEST_SUITE_BEGIN("csv");

TEST_CASE("append_csv_field: quotes as COPY CSV does") {
  std::string out;
  append_csv_field(out, std::string_view("plain"));
  CHECK(out == "plain");
  out.clear();
  append_csv_field(out, std::string_view(""));
  CHECK(out == "\"\"");
  out.clear();
  append_csv_field(out, Field{"", true, std::nullopt});
  CHECK(out == "");
  out.clear();
  append_csv_field(out, std::string_view("a,\"b\"\nc"));
  CHECK(out == "\"a,\"\"b\"\"\nc\"");
  out.clear();
  append_csv_field(out, std::string_view("\\."));
  CHECK(out == "\"\\.\"");
}

TEST_CASE("CsvReader: quoted fields over lines, doubled quotes, NULL vs empty") {
  std::istringstream in("id,msg,x\n1,\"two\nlines, \"\"quoted\"\"\",\n2,\"\",z\n");
  CsvReader r(in, "t.csv");
  Row row;
  REQUIRE(r.next(row));
  CHECK(row[0].text == "id");
  REQUIRE(r.next(row));
  CHECK(r.line() == 2);
  CHECK(r.fields() == 3);
  CHECK(row[1].text == "two\nlines, \"quoted\"");
  CHECK(row[2].null);
  REQUIRE(r.next(row));
  CHECK(r.line() == 4);
  CHECK_FALSE(row[1].null);
  CHECK(row[1].text.empty());
  CHECK(row[2].text == "z");
  CHECK_FALSE(r.next(row));
  CHECK_FALSE(r.next(row));  // at the end it stays there
}

TEST_CASE("CsvReader: round trip of hostile text") {
  std::vector<std::string> values = {"\x1b[31mred", "tab\there", "pipe | `tick`", "cr\r\nlf", "\"", ",", ""};
  std::string line;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      line += ',';
    }
    append_csv_field(line, std::string_view(values[i]));
  }
  std::istringstream in(line + "\n");
  CsvReader r(in, "t.csv");
  Row row;
  REQUIRE(r.next(row));
  REQUIRE(r.fields() == values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK(row[i].text == values[i]);
    CHECK_FALSE(row[i].null);
  }
}

TEST_CASE("CsvReader: malformed input names the file and line") {
  std::istringstream unterminated("a,b\n1,\"open\n");
  CsvReader r(unterminated, "x.csv");
  Row row;
  r.next(row);
  try {
    r.next(row);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "x.csv line 2: a quoted field is not closed before the end of the file");
    CHECK(e.exit_code() == 3);
  }
  std::istringstream stray("1,ab\"c\n");
  CsvReader r2(stray, "y.csv");
  CHECK_THROWS_WITH(r2.next(row), "y.csv line 1: a quote inside an unquoted field");
}

TEST_CASE("decode_copy_line: COPY text escapes and NULL") {
  Row row;
  size_t n = decode_copy_line("a\\tb\t\\N\tline\\nnext\\\\\t\\x41\\101\t", row);
  REQUIRE(n == 5);
  CHECK(row[0].text == "a\tb");
  CHECK(row[1].null);
  CHECK(row[2].text == "line\nnext\\");
  CHECK(row[3].text == "AA");
  CHECK_FALSE(row[4].null);
  CHECK(row[4].text.empty());
}

TEST_SUITE_END();
