#pragma once
// What the detectors report (SPEC §4): a kind, a severity, a span, the
// entities involved, a title, a plain-language detail, and the rows that
// support it.
#include <optional>
#include <string>
#include <vector>

#include "tlrecon/catalogue.hpp"
#include "tlrecon/event.hpp"

namespace tlrecon {

enum class Severity : int { info, low, medium, high, critical };
const char* severity_name(Severity s);
std::optional<Severity> parse_severity(const std::string& text);

struct Evidence {
  std::string table;
  std::string key;
  Time time{};
  std::string summary;
  std::string type;   // the event type, "worker_created"
  std::string actor;  // see actor_of()
};
Evidence evidence_of(const Event& e);

struct Finding {
  std::string id;  // "F1", "F2", … in timeline order, assigned once all detectors ran
  std::string kind;
  std::string detector;  // the detector that found it (a detector may find several kinds)
  Severity severity = Severity::medium;
  Time start{};
  Time end{};
  bool open = false;  // still going at the window's end
  std::vector<std::string> entities;
  Role role = Role::other;  // the role of the log source it is about (logging_gap)
  std::string title;
  std::string detail;
  std::vector<Evidence> evidence;
  uint64_t evidence_total = 0;  // evidence rows before the list was cut short
  std::vector<std::string> related;  // ids of related findings
  std::vector<std::string> related_refs;  // ref_of() the related findings, before ids exist
};

// The one way to start a finding; title, detail and evidence follow.
Finding new_finding(std::string kind, Severity severity, Time start, Time end,
                    std::vector<std::string> entities);
// A name unique among findings (kind, entities, start), so related findings
// can point at each other before ids are assigned.
std::string ref_of(const Finding& f);
// Records that `f` relates to `other`; the relation is shown both ways.
void relate(Finding& f, const Finding& other);

// Adds evidence, keeping at most `max` rows but counting all of them.
void add_evidence(Finding& f, const Event& e, size_t max = 20);
void add_evidence(Finding& f, Evidence e, size_t max = 20);

// What a detector keeps of a task event when it must keep tasks for the
// whole read: a day holds tens of thousands, so not the whole Event.
struct TaskMark {
  Time time{};
  EventType type = EventType::task_queued;
  std::string key;
  std::string worker_id;
  static TaskMark of(const Event& e) { return TaskMark{e.time, e.type, e.key, e.worker_id}; }
  Evidence evidence() const;
};

struct DetectorStatus {
  std::string name;
  bool ran = true;
  std::string reason;  // why it was skipped, or what it could not check
};

}  // namespace tlrecon
