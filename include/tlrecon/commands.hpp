#pragma once
// The commands of SPEC §3. Each run_* reads as a short recipe and returns
// the exit code; errors are thrown as Error and printed once by main().
#include <ostream>
#include <string>

#include "tlrecon/error.hpp"
#include "tlrecon/render_timeline.hpp"
#include "tlrecon/time.hpp"
#include "tlrecon/window_options.hpp"

namespace tlrecon {

// What every command shares: where the rows come from, which window, which mapping.
struct CommonOptions {
  std::string dsn;        // --dsn; empty: libpq's environment
  std::string from;       // --from DIR, a snapshot
  std::string config;     // --config FILE, a mapping
  WindowOptions window;
  std::string lookback;   // --lookback, overrides the mapping
  std::string timeout;    // --timeout, the statement timeout
  bool quiet = false;     // no warnings on stderr
  bool progress = false;  // rows read per table on stderr (main sets it when stderr is a terminal)
  // Detector thresholds from the command line; they override the mapping file.
  std::string gap_min;
  double gap_factor = 0;  // 0: not given
  std::string grace;
  std::string burst_gap;
  std::string tolerance;
};

enum class CheckFormat { text, json, junit, github };
enum class ReportFormat { markdown, text, json };
enum class ColorMode { automatic, always, never };

struct CheckOptions {
  CheckFormat format = CheckFormat::text;
  std::string fail_on = "high";
  std::string min_severity = "info";
  std::string require;  // --require: detectors that must have run, comma-separated
};

int run_timeline(const CommonOptions& common, const TimelineOptions& options, std::ostream& out,
                 std::ostream& err);
struct ReportCommandOptions {
  ReportFormat format = ReportFormat::markdown;
  std::string tz;
  bool full = false;
  ColorMode color = ColorMode::automatic;
  std::string annotate;
  std::string fail_on;  // empty: report always exits 0
};

int run_report(const CommonOptions& common, const ReportCommandOptions& options, std::ostream& out,
               std::ostream& err, bool stdout_is_terminal);
int run_check(const CommonOptions& common, const CheckOptions& options, std::ostream& out,
              std::ostream& err);
// The line main prints for an error: its message, and for the PostgreSQL
// source's errors what to do about them, in terms of the options.
std::string error_text(const Error& e);

// Throws the output error (exit 5) when `out` could not take what was written
// to it; call it right after the failing write, while errno still says why.
void check_written(std::ostream& out);

int run_snapshot(const CommonOptions& common, const std::string& out_dir, std::ostream& out,
                 std::ostream& err);
struct VerifyOptions {
  std::string dir;     // the snapshot directory
  std::string expect;  // --expect: the manifest's SHA-256 as recorded (hex); empty: none
};

// Re-checks a snapshot's files against its manifest and prints the
// manifest's SHA-256, which must be --expect's when given.
int run_verify(const VerifyOptions& options, std::ostream& out);

}  // namespace tlrecon
