#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <doctest/doctest.h>

#include "fake_source.hpp"
#include "tlrecon/error.hpp"
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


TEST_CASE("HashingFile: the bytes of the file, in order, and its SHA-256 however much was read") {
  std::string path = (std::filesystem::temp_directory_path() / ("tlrecon-hashing-" + std::to_string(getpid()))).string();
  std::string content;
  for (int i = 0; content.size() < 3'500'000; ++i) {
    content += "line " + std::to_string(i) + ",\"quoted, text\"\n";
  }
  {
    std::ofstream out(path, std::ios::binary);
    out << content;
  }
  const std::string expected = sha256_file(path);
  SUBCASE("read to the end, line by line") {
    HashingFile file(path);
    std::istream in(&file);
    std::string line;
    std::string read;
    while (std::getline(in, line)) {
      read += line + "\n";
    }
    CHECK(read == content);
    CHECK(file.digest() == expected);
  }
  SUBCASE("read in part: the rest is hashed without being handed over") {
    HashingFile file(path);
    std::istream in(&file);
    std::string line;
    std::getline(in, line);
    CHECK(line == "line 0,\"quoted, text\"");
    CHECK(file.digest() == expected);
  }
  SUBCASE("not read at all, or abandoned: the thread stops") {
    { HashingFile file(path); }
    HashingFile file(path);
    CHECK(file.digest() == expected);
  }
  std::filesystem::remove(path);
  CHECK_THROWS_AS(HashingFile("/nonexistent/tlrecon/file.csv"), Error);
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
