#include <cstdio>
#include <fstream>

#include <doctest/doctest.h>

#include "tlrecon/error.hpp"
#include "tlrecon/mapping.hpp"

using namespace tlrecon;
using nlohmann::json;

namespace {
std::string error_of(const std::string& doc) {
  Mapping m = default_mapping();
  try {
    apply_mapping(m, json::parse(doc), "mapping file 'm.json'");
  } catch (const Error& e) {
    CHECK(e.exit_code() == 2);
    return e.what();
  }
  return "";
}
}  // namespace

TEST_SUITE_BEGIN("mapping");

TEST_CASE("default_mapping: SPEC §2 names, lifecycle times in workers.metadata") {
  Mapping m = default_mapping();
  CHECK(m[TableId::system_logs].table == "system_logs");
  CHECK(m[TableId::system_logs].columns[field::l_time].column == "timestamp");
  CHECK(m[TableId::workers].columns[field::w_promoted_at].column == "metadata");
  CHECK(m[TableId::workers].columns[field::w_promoted_at].json_key == "promoted_to_active_at");
  CHECK(m[TableId::tasks].columns[field::t_claimed_at].column == "generation_started_at");
}

TEST_CASE("apply_mapping: tables, columns, json keys, zones, thresholds") {
  Mapping m = default_mapping();
  apply_mapping(m, json::parse(R"({
    "tables": {"system_logs": {"schema": "ops", "table": "Logs; drop",
                               "columns": {"timestamp": "ts", "cycle_number": null}},
               "workers": {"columns": {"promoted_to_active_at": {"column": "extra", "key": "promoted"},
                                       "created_at": {"column": "created", "zone": "America/New_York"}}}},
    "thresholds": {"gap_min": "10m", "gap_factor": 4, "grace": 300},
    "patterns": {"scale_up": "booting worker"}
  })"), "m");
  CHECK(m[TableId::system_logs].schema == "ops");
  CHECK(m[TableId::system_logs].table == "Logs; drop");
  CHECK(m[TableId::system_logs].columns[field::l_time].column == "ts");
  CHECK(m[TableId::system_logs].columns[field::l_cycle].column.empty());
  CHECK(m[TableId::workers].columns[field::w_promoted_at].json_key == "promoted");
  CHECK(m[TableId::workers].columns[field::w_created_at].zone == "America/New_York");
  CHECK(m.thresholds.gap_min == std::chrono::minutes(10));
  CHECK(m.thresholds.gap_factor == 4.0);
  CHECK(m.thresholds.grace == std::chrono::minutes(5));
  CHECK(m.patterns.scale_up == std::vector<std::string>{"booting worker"});
}

TEST_CASE("apply_mapping: errors name the key and the problem") {
  CHECK(error_of(R"({"tables": {"wokers": {}}})") ==
        "mapping file 'm.json': tables.wokers: unknown table; known: workers, tasks, workflow_decisions, "
        "workflow_executions, system_logs");
  CHECK(error_of(R"({"tables": {"workers": {"columns": {"promoted": "x"}}}})").rfind(
            "mapping file 'm.json': tables.workers.columns.promoted: unknown field; known: id, ", 0) == 0);
  CHECK(error_of(R"({"tables": {"system_logs": {"columns": {"timestamp": {"column": "m", "key": "t"}}}}})") ==
        "mapping file 'm.json': tables.system_logs.columns.timestamp: the key and the row time must each be "
        "a plain column");
  CHECK(error_of(R"({"thresholds": {"gap_min": "soon"}})") ==
        "mapping file 'm.json': thresholds.gap_min: cannot read 'soon' as a duration; expected e.g. 90s, 5m, 2h");
  CHECK(error_of(R"({"tables": {"workers": {"columns": {"created_at": {"column": "c", "zone": "Nowhere/X"}}}}})") ==
        "mapping file 'm.json': tables.workers.columns.created_at.zone: unknown time zone 'Nowhere/X'; expected an "
        "IANA name such as UTC or America/New_York");
  CHECK(error_of(R"({"thresholds": {"gap_minimum": "5m"}})") ==
        "mapping file 'm.json': thresholds.gap_minimum: unknown threshold; known: gap_min, gap_factor, grace, "
        "burst_gap, tolerance, early_termination, promotion_timeout, heartbeat_stale, trigger_window, handover, lookback, "
        "log_lookback, statement_timeout");
  CHECK(error_of(R"({"thresholds": {"gap_factor": 0.5}})") ==
        "mapping file 'm.json': thresholds.gap_factor: expected a number from 1 to 1000");
  CHECK(error_of(R"({"patterns": []})") == "mapping file 'm.json': patterns: expected an object");
  CHECK(error_of(R"({"tables": {"tasks": {"columns": 1}}})") ==
        "mapping file 'm.json': tables.tasks.columns: expected an object");
  CHECK(error_of(R"({"tables": {"workers": {"table": 5}}})") ==
        "mapping file 'm.json': tables.workers.table: expected a string, got number");
  CHECK(error_of(R"([1])") == "mapping file 'm.json': (top level): expected a JSON object");
}

TEST_CASE("apply_mapping: every duration threshold, by its name in the file") {
  Mapping m = default_mapping();
  apply_mapping(m, json::parse(R"({"thresholds": {"gap_min": "1s", "grace": "2s", "burst_gap": "3s",
    "tolerance": "4s", "early_termination": "5s", "promotion_timeout": "6s", "heartbeat_stale": "7s",
    "trigger_window": "8s", "lookback": "9s", "log_lookback": "10s", "statement_timeout": "11s"}})"), "m");
  const Thresholds& th = m.thresholds;
  CHECK(th.gap_min == std::chrono::seconds(1));
  CHECK(th.grace == std::chrono::seconds(2));
  CHECK(th.burst_gap == std::chrono::seconds(3));
  CHECK(th.tolerance == std::chrono::seconds(4));
  CHECK(th.early_termination == std::chrono::seconds(5));
  CHECK(th.promotion_timeout == std::chrono::seconds(6));
  CHECK(th.heartbeat_stale == std::chrono::seconds(7));
  CHECK(th.trigger_window == std::chrono::seconds(8));
  CHECK(th.lookback == std::chrono::seconds(9));
  CHECK(th.log_lookback == std::chrono::seconds(10));
  CHECK(th.statement_timeout == std::chrono::seconds(11));
}

TEST_CASE("load_mapping: a file that is not JSON gives its line") {
  std::string path = "mapping_test_bad.json";
  {
    std::ofstream out(path);
    out << "{\n  \"tables\": {\n    oops\n}\n";
  }
  try {
    load_mapping(path);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "mapping file 'mapping_test_bad.json' line 3: not valid JSON");
  }
  std::remove(path.c_str());
  CHECK_THROWS_WITH(load_mapping("does-not-exist.json"), "cannot open mapping file 'does-not-exist.json'");
}

TEST_CASE("mapping_to_json round-trips through apply_mapping") {
  Mapping m = default_mapping();
  m[TableId::tasks].schema = "public";
  m[TableId::workers].columns[field::w_created_at].zone = "Europe/Berlin";
  nlohmann::ordered_json j = mapping_to_json(m);
  Mapping back = default_mapping();
  apply_mapping(back, json::parse(j.dump()), "round trip");
  CHECK(back[TableId::tasks].schema == "public");
  CHECK(back[TableId::workers].columns[field::w_created_at].zone == "Europe/Berlin");
  CHECK(mapping_to_json(back).dump() == j.dump());
}

TEST_SUITE_END();
