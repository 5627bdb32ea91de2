#include <sstream>

#include "tlrecon/render_findings.hpp"
#include "tlrecon/render_timeline.hpp"
#include "tlrecon/report.hpp"
#include "tlrecon/report_timeline.hpp"
#include "tlrecon/text.hpp"

namespace tlrecon {

namespace {

std::string paint(const std::string& text, Severity s, bool color) {
  if (!color) {
    return text;
  }
  const char* code = s >= Severity::high ? "\x1b[1;31m" : s == Severity::medium ? "\x1b[33m" : "\x1b[36m";
  return code + text + "\x1b[0m";
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

std::string upper(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return s;
}

// Wraps text at about `width` columns, indenting every line.
std::string wrap(const std::string& text, size_t width, const std::string& indent) {
  std::istringstream words(text);
  std::string word;
  std::string out = indent;
  size_t col = 0;
  while (words >> word) {
    if (col > 0 && col + 1 + word.size() > width) {
      out += "\n" + indent;
      col = 0;
    } else if (col > 0) {
      out += ' ';
      ++col;
    }
    out += word;
    col += word.size();
  }
  return out + "\n";
}

void write_text_timeline_row(std::ostream& out, const ReportOptions& o, const Evidence& e) {
  out << "  " << format_event_time(e.time) << (o.zones.empty() ? "" : "  " + format_in_zone(e.time, o.zones.front())) << "  "
      << pad(e.type, 21) << visible(e.summary) << "\n";
}

// The rows markdown shows (report_timeline.hpp), or with --full every event.
void write_text_timeline(std::ostream& out, const Analysis& a, const ReportCollector& r, const ReportOptions& o) {
  if (o.full) {
    out << "\nTIMELINE (every event, " << r.events() << ")\n";
    for_each_spooled(r, [&](const Evidence& e) { write_text_timeline_row(out, o, e); });
    return;
  }
  out << "\nTIMELINE (events that matter; --full lists every event)\n";
  for (const TimelineRow& row : report_timeline_rows(a, r)) {
    write_text_timeline_row(out, o, row.evidence);
  }
  if (r.timeline_dropped() > 0) {
    out << "  (" << r.timeline_dropped() << " more warnings and task claims, failures or cancellations not listed)\n";
  }
}

}  // namespace

// Every zone of --tz, for the few times a section states.
std::string zones_text(Time t, const ReportOptions& o) {
  std::string s;
  for (const std::string& zone : o.zones) {
    s += (s.empty() ? " (" : ", ") + format_in_zone(t, zone);
  }
  return s.empty() ? s : s + ")";
}

void write_reliability_text(std::ostream& out, const Analysis& a, const ReportCollector& r, const ReportOptions& o) {
  std::vector<WorkflowReliability> rows = r.reliability(a.findings);
  if (rows.empty()) {
    return;
  }
  out << "\nWORKFLOWS\n";
  for (const WorkflowReliability& w : rows) {
    std::string decisions;
    for (const auto& [action, n] : w.decisions) {
      decisions += (decisions.empty() ? "" : ", ") + std::to_string(n) + " " + action;
    }
    std::string executions;
    for (const auto& [status, n] : w.executions) {
      executions += (executions.empty() ? "" : ", ") + std::to_string(n) + " " + status;
    }
    char durations[96] = "";
    if (w.median_seconds && w.max_seconds) {
      std::snprintf(durations, sizeof durations, ", duration median %.1f s, max %.1f s", *w.median_seconds,
                    *w.max_seconds);
    }
    out << "  " << visible(w.workflow) << "\n    decisions: " << visible(decisions.empty() ? "none" : decisions)
        << "; executions: " << visible(executions.empty() ? "none" : executions);
    if (w.success_rate) {
      out << "; " << static_cast<int>(*w.success_rate * 100 + 0.5) << "% succeeded";
    }
    out << "\n    scrapers: " << w.scrapers_triggered << " triggered, " << w.scrapers_succeeded << " succeeded, "
        << w.scrapers_failed << " failed" << durations << "\n    orphaned decisions: " << w.orphaned
        << "; last success: "
        << (w.last_success ? format_utc_short(*w.last_success) +
                                 zones_text(*w.last_success, o)
                           : "never in the window")
        << "\n";
  }
}

void write_report_text(std::ostream& out, const Analysis& a, const ReportCollector& r, const ReportOptions& o) {
  const Window& w = a.window;
  out << "tlrecon report, window [" << format_utc(w.since) << ", " << format_utc(w.until) << "), from "
      << visible(o.source) << "\n\n";
  out << "SOURCES\n";
  for (const TableInfo& t : a.tables) {
    out << "  " << pad(table_name(t.id), 21);
    if (t.state != TableState::ok) {
      out << (t.state == TableState::missing ? "table missing" : table_state_name(t.state)) << ": "
          << visible(t.reason) << "\n";
      continue;
    }
    out << t.rows << " rows, " << t.events << " events";
    if (t.has_time) {
      out << ", " << format_utc_short(t.first) << " to " << format_utc_short(t.last);
    }
    std::string counts = count_words(t);
    for (const std::string& note : coverage_notes(t, a.window)) {
      counts += (counts.empty() ? "" : "; ") + note;
    }
    if (!counts.empty()) {
      out << " (" << visible(counts) << ")";
    }
    out << "\n";
  }
  for (const DetectorStatus& d : a.detectors) {
    if (!d.ran) {
      out << "  not checked: " << d.name << ": " << visible(d.reason) << "\n";
    }
  }
  out << "\nFINDINGS (" << a.findings.size() << ")\n";
  for (const Finding* f : by_severity(a.findings)) {
    out << "\n" << pad(f->id, 4) << paint(pad(upper(severity_name(f->severity)), 9), f->severity, o.color)
        << f->kind << "  " << format_utc_short(f->start) << " -> "
        << (f->open ? "open" : format_utc_short(f->end)) << "\n";
    out << "    " << visible(f->title) << "\n";
    out << wrap(visible(f->detail), 96, "    ");
    for (const Evidence& e : f->evidence) {
      out << "      " << format_event_time(e.time) << "  " << pad(e.table, 20) << visible(e.summary) << "\n";
    }
    if (f->evidence_total > f->evidence.size()) {
      out << "      (" << f->evidence_total - f->evidence.size() << " more)\n";
    }
    if (!f->related.empty()) {
      out << "    related:";
      for (const std::string& id : f->related) {
        out << " " << id;
      }
      out << "\n";
    }
  }
  write_reliability_text(out, a, r, o);
  write_text_timeline(out, a, r, o);
}

namespace {

nlohmann::ordered_json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json reliability_to_json(const WorkflowReliability& w) {
  nlohmann::ordered_json j;
  j["workflow"] = w.workflow;
  j["decisions"] = w.decisions;
  j["executions"] = w.executions;
  j["success_rate"] = optional_number(w.success_rate);
  j["scrapers"] = {{"triggered", w.scrapers_triggered}, {"succeeded", w.scrapers_succeeded},
                   {"failed", w.scrapers_failed}};
  j["duration_seconds"] = {{"median", optional_number(w.median_seconds)}, {"max", optional_number(w.max_seconds)}};
  j["orphaned_decisions"] = w.orphaned;
  j["last_success"] = w.last_success ? nlohmann::ordered_json(format_utc(*w.last_success)) : nullptr;
  return j;
}

// A row the collector did not keep whole (a finding's evidence, a spooled
// event): the fields every timeline event has.
nlohmann::ordered_json evidence_to_json(const Evidence& e) {
  nlohmann::ordered_json j;
  j["time"] = format_utc(e.time);
  j["type"] = e.type;
  j["table"] = e.table;
  j["key"] = e.key;
  j["actor"] = e.actor;
  j["summary"] = e.summary;
  return j;
}

// The same rows as the other formats; with --full (a spool) every event.
void write_json_timeline(std::ostream& out, const Analysis& a, const ReportCollector& r) {
  if (r.spool() != nullptr) {
    out << "  \"timeline\": [";
    bool first = true;
    for_each_spooled(r, [&](const Evidence& e) {
      out << (first ? "\n" : ",\n") << indented(dumped(evidence_to_json(e)));
      first = false;
    });
    out << (first ? "]" : "\n  ]");
    return;
  }
  TimelineRows rows = report_timeline_rows(a, r);
  stream_array(out, "timeline", rows.size(), [&](size_t i) {
    TimelineRow row = rows[i];
    return row.event != nullptr ? event_to_json(*row.event) : evidence_to_json(row.evidence);
  });
}

}  // namespace

void write_report_json(std::ostream& out, const Analysis& a, const ReportCollector& r) {
  write_analysis_json(out, a, "report", Severity::info, true);
  out << ",\n";
  std::vector<std::pair<int64_t, const ActivityRow*>> rows;
  for (const auto& [bucket, row] : r.activity()) {
    rows.emplace_back(bucket, &row);
  }
  stream_array(out, "activity", rows.size(), [&](size_t i) {
    const ActivityRow& row = *rows[i].second;
    nlohmann::ordered_json j;
    j["start"] = format_utc(a.window.since + ReportCollector::k_bucket * rows[i].first);
    j["workers_created"] = row.created;
    j["workers_promoted"] = row.promoted;
    j["workers_terminated"] = row.terminated;
    j["tasks_claimed"] = row.claimed;
    j["decisions"] = row.decisions;
    j["executions"] = row.executions;
    j["logs"] = row.logs;
    return j;
  });
  out << ",\n";
  std::vector<WorkflowReliability> workflows = r.reliability(a.findings);
  stream_array(out, "workflows", workflows.size(), [&](size_t i) { return reliability_to_json(workflows[i]); });
  out << ",\n";
  write_json_timeline(out, a, r);
  out << "\n}\n";
}

}  // namespace tlrecon
