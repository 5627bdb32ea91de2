#pragma once
// The PostgreSQL source: every table read in one read-only, repeatable-read
// transaction (one snapshot of the database), through COPY (SELECT …) TO
// STDOUT so rows stream in time order without being held in memory.
// Nothing above this file includes <pqxx/…>.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tlrecon/copy_binary.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/source.hpp"

namespace tlrecon {

struct PgOptions {
  std::string dsn;          // empty: libpq's environment (PGHOST, PGSERVICE, …)
  Micros statement_timeout = std::chrono::seconds(60);
  // For check: the source types whose lines in the window may be read
  // without their message (the workers', Catalogue::role_of); the analysis
  // fetches the few it keeps (Source::messages_of). Not with
  // TLRECON_COPY=text, and only for the schemas withheld_types()
  // (pg_source.cpp) accepts: the real one does. Empty: every message.
  std::function<bool(const std::string& source_type)> withhold_messages;
  // For report: the same types, read whole, are refetchable
  // (Source::refetchable_types) under the same conditions.
  std::function<bool(const std::string& source_type)> refetch_messages;
};

// A source error whose remedy names command-line options or server settings:
// the command layer words it from the kind (only it names options).
class PgError : public Error {
 public:
  enum class Kind {
    connection,         // cannot connect, or the connection broke
    timeout,            // cancelled by the statement timeout
    recovery_conflict,  // on a hot standby, cancelled by a recovery conflict
    other,              // any other query failure: the server's words say it
  };
  PgError(Kind kind, const std::string& message) : Error(k_exit_source, message), m_kind(kind) {}
  Kind kind() const { return m_kind; }

 private:
  Kind m_kind;
};

// Why libpq cannot parse `dsn` (PQconninfoParse), with the passwords taken
// out; empty when it can.
std::string conninfo_problem(const std::string& dsn);

// Where the rows came from, read in the transaction that reads them, for a
// snapshot's manifest: evidence says which server, database, role and point
// in the WAL it shows. Never a password.
struct Provenance {
  std::string host;            // as libpq connected: a name, an address or a socket directory
  std::string port;
  std::string database;
  std::string server_version;  // the server_version setting
  std::optional<std::string> system_identifier;  // pg_control_system(), when the role may run it
  std::string system_identifier_reason;          // why not, when it is empty
  std::string current_user;
  std::string session_user;
  bool in_recovery = false;    // pg_is_in_recovery(): a hot standby
  // pg_current_wal_lsn() on a primary, pg_last_wal_replay_lsn() on a standby ("0/3000148").
  std::string wal_lsn;
};

// Opens the source: one transaction, every table probed. With `provenance`,
// fills it in that transaction.
std::unique_ptr<Source> open_postgres(const PgOptions& options, const Mapping& mapping,
                                      const Window& window, Provenance* provenance = nullptr);

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
// `withheld_types` (sorted): source types whose message is read as NULL.
std::string build_share(const Mapping& mapping, const Window& window,
                        const std::vector<std::pair<std::string, std::string>>& columns, int share,
                        const std::vector<std::string>& withheld_types = {});

// How system_logs' window is read (its query is TableInfo::query): in COPY
// binary when every column has a binary reading (copy_binary.hpp), else in
// text; and ordered by time alone when the key sorts by its bytes (uuid,
// text, varchar under COLLATE "C"), the rows of one instant then put in key
// order by the reader, which costs the server less than an Incremental Sort
// on the key (measured in docs/scaling.md). Otherwise build_select's order.
struct WindowRead {
  std::string query;
  std::vector<BinaryColumn> binary;  // per field; empty: COPY text
  bool ties_by_client = false;
  // With withheld types: worker_id comes NULL where it is source_id, and
  // '' where it is NULL or '' (the reader puts source_id back).
  bool worker_id_elided = false;
};
// A system_logs row of a read whose worker_id was elided, as the table has
// it: NULL is the row's source_id; '' (NULL or '' in the table) is NULL.
void restore_worker_id(Row& row);

WindowRead build_window_read(const Mapping& mapping, const Window& window,
                             const std::vector<std::pair<std::string, std::string>>& columns,
                             const std::vector<std::string>& withheld_types = {});

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
