#include "tlrecon/reliability.hpp"

#include <algorithm>
#include <cctype>

namespace tlrecon {

namespace {

std::string lower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

// The number before `what` in an execution's detail ("3 scrapers triggered").
uint64_t count_before(const std::string& detail, const std::string& what) {
  size_t at = detail.find(what);
  if (at == std::string::npos || at < 2) {
    return 0;
  }
  size_t end = at - 1;
  size_t start = end;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(detail[start - 1]))) {
    --start;
  }
  return start == end ? 0 : std::stoull(detail.substr(start, end - start));
}

}  // namespace

void ReliabilityCollector::on_event(const Event& e) {
  if (e.place != Event::Place::inside) {
    return;
  }
  switch (e.type) {
    case EventType::decision: {
      Stats& s = m_workflows[e.name];
      ++s.r.decisions[e.status];
      m_decision_workflow[e.key] = e.name;
      break;
    }
    case EventType::execution_started: ++m_workflows[e.name].r.executions[lower(e.status)]; break;
    case EventType::execution_finished:
    case EventType::execution_failed: {
      Stats& s = m_workflows[e.name];
      bool ok = e.type == EventType::execution_finished;
      ++(ok ? s.r.completed : s.r.failed);
      if (ok && (!s.r.last_success || e.time > *s.r.last_success)) {
        s.r.last_success = e.time;
      }
      // decode.cpp writes "after 7.9 s, 3 scrapers triggered, 2 succeeded".
      if (e.detail.rfind("after ", 0) == 0) {
        s.durations.push_back(std::strtod(e.detail.c_str() + 6, nullptr));
      }
      uint64_t triggered = count_before(e.detail, "scrapers triggered");
      uint64_t succeeded = std::min(triggered, count_before(e.detail, "succeeded"));
      s.r.scrapers_triggered += triggered;
      s.r.scrapers_succeeded += succeeded;
      s.r.scrapers_failed += triggered - succeeded;
      break;
    }
    default: break;
  }
}

std::vector<WorkflowReliability> ReliabilityCollector::rows(const std::vector<Finding>& findings) const {
  std::map<std::string, uint64_t> orphans;
  for (const Finding& f : findings) {
    if (f.kind == "orphaned_decision" && !f.entities.empty()) {
      auto it = m_decision_workflow.find(f.entities.front());
      if (it != m_decision_workflow.end()) {
        ++orphans[it->second];
      }
    }
  }
  std::vector<WorkflowReliability> out;
  for (const auto& [name, s] : m_workflows) {
    WorkflowReliability r = s.r;
    r.workflow = name;
    if (r.completed + r.failed > 0) {
      r.success_rate = static_cast<double>(r.completed) / static_cast<double>(r.completed + r.failed);
    }
    if (!s.durations.empty()) {
      std::vector<double> d = s.durations;
      std::sort(d.begin(), d.end());
      size_t n = d.size();
      r.median_seconds = n % 2 == 1 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
      r.max_seconds = d.back();
    }
    auto o = orphans.find(name);
    r.orphaned = o == orphans.end() ? 0 : o->second;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tlrecon
