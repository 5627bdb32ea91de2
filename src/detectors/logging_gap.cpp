// logging_gap: a log source silent for longer than its threshold while it
// was expected alive. An orchestrator is expected alive throughout the
// window; a worker from its first log until its termination. The threshold
// adapts to the source's own cadence: gap_factor times the 95th percentile
// of its intervals (never counting its two longest), with gap_min as floor.
// A worker that never logs at all, while other workers log in the window,
// is silent from its promotion or first claim until it ends: its logging
// never started. A fleet whose workers never log centrally says nothing.
#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <unordered_map>

#include "tlrecon/bucket_counts.hpp"
#include "tlrecon/detector.hpp"

namespace tlrecon {

namespace {

// Task marks in time order, dropped from the front. A vector and an index,
// not a std::deque: an empty deque already holds 576 bytes of the heap, and
// there is one per worker.
class MarkQueue {
 public:
  void push(TaskMark m) { m_marks.push_back(std::move(m)); }
  // Drops the marks at or before `t` from the front.
  void drop_until(Time t) {
    while (m_head < m_marks.size() && m_marks[m_head].time <= t) {
      ++m_head;
    }
    if (m_head == m_marks.size()) {
      if (m_marks.empty()) {
        return;  // most calls: one a log line
      }
      // Released, not cleared: a worker's few marks go as soon as it logs
      // again, and an ended worker's room (3,000 a day) would stay.
      std::vector<TaskMark>().swap(m_marks);
      m_head = 0;
    } else if (m_head >= 16 && m_head * 2 >= m_marks.size()) {
      m_marks.erase(m_marks.begin(), m_marks.begin() + static_cast<std::ptrdiff_t>(m_head));
      m_head = 0;
    }
  }
  std::vector<TaskMark>::const_iterator begin() const {
    return m_marks.begin() + static_cast<std::ptrdiff_t>(m_head);
  }
  std::vector<TaskMark>::const_iterator end() const { return m_marks.end(); }

 private:
  std::vector<TaskMark> m_marks;
  size_t m_head = 0;
};

struct SourceState;

// What the tasks table shows a worker doing, kept only as long as a silence
// of one of its log sources may still need it: memory follows the silences,
// not the day's tasks.
struct WorkerTasks {
  MarkQueue recent;                   // since the oldest last log of its sources
  // Claimed, not finished or failed yet: a few at a time, so a vector (an
  // empty std::unordered_set is 56 bytes, for 3,000 workers a day).
  std::vector<std::string> open;
  std::vector<const SourceState*> sources;
  // For a worker that may never log: when it first claimed, how many task
  // events it had, and the first few of them. Only until one of its sources
  // logs (then never_logging_worker() has nothing to say of it): 48 bytes
  // each of 3,000 workers a day kept to the end otherwise.
  struct Unlogged {
    std::optional<Time> first_claim;
    uint64_t worked = 0;
    std::vector<TaskMark> first_work;
  };
  std::unique_ptr<Unlogged> unlogged;
};

struct Silence {
  Event before;
  std::optional<Event> after;
  size_t held = 0;                // tasks the worker held when the silence began
  std::vector<TaskMark> activity;  // its task events inside the silence
};

struct SourceState {
  const LogSource* source = nullptr;       // its name, role and last log (analyze's)
  const std::string* worker_id = nullptr;  // its key in m_tasks
  WorkerTasks* tasks = nullptr;
  size_t held_at_last = 0;
  uint64_t intervals = 0;
  BucketCounts histogram;
  std::vector<Silence> silences;  // intervals longer than gap_min
};

class LoggingGap : public Detector {
 public:
  explicit LoggingGap(const Mapping& mapping)
      : Detector("logging_gap", {{TableId::system_logs, field::l_source_id}}), m_th(mapping.thresholds) {}

  void on_event(const Observation& o) override {
    const Event& e = o.event;
    if (e.origin == Origin::tasks && !e.worker_id.empty() &&
        (e.type == EventType::task_claimed || e.type == EventType::task_finished ||
         e.type == EventType::task_failed)) {
      on_task(e);
      return;
    }
    // A source's last log before the window (see read_from) makes it known:
    // an orchestrator silent since before the window is still expected alive.
    if (e.type != EventType::log || e.place == Event::Place::after) {
      return;
    }
    m_workers_log = m_workers_log || (o.role == Role::worker && e.place == Event::Place::inside);
    // Looked up by the source's number: no hashing of its name per log line.
    const LogSource& source = *o.source;
    if (source.index >= m_by_source.size()) {
      m_by_source.resize(source.index + 1, nullptr);
    }
    SourceState*& state = m_by_source[source.index];
    bool fresh = state == nullptr;
    if (fresh) {
      state = &m_states.emplace_back();
    }
    SourceState& s = *state;
    if (fresh) {
      s.source = &source;
      auto tasks = m_tasks.try_emplace(e.source_id.empty() ? e.worker_id : e.source_id).first;
      s.worker_id = &tasks->first;
      s.tasks = &tasks->second;
      s.tasks->sources.push_back(&s);
      s.tasks->unlogged.reset();
    } else if (e.place != Event::Place::before) {
      const LogSource::Line& last = source.last;  // the line before this one
      Micros interval = e.time - last.time;
      // Only intervals inside the window make the cadence.
      if (last.place == Event::Place::inside) {
        ++s.intervals;
        s.histogram.add(static_cast<uint8_t>(cadence_bucket(interval)));
      }
      if (interval > m_th.gap_min) {
        Silence sil{source.event(), e, s.held_at_last, activity_between(*s.tasks, last.time, e.time)};
        s.silences.push_back(std::move(sil));
      }
    }
    // Every task event at or before this log is in: the count of held tasks
    // is the one a silence starting here needs.
    s.held_at_last = s.tasks->open.size();
    forget_seen(*s.tasks, s, e.time);
  }

  // Only the silences longer than their source's threshold, the last one
  // (to the window's end or the worker's) included: gaps_of() cites no other (with a tiny
  // gap_min, most intervals are silences).
  void kept_logs(const KeptLogs& keep) override {
    for (SourceState& s : m_states) {
      Micros threshold = threshold_of(s);
      for (Silence& sil : s.silences) {
        if (sil.after && sil.after->time - sil.before.time > threshold) {
          keep.line(sil.before);
          keep.line(*sil.after);
        }
      }
      // The silence after the last line ends with the window, or with the
      // worker (expected_of()).
      Time end = keep.window.until;
      const WorkerLife* w = s.source->role == Role::worker ? keep.workers.find(*s.worker_id) : nullptr;
      if (w != nullptr && w->end()) {
        end = std::min(end, *w->end());
      }
      if (end - s.source->last.time > threshold) {
        keep.last_line(*s.source);
      }
    }
  }

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    // In source order, so findings come out the same every run.
    std::map<std::string, SourceState*> sorted;
    for (SourceState& s : m_states) {
      sorted.emplace(s.source->name, &s);
    }
    bool any_orchestrator = false;
    for (auto& [source, state] : sorted) {
      SourceState& s = *state;
      Role role = s.source->role;
      any_orchestrator = any_orchestrator || role == Role::orchestrator;
      if (role == Role::orchestrator || role == Role::worker) {
        gaps_of(ctx, source, s, out);
      }
    }
    if (!any_orchestrator) {
      never_logged(ctx, out);
    }
    if (m_workers_log) {
      for (const auto& [id, w] : ctx.workers.workers()) {
        never_logging_worker(ctx, id, w, out);
      }
    }
  }

 private:
  // A worker with no log line at all while other workers log: silent from
  // its promotion or first claim (not before the oldest kept log) until it
  // ended or the window's end.
  void never_logging_worker(const DetectorContext& ctx, const std::string& id, const WorkerLife& w,
                            std::vector<Finding>& out) const {
    auto tasks = m_tasks.find(id);
    const WorkerTasks* tasks_of = tasks == m_tasks.end() ? nullptr : &tasks->second;
    if (tasks_of != nullptr && !tasks_of->sources.empty()) {
      return;  // it logs: its silences are gaps_of()'s
    }
    const WorkerTasks::Unlogged* t = tasks_of == nullptr ? nullptr : tasks_of->unlogged.get();
    std::optional<Time> start;
    if (w.promoted()) {
      start = w.promoted()->time;
    }
    if (t != nullptr && t->first_claim && (!start || *t->first_claim < *start)) {
      start = t->first_claim;
    }
    if (!start) {
      return;  // never promoted, never worked: nothing expected of it
    }
    const std::optional<Time>& kept = ctx.tables[static_cast<int>(TableId::system_logs)].kept_since;
    if (kept && *start < *kept) {
      start = kept;
    }
    Time end = std::min(w.end().value_or(ctx.window.until), ctx.window.until);
    if (end <= ctx.window.since || *start >= end || end - *start <= m_th.gap_min) {
      return;
    }
    uint64_t worked = t == nullptr ? 0 : t->worked;
    Finding f = new_finding("logging_gap", worked > 0 ? Severity::high : Severity::medium, *start, end, {id});
    f.role = Role::worker;
    f.open = !w.end() || *w.end() >= ctx.window.until;
    if (w.promoted()) {
      add_evidence(f, w.event(EventType::worker_promoted));
    }
    if (t != nullptr) {
      for (const TaskMark& m : t->first_work) {
        add_evidence(f, m.evidence());
      }
      f.evidence_total += worked - t->first_work.size();
    }
    if (w.end() && !f.open) {
      add_evidence(f, *w.stop());
    }
    bool promoted_first = w.promoted() && w.promoted()->time == *start;
    f.title = "worker " + id + " never logged, for " + format_duration(end - *start) + " since its " +
              (promoted_first ? "promotion" : "first claim") + ", while other workers did" +
              (worked > 0 ? ", and it claimed or finished " + std::to_string(worked) + " task events" : "");
    f.detail = "Other workers write to system_logs in the window; " + id + " wrote no line at all, from its " +
               (promoted_first ? "promotion" : "first claim of a task") + " at " + format_utc(*start) +
               (kept && *start == *kept ? " (the oldest log kept)" : "") + " until " +
               (f.open ? "the window's end" : "it ended at " + format_utc(end)) + ". ";
    f.detail += worked > 0 ? "Meanwhile the tasks table shows it claiming or finishing tasks: it worked, but "
                             "its logging never started (a log handler that failed at its start, or a "
                             "missing configuration such as the database URL or key)."
                           : "Nothing in the tasks table shows it working: it may never have come up, or its "
                             "logging never started.";
    out.push_back(std::move(f));
  }

  // No orchestrator line at all, however far back, while workers were
  // created: the orchestrator has not logged for as long as logs are kept.
  void never_logged(const DetectorContext& ctx, std::vector<Finding>& out) const {
    Time from = ctx.logs_from();
    std::vector<Event> created;
    for (const LifecycleRecord& r : ctx.fleet.records()) {
      if (r.type == EventType::worker_created && r.place == Event::Place::inside && r.time >= from) {
        created.push_back(r.event());
      }
    }
    if (created.empty()) {
      return;
    }
    const std::optional<Time>& kept = ctx.tables[static_cast<int>(TableId::system_logs)].kept_since;
    Finding f = new_finding("logging_gap", Severity::high, kept ? *kept : from, ctx.window.until, {"orchestrator"});
    f.role = Role::orchestrator;
    f.open = true;
    for (const Event& e : created) {
      add_evidence(f, e);
    }
    std::string since = kept ? "since its oldest row, " + format_utc(*kept) : "in what was read";
    f.title = "no orchestrator has logged for as long as logs are kept, while " + std::to_string(created.size()) +
              (created.size() == 1 ? " worker was" : " workers were") + " created";
    f.detail = "system_logs holds no line of any orchestrator (source_type matching " +
               ctx.mapping.patterns.orchestrator_source + ") " + since + ", yet the workers table shows " +
               std::to_string(created.size()) + " worker(s) created in the window. Whatever creates them "
               "is not logging to the database: its log handler failed at a start, or it never had one. "
               "Its own stdout or container logs should say which.";
    out.push_back(std::move(f));
  }

  // Until when a source is expected alive, and what ended it.
  struct Expected {
    Time until;
    std::optional<Event> ended;        // a worker's termination or error
    const Succession* succession = nullptr;  // an orchestrator redeployed under a new id
  };

  static Expected expected_of(const DetectorContext& ctx, const std::string& source, const SourceState& s) {
    // A worker is expected alive until it ends; an orchestrator to the end,
    // or until its successor's first log.
    Expected x{ctx.window.until, std::nullopt, nullptr};
    if (s.source->role == Role::worker) {
      const WorkerLife* w = ctx.workers.find(*s.worker_id);
      if (w != nullptr && w->end()) {
        x.until = std::min(x.until, *w->end());
        x.ended = w->event(w->terminated() ? EventType::worker_terminated : EventType::worker_error);
      }
    } else if ((x.succession = InstanceTracker::succeeded(ctx.successions, source)) != nullptr) {
      x.until = std::min(x.until, x.succession->new_instance->first.time);
    }
    return x;
  }

  void gaps_of(const DetectorContext& ctx, const std::string& source, const SourceState& s,
               std::vector<Finding>& out) {
    bool orchestrator = s.source->role == Role::orchestrator;
    Micros cadence = cadence_of(s);
    Micros threshold = threshold_of(s);
    Expected expected = expected_of(ctx, source, s);
    std::vector<Silence> silences = s.silences;
    // The silence after the last log.
    const LogSource::Line& last = s.source->last;
    silences.push_back(Silence{s.source->event(), std::nullopt, s.held_at_last,
                               activity_between(*s.tasks, last.time, ctx.window.until)});
    for (const Silence& sil : silences) {
      Time start = sil.before.time;
      Time end = sil.after ? sil.after->time : ctx.window.until;
      if (start >= expected.until) {
        continue;  // a worker's silence after its termination is not a gap
      }
      bool closed_by_end = end > expected.until;
      end = std::min(end, expected.until);
      if (end - start <= threshold || end <= ctx.window.since) {
        continue;
      }
      Finding f = make_gap(ctx, source, orchestrator, sil, start, end, threshold, cadence);
      if (closed_by_end && expected.ended) {
        f.open = false;
        add_evidence(f, *expected.ended);
        f.detail += " The worker ended at " + format_clock(expected.ended->time) + " (" +
                    summary_of(*expected.ended) + ").";
      } else if (closed_by_end && expected.succession) {
        const Event& next = expected.succession->new_instance->first;
        f.open = false;
        add_evidence(f, next);
        f.detail += " It never logged again: " + actor_of(next) + " took over at " + format_clock(next.time) +
                    " (a restart or redeploy under a new id), so the silence ends there.";
      }
      out.push_back(std::move(f));
    }
  }

  // gap_factor times the cadence, at least gap_min.
  Micros threshold_of(const SourceState& s) const {
    return std::max(m_th.gap_min, Micros(static_cast<long long>(static_cast<double>(cadence_of(s).count()) *
                                                                m_th.gap_factor)));
  }

  Micros cadence_of(const SourceState& s) const {
    if (s.intervals < 5) {
      return Micros(0);
    }
    uint64_t rank = static_cast<uint64_t>(0.95 * static_cast<double>(s.intervals - 1));
    rank = std::min(rank, s.intervals - 3);
    return cadence_bucket_upper(s.histogram.bucket_of_rank(rank).value_or(k_cadence_buckets - 1));
  }

  Finding make_gap(const DetectorContext& ctx, const std::string& source,
                   bool orchestrator, const Silence& sil, Time start, Time end, Micros threshold,
                   Micros cadence) {
    Finding f = new_finding("logging_gap", Severity::medium, start, end,
                            {sil.before.source_id.empty() ? source : sil.before.source_id});
    f.role = orchestrator ? Role::orchestrator : Role::worker;
    f.open = !sil.after && end == ctx.window.until;
    add_evidence(f, sil.before);
    if (sil.after) {
      add_evidence(f, *sil.after);
    }
    // What the other tables show the source doing while it was silent.
    std::vector<Evidence> activity;
    if (orchestrator) {
      for (const LifecycleRecord& r : ctx.fleet.records()) {
        if (r.time > start && r.time < end && r.place == Event::Place::inside && !r.accounted()) {
          activity.push_back(evidence_of(r.event()));
        }
      }
    } else {
      for (const TaskMark& t : sil.activity) {
        if (t.time > start && t.time < end) {
          activity.push_back(t.evidence());
        }
      }
    }
    for (const Evidence& e : activity) {
      add_evidence(f, e);
    }
    f.severity = activity.empty() ? Severity::medium : Severity::high;
    std::string who = orchestrator ? "orchestrator " + source : "worker " + source;
    std::string span = format_duration(end - start);
    f.title = who + " silent for " + span + (f.open ? ", still silent at the window's end" : "");
    if (!activity.empty()) {
      f.title += orchestrator ? ", while " + std::to_string(activity.size()) +
                                    " worker lifecycle events happened"
                              : ", while it claimed or finished " + std::to_string(activity.size()) +
                                    " task events";
    }
    std::string last = sil.before.message.size() > 120 ? sil.before.message.substr(0, 117) + "..."
                                                       : sil.before.message;
    f.detail = "The last log from " + source + " before the silence is at " + format_utc(start) +
               (sil.before.cycle ? " (cycle " + std::to_string(*sil.before.cycle) + ")" : "") +
               ": \"" + last + "\". ";
    f.detail += sil.after ? "The next one is at " + format_utc(end) + ", " + span + " later. "
                          : "Nothing follows before " + format_utc(end) + ". ";
    f.detail += "Its threshold is " + format_duration(threshold) + " (" +
                (cadence.count() > 0 ? "it usually logs at least every " + format_duration(cadence) + ", "
                                     : "") +
                "floor " + format_duration(m_th.gap_min) + "). ";
    if (orchestrator) {
      if (!activity.empty()) {
        f.detail += "Meanwhile the workers table shows " + std::to_string(activity.size()) +
                    " worker creations, promotions or terminations that no orchestrator log accounts "
                    "for: the orchestrator kept acting while its logs stopped reaching the database. "
                    "The likely cause is its log handler, not the orchestrator itself; its own "
                    "stdout or container logs for this period should say why.";
      } else if (!ctx.table_ok(TableId::workers)) {
        f.detail += "The workers table is not available, so whether it kept acting could not be checked.";
      } else {
        f.detail += "No worker lifecycle event falls inside the silence: the orchestrator may have "
                    "been down, or idle with its logging broken.";
      }
    } else if (!activity.empty()) {
      f.detail += "Meanwhile the tasks table shows the worker claiming or finishing tasks: it kept "
                  "working while its logs stopped.";
    } else {
      f.detail += "The worker had not ended; nothing in the tasks table shows it working in that time.";
      if (sil.held > 0) {
        f.detail += " It held " + std::to_string(sil.held) + " claimed task(s) through the silence.";
      }
    }
    return f;
  }

  void on_task(const Event& e) {
    WorkerTasks& w = m_tasks[e.worker_id];
    if (w.sources.empty() && !w.unlogged) {
      w.unlogged = std::make_unique<WorkerTasks::Unlogged>();
    }
    auto open = std::find(w.open.begin(), w.open.end(), e.key);
    if (e.type == EventType::task_claimed) {
      if (open == w.open.end()) {
        w.open.push_back(e.key);
      }
      if (w.unlogged && !w.unlogged->first_claim) {
        w.unlogged->first_claim = e.time;
      }
    } else if (open != w.open.end()) {
      *open = std::move(w.open.back());
      w.open.pop_back();
      if (w.open.empty()) {
        std::vector<std::string>().swap(w.open);  // released: thousands of workers a day
      }
    }
    if (w.unlogged && e.place != Event::Place::after) {
      constexpr size_t k_first_few = 5;
      ++w.unlogged->worked;
      if (w.unlogged->first_work.size() < k_first_few) {
        w.unlogged->first_work.push_back(TaskMark::of(e));
      }
    }
    // A worker none of whose sources has logged yet has no silence to explain.
    if (!w.sources.empty()) {
      w.recent.push(TaskMark::of(e));
    }
  }

  static std::vector<TaskMark> activity_between(const WorkerTasks& w, Time start, Time end) {
    std::vector<TaskMark> out;
    for (const TaskMark& t : w.recent) {
      if (t.time > start && t.time < end) {
        out.push_back(t);
      }
    }
    return out;
  }

  // Drops the marks no silence can contain any more: those at or before the
  // last log of every source of the worker (`current`'s is at `now`).
  static void forget_seen(WorkerTasks& w, const SourceState& current, Time now) {
    Time oldest = Time::max();
    for (const SourceState* src : w.sources) {
      oldest = std::min(oldest, src == &current ? now : src->source->last.time);
    }
    w.recent.drop_until(oldest);
  }

  Thresholds m_th;
  std::deque<SourceState> m_states;         // addresses kept: WorkerTasks point at them
  std::vector<SourceState*> m_by_source;    // by LogSource::index
  std::unordered_map<std::string, WorkerTasks> m_tasks;
  bool m_workers_log = false;  // some worker logged inside the window
};

}  // namespace

std::unique_ptr<Detector> make_logging_gap(const Mapping& mapping) {
  return std::make_unique<LoggingGap>(mapping);
}

}  // namespace tlrecon
