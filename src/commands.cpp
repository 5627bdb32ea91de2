#include "tlrecon/commands.hpp"

#include <functional>

#include "tlrecon/decode.hpp"
#include "tlrecon/error.hpp"
#include "tlrecon/merge.hpp"
#include "tlrecon/pg_source.hpp"
#include "tlrecon/snapshot.hpp"
#include "tlrecon/text.hpp"

namespace tlrecon {

namespace {

// The source, mapping and window a command works on.
struct Input {
  Mapping mapping;
  Window window{};
  std::unique_ptr<Source> source;
};

Micros duration_option(const std::string& option, const std::string& text) {
  auto d = parse_duration(text);
  if (!d || d->count() <= 0) {
    throw usage_error(option + ": cannot read '" + text +
                      "' as a duration; expected e.g. 90s, 30m, 2h, 1d");
  }
  return *d;
}

Input open_input(const CommonOptions& common) {
  Input in;
  in.mapping = common.config.empty() ? default_mapping() : load_mapping(common.config);
  if (!common.timeout.empty()) {
    in.mapping.thresholds.statement_timeout = duration_option("--timeout", common.timeout);
  }
  if (!common.from.empty()) {
    if (!common.dsn.empty()) {
      throw usage_error("--from and --dsn are two sources; give one");
    }
    // The snapshot says where its columns came from and how far back it read.
    SnapshotInfo snap = read_snapshot_manifest(common.from);
    in.mapping.tables = snap.mapping.tables;
    in.mapping.thresholds.lookback = snap.mapping.thresholds.lookback;
    if (!common.lookback.empty()) {
      in.mapping.thresholds.lookback = duration_option("--lookback", common.lookback);
    }
    in.window = resolve_window(common.window, now_utc(), snap.window);
    if (in.window.since < snap.window.since || in.window.until > snap.window.until) {
      throw usage_error("the window [" + format_utc(in.window.since) + ", " +
                        format_utc(in.window.until) + ") reaches outside the snapshot's [" +
                        format_utc(snap.window.since) + ", " + format_utc(snap.window.until) + ")");
    }
    in.source = open_snapshot(common.from);
    return in;
  }
  if (!common.lookback.empty()) {
    in.mapping.thresholds.lookback = duration_option("--lookback", common.lookback);
  }
  in.window = resolve_window(common.window, now_utc(), std::nullopt);
  PgOptions pg;
  pg.dsn = common.dsn;
  pg.statement_timeout = in.mapping.thresholds.statement_timeout;
  in.source = open_postgres(pg, in.mapping, in.window);
  return in;
}

// Reads every table and hands each event to `sink` in timeline order.
// The small tables are read whole first: a worker or task row becomes
// several events at different times, so they need sorting, and they are
// small. system_logs, the big one, streams last, merged as it arrives.
void read_events(Input& in, const std::function<void(const Event&)>& sink) {
  std::vector<std::unique_ptr<EventStream>> streams;
  std::vector<TableInfo>& tables = in.source->tables();
  for (TableId t : k_all_tables) {
    TableInfo& info = tables[static_cast<int>(t)];
    if (info.state != TableState::ok || t == TableId::system_logs) {
      continue;
    }
    RowDecoder decoder(t, in.mapping, in.window, info);
    std::vector<Event> events;
    auto rows = in.source->open(t);
    Row row;
    while (rows->next(row)) {
      decoder.decode(row, events);
    }
    streams.push_back(std::make_unique<VectorStream>(std::move(events)));
  }
  TableInfo& logs = tables[static_cast<int>(TableId::system_logs)];
  if (logs.state == TableState::ok) {
    streams.push_back(std::make_unique<DecodedStream>(
        in.source->open(TableId::system_logs),
        RowDecoder(TableId::system_logs, in.mapping, in.window, logs)));
  }
  Merger merged(std::move(streams));
  Event e;
  while (merged.next(e)) {
    sink(e);
  }
  in.source->finish();
}

// Rows that could not be placed are never dropped silently.
void warn_about_rows(const std::vector<TableInfo>& tables, std::ostream& err) {
  for (const TableInfo& t : tables) {
    std::string name = table_name(t.id);
    if (t.state != TableState::ok) {
      err << "tlrecon: note: " << name << " " << table_state_name(t.state) << ": " << t.reason << "\n";
      continue;
    }
    if (t.rejected > 0) {
      err << "tlrecon: warning: " << name << ": " << t.rejected
          << " rows could not be placed on the timeline\n";
    }
    if (t.duplicates > 0) {
      err << "tlrecon: warning: " << name << ": " << t.duplicates << " duplicate rows skipped\n";
    }
    if (t.bad_values > 0) {
      err << "tlrecon: warning: " << name << ": " << t.bad_values << " unreadable times\n";
    }
    for (const std::string& p : t.problems) {
      err << "tlrecon:   " << name << " " << visible(p) << "\n";
    }
  }
}

}  // namespace

int run_timeline(const CommonOptions& common, const TimelineOptions& options, std::ostream& out,
                 std::ostream& err) {
  if (!options.tz.empty()) {
    check_zone(options.tz, "--tz");
  }
  // 1. Open the source and fix the window.
  Input in = open_input(common);
  // 2. Merge every table into one stream, writing each event as it comes.
  auto writer = make_timeline_writer(options, out);
  writer->header(in.window);
  read_events(in, [&](const Event& e) {
    if (!e.context) {
      writer->event(e);
    }
  });
  // 3. Close with what was read, so a reader can tell a complete output.
  writer->trailer(in.window, in.source->tables());
  out.flush();
  if (!common.quiet) {
    warn_about_rows(in.source->tables(), err);
  }
  return k_exit_ok;
}

int run_snapshot(const CommonOptions& common, const std::string& out_dir, std::ostream& out,
                 std::ostream& err) {
  if (!common.from.empty()) {
    throw usage_error("snapshot reads from PostgreSQL; --from is not a source for it");
  }
  Input in = open_input(common);
  SnapshotSummary s = write_snapshot(*in.source, in.mapping, in.window, out_dir);
  out << "snapshot of [" << format_utc(in.window.since) << ", " << format_utc(in.window.until)
      << ") written to " << s.dir << "\n";
  for (const TableInfo& t : s.tables) {
    out << "  " << table_name(t.id) << ": ";
    if (t.state == TableState::ok) {
      out << t.rows << " rows\n";
    } else {
      out << table_state_name(t.state) << " (" << t.reason << ")\n";
    }
  }
  (void)err;
  return k_exit_ok;
}

}  // namespace tlrecon
