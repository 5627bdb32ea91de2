#pragma once
// What a log line means, decided once. The catalogue is compiled once per
// run from the mapping and shared by the fleet accounting, every detector
// and the report: a source_type gets a role (orchestrator, worker, other),
// and an orchestrator's message becomes a typed fact (a scale-up of n
// workers, a startup …). Nothing downstream matches raw patterns.
//
// The built-in entries cover the real orchestrator's lines of every era
// (../shared/REAL-SYSTEM.md §2) and the incident reports' lines; a mapping
// file adds entries before them or replaces them. The first entry that
// matches a line decides its fact, so failures and blocked scale-ups come
// before the scale-ups they resemble.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tlrecon/mapping.hpp"

namespace tlrecon {

// A compiled list of RE2 patterns, matched as one alternation.
class PatternSet {
 public:
  // Throws Error (exit 2) naming `what` when a pattern does not compile.
  PatternSet(const std::vector<std::string>& patterns, const std::string& what);
  ~PatternSet();
  PatternSet(PatternSet&&) noexcept;
  bool matches(const std::string& text) const;
  // The same for the few distinct values of a column such as source_type,
  // remembered once seen.
  bool matches_cached(const std::string& text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

enum class Role : uint8_t { other, orchestrator, worker };

// What an orchestrator's line states. The named groups each kind reads are
// listed in k_fact_kinds (catalogue.cpp) and the man page.
enum class FactKind : uint8_t {
  none,
  cycle_start,       // a cycle begins (cycle, queued, active)
  task_count,        // the tasks it sees (queued, active, cycle)
  scaling_decision,  // current, spawning, desired (cycle)
  scale_up,          // it spawns n workers (n)
  worker_spawned,    // worker i of n spawned (i, n)
  worker_created,    // names a worker it creates (id)
  spawn_failed,      // a spawn failed (i of n, or id): accounts for no worker
  scale_blocked,     // a scale-up blocked or suppressed (n): accounts for none
  promoted,          // promotes a worker (id)
  terminating,       // terminates a worker (id, reason)
  cycle_completed,   // a cycle ends (spawned, promoted, terminated, failed)
  startup,           // the first line after a start (id)
  shutdown,          // stopped on purpose
};
const char* fact_kind_name(FactKind kind);

// One orchestrator line, read. A value the line does not state is absent.
struct Fact {
  FactKind kind = FactKind::none;
  std::optional<int64_t> cycle, queued, active, current, spawning, desired, n, i, spawned, promoted,
      terminated, failed;
  std::string id;      // a worker id, or the orchestrator's own id (startup)
  std::string reason;
};

class Catalogue {
 public:
  // Throws Error (exit 2) when a pattern of the mapping does not compile.
  explicit Catalogue(const Mapping& mapping);
  ~Catalogue();

  // The role of a log source_type; other tables' events are Role::other.
  Role role_of(const std::string& source_type) const;
  // What an orchestrator's message says; FactKind::none for anything else.
  Fact fact_of(const std::string& message) const;
  // Whether a worker's instance type is one the orchestrator manages.
  bool managed(const std::string& instance_type) const;

 private:
  struct Entries;
  PatternSet m_orchestrator;
  PatternSet m_worker;
  std::unique_ptr<Entries> m_entries;
  std::vector<std::string> m_unmanaged;
};

// The built-in catalogue, in the order it is tried.
const std::vector<FactPattern>& default_facts();
// The catalogue a mapping makes: its entries, the old scale_up/startup
// lists, then (unless default_facts is false) the built-in ones.
std::vector<FactPattern> catalogue_entries(const Patterns& patterns);

}  // namespace tlrecon
