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
// detectors, findings (most severe first). `command` is "check" or "report".
nlohmann::ordered_json analysis_to_json(const Analysis& a, const std::string& command,
                                        Severity min_severity);

// `tlrecon check --format text`.
void write_check_text(std::ostream& out, const Analysis& a, Severity min_severity,
                      std::optional<Severity> fail_on);

// How many findings are at or above `level`.
size_t count_at_or_above(const Analysis& a, Severity level);

}  // namespace tlrecon
