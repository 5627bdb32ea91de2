#pragma once
// `tlrecon check` in the formats CI systems read: JUnit XML (GitLab's
// artifacts:reports:junit, Jenkins' junit step) and GitHub Actions workflow
// commands (annotations on the run). Both carry the same verdict as the text:
// a finding at or above --fail-on is a failure, and the exit code says so.
#include <ostream>
#include <string>

#include "tlrecon/analysis.hpp"

namespace tlrecon {

// testsuites/testsuite/testcase: one test case with a <failure> per finding
// at or above `fail_on`, one passing test case per detector that ran without
// such a finding, a <skipped/> one per detector that did not run.
void write_check_junit(std::ostream& out, const Analysis& a, Severity fail_on);

// `::error` per finding at or above `fail_on`, `::warning` for the others at
// or above `min_severity`, `::notice` per skipped detector, then the verdict.
void write_check_github(std::ostream& out, const Analysis& a, Severity min_severity, Severity fail_on);

// Text made safe for XML 1.0 character data and attribute values: markup
// escaped, characters XML 1.0 forbids (most C0 controls) made visible.
std::string xml_escape(const std::string& text);
// GitHub's escaping of a workflow command's message, and of a property value
// (which also escapes ':' and ',').
std::string github_data(const std::string& text);
std::string github_property(const std::string& text);

}  // namespace tlrecon
