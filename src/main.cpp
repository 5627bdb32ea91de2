// tlrecon: forensic timeline reconstruction for worker orchestrators.
// main() parses the command line, runs one command, and is the one place
// that prints errors ("tlrecon: error: …") and turns them into exit codes.
#include <algorithm>
#include <csignal>
#include <iostream>

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "tlrecon/commands.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/interrupt.hpp"

namespace {

using namespace tlrecon;

const char* const k_severities = "info, low, medium, high or critical (any case)";

void add_common(CLI::App* cmd, CommonOptions& o, bool allow_from = true) {
  cmd->add_option("--dsn", o.dsn,
                  "libpq connection string or URI; default: libpq's environment "
                  "(PGHOST, PGDATABASE, PGSERVICE, ~/.pgpass)")
      ->type_name("CONNINFO");
  if (allow_from) {
    cmd->add_option("--from", o.from, "read a snapshot directory instead of PostgreSQL")->type_name("DIR");
  }
  cmd->add_option("--since", o.window.since,
                  "window start: ISO-8601 time, or a duration before --until (2h); default: 24h before "
                  "--until (with --from and no window: the snapshot's)")
      ->type_name("TIME");
  cmd->add_option("--until", o.window.until, "window end (exclusive); default: now, which is the snapshot's end with --from")
      ->type_name("TIME");
  cmd->add_option("--around", o.window.around, "window centre; with --window")->type_name("TIME");
  cmd->add_option("--window", o.window.window, "window width with --around")->type_name("DURATION")->default_str("30m");
  cmd->add_option("--config", o.config, "JSON mapping file: table and column names, thresholds, patterns")
      ->type_name("FILE");
  cmd->add_option("--lookback", o.lookback,
                  "how far before the window to read workers, tasks, decisions and executions")
      ->type_name("DURATION")
      ->default_str("24h");
  cmd->add_option("--timeout", o.timeout, "statement timeout on the server")->type_name("DURATION")->default_str("60s");
  cmd->add_flag("--quiet,-q", o.quiet, "no warnings on stderr");
}

void add_thresholds(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--gap-min", o.gap_min, "floor of the logging-gap threshold")->type_name("DURATION")->default_str("5m");
  cmd->add_option("--gap-factor", o.gap_factor, "gap threshold = factor x the source's p95 interval")
      ->type_name("NUMBER")
      ->default_str("3");
  cmd->add_option("--grace", o.grace, "orphaned-decision grace period")->type_name("DURATION")->default_str("10m");
  cmd->add_option("--burst-gap", o.burst_gap, "creations closer than this are one burst")
      ->type_name("DURATION")
      ->default_str("2m");
  cmd->add_option("--tolerance", o.tolerance, "how near a log must be to account for a creation")
      ->type_name("DURATION")
      ->default_str("2m");
}

// An option whose values name an enum: matched without regard to case,
// refused with the list of values otherwise.
// The first choice is the default.
template <class E>
void add_choice(CLI::App* cmd, const std::string& name, E& target,
                const std::vector<std::pair<std::string, E>>& choices, const std::string& help) {
  std::vector<std::string> names;
  std::string values;
  for (const auto& choice : choices) {
    names.push_back(choice.first);
    values += (values.empty() ? "" : "|") + choice.first;
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
      ->check(CLI::IsMember(names, CLI::ignore_case).description(""))
      ->type_name(values)
      ->default_str(choices.front().first);
}

}  // namespace

namespace {

// A closed stdout or stderr would be handed to the next file opened (a
// snapshot's CSV, a temporary file) and written into: refuse a closed
// stdout before anything is opened, and keep stderr's number taken.
bool standard_streams_open() {
  if (fcntl(STDERR_FILENO, F_GETFD) == -1) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd != -1 && fd != STDERR_FILENO) {
      close(fd);
    }
  }
  return fcntl(STDOUT_FILENO, F_GETFD) != -1;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The nearest name, if near enough to be a typo.
std::string nearest(const std::string& word, const std::vector<std::string>& names) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& name : names) {
    size_t d = edit_distance(word, name);
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

// CLI11 2.1 says "A subcommand is required" for `tlrecon chek` and nothing
// about a near option: find the word it could not place and name the nearest.
std::string parse_error_message(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  CLI::App* command = nullptr;
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    commands.push_back(sub->get_name());
  }
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (command == nullptr && !word.empty() && word[0] != '-') {
      if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
        std::string guess = nearest(word, commands);
        return "unknown command '" + word + "'" + (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
               " (tlrecon --help lists the commands)";
      }
      command = app.get_subcommand(word);
      continue;
    }
    if (command != nullptr && word.rfind("--", 0) == 0 && word.size() > 2) {
      std::string name = word.substr(2, word.find('=') == std::string::npos ? std::string::npos : word.find('=') - 2);
      std::vector<std::string> options{"help"};
      bool known = name == "help";
      for (const CLI::Option* o : command->get_options()) {
        for (const std::string& l : o->get_lnames()) {
          options.push_back(l);
          known = known || l == name;
        }
      }
      if (!known) {
        std::string guess = nearest(name, options);
        return command->get_name() + ": unknown option '--" + name + "'" +
               (guess.empty() ? "" : "; did you mean '--" + guess + "'?") + " (tlrecon " + command->get_name() +
               " --help lists its options)";
      }
    }
  }
  if (command == nullptr) {
    std::string all;
    for (const std::string& c : commands) {
      all += (all.empty() ? "" : ", ") + c;
    }
    return std::string(e.what()) + ": give one of " + all + " (tlrecon --help)";
  }
  return std::string(e.what()) + " (tlrecon " + command->get_name() + " --help)";
}

// Flushes stdout; a failed write becomes the output error (exit 5), which
// wins over any other outcome (SPEC §5): the result is lost.
int finish(int code) {
  std::cout.flush();
  try {
    check_written(std::cout);
  } catch (const Error& e) {
    std::cerr << "tlrecon: error: " << error_text(e) << "\n";
    return e.exit_code();
  }
  return code;
}

CLI::App* add_timeline(CLI::App& app, CommonOptions& common, TimelineOptions& timeline) {
  CLI::App* timeline_cmd = app.add_subcommand("timeline", "every event, merged and time-ordered, streamed");
  add_common(timeline_cmd, common);
  add_choice(timeline_cmd, "--format", timeline.format,
             {{"text", TimelineFormat::text}, {"jsonl", TimelineFormat::jsonl}, {"csv", TimelineFormat::csv}},
             "text, jsonl or csv (Timesketch)");
  timeline_cmd->add_option("--tz", timeline.tz, "also show local times in this zone (text format; of a list A,B the first)")
      ->type_name("ZONE");
  timeline_cmd->add_flag("--wide", timeline.wide,
                         "text format: full date, event name and actor on every line (wider than 80 columns)");
  timeline_cmd->footer(
      "Examples:\n"
      "  tlrecon timeline --from evidence/2025-10-16 --around 2025-10-16T17:42:50Z --window 20m\n"
      "  tlrecon timeline --since 2h --format jsonl | jq 'select(.type==\"worker_created\")'\n");
  return timeline_cmd;
}

CLI::App* add_report(CLI::App& app, CommonOptions& common, ReportCommandOptions& report) {
  CLI::App* report_cmd = app.add_subcommand("report", "findings, the merged timeline and an activity summary");
  add_common(report_cmd, common);
  add_thresholds(report_cmd, common);
  add_choice(report_cmd, "--format", report.format,
             {{"markdown", ReportFormat::markdown}, {"text", ReportFormat::text}, {"json", ReportFormat::json}},
             "markdown, text or json");
  report_cmd->add_option("--tz", report.tz, "also show local times in these zones, e.g. America/New_York,America/Los_Angeles (human formats)")->type_name("ZONE");
  report_cmd->add_flag("--full", report.full, "list every event in the timeline, not only those that matter");
  add_choice(report_cmd, "--color", report.color,
             {{"auto", ColorMode::automatic}, {"always", ColorMode::always}, {"never", ColorMode::never}},
             "text format; auto: when stdout is a terminal and NO_COLOR is unset or empty");
  report_cmd->add_option("--annotate", report.annotate,
                         "external events (CSV time,source,message or JSONL) to merge in, e.g. deploys")
      ->type_name("FILE");
  report_cmd->add_option("--fail-on", report.fail_on,
                         std::string("exit 1 when a finding is at or above this: ") + k_severities +
                             "; default: always exit 0")
      ->type_name("SEVERITY");
  report_cmd->footer(
      "Examples:\n"
      "  tlrecon report --from sample_data/orchestrator-2025-10-16 > postmortem.md\n"
      "  tlrecon report --since 6h --annotate deploys.csv --format text --tz America/New_York\n");
  return report_cmd;
}

CLI::App* add_check(CLI::App& app, CommonOptions& common, CheckOptions& check) {
  CLI::App* check_cmd = app.add_subcommand("check", "findings only, for CI: exit 1 at or above --fail-on");
  add_common(check_cmd, common);
  add_thresholds(check_cmd, common);
  add_choice(check_cmd, "--format", check.format,
             {{"text", CheckFormat::text},
              {"json", CheckFormat::json},
              {"junit", CheckFormat::junit},
              {"github", CheckFormat::github}},
             "text, json, junit (JUnit XML for GitLab, Jenkins) or github (GitHub Actions annotations)");
  check_cmd->add_option("--fail-on", check.fail_on, std::string("exit 1 when a finding is at or above this: ") + k_severities)
      ->type_name("SEVERITY")
      ->capture_default_str();
  check_cmd->add_option("--min-severity", check.min_severity,
                        "show only findings at or above this (not above --fail-on)")
      ->type_name("SEVERITY")
      ->capture_default_str();
  check_cmd->add_option("--require", check.require,
                        "exit 3 unless these detectors ran, e.g. logging_gap,orphaned_decision")
      ->type_name("DETECTOR,...");
  check_cmd->footer(
      "Examples:\n"
      "  tlrecon check --since 24h --fail-on high --require logging_gap,unexplained_scale_up\n"
      "  tlrecon check --from sample_data/orchestrator-2025-10-16 --format json --min-severity medium\n");
  return check_cmd;
}

CLI::App* add_snapshot(CLI::App& app, CommonOptions& common, std::string& out_dir) {
  CLI::App* snapshot_cmd =
      app.add_subcommand("snapshot", "preserve a window's rows as CSV files with a checksummed manifest");
  add_common(snapshot_cmd, common, false);
  snapshot_cmd->add_option("--out", out_dir, "directory to write (must not exist or be empty)")
      ->required()
      ->type_name("DIR");
  snapshot_cmd->footer(
      "Examples:\n"
      "  tlrecon snapshot --since 2025-10-16T10:55:00Z --until 2025-10-16T18:02:00Z --out evidence/2025-10-16\n"
      "  tlrecon snapshot --dsn 'host=replica dbname=prod user=ro' --since 48h --out evidence/today\n");
  return snapshot_cmd;
}

CLI::App* add_verify(CLI::App& app, VerifyOptions& verify) {
  CLI::App* verify_cmd =
      app.add_subcommand("verify", "re-check a snapshot's files against its manifest; print the manifest's SHA-256");
  verify_cmd->add_option("DIR", verify.dir, "snapshot directory")->required()->type_name("DIR");
  verify_cmd->add_option("--expect", verify.expect,
                         "the manifest's SHA-256 as snapshot printed it (e.g. from the incident ticket); "
                         "exit 3 when it differs")
      ->type_name("SHA256");
  verify_cmd->footer(
      "Exit 0: every file matches; 3: a file is missing or altered (named), or the manifest's hash is not --expect.\n"
      "Examples:\n"
      "  tlrecon verify evidence/2025-10-16\n"
      "  tlrecon verify evidence/2025-10-16 --expect <the 64 hex digits snapshot printed>\n");
  return verify_cmd;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe ends the run quietly, as for every filter, even when the
  // parent ignored SIGPIPE.
  std::signal(SIGPIPE, SIG_DFL);
  if (!standard_streams_open()) {
    std::cerr << "tlrecon: error: standard output is closed; run again with it open (redirect it to a file or a pipe)\n";
    return k_exit_output;
  }
  // Output is large and written line by line: no need to share C stdio's buffers.
  std::ios::sync_with_stdio(false);
  // Buffers of 128 KiB and more always from mmap, given back when freed.
  // glibc's threshold otherwise slides up to the largest such buffer freed
  // (the 4 MiB sort budget, a snapshot's read blocks), and the buffers after
  // it came from the top of the heap and stayed resident: peak RSS on the
  // fleet day at 2M rows, medians of 5: check --from 24.2 -> 23.2 MiB,
  // report --from 28.7 -> 25.8 MiB, report from PostgreSQL 26.3 -> 26.0 MiB;
  // time unchanged (issue 14).
  mallopt(M_MMAP_THRESHOLD, 128 << 10);
  CLI::App app{"tlrecon: reconstruct an incident's timeline from an orchestrator's tables"};
  app.set_version_flag("--version", std::string("tlrecon ") + TLRECON_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  CommonOptions common;

  TimelineOptions timeline;
  CLI::App* timeline_cmd = add_timeline(app, common, timeline);
  ReportCommandOptions report;
  CLI::App* report_cmd = add_report(app, common, report);
  CheckOptions check;
  CLI::App* check_cmd = add_check(app, common, check);
  std::string out_dir;
  CLI::App* snapshot_cmd = add_snapshot(app, common, out_dir);
  VerifyOptions verify;
  CLI::App* verify_cmd = add_verify(app, verify);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return finish(app.exit(e));  // --help, --version
    }
    std::cerr << "tlrecon: error: " << parse_error_message(app, e, argc, argv) << "\n";
    return k_exit_usage;
  }

  common.progress = isatty(STDERR_FILENO) == 1 && !common.quiet;
  install_interrupt_handler();
  try {
    if (timeline_cmd->parsed()) {
      return finish(run_timeline(common, timeline, std::cout, std::cerr));
    }
    if (report_cmd->parsed()) {
      return finish(run_report(common, report, std::cout, std::cerr, isatty(STDOUT_FILENO) == 1));
    }
    if (check_cmd->parsed()) {
      return finish(run_check(common, check, std::cout, std::cerr));
    }
    if (snapshot_cmd->parsed()) {
      return finish(run_snapshot(common, out_dir, std::cout, std::cerr));
    }
    if (verify_cmd->parsed()) {
      return finish(run_verify(verify, std::cout));
    }
  } catch (const Error& e) {
    if (e.exit_code() == k_exit_output) {
      std::cerr << "tlrecon: error: " << e.what() << "\n";
      return k_exit_output;
    }
    int lost = finish(e.exit_code());
    if (lost == k_exit_output) {
      return lost;
    }
    std::cerr << "tlrecon: error: " << error_text(e) << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    if (finish(k_exit_internal) == k_exit_output) {
      return k_exit_output;
    }
    std::cerr << "tlrecon: error: internal error: " << e.what() << "\n";
    return k_exit_internal;
  }
  return k_exit_internal;
}
