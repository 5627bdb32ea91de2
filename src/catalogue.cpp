#include "tlrecon/catalogue.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include <re2/re2.h>
#include <re2/set.h>

#include "tlrecon/error.hpp"

namespace tlrecon {

struct PatternSet::Impl {
  std::unique_ptr<RE2> re;
  std::unordered_map<std::string, bool> memo;
};

PatternSet::PatternSet(const std::vector<std::string>& patterns, const std::string& what)
    : m_impl(std::make_unique<Impl>()) {
  std::string combined;
  for (const std::string& p : patterns) {
    RE2 one(p, RE2::Quiet);
    if (!one.ok()) {
      throw usage_error(what + ": pattern '" + p + "' does not compile: " + one.error());
    }
    combined += (combined.empty() ? "" : "|") + std::string("(?:") + p + ")";
  }
  if (!combined.empty()) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(64 << 20);
    m_impl->re = std::make_unique<RE2>(combined, options);
  }
}

PatternSet::~PatternSet() = default;
PatternSet::PatternSet(PatternSet&&) noexcept = default;

bool PatternSet::matches(const std::string& text) const {
  return m_impl->re && RE2::PartialMatch(text, *m_impl->re);
}

bool PatternSet::matches_cached(const std::string& text) const {
  auto it = m_impl->memo.find(text);
  if (it != m_impl->memo.end()) {
    return it->second;
  }
  bool result = matches(text);
  constexpr size_t k_max_memo = 4096;  // source types are few; never let hostile data grow it
  if (m_impl->memo.size() < k_max_memo) {
    m_impl->memo.emplace(text, result);
  }
  return result;
}

namespace {

// Each fact kind: its name in mappings and outputs, the groups it must
// have, and the groups it may have.
struct KindInfo {
  FactKind kind;
  const char* name;
  std::vector<std::string> required;
  std::vector<std::string> optional;
};

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> k = {
      {FactKind::cycle_start, "cycle_start", {}, {"cycle", "queued", "active"}},
      {FactKind::task_count, "task_count", {"queued"}, {"cycle", "active", "total"}},
      {FactKind::scaling_decision, "scaling_decision", {"desired"}, {"cycle", "current", "spawning"}},
      {FactKind::scale_up, "scale_up", {"n"}, {"current", "desired", "cycle"}},
      {FactKind::worker_spawned, "worker_spawned", {"i", "n"}, {"id"}},
      {FactKind::worker_created, "worker_created", {"id"}, {}},
      {FactKind::spawn_failed, "spawn_failed", {}, {"i", "n", "id", "reason"}},
      {FactKind::scale_blocked, "scale_blocked", {}, {"n", "reason"}},
      {FactKind::promoted, "promoted", {"id"}, {}},
      {FactKind::terminating, "terminating", {"id"}, {"reason"}},
      {FactKind::cycle_completed, "cycle_completed", {}, {"spawned", "promoted", "terminated", "failed", "cycle"}},
      {FactKind::startup, "startup", {}, {"id"}},
      {FactKind::shutdown, "shutdown", {}, {}},
  };
  return k;
}

const KindInfo* kind_named(const std::string& name) {
  for (const KindInfo& k : kinds()) {
    if (name == k.name) {
      return &k;
    }
  }
  return nullptr;
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::optional<int64_t> integer(const re2::StringPiece& piece) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), v);
  if (ec != std::errc() || end != piece.data() + piece.size() || piece.empty()) {
    return std::nullopt;
  }
  return v;
}

void set_value(Fact& f, const std::string& group, const re2::StringPiece& piece) {
  if (group == "id") {
    f.id = std::string(piece);
    return;
  }
  if (group == "reason") {
    f.reason = std::string(piece);
    return;
  }
  std::optional<int64_t> v = integer(piece);
  std::optional<int64_t>* slot = group == "cycle"      ? &f.cycle
                                 : group == "queued"     ? &f.queued
                                 : group == "active"     ? &f.active
                                 : group == "current"    ? &f.current
                                 : group == "spawning"   ? &f.spawning
                                 : group == "desired"    ? &f.desired
                                 : group == "n"          ? &f.n
                                 : group == "i"          ? &f.i
                                 : group == "spawned"    ? &f.spawned
                                 : group == "promoted"   ? &f.promoted
                                 : group == "terminated" ? &f.terminated
                                 : group == "failed"     ? &f.failed
                                                         : nullptr;
  if (slot != nullptr) {
    *slot = v;
  }
}

}  // namespace

const char* fact_kind_name(FactKind kind) {
  for (const KindInfo& k : kinds()) {
    if (k.kind == kind) {
      return k.name;
    }
  }
  return "none";
}

const std::vector<FactPattern>& default_facts() {
  // Tried in this order. Emoji are left out of the patterns: the same lines
  // arrive with and without them, and as mojibake.
  static const std::vector<FactPattern> k = {
      {"spawn_failed", R"((?i)\bfailed to spawn worker (?P<i>\d+)/(?P<n>\d+))"},
      {"spawn_failed", R"((?i)\bfailed to launch worker (?P<id>[^\s:]+))"},
      {"spawn_failed", R"((?i)\berror spawning worker\b)"},
      {"scale_blocked", R"((?i)\bscaling blocked\b(?:.*\bnot spawning (?P<n>\d+) workers?)?)"},
      {"scale_blocked", R"((?i)\bscale-up suppressed\b(?:.*\bskipping spawn of (?P<n>\d+) workers?)?)"},
      {"task_count", R"((?i)\btask count \(cycle #(?P<cycle>\d+)\): queued=(?P<queued>\d+), active=(?P<active>\d+)(?:, total=(?P<total>\d+))?)"},
      {"scaling_decision", R"((?i)\bscaling decision \(cycle #(?P<cycle>\d+)\): current=(?P<current>\d+)\+(?P<spawning>\d+), desired=(?P<desired>\d+))"},
      {"cycle_start", R"((?i)\bstarting orchestrator cycle\b)"},
      {"cycle_start", R"((?i)^\W*cycle #(?P<cycle>\d+): scaling=(?P<queued>\d+) active=(?P<active>\d+))"},
      {"scale_up", R"((?i)\bscaling up: spawning (?P<n>\d+) workers?\b(?:.*current: (?P<current>\d+), desired: (?P<desired>\d+))?)"},
      {"scale_up", R"((?i)\bscaling up: need (?P<n>\d+) more workers?\b(?:.*current: (?P<current>\d+), desired: (?P<desired>\d+))?)"},
      {"scale_up", R"((?i)\bspawn(?:ing)? (?P<n>[1-9]\d*) (?:new )?(?:gpu )?workers?\b)"},
      {"worker_spawned", R"((?i)\bworker (?P<i>\d+)/(?P<n>\d+) spawned\b)"},
      {"worker_created", R"((?i)\bcreating worker: (?P<id>[^\s(]+))"},
      {"promoted", R"((?i)\bworker (?P<id>\S+) detected as active\b)"},
      {"promoted", R"((?i)\bworker (?P<id>\S+) signaled ready_for_tasks\b)"},
      {"promoted", R"((?i)\bworker (?P<id>\S+) has recent heartbeat\b.*\bpromoting\b)"},
      {"terminating", R"((?i)\bworker_lifecycle \[worker (?P<id>[^\]]+)\] terminating worker(?: \(reason: (?P<reason>[^)]*)\))?)"},
      {"terminating", R"((?i)\bterminated (?:idle|spawning) worker (?P<id>\S+))"},
      {"cycle_completed", R"((?i)\bcycle completed: \{'workers_promoted': (?P<promoted>\d+), 'workers_failed': (?P<failed>\d+), 'workers_spawned': (?P<spawned>\d+), 'workers_terminated': (?P<terminated>\d+))"},
      {"cycle_completed", R"((?i)\bcycle completed: \{.*'workers_spawned': (?P<spawned>\d+))"},
      {"cycle_completed", R"((?i)\bcycle completed: (?P<spawned>\d+) spawned, (?P<terminated>\d+) terminated)"},
      {"cycle_completed", R"((?i)\borchestrator cycle completed in\b)"},
      {"startup", R"((?i)\bdatabase logging enabled: (?P<id>\S+) -> )"},
      {"startup", R"((?i)\borchestrator (?:starting|started|startup)\b)"},
      {"startup", R"((?i)\bstarting (?:gpu |api )?orchestrator\b)"},
      {"shutdown", R"((?i)\borchestrator stopped by user\b)"},
  };
  return k;
}

std::vector<FactPattern> catalogue_entries(const Patterns& patterns) {
  std::vector<FactPattern> out = patterns.facts;
  for (const std::string& p : patterns.scale_up) {
    out.push_back({"scale_up", p});
  }
  for (const std::string& p : patterns.startup) {
    out.push_back({"startup", p});
  }
  if (patterns.default_facts) {
    out.insert(out.end(), default_facts().begin(), default_facts().end());
  }
  return out;
}

// The entries compiled twice: all at once in an RE2::Set, which says which
// entries match in one pass over the line, and each alone, to read the
// groups of the first that matched.
struct Catalogue::Entries {
  struct Entry {
    FactKind kind;
    std::unique_ptr<RE2> re;
    std::vector<std::pair<int, std::string>> groups;  // capture index, group name
  };
  RE2::Set set{RE2::Options(), RE2::UNANCHORED};
  std::vector<Entry> entries;
};

Catalogue::Catalogue(const Mapping& mapping)
    : m_orchestrator({mapping.patterns.orchestrator_source}, "patterns.orchestrator_source"),
      m_worker({mapping.patterns.worker_source}, "patterns.worker_source"),
      m_entries(std::make_unique<Entries>()),
      m_unmanaged(mapping.patterns.unmanaged_instance_types) {
  const size_t legacy_from = mapping.patterns.facts.size();
  const size_t legacy_to = legacy_from + mapping.patterns.scale_up.size() + mapping.patterns.startup.size();
  std::vector<FactPattern> all = catalogue_entries(mapping.patterns);
  for (size_t i = 0; i < all.size(); ++i) {
    const FactPattern& fp = all[i];
    std::string what = "patterns.facts: entry '" + fp.pattern + "'";
    const KindInfo* info = kind_named(fp.fact);
    if (info == nullptr) {
      std::string known;
      for (const KindInfo& k : kinds()) {
        known += (known.empty() ? "" : ", ") + std::string(k.name);
      }
      throw usage_error("patterns.facts: unknown fact '" + fp.fact + "'; known: " + known);
    }
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<RE2>(fp.pattern, options);
    if (!re->ok()) {
      throw usage_error(what + " does not compile: " + re->error());
    }
    Entries::Entry entry{info->kind, std::move(re), {}};
    for (const auto& [name, index] : entry.re->NamedCapturingGroups()) {
      if (!contains(info->required, name) && !contains(info->optional, name)) {
        throw usage_error(what + ": a " + fp.fact + " fact has no group '" + name + "'");
      }
      entry.groups.emplace_back(index, name);
    }
    // The old scale_up list stated no counts: such a line accounts for one worker.
    bool legacy = i >= legacy_from && i < legacy_to;
    for (const std::string& need : info->required) {
      if (!legacy && entry.re->NamedCapturingGroups().count(need) == 0) {
        throw usage_error(what + ": a " + fp.fact + " fact needs the group (?P<" + need + ">…)");
      }
    }
    std::string error;
    if (m_entries->set.Add(fp.pattern, &error) < 0) {
      throw usage_error(what + " does not compile: " + error);
    }
    m_entries->entries.push_back(std::move(entry));
  }
  if (!m_entries->set.Compile()) {
    throw usage_error("patterns.facts: the catalogue is too large to compile");
  }
}

Catalogue::~Catalogue() = default;

Role Catalogue::role_of(const std::string& source_type) const {
  // Asked once a log source (LogSources), not once a line.
  if (m_orchestrator.matches_cached(source_type)) {
    return Role::orchestrator;
  }
  return m_worker.matches_cached(source_type) ? Role::worker : Role::other;
}

bool Catalogue::managed(const std::string& instance_type) const { return !contains(m_unmanaged, instance_type); }

Fact Catalogue::fact_of(const std::string& message) const {
  Fact f;
  std::vector<int> hits;
  if (m_entries->entries.empty() || !m_entries->set.Match(message, &hits) || hits.empty()) {
    return f;
  }
  const Entries::Entry& entry = m_entries->entries[*std::min_element(hits.begin(), hits.end())];
  f.kind = entry.kind;
  if (entry.groups.empty()) {
    return f;
  }
  int count = entry.re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> pieces(static_cast<size_t>(count));
  if (!entry.re->Match(message, 0, message.size(), RE2::UNANCHORED, pieces.data(), count)) {
    return f;
  }
  for (const auto& [index, name] : entry.groups) {
    if (pieces[static_cast<size_t>(index)].data() != nullptr) {
      set_value(f, name, pieces[static_cast<size_t>(index)]);
    }
  }
  return f;
}

}  // namespace tlrecon
