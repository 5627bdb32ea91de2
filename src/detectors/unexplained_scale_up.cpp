// unexplained_scale_up: workers created together (one burst) with no
// orchestrator log near them that names one of them or reports a scale-up
// or spawn. High when the burst falls inside an orchestrator's logging gap.
#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <set>

#include "tlrecon/detector.hpp"
#include "tlrecon/spill.hpp"

namespace tlrecon {

namespace {

// The tasks queued and not claimed when a worker was created, and the
// first few of them: each task's event is kept once, serialized (spill.hpp;
// its Evidence is made for the findings that quote it), and shared by the
// creations that saw it queued, and the creations of a burst, which see the
// same first few, share one Examples (3,000 workers a day: as Evidence, the
// ~1,750 tasks they held at the end of a fleet's day took 0.5 MB).
using Task = std::shared_ptr<const std::string>;
using Examples = std::array<Task, 3>;
struct Demand {
  size_t queued = 0;
  size_t examples = 0;  // in m_examples
};

class UnexplainedScaleUp : public Detector {
 public:
  explicit UnexplainedScaleUp(const Mapping& mapping)
      : Detector("unexplained_scale_up",
                 {{TableId::workers, field::w_created_at}, {TableId::system_logs, field::l_message}},
                 {"logging_gap"}),
        m_th(mapping.thresholds) {}

  void on_event(const Observation& o) override {
    const Event& e = o.event;
    switch (e.type) {
      case EventType::task_queued:
        if (m_queued.find(e.key) == m_queued.end()) {
          m_bytes.clear();
          serialize_event(e, m_bytes);
          m_queued.emplace(e.key, std::make_shared<const std::string>(m_bytes.begin(), m_bytes.end()));
        }
        break;
      case EventType::task_claimed:
      case EventType::task_finished:
      case EventType::task_failed:
      case EventType::task_cancelled: m_queued.erase(e.key); break;
      case EventType::worker_created: {
        // The demand the orchestrator saw: tasks queued and not yet claimed.
        // Keyed by the worker's life, whose id lives as long as the analysis.
        if (o.life == nullptr) {
          break;
        }
        Examples examples;
        size_t n = 0;
        for (auto it = m_queued.begin(); it != m_queued.end() && n < examples.size(); ++it) {
          examples[n++] = it->second;
        }
        if (m_examples.empty() || m_examples.back() != examples) {
          m_examples.push_back(std::move(examples));
        }
        m_demand.push_back({&o.life->id(), Demand{m_queued.size(), m_examples.size() - 1}});
        break;
      }
      default: break;
    }
  }

  bool reads_worker_logs() const override { return false; }  // tasks and workers only

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    // By worker, each worker's first creation first (it is the one kept).
    std::stable_sort(m_demand.begin(), m_demand.end(),
                     [](const auto& a, const auto& b) { return std::less<>()(a.first, b.first); });
    // What the accounting left over, grouped into bursts.
    std::vector<std::vector<const LifecycleRecord*>> bursts;
    for (const LifecycleRecord& r : ctx.fleet.records()) {
      if (r.type != EventType::worker_created || r.place != Event::Place::inside || r.accounted() ||
          r.time < ctx.logs_from()) {
        continue;  // accounted for, or before the logs kept: nothing can be said
      }
      if (bursts.empty() || r.time - bursts.back().back()->time > m_th.burst_gap) {
        bursts.emplace_back();
      }
      bursts.back().push_back(&r);
    }
    for (const auto& burst : bursts) {
      out.push_back(make_finding(ctx, burst));
    }
  }

 private:
  // The orchestrator instances whose lines span `t` (within the tolerance).
  std::string logging_then(const DetectorContext& ctx, Time t) const {
    std::string out;
    for (const auto& [key, in] : ctx.instances.instances()) {
      if (in.first.time <= t + m_th.tolerance && in.last.time >= t - m_th.tolerance) {
        out += (out.empty() ? "" : ", ") + key;
      }
    }
    return out;
  }

  // What the orchestrators did say near the burst: scale-ups whose count
  // other workers used up, failed spawns and blocked scale-ups, which
  // account for none.
  std::string nearby_cycles(const DetectorContext& ctx, Finding& f) const {
    std::string said;
    int64_t failed = 0;
    for (const Cycle& c : ctx.fleet.cycles()) {
      if (c.last + m_th.tolerance < f.start || c.first - m_th.tolerance > f.end) {
        continue;
      }
      for (const CycleLine& line : c.lines) {
        add_evidence(f, line.event(c.instance()));
      }
      failed += c.failed;
      if (c.stated + c.unstated > 0 && said.size() < 600) {
        said += (said.empty() ? "" : "; ") + c.instance() + " logged a scale-up of " +
                std::to_string(std::max(c.stated, c.unstated)) +
                (c.failed > 0 ? " with " + std::to_string(c.failed) + " failed spawn(s)" : "") + " at " +
                format_clock(c.first);
      } else if ((c.failed > 0 || c.blocked > 0) && said.size() < 600) {
        said += (said.empty() ? "" : "; ") + c.instance() + " logged " +
                (c.failed > 0 ? std::to_string(c.failed) + " failed spawn(s)" : "a blocked scale-up") + " at " +
                format_clock(c.first);
      }
    }
    if (said.empty()) {
      return "";
    }
    return " Near it, " + said + ": each cycle accounts for at most the workers it says it spawns, less those " +
           "it says failed, and those were already accounted for" +
           (failed > 0 ? "; a worker that came up although its spawn was logged as failed is shown here." : ".");
  }

  Finding make_finding(const DetectorContext& ctx, const std::vector<const LifecycleRecord*>& burst) {
    std::vector<std::string> ids;
    for (const LifecycleRecord* r : burst) {
      ids.push_back(r->worker_id());
    }
    Finding f = new_finding("unexplained_scale_up", Severity::medium, burst.front()->time, burst.back()->time, ids);
    std::string names;
    for (const LifecycleRecord* r : burst) {
      add_evidence(f, r->event());
      names += (names.empty() ? "" : ", ") + r->worker_id();
    }
    size_t n = burst.size();
    f.title = std::to_string(n) + (n == 1 ? " worker" : " workers") + " created at " +
              format_clock(f.start) + (n > 1 ? "–" + format_clock(f.end) : "") +
              " with no orchestrator log accounting for " + (n == 1 ? "it" : "them");
    f.detail = "The workers table shows " + names + " created between " + format_utc(f.start) +
               " and " + format_utc(f.end) + ". No orchestrator log within " +
               format_duration(m_th.tolerance) + " names " + (n == 1 ? "it" : "them") +
               " or reports a scale-up that is not already spent on other workers.";
    f.detail += nearby_cycles(ctx, f);
    const WorkerLife* life = ctx.workers.find(burst.front()->worker_id());
    auto d = m_demand.end();
    if (life != nullptr) {
      d = std::lower_bound(m_demand.begin(), m_demand.end(), &life->id(),
                           [](const auto& a, const std::string* id) { return std::less<>()(a.first, id); });
      d = d != m_demand.end() && d->first == &life->id() ? d : m_demand.end();
    }
    if (d != m_demand.end() && ctx.table_ok(TableId::tasks)) {
      f.detail += " Demand at that moment: " + std::to_string(d->second.queued) +
                  " task(s) queued and not yet claimed.";
      for (const Task& task : m_examples[d->second.examples]) {
        if (task) {
          Event queued;
          parse_event(task->data(), queued);
          add_evidence(f, evidence_of(queued));
        }
      }
    }
    // Inside an orchestrator's logging gap, the orchestrator most likely did
    // it without its logs reaching the database.
    const Finding* gap = nullptr;
    for (const Finding& g : ctx.earlier) {
      if (g.kind == "logging_gap" && g.role == Role::orchestrator && f.start > g.start && f.start <= g.end) {
        gap = &g;
        break;
      }
    }
    if (gap != nullptr) {
      f.severity = Severity::high;
      relate(f, *gap);
      f.detail += " This falls inside the logging gap of orchestrator " + gap->entities.front() +
                  " that began at " + format_utc(gap->start) +
                  ": the orchestrator most likely created them while its logs were not reaching "
                  "the database.";
    } else {
      f.severity = Severity::medium;
      std::string logging = logging_then(ctx, f.start);
      f.detail += logging.empty()
                      ? " No orchestrator line is kept near that time."
                      : " " + logging + " logged around that time, but none of it explains these workers: "
                        "check for a second scaler, a manual launch, or a message the catalogue does not know "
                        "(patterns.facts in the mapping).";
    }
    return f;
  }

  Thresholds m_th;
  std::map<std::string, Task> m_queued;  // queued and not yet claimed
  std::vector<char> m_bytes;             // a task's event being serialized
  // By the tracker's worker id, in creation order until finish() sorts it:
  // a vector, not a hash map's node per worker (3,000 a day).
  std::vector<std::pair<const std::string*, Demand>> m_demand;
  std::vector<Examples> m_examples;
};

}  // namespace

std::unique_ptr<Detector> make_unexplained_scale_up(const Mapping& mapping) {
  return std::make_unique<UnexplainedScaleUp>(mapping);
}

}  // namespace tlrecon
