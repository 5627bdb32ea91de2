#include "tlrecon/commands.hpp"

#include <malloc.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>

#include "tlrecon/analysis.hpp"
#include "tlrecon/catalogue.hpp"
#include "tlrecon/detector.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/pg_source.hpp"
#include "tlrecon/render_ci.hpp"
#include "tlrecon/render_findings.hpp"
#include "tlrecon/report.hpp"
#include "tlrecon/annotations.hpp"
#include "tlrecon/snapshot.hpp"
#include "tlrecon/text.hpp"

namespace tlrecon {

namespace {

// The source, mapping and window a command works on.
struct Input {
  Mapping mapping;
  std::unique_ptr<Catalogue> catalogue;  // compiled once per run, from the mapping
  Window window{};
  std::unique_ptr<Source> source;
};

Micros duration_option(const std::string& option, const std::string& text) {
  auto d = parse_duration(text);
  if (!d || d->count() <= 0) {
    throw usage_error(option + ": cannot read '" + text +
                      "' as a duration; expected e.g. 90s, 30m, 2h, 1d");
  }
  return *d;
}

// Lower layers say what was wrong with a value; the command adds which option gave it.
template <typename Step>
auto for_option(const std::string& option, Step step) {
  try {
    return step();
  } catch (const Error& e) {
    throw Error(e.exit_code(), option + ": " + e.what());
  }
}

// A --dsn that libpq cannot parse is a usage error, not a server that is
// down. libpq's reason quotes the DSN, so its passwords are taken out.
void check_conninfo(const std::string& dsn) {
  std::string problem = dsn.find_first_not_of(" \t\n") == std::string::npos && !dsn.empty()
                            ? "it is blank"
                            : conninfo_problem(dsn);
  if (!problem.empty()) {
    throw usage_error("--dsn: not a connection string (" + visible(problem) +
                      "); give keyword=value pairs ('host=db dbname=prod user=ro') "
                      "or a URI (postgresql://ro@db/prod)");
  }
}

// What to do about a snapshot that cannot be used, added to the snapshot's own
// words: the directory above a snapshot, or a file changed since it was taken.
template <typename Step>
auto with_snapshot_hint(const std::string& dir, Step step) {
  try {
    return step();
  } catch (const SnapshotPathError& e) {
    throw Error(e.exit_code(), "--from: " + std::string(e.what()));
  } catch (const Error& e) {
    std::string what = e.what();
    std::string hint;
    if (what.find("manifest.json is missing") != std::string::npos) {
      std::error_code ec;
      std::string inside;
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::string candidate = entry.path().string();
        if (std::filesystem::exists(entry.path() / "manifest.json") && (inside.empty() || candidate < inside)) {
          inside = candidate;
        }
      }
      hint = inside.empty() ? "; --from takes a directory written by tlrecon snapshot"
                            : "; --from takes one snapshot directory, e.g. " + inside;
    } else if (what.find("does not match its SHA-256") != std::string::npos) {
      hint = "; analyse an unaltered copy of the evidence, or take a new snapshot";
    }
    throw Error(e.exit_code(), what + hint);
  }
}

// On a snapshot "now" is its end, so relative and one-sided windows mean what
// they mean on the database; a window reaching outside is cut to the
// evidence, and the note says which window is analysed (every output states it).
Window snapshot_window(const CommonOptions& common, const Window& snap, std::ostream& err) {
  const WindowOptions& o = common.window;
  if (o.since.empty() && o.until.empty() && o.around.empty() && o.window.empty()) {
    return snap;
  }
  Window asked = resolve_window(o, snap.until, std::nullopt);
  Window cut{std::max(asked.since, snap.since), std::min(asked.until, snap.until)};
  std::string words = "the window [" + format_utc(asked.since) + ", " + format_utc(asked.until) + ")";
  std::string snapshot = "the snapshot's [" + format_utc(snap.since) + ", " + format_utc(snap.until) + ")";
  if (cut.since >= cut.until) {
    throw usage_error(words + " does not overlap " + snapshot + "; give a window inside it, or none");
  }
  if ((cut.since != asked.since || cut.until != asked.until) && !common.quiet) {
    err << "tlrecon: note: " << words << " reaches outside " << snapshot << "; analysing ["
        << format_utc(cut.since) << ", " << format_utc(cut.until) << ")\n";
  }
  return cut;
}

// `check`: when a snapshot's files are checked against their hashes;
// while_reading only for a command that prints nothing before the analysis
// ends (analyse_input).
// `messages`: how a worker's lines are read from PostgreSQL (PgOptions).
enum class WorkerMessages {
  read,       // every line whole (timeline, snapshot)
  withheld,   // without their message, those the findings cite fetched (check)
  refetched,  // whole, and a source's last line fetched again at the end (report)
};

Input open_input(const CommonOptions& common, std::ostream& err, Provenance* provenance = nullptr,
                 SnapshotCheck check = SnapshotCheck::before_reading,
                 WorkerMessages messages = WorkerMessages::read) {
  Input in;
  if (common.config.empty()) {
    in.mapping = default_mapping();
  } else {
    // Only opening the file is about the option; what the file says names the file.
    std::string text = for_option("--config", [&] { return read_mapping_file(common.config); });
    in.mapping = parse_mapping_file(text, common.config);
  }
  // A catalogue entry that does not compile, or lacks the group its fact
  // needs, is refused before anything is read.
  try {
    in.catalogue = std::make_unique<Catalogue>(in.mapping);
  } catch (const Error& e) {
    throw Error(e.exit_code(), (common.config.empty() ? "" : "mapping file '" + common.config + "': ") + e.what());
  }
  Thresholds& th = in.mapping.thresholds;
  if (!common.timeout.empty()) {
    th.statement_timeout = duration_option("--timeout", common.timeout);
  }
  if (!common.gap_min.empty()) {
    th.gap_min = duration_option("--gap-min", common.gap_min);
  }
  if (common.gap_factor != 0) {
    if (common.gap_factor < 1 || common.gap_factor > 1000) {
      throw usage_error("--gap-factor: expected a number from 1 to 1000");
    }
    th.gap_factor = common.gap_factor;
  }
  if (!common.grace.empty()) {
    th.grace = duration_option("--grace", common.grace);
  }
  if (!common.burst_gap.empty()) {
    th.burst_gap = duration_option("--burst-gap", common.burst_gap);
  }
  if (!common.tolerance.empty()) {
    th.tolerance = duration_option("--tolerance", common.tolerance);
  }
  if (!common.from.empty()) {
    if (!common.dsn.empty()) {
      throw usage_error("--from and --dsn are two sources; give one");
    }
    // The snapshot says where its columns came from and how far back it read.
    SnapshotInfo snap = with_snapshot_hint(common.from, [&] { return read_snapshot_manifest(common.from); });
    in.mapping.tables = snap.mapping.tables;
    in.mapping.thresholds.lookback = snap.mapping.thresholds.lookback;
    in.mapping.thresholds.log_lookback = snap.mapping.thresholds.log_lookback;
    if (!common.lookback.empty()) {
      in.mapping.thresholds.lookback = duration_option("--lookback", common.lookback);
    }
    in.window = snapshot_window(common, snap.window, err);
    in.source =
        with_snapshot_hint(common.from, [&] { return open_snapshot(common.from, in.mapping, in.window, check); });
    return in;
  }
  if (!common.lookback.empty()) {
    in.mapping.thresholds.lookback = duration_option("--lookback", common.lookback);
  }
  in.window = resolve_window(common.window, now_utc(), std::nullopt);
  check_conninfo(common.dsn);
  PgOptions pg;
  pg.dsn = common.dsn;
  pg.statement_timeout = in.mapping.thresholds.statement_timeout;
  // Workers as the analysis tells them (its Catalogue lives as long as the source).
  auto is_worker = [catalogue = in.catalogue.get()](const std::string& type) {
    return catalogue->role_of(type) == Role::worker;
  };
  if (messages == WorkerMessages::withheld) {
    pg.withhold_messages = is_worker;
  } else if (messages == WorkerMessages::refetched) {
    pg.refetch_messages = is_worker;
  }
  in.source = open_postgres(pg, in.mapping, in.window, provenance);
  return in;
}

// The analysis of a command that prints only once it ends (check, report):
// a snapshot's system_logs is hashed on a second thread while it is read,
// and an altered file is said as it would be at open.
Analysis analyse_input(const CommonOptions& common, Input& in, const ObservationSink& sink,
                       std::vector<Event> annotations, std::ostream& err) {
  auto run = [&] {
    try {
      return analyze(*in.source, in.mapping, *in.catalogue, in.window, sink, std::move(annotations),
                     common.progress ? &err : nullptr);
    } catch (const Error& e) {
      if (e.exit_code() == k_exit_source) {
        in.source->check_after_failure();
      }
      throw;
    }
  };
  return common.from.empty() ? run() : with_snapshot_hint(common.from, run);
}

// Rows that could not be placed are never dropped silently.
void warn_about_rows(const std::vector<TableInfo>& tables, std::ostream& err) {
  for (const TableInfo& t : tables) {
    std::string name = table_name(t.id);
    if (t.state != TableState::ok) {
      err << "tlrecon: note: " << name << " " << table_state_name(t.state) << ": " << t.reason << "\n";
      continue;
    }
    std::string counts = count_words(t);
    if (!counts.empty()) {
      err << "tlrecon: warning: " << name << ": " << counts << "\n";
    }
    for (const std::string& p : t.problems) {
      err << "tlrecon:   " << name << " " << visible(p) << "\n";
    }
  }
}

// What check's exit 3 says: the tables that exist but could not be read,
// and which role would read them. Empty when every existing table was read.
std::string unread_tables(const std::vector<TableInfo>& tables) {
  std::string unread;
  bool unreadable = false;
  bool hidden = false;
  for (const TableInfo& t : tables) {
    if (t.state != TableState::unreadable && t.state != TableState::hidden) {
      continue;
    }
    unreadable = unreadable || t.state == TableState::unreadable;
    hidden = hidden || t.state == TableState::hidden;
    unread += (unread.empty() ? "" : ", ") + std::string(table_name(t.id)) + " " +
              (t.state == TableState::hidden ? "hidden by row-level security" : "unreadable (" + t.reason + ")");
  }
  if (unread.empty()) {
    return "";
  }
  return "the findings leave out tables it could not read: " + unread + ": connect as a role " +
         (unreadable ? "with SELECT on them" : "") + (unreadable && hidden ? " and " : "") +
         (hidden ? "with BYPASSRLS, e.g. service_role" : "");
}

}  // namespace

namespace {

// --tz A,B: each zone checked; the reports show them all, the text
// timeline only the first (it must read on 80 columns).
std::vector<std::string> zones_option(const std::string& text) {
  std::vector<std::string> zones;
  size_t from = 0;
  while (!text.empty() && from <= text.size()) {
    size_t comma = std::min(text.find(',', from), text.size());
    zones.push_back(text.substr(from, comma - from));
    for_option("--tz", [&] { check_zone(zones.back()); });
    from = comma + 1;
  }
  return zones;
}

// --require's names, each checked against the registry before anything is read.
std::vector<std::string> required_detectors(const std::string& list) {
  std::vector<std::string> known;
  for (const auto& d : make_detectors(default_mapping())) {
    known.push_back(d->name());
  }
  std::vector<std::string> names;
  size_t begin = 0;
  while (begin <= list.size() && !list.empty()) {
    size_t end = std::min(list.find(',', begin), list.size());
    std::string name = list.substr(begin, end - begin);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string all;
      for (const std::string& k : known) {
        all += (all.empty() ? "" : ", ") + k;
      }
      throw usage_error("--require: unknown detector '" + visible(name) + "'; expected names from: " + all);
    }
    names.push_back(name);
    begin = end + 1;
  }
  return names;
}

// A check passes only on evidence it saw: none of the tables found means the
// wrong database or mapping, and a detector the job requires must have run.
void check_coverage(const Analysis& a, const std::vector<std::string>& required) {
  bool any_table = false;
  for (const TableInfo& t : a.tables) {
    any_table = any_table || t.state != TableState::missing;
  }
  if (!any_table) {
    throw source_error("none of the tables exists in that database and schema (wrong database or mapping?); "
                       "check --dsn or PGDATABASE, and --config's table and schema names");
  }
  for (const std::string& name : required) {
    for (const DetectorStatus& d : a.detectors) {
      if (d.name == name && !d.ran) {
        throw source_error("--require: detector " + name + " was skipped: " + visible(d.reason) +
                           "; give it the tables it needs, or drop it from --require");
      }
    }
  }
}

}  // namespace

std::string error_text(const Error& e) {
  const auto* pg = dynamic_cast<const PgError*>(&e);
  if (pg == nullptr) {
    return e.what();
  }
  switch (pg->kind()) {
    case PgError::Kind::connection:
      return std::string(e.what()) + " (check --dsn, PGHOST/PGPORT, and that the server is up)";
    case PgError::Kind::timeout:
      return std::string(e.what()) + "; raise it with --timeout or narrow the window";
    case PgError::Kind::recovery_conflict:
      return std::string(e.what()) +
             " (on a read replica: turn on hot_standby_feedback or raise max_standby_streaming_delay, "
             "or take a snapshot of the window and read that)";
    case PgError::Kind::other: break;
  }
  return e.what();
}

void check_written(std::ostream& out) {
  if (!out.fail()) {
    return;
  }
  int why = errno;
  throw output_error(std::string("cannot write the output") + (why != 0 ? ": " + std::string(std::strerror(why)) : "") +
                     "; the output is incomplete: free space or write it elsewhere, then run again");
}

Severity severity_option(const std::string& option, const std::string& text) {
  std::string lower;
  for (char c : text) {
    lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  auto s = parse_severity(lower);
  if (!s) {
    throw usage_error(option + ": unknown severity '" + visible(text) +
                      "'; expected info, low, medium, high or critical (in any case)");
  }
  return *s;
}

int run_timeline(const CommonOptions& common, const TimelineOptions& options, std::ostream& out,
                 std::ostream& err) {
  TimelineOptions first_zone = options;
  std::vector<std::string> zones = zones_option(options.tz);
  first_zone.tz = zones.empty() ? "" : zones.front();
  // 1. Open the source and fix the window.
  Input in = open_input(common, err);
  // 2. Merge every table into one stream, writing each event as it comes.
  auto writer = make_timeline_writer(first_zone, out);
  writer->header(in.window);
  std::vector<TableInfo> tables;
  try {
    tables = read_events(*in.source, in.mapping, in.window, [&](const Event& e) {
      if (e.place == Event::Place::inside) {
        writer->event(e);
        // Stop reading as soon as the output is lost: nothing would take it.
        check_written(out);
      }
    }, {}, common.progress ? &err : nullptr);
  } catch (const Error& e) {
    // Whatever stopped the read, the output must not look complete.
    if (e.exit_code() != k_exit_output) {
      writer->incomplete(e.what());
      out.flush();
    }
    throw;
  }
  // 3. Close with what was read, so a reader can tell a complete output.
  writer->trailer(in.window, tables);
  out.flush();
  check_written(out);
  if (!common.quiet) {
    warn_about_rows(tables, err);
  }
  return k_exit_ok;
}

int run_check(const CommonOptions& common, const CheckOptions& options, std::ostream& out,
              std::ostream& err) {
  Severity fail_on = severity_option("--fail-on", options.fail_on);
  Severity min_severity = severity_option("--min-severity", options.min_severity);
  if (fail_on < min_severity) {
    // A job could fail on findings its output leaves out.
    throw usage_error("--fail-on " + std::string(severity_name(fail_on)) + " is below --min-severity " +
                      severity_name(min_severity) + ": the output would hide what fails the check; "
                      "raise --fail-on or lower --min-severity");
  }
  std::vector<std::string> required = required_detectors(options.require);
  // 1. Open the source and fix the window.
  Input in = open_input(common, err, nullptr, SnapshotCheck::while_reading, WorkerMessages::withheld);
  // 2. Read the tables in one snapshot, merge by time, run every detector;
  //    a check that saw nothing, or not what the job requires, does not pass.
  Analysis a = analyse_input(common, in, nullptr, {}, err);
  check_coverage(a, required);
  // 3. Findings only; the exit code says whether any reaches --fail-on.
  switch (options.format) {
    case CheckFormat::json:
      write_analysis_json(out, a, "check", min_severity);
      break;
    case CheckFormat::junit: write_check_junit(out, a, fail_on); break;
    case CheckFormat::github: write_check_github(out, a, min_severity, fail_on); break;
    case CheckFormat::text: write_check_text(out, a, min_severity, fail_on); break;
  }
  out.flush();
  check_written(out);
  if (!common.quiet) {
    warn_about_rows(a.tables, err);
  }
  // 4. A check never passes on data it could not see (SPEC §2): exit 3, which beats 1.
  if (std::string unread = unread_tables(a.tables); !unread.empty()) {
    err << "tlrecon: error: " << unread << "\n";
    return k_exit_source;
  }
  return count_at_or_above(a, fail_on) > 0 ? k_exit_findings : k_exit_ok;
}

int run_report(const CommonOptions& common, const ReportCommandOptions& options, std::ostream& out,
               std::ostream& err, bool stdout_is_terminal) {
  std::optional<Severity> fail_on;
  if (!options.fail_on.empty()) {
    fail_on = severity_option("--fail-on", options.fail_on);
  }
  std::vector<std::string> zones = zones_option(options.tz);
  // 1. Open the source and fix the window; read the annotations, if any.
  Input in = open_input(common, err, nullptr, SnapshotCheck::while_reading, WorkerMessages::refetched);
  std::vector<Event> notes;
  if (!options.annotate.empty()) {
    notes = read_annotations(options.annotate, in.window);
  }
  // 2. Read the tables in one snapshot, merge by time, detect; the collector
  //    keeps what the report shows of the stream.
  ReportCollector collector(in.window, options.full);
  Analysis a = analyse_input(common, in, [&](const Observation& o) { collector.on_event(o); }, std::move(notes), err);
  // The detectors' state is gone, in holes too small for what rendering
  // takes: their pages go back first.
  malloc_trim(0);
  // 3. Render.
  ReportOptions ro;
  ro.zones = zones;
  ro.full = options.full;
  ro.source = common.from.empty() ? "PostgreSQL" : "snapshot " + common.from;
  // no-color.org: NO_COLOR set to a non-empty value disables colour; empty does not.
  const char* no_color = std::getenv("NO_COLOR");
  bool no_color_set = no_color != nullptr && no_color[0] != '\0';
  ro.color = options.color == ColorMode::always ||
             (options.color == ColorMode::automatic && stdout_is_terminal && !no_color_set);
  switch (options.format) {
    case ReportFormat::json: write_report_json(out, a, collector); break;
    case ReportFormat::text: write_report_text(out, a, collector, ro); break;
    case ReportFormat::markdown: write_report_markdown(out, a, collector, ro); break;
  }
  out.flush();
  check_written(out);
  if (!common.quiet) {
    warn_about_rows(a.tables, err);
  }
  return fail_on && count_at_or_above(a, *fail_on) > 0 ? k_exit_findings : k_exit_ok;
}

int run_snapshot(const CommonOptions& common, const std::string& out_dir, std::ostream& out,
                 std::ostream& err) {
  if (!common.from.empty()) {
    throw usage_error("snapshot reads from PostgreSQL; --from is not a source for it");
  }
  // 1. Open the source, noting where its rows come from.
  Provenance provenance;
  Input in = open_input(common, err, &provenance);
  // 2. Write every table, then the manifest.
  SnapshotSummary s;
  try {
    s = write_snapshot(*in.source, in.mapping, in.window, out_dir, &provenance);
  } catch (const SnapshotPathError& e) {
    throw Error(e.exit_code(), "--out: " + std::string(e.what()));
  }
  out << "snapshot of [" << format_utc(in.window.since) << ", " << format_utc(in.window.until)
      << ") written to " << s.dir << "\n";
  for (const TableInfo& t : s.tables) {
    out << "  " << table_name(t.id) << ": ";
    if (t.state == TableState::ok) {
      out << t.rows << " rows";
      for (const std::string& note : t.notes) {
        out << " (" << note << ")";
      }
      out << "\n";
    } else {
      out << table_state_name(t.state) << " (" << t.reason << ")\n";
    }
  }
  // 3. The manifest's own hash, for the incident ticket (tlrecon verify prints it again).
  out << "manifest sha256 " << s.manifest_sha256 << "\n";
  out.flush();
  check_written(out);
  (void)err;
  return k_exit_ok;
}

int run_verify(const VerifyOptions& options, std::ostream& out) {
  const std::string& dir = options.dir;
  const std::string& expect = options.expect;
  std::string expected;
  for (char c : expect) {
    expected += static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  }
  if (!expected.empty() && (expected.size() != 64 || expected.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    throw usage_error("--expect: '" + visible(expect) + "' is not a SHA-256 (64 hex digits, as snapshot printed it)");
  }
  // 1. Every file the manifest lists, against its hash and row count.
  VerifiedSnapshot v;
  try {
    v = verify_snapshot(dir);
  } catch (const SnapshotPathError& e) {
    throw Error(e.exit_code(), std::string(e.what()) + "; give a directory written by tlrecon snapshot");
  } catch (const Error& e) {
    std::string what = e.what();
    std::string hint;
    if (what.find(" is altered: ") != std::string::npos) {
      hint = "; the evidence is not what was taken: use an unaltered copy";
    } else if (what.find("manifest.json is missing") != std::string::npos) {
      hint = "; give one directory written by tlrecon snapshot";
    }
    throw Error(e.exit_code(), what + hint);
  }
  // 2. The manifest itself, against the hash the ticket recorded.
  if (!expected.empty() && v.manifest_sha256 != expected) {
    throw source_error("snapshot '" + dir + "': manifest.json's SHA-256 is " + v.manifest_sha256 + ", not " + expected +
                       ": the manifest was altered since it was recorded; use an unaltered copy of the evidence");
  }
  out << dir << ": " << v.files.size() << " files match manifest.json\n";
  out << "manifest sha256 " << v.manifest_sha256 << "\n";
  out.flush();
  check_written(out);
  return k_exit_ok;
}

}  // namespace tlrecon
