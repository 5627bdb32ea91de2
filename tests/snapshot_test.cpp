#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "fake_source.hpp"
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

TEST_SUITE_END();
