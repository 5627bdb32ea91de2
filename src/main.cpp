// tlrecon: forensic timeline reconstruction for worker orchestrators.
// main() parses the command line, runs one command, and is the one place
// that prints errors ("tlrecon: error: …") and turns them into exit codes.
#include <iostream>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "tlrecon/commands.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/interrupt.hpp"

namespace {

using namespace tlrecon;

void add_common(CLI::App* cmd, CommonOptions& o, bool allow_from = true) {
  cmd->add_option("--dsn", o.dsn,
                  "libpq connection string or URI; default: libpq's environment "
                  "(PGHOST, PGDATABASE, PGSERVICE, ~/.pgpass)");
  if (allow_from) {
    cmd->add_option("--from", o.from, "read a snapshot directory instead of PostgreSQL");
  }
  cmd->add_option("--since", o.window.since, "window start: ISO-8601 time, or a duration before --until (2h)");
  cmd->add_option("--until", o.window.until, "window end (exclusive); default now");
  cmd->add_option("--around", o.window.around, "window centre; with --window");
  cmd->add_option("--window", o.window.window, "window width with --around (default 30m)");
  cmd->add_option("--config", o.config, "JSON mapping file: table and column names, thresholds, patterns");
  cmd->add_option("--lookback", o.lookback,
                  "how far before the window to read workers, tasks, decisions and executions (default 24h)");
  cmd->add_option("--timeout", o.timeout, "statement timeout on the server (default 60s)");
  cmd->add_flag("--quiet,-q", o.quiet, "no warnings on stderr");
}

void add_thresholds(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--gap-min", o.gap_min, "floor of the logging-gap threshold (default 5m)");
  cmd->add_option("--gap-factor", o.gap_factor, "gap threshold = factor x the source's p95 interval (default 3)");
  cmd->add_option("--grace", o.grace, "orphaned-decision grace period (default 10m)");
  cmd->add_option("--burst-gap", o.burst_gap, "creations closer than this are one burst (default 2m)");
  cmd->add_option("--tolerance", o.tolerance, "how near a log must be to account for a creation (default 2m)");
}

// An option whose values name an enum: matched without regard to case,
// refused with the list of values otherwise.
template <class E>
void add_choice(CLI::App* cmd, const std::string& name, E& target,
                const std::vector<std::pair<std::string, E>>& choices, const std::string& help) {
  std::vector<std::string> names;
  for (const auto& choice : choices) {
    names.push_back(choice.first);
  }
  cmd->add_option_function<std::string>(
         name,
         [&target, choices](const std::string& value) {
           for (const auto& [text, e] : choices) {
             if (text == value) {
               target = e;
             }
           }
         },
         help)
      ->check(CLI::IsMember(names, CLI::ignore_case));
}

}  // namespace

int main(int argc, char** argv) {
  // Output is large and written line by line: no need to share C stdio's buffers.
  std::ios::sync_with_stdio(false);
  CLI::App app{"tlrecon: reconstruct an incident's timeline from an orchestrator's tables"};
  app.set_version_flag("--version", std::string("tlrecon ") + TLRECON_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  CommonOptions common;

  TimelineOptions timeline;
  CLI::App* timeline_cmd = app.add_subcommand("timeline", "every event, merged and time-ordered, streamed");
  add_common(timeline_cmd, common);
  add_choice(timeline_cmd, "--format", timeline.format,
             {{"text", TimelineFormat::text}, {"jsonl", TimelineFormat::jsonl}, {"csv", TimelineFormat::csv}},
             "text, jsonl or csv (Timesketch)");
  timeline_cmd->add_option("--tz", timeline.tz, "also show local times in this zone (text format; of a list A,B the first)");

  ReportCommandOptions report;
  CLI::App* report_cmd = app.add_subcommand("report", "findings, the merged timeline and an activity summary");
  add_common(report_cmd, common);
  add_thresholds(report_cmd, common);
  add_choice(report_cmd, "--format", report.format,
             {{"markdown", ReportFormat::markdown}, {"text", ReportFormat::text}, {"json", ReportFormat::json}},
             "markdown (default), text or json");
  report_cmd->add_option("--tz", report.tz, "also show local times in these zones, e.g. America/New_York,America/Los_Angeles (human formats)");
  report_cmd->add_flag("--full", report.full, "list every event in the timeline, not only those that matter");
  add_choice(report_cmd, "--color", report.color,
             {{"auto", ColorMode::automatic}, {"always", ColorMode::always}, {"never", ColorMode::never}},
             "auto (default), always or never; text format");
  report_cmd->add_option("--annotate", report.annotate,
                         "external events (CSV time,source,message or JSONL) to merge in, e.g. deploys");
  report_cmd->add_option("--fail-on", report.fail_on, "exit 1 when a finding is at or above this");

  CheckOptions check;
  CLI::App* check_cmd = app.add_subcommand("check", "findings only, for CI: exit 1 at or above --fail-on");
  add_common(check_cmd, common);
  add_thresholds(check_cmd, common);
  add_choice(check_cmd, "--format", check.format, {{"text", CheckFormat::text}, {"json", CheckFormat::json}},
             "text or json");
  check_cmd->add_option("--fail-on", check.fail_on, "exit 1 when a finding is at or above this (default high)");
  check_cmd->add_option("--min-severity", check.min_severity, "show only findings at or above this");

  std::string out_dir;
  CLI::App* snapshot_cmd =
      app.add_subcommand("snapshot", "preserve a window's rows as CSV files with a checksummed manifest");
  add_common(snapshot_cmd, common, false);
  snapshot_cmd->add_option("--out", out_dir, "directory to write (must not exist or be empty)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);  // --help, --version
    }
    std::cerr << "tlrecon: error: " << e.what() << " (see tlrecon --help)\n";
    return k_exit_usage;
  }

  common.progress = isatty(STDERR_FILENO) == 1 && !common.quiet;
  install_interrupt_handler();
  try {
    if (timeline_cmd->parsed()) {
      return run_timeline(common, timeline, std::cout, std::cerr);
    }
    if (report_cmd->parsed()) {
      return run_report(common, report, std::cout, std::cerr, isatty(STDOUT_FILENO) == 1);
    }
    if (check_cmd->parsed()) {
      return run_check(common, check, std::cout, std::cerr);
    }
    if (snapshot_cmd->parsed()) {
      return run_snapshot(common, out_dir, std::cout, std::cerr);
    }
  } catch (const Error& e) {
    std::cout.flush();
    std::cerr << "tlrecon: error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "tlrecon: error: internal error: " << e.what() << "\n";
    return k_exit_internal;
  }
  return k_exit_internal;
}
