#pragma once
// SHA-256 through OpenSSL's EVP interface, for snapshot checksums.
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

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

// A file written on a second thread, which hashes what it writes: whoever
// writes to it formats on one core while the other hashes and writes.
class HashingWriter {
 public:
  // Throws Error (exit 3) when the file cannot be created.
  explicit HashingWriter(const std::string& path);
  ~HashingWriter();
  HashingWriter(const HashingWriter&) = delete;
  HashingWriter& operator=(const HashingWriter&) = delete;
  void write(std::string_view data);
  // Where the next bytes go: append them, then call wrote(). Formatting
  // straight into it spares copying every byte once more.
  std::string& buffer() { return m_current; }
  void wrote() {
    if (m_current.size() >= k_block_size) {
      hand_over();
    }
  }
  // Writes the rest and closes the file: the SHA-256 of all that was
  // written. Throws Error (exit 3) when the file could not be written.
  std::string finish();

 private:
  void run();
  void hand_over();
  static constexpr size_t k_block_size = 256 << 10;
  static constexpr size_t k_blocks_ahead = 4;
  std::string m_path;
  std::FILE* m_file = nullptr;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::string> m_full;   // to hash and write
  std::vector<std::string> m_spare;
  std::string m_current;            // being filled
  bool m_closing = false;
  bool m_done = false;
  bool m_failed = false;
  std::string m_digest;
  std::thread m_thread;
};

}  // namespace tlrecon
