#include "tlrecon/analysis.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

#include "tlrecon/decode.hpp"
#include "tlrecon/detector.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/interrupt.hpp"
#include "tlrecon/merge.hpp"
#include "tlrecon/spill.hpp"

namespace tlrecon {

namespace {

// Counts rows on a terminal while a long read goes on: "system_logs: 1200000 rows".
class ProgressStream : public RowStream {
 public:
  ProgressStream(std::unique_ptr<RowStream> inner, TableId table, std::ostream& out)
      : m_inner(std::move(inner)), m_table(table), m_out(out) {}
  ~ProgressStream() override {
    if (m_rows >= k_every) {
      m_out << "\r\x1b[K" << std::flush;
    }
  }
  bool next(Row& row) override {
    bool more = m_inner->next(row);
    if (more && ++m_rows % k_every == 0) {
      m_out << "\r\x1b[Kreading " << table_name(m_table) << ": " << m_rows << " rows" << std::flush;
    }
    return more;
  }

 private:
  static constexpr uint64_t k_every = 100000;
  std::unique_ptr<RowStream> m_inner;
  TableId m_table;
  std::ostream& m_out;
  uint64_t m_rows = 0;
};

std::unique_ptr<RowStream> open_rows(Source& source, TableId t, std::ostream* progress) {
  auto rows = source.open(t);
  if (progress == nullptr) {
    return rows;
  }
  return std::make_unique<ProgressStream>(std::move(rows), t, *progress);
}

}  // namespace

std::vector<TableInfo> read_events(Source& source, const Mapping& mapping, const Window& window,
                                   const EventSink& sink, std::vector<Event> annotations,
                                   std::ostream* progress, const std::function<void()>& before_finish,
                                   bool finish_source) {
  std::vector<std::unique_ptr<EventStream>> streams;
  std::vector<TableInfo> tables = source.tables();
  // One sort, and one memory budget, for all the small tables' events.
  SpillSorter events;
  bool any_small = false;
  for (TableId t : k_all_tables) {
    TableInfo& info = tables[static_cast<int>(t)];
    if (info.state != TableState::ok || t == TableId::system_logs) {
      continue;
    }
    any_small = true;
    RowDecoder decoder(t, mapping, window, info);
    std::vector<Event> one_row;
    auto rows = open_rows(source, t, progress);
    Row row;
    while (rows->next(row)) {
      one_row.clear();
      decoder.decode(row, one_row);
      for (const Event& e : one_row) {
        events.add(e);
      }
    }
  }
  if (any_small) {
    streams.push_back(events.sorted());
  }
  TableInfo& logs = tables[static_cast<int>(TableId::system_logs)];
  if (logs.state == TableState::ok) {
    streams.push_back(std::make_unique<DecodedStream>(open_rows(source, TableId::system_logs, progress),
                                                      RowDecoder(TableId::system_logs, mapping, window, logs)));
  }
  if (!annotations.empty()) {
    streams.push_back(std::make_unique<VectorStream>(std::move(annotations)));
  }
  Merger merged(std::move(streams));
  while (Event* e = merged.next()) {
    sink(*e);
  }
  if (before_finish) {
    before_finish();
  }
  if (finish_source) {
    source.finish();
  }
  return tables;
}

namespace {

// A finding that begins within trigger_window after an annotated event (a
// deploy, say) names it: the restart that broke logging follows the push. So
// does a short finding (a restart's hand-over) with the event inside it.
void name_triggers(std::vector<Finding>& findings, const std::vector<Event>& annotations, Micros within) {
  for (Finding& f : findings) {
    const Event* trigger = nullptr;
    bool short_span = f.end - f.start <= within;
    for (const Event& a : annotations) {
      bool before = a.time <= f.start && f.start - a.time <= within;
      bool during = short_span && a.time > f.start && a.time <= f.end;
      if (before || during) {
        trigger = &a;  // the latest one
      }
    }
    if (trigger != nullptr) {
      f.detail += " Possible trigger: " + trigger->source_type + " \"" + trigger->message + "\" at " +
                  format_utc(trigger->time) + ", " +
                  (trigger->time <= f.start ? format_duration(f.start - trigger->time) + " before."
                                            : "while it happened.");
      add_evidence(f, *trigger);
    }
  }
}

// A log line kept without its message (and, for the report, its ids): where
// its key and time are, and where they go.
struct Target {
  const std::string* key;
  Time time;
  bool* withheld;
  std::string* message;
  std::string* level;
  std::string* task_id;  // null: not wanted (check)
  std::string* worker_id;
};

// Each target's message (and ids) from the source, on the same snapshot, a
// thousand keys a query (a few milliseconds each; little memory beside
// what is kept).
void fetch(Source& source, std::vector<Target>& targets) {
  std::sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) { return *a.key < *b.key; });
  constexpr size_t k_batch = 1000;
  for (size_t at = 0; at < targets.size();) {
    std::vector<std::string> keys;
    size_t end = at;
    for (; end < targets.size() && (keys.size() < k_batch || *targets[end].key == keys.back()); ++end) {
      if (keys.empty() || *targets[end].key != keys.back()) {
        keys.push_back(*targets[end].key);
      }
    }
    std::vector<Source::LogMessage> rows = source.messages_of(keys);
    auto by_key_time = [](const Source::LogMessage& a, const Source::LogMessage& b) {
      return std::tie(a.key, a.time) < std::tie(b.key, b.time);
    };
    std::sort(rows.begin(), rows.end(), by_key_time);
    for (; at < end; ++at) {
      Target& target = targets[at];
      Source::LogMessage wanted{*target.key, target.time, {}, {}, {}, {}};
      auto it = std::lower_bound(rows.begin(), rows.end(), wanted, by_key_time);
      if (it == rows.end() || it->key != wanted.key || it->time != wanted.time) {
        // The same snapshot holds every row the window's query read: a miss
        // is a bug (pg_source.cpp's withheld_types), said, not quoted as "".
        throw Error(k_exit_internal, "internal error: the message of log row " + wanted.key + " at " +
                                         format_utc(wanted.time) + " could not be read back");
      }
      *target.message = it->message;
      *target.level = it->level;
      if (target.task_id != nullptr) {
        *target.task_id = it->task_id;
        *target.worker_id = it->worker_id;
      }
      *target.withheld = false;
    }
  }
}

// A source's last line as a target, its ids too when `ids`.
Target last_line_target(LogSource::Line& l, bool ids) {
  if (ids && !l.ids) {
    l.ids = std::make_unique<LogSource::Line::Ids>();
  }
  return {&l.key, l.time, &l.message_withheld, &l.message, &l.status, ids ? &l.ids->task_id : nullptr,
          ids ? &l.ids->worker_id : nullptr};
}

// The window's lines of withheld source types came without their message
// and level (Source::withheld_message_types), and for the report the last lines of
// refetched ones without message and ids (LogSource::refetch): the ones kept
// for the findings get them back before any detector finishes. Only the
// lines the detectors may cite: a source's last line only when one asks.
void fetch_withheld_messages(Source& source, LogSources& log_sources, const std::vector<Detector*>& detectors,
                             const Window& window, const WorkerTracker& workers) {
  std::vector<Target> targets;
  std::vector<uint32_t> sources;
  const bool ids = log_sources.whole_lines();
  KeptLogs keep{window, workers,
                [&](Event& e) {
                  if (e.message_withheld) {
                    targets.push_back({&e.key, e.time, &e.message_withheld, &e.message, &e.status,
                                       ids ? &e.task_id : nullptr, ids ? &e.worker_id : nullptr});
                  }
                },
                [&](const LogSource& s) { sources.push_back(s.index); }};
  for (Detector* d : detectors) {
    d->kept_logs(keep);
  }
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  for (uint32_t index : sources) {
    LogSource::Line& l = log_sources.at(index).last;
    if (l.message_withheld) {
      targets.push_back(last_line_target(l, ids));
    }
  }
  fetch(source, targets);
}

// The report's last line of each refetched source, once the detectors are
// done and their state gone: the lines come back into its room.
void fetch_last_lines(Source& source, LogSources& log_sources) {
  std::vector<Target> targets;
  for (uint32_t i = 0; i < log_sources.size(); ++i) {
    LogSource::Line& l = log_sources.at(i).last;
    if (l.message_withheld) {
      targets.push_back(last_line_target(l, true));
    }
  }
  fetch(source, targets);
}

}  // namespace

Analysis analyze(Source& source, const Mapping& mapping, const Window& window, const ObservationSink& sink,
                 std::vector<Event> annotations, std::ostream* progress) {
  const Catalogue catalogue(mapping);
  return analyze(source, mapping, catalogue, window, sink, std::move(annotations), progress);
}

Analysis analyze(Source& source, const Mapping& mapping, const Catalogue& catalogue, const Window& window,
                 const ObservationSink& sink, std::vector<Event> annotations, std::ostream* progress) {
  Analysis a;
  std::vector<Event> notes = annotations;
  a.window = window;
  // The report from PostgreSQL keeps its sources' last lines without message
  // and ids, read again once the detectors, fleet accounting and instances
  // are done and gone (their state's room): the read ends after that.
  std::vector<std::string> refetch = sink ? source.refetchable_types() : std::vector<std::string>();
  const bool refetching = !refetch.empty();
  LogSources* sources = nullptr;
  {  // the detectors, the fleet accounting and the instances, gone at its end
    FleetAccounting fleet(mapping, catalogue, a.workers);
    InstanceTracker instances;
    std::vector<std::unique_ptr<Detector>> all = make_detectors(mapping);
    // A detector whose tables are missing does not watch; it is listed as
    // skipped, so "nothing found" is never confused with "not checked".
    std::vector<Detector*> running;
    for (const auto& d : all) {
      std::string reason = skip_reason(*d, source.tables(), window);
      a.detectors.push_back(DetectorStatus{d->name(), reason.empty(), reason});
      if (reason.empty()) {
        running.push_back(d.get());
      }
    }
    std::vector<std::string> withheld = source.withheld_message_types();
    if (sink && !withheld.empty()) {
      throw Error(k_exit_internal, "internal error: the report needs every log line's message");
    }
    auto log_sources = std::make_unique<LogSources>(static_cast<bool>(sink), std::move(withheld), std::move(refetch));
    sources = log_sources.get();
    std::vector<Detector*> for_worker_logs;  // the lines of sources that are not orchestrators
    std::copy_if(running.begin(), running.end(), std::back_inserter(for_worker_logs),
                 [](const Detector* d) { return d->reads_worker_logs(); });
    a.tables = read_events(source, mapping, window, [&](Event& e) {
      Observation o{e, Role::other, Fact{}};
      if (e.origin == Origin::system_logs && e.type == EventType::log) {
        o.source = &log_sources->of(e, catalogue);
        o.role = o.source->role;
        if (o.role == Role::orchestrator) {
          o.fact = catalogue.fact_of(e.message);
        }
      }
      if (e.origin != Origin::annotations) {
        o.life = a.workers.on_event(e);
        fleet.on_event(o);
        instances.on_event(o);
        for (Detector* d : o.source != nullptr && o.role != Role::orchestrator ? for_worker_logs : running) {
          d->on_event(o);
        }
      }
      if (sink) {
        sink(o);
      }
      if (o.source != nullptr) {
        log_sources->seen(*o.source, e);
      }
    }, std::move(annotations), progress,
                           [&] { fetch_withheld_messages(source, *log_sources, running, window, a.workers); },
                           !refetching);
    a.log_sources = std::move(log_sources);
    fleet.finish();
    const std::vector<Succession> successions =
        instances.successions(mapping.thresholds.handover, mapping.thresholds.tolerance);
    for (Detector* d : finishing_order(running)) {
      DetectorContext ctx{window, mapping, catalogue, a.tables, a.workers, fleet, instances, successions, a.findings};
      std::vector<Finding> found;
      d->finish(ctx, found);
      for (Finding& f : found) {
        f.detector = d->name();
      }
      // Moved whole, or into room made once: grown by doubling, 2,620
      // findings (a day whose workers' logging broke) held the old and the
      // new buffer at once, 3 MB of Finding structs.
      if (a.findings.empty()) {
        a.findings = std::move(found);
      } else {
        a.findings.reserve(a.findings.size() + found.size());
        std::move(found.begin(), found.end(), std::back_inserter(a.findings));
      }
    }
  }
  if (refetching) {
    check_interrupt();  // no query ran while the detectors finished: a Ctrl-C then stops here
    fetch_last_lines(source, *sources);
    source.finish();
  }
  name_triggers(a.findings, notes, mapping.thresholds.trigger_window);
  number_findings(a.findings);
  return a;
}

std::vector<const Finding*> by_severity(const std::vector<Finding>& findings) {
  std::vector<const Finding*> out;
  for (const Finding& f : findings) {
    out.push_back(&f);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Finding* a, const Finding* b) { return a->severity > b->severity; });
  return out;
}

}  // namespace tlrecon
