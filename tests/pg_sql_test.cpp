#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include <doctest/doctest.h>

#include "tlrecon/error.hpp"
#include "tlrecon/pg_source.hpp"

using namespace tlrecon;

TEST_SUITE_BEGIN("pg_source");

TEST_CASE("build_select: quoted identifiers, window predicate on the raw column, C-ordered keys") {
  Mapping m = default_mapping();
  m[TableId::system_logs].schema = "Ops \"x\"";
  m[TableId::system_logs].table = "logs; DROP TABLE workers";
  Window w{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};
  std::vector<std::string> unmapped;
  std::string sql = build_select(TableId::system_logs, m, w,
                                 {{"id", "text"}, {"timestamp", "timestamp with time zone"},
                                  {"source_type", "text"}, {"source_id", "text"}, {"log_level", "text"},
                                  {"message", "text"}},
                                 unmapped);
  CHECK(sql ==
        "SELECT \"id\" AS \"id\", \"timestamp\" AS \"timestamp\", \"source_type\" AS \"source_type\", "
        "\"source_id\" AS \"source_id\", \"log_level\" AS \"log_level\", \"message\" AS \"message\", "
        "NULL::text AS \"task_id\", NULL::text AS \"worker_id\", NULL::text AS \"cycle_number\" "
        "FROM \"Ops \"\"x\"\"\".\"logs; DROP TABLE workers\" "
        "WHERE \"timestamp\" >= '2025-10-16T17:00:00Z'::timestamptz AND \"timestamp\" < "
        "'2025-10-16T18:00:00Z'::timestamptz ORDER BY \"timestamp\", \"id\" COLLATE \"C\"");
  CHECK(unmapped == std::vector<std::string>{"task_id", "worker_id", "cycle_number"});
}

TEST_CASE("build_share: the window's query with the time's hash bit, in the same order") {
  Mapping m = default_mapping();
  Window w{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};
  std::vector<std::pair<std::string, std::string>> cols = {
      {"id", "uuid"}, {"timestamp", "timestamp with time zone"}, {"source_type", "text"}, {"source_id", "text"}};
  std::vector<std::string> unmapped;
  std::string whole = build_select(TableId::system_logs, m, w, cols, unmapped);
  std::string order = " ORDER BY \"timestamp\", \"id\"";
  REQUIRE(whole.size() > order.size());
  REQUIRE(whole.substr(whole.size() - order.size()) == order);
  for (int share : {0, 1}) {
    // Each share is the whole query with one more predicate: one instant
    // hashes to one share, so the shares merged by time are the whole.
    CHECK(build_share(m, w, cols, share) == whole.substr(0, whole.size() - order.size()) +
                                                " AND (timestamp_hash(\"timestamp\"::timestamp) & 1) = " +
                                                std::to_string(share) + order);
  }
}

TEST_CASE("build_select: json keys are literals; a timestamp without zone uses the column's zone") {
  Mapping m = default_mapping();
  m[TableId::workers].columns[field::w_created_at].zone = "America/New_York";
  m[TableId::workers].columns[field::w_promoted_at].json_key = "it's";
  Window w{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};
  std::vector<std::string> unmapped;
  std::string sql = build_select(TableId::workers, m, w,
                                 {{"id", "uuid"}, {"created_at", "timestamp without time zone"},
                                  {"metadata", "jsonb"}},
                                 unmapped);
  CHECK(sql.find("(\"metadata\" ->> 'it''s') AS \"promoted_to_active_at\"") != std::string::npos);
  CHECK(sql.find("WHERE \"created_at\" >= ('2025-10-15T17:00:00Z'::timestamptz AT TIME ZONE "
                 "'America/New_York')") != std::string::npos);
  CHECK(sql.find("ORDER BY \"created_at\", \"id\"") != std::string::npos);
  CHECK(sql.find("COLLATE") == std::string::npos);  // uuid keys sort by bytes already
}

TEST_CASE("build_select: a column of an unexpected type names table, column and both types") {
  Mapping m = default_mapping();
  Window w{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};
  std::vector<std::string> unmapped;
  CHECK_THROWS_WITH(build_select(TableId::system_logs, m, w, {{"id", "uuid"}, {"timestamp", "bigint"}}, unmapped),
                    "system_logs.timestamp: column \"timestamp\" is bigint; expected timestamp with time zone "
                    "(or timestamp, text)");
  CHECK_THROWS_WITH(build_select(TableId::workers, m, w,
                                 {{"id", "text"}, {"created_at", "timestamp with time zone"}, {"metadata", "text"}},
                                 unmapped),
                    "workers.orchestrator_status: column \"metadata\" is text, but the mapping reads key "
                    "'orchestrator_status' from it, which needs json or jsonb");
}

namespace {

// The environment libpq reads, set for one test and put back after it.
class Env {
 public:
  Env(const char* name, const std::string& value) : m_name(name) {
    if (const char* old = std::getenv(name)) {
      m_old = old;
    }
    setenv(name, value.c_str(), 1);
  }
  ~Env() {
    if (m_old) {
      setenv(m_name, m_old->c_str(), 1);
    } else {
      unsetenv(m_name);
    }
  }

 private:
  const char* m_name;
  std::optional<std::string> m_old;
};

std::string temp_file(const std::string& name, const std::string& text) {
  std::string path = (std::filesystem::temp_directory_path() / ("tlrecon-" + std::to_string(getpid()) + "-" + name)).string();
  std::ofstream(path) << text;
  return path;
}

bool has(const std::vector<std::string>& secrets, const std::string& s) {
  return std::find(secrets.begin(), secrets.end(), s) != secrets.end();
}

}  // namespace

TEST_CASE("secrets_of: every form libpq accepts, as libpq reads it") {
  unsetenv("PGPASSWORD");
  unsetenv("PGSERVICE");
  Env no_passfile("PGPASSFILE", "/nonexistent/tlrecon-pgpass");
  Env no_service_file("PGSERVICEFILE", "/nonexistent/tlrecon-service");
  SUBCASE("key=value, quoted, escaped, tab-separated") {
    CHECK(secrets_of("host=x password=hunter2 user=u") == std::vector<std::string>{"hunter2"});
    CHECK(secrets_of("password = 'pa ss\\'w' host=x") == std::vector<std::string>{"pa ss'w"});
    CHECK(secrets_of("password=a\\ b host=x") == std::vector<std::string>{"a b"});
    CHECK(secrets_of("password=hunter2\thost=x") == std::vector<std::string>{"hunter2"});
  }
  SUBCASE("URI: userinfo and query, percent-decoded") {
    CHECK(secrets_of("postgresql://bob:s3cret@db:5432/x") == std::vector<std::string>{"s3cret"});
    CHECK(secrets_of("postgres://db/x?user=a&password=q%71") == std::vector<std::string>{"qq"});
    CHECK(secrets_of("postgresql://bob:p%40ss%20w@db/x") == std::vector<std::string>{"p@ss w"});
  }
  SUBCASE("a DSN libpq cannot parse: every piece but the option names") {
    std::vector<std::string> s = secrets_of("postgresql://bob:s3cret@[::1/db");
    CHECK(has(s, "s3cret"));
    CHECK(!has(s, "postgresql"));
    CHECK(redact("end of string reached when looking for matching \"]\" in IPv6 host address in URI: "
                 "\"postgresql://bob:s3cret@[::1/db\"", s).find("s3cret") == std::string::npos);
    CHECK(has(secrets_of("host=x passwordhunter2"), "passwordhunter2"));
  }
  SUBCASE("PGPASSWORD") {
    Env pw("PGPASSWORD", "envpw");
    CHECK(secrets_of("host=x") == std::vector<std::string>{"envpw"});
  }
  SUBCASE("a password file: passfile=, PGPASSFILE") {
    std::string file = temp_file("pgpass", "# comment\nlocalhost:5432:*:bob:fr0mF1le\n*:*:*:*:an\\:oth\\\\er\r\n");
    CHECK(secrets_of("host=x passfile=" + file) == std::vector<std::string>{"an:oth\\er", "fr0mF1le"});
    Env passfile("PGPASSFILE", file);
    CHECK(secrets_of("host=x") == std::vector<std::string>{"an:oth\\er", "fr0mF1le"});
    std::remove(file.c_str());
  }
  SUBCASE("a service file: service=, PGSERVICE") {
    std::string file = temp_file("service", "[other]\nhost=y\n[tl]\nhost=x\npassword=fromService\n");
    Env service_file("PGSERVICEFILE", file);
    CHECK(secrets_of("service=tl dbname=d") == std::vector<std::string>{"fromService"});
    CHECK(std::getenv("PGSERVICE") == nullptr);  // put back as it was
    Env service("PGSERVICE", "tl");
    CHECK(secrets_of("") == std::vector<std::string>{"fromService"});
    std::remove(file.c_str());
  }
  CHECK(redact("failed for hunter2 and hunter2", {"hunter2"}) == "failed for *** and ***");
  CHECK(redact("pw hunter2", {"hunter2", "hunter"}) == "pw ***");
}

TEST_CASE("build_far_back: workers alive in the window, read without a cast that could fail") {
  Mapping m = default_mapping();
  Window w{*parse_time("2025-10-16T17:00:00.5Z"), *parse_time("2025-10-16T18:00:00Z")};
  std::vector<std::pair<std::string, std::string>> cols = {
      {"id", "text"}, {"created_at", "timestamp with time zone"}, {"metadata", "jsonb"}};
  std::string sql = build_far_back(TableId::workers, m, w, cols, {});
  CHECK(sql.find("WHERE \"created_at\" < '2025-10-15T17:00:00.500Z'::timestamptz AND NOT COALESCE((") !=
        std::string::npos);
  // Compared as text to the whole second, never cast.
  CHECK(sql.find("substr((\"metadata\" ->> 'terminated_at'), 12, 8)) < '2025-10-16T17:00:00', false)") !=
        std::string::npos);
  CHECK(sql.find("(\"metadata\" ->> 'error_time') ~ '^[0-9]{4}-") != std::string::npos);
  CHECK(sql.find("::timestamptz, false)") == std::string::npos);
  std::string order = " ORDER BY \"created_at\", \"id\" COLLATE \"C\"";
  CHECK(sql.substr(sql.size() - order.size()) == order);
  // A real timestamp column is compared as one.
  m[TableId::workers].columns[field::w_terminated_at] = ColumnSpec{"ended", "", ""};
  cols.emplace_back("ended", "timestamp with time zone");
  sql = build_far_back(TableId::workers, m, w, cols, {});
  CHECK(sql.find("NOT COALESCE(\"ended\" < '2025-10-16T17:00:00.500Z'::timestamptz, false)") != std::string::npos);
  // Other tables have nothing far back.
  CHECK(build_far_back(TableId::tasks, m, w, {{"id", "uuid"}, {"created_at", "timestamp with time zone"}}, {}).empty());
}

TEST_CASE("build_far_back: each orchestrator type's last log before the recent range, bounded by log_lookback") {
  Mapping m = default_mapping();
  Window w{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};
  std::vector<std::pair<std::string, std::string>> cols = {
      {"id", "uuid"}, {"timestamp", "timestamp with time zone"}, {"source_type", "text"}, {"source_id", "text"}};
  std::string sql = build_far_back(TableId::system_logs, m, w, cols, {"orchestrator_api", "orchestrator_gpu"});
  std::string one = "FROM \"system_logs\" WHERE \"source_type\" = 'orchestrator_gpu' AND \"timestamp\" < "
                    "'2025-10-16T17:00:00Z'::timestamptz ORDER BY \"timestamp\" DESC, \"id\" DESC LIMIT 1)";
  CHECK(sql.find(one) != std::string::npos);
  CHECK(sql.find("'orchestrator_api'") != std::string::npos);
  CHECK(sql.find(" UNION ALL (SELECT ") != std::string::npos);
  CHECK(sql.substr(sql.find(") far_back ")) ==
        ") far_back WHERE \"timestamp\" < '2025-10-16T15:00:00Z'::timestamptz ORDER BY \"timestamp\", \"id\"");
  // The prelude covers the recent two hours.
  CHECK(build_prelude(m, w, cols).find("\"timestamp\" >= '2025-10-16T15:00:00Z'::timestamptz AND \"timestamp\" < "
                                       "'2025-10-16T17:00:00Z'::timestamptz") != std::string::npos);
  CHECK(build_far_back(TableId::system_logs, m, w, cols, {}).empty());
  SUBCASE("log_lookback bounds the search") {
    m.thresholds.log_lookback = std::chrono::hours(6);
    sql = build_far_back(TableId::system_logs, m, w, cols, {"orchestrator_gpu"});
    CHECK(sql.find("\"timestamp\" >= '2025-10-16T11:00:00Z'::timestamptz AND \"timestamp\" < "
                   "'2025-10-16T17:00:00Z'::timestamptz ORDER BY") != std::string::npos);
  }
  SUBCASE("a log_lookback within the recent range leaves nothing far back") {
    m.thresholds.log_lookback = std::chrono::minutes(30);
    CHECK(build_far_back(TableId::system_logs, m, w, cols, {"orchestrator_gpu"}).empty());
    CHECK(build_prelude(m, w, cols).find("\"timestamp\" >= '2025-10-16T16:30:00Z'") != std::string::npos);
  }
}

TEST_CASE("alive_since: ended is the earlier of termination and error, unreadable is not ended") {
  Time since = *parse_time("2025-10-16T17:00:00Z");
  CHECK(alive_since(std::nullopt, std::nullopt, since));
  CHECK(alive_since(since, std::nullopt, since));
  CHECK(!alive_since(since - Micros(1), std::nullopt, since));
  CHECK(!alive_since(since + std::chrono::hours(1), since - Micros(1), since));
}

TEST_SUITE_END();

namespace {

// system_logs' columns in the real schema, as format_type prints them.
std::vector<std::pair<std::string, std::string>> real_log_columns() {
  return {{"id", "uuid"},          {"timestamp", "timestamp with time zone"},
          {"source_type", "text"}, {"source_id", "text"},
          {"log_level", "text"},   {"message", "text"},
          {"task_id", "uuid"},     {"worker_id", "text"},
          {"cycle_number", "integer"}, {"metadata", "jsonb"}};
}

// The columns with one of them of another type.
std::vector<std::pair<std::string, std::string>> retyped(std::vector<std::pair<std::string, std::string>> cols,
                                                         const std::string& name, const std::string& type) {
  for (auto& c : cols) {
    if (c.first == name) {
      c.second = type;
    }
  }
  return cols;
}

}  // namespace

TEST_CASE("build_window_read: binary when every column has a binary reading, ties broken by the reader when it can") {
  Mapping m = default_mapping();
  Window w{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};
  const std::vector<std::pair<std::string, std::string>> real = real_log_columns();
  std::vector<std::string> unmapped;
  std::string sorted = build_select(TableId::system_logs, m, w, real, unmapped);
  WindowRead r = build_window_read(m, w, real);
  // The same rows, ordered by time alone: uuids sort as their text does.
  std::string tie_break = ", \"id\"";
  REQUIRE(sorted.size() > tie_break.size());
  CHECK(r.query == sorted.substr(0, sorted.size() - tie_break.size()));
  CHECK(r.ties_by_client);
  // The row time is kept as its value (Field::time), not formatted as text.
  CHECK(r.binary == std::vector<BinaryColumn>{BinaryColumn::uuid, BinaryColumn::timestamptz_value, BinaryColumn::text,
                                              BinaryColumn::text, BinaryColumn::text, BinaryColumn::text,
                                              BinaryColumn::uuid, BinaryColumn::text, BinaryColumn::int4});

  // A bigint key sorts as a number, not as its text: the server breaks ties.
  auto with = [&](const std::string& name, const std::string& type) { return retyped(real, name, type); };
  WindowRead numeric_key = build_window_read(m, w, with("id", "bigint"));
  CHECK_FALSE(numeric_key.ties_by_client);
  CHECK(numeric_key.query == build_select(TableId::system_logs, m, w, with("id", "bigint"), unmapped));
  CHECK(numeric_key.binary.size() == 9);

  // A column with no binary reading (a boolean prints "t", its cast "true"): all in text.
  WindowRead boolean = build_window_read(m, w, with("log_level", "boolean"));
  CHECK(boolean.binary.empty());
  CHECK(boolean.ties_by_client);

  // An unmapped field is NULL::text; a key of the metadata is text.
  Mapping keyed = default_mapping();
  keyed[TableId::system_logs].columns[field::l_worker_id] = ColumnSpec{"metadata", "worker", ""};
  WindowRead json_key = build_window_read(keyed, w, real);
  CHECK(json_key.binary.size() == 9);
  CHECK(json_key.binary[field::l_worker_id] == BinaryColumn::text);

  // A timestamp without time zone is read as text: its zone is applied when parsed.
  WindowRead local = build_window_read(m, w, with("timestamp", "timestamp without time zone"));
  CHECK(local.binary[field::l_time] == BinaryColumn::timestamp);
  // Only the row time is kept as a value: a timestamptz mapped elsewhere is text.
  Mapping odd = default_mapping();
  odd[TableId::system_logs].columns[field::l_message] = ColumnSpec{"timestamp", "", ""};
  WindowRead elsewhere = build_window_read(odd, w, real);
  REQUIRE(elsewhere.binary.size() == 9);
  CHECK(elsewhere.binary[field::l_message] == BinaryColumn::timestamptz);
  CHECK(elsewhere.binary[field::l_time] == BinaryColumn::timestamptz_value);
}

TEST_CASE("build_window_read and build_share: withheld source types read their message and level as NULL, worker_id "
          "NULL where it is source_id, the rest as before") {
  Mapping m = default_mapping();
  Window w{*parse_time("2025-10-16T17:00:00Z"), *parse_time("2025-10-16T18:00:00Z")};
  const std::vector<std::pair<std::string, std::string>> real = real_log_columns();
  WindowRead whole = build_window_read(m, w, real);
  WindowRead withheld = build_window_read(m, w, real, {"worker", "it's"});
  const std::string types = "('worker', 'it''s')";
  const std::vector<std::pair<std::string, std::string>> replaced = {
      {"\"log_level\" AS \"log_level\"",
       "CASE WHEN \"source_type\" COLLATE \"C\" IN " + types + " THEN NULL ELSE \"log_level\" END AS \"log_level\""},
      {"\"message\" AS \"message\"",
       "CASE WHEN \"source_type\" COLLATE \"C\" IN " + types + " THEN NULL ELSE \"message\" END AS \"message\""},
      {"\"worker_id\" AS \"worker_id\"",
       "CASE WHEN \"worker_id\" = \"source_id\" COLLATE \"C\" THEN NULL ELSE COALESCE(\"worker_id\", '') END AS "
       "\"worker_id\""}};
  auto withholding = [&](std::string sql) {
    for (const auto& [plain, as_null] : replaced) {
      REQUIRE(sql.find(plain) != std::string::npos);
      sql.replace(sql.find(plain), plain.size(), as_null);
    }
    return sql;
  };
  CHECK(withheld.query == withholding(whole.query));
  CHECK(withheld.binary == whole.binary);
  CHECK(withheld.worker_id_elided);
  CHECK_FALSE(whole.worker_id_elided);
  for (int share : {0, 1}) {
    CHECK(build_share(m, w, real, share, {"worker", "it's"}) == withholding(build_share(m, w, real, share)));
  }
  // worker_id is compared with source_id only as text or varchar: a uuid or
  // character(n) on either side is read as it is.
  auto with = [&](const std::string& name, const std::string& type) { return retyped(real, name, type); };
  for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
           {"worker_id", "uuid"}, {"worker_id", "character(12)"}, {"source_id", "character(12)"}}) {
    WindowRead r = build_window_read(m, w, with(name, type), {"worker"});
    CHECK_FALSE(r.worker_id_elided);
    CHECK(r.query.find("\"worker_id\" AS \"worker_id\"") != std::string::npos);
  }
  WindowRead varchar = build_window_read(m, w, with("worker_id", "character varying(64)"), {"worker"});
  CHECK(varchar.worker_id_elided);
  // The reader puts back what the CASE took: NULL is the source_id, '' no worker.
  auto restored = [](std::optional<std::string> source_id, std::optional<std::string> sent) {
    Row row(9);
    row[field::l_source_id].null = !source_id;
    row[field::l_source_id].text = source_id.value_or("");
    row[field::l_worker_id].null = !sent;
    row[field::l_worker_id].text = sent.value_or("");
    restore_worker_id(row);
    const Field& f = row[field::l_worker_id];
    return f.null ? std::string("NULL") : "'" + f.text + "'";
  };
  CHECK(restored("w-1", std::nullopt) == "'w-1'");
  CHECK(restored("w-1", "w-2") == "'w-2'");
  CHECK(restored("w-1", "") == "NULL");
  CHECK(restored(std::nullopt, "") == "NULL");
  CHECK(restored(std::nullopt, "w-2") == "'w-2'");
  // The prelude (the last lines before the window) is read whole.
  CHECK(build_prelude(m, w, real).find("CASE") == std::string::npos);
  // A message kept in the metadata is withheld the same way.
  Mapping keyed = default_mapping();
  keyed[TableId::system_logs].columns[field::l_message] = ColumnSpec{"metadata", "msg", ""};
  CHECK(build_window_read(keyed, w, real, {"worker"}).query.find(
            "CASE WHEN \"source_type\" COLLATE \"C\" IN ('worker') THEN NULL ELSE (\"metadata\" ->> 'msg') END AS \"message\"") !=
        std::string::npos);
}
