#pragma once
// The one error type that reaches the user. It carries the exit code of
// SPEC §5; main() prints "tlrecon: error: <what>" and returns the code.
// A bad *row* is never an Error: it is counted and reported.
#include <stdexcept>
#include <string>

namespace tlrecon {

enum ExitCode : int {
  k_exit_ok = 0,
  k_exit_findings = 1,
  k_exit_usage = 2,
  k_exit_source = 3,
  k_exit_internal = 4,
  k_exit_output = 5,
  k_exit_interrupted = 130,
};

class Error : public std::runtime_error {
 public:
  Error(int exit_code, const std::string& message)
      : std::runtime_error(message), m_exit_code(exit_code) {}
  int exit_code() const { return m_exit_code; }

 private:
  int m_exit_code;
};

// Usage or configuration error: bad option, bad time, bad mapping file.
inline Error usage_error(const std::string& message) { return Error(k_exit_usage, message); }
// Data source error: cannot connect, query failed, snapshot unreadable or altered.
inline Error source_error(const std::string& message) { return Error(k_exit_source, message); }
// The output could not be written (disk full, closed stdout): the result is lost.
inline Error output_error(const std::string& message) { return Error(k_exit_output, message); }

}  // namespace tlrecon
