#pragma once
// The window options of SPEC §3 (--since, --until, --around, --window), as
// the command line gives them, resolved into a Window. Part of the command
// layer: the only place below main that names these options.
#include <optional>
#include <string>

#include "tlrecon/time.hpp"

namespace tlrecon {

struct WindowOptions {
  std::string since;
  std::string until;
  std::string around;
  std::string window;  // the width with --around
};

// Resolves the options against `now` (and `fallback`, a snapshot's own
// window, used when no option is given). Throws Error (exit 2) naming the
// option and the expected form.
Window resolve_window(const WindowOptions& options, Time now, const std::optional<Window>& fallback);

}  // namespace tlrecon
