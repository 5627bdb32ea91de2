#include "tlrecon/mapping.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include "tlrecon/error.hpp"

namespace tlrecon {

const char* table_name(TableId table) {
  switch (table) {
    case TableId::workers: return "workers";
    case TableId::tasks: return "tasks";
    case TableId::workflow_decisions: return "workflow_decisions";
    case TableId::workflow_executions: return "workflow_executions";
    case TableId::system_logs: return "system_logs";
  }
  return "?";
}

const std::vector<std::string>& field_names(TableId table) {
  static const std::array<std::vector<std::string>, k_table_count> k_names = {{
      {"id", "instance_type", "status", "created_at", "last_heartbeat", "orchestrator_status",
       "promoted_to_active_at", "terminated_at", "error_reason", "error_time", "runpod_id"},
      {"id", "task_type", "status", "worker_id", "created_at", "updated_at",
       "generation_started_at", "generation_processed_at", "attempts", "error_message"},
      {"decision_id", "decision_time", "workflow_name", "action", "reason", "priority",
       "triggered_by"},
      {"execution_id", "execution_time", "workflow_name", "decision_id", "status",
       "duration_seconds", "scrapers_triggered", "scrapers_succeeded", "scrapers_failed",
       "error_message"},
      {"id", "timestamp", "source_type", "source_id", "log_level", "message", "task_id",
       "worker_id", "cycle_number"},
  }};
  return k_names[static_cast<int>(table)];
}

int key_field(TableId) { return 0; }

int time_field(TableId table) {
  switch (table) {
    case TableId::workers: return field::w_created_at;
    case TableId::tasks: return field::t_created_at;
    case TableId::workflow_decisions: return field::d_time;
    case TableId::workflow_executions: return field::e_time;
    case TableId::system_logs: return field::l_time;
  }
  return 1;
}

Mapping default_mapping() {
  Mapping m;
  for (TableId t : k_all_tables) {
    TableMapping& tm = m[t];
    tm.table = table_name(t);
    for (const std::string& name : field_names(t)) {
      tm.columns.push_back(ColumnSpec{name, "", ""});
    }
  }
  // The worker lifecycle beyond creation lives in workers.metadata (jsonb).
  TableMapping& w = m[TableId::workers];
  for (int f : {field::w_orchestrator_status, field::w_promoted_at, field::w_terminated_at,
                field::w_error_reason, field::w_error_time, field::w_runpod_id}) {
    w.columns[f] = ColumnSpec{"metadata", field_names(TableId::workers)[f], ""};
  }
  return m;
}

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& origin, const std::string& key, const std::string& problem) {
  throw usage_error(origin + ": " + key + ": " + problem);
}

std::string known_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out;
}

void expect_object(const json& v, const std::string& origin, const std::string& key) {
  if (!v.is_object()) {
    bad(origin, key, "expected an object");
  }
}

std::string get_string(const json& v, const std::string& origin, const std::string& key) {
  if (!v.is_string()) {
    bad(origin, key, std::string("expected a string, got ") + v.type_name());
  }
  std::string s = v.get<std::string>();
  if (s.find('\0') != std::string::npos) {
    bad(origin, key, "contains a NUL character");
  }
  return s;
}

Micros get_duration(const json& v, const std::string& origin, const std::string& key) {
  if (v.is_number()) {
    double seconds = v.get<double>();
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > 1e9) {
      bad(origin, key, "expected a positive number of seconds");
    }
    return Micros(static_cast<long long>(seconds * 1e6));
  }
  std::string s = get_string(v, origin, key);
  auto d = parse_duration(s);
  if (!d || d->count() <= 0) {
    bad(origin, key, "cannot read '" + s + "' as a duration; expected e.g. 90s, 5m, 2h");
  }
  return *d;
}

ColumnSpec get_column(const json& v, const std::string& origin, const std::string& key) {
  ColumnSpec spec;
  if (v.is_null()) {
    return spec;  // explicitly unmapped
  }
  if (v.is_string()) {
    spec.column = get_string(v, origin, key);
  } else if (v.is_object()) {
    for (const auto& [k, item] : v.items()) {
      if (k == "column") {
        spec.column = get_string(item, origin, key + ".column");
      } else if (k == "key") {
        spec.json_key = get_string(item, origin, key + ".key");
      } else if (k == "zone") {
        spec.zone = get_string(item, origin, key + ".zone");
        try {
          check_zone(spec.zone);
        } catch (const Error& e) {
          bad(origin, key + ".zone", e.what());
        }
      } else {
        bad(origin, key + "." + k, "unknown key; expected column, key or zone");
      }
    }
    if (spec.column.empty()) {
      bad(origin, key, "needs a \"column\"");
    }
  } else {
    bad(origin, key, std::string("expected a column name, {\"column\": …, \"key\": …} or null, got ") +
                         v.type_name());
  }
  if (spec.column.empty() && v.is_string()) {
    bad(origin, key, "the column name is empty");
  }
  return spec;
}

std::vector<std::string> get_patterns(const json& v, const std::string& origin, const std::string& key) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(get_string(v, origin, key));
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      out.push_back(get_string(v[i], origin, key + "[" + std::to_string(i) + "]"));
    }
  } else {
    bad(origin, key, "expected a string or an array of strings");
  }
  return out;
}

// Catalogue entries: [{"fact": "scale_up", "pattern": "…(?P<n>\\d+)…"}, …].
// Whether the fact is known and the pattern has its groups is checked when
// the catalogue is compiled (catalogue.cpp).
std::vector<FactPattern> get_facts(const json& v, const std::string& origin, const std::string& key) {
  if (!v.is_array()) {
    bad(origin, key, "expected an array of {\"fact\": …, \"pattern\": …}");
  }
  std::vector<FactPattern> out;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string at = key + "[" + std::to_string(i) + "]";
    expect_object(v[i], origin, at);
    FactPattern fp;
    for (const auto& [k, item] : v[i].items()) {
      if (k == "fact") {
        fp.fact = get_string(item, origin, at + ".fact");
      } else if (k == "pattern") {
        fp.pattern = get_string(item, origin, at + ".pattern");
      } else {
        bad(origin, at + "." + k, "unknown key; expected fact and pattern");
      }
    }
    if (fp.fact.empty() || fp.pattern.empty()) {
      bad(origin, at, "needs both \"fact\" and \"pattern\"");
    }
    out.push_back(fp);
  }
  return out;
}

void apply_table(TableMapping& tm, TableId t, const json& doc, const std::string& origin) {
  std::string base = "tables." + std::string(table_name(t));
  expect_object(doc, origin, base);
  for (const auto& [k, v] : doc.items()) {
    if (k == "table") {
      tm.table = get_string(v, origin, base + ".table");
      if (tm.table.empty()) {
        bad(origin, base + ".table", "the table name is empty");
      }
    } else if (k == "schema") {
      tm.schema = get_string(v, origin, base + ".schema");
    } else if (k == "columns") {
      expect_object(v, origin, base + ".columns");
      const auto& names = field_names(t);
      for (const auto& [name, spec] : v.items()) {
        auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end()) {
          bad(origin, base + ".columns." + name, "unknown field; known: " + known_list(names));
        }
        int index = static_cast<int>(it - names.begin());
        ColumnSpec cs = get_column(spec, origin, base + ".columns." + name);
        if ((index == key_field(t) || index == time_field(t)) &&
            (cs.column.empty() || !cs.json_key.empty())) {
          bad(origin, base + ".columns." + name,
              "the key and the row time must each be a plain column");
        }
        tm.columns[index] = cs;
      }
    } else {
      bad(origin, base + "." + k, "unknown key; expected table, schema or columns");
    }
  }
}

void apply_tables(Mapping& m, const json& tables, const std::string& origin) {
  expect_object(tables, origin, "tables");
  for (const auto& [name, doc] : tables.items()) {
    // A structured binding cannot be captured before C++20 (clang refuses it).
    const std::string& table = name;
    auto known = std::find_if(k_all_tables.begin(), k_all_tables.end(),
                              [&](TableId t) { return table == table_name(t); });
    if (known == k_all_tables.end()) {
      bad(origin, "tables." + name,
          "unknown table; known: workers, tasks, workflow_decisions, workflow_executions, system_logs");
    }
    apply_table(m[*known], *known, doc, origin);
  }
}

// The thresholds that are durations, by their name in the file.
struct DurationThreshold {
  const char* name;
  Micros Thresholds::*value;
};
constexpr DurationThreshold k_duration_thresholds[] = {
    {"gap_min", &Thresholds::gap_min},
    {"grace", &Thresholds::grace},
    {"burst_gap", &Thresholds::burst_gap},
    {"tolerance", &Thresholds::tolerance},
    {"early_termination", &Thresholds::early_termination},
    {"promotion_timeout", &Thresholds::promotion_timeout},
    {"heartbeat_stale", &Thresholds::heartbeat_stale},
    {"trigger_window", &Thresholds::trigger_window},
    {"handover", &Thresholds::handover},
    {"log_lookback", &Thresholds::log_lookback},
    {"lookback", &Thresholds::lookback},
    {"statement_timeout", &Thresholds::statement_timeout},
};

void apply_thresholds(Thresholds& th, const json& thresholds, const std::string& origin) {
  expect_object(thresholds, origin, "thresholds");
  for (const auto& [name, item] : thresholds.items()) {
    std::string key = "thresholds." + name;
    const std::string& threshold = name;  // a structured binding cannot be captured before C++20
    auto duration = std::find_if(std::begin(k_duration_thresholds), std::end(k_duration_thresholds),
                                 [&](const DurationThreshold& d) { return threshold == d.name; });
    if (name == "log_lookback" && item.is_null()) {
      th.log_lookback = Micros::zero();  // no bound (mapping.hpp)
    } else if (duration != std::end(k_duration_thresholds)) {
      th.*(duration->value) = get_duration(item, origin, key);
    } else if (name == "gap_factor") {
      if (!item.is_number() || !std::isfinite(item.get<double>()) || item.get<double>() < 1.0 ||
          item.get<double>() > 1000.0) {
        bad(origin, key, "expected a number from 1 to 1000");
      }
      th.gap_factor = item.get<double>();
    } else {
      bad(origin, key,
          "unknown threshold; known: gap_min, gap_factor, grace, burst_gap, tolerance, "
          "early_termination, promotion_timeout, heartbeat_stale, trigger_window, handover, lookback, "
          "log_lookback, statement_timeout");
    }
  }
}

void apply_patterns(Patterns& p, const json& patterns, const std::string& origin) {
  expect_object(patterns, origin, "patterns");
  for (const auto& [name, item] : patterns.items()) {
    std::string key = "patterns." + name;
    if (name == "orchestrator_source") {
      p.orchestrator_source = get_string(item, origin, key);
    } else if (name == "worker_source") {
      p.worker_source = get_string(item, origin, key);
    } else if (name == "scale_up") {
      p.scale_up = get_patterns(item, origin, key);
    } else if (name == "startup") {
      p.startup = get_patterns(item, origin, key);
    } else if (name == "facts") {
      p.facts = get_facts(item, origin, key);
    } else if (name == "default_facts") {
      if (!item.is_boolean()) {
        bad(origin, key, "expected true or false");
      }
      p.default_facts = item.get<bool>();
    } else if (name == "unmanaged_instance_types") {
      p.unmanaged_instance_types = get_patterns(item, origin, key);
    } else {
      bad(origin, key,
          "unknown pattern; known: orchestrator_source, worker_source, facts, default_facts, "
          "unmanaged_instance_types, scale_up, startup");
    }
  }
}

}  // namespace

void apply_mapping(Mapping& m, const json& doc, const std::string& origin) {
  if (!doc.is_object()) {
    bad(origin, "(top level)", "expected a JSON object");
  }
  for (const auto& [k, v] : doc.items()) {
    if (k == "tables") {
      apply_tables(m, v, origin);
    } else if (k == "thresholds") {
      apply_thresholds(m.thresholds, v, origin);
    } else if (k == "patterns") {
      apply_patterns(m.patterns, v, origin);
    } else {
      bad(origin, k, "unknown key; expected tables, thresholds or patterns");
    }
  }
}

std::string read_mapping_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw usage_error("cannot open mapping file '" + path + "'");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Mapping parse_mapping_file(const std::string& text, const std::string& path) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is the offset of the error; turn it into a line number.
    size_t upto = std::min<size_t>(e.byte, text.size());
    size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<long>(upto), '\n'));
    throw usage_error("mapping file '" + path + "' line " + std::to_string(line) +
                      ": not valid JSON");
  } catch (const json::exception& e) {
    // Not a syntax error, but JSON this library cannot hold (a number like 1e999).
    throw usage_error("mapping file '" + path + "': not usable JSON (" + e.what() + ")");
  }
  Mapping m = default_mapping();
  apply_mapping(m, doc, "mapping file '" + path + "'");
  return m;
}

Mapping load_mapping(const std::string& path) { return parse_mapping_file(read_mapping_file(path), path); }

nlohmann::ordered_json mapping_to_json(const Mapping& m) {
  nlohmann::ordered_json out;
  nlohmann::ordered_json tables = nlohmann::ordered_json::object();
  for (TableId t : k_all_tables) {
    const TableMapping& tm = m[t];
    nlohmann::ordered_json jt;
    if (!tm.schema.empty()) {
      jt["schema"] = tm.schema;
    }
    jt["table"] = tm.table;
    nlohmann::ordered_json cols = nlohmann::ordered_json::object();
    const auto& names = field_names(t);
    for (size_t i = 0; i < names.size(); ++i) {
      const ColumnSpec& cs = tm.columns[i];
      if (cs.column.empty()) {
        cols[names[i]] = nullptr;
      } else if (cs.json_key.empty() && cs.zone.empty()) {
        cols[names[i]] = cs.column;
      } else {
        nlohmann::ordered_json c;
        c["column"] = cs.column;
        if (!cs.json_key.empty()) {
          c["key"] = cs.json_key;
        }
        if (!cs.zone.empty()) {
          c["zone"] = cs.zone;
        }
        cols[names[i]] = c;
      }
    }
    jt["columns"] = cols;
    tables[table_name(t)] = jt;
  }
  out["tables"] = tables;
  auto secs = [](Micros d) { return static_cast<double>(d.count()) / 1e6; };
  const Thresholds& th = m.thresholds;
  out["thresholds"] = {{"gap_min", secs(th.gap_min)},
                       {"gap_factor", th.gap_factor},
                       {"grace", secs(th.grace)},
                       {"burst_gap", secs(th.burst_gap)},
                       {"tolerance", secs(th.tolerance)},
                       {"early_termination", secs(th.early_termination)},
                       {"promotion_timeout", secs(th.promotion_timeout)},
                       {"heartbeat_stale", secs(th.heartbeat_stale)},
                       {"trigger_window", secs(th.trigger_window)},
                       {"handover", secs(th.handover)},
                       {"lookback", secs(th.lookback)},
                       {"log_lookback", th.log_lookback.count() == 0 ? nlohmann::ordered_json(nullptr)
                                                                      : nlohmann::ordered_json(secs(th.log_lookback))},
                       {"statement_timeout", secs(th.statement_timeout)}};
  nlohmann::ordered_json facts = nlohmann::ordered_json::array();
  for (const FactPattern& fp : m.patterns.facts) {
    facts.push_back({{"fact", fp.fact}, {"pattern", fp.pattern}});
  }
  out["patterns"] = {{"orchestrator_source", m.patterns.orchestrator_source},
                     {"worker_source", m.patterns.worker_source},
                     {"facts", facts},
                     {"default_facts", m.patterns.default_facts},
                     {"unmanaged_instance_types", m.patterns.unmanaged_instance_types},
                     {"scale_up", m.patterns.scale_up},
                     {"startup", m.patterns.startup}};
  return out;
}

}  // namespace tlrecon
