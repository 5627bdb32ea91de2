#include "tlrecon/snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tlrecon/csv.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/catalogue.hpp"
#include "tlrecon/interrupt.hpp"
#include "tlrecon/pg_source.hpp"
#include "tlrecon/read_ahead.hpp"
#include "tlrecon/sha256.hpp"

namespace tlrecon {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

// 2: far_back_query, notes, kept_since, the status hidden, and
// log_lookback_seconds null (no bound). Format 1 is still read.
constexpr int k_format_version = 2;
const char* k_manifest = "manifest.json";

std::string csv_name(TableId t) { return std::string(table_name(t)) + ".csv"; }

std::string header_line(TableId t) {
  std::string out;
  for (const std::string& name : field_names(t)) {
    if (!out.empty()) {
      out += ',';
    }
    append_csv_field(out, std::string_view(name));
  }
  return out + "\n";
}

double seconds_of(Micros d) { return static_cast<double>(d.count()) / 1e6; }

// A snapshot never overwrites evidence: the directory must be new or empty.
void prepare_directory(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
    throw SnapshotPathError(k_exit_usage, "'" + dir + "' exists and is not an empty directory; "
                                          "a snapshot never overwrites evidence");
  }
  fs::create_directories(dir, ec);
  if (ec) {
    throw SnapshotPathError(k_exit_usage, "cannot create directory '" + dir + "': " + ec.message());
  }
}

struct WrittenFile {
  uint64_t rows = 0;
  std::string sha256;
};

// Streams one table into its CSV file, hashing what it writes (on a second
// thread, which also writes: formatting the rows keeps this one busy).
WrittenFile write_table_file(Source& source, TableId table, const std::string& path) {
  HashingWriter out(path);
  out.write(header_line(table));
  auto stream = source.open(table);
  Row row;
  WrittenFile written;
  const size_t fields = field_names(table).size();
  while (stream->next(row)) {
    std::string& line = out.buffer();
    for (size_t i = 0; i < fields; ++i) {
      if (i > 0) {
        line += ',';
      }
      append_csv_field(line, row[i]);
    }
    line += '\n';
    out.wrote();
    ++written.rows;
  }
  written.sha256 = out.finish();
  return written;
}

// The manifest's entry for one table: what was read, how, and what the
// command reading the snapshot must know to say the same as the database.
ojson table_entry(const TableInfo& info, const WrittenFile* file) {
  ojson jt;
  jt["table"] = table_name(info.id);
  jt["relation"] = info.relation;
  jt["status"] = table_state_name(info.state);
  if (file == nullptr) {
    jt["reason"] = info.reason;
    return jt;
  }
  jt["file"] = csv_name(info.id);
  jt["rows"] = file->rows;
  if (info.null_time_rows > 0) {
    jt["null_time_rows"] = info.null_time_rows;
  }
  jt["sha256"] = file->sha256;
  jt["query"] = info.query;
  if (!info.prelude_query.empty()) {
    jt["prelude_query"] = info.prelude_query;
  }
  if (!info.far_back_query.empty()) {
    jt["far_back_query"] = info.far_back_query;
  }
  if (!info.unmapped.empty()) {
    jt["unmapped"] = info.unmapped;
  }
  if (!info.notes.empty()) {
    jt["notes"] = info.notes;
  }
  if (info.id == TableId::system_logs) {
    jt["kept_since"] = info.kept_since ? ojson(format_utc(*info.kept_since)) : ojson(nullptr);  // null: no row
  }
  return jt;
}

// Where the rows came from; never a password (Provenance holds none).
ojson source_entry(const Provenance* p) {
  if (p == nullptr) {
    return nullptr;
  }
  ojson source;
  source["kind"] = "postgresql";
  source["host"] = p->host;
  source["port"] = p->port;
  source["database"] = p->database;
  source["server_version"] = p->server_version;
  source["system_identifier"] = p->system_identifier ? ojson(*p->system_identifier) : ojson(nullptr);
  if (!p->system_identifier) {
    source["system_identifier_reason"] = p->system_identifier_reason;
  }
  source["current_user"] = p->current_user;
  source["session_user"] = p->session_user;
  source["in_recovery"] = p->in_recovery;
  source[p->in_recovery ? "wal_replay_lsn" : "wal_lsn"] = p->wal_lsn;
  return source;
}

ojson manifest_of(const Mapping& mapping, const Window& window, ojson tables, const Provenance* provenance) {
  const Thresholds& th = mapping.thresholds;
  ojson manifest;
  manifest["format"] = "tlrecon-snapshot";
  manifest["format_version"] = k_format_version;
  manifest["tool"] = "tlrecon";
  manifest["version"] = TLRECON_VERSION;
  manifest["taken_at"] = format_utc(date::floor<std::chrono::seconds>(now_utc()));
  if (provenance != nullptr) {
    manifest["source"] = source_entry(provenance);
  }
  manifest["window"] = {{"since", format_utc(window.since)}, {"until", format_utc(window.until)}};
  manifest["lookback_seconds"] = seconds_of(th.lookback);
  manifest["log_lookback_seconds"] = th.log_lookback.count() == 0 ? ojson(nullptr) : ojson(seconds_of(th.log_lookback));
  manifest["mapping"] = mapping_to_json(mapping);
  manifest["tables"] = std::move(tables);
  return manifest;
}

// The manifest is written last, through a rename: a snapshot with a
// manifest is a complete one.
std::string write_manifest(const std::string& dir, const ojson& manifest) {
  std::string tmp = (fs::path(dir) / ".manifest.json.tmp").string();
  {
    std::ofstream out(tmp, std::ios::binary);
    out << manifest.dump(2) << "\n";
    if (!out) {
      throw source_error("cannot write '" + tmp + "'");
    }
  }
  std::error_code ec;
  fs::rename(tmp, fs::path(dir) / k_manifest, ec);
  if (ec) {
    throw source_error("cannot write the manifest in '" + dir + "': " + ec.message());
  }
  return (fs::path(dir) / k_manifest).string();
}

}  // namespace

SnapshotSummary write_snapshot(Source& source, const Mapping& mapping, const Window& window,
                               const std::string& dir, const Provenance* provenance) {
  prepare_directory(dir);
  SnapshotSummary summary;
  summary.dir = dir;
  ojson tables = ojson::array();
  std::vector<TableInfo> infos = source.tables();
  for (TableInfo& info : infos) {
    if (info.state != TableState::ok) {
      tables.push_back(table_entry(info, nullptr));
      continue;
    }
    std::string path = (fs::path(dir) / csv_name(info.id)).string();
    WrittenFile file = write_table_file(source, info.id, path);
    info.rows = file.rows;
    tables.push_back(table_entry(info, &file));
    summary.files.push_back(path);
  }
  source.finish();
  summary.files.push_back(write_manifest(dir, manifest_of(mapping, window, std::move(tables), provenance)));
  summary.manifest_sha256 = sha256_file(summary.files.back());
  summary.tables = infos;
  return summary;
}

namespace {

struct ManifestTable {
  TableInfo info;
  std::string file;
  std::string sha256;
  uint64_t rows = 0;
};

struct Manifest {
  SnapshotInfo info;
  std::vector<ManifestTable> tables;
};

nlohmann::json read_manifest_json(const std::string& dir) {
  std::string path = (fs::path(dir) / k_manifest).string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::is_directory(dir)) {
      throw SnapshotPathError(k_exit_source, "'" + dir + "' is not a directory");
    }
    throw source_error("snapshot '" + dir + "': " + k_manifest + " is missing");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::exception&) {
    throw source_error("snapshot '" + dir + "': " + k_manifest + " is damaged (not the JSON tlrecon writes)");
  }
}

// The manifest's format version, checked: 1 up to the one this tlrecon writes.
long long format_version(const nlohmann::json& doc, const std::string& dir) {
  if (doc.value("format", "") != "tlrecon-snapshot") {
    throw source_error("snapshot '" + dir + "': " + k_manifest + " is not a tlrecon snapshot manifest");
  }
  const auto& version = doc.at("format_version");
  if (!version.is_number_integer() || version.get<long long>() < 1) {
    throw source_error("snapshot '" + dir + "': format_version in " + k_manifest + " is not a version number");
  }
  if (version.get<long long>() > k_format_version) {
    throw source_error("snapshot '" + dir + "' has format version " + std::to_string(version.get<long long>()) +
                       "; this tlrecon reads up to " + std::to_string(k_format_version));
  }
  return version.get<long long>();
}

Window read_window(const nlohmann::json& doc, const std::string& dir) {
  auto since = parse_time(doc.at("window").at("since").get<std::string>());
  auto until = parse_time(doc.at("window").at("until").get<std::string>());
  if (!since || !until) {
    throw source_error("snapshot '" + dir + "': the window in " + k_manifest + " is unreadable");
  }
  if (*since >= *until || *until - *since > k_max_window) {
    throw source_error("snapshot '" + dir + "': the window in " + k_manifest + " is empty or longer than 366 days");
  }
  return Window{*since, *until};
}

// How far back the snapshot read: its rows decide what a window inside it
// can see. null (format 2): no bound; format 1 always had one, 2 hours by default.
void read_lookbacks(const nlohmann::json& doc, const std::string& dir, long long version, Thresholds& th) {
  if (version < 2) {
    th.log_lookback = std::chrono::hours(2);
  }
  auto seconds = [&](const char* key, Micros& into) {
    if (!doc.contains(key)) {
      return;
    }
    if (doc.at(key).is_null()) {
      into = Micros::zero();
      return;
    }
    double s = doc.at(key).get<double>();
    if (!std::isfinite(s) || s < 0 || s > 1e9) {
      throw source_error("snapshot '" + dir + "': " + key + " in " + k_manifest + " is out of range");
    }
    into = Micros(static_cast<long long>(s * 1e6));
  };
  seconds("lookback_seconds", th.lookback);
  seconds("log_lookback_seconds", th.log_lookback);
}

TableState state_named(const std::string& status, long long version, const std::string& dir) {
  for (TableState s : {TableState::ok, TableState::missing, TableState::unreadable, TableState::hidden}) {
    if (status == table_state_name(s) && (s != TableState::hidden || version >= 2)) {
      return s;
    }
  }
  throw source_error("snapshot '" + dir + "': unknown table status '" + status + "' in " + k_manifest);
}

// What the table read in an ok table's entry: its file, how it was read, and
// what the coverage says.
void read_ok_table(const nlohmann::json& jt, const std::string& dir, ManifestTable& mt) {
  mt.file = jt.at("file").get<std::string>();
  mt.sha256 = jt.at("sha256").get<std::string>();
  mt.rows = jt.at("rows").get<uint64_t>();
  mt.info.query = jt.value("query", "");
  mt.info.prelude_query = jt.value("prelude_query", "");
  mt.info.far_back_query = jt.value("far_back_query", "");
  mt.info.count_null_time_rows(jt.value("null_time_rows", uint64_t{0}));
  if (jt.contains("unmapped")) {
    mt.info.unmapped = jt.at("unmapped").get<std::vector<std::string>>();
  }
  if (jt.contains("notes")) {
    mt.info.notes = jt.at("notes").get<std::vector<std::string>>();
  }
  if (jt.contains("kept_since") && !jt.at("kept_since").is_null()) {
    mt.info.kept_since = parse_time(jt.at("kept_since").get<std::string>());
    if (!mt.info.kept_since) {
      throw source_error("snapshot '" + dir + "': kept_since of " + table_name(mt.info.id) + " in " + k_manifest +
                         " is not a time");
    }
  }
  if (mt.file.find('/') != std::string::npos || mt.file.find("..") != std::string::npos) {
    throw source_error("snapshot '" + dir + "': file name '" + mt.file + "' in " + k_manifest +
                       " is not a plain file name");
  }
}

ManifestTable read_table(const nlohmann::json& jt, const std::string& dir, long long version) {
  std::string name = jt.at("table").get<std::string>();
  ManifestTable mt;
  const TableId* id = std::find_if(k_all_tables.begin(), k_all_tables.end(),
                                   [&](TableId t) { return name == table_name(t); });
  if (id == k_all_tables.end()) {
    throw source_error("snapshot '" + dir + "': unknown table '" + name + "' in " + k_manifest);
  }
  mt.info.id = *id;
  mt.info.relation = jt.value("relation", name);
  mt.info.state = state_named(jt.at("status").get<std::string>(), version, dir);
  mt.info.reason = jt.value("reason", "");
  if (mt.info.state == TableState::ok) {
    read_ok_table(jt, dir, mt);
  }
  return mt;
}

Manifest parse_manifest(const std::string& dir) {
  nlohmann::json doc = read_manifest_json(dir);
  std::string path = (fs::path(dir) / k_manifest).string();
  Manifest m;
  m.info.mapping = default_mapping();
  try {
    long long version = format_version(doc, dir);
    m.info.window = read_window(doc, dir);
    nlohmann::json tables_only = {{"tables", doc.at("mapping").at("tables")}};
    apply_mapping(m.info.mapping, tables_only, path);
    read_lookbacks(doc, dir, version, m.info.mapping.thresholds);
    for (const auto& jt : doc.at("tables")) {
      m.tables.push_back(read_table(jt, dir, version));
    }
  } catch (const nlohmann::json::exception&) {
    throw source_error("snapshot '" + dir + "': " + k_manifest + " is damaged (not the JSON tlrecon writes)");
  } catch (const SnapshotPathError&) {
    throw;
  } catch (const Error& e) {
    if (e.exit_code() == k_exit_source) {
      throw;
    }
    throw source_error(e.what());
  }
  return m;
}

class SnapshotStream : public RowStream {
 public:
  // `reader`: the file's reader when it is hashed while read (the source
  // asks it for the digest); without it, one is opened here.
  SnapshotStream(const std::string& path, TableId table, std::shared_ptr<CsvFileReader> reader = nullptr)
      : m_reader(reader ? std::move(reader) : std::make_shared<CsvFileReader>(path, false)),
        m_path(path), m_table(table) {
    Row header;
    if (!m_reader->next(header) || m_reader->fields() != field_names(table).size()) {
      throw source_error(path + ": the header is not the one tlrecon writes for " + table_name(table));
    }
    for (size_t i = 0; i < field_names(table).size(); ++i) {
      if (header[i].text != field_names(table)[i]) {
        throw source_error(path + ": column " + std::to_string(i + 1) + " is '" + header[i].text +
                           "', expected '" + field_names(table)[i] + "'");
      }
    }
  }

  bool next(Row& row) override {
    check_interrupt();
    if (!m_reader->next(row)) {
      return false;
    }
    if (m_reader->fields() != field_names(m_table).size()) {
      throw source_error(m_path + " line " + std::to_string(m_reader->line()) + ": " +
                         std::to_string(m_reader->fields()) + " fields, expected " +
                         std::to_string(field_names(m_table).size()));
    }
    return true;
  }

 private:
  std::shared_ptr<CsvFileReader> m_reader;
  std::string m_path;
  TableId m_table;
};

// The logs a database read for a window inside the snapshot's would hand
// over before that window's recent range (recent_logs_from): only each
// orchestrator source type's last log before the window, when it is older
// than that range (pg_source, build_far_back). Which row that is needs the
// rows after it, so the file is read once ahead, up to the window's start.
class LogsBeforeWindow {
 public:
  LogsBeforeWindow(const std::string& path, const Mapping& mapping, const Window& window)
      : m_zone(mapping[TableId::system_logs].columns[field::l_time].zone),
        m_recent(recent_logs_from(window, mapping.thresholds)) {
    PatternSet orchestrator({mapping.patterns.orchestrator_source}, "patterns.orchestrator_source");
    std::map<std::string, uint64_t> last_old;  // source type → its last row before the recent range
    std::set<std::string> recent;              // source types with a row in the recent range
    SnapshotStream rows(path, TableId::system_logs);
    Row row;
    for (uint64_t i = 0; rows.next(row); ++i) {
      std::optional<Time> t = time_of(row);
      if (t && *t >= window.since) {
        break;
      }
      if (!t || row[field::l_source_type].null || !orchestrator.matches_cached(row[field::l_source_type].text)) {
        continue;
      }
      if (*t < m_recent) {
        last_old[row[field::l_source_type].text] = i;
      } else {
        recent.insert(row[field::l_source_type].text);
      }
    }
    for (const auto& [type, i] : last_old) {
      if (recent.count(type) == 0) {
        m_keep.insert(i);
      }
    }
  }

  // Whether the i-th row of the file is handed over; `recent`: it is in the
  // recent range, and so is every row after it (the file is in time order).
  bool keeps(uint64_t i, const Row& row, bool& recent) const {
    std::optional<Time> t = time_of(row);
    recent = t && *t >= m_recent;
    return !t || recent || m_keep.count(i) > 0;
  }

 private:
  std::optional<Time> time_of(const Row& row) const {
    return field_time(row[field::l_time], m_zone);
  }

  std::string m_zone;
  Time m_recent;
  std::set<uint64_t> m_keep;
};

class FilteredLogs : public RowStream {
 public:
  FilteredLogs(const std::string& path, const Mapping& mapping, const Window& window,
               std::shared_ptr<CsvFileReader> reader)
      : m_filter(path, mapping, window), m_rows(path, TableId::system_logs, std::move(reader)) {}

  bool next(Row& row) override {
    while (m_rows.next(row)) {
      // From the recent range on every row is kept, unparsed here (a row
      // out of time order is the decoder's to refuse).
      if (m_recent || m_filter.keeps(m_next++, row, m_recent)) {
        return true;
      }
    }
    return false;
  }

 private:
  LogsBeforeWindow m_filter;
  SnapshotStream m_rows;
  uint64_t m_next = 0;
  bool m_recent = false;
};

std::string altered(const std::string& path) {
  return "snapshot file '" + path + "' does not match its SHA-256 in manifest.json: it was altered or truncated";
}

class SnapshotSource : public Source {
 public:
  SnapshotSource(const std::string& dir, std::optional<std::pair<Mapping, Window>> reading, bool hash_while_reading)
      : m_dir(dir), m_reading(std::move(reading)) {
    Manifest m = parse_manifest(dir);
    for (TableId t : k_all_tables) {
      TableInfo info;
      info.id = t;
      info.relation = table_name(t);
      info.state = TableState::missing;
      info.reason = "not in the snapshot";
      m_tables.push_back(info);
    }
    for (const ManifestTable& mt : m.tables) {
      m_tables[static_cast<int>(mt.info.id)] = mt.info;
      if (mt.info.state != TableState::ok) {
        continue;
      }
      std::string path = (fs::path(dir) / mt.file).string();
      if (!fs::exists(path)) {
        throw source_error("snapshot file '" + path + "' is missing");
      }
      m_files[static_cast<int>(mt.info.id)] = path;
      if (hash_while_reading && m_reading && mt.info.id == TableId::system_logs) {
        m_logs_sha256 = mt.sha256;  // checked by finish(), or when reading it fails
        continue;
      }
      if (sha256_file(path) != mt.sha256) {
        throw source_error(altered(path));
      }
    }
  }

  const std::vector<TableInfo>& tables() const override { return m_tables; }

  std::unique_ptr<RowStream> open(TableId table) override {
    const std::string& path = m_files[static_cast<int>(table)];
    if (table == TableId::system_logs && m_reading) {
      // Read, split and its times parsed on a second thread; hashed there
      // too when it is checked while read.
      CsvFileReader::TimeColumn time{static_cast<size_t>(field::l_time),
                                     m_reading->first[TableId::system_logs].columns[field::l_time].zone};
      auto reader = std::make_shared<CsvFileReader>(path, !m_logs_sha256.empty(), std::move(time));
      if (!m_logs_sha256.empty()) {
        m_hashing = reader;
      }
      return read_ahead_if_asked(
          std::make_unique<FilteredLogs>(path, m_reading->first, m_reading->second, std::move(reader)));
    }
    return std::make_unique<SnapshotStream>(path, table);
  }

  void finish() override { verify_logs(); }
  void check_after_failure() override { verify_logs(); }

 private:
  // system_logs' hash, taken while it was read: nothing the command prints
  // comes before this check.
  void verify_logs() {
    if (!m_hashing) {
      return;
    }
    std::shared_ptr<CsvFileReader> hashing = std::move(m_hashing);
    if (hashing->digest() != m_logs_sha256) {
      throw source_error(altered(m_files[static_cast<int>(TableId::system_logs)]));
    }
  }

  std::string m_dir;
  std::optional<std::pair<Mapping, Window>> m_reading;  // the command's mapping and window
  std::vector<TableInfo> m_tables;
  std::array<std::string, k_table_count> m_files;
  std::string m_logs_sha256;                // when system_logs is hashed while read
  std::shared_ptr<CsvFileReader> m_hashing;  // system_logs, being read and hashed
};

}  // namespace

SnapshotInfo read_snapshot_manifest(const std::string& dir) { return parse_manifest(dir).info; }

VerifiedSnapshot verify_snapshot(const std::string& dir) {
  Manifest m = parse_manifest(dir);
  VerifiedSnapshot out;
  std::string problems;
  auto problem = [&](const std::string& what) { problems += (problems.empty() ? "" : "; ") + what; };
  for (const ManifestTable& mt : m.tables) {
    if (mt.info.state != TableState::ok) {
      continue;
    }
    std::string path = (fs::path(dir) / mt.file).string();
    out.files.push_back(path);
    if (!fs::is_regular_file(path)) {
      problem("'" + path + "' is missing");
      continue;
    }
    if (sha256_file(path) != mt.sha256) {
      problem("'" + path + "' does not match its SHA-256 in manifest.json");
      continue;
    }
    // The hash matches: a row count that does not means the manifest was edited.
    std::ifstream in(path, std::ios::binary);
    CsvReader reader(in, path);
    Row row;
    uint64_t rows = 0;
    for (reader.next(row); reader.next(row);) {
      ++rows;
    }
    if (rows != mt.rows) {
      problem("'" + path + "' has " + std::to_string(rows) + " rows, manifest.json says " + std::to_string(mt.rows));
    }
  }
  if (!problems.empty()) {
    throw source_error("snapshot '" + dir + "' is altered: " + problems);
  }
  out.manifest_sha256 = sha256_file((fs::path(dir) / k_manifest).string());
  return out;
}

std::unique_ptr<Source> open_snapshot(const std::string& dir) {
  return std::make_unique<SnapshotSource>(dir, std::nullopt, false);
}

std::unique_ptr<Source> open_snapshot(const std::string& dir, const Mapping& mapping, const Window& window,
                                      SnapshotCheck check) {
  return std::make_unique<SnapshotSource>(dir, std::make_pair(mapping, window), check == SnapshotCheck::while_reading);
}

}  // namespace tlrecon
