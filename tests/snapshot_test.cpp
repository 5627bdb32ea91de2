#define TLRECON_FUZZ_THROW  // fuzz::require_same_csv throws, for CHECK_NOTHROW
#include "../fuzz/fuzz_harness.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <doctest/doctest.h>

#include "fake_source.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/csv.hpp"
#include "tlrecon/sha256.hpp"
#include "tlrecon/snapshot.hpp"

using namespace tlrecon;
using tlrecon::test::FakeSource;

namespace fs = std::filesystem;

TEST_SUITE_BEGIN("snapshot");

namespace {

std::string fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("tlrecon-snapshot-test-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(dir);
  return dir.string();
}

}  // namespace

TEST_CASE("snapshot: statuses, notes, far-back queries and the oldest kept log survive the round trip") {
  FakeSource src;
  src.add(TableId::workers, {"w1", "RTX", "active", "2025-10-13 17:00:00+00"});
  src.add(TableId::system_logs, {"l1", "2025-10-16 17:10:00+00", "orchestrator_gpu", "o", "INFO", "x"});
  std::vector<TableInfo>& tables = src.catalog();
  TableInfo& workers = tables[static_cast<int>(TableId::workers)];
  workers.far_back_query = "SELECT far back";
  workers.notes = {k_filtered_by_rls};
  TableInfo& tasks = tables[static_cast<int>(TableId::tasks)];
  tasks.state = TableState::hidden;
  tasks.reason = k_hidden_by_rls;
  TableInfo& logs = tables[static_cast<int>(TableId::system_logs)];
  logs.kept_since = *parse_time("2025-10-16T16:00:00.25Z");
  Mapping mapping = default_mapping();
  Window window{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};
  std::string dir = fresh_dir("round-trip");
  write_snapshot(src, mapping, window, dir);

  SnapshotInfo info = read_snapshot_manifest(dir);
  CHECK(info.mapping.thresholds.log_lookback.count() == 0);  // no bound, written as null
  auto back = open_snapshot(dir);
  const std::vector<TableInfo>& read = back->tables();
  CHECK(read[0].far_back_query == "SELECT far back");
  CHECK(read[0].notes == std::vector<std::string>{"rows may be filtered by row-level security"});
  CHECK(!read[0].kept_since);
  CHECK(read[1].state == TableState::hidden);
  CHECK(read[1].reason == "hidden by row-level security: connect as a role with BYPASSRLS, e.g. service_role");
  CHECK(read[4].kept_since == logs.kept_since);
  fs::remove_all(dir);

  SUBCASE("an empty system_logs keeps nothing: null") {
    logs.kept_since.reset();
    write_snapshot(src, mapping, window, dir);
    auto empty = open_snapshot(dir);
    CHECK(!empty->tables()[4].kept_since);
    fs::remove_all(dir);
  }
}

TEST_CASE("snapshot: a wrong directory is a SnapshotPathError that names no option") {
  FakeSource src;
  std::string dir = fresh_dir("not-empty");
  fs::create_directories(dir);
  std::ofstream(fs::path(dir) / "evidence.txt") << "keep me\n";
  Window window{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};
  try {
    write_snapshot(src, default_mapping(), window, dir);
    FAIL("no error");
  } catch (const SnapshotPathError& e) {
    CHECK(e.exit_code() == k_exit_usage);
    CHECK(std::string(e.what()) ==
          "'" + dir + "' exists and is not an empty directory; a snapshot never overwrites evidence");
  }
  std::string file = (fs::path(dir) / "evidence.txt").string();
  try {
    read_snapshot_manifest(file);
    FAIL("no error");
  } catch (const SnapshotPathError& e) {
    CHECK(e.exit_code() == k_exit_source);
    CHECK(std::string(e.what()) == "'" + file + "' is not a directory");
  }
  fs::remove_all(dir);
}


TEST_CASE("CsvFileReader: the records of the file, as CsvReader reads them, and its SHA-256 however much was read") {
  std::string path = (std::filesystem::temp_directory_path() / ("tlrecon-csvfile-" + std::to_string(getpid()))).string();
  // Records across the 128 KiB blocks, quoted fields over lines with doubled
  // quotes, NULLs, and one record longer than several blocks.
  std::string content = "a,b,c\n";
  for (int i = 0; content.size() < 3'500'000; ++i) {
    content += std::to_string(i) + ",\"quoted, \"\"text\"\"\nover lines\",\n";
    if (i == 20'000) {
      content += "long,\"" + std::string(1'000'000, 'x') + "\n\"\"" + std::string(300'000, 'y') + "\",z\n";
    }
  }
  auto write = [&](const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  };
  auto by_stream = [&] {
    std::ifstream in(path, std::ios::binary);
    CsvReader reader(in, path);
    return fuzz::read_records(reader);
  };
  write(content);
  const std::string expected = sha256_file(path);
  SUBCASE("read to the end") {
    CsvFileReader reader(path, true);
    fuzz::CsvRead rows = fuzz::read_records(reader);
    CHECK(rows.error.empty());
    REQUIRE(rows.rows.size() > 50'000);
    CHECK(rows.rows[1][1].text == "quoted, \"text\"\nover lines");
    CHECK(rows.rows[1][2].null);
    CHECK(rows.lines[1] == 2);
    CHECK(rows.lines[2] == 4);
    CHECK_NOTHROW(fuzz::require_same_csv(rows, by_stream(), "CsvFileReader against CsvReader"));
    Row again;
    CHECK_FALSE(reader.next(again));  // at the end it stays there
    CHECK_FALSE(reader.next(again));
    CHECK(reader.digest() == expected);
  }
  SUBCASE("without hashing, as read through a stream in tiny chunks") {
    CsvFileReader reader(path, false);
    fuzz::CsvRead rows = fuzz::read_records(reader);
    std::ifstream in(path, std::ios::binary);
    CsvReader tiny(in, path, 7);
    CHECK_NOTHROW(fuzz::require_same_csv(rows, fuzz::read_records(tiny), "against 7-byte chunks"));
  }
  SUBCASE("read in part: the rest is hashed without being split") {
    CsvFileReader reader(path, true);
    Row row;
    REQUIRE(reader.next(row));
    CHECK(row[0].text == "a");
    CHECK(reader.digest() == expected);
  }
  SUBCASE("not read at all, or abandoned: the thread stops") {
    { CsvFileReader reader(path, true); }
    { CsvFileReader reader(path, false); }
    CsvFileReader reader(path, true);
    CHECK(reader.digest() == expected);
  }
  SUBCASE("malformed: the records before it, then its error; the hash is still the file's") {
    size_t at = content.rfind("\",\n", 2'000'000) + 3;  // after a record: its quoted fields hold line breaks
    std::string bad = content.substr(0, at) + "1,x\"y\n" + content.substr(at);
    write(bad);
    CsvFileReader reader(path, true);
    fuzz::CsvRead rows = fuzz::read_records(reader);
    CHECK(rows.error.find("a quote inside an unquoted field") != std::string::npos);
    CHECK_NOTHROW(fuzz::require_same_csv(rows, by_stream(), "malformed"));
    CHECK(reader.digest() == sha256_file(path));
  }
  SUBCASE("a quote not closed before the end: the line it opened on") {
    write(content + "9,\"open\nmore\n");
    CsvFileReader reader(path, false);
    fuzz::CsvRead rows = fuzz::read_records(reader);
    CHECK(rows.error.find("a quoted field is not closed before the end of the file") != std::string::npos);
    CHECK_NOTHROW(fuzz::require_same_csv(rows, by_stream(), "not closed"));
  }
  std::filesystem::remove(path);
  CHECK_THROWS_AS(CsvFileReader("/nonexistent/tlrecon/file.csv", true), Error);
}

TEST_CASE("CsvFileReader: a time column comes parsed, as the same text parsed later would; what does not parse, as text") {
  std::string path = (std::filesystem::temp_directory_path() / ("tlrecon-csvtime-" + std::to_string(getpid()))).string();
  // Across many 128 KiB blocks: times with an offset, without one (the
  // zone's), quoted, NULL, not a time; and the header, which is no time.
  // (A NULL right before a parsed time: the reused row's field must come
  // back not NULL.)
  const std::vector<std::string> times = {"2025-10-16 17:00:01.5+00", "2025-10-16T19:00:02", "\"2025-10-16 17:00:03+02\"",
                                          "yesterday", "", "2025-10-16 17:00:04.123456+00"};
  std::string content = "id,timestamp,message\n";
  for (int i = 0; content.size() < 1'000'000; ++i) {
    content += std::to_string(i) + "," + times[i % times.size()] + ",line " + std::to_string(i) + "\n";
  }
  content += "short\n";  // no time column at all: as it is, for the decoder to refuse
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
  }
  const std::string zone = "Europe/Paris";
  CsvFileReader reader(path, false, CsvFileReader::TimeColumn{1, zone});
  std::ifstream in(path, std::ios::binary);
  CsvReader text(in, path);
  Row row;
  Row expected;
  size_t parsed = 0;
  size_t rows = 0;
  while (text.next(expected)) {
    REQUIRE(reader.next(row));
    REQUIRE(reader.fields() == text.fields());
    if (text.fields() == 1) {
      CHECK(row[0].text == "short");
      CHECK_FALSE(row[0].time);
      continue;
    }
    CHECK(row[0].text == expected[0].text);
    CHECK(row[2].text == expected[2].text);
    CHECK(row[1].null == expected[1].null);
    std::optional<Time> want = expected[1].null ? std::nullopt : parse_time(expected[1].text, zone);
    if (want) {
      ++parsed;
      CHECK(row[1].time == want);
      CHECK(row[1].text.empty());
    } else {
      CHECK_FALSE(row[1].time);
      CHECK(row[1].text == expected[1].text);  // the header's name, "yesterday", or NULL's ""
    }
    CHECK(field_time(row[1], zone) == want);
    ++rows;
  }
  CHECK_FALSE(reader.next(row));
  CHECK(rows > 25'000);  // about 1 MB: eight blocks
  CHECK(parsed > rows / 2);
  std::filesystem::remove(path);
}

TEST_CASE("HashingWriter: writes what it is given, in order, and hashes it") {
  std::string path = (std::filesystem::temp_directory_path() / ("tlrecon-writer-" + std::to_string(getpid()))).string();
  std::string content;
  {
    HashingWriter out(path);
    for (int i = 0; content.size() < 2'000'000; ++i) {
      std::string piece(static_cast<size_t>(i % 977), static_cast<char>('a' + i % 26));
      piece += '\n';
      out.write(piece);
      content += piece;
    }
    std::string digest = out.finish();
    CHECK(digest == sha256_file(path));
  }
  std::ifstream in(path, std::ios::binary);
  std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(written == content);
  std::filesystem::remove(path);
  CHECK_THROWS_AS(HashingWriter("/nonexistent/tlrecon/file.csv"), Error);
}

TEST_SUITE_END();
