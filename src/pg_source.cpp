#include "tlrecon/pg_source.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include "tlrecon/copy_text.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/interrupt.hpp"

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

}  // namespace

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

std::string build_select(TableId table, const Mapping& mapping, const Window& window,
                         const std::vector<std::pair<std::string, std::string>>& columns,
                         std::vector<std::string>& unmapped) {
  const TableMapping& tm = mapping[table];
  std::map<std::string, std::string> types(columns.begin(), columns.end());
  const auto& names = field_names(table);
  std::string what = std::string(table_name(table));
  std::string select;
  for (size_t f = 0; f < names.size(); ++f) {
    const ColumnSpec& cs = tm.columns[f];
    auto it = cs.column.empty() ? types.end() : types.find(cs.column);
    std::string expr;
    if (it == types.end()) {
      expr = "NULL::text";
      unmapped.push_back(names[f]);
    } else if (!cs.json_key.empty()) {
      if (!is_json_type(it->second)) {
        throw source_error(what + "." + names[f] + ": column " + quote_ident(cs.column) + " is " +
                           it->second + ", but the mapping reads key '" + cs.json_key +
                           "' from it, which needs json or jsonb");
      }
      expr = "(" + quote_ident(cs.column) + " ->> " + quote_literal(cs.json_key) + ")";
    } else {
      if (is_time_field(table, static_cast<int>(f)) && !is_timestamp_type(it->second) &&
          !is_text_type(it->second)) {
        throw source_error(what + "." + names[f] + ": column " + quote_ident(cs.column) + " is " +
                           it->second + "; expected timestamp with time zone (or timestamp, text)");
      }
      expr = quote_ident(cs.column);
    }
    select += (select.empty() ? "" : ", ") + expr + " AS " + quote_ident(names[f]);
  }
  int tf = time_field(table);
  const ColumnSpec& time_col = tm.columns[tf];
  const ColumnSpec& key_col = tm.columns[key_field(table)];
  auto time_type = types.find(time_col.column);
  auto key_type = types.find(key_col.column);
  if (time_type == types.end() || key_type == types.end()) {
    // The caller has checked the essential columns; this is a programming error.
    throw Error(k_exit_internal, what + ": key or time column missing");
  }
  if (table == TableId::system_logs && !is_timestamp_type(time_type->second)) {
    throw source_error(what + "." + names[tf] + ": column " + quote_ident(time_col.column) + " is " +
                       time_type->second +
                       "; expected timestamp with time zone (or timestamp without time zone)");
  }
  std::string sql = "SELECT " + select + " FROM " + relation_of(tm);
  std::string tcol = quote_ident(time_col.column);
  if (is_timestamp_type(time_type->second)) {
    Time from = table == TableId::system_logs ? window.since : read_from(table, window, mapping.thresholds);
    sql += " WHERE " + tcol + " >= " + time_literal(from, time_type->second, time_col.zone) +
           " AND " + tcol + " < " + time_literal(window.until, time_type->second, time_col.zone);
  }
  // COLLATE "C": keys sort by bytes, as the merge compares them.
  std::string key = quote_ident(key_col.column);
  if (is_text_type(key_type->second)) {
    key += " COLLATE \"C\"";
  }
  sql += " ORDER BY " + tcol + ", " + key;
  return sql;
}

std::string build_prelude(const Mapping& mapping, const Window& window,
                          const std::vector<std::pair<std::string, std::string>>& columns) {
  const TableMapping& tm = mapping[TableId::system_logs];
  std::vector<std::string> unmapped;
  std::string main = build_select(TableId::system_logs, mapping, window, columns, unmapped);
  // The select list and FROM of the main query, with its own window and order.
  std::string select = main.substr(0, main.find(" WHERE "));
  std::map<std::string, std::string> types(columns.begin(), columns.end());
  auto expr = [&](int f) {
    const std::string& c = tm.columns[f].column;
    return types.count(c) > 0 ? quote_ident(c) : std::string("NULL::text");
  };
  const ColumnSpec& time_col = tm.columns[field::l_time];
  std::string tcol = quote_ident(time_col.column);
  const std::string& time_type = types.at(time_col.column);
  std::string key = quote_ident(tm.columns[field::l_id].column);
  std::string st = expr(field::l_source_type);
  std::string sid = expr(field::l_source_id);
  std::string inner = select.replace(0, 6, "SELECT DISTINCT ON (" + st + ", " + sid + ")") + " WHERE " + tcol +
                      " >= " + time_literal(read_from(TableId::system_logs, window, mapping.thresholds), time_type, time_col.zone) +
                      " AND " + tcol + " < " + time_literal(window.since, time_type, time_col.zone) + " ORDER BY " + st +
                      ", " + sid + ", " + tcol + " DESC, " + key + " DESC";
  bool text_key = is_text_type(types.at(tm.columns[field::l_id].column));
  return "SELECT * FROM (" + inner + ") last_before ORDER BY \"timestamp\", \"id\"" +
         (text_key ? " COLLATE \"C\"" : "");
}

namespace {

class PgStream : public RowStream {
 public:
  // Errors are redacted by Guarded, around every stream.
  PgStream(Transaction& tx, const std::string& query, TableId table)
      : m_stream(tx, "(" + query + ")"), m_table(table) {}

  bool next(Row& row) override {
    if (m_done) {
      return false;
    }
    if (!m_stream.get_raw_line(m_line)) {
      m_stream.complete();
      m_done = true;
      return false;
    }
    // get_raw_line keeps the line's newline.
    if (!m_line.empty() && m_line.back() == '\n') {
      m_line.pop_back();
    }
    size_t n = decode_copy_line(m_line, row);
    if (n != field_names(m_table).size()) {
      throw source_error(std::string("unexpected row shape from ") + table_name(m_table));
    }
    return true;
  }

 private:
  pqxx::stream_from m_stream;
  TableId m_table;
  std::string m_line;
  bool m_done = false;
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

class PgSource : public Source {
 public:
  PgSource(const PgOptions& options, const Mapping& mapping, const Window& window)
      : m_mapping(mapping), m_window(window), m_secrets(secrets_of(options.dsn)) {
    // libpq reads these when the DSN does not say otherwise.
    setenv("PGCONNECT_TIMEOUT", "10", 0);
    setenv("PGAPPNAME", "tlrecon", 0);
    guard("connecting to PostgreSQL", [&] {
      m_conn = std::make_unique<pqxx::connection>(options.dsn);
      m_tx = std::make_unique<Transaction>(*m_conn, "tlrecon");
      long ms = static_cast<long>(options.statement_timeout.count() / 1000);
      m_tx->exec("SET LOCAL TimeZone = 'UTC'");
      m_tx->exec("SET LOCAL DateStyle = 'ISO'");
      m_tx->exec("SET LOCAL IntervalStyle = 'iso_8601'");
      m_tx->exec("SET LOCAL extra_float_digits = 1");
      m_tx->exec("SET LOCAL statement_timeout = " + std::to_string(ms));
    });
    m_timeout_text = format_duration(options.statement_timeout);
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
    std::vector<std::string> queries;
    if (!info.prelude_query.empty()) {
      queries.push_back(info.prelude_query);
    }
    queries.push_back(info.query);
    return std::make_unique<Guarded>(std::make_unique<Chain>(*m_tx, queries, table), *this,
                                     "reading " + info.relation);
  }

  void finish() override {
    guard("ending the read transaction", [&] { m_tx->commit(); });
  }

 private:
  // Runs fn, translating libpqxx's exceptions into one-line Errors with the
  // passwords taken out.
  template <class Fn>
  void guard(const std::string& doing, Fn&& fn) {
    try {
      fn();
    } catch (const pqxx::broken_connection& e) {
      check_interrupt();
      throw source_error(redact(doing + ": " + one_line(e.what()), m_secrets) +
                         " (check --dsn, PGHOST/PGPORT, and that the server is up)");
    } catch (const pqxx::sql_error& e) {
      check_interrupt();  // a cancel we asked for on Ctrl-C
      if (e.sqlstate() == "57014") {
        throw source_error(doing + ": cancelled by the statement timeout (" + m_timeout_text +
                           "); raise it with --timeout or narrow the window");
      }
      std::string hint;
      if (e.sqlstate() == "40001") {
        // On a hot standby: a recovery conflict cancels a long read.
        hint = " (on a read replica: turn on hot_standby_feedback or raise max_standby_streaming_delay, "
               "or take a snapshot of the window and read that)";
      }
      throw source_error(redact(doing + ": " + one_line(e.what()), m_secrets) + hint);
    } catch (const pqxx::failure& e) {
      throw source_error(redact(doing + ": " + one_line(e.what()), m_secrets));
    }
  }

  // Runs the queries one after the other on the connection (only one COPY
  // may be open at a time), as one stream.
  class Chain : public RowStream {
   public:
    Chain(Transaction& tx, std::vector<std::string> queries, TableId table)
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
    std::vector<std::string> m_queries;
    TableId m_table;
    size_t m_next = 0;
    std::unique_ptr<PgStream> m_current;
  };

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
    std::vector<std::pair<std::string, std::string>> columns;
    std::vector<std::string> not_null;
    guard("looking up the columns of " + info.relation, [&] {
      pqxx::result cols = m_tx->exec_params(
          "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_catalog.pg_attribute "
          "WHERE attrelid = $1::bigint::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
          oid);
      for (const auto& row : cols) {
        columns.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
        if (row[2].as<bool>()) {
          not_null.push_back(row[0].as<std::string>());
        }
      }
    });
    for (int f : {key_field(t), time_field(t)}) {
      const std::string& col = tm.columns[f].column;
      bool found = false;
      for (const auto& c : columns) {
        found = found || c.first == col;
      }
      if (!found) {
        info.state = TableState::unreadable;
        info.notes.clear();
        info.reason = "column " + col + " (" + field_names(t)[f] + ") not found in " + info.relation;
        return info;
      }
    }
    info.query = build_select(t, m_mapping, m_window, columns, info.unmapped);
    if (t == TableId::system_logs) {
      info.prelude_query = build_prelude(m_mapping, m_window, columns);
    }
    // Rows with no time fall in no window: the WHERE clause never returns
    // them, so they are counted here (an index on the column serves IS NULL).
    const std::string& time_col = tm.columns[time_field(t)].column;
    if (std::find(not_null.begin(), not_null.end(), time_col) == not_null.end()) {
      guard("counting rows with no time in " + info.relation, [&] {
        pqxx::result n = m_tx->exec("SELECT count(*) FROM " + relation_of(tm) + " WHERE " + quote_ident(time_col) +
                                    " IS NULL");
        info.count_null_time_rows(n[0][0].as<uint64_t>());
      });
    }
    return info;
  }

  const Mapping& m_mapping;
  Window m_window;
  std::vector<std::string> m_secrets;
  std::string m_timeout_text;
  std::unique_ptr<pqxx::connection> m_conn;
  std::unique_ptr<Transaction> m_tx;
  std::vector<TableInfo> m_tables;
};

}  // namespace

std::unique_ptr<Source> open_postgres(const PgOptions& options, const Mapping& mapping,
                                      const Window& window) {
  return std::make_unique<PgSource>(options, mapping, window);
}

}  // namespace tlrecon
