#include "tlrecon/window_options.hpp"

#include "tlrecon/error.hpp"

namespace tlrecon {

namespace {

const char* k_time_forms =
    "expected ISO-8601 such as 2025-10-16T17:35:31Z or 2025-10-16 17:35:31+00, "
    "or a duration before now such as 2h";

const char* k_duration_forms = "expected a duration such as 90s, 30m, 2h, 1d or 1h30m";

Time parse_time_option(const std::string& option, const std::string& text, Time relative_to) {
  if (auto t = parse_time(text)) {
    return *t;
  }
  if (auto d = parse_duration(text)) {
    return relative_to - *d;
  }
  throw usage_error(option + ": cannot read '" + text + "' as a time; " + k_time_forms);
}

Micros parse_duration_option(const std::string& option, const std::string& text) {
  auto d = parse_duration(text);
  if (!d || d->count() <= 0) {
    throw usage_error(option + ": cannot read '" + text + "' as a duration; " + k_duration_forms);
  }
  return *d;
}

}  // namespace

Window resolve_window(const WindowOptions& options, Time now, const std::optional<Window>& fallback) {
  Window w{};
  if (!options.around.empty()) {
    if (!options.since.empty() || !options.until.empty()) {
      throw usage_error("--around cannot be combined with --since or --until");
    }
    Time center = parse_time_option("--around", options.around, now);
    Micros width = options.window.empty() ? Micros(std::chrono::minutes(30))
                                          : parse_duration_option("--window", options.window);
    w.since = center - width / 2;
    w.until = center + width / 2;
  } else {
    if (!options.window.empty()) {
      throw usage_error("--window goes with --around");
    }
    if (options.since.empty() && options.until.empty() && fallback) {
      return *fallback;
    }
    // --until first: a relative --since counts back from it.
    w.until = options.until.empty() ? (fallback && options.since.empty() ? fallback->until : now)
                                    : parse_time_option("--until", options.until, now);
    if (options.since.empty()) {
      w.since = fallback ? fallback->since : w.until - std::chrono::hours(24);
      if (w.since >= w.until) {
        w.since = w.until - std::chrono::hours(24);
      }
    } else {
      w.since = parse_time_option("--since", options.since, w.until);
    }
  }
  if (w.since >= w.until) {
    throw usage_error("the window is empty: --since (" + format_utc(w.since) +
                      ") must be before --until (" + format_utc(w.until) + ")");
  }
  if (w.until - w.since > k_max_window) {
    throw usage_error("the window [" + format_utc(w.since) + ", " + format_utc(w.until) +
                      ") is longer than 366 days; narrow it with --since/--until");
  }
  return w;
}

}  // namespace tlrecon
