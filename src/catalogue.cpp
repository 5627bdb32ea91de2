#include "tlrecon/catalogue.hpp"

#include <unordered_map>

#include <re2/re2.h>

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

Catalogue::Catalogue(const Mapping& mapping)
    : m_orchestrator({mapping.patterns.orchestrator_source}, "patterns.orchestrator_source"),
      m_worker({mapping.patterns.worker_source}, "patterns.worker_source"),
      m_scale_up(mapping.patterns.scale_up, "patterns.scale_up"),
      m_startup(mapping.patterns.startup, "patterns.startup") {}

Catalogue::~Catalogue() = default;

Role Catalogue::role_of(const std::string& source_type) const {
  if (m_orchestrator.matches_cached(source_type)) {
    return Role::orchestrator;
  }
  return m_worker.matches_cached(source_type) ? Role::worker : Role::other;
}

Fact Catalogue::fact_of(const std::string& message) const {
  Fact f;
  if (m_scale_up.matches(message)) {
    f.kind = FactKind::scale_up;
  } else if (m_startup.matches(message)) {
    f.kind = FactKind::startup;
  }
  return f;
}

}  // namespace tlrecon
