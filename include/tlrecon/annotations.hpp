#pragma once
// External events merged into the timeline (--annotate FILE): deploys,
// restarts, pages. A file is CSV (time,source,message, as
// `git log --format='%cI,%h,%s'` writes it; the message may hold commas) or
// JSONL ({"time": …, "source": …, "message": …}); a line starting with "{"
// is JSON. A bad line is exit 2 with the file and line number.
#include <string>
#include <vector>

#include "tlrecon/event.hpp"

namespace tlrecon {

std::vector<Event> read_annotations(const std::string& path, const Window& window);

}  // namespace tlrecon
