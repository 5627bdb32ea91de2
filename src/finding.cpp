#include "tlrecon/finding.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "tlrecon/detector.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/text.hpp"

namespace tlrecon {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::low: return "low";
    case Severity::medium: return "medium";
    case Severity::high: return "high";
    case Severity::critical: return "critical";
  }
  return "?";
}

std::optional<Severity> parse_severity(const std::string& text) {
  for (Severity s : {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    if (text == severity_name(s)) {
      return s;
    }
  }
  return std::nullopt;
}

Evidence evidence_of(const Event& e) {
  if (e.message_withheld) {
    // A detector kept a log line the analysis did not give its message back
    // to (Detector::kept_logs): a bug, said rather than printed as empty.
    throw Error(k_exit_internal, "internal error: the message of log row " + e.key + " was not fetched");
  }
  return Evidence{origin_name(e.origin), e.key, e.time, summary_of(e), event_type_name(e.type), actor_of(e)};
}

Finding new_finding(std::string kind, Severity severity, Time start, Time end,
                    std::vector<std::string> entities) {
  Finding f;
  f.kind = std::move(kind);
  f.severity = severity;
  f.start = start;
  f.end = end;
  f.entities = std::move(entities);
  return f;
}

std::string ref_of(const Finding& f) {
  std::string ref = f.kind;
  for (const std::string& e : f.entities) {
    ref += '\x1f' + e;
  }
  return ref + '\x1f' + format_utc(f.start);
}

void relate(Finding& f, const Finding& other) { f.related_refs.push_back(ref_of(other)); }

void add_evidence(Finding& f, const Event& e, size_t max) {
  ++f.evidence_total;
  if (f.evidence.size() < max) {
    f.evidence.push_back(evidence_of(e));
  }
}

void add_evidence(Finding& f, Evidence e, size_t max) {
  ++f.evidence_total;
  if (f.evidence.size() < max) {
    f.evidence.push_back(std::move(e));
  }
}

Evidence TaskMark::evidence() const {
  Event e;
  e.time = time;
  e.type = type;
  e.origin = Origin::tasks;
  e.key = key;
  e.worker_id = worker_id;
  return evidence_of(e);
}

void number_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.start, a.kind, a.entities, a.end) < std::tie(b.start, b.kind, b.entities, b.end);
  });
  for (Finding& f : findings) {
    // A title is one line, whatever the ids in it hold.
    f.title = visible(f.title);
    std::stable_sort(f.evidence.begin(), f.evidence.end(),
                     [](const Evidence& a, const Evidence& b) { return a.time < b.time; });
  }
  std::map<std::string, std::string> ids;
  for (size_t i = 0; i < findings.size(); ++i) {
    findings[i].id = "F" + std::to_string(i + 1);
    ids[ref_of(findings[i])] = findings[i].id;
  }
  for (Finding& f : findings) {
    for (const std::string& ref : f.related_refs) {
      auto it = ids.find(ref);
      if (it != ids.end()) {
        f.related.push_back(it->second);
      }
    }
  }
  // A relation holds both ways.
  for (Finding& f : findings) {
    for (const std::string& id : f.related) {
      Finding& other = findings[std::stoul(id.substr(1)) - 1];
      if (std::find(other.related.begin(), other.related.end(), f.id) == other.related.end()) {
        other.related.push_back(f.id);
      }
    }
  }
  for (Finding& f : findings) {
    std::sort(f.related.begin(), f.related.end(), [](const std::string& a, const std::string& b) {
      return std::stoul(a.substr(1)) < std::stoul(b.substr(1));
    });
  }
}

std::vector<Detector*> finishing_order(const std::vector<Detector*>& detectors) {
  // A handful of detectors: repeated passes take each whose readers are done.
  std::vector<Detector*> order;
  std::vector<Detector*> left = detectors;
  while (!left.empty()) {
    size_t before = left.size();
    for (auto it = left.begin(); it != left.end();) {
      bool ready = true;
      for (const std::string& name : (*it)->reads()) {
        for (Detector* other : left) {
          ready = ready && (other == *it || name != other->name());
        }
      }
      if (ready) {
        order.push_back(*it);
        it = left.erase(it);
      } else {
        ++it;
      }
    }
    if (left.size() == before) {
      throw Error(k_exit_internal, std::string("detectors read each other's findings in a cycle: ") +
                                       left.front()->name());
    }
  }
  return order;
}

std::string skip_reason(const Detector& d, const std::vector<TableInfo>& tables, const Window& window) {
  for (const auto& [table, field] : d.needs()) {
    const TableInfo& t = tables[static_cast<int>(table)];
    if (t.state != TableState::ok) {
      return std::string("needs ") + table_name(table) + ", which is " + table_state_name(t.state) +
             (t.reason.empty() ? "" : " (" + t.reason + ")");
    }
    if (field >= 0) {
      const std::string& name = field_names(table)[field];
      if (std::find(t.unmapped.begin(), t.unmapped.end(), name) != t.unmapped.end()) {
        return std::string("needs ") + table_name(table) + "." + name + ", which is not in the table";
      }
    }
    if (table == TableId::system_logs && logs_kept_from(tables, window) >= window.until) {
      return "no logs are kept for the window: system_logs begins at " + format_utc(*t.kept_since) +
             " (older rows are deleted by its retention)";
    }
  }
  return "";
}

}  // namespace tlrecon
