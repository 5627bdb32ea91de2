#include "tlrecon/commands.hpp"

#include <cstdlib>
#include <functional>

#include "tlrecon/analysis.hpp"
#include "tlrecon/catalogue.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/pg_source.hpp"
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

Input open_input(const CommonOptions& common) {
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
    Catalogue check(in.mapping);
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
    SnapshotInfo snap;
    try {
      snap = read_snapshot_manifest(common.from);
    } catch (const SnapshotPathError& e) {
      throw Error(e.exit_code(), "--from: " + std::string(e.what()));
    }
    in.mapping.tables = snap.mapping.tables;
    in.mapping.thresholds.lookback = snap.mapping.thresholds.lookback;
    in.mapping.thresholds.log_lookback = snap.mapping.thresholds.log_lookback;
    if (!common.lookback.empty()) {
      in.mapping.thresholds.lookback = duration_option("--lookback", common.lookback);
    }
    in.window = resolve_window(common.window, now_utc(), snap.window);
    if (in.window.since < snap.window.since || in.window.until > snap.window.until) {
      throw usage_error("the window [" + format_utc(in.window.since) + ", " +
                        format_utc(in.window.until) + ") reaches outside the snapshot's [" +
                        format_utc(snap.window.since) + ", " + format_utc(snap.window.until) + ")");
    }
    in.source = open_snapshot(common.from);
    return in;
  }
  if (!common.lookback.empty()) {
    in.mapping.thresholds.lookback = duration_option("--lookback", common.lookback);
  }
  in.window = resolve_window(common.window, now_utc(), std::nullopt);
  PgOptions pg;
  pg.dsn = common.dsn;
  pg.statement_timeout = in.mapping.thresholds.statement_timeout;
  in.source = open_postgres(pg, in.mapping, in.window);
  return in;
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

}  // namespace

Severity severity_option(const std::string& option, const std::string& text) {
  auto s = parse_severity(text);
  if (!s) {
    throw usage_error(option + ": unknown severity '" + text + "'; expected info, low, medium, high or critical");
  }
  return *s;
}

int run_timeline(const CommonOptions& common, const TimelineOptions& options, std::ostream& out,
                 std::ostream& err) {
  TimelineOptions first_zone = options;
  std::vector<std::string> zones = zones_option(options.tz);
  first_zone.tz = zones.empty() ? "" : zones.front();
  // 1. Open the source and fix the window.
  Input in = open_input(common);
  // 2. Merge every table into one stream, writing each event as it comes.
  auto writer = make_timeline_writer(first_zone, out);
  writer->header(in.window);
  std::vector<TableInfo> tables;
  try {
    tables = read_events(*in.source, in.mapping, in.window, [&](const Event& e) {
      if (e.place == Event::Place::inside) {
        writer->event(e);
      }
    }, {}, common.progress ? &err : nullptr);
  } catch (const Error& e) {
    // Whatever stopped the read, the output must not look complete.
    writer->incomplete(e.what());
    out.flush();
    throw;
  }
  // 3. Close with what was read, so a reader can tell a complete output.
  writer->trailer(in.window, tables);
  out.flush();
  if (!common.quiet) {
    warn_about_rows(tables, err);
  }
  return k_exit_ok;
}

int run_check(const CommonOptions& common, const CheckOptions& options, std::ostream& out,
              std::ostream& err) {
  Severity fail_on = severity_option("--fail-on", options.fail_on);
  Severity min_severity = severity_option("--min-severity", options.min_severity);
  // 1. Open the source and fix the window.
  Input in = open_input(common);
  // 2. Read the tables in one snapshot, merge by time, run every detector.
  Analysis a = analyze(*in.source, in.mapping, in.window, nullptr, {}, common.progress ? &err : nullptr);
  // 3. Findings only; the exit code says whether any reaches --fail-on.
  if (options.format == CheckFormat::json) {
    out << analysis_to_json(a, "check", min_severity).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
        << "\n";
  } else {
    write_check_text(out, a, min_severity, fail_on);
  }
  out.flush();
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
  Input in = open_input(common);
  std::vector<Event> notes;
  if (!options.annotate.empty()) {
    notes = read_annotations(options.annotate, in.window);
  }
  // 2. Read the tables in one snapshot, merge by time, detect; the collector
  //    keeps what the report shows of the stream.
  ReportCollector collector(in.window, options.full);
  Analysis a = analyze(*in.source, in.mapping, in.window, [&](const Observation& o) { collector.on_event(o); },
                       std::move(notes), common.progress ? &err : nullptr);
  // 3. Render.
  ReportOptions ro;
  ro.zones = zones;
  ro.full = options.full;
  ro.source = common.from.empty() ? "PostgreSQL" : "snapshot " + common.from;
  ro.color = options.color == ColorMode::always ||
             (options.color == ColorMode::automatic && stdout_is_terminal && std::getenv("NO_COLOR") == nullptr);
  switch (options.format) {
    case ReportFormat::json: write_report_json(out, a, collector); break;
    case ReportFormat::text: write_report_text(out, a, collector, ro); break;
    case ReportFormat::markdown: write_report_markdown(out, a, collector, ro); break;
  }
  out.flush();
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
  Input in = open_input(common);
  SnapshotSummary s;
  try {
    s = write_snapshot(*in.source, in.mapping, in.window, out_dir);
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
  (void)err;
  return k_exit_ok;
}

}  // namespace tlrecon
