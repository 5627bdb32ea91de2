// worker_lost: a worker that died with no last word (seed 003). Its
// heartbeats and its logs stop together, nothing terminates it and its row
// still says it is alive, perhaps with a task In Progress that nobody will
// finish. One finding tells the story; it relates to the worker's logging
// gap instead of repeating it, and stale_heartbeat leaves the worker to it.
#include <cctype>
#include <map>
#include <memory>
#include <unordered_map>

#include "tlrecon/detector.hpp"
#include "tlrecon/text.hpp"

namespace tlrecon {

namespace {

// A worker's last log: its source's entry, which holds it once the stream
// has moved on (nothing copied per line), or, for a line with no source_id
// (its worker_id names the worker; every such worker shares the one source
// of its type), a copy.
struct LastLog {
  static constexpr uint32_t k_no_slot = UINT32_MAX;
  const LogSource* source = nullptr;
  std::unique_ptr<Event> own;
  uint32_t slot = k_no_slot;  // the LogSource::index whose m_by_source entry points here
  Time time() const { return source != nullptr ? source->last.time : own->time; }
  Event event() const { return source != nullptr ? source->event() : *own; }
};

class WorkerLost : public Detector {
 public:
  explicit WorkerLost(const Mapping& mapping)
      : Detector("worker_lost",
                 {{TableId::workers, field::w_last_heartbeat}, {TableId::system_logs, field::l_source_id}},
                 {"logging_gap"}),
        m_limit(mapping.thresholds.heartbeat_stale) {}

  void on_event(const Observation& o) override {
    const Event& e = o.event;
    if (e.type == EventType::worker_terminated || e.type == EventType::worker_error) {
      // An ended worker is not lost (lost()): its last log is of no use.
      // Should it log again, the entry comes back, and lost() still says no.
      auto it = m_last_log.find(e.worker_id);
      if (it != m_last_log.end()) {
        if (it->second.slot != LastLog::k_no_slot) {
          m_by_source[it->second.slot] = nullptr;
        }
        m_last_log.erase(it);
      }
      m_held.erase(e.worker_id);  // nor are the tasks it held
      return;
    }
    if (e.place == Event::Place::after) {
      return;
    }
    if (e.type == EventType::log && o.role == Role::worker) {
      if (e.source_id.empty()) {
        LastLog& last = m_last_log[e.worker_id];
        last.source = nullptr;
        if (last.own == nullptr) {
          last.own = std::make_unique<Event>(e);
        } else {
          *last.own = e;  // its strings keep their capacity
        }
      } else {
        // Found by the source's number: no hashing of the worker's id per
        // line (but for a second source of the same worker, which is rare).
        uint32_t index = o.source->index;
        LastLog* last = index < m_by_source.size() ? m_by_source[index] : nullptr;
        if (last == nullptr) {
          last = &m_last_log[e.source_id];
          if (last->slot == LastLog::k_no_slot) {
            if (index >= m_by_source.size()) {
              m_by_source.resize(index + 1, nullptr);
            }
            m_by_source[index] = last;
            last->slot = index;
          }
        }
        last->source = o.source;
        last->own.reset();
      }
    } else if (e.type == EventType::task_claimed && !e.worker_id.empty()) {
      m_held[e.worker_id].emplace(e.key, TaskMark::of(e));
    } else if ((e.type == EventType::task_finished || e.type == EventType::task_failed ||
                e.type == EventType::task_cancelled) && !e.worker_id.empty()) {
      auto it = m_held.find(e.worker_id);
      if (it != m_held.end()) {
        it->second.erase(e.key);
        if (it->second.empty()) {
          m_held.erase(it);  // a worker that holds nothing needs no entry (3,000 workers a day)
        }
      }
    }
  }

  // The last logs of the workers that may be lost (lost()).
  void kept_logs(const KeptLogs& keep) override {
    for (auto& [id, last] : m_last_log) {
      if (keep.window.until - last.time() <= m_limit) {
        continue;
      }
      if (last.own != nullptr) {
        keep.line(*last.own);
      } else {
        keep.last_line(*last.source);
      }
    }
  }

  void finish(const DetectorContext& ctx, std::vector<Finding>& out) override {
    for (const auto& [id, w] : ctx.workers.workers()) {
      auto log = m_last_log.find(id);
      if (log == m_last_log.end() || !lost(ctx, w, log->second.time())) {
        continue;
      }
      out.push_back(make_finding(ctx, id, w, log->second.event()));
    }
  }

 private:
  // Heartbeats and logs both stopped, within the staleness limit of each
  // other and older than it at the window's end; nothing ended the worker.
  bool lost(const DetectorContext& ctx, const WorkerLife& w, Time last_log) const {
    if (!w.heartbeat() || w.end()) {
      return false;
    }
    std::string status;
    for (char c : w.status()) {
      status += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (status == "terminated" || status == "terminating" || status == "error" || status == "inactive") {
      return false;
    }
    Time beat = w.heartbeat()->time;
    Micros apart = beat > last_log ? beat - last_log : last_log - beat;
    return apart <= m_limit && ctx.window.until - beat > m_limit && ctx.window.until - last_log > m_limit &&
           std::max(beat, last_log) >= ctx.window.since - m_limit;
  }

  Finding make_finding(const DetectorContext& ctx, const std::string& id, const WorkerLife& w, const Event& log) {
    std::vector<TaskMark> held;
    auto h = m_held.find(id);
    if (h != m_held.end()) {
      for (const auto& [key, mark] : h->second) {
        held.push_back(mark);
      }
    }
    const Event beat = w.event(EventType::worker_heartbeat);
    Time start = std::max(beat.time, log.time);
    Finding f = new_finding("worker_lost", held.empty() ? Severity::medium : Severity::high, start,
                            ctx.window.until, {id});
    f.open = true;
    add_evidence(f, beat);
    add_evidence(f, log);
    for (const TaskMark& t : held) {
      add_evidence(f, t.evidence());
    }
    f.title = "worker " + id + " lost at " + format_clock(start) + ": heartbeats and logs stopped together" +
              (held.empty() ? "" : ", holding " + std::to_string(held.size()) + " task(s) In Progress");
    f.detail = "Its last heartbeat is at " + format_utc(beat.time) + " and its last log at " + format_utc(log.time) +
               " (\"" + truncate_text(log.message, 120) + "\"); nothing follows either for " +
               format_duration(ctx.window.until - start) + ", yet no termination or error is recorded and its row "
               "still says " + (beat.status.empty() ? "nothing" : beat.status) + ". ";
    if (!held.empty()) {
      f.detail += "It still holds task " + held.front().key + (held.size() > 1 ? " and others" : "") +
                  ", claimed at " + format_utc(held.front().time) + " and never finished: no other worker will "
                  "pick it up while it is In Progress. ";
    }
    f.detail += "A process that stops beating and logging at the same instant, with no last word, was most "
                "likely killed: an out-of-memory kill (exit 137), a SIGKILL, or the loss of its host. The "
                "platform's events for the pod or container (dmesg, exit code) should say which.";
    for (const Finding& g : ctx.earlier) {
      if (g.kind == "logging_gap" && g.role == Role::worker && g.entities == f.entities && g.start <= start &&
          g.end >= start) {
        relate(f, g);
        f.detail += " Its logging gap is that same silence.";
        break;
      }
    }
    return f;
  }

  Micros m_limit;
  std::unordered_map<std::string, LastLog> m_last_log;  // per worker source_id
  std::vector<LastLog*> m_by_source;                    // by LogSource::index: entries of m_last_log
  std::unordered_map<std::string, std::map<std::string, TaskMark>> m_held;  // claimed, not finished
};

}  // namespace

std::unique_ptr<Detector> make_worker_lost(const Mapping& mapping) {
  return std::make_unique<WorkerLost>(mapping);
}

}  // namespace tlrecon
