// clock_skew: times that contradict each other across or within tables: an
// execution that starts before its decision, a worker promoted or
// terminated before its creation, a task claimed before it was queued.
// One finding per kind of contradiction, citing the rows.
#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

// One kind of contradiction: its finding, with the pairs counted.
struct Tally {
  Finding finding;
  size_t pairs = 0;
  Micros largest{0};
};

class ClockSkew : public Detector {
 public:
  ClockSkew() : Detector("clock_skew", {}) {}

  void on_event(const Observation& o) override {
    const Event& e = o.event;
    switch (e.type) {
      case EventType::decision: m_decisions.emplace(e.key, e); break;
      case EventType::execution_started:
        if (!e.decision_id.empty()) {
          m_executions.push_back(e);
        }
        break;
      case EventType::task_queued: on_queued(e); break;
      case EventType::task_claimed: on_claimed(e); break;
      default: break;
    }
  }

  bool reads_worker_logs() const override { return false; }  // decisions, executions and tasks only

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    Tally exec = start("executions that start before their decision");
    for (const Event& e : m_executions) {
      auto d = m_decisions.find(e.decision_id);
      if (d != m_decisions.end() && e.time < d->second.time && touches(ctx, e, d->second)) {
        pair(exec, d->second, e);
      }
    }
    Tally worker = start("worker events before the worker's creation");
    for (const WorkerEvent& w : early_worker_events(ctx)) {
      Event e = w.life->event(w.type);
      Event created = w.life->event(EventType::worker_created);
      if (touches(ctx, e, created)) {
        pair(worker, created, e);
      }
    }
    Tally task = start("tasks claimed before they were queued");
    // In the order of the claims, as the timeline has them.
    std::sort(m_claimed_early.begin(), m_claimed_early.end(), [](const auto& a, const auto& b) {
      return std::tie(a.second.time, a.second.key) < std::tie(b.second.time, b.second.key);
    });
    for (const auto& [queued, claimed] : m_claimed_early) {
      if (ctx.window.contains(claimed.time) || ctx.window.contains(queued.time)) {
        pair(task, queued, claimed);
      }
    }
    for (Tally* t : {&exec, &worker, &task}) {
      Finding& f = t->finding;
      if (t->pairs == 0) {
        continue;
      }
      f.detail = std::to_string(t->pairs) + " case(s) of " + f.title + "; the largest difference is " +
                 format_duration(t->largest) +
                 ". The tables' clocks (or the code that writes them) disagree: order events "
                 "from different tables with care around these rows.";
      f.title = std::to_string(t->pairs) + " " + f.title;
      out.push_back(std::move(f));
    }
  }

 private:
  struct WorkerEvent {
    Time time;
    EventType type;
    const WorkerLife* life;
  };

  // The promotions and terminations before their worker's creation, in the
  // stream's order (time, type, key), from the workers' lifecycles: no
  // worker event is kept while the stream goes by.
  static std::vector<WorkerEvent> early_worker_events(const DetectorContext& ctx) {
    std::vector<WorkerEvent> out;
    for (const auto& [id, w] : ctx.workers.workers()) {
      for (EventType type : {EventType::worker_promoted, EventType::worker_terminated}) {
        const std::optional<WorkerStage> s = w.stage(type);
        const std::optional<WorkerStage> created = w.created();
        if (created && s && s->time < created->time) {
          out.push_back(WorkerEvent{s->time, type, &w});
        }
      }
    }
    std::sort(out.begin(), out.end(), [](const WorkerEvent& a, const WorkerEvent& b) {
      return std::tie(a.time, a.type, a.life->key()) < std::tie(b.time, b.type, b.life->key());
    });
    return out;
  }

  static bool touches(const DetectorContext& ctx, const Event& a, const Event& b) {
    return ctx.window.contains(a.time) || ctx.window.contains(b.time);
  }

  static Tally start(const std::string& title) {
    Tally t{new_finding("clock_skew", Severity::low, Time{}, Time{}, {})};
    t.finding.title = title;
    return t;
  }

  void pair(Tally& t, const TaskMark& earlier_expected, const TaskMark& later_expected) {
    Event a;
    a.time = earlier_expected.time;
    Event b;
    b.time = later_expected.time;
    b.key = later_expected.key;
    mark(t, a, b);
    add_evidence(t.finding, earlier_expected.evidence());
    add_evidence(t.finding, later_expected.evidence());
  }

  void pair(Tally& t, const Event& earlier_expected, const Event& later_expected) {
    mark(t, earlier_expected, later_expected);
    add_evidence(t.finding, earlier_expected);
    add_evidence(t.finding, later_expected);
  }

  // Widens the finding's span and counts the largest difference.
  static void mark(Tally& t, const Event& earlier_expected, const Event& later_expected) {
    Finding& f = t.finding;
    Time lo = later_expected.time;
    Time hi = earlier_expected.time;
    bool first = t.pairs == 0;
    if (first || lo < f.start) {
      f.start = lo;
    }
    if (first || hi > f.end) {
      f.end = hi;
    }
    std::string entity = later_expected.key;
    if (f.entities.size() < 20) {
      f.entities.push_back(entity);
    }
    t.largest = std::max(t.largest, hi - lo);
    ++t.pairs;
  }

  std::map<std::string, Event> m_decisions;
  std::vector<Event> m_executions;
  // Tasks are paired as they stream by, so only the unpaired are held:
  // tasks queued and not claimed yet, and claims whose queueing is still to
  // come (a claim before its queueing arrives first).
  void on_queued(const Event& e) {
    auto early = m_claims_waiting.find(e.key);
    if (early == m_claims_waiting.end()) {
      m_queued.emplace(e.key, TaskMark::of(e));
      return;
    }
    m_claimed_early.emplace_back(TaskMark::of(e), std::move(early->second));
    m_claims_waiting.erase(early);
  }

  void on_claimed(const Event& e) {
    auto q = m_queued.find(e.key);
    if (q != m_queued.end()) {
      m_queued.erase(q);  // claimed at or after its queueing: in order
      return;
    }
    m_claims_waiting.emplace(e.key, TaskMark::of(e));
  }

  std::unordered_map<std::string, TaskMark> m_queued;
  std::unordered_map<std::string, TaskMark> m_claims_waiting;
  std::vector<std::pair<TaskMark, TaskMark>> m_claimed_early;  // (queued, claimed)
};

}  // namespace

std::unique_ptr<Detector> make_clock_skew(const Mapping&) { return std::make_unique<ClockSkew>(); }

}  // namespace tlrecon
