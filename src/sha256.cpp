#include "tlrecon/sha256.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <openssl/evp.h>

#include "tlrecon/error.hpp"

namespace tlrecon {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
  m_impl->ctx = EVP_MD_CTX_new();
  if (m_impl->ctx == nullptr || EVP_DigestInit_ex(m_impl->ctx, EVP_sha256(), nullptr) != 1) {
    throw Error(k_exit_internal, "cannot initialise SHA-256 (OpenSSL)");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(m_impl->ctx); }

void Sha256::update(std::string_view data) {
  EVP_DigestUpdate(m_impl->ctx, data.data(), data.size());
}

std::string Sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(m_impl->ctx, digest, &length);
  static const char* k_hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += k_hex[digest[i] >> 4];
    out += k_hex[digest[i] & 15];
  }
  return out;
}

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw source_error("cannot read snapshot file '" + path + "'");
  }
  Sha256 hash;
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  return hash.hex_digest();
}

HashingWriter::HashingWriter(const std::string& path) : m_path(path) {
  m_file = std::fopen(path.c_str(), "wb");
  if (m_file == nullptr) {
    throw source_error("cannot write snapshot file '" + path + "'");
  }
  m_current.reserve(k_block_size);
  m_thread = std::thread([this] { run(); });
}

HashingWriter::~HashingWriter() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_closing = true;
  }
  m_changed.notify_all();
  m_thread.join();
  if (m_file != nullptr) {
    std::fclose(m_file);
  }
}

void HashingWriter::run() {
  Sha256 hash;
  std::string block;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(m_mutex);
      if (!block.empty()) {
        block.clear();
        m_spare.push_back(std::move(block));
        block = {};
        m_changed.notify_all();
      }
      m_changed.wait(lock, [&] { return !m_full.empty() || m_closing; });
      if (m_full.empty()) {
        m_digest = hash.hex_digest();
        m_done = true;
        m_changed.notify_all();
        return;
      }
      block = std::move(m_full.front());
      m_full.pop_front();
    }
    hash.update(block);
    if (std::fwrite(block.data(), 1, block.size(), m_file) != block.size()) {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_failed = true;
    }
  }
}

void HashingWriter::hand_over() {
  std::unique_lock<std::mutex> lock(m_mutex);
  if (m_failed) {
    throw source_error("cannot write snapshot file '" + m_path + "' (disk full?)");
  }
  m_changed.wait(lock, [&] { return m_full.size() < k_blocks_ahead; });
  m_full.push_back(std::move(m_current));
  m_current = {};
  if (!m_spare.empty()) {
    m_current = std::move(m_spare.back());
    m_spare.pop_back();
  }
  m_changed.notify_all();
  lock.unlock();
  m_current.reserve(k_block_size);
}

void HashingWriter::write(std::string_view data) {
  m_current.append(data.data(), data.size());
  wrote();
}

std::string HashingWriter::finish() {
  if (!m_current.empty()) {
    hand_over();
  }
  std::unique_lock<std::mutex> lock(m_mutex);
  m_closing = true;
  m_changed.notify_all();
  m_changed.wait(lock, [&] { return m_done; });
  bool closed = std::fclose(m_file) == 0;
  m_file = nullptr;
  if (m_failed || !closed) {
    throw source_error("cannot write snapshot file '" + m_path + "' (disk full?)");
  }
  return m_digest;
}

}  // namespace tlrecon
