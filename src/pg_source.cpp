#include "tlrecon/pg_source.hpp"

#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include "tlrecon/copy_binary.hpp"
#include "tlrecon/copy_text.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/catalogue.hpp"
#include "tlrecon/interrupt.hpp"
#include "tlrecon/read_ahead.hpp"

namespace tlrecon {

namespace {

using Transaction = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// ---------------------------------------------------------------- secrets

using ConninfoOptions = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

std::string option_value(const ConninfoOptions& options, const char* keyword) {
  for (const PQconninfoOption* o = options.get(); o != nullptr && o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, keyword) == 0 && o->val != nullptr) {
      return o->val;
    }
  }
  return "";
}

// libpq's defaults, as a connection without those options would take them:
// the service file's entries for `service` (PQconndefaults reads the service
// PGSERVICE names, so it names the DSN's for the call), then the environment.
ConninfoOptions libpq_defaults(const std::string& service) {
  const char* before = std::getenv("PGSERVICE");
  std::string saved = before == nullptr ? "" : before;
  if (!service.empty()) {
    setenv("PGSERVICE", service.c_str(), 1);
  }
  ConninfoOptions defaults(PQconndefaults(), PQconninfoFree);
  if (!service.empty()) {
    if (before != nullptr) {
      setenv("PGSERVICE", saved.c_str(), 1);
    } else {
      unsetenv("PGSERVICE");
    }
  }
  return defaults;
}

std::string home_directory() {
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return home;
  }
  const passwd* pw = getpwuid(getuid());
  return pw == nullptr || pw->pw_dir == nullptr ? "" : pw->pw_dir;
}

// Every password of a password file (host:port:database:user:password, with
// \: and \\ escaped): libpq picks the line that matches the connection; any
// of them may be the one it sent.
void add_passfile_passwords(const std::string& path, std::vector<std::string>& out) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.empty() || line[0] == '#') {
      continue;
    }
    int field = 0;
    std::string password;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c == '\\' && i + 1 < line.size()) {
        c = line[++i];
      } else if (c == ':' && field < 4) {
        ++field;
        continue;
      }
      if (field == 4) {
        password += c;
      }
    }
    if (field == 4) {
      out.push_back(password);
    }
  }
}

// A DSN that libpq cannot parse: its error quotes pieces of the DSN, and which
// piece is the password cannot be known, so every piece that is not an option
// name is taken for one.
void add_dsn_pieces(const std::string& dsn, std::vector<std::string>& out) {
  ConninfoOptions known(PQconndefaults(), PQconninfoFree);
  auto is_name = [&](const std::string& piece) {
    for (const PQconninfoOption* o = known.get(); o != nullptr && o->keyword != nullptr; ++o) {
      if (piece == o->keyword) {
        return true;
      }
    }
    return piece == "postgresql" || piece == "postgres";
  };
  std::string piece;
  for (size_t i = 0; i <= dsn.size(); ++i) {
    if (i < dsn.size() && std::strchr(" \t\r\n:/@?&='\"[]", dsn[i]) == nullptr) {
      piece += dsn[i];
      continue;
    }
    if (!piece.empty() && !is_name(piece)) {
      out.push_back(piece);
    }
    piece.clear();
  }
}

// ---------------------------------------------------------------- SQL

// Identifier and literal quoting that needs no connection, so the SQL can be
// built (and tested) before one exists. Same rules as quote_ident and
// quote_literal with standard_conforming_strings on.
std::string quote_ident(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  return out + "\"";
}

std::string quote_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += '\'';
    }
    out += c;
  }
  return out + "'";
}

std::string relation_of(const TableMapping& tm) {
  return tm.schema.empty() ? quote_ident(tm.table) : quote_ident(tm.schema) + "." + quote_ident(tm.table);
}

bool is_timestamp_type(const std::string& type) {
  return type == "timestamp with time zone" || type == "timestamp without time zone";
}

bool is_text_type(const std::string& type) {
  return type == "text" || type.rfind("character varying", 0) == 0 || type.rfind("character", 0) == 0;
}

bool is_json_type(const std::string& type) { return type == "json" || type == "jsonb"; }

// text or varchar: compared under COLLATE "C", its value is its bytes (not
// character(n), whose text drops the padding).
bool is_unpadded_text_type(const std::string& type) {
  return type == "text" || type.rfind("character varying", 0) == 0;
}

// character(n): its ::text drops the padding a COPY keeps.
bool is_padded_text_type(const std::string& type) {
  return type.rfind("character", 0) == 0 && !is_unpadded_text_type(type);
}

bool is_time_field(TableId table, int f) {
  using namespace field;
  switch (table) {
    case TableId::workers:
      return f == w_created_at || f == w_last_heartbeat || f == w_promoted_at ||
             f == w_terminated_at || f == w_error_time;
    case TableId::tasks:
      return f == t_created_at || f == t_updated_at || f == t_claimed_at || f == t_finished_at;
    case TableId::workflow_decisions: return f == d_time;
    case TableId::workflow_executions: return f == e_time;
    case TableId::system_logs: return f == l_time;
  }
  return false;
}

// A time literal comparable with the row-time column without casting the
// column, so an index on it can serve the predicate.
std::string time_literal(Time t, const std::string& column_type, const std::string& zone) {
  std::string lit = quote_literal(format_utc(t)) + "::timestamptz";
  if (column_type == "timestamp without time zone") {
    return "(" + lit + " AT TIME ZONE " + quote_literal(zone.empty() ? "UTC" : zone) + ")";
  }
  return lit;
}

// What every query on one table shares.
struct TableSql {
  std::string select;                // "SELECT … AS "id", … FROM relation"
  std::vector<std::string> exprs;    // per logical field: its SQL, empty when unmapped
  std::vector<std::string> types;    // per logical field: its type ("text" for a json key)
  std::string time;                  // the row-time column, quoted
  std::string time_type;
  std::string zone;
  std::string order;                 // " ORDER BY time, key"
  std::string key_type;
  bool worker_id_elided = false;     // system_logs' worker_id NULL where it is source_id (see table_sql)
};

std::string field_expr(TableId table, int f, const ColumnSpec& cs, const std::map<std::string, std::string>& types,
                       std::string& type) {
  auto it = cs.column.empty() ? types.end() : types.find(cs.column);
  std::string what = std::string(table_name(table)) + "." + field_names(table)[f];
  if (it == types.end()) {
    return "";
  }
  if (!cs.json_key.empty()) {
    if (!is_json_type(it->second)) {
      throw source_error(what + ": column " + quote_ident(cs.column) + " is " + it->second +
                         ", but the mapping reads key '" + cs.json_key + "' from it, which needs json or jsonb");
    }
    type = "text";
    return "(" + quote_ident(cs.column) + " ->> " + quote_literal(cs.json_key) + ")";
  }
  if (is_time_field(table, f) && !is_timestamp_type(it->second) && !is_text_type(it->second)) {
    throw source_error(what + ": column " + quote_ident(cs.column) + " is " + it->second +
                       "; expected timestamp with time zone (or timestamp, text)");
  }
  type = it->second;
  return quote_ident(cs.column);
}

// `withheld_types` (check's): system_logs' message and log level are NULL
// for these source types (read again for the lines a finding cites), and
// worker_id is NULL where it equals source_id, '' where it is NULL or '':
// a worker's lines name it in both (measured, 5M rows, a client that only
// reads: the server's COPY 1.93 -> 1.70 s for both changes).
TableSql table_sql(TableId table, const Mapping& mapping,
                   const std::vector<std::pair<std::string, std::string>>& columns,
                   std::vector<std::string>& unmapped, const std::vector<std::string>& withheld_types = {}) {
  const TableMapping& tm = mapping[table];
  std::map<std::string, std::string> types(columns.begin(), columns.end());
  const auto& names = field_names(table);
  TableSql out;
  std::string list;
  std::string withheld_in;  // the withheld types as an SQL list, for message and level alike
  for (const std::string& withheld : withheld_types) {
    withheld_in += (withheld_in.empty() ? "" : ", ") + quote_literal(withheld);
  }
  for (size_t f = 0; f < names.size(); ++f) {
    std::string type;
    std::string expr = field_expr(table, static_cast<int>(f), tm.columns[f], types, type);
    if (expr.empty()) {
      unmapped.push_back(names[f]);
    }
    std::string value = expr.empty() ? "NULL::text" : expr;
    const bool withholding = table == TableId::system_logs && !expr.empty() && !withheld_types.empty();
    if (withholding && (f == static_cast<size_t>(field::l_message) || f == static_cast<size_t>(field::l_level)) &&
        !out.exprs[field::l_source_type].empty()) {
      value = "CASE WHEN " + out.exprs[field::l_source_type] + " COLLATE \"C\" IN (" + withheld_in + ") THEN NULL ELSE " +
              expr + " END";
    }
    // Compared as bytes (COLLATE "C"), both text or varchar: equal is the same text.
    if (withholding && f == static_cast<size_t>(field::l_worker_id) && is_unpadded_text_type(type) &&
        !out.exprs[field::l_source_id].empty() && is_unpadded_text_type(out.types[field::l_source_id])) {
      value = "CASE WHEN " + expr + " = " + out.exprs[field::l_source_id] + " COLLATE \"C\" THEN NULL ELSE COALESCE(" +
              expr + ", '') END";
      out.worker_id_elided = true;
    }
    list += (list.empty() ? "" : ", ") + value + " AS " + quote_ident(names[f]);
    out.exprs.push_back(expr);
    out.types.push_back(type);
  }
  int tf = time_field(table);
  const ColumnSpec& time_col = tm.columns[tf];
  const ColumnSpec& key_col = tm.columns[key_field(table)];
  auto time_type = types.find(time_col.column);
  auto key_type = types.find(key_col.column);
  if (time_type == types.end() || key_type == types.end()) {
    // The caller has checked the essential columns; this is a programming error.
    throw Error(k_exit_internal, std::string(table_name(table)) + ": key or time column missing");
  }
  if (table == TableId::system_logs && !is_timestamp_type(time_type->second)) {
    throw source_error(std::string(table_name(table)) + "." + names[tf] + ": column " +
                       quote_ident(time_col.column) + " is " + time_type->second +
                       "; expected timestamp with time zone (or timestamp without time zone)");
  }
  out.select = "SELECT " + list + " FROM " + relation_of(tm);
  out.time = quote_ident(time_col.column);
  out.time_type = time_type->second;
  out.zone = time_col.zone;
  // COLLATE "C": keys sort by bytes, as the merge compares them.
  std::string key = quote_ident(key_col.column);
  if (is_text_type(key_type->second)) {
    key += " COLLATE \"C\"";
  }
  out.order = " ORDER BY " + out.time + ", " + key;
  out.key_type = key_type->second;
  return out;
}

// `time >= from AND time < to` on the row-time column (an index serves it).
std::string time_range(const TableSql& t, std::optional<Time> from, Time to) {
  std::string sql = from ? t.time + " >= " + time_literal(*from, t.time_type, t.zone) + " AND " : "";
  return sql + t.time + " < " + time_literal(to, t.time_type, t.zone);
}

// Whether a worker's end time (a column, or a key of its metadata) is before
// `t`, decided without a cast that could fail on a malformed value: a
// timestamp column is compared; text only when it is an unambiguous UTC time
// ("2026-05-12T10:16:40.100000+00:00", valid day of month), compared as text
// to the second. Anything else (NULL, another zone, garbage) counts as not
// ended: the row is read, and the decoder, which applies alive_since to
// every source, decides.
std::string ended_before(const std::string& expr, const std::string& type, Time t) {
  if (expr.empty()) {
    return "false";
  }
  if (is_timestamp_type(type)) {
    return "COALESCE(" + expr + " < " + time_literal(t, type, "") + ", false)";
  }
  static const char* k_utc_time =
      "'^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
      "[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.,][0-9]+)?(Z|z|\\+00(:?00)?)$'";
  std::string second = format_utc(date::floor<std::chrono::seconds>(t));
  second.pop_back();  // the Z
  return "COALESCE((" + expr + " ~ " + k_utc_time + ") AND (left(" + expr + ", 10) || 'T' || substr(" + expr +
         ", 12, 8)) < " + quote_literal(second) + ", false)";
}

std::string far_back_workers(const Mapping& mapping, const Window& window, const TableSql& t) {
  using namespace field;
  return t.select + " WHERE " + time_range(t, std::nullopt, read_from(TableId::workers, window, mapping.thresholds)) +
         " AND NOT " + ended_before(t.exprs[w_terminated_at], t.types[w_terminated_at], window.since) +
         " AND NOT " + ended_before(t.exprs[w_error_time], t.types[w_error_time], window.since) + t.order;
}

// The last log of each orchestrator source type before the recent range
// (the prelude has the ones inside it): one `ORDER BY time DESC LIMIT 1` per
// type, which an index on (source_type, …, time) or on time serves. The
// outer filter keeps a type's last log only when it is older than the
// recent range, so no row comes twice.
std::string far_back_logs(const Mapping& mapping, const Window& window, const TableSql& t,
                          const std::vector<std::string>& orchestrator_types) {
  Time recent = recent_logs_from(window, mapping.thresholds);
  Time bound = read_from(TableId::system_logs, window, mapping.thresholds);
  if (orchestrator_types.empty() || bound >= recent || t.exprs[field::l_source_type].empty()) {
    return "";
  }
  std::optional<Time> from = bound == Time::min() ? std::nullopt : std::optional<Time>(bound);
  std::string key = quote_ident(mapping[TableId::system_logs].columns[field::l_id].column);
  std::string parts;
  for (const std::string& type : orchestrator_types) {
    parts += (parts.empty() ? "(" : " UNION ALL (") + t.select + " WHERE " + t.exprs[field::l_source_type] + " = " +
             quote_literal(type) + " AND " + time_range(t, from, window.since) + " ORDER BY " + t.time + " DESC, " +
             key + " DESC LIMIT 1)";
  }
  bool text_key = t.order.find("COLLATE") != std::string::npos;
  return "SELECT * FROM (" + parts + ") far_back WHERE \"timestamp\" < " +
         time_literal(recent, t.time_type, t.zone) + " ORDER BY \"timestamp\", \"id\"" +
         (text_key ? " COLLATE \"C\"" : "");
}

}  // namespace

// ---------------------------------------------------------------- secrets

std::vector<std::string> secrets_of(const std::string& dsn) {
  std::vector<std::string> out;
  char* parse_error = nullptr;
  ConninfoOptions given(PQconninfoParse(dsn.c_str(), &parse_error), PQconninfoFree);
  if (parse_error != nullptr) {
    PQfreemem(parse_error);
  }
  if (!given) {
    add_dsn_pieces(dsn, out);
  }
  ConninfoOptions defaults = libpq_defaults(option_value(given, "service"));
  out.push_back(option_value(given, "password"));
  out.push_back(option_value(defaults, "password"));  // the service file's, else PGPASSWORD
  if (const char* env = std::getenv("PGPASSWORD"); env != nullptr) {
    out.emplace_back(env);
  }
  std::string passfile = option_value(given, "passfile");
  if (passfile.empty()) {
    passfile = option_value(defaults, "passfile");  // the service file's, else PGPASSFILE
  }
  if (passfile.empty()) {
    passfile = home_directory() + "/.pgpass";
  }
  add_passfile_passwords(passfile, out);
  // Longest first, so a password that contains another is replaced whole.
  out.erase(std::remove(out.begin(), out.end(), std::string()), out.end());
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string conninfo_problem(const std::string& dsn) {
  char* parse_error = nullptr;
  ConninfoOptions given(PQconninfoParse(dsn.c_str(), &parse_error), PQconninfoFree);
  if (given) {
    return "";
  }
  std::string why = parse_error == nullptr ? "out of memory" : parse_error;
  if (parse_error != nullptr) {
    PQfreemem(parse_error);
  }
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) {
    why.pop_back();
  }
  // libpq quotes the pieces of the DSN it names ("missing \"=\" after \"…\""):
  // those are redacted, its own words are kept.
  std::vector<std::string> secrets = secrets_of(dsn);
  std::string out;
  size_t at = 0;
  while (true) {
    size_t open = why.find('"', at);
    size_t close = open == std::string::npos ? std::string::npos : why.find('"', open + 1);
    if (close == std::string::npos) {
      return out + why.substr(at);
    }
    out += why.substr(at, open + 1 - at) + redact(why.substr(open + 1, close - open - 1), secrets) + '"';
    at = close + 1;
  }
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return text;
}

// ---------------------------------------------------------------- SQL

std::string build_select(TableId table, const Mapping& mapping, const Window& window,
                         const std::vector<std::pair<std::string, std::string>>& columns,
                         std::vector<std::string>& unmapped) {
  TableSql t = table_sql(table, mapping, columns, unmapped);
  std::string sql = t.select;
  if (is_timestamp_type(t.time_type)) {
    Time from = table == TableId::system_logs ? window.since : read_from(table, window, mapping.thresholds);
    sql += " WHERE " + time_range(t, from, window.until);
  }
  return sql + t.order;
}

std::string build_share(const Mapping& mapping, const Window& window,
                        const std::vector<std::pair<std::string, std::string>>& columns, int share,
                        const std::vector<std::string>& withheld_types) {
  std::vector<std::string> unmapped;
  TableSql t = table_sql(TableId::system_logs, mapping, columns, unmapped, withheld_types);
  // The cast to timestamp follows the session's TimeZone (UTC in every
  // reader): the same instant hashes the same on each connection.
  return t.select + " WHERE " + time_range(t, window.since, window.until) + " AND (timestamp_hash(" + t.time +
         "::timestamp) & 1) = " + std::to_string(share) + t.order;
}

void restore_worker_id(Row& row) {
  Field& worker_id = row[field::l_worker_id];
  if (worker_id.null) {
    const Field& source_id = row[field::l_source_id];
    worker_id.null = source_id.null;
    worker_id.text = source_id.text;
  } else if (worker_id.text.empty()) {
    worker_id.null = true;
  }
}

WindowRead build_window_read(const Mapping& mapping, const Window& window,
                             const std::vector<std::pair<std::string, std::string>>& columns,
                             const std::vector<std::string>& withheld_types) {
  std::vector<std::string> unmapped;
  TableSql t = table_sql(TableId::system_logs, mapping, columns, unmapped, withheld_types);
  WindowRead out;
  for (size_t f = 0; f < t.types.size(); ++f) {
    // An unmapped field is NULL::text.
    std::optional<BinaryColumn> c = binary_column_of(t.types[f].empty() ? "text" : t.types[f]);
    if (!c) {
      out.binary.clear();
      break;
    }
    // The row time is read as its value: every reader of it asks field_time().
    if (f == static_cast<size_t>(field::l_time) && *c == BinaryColumn::timestamptz) {
      c = BinaryColumn::timestamptz_value;
    }
    out.binary.push_back(*c);
  }
  // COLLATE "C" orders text by its bytes, and uuids order as their text
  // does: so the rows of one instant can be put in key order by the reader.
  out.ties_by_client = t.key_type == "uuid" || is_unpadded_text_type(t.key_type);
  out.worker_id_elided = t.worker_id_elided;
  out.query = t.select + " WHERE " + time_range(t, window.since, window.until) +
              (out.ties_by_client ? " ORDER BY " + t.time : t.order);
  return out;
}

std::string build_prelude(const Mapping& mapping, const Window& window,
                          const std::vector<std::pair<std::string, std::string>>& columns) {
  std::vector<std::string> unmapped;
  TableSql t = table_sql(TableId::system_logs, mapping, columns, unmapped);
  auto expr = [&](int f) { return t.exprs[f].empty() ? std::string("NULL::text") : t.exprs[f]; };
  std::string st = expr(field::l_source_type);
  std::string sid = expr(field::l_source_id);
  std::string key = quote_ident(mapping[TableId::system_logs].columns[field::l_id].column);
  std::string inner = "SELECT DISTINCT ON (" + st + ", " + sid + ")" + t.select.substr(6) + " WHERE " +
                      time_range(t, recent_logs_from(window, mapping.thresholds), window.since) + " ORDER BY " +
                      st + ", " + sid + ", " + t.time + " DESC, " + key + " DESC";
  bool text_key = t.order.find("COLLATE") != std::string::npos;
  return "SELECT * FROM (" + inner + ") last_before ORDER BY \"timestamp\", \"id\"" +
         (text_key ? " COLLATE \"C\"" : "");
}

std::string build_far_back(TableId table, const Mapping& mapping, const Window& window,
                           const std::vector<std::pair<std::string, std::string>>& columns,
                           const std::vector<std::string>& orchestrator_types) {
  if (table != TableId::workers && table != TableId::system_logs) {
    return "";
  }
  std::vector<std::string> unmapped;
  TableSql t = table_sql(table, mapping, columns, unmapped);
  if (!is_timestamp_type(t.time_type)) {
    return "";  // a text row time: the main query reads the whole table already
  }
  return table == TableId::workers ? far_back_workers(mapping, window, t)
                                   : far_back_logs(mapping, window, t, orchestrator_types);
}

namespace {

// One statement of a read: its query, and the binary reading of each
// column when it is read in COPY binary.
struct Statement {
  std::string sql;
  std::vector<BinaryColumn> binary;  // empty: COPY text
  bool worker_id_elided = false;     // system_logs' worker_id NULL where it is source_id (table_sql)
};

// libpqxx 6.4 writes "COPY <name> TO STDOUT" around the name it is given and
// has no way to add options; the comment swallows its " TO STDOUT" (the
// statement text is ours and ends here).
std::string copy_target(const Statement& s) {
  return "(" + s.sql + ")" + (s.binary.empty() ? "" : " TO STDOUT (FORMAT binary) --");
}

// libpqxx 6.4 keeps a connection's PGconn to itself, but hands it to the
// subclasses of largeobject: the COPY is read with libpq's own calls.
struct RawConnection : pqxx::largeobject {
  static PGconn* of(const pqxx::dbtransaction& tx) { return raw_connection(tx); }
};

// The rows of one COPY, read with libpq (the COPY begun by libpqxx's
// stream_from, which ends it too). Waiting for more rows, it naps instead of
// blocking on the socket: a reader blocked on the socket is woken by each
// 8 KB message the server sends, and the server pays for the wake-ups. On the
// fleet day at 2M rows a client that only counts the rows kept the server's
// COPY busy 1.0 s blocking, 0.75 s napping (0.62 s to /dev/null).
class CopyReader {
 public:
  explicit CopyReader(const pqxx::dbtransaction& tx) : m_conn(RawConnection::of(tx)) {}

  // The next CopyData message into `line`; false at the COPY's end.
  bool next(std::string& line) {
    bool consumed = false;
    while (true) {
      char* buffer = nullptr;
      // Once the naps are used up, libpq's own blocking wait (which also
      // sees what TLS has decrypted and the socket no longer shows).
      int n = PQgetCopyData(m_conn, &buffer, m_naps < k_naps ? 1 : 0);
      if (n > 0) {
        line.assign(buffer, static_cast<size_t>(n));
        PQfreemem(buffer);
        m_naps = 0;
        return true;
      }
      if (n == -1) {
        end();
        return false;
      }
      if (n == -2) {
        failed();
      }
      // No whole row in libpq's buffer: read what the socket has, after a
      // nap when the last read already took all it had (libpq makes room
      // for a whole message, so a read stops short only on an empty socket).
      if (consumed) {
        timespec nap{0, k_nap_us * 1000};
        nanosleep(&nap, nullptr);
        ++m_naps;
      }
      if (PQconsumeInput(m_conn) == 0) {
        failed();
      }
      consumed = true;
    }
  }

 private:
  // 200 us: the server sends ~80 KB meanwhile (50 us to 1 ms measured the
  // same). After 20 naps in a row (4 ms) without a whole row the server is
  // busy elsewhere (a sort before the first row): the reader blocks.
  static constexpr long k_nap_us = 200;
  static constexpr int k_naps = 20;

  // As libpqxx says it (pg_source's guard() translates it).
  [[noreturn]] void failed() {
    throw pqxx::failure("Reading of table data failed: " + std::string(PQerrorMessage(m_conn)));
  }

  // The COPY's result: an error the server sent ends the read with it.
  void end() {
    std::string error;
    std::string sqlstate;
    while (PGresult* r = PQgetResult(m_conn)) {
      if (PQresultStatus(r) == PGRES_FATAL_ERROR && error.empty()) {
        error = PQresultErrorMessage(r);
        const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        sqlstate = state != nullptr ? state : "";
      }
      PQclear(r);
    }
    if (!error.empty()) {
      throw pqxx::sql_error(error, "[END COPY]", sqlstate.empty() ? nullptr : sqlstate.c_str());
    }
  }

  PGconn* m_conn;
  int m_naps = 0;
};

class PgStream : public RowStream {
 public:
  // Errors are redacted by Guarded, around every stream.
  PgStream(Transaction& tx, const Statement& statement, TableId table)
      : m_stream(tx, copy_target(statement)), m_copy(tx), m_table(table), m_binary(statement.binary),
        m_is_binary(!statement.binary.empty()), m_worker_id_elided(statement.worker_id_elided) {}

  bool next(Row& row) override {
    if (!next_row(row)) {
      return false;
    }
    if (m_worker_id_elided) {
      restore_worker_id(row);
    }
    return true;
  }

 private:
  bool next_row(Row& row) {
    if (m_done) {
      return false;
    }
    if (m_is_binary) {
      return next_binary(row);
    }
    if (!m_copy.next(m_line)) {
      end();
      return false;
    }
    // A text COPY's row ends with its newline.
    if (!m_line.empty() && m_line.back() == '\n') {
      m_line.pop_back();
    }
    size_t n = decode_copy_line(m_line, row);
    if (n != field_names(m_table).size()) {
      throw source_error(std::string("unexpected row shape from ") + table_name(m_table));
    }
    return true;
  }

  bool next_binary(Row& row) {
    while (!m_binary.next(row)) {
      if (!m_copy.next(m_line)) {
        if (!m_binary.ended()) {
          throw source_error(std::string("the binary COPY of ") + table_name(m_table) + " ended in the middle");
        }
        end();
        return false;
      }
      if (m_binary.ended()) {
        throw source_error(std::string("the binary COPY of ") + table_name(m_table) + " goes on after its end");
      }
      m_binary.feed(m_line);
    }
    return true;
  }

  // The COPY was read to its end: the stream only lets go of the transaction.
  void end() {
    m_stream.complete();
    m_done = true;
  }

  pqxx::stream_from m_stream;
  CopyReader m_copy;
  TableId m_table;
  BinaryCopyReader m_binary;
  bool m_is_binary;
  bool m_worker_id_elided;
  std::string m_line;
  bool m_done = false;
};

// Rows in time order, the rows of one instant put in key order (bytes, NULL
// last, as ORDER BY time, key COLLATE "C" gives them): the server sorts by
// time only. Holds one instant's rows at a time.
class TiesInKeyOrder : public RowStream {
 public:
  explicit TiesInKeyOrder(std::unique_ptr<RowStream> inner) : m_inner(std::move(inner)) {}

  bool next(Row& row) override {
    if (m_pos == m_size && !fill()) {
      return false;
    }
    std::swap(row, m_rows[m_pos++]);
    return true;
  }

 private:
  // The next instant's rows, read up to the first row of the one after.
  bool fill() {
    m_pos = 0;
    m_size = 0;
    if (!m_has_ahead && !(m_has_ahead = m_inner->next(m_ahead))) {
      return false;
    }
    do {
      if (m_size == m_rows.size()) {
        m_rows.emplace_back();
      }
      std::swap(m_rows[m_size++], m_ahead);
      m_has_ahead = m_inner->next(m_ahead);
    } while (m_has_ahead && same_time(m_ahead, m_rows[0]));
    if (m_size > 1) {
      std::stable_sort(m_rows.begin(), m_rows.begin() + static_cast<long>(m_size), key_before);
    }
    return true;
  }

  static bool same_time(const Row& a, const Row& b) {
    const Field& x = a[field::l_time];
    const Field& y = b[field::l_time];
    return x.null == y.null && x.time == y.time && x.text == y.text;
  }

  static bool key_before(const Row& a, const Row& b) {
    const Field& x = a[field::l_id];
    const Field& y = b[field::l_id];
    if (x.null || y.null) {
      return !x.null && y.null;
    }
    return x.text < y.text;
  }

  std::unique_ptr<RowStream> m_inner;
  std::vector<Row> m_rows;  // kept, so their strings keep their capacity
  size_t m_size = 0;
  size_t m_pos = 0;
  Row m_ahead;
  bool m_has_ahead = false;
};

std::string one_line(std::string text) {
  // libpq's messages are multi-line ("… \nLINE 1: …\n  ^"); keep the first line.
  size_t nl = text.find('\n');
  if (nl != std::string::npos) {
    text.resize(nl);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
}

using Columns = std::vector<std::pair<std::string, std::string>>;

class PgSource : public Source {
 public:
  PgSource(const PgOptions& options, const Mapping& mapping, const Window& window, Provenance* provenance)
      : m_mapping(mapping), m_window(window), m_secrets(secrets_of(options.dsn)), m_options(options) {
    // libpq reads these when the DSN does not say otherwise.
    setenv("PGCONNECT_TIMEOUT", "10", 0);
    setenv("PGAPPNAME", "tlrecon", 0);
    guard("connecting to PostgreSQL", [&] {
      m_conn = std::make_unique<pqxx::connection>(options.dsn);
      m_tx = std::make_unique<Transaction>(*m_conn, "tlrecon");
      set_session(*m_tx);
    });
    m_timeout_text = format_duration(options.statement_timeout);
    if (provenance != nullptr) {
      *provenance = read_provenance();
    }
    pqxx::connection* conn = m_conn.get();
    set_canceller([conn] { conn->cancel_query(); });
    for (TableId t : k_all_tables) {
      m_tables.push_back(probe(t));
    }
  }

  ~PgSource() override { set_canceller(nullptr); }

  const std::vector<TableInfo>& tables() const override { return m_tables; }

  std::unique_ptr<RowStream> open(TableId table) override {
    const TableInfo& info = m_tables[static_cast<int>(table)];
    std::vector<Statement> first;
    for (const std::string* q : {&info.far_back_query, &info.prelude_query}) {
      if (!q->empty()) {
        first.push_back(Statement{*q, {}});
      }
    }
    if (table == TableId::system_logs && !m_shares.empty() && parallel_reads() && open_second_reader()) {
      first.push_back(Statement{m_shares[0], {}, m_window_read.worker_id_elided});
      std::vector<std::unique_ptr<RowStream>> shares;
      shares.push_back(std::make_unique<Chain>(*m_tx, first, table));
      shares.push_back(std::make_unique<Chain>(
          *m_second_tx, std::vector<Statement>{{m_shares[1], {}, m_window_read.worker_id_elided}}, table));
      return read_ahead_if_asked(std::make_unique<Guarded>(
          std::make_unique<MergedShares>(std::move(shares), m_mapping[table].columns[field::l_time].zone), *this,
          "reading " + info.relation));
    }
    // In this order the rows stay in time order: far back, the last logs
    // before the window, the window.
    bool window_read = table == TableId::system_logs && !m_window_read.query.empty();
    if (!info.query.empty()) {
      first.push_back(Statement{info.query, window_read ? m_window_read.binary : std::vector<BinaryColumn>{},
                                window_read && m_window_read.worker_id_elided});
    }
    std::unique_ptr<RowStream> rows = std::make_unique<Chain>(*m_tx, first, table);
    if (window_read && m_window_read.ties_by_client) {
      rows = std::make_unique<TiesInKeyOrder>(std::move(rows));
    }
    rows = std::make_unique<Guarded>(std::move(rows), *this, "reading " + info.relation);
    // system_logs, the large one, may be read and decoded on a second
    // thread; nothing else uses the connection until it ends.
    return table == TableId::system_logs ? read_ahead_if_asked(std::move(rows)) : std::move(rows);
  }

  std::vector<std::string> withheld_message_types() const override { return m_withheld_types; }
  std::vector<std::string> refetchable_types() const override { return m_refetchable_types; }

  // The window's rows with these keys: one index probe each. Of two rows
  // with one key and time (no primary key) the decoder keeps one and counts
  // the other a duplicate: the least message of them, here.
  std::vector<LogMessage> messages_of(const std::vector<std::string>& keys) override {
    std::vector<LogMessage> out;
    const TableInfo& info = m_tables[static_cast<int>(TableId::system_logs)];
    std::vector<std::string> unmapped;
    TableSql t = table_sql(TableId::system_logs, m_mapping, m_log_columns, unmapped);
    std::string key = t.exprs[field::l_id];
    auto text_of = [&](int f) { return t.exprs[f].empty() ? std::string("NULL::text") : t.exprs[f] + "::text"; };
    std::string sql = "SELECT DISTINCT ON (k, t) k, t, m, ti, wi, l FROM (SELECT " + key + "::text AS k, " +
                      text_of(field::l_message) + " AS m, " + text_of(field::l_task_id) + " AS ti, " +
                      text_of(field::l_worker_id) + " AS wi, " + text_of(field::l_level) + " AS l, " + t.time +
                      " AS t FROM " + relation_of(m_mapping[TableId::system_logs]) + " WHERE " + key +
                      " = ANY (CAST($1 AS " + t.key_type + "[])) AND " + time_range(t, m_window.since, m_window.until) +
                      ") rows ORDER BY k, t, m, ti, wi, l";
    std::string array = "{";
    for (const std::string& k : keys) {
      array += array.size() == 1 ? "\"" : ",\"";
      for (char c : k) {
        if (c == '"' || c == '\\') {
          array += '\\';
        }
        array += c;
      }
      array += '"';
    }
    array += '}';
    guard("reading the messages of the lines of " + info.relation + " the findings and the report cite", [&] {
      for (const auto& row : m_tx->exec_params(sql, array)) {
        // The time as the window's read gives it (session TimeZone UTC).
        Field time;
        time.null = false;
        time.text = row[1].as<std::string>();
        std::optional<Time> at = field_time(time, t.zone);
        if (at) {
          auto text = [&](int i) { return row[i].is_null() ? std::string() : row[i].as<std::string>(); };
          out.push_back({row[0].as<std::string>(), *at, text(2), text(3), text(4), text(5)});
        }
      }
    });
    return out;
  }

  void finish() override {
    guard("ending the read transaction", [&] {
      if (m_second_tx) {
        m_second_tx->commit();
      }
      m_tx->commit();
    });
  }

 private:
  // Runs fn, translating libpqxx's exceptions into one-line Errors with the
  // passwords taken out.
  template <class Fn>
  void guard(const std::string& doing, Fn&& fn) {
    try {
      fn();
    } catch (const pqxx::sql_error& e) {
      check_interrupt();  // a cancel we asked for on Ctrl-C
      if (e.sqlstate() == "57014") {
        throw PgError(PgError::Kind::timeout,
                      doing + ": cancelled by the statement timeout (" + m_timeout_text + ")");
      }
      throw translated(doing, e.what(), e.sqlstate());
    } catch (const pqxx::serialization_failure& e) {
      check_interrupt();
      throw translated(doing, e.what(), "40001");
    } catch (const pqxx::broken_connection& e) {
      check_interrupt();
      throw translated(doing, e.what(), "", PgError::Kind::connection);
    } catch (const pqxx::failure& e) {
      check_interrupt();
      throw translated(doing, e.what(), "");
    }
  }

  // One line, passwords out. A recovery conflict on a hot standby is SQLSTATE
  // 40001, which libpqxx 6 throws as serialization_failure, not an sql_error
  // (so it has no sqlstate()); a conflict that ends the session arrives as a
  // broken connection or a failed COPY read with only the server's message
  // ("terminating connection due to conflict with recovery"). Either way the
  // message is the server's, said once.
  PgError translated(const std::string& doing, const std::string& what, const std::string& sqlstate,
                     PgError::Kind kind = PgError::Kind::other) const {
    std::string line = one_line(what);
    if (sqlstate == "40001" || line.find("due to conflict with recovery") != std::string::npos) {
      kind = PgError::Kind::recovery_conflict;
    }
    return PgError(kind, redact(doing + ": " + line, m_secrets));
  }

  // Runs the queries one after the other on the connection (only one COPY
  // may be open at a time), as one stream.
  class Chain : public RowStream {
   public:
    Chain(Transaction& tx, std::vector<Statement> queries, TableId table)
        : m_tx(tx), m_queries(std::move(queries)), m_table(table) {}
    bool next(Row& row) override {
      while (true) {
        if (!m_current) {
          if (m_next == m_queries.size()) {
            return false;
          }
          m_current = std::make_unique<PgStream>(m_tx, m_queries[m_next++], m_table);
        }
        if (m_current->next(row)) {
          return true;
        }
        m_current.reset();
      }
    }

   private:
    Transaction& m_tx;
    std::vector<Statement> m_queries;
    TableId m_table;
    size_t m_next = 0;
    std::unique_ptr<PgStream> m_current;
  };

  // The shares of one table, each in (time, key) order and no instant in
  // two of them, merged by time: one stream in the order of the whole.
  class MergedShares : public RowStream {
   public:
    MergedShares(std::vector<std::unique_ptr<RowStream>> shares, std::string zone)
        : m_shares(std::move(shares)), m_zone(std::move(zone)), m_heads(m_shares.size()) {}
    bool next(Row& row) override {
      Head* best = nullptr;
      for (size_t i = 0; i < m_shares.size(); ++i) {
        Head& h = m_heads[i];
        if (!h.full && !h.done) {
          h.full = m_shares[i]->next(h.row);
          h.done = !h.full;
          if (h.full) {
            // Unparsable times (none come from the server) sort first.
            h.time = field_time(h.row[field::l_time], m_zone).value_or(Time::min());
          }
        }
        // On a tie the earlier share: it holds the rows before the window.
        if (h.full && (best == nullptr || h.time < best->time)) {
          best = &h;
        }
      }
      if (best == nullptr) {
        return false;
      }
      std::swap(row, best->row);
      best->full = false;
      return true;
    }

   private:
    struct Head {
      Row row;
      Time time{};
      bool full = false;
      bool done = false;
    };
    std::vector<std::unique_ptr<RowStream>> m_shares;
    std::string m_zone;
    std::vector<Head> m_heads;
  };

  // Whether system_logs is read on two connections: only with
  // TLRECON_READERS=2. Measured on the fleet shape (2M rows, bench/run.sh
  // --quick --one-reader, the 2 cores busy with a compiler besides): two
  // readers took check 5.3 s against 3.7 s with one, report 4.8 against
  // 4.4, timeline 4.1 against 3.6. Each share's backend scans the whole
  // window's index and heap to keep its half, so two readers cost the server
  // more CPU in all, and pay only with a core to spare (docs/scaling.md).
  static bool parallel_reads() {
    const char* readers = std::getenv("TLRECON_READERS");
    return readers != nullptr && std::string(readers) == "2";
  }

  // TLRECON_COPY=text: system_logs' window in COPY text, sorted by the
  // server (build_select), as before COPY binary: for a proxy or server that
  // mishandles binary COPY, and as the reference the binary read is tested
  // against.
  static bool text_copy() {
    const char* copy = std::getenv("TLRECON_COPY");
    return copy != nullptr && std::string(copy) == "text";
  }

  // A second connection in the first one's snapshot: exported by the first
  // transaction, imported by the second before its first query. Both are
  // read-only repeatable read with the same session settings. Through a
  // pooler in transaction mode this holds too: the exporting transaction
  // stays open on its server connection while the second imports it. On a
  // standby, or when the second connection fails, the table is read on the
  // first connection alone.
  bool open_second_reader() {
    // Not on a standby, where exporting may be refused: a failed statement
    // would end the transaction (and a savepoint cannot export).
    std::string snapshot;
    guard("sharing the snapshot", [&] {
      pqxx::result r = m_tx->exec("SELECT CASE WHEN NOT pg_is_in_recovery() THEN pg_export_snapshot() END");
      snapshot = r[0][0].is_null() ? "" : r[0][0].as<std::string>();
    });
    if (snapshot.empty()) {
      return false;
    }
    if (const char* sql = std::getenv("TLRECON_TEST_BETWEEN_SHARES"); sql != nullptr) {
      // For tests only: a statement committed by a third connection after
      // the first share's snapshot and before the second's start.
      pqxx::connection other(m_options.dsn);
      pqxx::nontransaction(other).exec(sql);
    }
    try {
      auto conn = std::make_unique<pqxx::connection>(m_options.dsn);
      auto tx = std::make_unique<Transaction>(*conn, "tlrecon_share");
      tx->exec("SET TRANSACTION SNAPSHOT " + tx->quote(snapshot));
      set_session(*tx);
      m_second_conn = std::move(conn);
      m_second_tx = std::move(tx);
    } catch (const pqxx::failure& e) {
      check_interrupt();
      // Asked for (TLRECON_READERS=2), so said when it does not happen.
      std::cerr << "tlrecon: warning: system_logs is read on one connection: the second did not start ("
                << redact(one_line(e.what()), m_secrets) << ")\n";
      return false;
    }
    pqxx::connection* first = m_conn.get();
    pqxx::connection* second = m_second_conn.get();
    set_canceller([first, second] {
      first->cancel_query();
      second->cancel_query();
    });
    return true;
  }

  void set_session(Transaction& tx) {
    long ms = static_cast<long>(m_options.statement_timeout.count() / 1000);
    tx.exec("SET LOCAL TimeZone = 'UTC'");
    tx.exec("SET LOCAL DateStyle = 'ISO'");
    tx.exec("SET LOCAL IntervalStyle = 'iso_8601'");
    tx.exec("SET LOCAL extra_float_digits = 1");
    tx.exec("SET LOCAL statement_timeout = " + std::to_string(ms));
    // No JIT (PostgreSQL 11+): compiling the window query's expressions took
    // longer than they run (fleet day: COPY 0.87 -> 0.83 s).
    tx.exec("SELECT set_config('jit', 'off', true) WHERE current_setting('server_version_num')::int >= 110000");
  }

  class Guarded : public RowStream {
   public:
    Guarded(std::unique_ptr<RowStream> inner, PgSource& owner, std::string doing)
        : m_inner(std::move(inner)), m_owner(owner), m_doing(std::move(doing)) {}
    bool next(Row& row) override {
      bool more = false;
      m_owner.guard(m_doing, [&] { more = m_inner->next(row); });
      check_interrupt();
      return more;
    }

   private:
    std::unique_ptr<RowStream> m_inner;
    PgSource& m_owner;
    std::string m_doing;
  };

  // In the read's transaction, so the WAL position is the snapshot's. The
  // system identifier tells a server from a restored copy of it;
  // pg_control_system() is the superuser's unless granted.
  Provenance read_provenance() {
    Provenance p;
    guard("reading where the data comes from", [&] {
      p.host = m_conn->hostname() == nullptr ? "" : m_conn->hostname();
      p.port = m_conn->port() == nullptr ? "" : m_conn->port();
      p.database = m_conn->dbname() == nullptr ? "" : m_conn->dbname();
      pqxx::result r = m_tx->exec(
          "SELECT current_setting('server_version'), current_user, session_user, pg_is_in_recovery(), "
          "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text, "
          "has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')");
      p.server_version = r[0][0].as<std::string>();
      p.current_user = r[0][1].as<std::string>();
      p.session_user = r[0][2].as<std::string>();
      p.in_recovery = r[0][3].as<bool>();
      p.wal_lsn = r[0][4].is_null() ? "" : r[0][4].as<std::string>();
      if (r[0][5].as<bool>()) {
        p.system_identifier = m_tx->exec("SELECT system_identifier::text FROM pg_catalog.pg_control_system()")[0][0]
                                  .as<std::string>();
      } else {
        p.system_identifier_reason = "role " + p.current_user + " may not execute pg_control_system()";
      }
    });
    return p;
  }

  // What the catalog says about one table, and how to read it.
  TableInfo probe(TableId t) {
    const TableMapping& tm = m_mapping[t];
    TableInfo info;
    info.id = t;
    info.relation = tm.schema.empty() ? tm.table : tm.schema + "." + tm.table;
    long long oid = find_table(info);
    if (info.state != TableState::ok) {
      return info;
    }
    TableColumns tc = read_columns(oid, info);
    for (int f : {key_field(t), time_field(t)}) {
      if (tc.attnum.count(tm.columns[f].column) == 0) {
        info.state = TableState::unreadable;
        info.notes.clear();
        info.reason = "column " + tm.columns[f].column + " (" + field_names(t)[f] + ") not found in " + info.relation;
        return info;
      }
    }
    info.query = build_select(t, m_mapping, m_window, tc.columns, info.unmapped);
    if (t == TableId::system_logs) {
      m_log_columns = tc.columns;
      if (!info.query.empty() && !text_copy()) {
        if (m_options.withhold_messages) {
          m_withheld_types = withheld_types(oid, tc, info, m_options.withhold_messages);
        } else if (m_options.refetch_messages) {
          m_refetchable_types = withheld_types(oid, tc, info, m_options.refetch_messages);
        }
        m_window_read = build_window_read(m_mapping, m_window, tc.columns, m_withheld_types);
        info.query = m_window_read.query;
      }
      info.prelude_query = build_prelude(m_mapping, m_window, tc.columns);
      if (!info.query.empty()) {
        m_shares = {build_share(m_mapping, m_window, tc.columns, 0, m_withheld_types),
                    build_share(m_mapping, m_window, tc.columns, 1, m_withheld_types)};
      }
      info.far_back_query = build_far_back(t, m_mapping, m_window, tc.columns, orchestrator_types(oid, tc, info));
      find_oldest_row(info);
    } else {
      info.far_back_query = build_far_back(t, m_mapping, m_window, tc.columns, {});
    }
    count_rows_without_time(info, tc);
    return info;
  }

  // Whether the table exists and the role may see its rows: the state is ok,
  // or missing, unreadable (no SELECT) or hidden (row-level security it does
  // not bypass, with no SELECT policy for it: zero rows and no error). Row
  // security is bypassed by superusers, BYPASSRLS roles and the owner (or a
  // member of the owning role) unless FORCE ROW LEVEL SECURITY; a policy
  // applies to PUBLIC or to a role whose privileges the role has, and only a
  // permissive one lets rows through. Returns the table's oid.
  long long find_table(TableInfo& info) {
    pqxx::result r;
    guard("looking up table " + info.relation, [&] {
      r = m_tx->exec_params(
          "SELECT c.oid::bigint, has_table_privilege(c.oid, 'SELECT'), "
          "c.relrowsecurity AND NOT (u.rolsuper OR u.rolbypassrls OR "
          "(pg_has_role(c.relowner, 'USAGE') AND NOT c.relforcerowsecurity)), "
          "EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid AND p.polpermissive "
          "AND p.polcmd IN ('r', '*') AND EXISTS (SELECT 1 FROM unnest(p.polroles) AS pr(role) "
          "WHERE CASE WHEN pr.role = 0 THEN true ELSE pg_has_role(pr.role, 'USAGE') END)) "
          "FROM pg_catalog.pg_class c CROSS JOIN pg_catalog.pg_roles u "
          "WHERE c.oid = to_regclass($1) AND u.rolname = current_user",
          relation_of(m_mapping[info.id]));
    });
    if (r.empty()) {
      info.state = TableState::missing;
      info.reason = "table " + info.relation + " does not exist";
      return 0;
    }
    if (!r[0][1].as<bool>()) {
      info.state = TableState::unreadable;
      info.reason = "no SELECT privilege on " + info.relation;
    } else if (r[0][2].as<bool>() && !r[0][3].as<bool>()) {
      info.state = TableState::hidden;
      info.reason = k_hidden_by_rls;
    } else {
      info.state = TableState::ok;
      if (r[0][2].as<bool>()) {
        info.notes.emplace_back(k_filtered_by_rls);
      }
    }
    return r[0][0].as<long long>();
  }

  struct TableColumns {
    Columns columns;                  // name, type as format_type prints it
    std::map<std::string, int> attnum;
    std::vector<std::string> not_null;
    // A column's type, "" when the table has no such column.
    std::string type_of(const std::string& name) const {
      auto it = std::find_if(columns.begin(), columns.end(), [&](const auto& c) { return c.first == name; });
      return it == columns.end() ? "" : it->second;
    }
  };

  // The distinct source types by a loose scan of an index that begins with
  // source_type (the real schema's idx_system_logs_source), one probe each,
  // at most k_max_source_types + 1; none without such an index. Listed once
  // for orchestrator_types() and withheld_types().
  const std::optional<std::vector<std::string>>& types_by_index(long long oid, const TableColumns& tc) {
    if (!m_types_listed) {
      m_types_listed = true;
      const TableMapping& tm = m_mapping[TableId::system_logs];
      const ColumnSpec& st = tm.columns[field::l_source_type];
      if (st.json_key.empty() && tc.attnum.count(st.column) > 0 && leading_index(oid, tc.attnum.at(st.column))) {
        std::string col = quote_ident(st.column);
        std::string rel = relation_of(tm);
        m_types_by_index.emplace();
        for (const auto& row : m_tx->exec(
                 "WITH RECURSIVE t(v) AS ((SELECT " + col + " FROM " + rel + " WHERE " + col + " IS NOT NULL ORDER BY " +
                 col + " LIMIT 1) UNION ALL SELECT (SELECT " + col + " FROM " + rel + " WHERE " + col +
                 " > t.v ORDER BY " + col + " LIMIT 1) FROM t WHERE t.v IS NOT NULL) "
                 "SELECT v FROM t WHERE v IS NOT NULL LIMIT " + std::to_string(k_max_source_types + 1))) {
          m_types_by_index->push_back(row[0].as<std::string>());
        }
      }
    }
    return m_types_by_index;
  }

  TableColumns read_columns(long long oid, const TableInfo& info) {
    TableColumns out;
    guard("looking up the columns of " + info.relation, [&] {
      pqxx::result cols = m_tx->exec_params(
          "SELECT attname, format_type(atttypid, atttypmod), attnotnull, attnum FROM pg_catalog.pg_attribute "
          "WHERE attrelid = $1::bigint::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
          oid);
      for (const auto& row : cols) {
        std::string name = row[0].as<std::string>();
        out.columns.emplace_back(name, row[1].as<std::string>());
        out.attnum[name] = row[3].as<int>();
        if (row[2].as<bool>()) {
          out.not_null.push_back(name);
        }
      }
    });
    return out;
  }

  // Whether a plain btree index (no predicate) begins with the column.
  bool leading_index(long long oid, int attnum) {
    pqxx::result r = m_tx->exec_params(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
        "JOIN pg_catalog.pg_am am ON am.oid = ic.relam WHERE i.indrelid = $1::bigint::oid "
        "AND i.indkey[0] = $2::int2 AND i.indpred IS NULL AND am.amname = 'btree')",
        oid, attnum);
    return r[0][0].as<bool>();
  }

  // The source types whose lines check reads without their message
  // (PgOptions::withhold_messages), or whose last lines report reads again
  // (PgOptions::refetch_messages): those `wanted` names among the types
  // listed cheaply, either every type (types_by_index()) or the most common
  // ones of the table's statistics. A type not listed keeps its messages.
  // Only where tlrecon and the server cannot disagree on which lines came
  // without their message, nor on the line a fetched message belongs to, nor
  // on its text:
  // - source_type is text or varchar (compared under COLLATE "C", byte for
  //   byte, as LogSources::of does; not character(n), nor citext);
  // - the row time is a timestamptz (an inside line is one of the window's
  //   query; a local time's repeated hour could parse outside it);
  // - the key is a NOT NULL uuid, text, varchar or integer column with an
  //   index that begins with it, so messages_of() finds the kept lines by
  //   key, one probe each, and key::text is the text the decoder has;
  // - message, log_level, task_id and worker_id are not character(n), whose
  //   ::text drops the padding the window's read keeps.
  std::vector<std::string> withheld_types(long long oid, const TableColumns& tc, TableInfo& info,
                                          const std::function<bool(const std::string&)>& wanted) {
    const TableMapping& tm = m_mapping[TableId::system_logs];
    const ColumnSpec& st = tm.columns[field::l_source_type];
    const ColumnSpec& key = tm.columns[field::l_id];
    auto type_of = [&](const ColumnSpec& c) { return c.json_key.empty() ? tc.type_of(c.column) : std::string(); };
    std::string key_type = type_of(key);
    bool key_ok = (is_unpadded_text_type(key_type) || key_type == "uuid" || key_type == "bigint" ||
                   key_type == "integer" || key_type == "smallint") &&
                  std::find(tc.not_null.begin(), tc.not_null.end(), key.column) != tc.not_null.end();
    // What messages_of() reads back as text must be the text the window's read gave.
    auto padded = [&](int f) { return is_padded_text_type(type_of(tm.columns[f])); };
    if (!is_unpadded_text_type(type_of(st)) || type_of(tm.columns[field::l_time]) != "timestamp with time zone" ||
        !key_ok || type_of(tm.columns[field::l_message]).empty() || padded(field::l_message) ||
        padded(field::l_level) || padded(field::l_task_id) || padded(field::l_worker_id)) {
      return {};
    }
    std::vector<std::string> types;
    guard("listing the source types of " + info.relation, [&] {
      if (!leading_index(oid, tc.attnum.at(key.column))) {
        return;
      }
      if (const auto& listed = types_by_index(oid, tc)) {
        types = *listed;
        return;
      }
      for (const auto& row : m_tx->exec(
               "SELECT DISTINCT v FROM pg_catalog.pg_stats s JOIN pg_catalog.pg_class c ON c.relname = s.tablename "
               "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname, "
               "unnest(s.most_common_vals::text::text[]) v WHERE c.oid = " + std::to_string(oid) +
               "::oid AND s.attname = " + quote_literal(st.column))) {
        types.push_back(row[0].as<std::string>());
      }
    });
    types.erase(std::remove_if(types.begin(), types.end(),
                               [&](const std::string& t) { return !wanted(t); }),
                types.end());
    std::sort(types.begin(), types.end());
    return types;
  }

  // The source types to look for far back: those matching
  // patterns.orchestrator_source among the distinct source types. With an
  // index whose first column is source_type (the real schema's
  // idx_system_logs_source) a loose index scan lists them, one index probe
  // each; without one, they are read from the rows the far-back search
  // covers, in one scan (docs/scaling.md).
  std::vector<std::string> orchestrator_types(long long oid, const TableColumns& tc, TableInfo& info) {
    const TableMapping& tm = m_mapping[TableId::system_logs];
    const ColumnSpec& st = tm.columns[field::l_source_type];
    Time recent = recent_logs_from(m_window, m_mapping.thresholds);
    Time bound = read_from(TableId::system_logs, m_window, m_mapping.thresholds);
    if (!st.json_key.empty() || tc.attnum.count(st.column) == 0 || bound >= recent) {
      return {};
    }
    std::vector<std::string> types;
    guard("listing the source types of " + info.relation, [&] {
      if (const auto& listed = types_by_index(oid, tc)) {
        types = *listed;
        return;
      }
      const ColumnSpec& tcol = tm.columns[field::l_time];
      std::string type = tc.type_of(tcol.column);
      std::string col = quote_ident(st.column);
      std::string time = quote_ident(tcol.column);
      for (const auto& row : m_tx->exec(
               "SELECT DISTINCT " + col + " FROM " + relation_of(tm) + " WHERE " + col + " IS NOT NULL AND " +
               (bound == Time::min() ? "" : time + " >= " + time_literal(bound, type, tcol.zone) + " AND ") + time +
               " < " + time_literal(recent, type, tcol.zone) + " LIMIT " + std::to_string(k_max_source_types + 1))) {
        types.push_back(row[0].as<std::string>());
      }
    });
    if (types.size() > k_max_source_types) {
      info.note_problem("more than " + std::to_string(k_max_source_types) +
                        " source types: the last log before the window was looked for far back only for "
                        "the orchestrators among the first " + std::to_string(k_max_source_types));
      types.resize(k_max_source_types);
    }
    PatternSet orchestrator({m_mapping.patterns.orchestrator_source}, "patterns.orchestrator_source");
    types.erase(std::remove_if(types.begin(), types.end(), [&](const std::string& t) { return !orchestrator.matches(t); }),
                types.end());
    std::sort(types.begin(), types.end());
    return types;
  }

  // Where system_logs begins (retention deletes what is older): min() over
  // the indexed time column is one index probe. Infinite times are rows no
  // window holds; they are counted elsewhere.
  void find_oldest_row(TableInfo& info) {
    const TableMapping& tm = m_mapping[info.id];
    const ColumnSpec& tcol = tm.columns[time_field(info.id)];
    std::string time = quote_ident(tcol.column);
    guard("finding the oldest row of " + info.relation, [&] {
      pqxx::result r = m_tx->exec("SELECT min(" + time + ") FROM " + relation_of(tm) + " WHERE " + time +
                                  " > '-infinity'");
      if (!r[0][0].is_null()) {
        info.kept_since = parse_time(r[0][0].c_str(), tcol.zone);
      }
    });
  }

  // Rows with no time fall in no window: the WHERE clause never returns
  // them, so they are counted here (an index on the column serves IS NULL).
  void count_rows_without_time(TableInfo& info, const TableColumns& tc) {
    const TableMapping& tm = m_mapping[info.id];
    const std::string& time_col = tm.columns[time_field(info.id)].column;
    if (std::find(tc.not_null.begin(), tc.not_null.end(), time_col) != tc.not_null.end()) {
      return;
    }
    guard("counting rows with no time in " + info.relation, [&] {
      pqxx::result n = m_tx->exec("SELECT count(*) FROM " + relation_of(tm) + " WHERE " + quote_ident(time_col) +
                                  " IS NULL");
      info.count_null_time_rows(n[0][0].as<uint64_t>());
    });
  }

  static constexpr size_t k_max_source_types = 100;

  const Mapping& m_mapping;
  Window m_window;
  std::vector<std::string> m_secrets;
  std::string m_timeout_text;
  PgOptions m_options;
  std::unique_ptr<pqxx::connection> m_conn;
  std::unique_ptr<Transaction> m_tx;
  WindowRead m_window_read;           // system_logs' window (its query is the table's query)
  std::vector<std::string> m_withheld_types;  // read without their message (withheld_types)
  std::vector<std::string> m_refetchable_types;  // read whole, messages_of() can read them again
  bool m_types_listed = false;                       // types_by_index() asked once
  std::optional<std::vector<std::string>> m_types_by_index;
  Columns m_log_columns;                      // system_logs' columns, for messages_of
  std::vector<std::string> m_shares;  // system_logs' window in two shares (build_share)
  std::unique_ptr<pqxx::connection> m_second_conn;
  std::unique_ptr<Transaction> m_second_tx;
  std::vector<TableInfo> m_tables;
};

}  // namespace

std::unique_ptr<Source> open_postgres(const PgOptions& options, const Mapping& mapping,
                                      const Window& window, Provenance* provenance) {
  return std::make_unique<PgSource>(options, mapping, window, provenance);
}

}  // namespace tlrecon
