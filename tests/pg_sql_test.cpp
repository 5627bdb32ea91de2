#include <cstdlib>

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

TEST_CASE("secrets_of and redact: key=value, quoted, URI userinfo and query, PGPASSWORD") {
  unsetenv("PGPASSWORD");
  CHECK(secrets_of("host=x password=hunter2 user=u") == std::vector<std::string>{"hunter2"});
  CHECK(secrets_of("password = 'pa ss\\'w' host=x") == std::vector<std::string>{"pa ss'w"});
  CHECK(secrets_of("postgresql://bob:s3cret@db:5432/x") == std::vector<std::string>{"s3cret"});
  CHECK(secrets_of("postgres://db/x?user=a&password=qq") == std::vector<std::string>{"qq"});
  setenv("PGPASSWORD", "envpw", 1);
  CHECK(secrets_of("host=x") == std::vector<std::string>{"envpw"});
  unsetenv("PGPASSWORD");
  CHECK(redact("failed for hunter2 and hunter2", {"hunter2"}) == "failed for *** and ***");
}

TEST_SUITE_END();
