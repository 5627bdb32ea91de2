#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <sstream>

#include "tlrecon/render_timeline.hpp"
#include "tlrecon/report.hpp"
#include "tlrecon/report_timeline.hpp"
#include "tlrecon/text.hpp"

namespace tlrecon {

namespace {

std::string when(Time t, const ReportOptions& o) {
  std::string s = format_utc_short(t);
  for (size_t i = 0; i < o.zones.size(); ++i) {
    s += (i == 0 ? " (" : ", ") + format_in_zone(t, o.zones[i]).substr(11) + (i + 1 == o.zones.size() ? ")" : "");
  }
  return s;
}

std::string zone_names(const ReportOptions& o) {
  std::string s;
  for (const std::string& z : o.zones) {
    s += (s.empty() ? "" : " and ") + z;
  }
  return s;
}

std::string severity_word(Severity s) {
  std::string w = severity_name(s);
  for (char& c : w) {
    c = static_cast<char>(c - 'a' + 'A');
  }
  return w;
}

// Mermaid's gantt grammar breaks on ':' '#' ';' ',' in names: keep names plain.
std::string chart_name(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    bool plain = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == ' ' || c == '(' || c == ')';
    out += plain ? static_cast<char>(c) : '_';
  }
  return out.size() > 60 ? out.substr(0, 60) : out;
}

std::string chart_time(Time t) { return format_utc_short(t); }

// The chart's title names what it draws: a workflows-only incident has no
// worker lifecycles.
std::string chart_title(bool gaps, bool workers, bool findings) {
  std::vector<std::string> parts;
  if (workers) {
    parts.emplace_back("Worker lifecycles");
  }
  if (gaps) {
    parts.emplace_back("logging gaps");
  }
  if (findings) {
    parts.emplace_back("findings");
  }
  std::string title;
  for (size_t i = 0; i < parts.size(); ++i) {
    title += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  }
  if (title.empty()) {
    title = "Nothing to draw";
  }
  title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  return title + " (UTC)";
}

}  // namespace

std::string mermaid_chart(const Analysis& a) { return mermaid_chart(a, a.window); }

std::string mermaid_chart(const Analysis& a, const Window& w) {
  std::ostringstream out;
  auto clip = [&](Time t) { return std::clamp(t, w.since, w.until); };
  int task = 0;
  auto bar = [&](const std::string& name, const std::string& tags, Time start, Time end) {
    start = clip(start);
    end = std::max(clip(end), start);
    out << "    " << chart_name(name) << " :" << tags << (tags.empty() ? "" : ", ") << "t" << ++task << ", "
        << chart_time(start) << ", " << chart_time(end) << "\n";
  };
  std::vector<const Finding*> gaps;
  std::vector<const Finding*> others;
  std::set<std::string> involved;
  for (const Finding& f : a.findings) {
    if (f.start >= w.until || std::max(f.end, f.start + std::chrono::minutes(1)) <= w.since) {
      continue;
    }
    (f.kind == "logging_gap" ? gaps : others).push_back(&f);
    for (const std::string& e : f.entities) {
      involved.insert(e);
    }
  }
  if (!gaps.empty()) {
    out << "    section Logging gaps\n";
    for (const Finding* f : gaps) {
      bar(f->id + " " + f->entities.front() + " silent", f->severity >= Severity::high ? "crit" : "", f->start, f->end);
    }
  }
  // Workers alive inside the window: those in findings first, at most 40.
  std::vector<std::pair<std::string, const WorkerLife*>> shown;
  for (const auto& [id, life] : a.workers.workers()) {
    if (!life.created()) {
      continue;
    }
    std::optional<Time> end = life.end();
    if (life.created()->time >= w.until || (end && *end < w.since)) {
      continue;
    }
    shown.emplace_back(id, &life);
  }
  std::stable_sort(shown.begin(), shown.end(), [&](const auto& x, const auto& y) {
    return involved.count(x.first) > involved.count(y.first);
  });
  constexpr size_t k_max_workers = 40;
  size_t omitted = shown.size() > k_max_workers ? shown.size() - k_max_workers : 0;
  shown.resize(std::min(shown.size(), k_max_workers));
  std::sort(shown.begin(), shown.end(), [](const auto& x, const auto& y) {
    return std::tie(x.second->created()->time, x.first) < std::tie(y.second->created()->time, y.first);
  });
  if (!shown.empty()) {
    out << "    section Workers" << (omitted > 0 ? " (" + std::to_string(omitted) + " more not drawn)" : "") << "\n";
    for (const auto& [id, life] : shown) {
      std::optional<Time> end = life->end();
      Time stop = end ? *end : w.until;
      if (life->promoted() && life->promoted()->time <= stop) {
        bar(id + " spawning", "", life->created()->time, life->promoted()->time);
        bar(id + " active", "active", life->promoted()->time, stop);
      } else {
        bar(id + " never active", "crit", life->created()->time, stop);
      }
    }
  }
  if (!others.empty()) {
    out << "    section Findings\n";
    for (const Finding* f : others) {
      // At least a minute wide, so an instant finding is visible.
      Time end = std::max(f->end, f->start + std::chrono::minutes(1));
      bar(f->id + " " + f->kind, f->severity >= Severity::high ? "crit" : "", f->start, end);
    }
  }
  std::string zoom = w.since == a.window.since && w.until == a.window.until
                         ? ""
                         : ", " + format_utc_short(w.since).substr(11, 5) + " to " + format_utc_short(w.until).substr(11, 5);
  std::string title = chart_title(!gaps.empty(), !shown.empty(), !others.empty());
  return "gantt\n    title " + title.insert(title.size() - 1, zoom) +
         "\n    dateFormat YYYY-MM-DD HH:mm:ss\n    axisFormat %H:%M\n" + out.str();
}

namespace {

void write_title(std::ostream& out, const Window& w, const ReportOptions& o) {
  out << "# tlrecon report: " << format_utc_short(w.since) << " to " << format_utc_short(w.until) << " UTC\n\n";
  out << "Window `[" << format_utc(w.since) << ", " << format_utc(w.until) << ")`, read from " << md_text(o.source)
      << " by tlrecon " << TLRECON_VERSION << ". Times are UTC"
      << (o.zones.empty() ? "" : ", with " + zone_names(o) + " in parentheses") << ".\n\n";
}

// "**2 high**, **1 low** findings."
void write_finding_counts(std::ostream& out, const std::vector<Finding>& findings) {
  if (findings.empty()) {
    out << "No findings.";
    return;
  }
  std::map<Severity, size_t> counts;
  for (const Finding& f : findings) {
    ++counts[f.severity];
  }
  std::string sep;
  for (Severity s : {Severity::critical, Severity::high, Severity::medium, Severity::low, Severity::info}) {
    if (counts[s] > 0) {
      out << sep << "**" << counts[s] << " " << severity_name(s) << "**";
      sep = ", ";
    }
  }
  out << (findings.size() == 1 ? " finding." : " findings.");
}

// What a reader must know about a table's rows beside its counts.
std::string table_notes(const TableInfo& t, const Window& w) {
  if (t.state != TableState::ok) {
    return md_text(t.reason);
  }
  std::string notes;
  std::string counts = count_words(t);
  if (!counts.empty()) {
    notes += md_text(counts) + "; ";
  }
  for (const std::string& note : coverage_notes(t, w)) {
    notes += md_text(note) + "; ";
  }
  if (!t.unmapped.empty()) {
    std::string cols;
    for (const std::string& c : t.unmapped) {
      cols += (cols.empty() ? "" : ", ") + c;
    }
    notes += "columns not found: " + md_text(cols) + "; ";
  }
  if (notes.size() >= 2) {
    notes.resize(notes.size() - 2);
  }
  return notes;
}

void write_summary(std::ostream& out, const Analysis& a, const ReportOptions& o) {
  out << "## Summary\n\n";
  write_finding_counts(out, a.findings);
  out << "\n\n| table | status | rows | events | first | last | notes |\n|---|---|--:|--:|---|---|---|\n";
  for (const TableInfo& t : a.tables) {
    std::string status = t.state == TableState::ok ? (t.rows == 0 ? "no rows" : "ok")
                         : t.state == TableState::missing ? "table missing" : table_state_name(t.state);
    out << "| " << table_name(t.id) << " | " << status << " | " << t.rows << " | " << t.events << " | "
        << (t.has_time ? when(t.first, o) : "") << " | " << (t.has_time ? when(t.last, o) : "") << " | "
        << table_notes(t, a.window) << " |\n";
  }
  bool skipped = false;
  for (const DetectorStatus& d : a.detectors) {
    if (!d.ran) {
      out << (skipped ? "" : "\nNot checked:\n\n") << "- `" << d.name << "`: " << md_text(d.reason) << "\n";
      skipped = true;
    }
  }
  out << "\n";
}

void write_finding(std::ostream& out, const Finding& f, const ReportOptions& o) {
  out << "### " << f.id << " · " << severity_word(f.severity) << " · " << f.kind << "\n\n";
  out << "**" << md_text(f.title) << "**\n\n";
  out << "- When: " << when(f.start, o) << " to " << (f.open ? "the window's end, still open" : when(f.end, o))
      << " (" << format_duration(f.end - f.start) << ")\n";
  out << "- Entities:";
  for (const std::string& e : f.entities) {
    out << " " << md_code(e, false);
  }
  out << "\n";
  if (!f.related.empty()) {
    out << "- Related:";
    for (const std::string& id : f.related) {
      out << " " << id;
    }
    out << "\n";
  }
  out << "\n" << md_text(f.detail) << "\n\n";
  out << "| time (UTC) | table | key | evidence |\n|---|---|---|---|\n";
  for (const Evidence& e : f.evidence) {
    out << "| " << when(e.time, o) << " | " << e.table << " | " << md_code(e.key) << " | " << md_text(e.summary)
        << " |\n";
  }
  if (f.evidence_total > f.evidence.size()) {
    out << "\n" << f.evidence_total - f.evidence.size() << " more evidence rows not listed.\n";
  }
  out << "\n";
}

void write_findings(std::ostream& out, const Analysis& a, const ReportOptions& o) {
  out << "## Findings\n\n";
  if (a.findings.empty()) {
    out << "None.\n\n";
  }
  for (const Finding* f : by_severity(a.findings)) {
    write_finding(out, *f, o);
  }
}

// The count columns of the activity table: none for a table that could not be read.
struct ActivityColumns {
  bool workers;
  bool tasks;
  bool decisions;
  bool executions;
  const std::vector<std::string>& logs;
};

void write_activity_header(std::ostream& out, const ActivityColumns& c) {
  out << "| window (UTC) |";
  std::string rule = "|---|";
  if (c.workers) {
    out << " workers created | promoted | terminated |";
    rule += "--:|--:|--:|";
  }
  if (c.tasks) {
    out << " tasks claimed |";
    rule += "--:|";
  }
  if (c.decisions) {
    out << " decisions |";
    rule += "--:|";
  }
  if (c.executions) {
    out << " executions |";
    rule += "--:|";
  }
  for (const std::string& log : c.logs) {
    out << " logs " << md_text(log) << " |";
    rule += "--:|";
  }
  out << "\n" << rule << "\n";
}

std::string activity_cells(const ActivityColumns& c, const ActivityRow& row) {
  std::ostringstream cells;
  if (c.workers) {
    cells << " " << row.created << " | " << row.promoted << " | " << row.terminated << " |";
  }
  if (c.tasks) {
    cells << " " << row.claimed << " |";
  }
  if (c.decisions) {
    cells << " " << row.decisions << " |";
  }
  if (c.executions) {
    cells << " " << row.executions << " |";
  }
  for (const std::string& log : c.logs) {
    auto it = row.logs.find(log);
    cells << " " << (it == row.logs.end() ? 0 : it->second) << " |";
  }
  return cells.str();
}

// Consecutive windows with no lifecycle event and no finding, shown as one
// summed row so that a long window's table stays readable.
struct QuietRun {
  ActivityRow sum;  // logs only: a quiet window has no lifecycle counts
  int64_t from = 0;
  int64_t count = 0;

  void add(int64_t bucket, const ActivityRow& row) {
    if (count == 0) {
      from = bucket;
    }
    ++count;
    for (const auto& [column, n] : row.logs) {
      sum.logs[column] += n;
    }
  }
};

void flush_quiet(std::ostream& out, const Window& w, const ActivityColumns& c, QuietRun& quiet) {
  if (quiet.count == 0) {
    return;
  }
  Time from = w.since + ReportCollector::k_bucket * quiet.from;
  Time to = from + ReportCollector::k_bucket * quiet.count;
  out << "| " << format_clock(from) << "–" << format_clock(std::min(to, w.until)) << " (" << quiet.count
      << " quiet windows, summed) |" << activity_cells(c, quiet.sum) << "\n";
  quiet = QuietRun{};
}

bool overlaps_finding(const std::vector<Finding>& findings, Time start, Time end) {
  for (const Finding& f : findings) {
    if (f.start < end && f.end >= start) {
      return true;
    }
  }
  return false;
}

void write_activity(std::ostream& out, const Analysis& a, const ReportCollector& r) {
  const Window& w = a.window;
  out << "## Activity per 5 minutes\n\n";
  ActivityColumns columns{a.tables[0].state == TableState::ok, a.tables[1].state == TableState::ok,
                          a.tables[2].state == TableState::ok, a.tables[3].state == TableState::ok,
                          r.log_columns()};
  write_activity_header(out, columns);
  int64_t buckets = (w.until - w.since + ReportCollector::k_bucket - Micros(1)) / ReportCollector::k_bucket;
  QuietRun quiet;
  for (int64_t b = 0; b < buckets; ++b) {
    Time start = w.since + ReportCollector::k_bucket * b;
    Time end = std::min(start + ReportCollector::k_bucket, w.until);
    auto it = r.activity().find(b);
    ActivityRow row = it == r.activity().end() ? ActivityRow{} : it->second;
    // Up to four hours every window is shown; beyond, only those with something to see.
    if (buckets > 48 && !row.any_lifecycle() && !overlaps_finding(a.findings, start, end)) {
      quiet.add(b, row);
      continue;
    }
    flush_quiet(out, w, columns, quiet);
    out << "| " << format_clock(start) << "–" << format_clock(end) << " |" << activity_cells(columns, row) << "\n";
  }
  flush_quiet(out, w, columns, quiet);
  out << "\n";
}

void write_timeline_row(std::ostream& out, const ReportOptions& o, Time t, const std::string& table,
                        const std::string& type, const std::string& actor, const std::string& summary) {
  out << "| " << format_event_time(t) << " |";
  for (const std::string& zone : o.zones) {
    out << " " << format_in_zone(t, zone).substr(11) << " |";
  }
  out << " " << table << " | " << type << " | " << md_code(actor) << " | " << md_text(summary) << " |\n";
}

// With --full the events are in the collector's spool.
void write_spooled_timeline(std::ostream& out, const ReportCollector& r, const ReportOptions& o) {
  for_each_spooled(r, [&](const Evidence& e) { write_timeline_row(out, o, e.time, e.table, e.type, e.actor, e.summary); });
}

void write_timeline(std::ostream& out, const Analysis& a, const ReportCollector& r, const ReportOptions& o) {
  out << "## Timeline\n\n";
  if (o.full) {
    out << "Every event in the window (" << r.events() << ").\n\n";
  } else {
    out << "The events that matter: worker lifecycles, task claims and failures, decisions, executions, "
           "annotations, warnings and above, the first and last log of each source, and every finding's "
           "evidence. `--full` lists every event.\n\n";
  }
  out << "| time (UTC) |";
  for (const std::string& zone : o.zones) {
    out << " " << zone << " |";
  }
  out << " table | event | actor | summary |\n|---|";
  for (size_t i = 0; i < o.zones.size(); ++i) {
    out << "---|";
  }
  out << "---|---|---|---|\n";
  if (o.full && r.spool() != nullptr) {
    write_spooled_timeline(out, r, o);
    return;
  }
  for (const TimelineRow& row : report_timeline_rows(a, r)) {
    const Evidence& e = row.evidence;
    write_timeline_row(out, o, e.time, e.table, e.type, e.actor, e.summary);
  }
  if (r.timeline_dropped() > 0) {
    out << "\n" << r.timeline_dropped() << " more warnings and task claims, failures or cancellations not listed; `--full` lists them.\n";
  }
}

// When the findings that matter most cluster in a small part of a long
// window (the 2025-10-16 story: 30 minutes of 7 hours), their bars are
// slivers in the whole chart: a second chart shows just that span.
void write_zoomed_chart(std::ostream& out, const Analysis& a) {
  std::optional<Window> span;
  Severity top = Severity::info;
  for (const Finding& f : a.findings) {
    top = std::max(top, f.severity);
  }
  Severity level = std::min(top, Severity::medium);
  for (const Finding& f : a.findings) {
    if (f.severity < level) {
      continue;
    }
    Window fw{std::max(f.start, a.window.since), std::min(std::max(f.end, f.start + std::chrono::minutes(1)), a.window.until)};
    span = span ? Window{std::min(span->since, fw.since), std::max(span->until, fw.until)} : fw;
  }
  Micros whole = a.window.until - a.window.since;
  if (!span || span->until <= span->since || (span->until - span->since) * 4 > whole) {
    return;
  }
  // A margin of a tenth on each side, within the window.
  Micros margin = (span->until - span->since) / 10;
  Window zoom{std::max(a.window.since, span->since - margin), std::min(a.window.until, span->until + margin)};
  out << "The findings at " << severity_name(level) << " and above fall within " << format_utc_short(zoom.since)
      << " to " << format_utc_short(zoom.until) << " UTC; zoomed:\n\n```mermaid\n" << mermaid_chart(a, zoom)
      << "```\n\n";
}

}  // namespace

std::string seconds_text(const std::optional<double>& s) {
  if (!s) {
    return "–";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", *s);
  return buf;
}

std::string counts_text(const std::map<std::string, uint64_t>& counts) {
  std::string out;
  for (const auto& [name, n] : counts) {
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + name;
  }
  return out.empty() ? "–" : out;
}

void write_reliability(std::ostream& out, const Analysis& a, const ReportCollector& r, const ReportOptions& o) {
  std::vector<WorkflowReliability> rows = r.reliability(a.findings);
  if (rows.empty()) {
    return;
  }
  out << "## Workflow reliability\n\n"
      << "| workflow | decisions | executions | success | scrapers triggered / succeeded / failed | "
         "duration median / max | orphaned decisions | last success |\n"
      << "|---|---|---|---|---|---|---|---|\n";
  for (const WorkflowReliability& w : rows) {
    std::string rate = "–";
    if (w.success_rate) {
      rate = std::to_string(static_cast<int>(*w.success_rate * 100 + 0.5)) + "% (" + std::to_string(w.completed) +
             " of " + std::to_string(w.completed + w.failed) + ")";
    }
    out << "| " << md_code(w.workflow) << " | " << md_text(counts_text(w.decisions)) << " | "
        << md_text(counts_text(w.executions)) << " | " << rate << " | " << w.scrapers_triggered << " / "
        << w.scrapers_succeeded << " / " << w.scrapers_failed << " | " << seconds_text(w.median_seconds) << " / "
        << seconds_text(w.max_seconds) << " | " << w.orphaned << " | "
        << (w.last_success ? when(*w.last_success, o) : "never in the window") << " |\n";
  }
  out << "\n";
}

void write_report_markdown(std::ostream& out, const Analysis& a, const ReportCollector& r,
                           const ReportOptions& o) {
  write_title(out, a.window, o);
  // 1. Summary: what was read, what was found, what could not be checked.
  write_summary(out, a, o);
  // 2. Findings, most severe first, each with its evidence.
  write_findings(out, a, o);
  // 3. How reliable each workflow was.
  write_reliability(out, a, r, o);
  // 4. Activity per 5 minutes.
  write_activity(out, a, r);
  // 5. The picture.
  out << "## Chart\n\n```mermaid\n" << mermaid_chart(a) << "```\n\n";
  write_zoomed_chart(out, a);
  // 6. The merged timeline.
  write_timeline(out, a, r, o);
}

}  // namespace tlrecon
