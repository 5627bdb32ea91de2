#pragma once
// SHA-256 through OpenSSL's EVP interface, for snapshot checksums.
#include <memory>
#include <string>
#include <string_view>

namespace tlrecon {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  // The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string hex_digest();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The SHA-256 of a whole file; throws Error (exit 3) when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace tlrecon
