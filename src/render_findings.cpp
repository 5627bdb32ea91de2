#include "tlrecon/render_findings.hpp"

#include <algorithm>

#include "tlrecon/render_timeline.hpp"
#include "tlrecon/text.hpp"

namespace tlrecon {

using ojson = nlohmann::ordered_json;

ojson finding_to_json(const Finding& f) {
  ojson j;
  j["id"] = f.id;
  j["kind"] = f.kind;
  j["severity"] = severity_name(f.severity);
  j["start"] = format_utc(f.start);
  j["end"] = format_utc(f.end);
  j["open"] = f.open;
  j["entities"] = f.entities;
  j["title"] = f.title;
  j["detail"] = f.detail;
  ojson evidence = ojson::array();
  for (const Evidence& e : f.evidence) {
    evidence.push_back({{"table", e.table}, {"key", e.key}, {"time", format_utc(e.time)}, {"type", e.type},
                        {"summary", e.summary}});
  }
  j["evidence"] = evidence;
  j["evidence_total"] = f.evidence_total;
  j["related"] = f.related;
  return j;
}

std::string dumped(const ojson& j) { return j.dump(2, ' ', false, ojson::error_handler_t::replace); }

std::string indented(const std::string& text) {
  std::string out = "    ";
  for (char c : text) {
    out += c;
    if (c == '\n') {
      out += "    ";
    }
  }
  return out;
}

namespace {

// The findings at or above `min_severity`, most severe first.
std::vector<const Finding*> shown(const Analysis& a, Severity min_severity) {
  std::vector<const Finding*> out = by_severity(a.findings);
  out.erase(std::remove_if(out.begin(), out.end(), [&](const Finding* f) { return f->severity < min_severity; }),
            out.end());
  return out;
}

// The document but its findings.
ojson head_json(const Analysis& a, const std::string& command) {
  ojson j;
  j["tool"] = "tlrecon";
  j["version"] = TLRECON_VERSION;
  j["schema_version"] = k_schema_version;
  j["command"] = command;
  j["window"] = {{"since", format_utc(a.window.since)}, {"until", format_utc(a.window.until)}};
  ojson sources = ojson::array();
  for (const TableInfo& t : a.tables) {
    sources.push_back(table_to_json(t, a.window));
  }
  j["sources"] = sources;
  ojson detectors = ojson::array();
  for (const DetectorStatus& d : a.detectors) {
    detectors.push_back({{"name", d.name}, {"status", d.ran ? "ran" : "skipped"}, {"reason", d.reason}});
  }
  j["detectors"] = detectors;
  return j;
}

}  // namespace

void write_analysis_json(std::ostream& out, const Analysis& a, const std::string& command, Severity min_severity,
                         bool open) {
  std::string head = dumped(head_json(a, command));
  head.resize(head.size() - 2);  // the closing "\n}": the findings follow
  out << head << ",\n";
  const std::vector<const Finding*> findings = shown(a, min_severity);
  stream_array(out, "findings", findings.size(), [&](size_t i) { return finding_to_json(*findings[i]); });
  if (!open) {
    out << "\n}\n";
  }
}

size_t count_at_or_above(const Analysis& a, Severity level) {
  size_t n = 0;
  for (const Finding& f : a.findings) {
    n += f.severity >= level;
  }
  return n;
}

namespace {

std::string upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return s;
}

std::string padded(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

}  // namespace

void write_check_text(std::ostream& out, const Analysis& a, Severity min_severity,
                      std::optional<Severity> fail_on) {
  out << "tlrecon check, window [" << format_utc(a.window.since) << ", " << format_utc(a.window.until)
      << ")\n";
  size_t shown = 0;
  for (const Finding* f : by_severity(a.findings)) {
    if (f->severity < min_severity) {
      continue;
    }
    ++shown;
    out << padded(f->id, 4) << padded(upper(severity_name(f->severity)), 9) << padded(f->kind, 22)
        << format_utc_short(f->start) << " → " << (f->open ? "open" : format_utc_short(f->end)) << "\n"
        << "    " << visible(f->title) << "\n";
  }
  if (shown == 0) {
    out << "no findings" << (min_severity > Severity::info ? std::string(" at or above ") + severity_name(min_severity) : "")
        << "\n";
  }
  for (const TableInfo& t : a.tables) {
    if (t.state != TableState::ok) {
      out << "source " << table_name(t.id) << ": " << table_state_name(t.state) << " (" << visible(t.reason) << ")\n";
    } else {
      std::string said = count_words(t);
      for (const std::string& note : coverage_notes(t, a.window)) {
        said += (said.empty() ? "" : "; ") + note;
      }
      if (!said.empty()) {
        out << "source " << table_name(t.id) << ": " << visible(said) << "\n";
      }
    }
  }
  for (const DetectorStatus& d : a.detectors) {
    if (!d.ran) {
      out << "skipped " << d.name << ": " << visible(d.reason) << "\n";
    }
  }
  if (fail_on) {
    size_t n = count_at_or_above(a, *fail_on);
    out << n << (n == 1 ? " finding" : " findings") << " at or above " << severity_name(*fail_on)
        << (n > 0 ? ": fail" : ": pass") << "\n";
  }
}

}  // namespace tlrecon
