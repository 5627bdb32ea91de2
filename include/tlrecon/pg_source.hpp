#pragma once
// The PostgreSQL source: every table read in one read-only, repeatable-read
// transaction (one snapshot of the database), through COPY (SELECT …) TO
// STDOUT so rows stream in time order without being held in memory.
// Nothing above this file includes <pqxx/…>.
#include <memory>
#include <string>
#include <vector>

#include "tlrecon/source.hpp"

namespace tlrecon {

struct PgOptions {
  std::string dsn;          // empty: libpq's environment (PGHOST, PGSERVICE, …)
  Micros statement_timeout = std::chrono::seconds(60);
};

std::unique_ptr<Source> open_postgres(const PgOptions& options, const Mapping& mapping,
                                      const Window& window);

// The passwords a connection may use, wherever libpq would take them from:
// the DSN as PQconninfoParse reads it (key=value, quoted or escaped, or a URI,
// percent-decoded), the service file of its service= or PGSERVICE,
// PGPASSWORD, and the password file (passfile=, PGPASSFILE or ~/.pgpass).
// A DSN libpq cannot parse gives every piece of it that is not an option
// name. Every message that leaves the PostgreSQL source has them replaced by "***".
std::vector<std::string> secrets_of(const std::string& dsn);
std::string redact(std::string text, const std::vector<std::string>& secrets);

// The SQL that reads one table's window, given the columns it has
// (name → type as format_type prints it). Exposed for tests.
std::string build_select(TableId table, const Mapping& mapping, const Window& window,
                         const std::vector<std::pair<std::string, std::string>>& columns,
                         std::vector<std::string>& unmapped);

// system_logs' window query restricted to share `share` of 2: the rows
// whose time hashes to it (timestamp_hash of the time's low bit). Rows at
// the same instant are in the same share, so merging the shares by time
// gives build_select's order; each share is in that order. Read on two
// connections sharing one snapshot (docs/scaling.md).
std::string build_share(const Mapping& mapping, const Window& window,
                        const std::vector<std::pair<std::string, std::string>>& columns, int share);

// system_logs: the last row of each (source_type, source_id) in
// [recent_logs_from, since), in timeline order.
std::string build_prelude(const Mapping& mapping, const Window& window,
                          const std::vector<std::pair<std::string, std::string>>& columns);

// The rows older than the table's read range that the window still needs,
// in timeline order; empty when there are none to look for (TableInfo::far_back_query).
// workers: created before since - lookback and not ended before since (the
// end times read without a cast that could fail on malformed metadata).
// system_logs: the last row of each of `orchestrator_types` before since
// (and after since - log_lookback when that is set), when older than the
// prelude's range.
std::string build_far_back(TableId table, const Mapping& mapping, const Window& window,
                           const std::vector<std::pair<std::string, std::string>>& columns,
                           const std::vector<std::string>& orchestrator_types);

}  // namespace tlrecon
