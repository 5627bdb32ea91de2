// demand_mismatch: an orchestrator logged a task count (TASK COUNT …
// Queued=q, Active=a; Cycle #n: scaling=q active=a) that the tasks table
// does not support at that moment (seed 002: Queued=51 while one task was
// queued, and four workers spawned for it).
//
// The table at instant t: queued = created at or before t and not yet
// claimed (a Cancelled task counts until its updated_at), active = claimed
// and not finished. The orchestrator reads its count a moment before it
// logs it, so the table's count is taken as its largest over the cycle
// around the line: from the instance's previous count line to as long
// after it (30 s to 5 min; 1 min when there is no previous line). A count
// is unsupported when it is at least twice that largest count and at least
// 5 more (k_factor, k_margin): small counts and a race of one cycle never
// are. Only counts above the table are judged: an orchestrator of a pool
// or region that counts its own shard logs less than the table, never
// more, so two orchestrators of one type each counting their shard stay
// quiet. Consecutive unsupported counts of one instance are one finding.
//
// Memory: the tasks queued or active now (a few per worker, even on a day
// of 20,000 tasks), the table's counts after each task event of the last
// 5 minutes, and one time per orchestrator instance.
#include <deque>
#include <map>
#include <optional>

#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

constexpr int64_t k_factor = 2;
constexpr int64_t k_margin = 5;
constexpr Micros k_min_cycle = std::chrono::seconds(30);
constexpr Micros k_max_cycle = std::chrono::minutes(5);
constexpr Micros k_first_cycle = std::chrono::minutes(1);
constexpr size_t k_examples = 5;

bool unsupported(std::optional<int64_t> logged, size_t table) {
  auto t = static_cast<int64_t>(table);
  return logged && *logged >= k_factor * t && *logged >= t + k_margin;
}

struct Counts {
  size_t queued = 0;
  size_t active = 0;
  void raise(size_t q, size_t a) {
    queued = std::max(queued, q);
    active = std::max(active, a);
  }
};

// One logged count being judged: the table's largest count until `deadline`.
struct Check {
  std::string instance;
  Event line;
  Fact fact;
  Counts table;
  Time deadline{};
  std::vector<TaskMark> tasks;   // the tasks behind the table's count at the line
  std::vector<Event> decisions;  // the instance's scaling decision and scale-up lines that follow
  bool next_count = false;       // the instance logged its next count: later lines are not this one's
};

// Consecutive unsupported counts of one instance.
struct Episode {
  std::vector<Check> checks;
  Time last{};
};

// The table's counts after a task event.
struct Sample {
  Time time{};
  size_t queued = 0;
  size_t active = 0;
};

class DemandMismatch : public Detector {
 public:
  explicit DemandMismatch(const Mapping& mapping)
      : Detector("demand_mismatch", {{TableId::tasks, -1}, {TableId::system_logs, field::l_message}}),
        m_tolerance(mapping.thresholds.tolerance) {}

  void on_event(const Observation& o) override {
    const Event& e = o.event;
    if (e.origin == Origin::tasks) {
      on_task(e);
      return;
    }
    if (o.role != Role::orchestrator || e.type != EventType::log) {
      return;
    }
    settle(e.time);
    const std::string& instance = o.source->name;  // actor_of(e), built once by analyze
    for (Check& c : m_pending) {
      bool says = o.fact.kind == FactKind::scaling_decision || o.fact.kind == FactKind::scale_up;
      if (says && c.instance == instance && !c.next_count && c.decisions.size() < k_examples) {
        c.decisions.push_back(e);
      }
    }
    bool counts = (o.fact.kind == FactKind::task_count || o.fact.kind == FactKind::cycle_start) && o.fact.queued;
    if (counts && e.place == Event::Place::inside) {
      for (Check& c : m_pending) {
        c.next_count = c.next_count || c.instance == instance;
      }
      on_count(o, instance);
    }
  }

  bool reads_worker_logs() const override { return false; }  // tasks and orchestrators' lines

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    settle(Time::max());
    for (auto& [instance, episodes] : m_episodes) {
      for (const Episode& ep : episodes) {
        out.push_back(make_finding(ctx, instance, ep));
      }
    }
  }

 private:
  void on_task(const Event& e) {
    switch (e.type) {
      case EventType::task_queued: m_queued.emplace(e.key, TaskMark::of(e)); break;
      case EventType::task_claimed:
        m_queued.erase(e.key);
        m_active.emplace(e.key, TaskMark::of(e));
        break;
      case EventType::task_finished:
      case EventType::task_failed:
      case EventType::task_cancelled:
        m_queued.erase(e.key);
        m_active.erase(e.key);
        break;
      default: return;
    }
    m_samples.push_back(Sample{e.time, m_queued.size(), m_active.size()});
    // One sample at or before the oldest instant a cycle can look back to
    // tells the state then; older ones are of no use.
    while (m_samples.size() > 1 && m_samples[1].time <= e.time - k_max_cycle) {
      m_samples.pop_front();
    }
    for (Check& c : m_pending) {
      if (e.time <= c.deadline) {
        c.table.raise(m_queued.size(), m_active.size());
      }
    }
  }

  void on_count(const Observation& o, const std::string& instance) {
    const Event& e = o.event;
    auto last = m_last_count.find(instance);
    Micros cycle = k_first_cycle;
    if (last != m_last_count.end()) {
      cycle = std::clamp<Micros>(e.time - last->second, k_min_cycle, k_max_cycle);
    }
    m_last_count[instance] = e.time;
    // The largest count over [t - cycle, t]: the samples in it, and the
    // state at its start (the last sample before it).
    Counts table{m_queued.size(), m_active.size()};
    for (auto it = m_samples.rbegin(); it != m_samples.rend(); ++it) {
      table.raise(it->queued, it->active);
      if (it->time < e.time - cycle) {
        break;
      }
    }
    if (!unsupported(o.fact.queued, table.queued) && !unsupported(o.fact.active, table.active)) {
      return;
    }
    Check c{instance, e, o.fact, table, e.time + cycle, {}, {}};
    for (const auto* tasks : {&m_queued, &m_active}) {
      for (const auto& [key, mark] : *tasks) {
        if (c.tasks.size() == k_examples) {
          break;
        }
        c.tasks.push_back(mark);
      }
    }
    m_pending.push_back(std::move(c));
  }

  // Judges the checks whose cycle ended before `now`.
  void settle(Time now) {
    for (auto it = m_pending.begin(); it != m_pending.end();) {
      if (it->deadline >= now) {
        ++it;
        continue;
      }
      if (unsupported(it->fact.queued, it->table.queued) || unsupported(it->fact.active, it->table.active)) {
        auto& episodes = m_episodes[it->instance];
        // The next count of an instance still unsupported continues its episode.
        if (episodes.empty() || it->line.time - episodes.back().last > 2 * (it->deadline - it->line.time)) {
          episodes.emplace_back();
        }
        episodes.back().last = it->line.time;
        episodes.back().checks.push_back(std::move(*it));
      }
      it = m_pending.erase(it);
    }
  }

  // The workers the scale-up that followed the first count created: those
  // its instance's cycle accounted for.
  std::vector<Event> created_after(const DetectorContext& ctx, const Check& c, const Cycle** cycle) const {
    std::vector<Event> out;
    *cycle = nullptr;
    for (const Cycle& cy : ctx.fleet.cycles()) {
      // The cycle of the count line itself (E1/E2 open it a moment before,
      // with "Starting orchestrator cycle"), or one that starts after it.
      if (cy.instance() == c.instance && cy.stated + cy.unstated > 0 && cy.last >= c.line.time &&
          cy.first <= c.deadline) {
        *cycle = &cy;
        break;
      }
    }
    if (*cycle == nullptr) {
      return out;
    }
    for (const LifecycleRecord& r : ctx.fleet.records()) {
      if (r.type == EventType::worker_created && r.accounted_by(c.instance) &&
          r.time >= (*cycle)->first - m_tolerance && r.time <= (*cycle)->last + m_tolerance) {
        out.push_back(r.event());
      }
    }
    return out;
  }

  Finding make_finding(const DetectorContext& ctx, const std::string& instance, const Episode& ep) const {
    const Check& first = ep.checks.front();
    const Cycle* cycle = nullptr;
    std::vector<Event> created = created_after(ctx, first, &cycle);
    Finding f = new_finding("demand_mismatch", cycle ? Severity::high : Severity::medium, first.line.time, ep.last,
                            {first.line.source_id.empty() ? instance : first.line.source_id});
    f.role = Role::orchestrator;
    for (const Check& c : ep.checks) {
      add_evidence(f, c.line);
    }
    for (const Event& d : first.decisions) {
      add_evidence(f, d);
    }
    for (const TaskMark& t : first.tasks) {
      add_evidence(f, t.evidence());
    }
    for (const Event& w : created) {
      add_evidence(f, w);
    }
    auto said = [](const Fact& fact) {
      return "Queued=" + std::to_string(*fact.queued) +
             (fact.active ? ", Active=" + std::to_string(*fact.active) : std::string());
    };
    size_t n = ep.checks.size();
    f.title = "orchestrator " + f.entities.front() + " logged " + said(first.fact) + " at " +
              format_clock(first.line.time) + " while the tasks table held " + std::to_string(first.table.queued) +
              " queued and " + std::to_string(first.table.active) + " active" +
              (n > 1 ? " (" + std::to_string(n) + " such counts until " + format_clock(ep.last) + ")" : "") +
              (created.empty() ? "" : "; " + std::to_string(created.size()) + " workers were created for it");
    f.detail = "At " + format_utc(first.line.time) + " " + instance + " logged \"" + first.line.message +
               "\". The tasks table shows at most " + std::to_string(first.table.queued) + " task(s) queued "
               "(created and not yet claimed) and " + std::to_string(first.table.active) +
               " active (claimed, not finished) over the cycle around that line. A count at least " +
               std::to_string(k_factor) + "x the table's and " + std::to_string(k_margin) +
               " more is not a race of one cycle: the count the orchestrator acts on came from elsewhere "
               "(an edge function or query returning a wrong count, another project's tasks, a stale cache).";
    if (n > 1) {
      f.detail += " It logged " + std::to_string(n) + " unsupported counts in a row, the last at " +
                  format_utc(ep.last) + ".";
    }
    if (cycle != nullptr) {
      f.detail += " It scaled up on it at " + format_clock(cycle->first) + " (" +
                  std::to_string(std::max(cycle->stated, cycle->unstated)) + " workers stated)" +
                  (created.empty() ? "." : ", and the workers table shows " + std::to_string(created.size()) +
                                               " created for it: capacity paid for demand that was not there.");
    } else {
      f.detail += " No scale-up of this instance followed within the cycle.";
    }
    return f;
  }

  Micros m_tolerance;
  std::map<std::string, TaskMark> m_queued;  // created, not yet claimed
  std::map<std::string, TaskMark> m_active;  // claimed, not finished
  std::deque<Sample> m_samples;                // the last k_max_cycle of task events
  std::map<std::string, Time> m_last_count;    // each instance's last count line
  std::vector<Check> m_pending;
  std::map<std::string, std::vector<Episode>> m_episodes;
};

}  // namespace

std::unique_ptr<Detector> make_demand_mismatch(const Mapping& mapping) {
  return std::make_unique<DemandMismatch>(mapping);
}

}  // namespace tlrecon
