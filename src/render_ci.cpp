#include "tlrecon/render_ci.hpp"

#include <algorithm>
#include <set>

#include "tlrecon/render_findings.hpp"
#include "tlrecon/render_timeline.hpp"
#include "tlrecon/text.hpp"

namespace tlrecon {

std::string xml_escape(const std::string& text) {
  // visible() leaves no C0 control and no invalid UTF-8; what remains to
  // escape is markup, and U+FFFE/U+FFFF, which XML 1.0 forbids too. Line
  // breaks are kept: the failure's body is read as lines.
  std::string shown;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = std::min(text.find('\n', begin), text.size());
    shown += visible(std::string_view(text).substr(begin, end - begin));
    if (end < text.size()) {
      shown += '\n';
    }
    begin = end + 1;
  }
  std::string out;
  out.reserve(shown.size());
  for (size_t i = 0; i < shown.size(); ++i) {
    char c = shown[i];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (shown.compare(i, 3, "\xef\xbf\xbe") == 0 || shown.compare(i, 3, "\xef\xbf\xbf") == 0) {
          out += shown[i + 2] == '\xbe' ? "\\ufffe" : "\\uffff";
          i += 2;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string github_data(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      default: out += c;
    }
  }
  return out;
}

std::string github_property(const std::string& text) {
  std::string out;
  for (char c : github_data(text)) {
    switch (c) {
      case ':': out += "%3A"; break;
      case ',': out += "%2C"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// An attribute value is one line: a parser would turn line breaks into spaces.
std::string attr(const std::string& text) { return xml_escape(visible(text)); }

std::string window_text(const Window& w) {
  return "[" + format_utc(w.since) + ", " + format_utc(w.until) + ")";
}

std::string upper(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return s;
}

// A finding as the body of its failure: when, the detail, the evidence rows.
// Data is made visible piece by piece: the only line breaks are ours.
std::string finding_body(const Finding& f) {
  std::string body =
      format_utc(f.start) + " to " + (f.open ? "open" : format_utc(f.end)) + "\n" + visible(f.detail) + "\n";
  for (const Evidence& e : f.evidence) {
    body += format_utc(e.time) + " " + e.table + " " + visible(e.key) + ": " + visible(e.summary) + "\n";
  }
  if (f.evidence_total > f.evidence.size()) {
    body += "(" + std::to_string(f.evidence_total - f.evidence.size()) + " more)\n";
  }
  return body;
}

}  // namespace

void write_check_junit(std::ostream& out, const Analysis& a, Severity fail_on) {
  std::vector<const Finding*> failing;
  std::set<std::string> failing_detectors;
  for (const Finding* f : by_severity(a.findings)) {
    if (f->severity >= fail_on) {
      failing.push_back(f);
      failing_detectors.insert(f->detector);
    }
  }
  size_t skipped = 0;
  size_t passed = 0;
  for (const DetectorStatus& d : a.detectors) {
    skipped += !d.ran;
    passed += d.ran && failing_detectors.count(d.name) == 0;
  }
  size_t tests = failing.size() + skipped + passed;
  std::string counts = "tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failing.size()) +
                       "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\"";
  std::string name = attr("tlrecon check " + window_text(a.window));
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"tlrecon\" " << counts << ">\n"
      << "  <testsuite name=\"" << name << "\" " << counts << " timestamp=\"" << format_utc(a.window.until)
      << "\">\n";
  for (const Finding* f : failing) {
    out << "    <testcase classname=\"tlrecon." << attr(f->kind) << "\" name=\""
        << attr(f->id + " " + upper(severity_name(f->severity)) + " " + f->title) << "\">\n"
        << "      <failure type=\"" << attr(f->kind) << "\" message=\"" << attr(f->title) << "\">"
        << xml_escape(finding_body(*f)) << "</failure>\n"
        << "    </testcase>\n";
  }
  for (const DetectorStatus& d : a.detectors) {
    if (!d.ran) {
      out << "    <testcase classname=\"tlrecon.detector\" name=\"" << attr(d.name) << "\">\n"
          << "      <skipped message=\"" << attr(d.reason) << "\"/>\n"
          << "    </testcase>\n";
    } else if (failing_detectors.count(d.name) == 0) {
      out << "    <testcase classname=\"tlrecon.detector\" name=\"" << attr(d.name) << "\"/>\n";
    }
  }
  out << "  </testsuite>\n</testsuites>\n";
}

void write_check_github(std::ostream& out, const Analysis& a, Severity min_severity, Severity fail_on) {
  size_t failing = 0;
  for (const Finding* f : by_severity(a.findings)) {
    if (f->severity < min_severity) {
      continue;
    }
    bool fails = f->severity >= fail_on;
    failing += fails;
    std::string title = f->id + " " + upper(severity_name(f->severity)) + " " + f->kind + ": " + visible(f->title);
    std::string message = format_utc(f->start) + " to " + (f->open ? "open" : format_utc(f->end)) + "\n" +
                          visible(f->detail);
    out << (fails ? "::error" : "::warning") << " title=" << github_property(title) << "::" << github_data(message)
        << "\n";
  }
  for (const DetectorStatus& d : a.detectors) {
    if (!d.ran) {
      out << "::notice title=" << github_property("skipped " + d.name) << "::" << github_data(visible(d.reason))
          << "\n";
    }
  }
  out << "tlrecon check " << window_text(a.window) << ": " << failing << (failing == 1 ? " finding" : " findings")
      << " at or above " << severity_name(fail_on) << (failing > 0 ? ": fail" : ": pass") << "\n";
}

}  // namespace tlrecon
