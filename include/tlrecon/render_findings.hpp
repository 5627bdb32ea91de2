#pragma once
// Findings for machines (the JSON document of SPEC §5, schema in
// docs/report.schema.json) and for `tlrecon check`'s text output.
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "tlrecon/analysis.hpp"

namespace tlrecon {

// Of every JSON output (this document, the jsonl timeline's header):
// major.minor as a number (docs/json.md, Versioning). 1.1: the table status hidden.
constexpr double k_schema_version = 1.1;

nlohmann::ordered_json finding_to_json(const Finding& f);
// The whole document: tool, version, schema_version, window, sources,
// detectors, findings (most severe first); `command` is "check" or
// "report". The bytes of one JSON value's dump(2) and a newline, but each
// finding dumped on its own: on a day whose workers' logging broke (2,620
// findings with their evidence) the document as one JSON value took check
// --format json to 70 MiB, where the text output took 35. `open`: stop
// after the findings array (no newline, no closing brace), for the
// report's keys that follow.
void write_analysis_json(std::ostream& out, const Analysis& a, const std::string& command, Severity min_severity,
                         bool open = false);

// A value as every JSON document here is dumped: indented by 2, invalid
// UTF-8 replaced.
std::string dumped(const nlohmann::ordered_json& j);
// An array element as dump(2) indents it inside the document.
std::string indented(const std::string& text);

// Writes `"name": [ … ]` one element at a time, indented as dump(2) would
// indent it inside the document, so the output is the same bytes as the
// whole document dumped at once, without holding it.
template <class Each>
void stream_array(std::ostream& out, const char* name, size_t count, Each&& element) {
  out << "  \"" << name << "\": [";
  if (count == 0) {
    out << "]";
    return;
  }
  for (size_t i = 0; i < count; ++i) {
    out << (i == 0 ? "\n" : ",\n") << indented(dumped(element(i)));
  }
  out << "\n  ]";
}

// `tlrecon check --format text`.
void write_check_text(std::ostream& out, const Analysis& a, Severity min_severity,
                      std::optional<Severity> fail_on);

// How many findings are at or above `level`.
size_t count_at_or_above(const Analysis& a, Severity level);

}  // namespace tlrecon
