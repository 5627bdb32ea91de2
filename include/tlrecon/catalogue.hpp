#pragma once
// What a log line means, decided once. The catalogue is compiled once per
// run from the mapping and shared by the fleet accounting, every detector
// and the report: a source_type gets a role (orchestrator, worker, other),
// and an orchestrator's message becomes a typed fact (a scale-up of n
// workers, a startup …). Nothing downstream matches raw patterns.
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

enum class FactKind : uint8_t {
  none,
  scale_up,  // the orchestrator reports spawning workers
  startup,   // the orchestrator (re)started
};

// One orchestrator message, read.
struct Fact {
  FactKind kind = FactKind::none;
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

 private:
  PatternSet m_orchestrator;
  PatternSet m_worker;
  PatternSet m_scale_up;
  PatternSet m_startup;
};

}  // namespace tlrecon
