#include "tlrecon/spill.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "tlrecon/error.hpp"

namespace tlrecon {

namespace {

std::string temp_dir() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

Error temp_error(const std::string& what) {
  return Error(k_exit_internal, what + " in " + temp_dir() + ": " + std::strerror(errno) +
                                    " (set TMPDIR to a directory with room)");
}

// The strings of an event, in the order they are written.
template <class E, class F>
void each_string(E& e, F&& f) {
  f(e.key);
  f(e.source_type);
  f(e.source_id);
  f(e.worker_id);
  f(e.task_id);
  f(e.decision_id);
  f(e.name);
  f(e.status);
  f(e.message);
  f(e.detail);
}

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void serialize(const Event& e, std::string& out) {
  put<int64_t>(out, e.time.time_since_epoch().count());
  put<uint8_t>(out, static_cast<uint8_t>(e.type));
  put<uint8_t>(out, static_cast<uint8_t>(e.origin));
  put<uint8_t>(out, static_cast<uint8_t>(e.place));
  put<uint8_t>(out, e.cycle.has_value());
  put<int64_t>(out, e.cycle.value_or(0));
  each_string(e, [&](const std::string& s) {
    put<uint64_t>(out, s.size());
    out += s;
  });
}

void write_all(int fd, const std::string& bytes) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      throw temp_error("cannot write the temporary file that sorts events");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// One sorted run, read back an event at a time through a small buffer.
class RunStream : public EventStream {
 public:
  RunStream(std::shared_ptr<int> fd, uint64_t offset, uint64_t bytes)
      : m_fd(std::move(fd)), m_pos(offset), m_end(offset + bytes) {}

  const Event* next() override {
    if (m_pos == m_end && m_have == m_used) {
      return nullptr;
    }
    int64_t time = 0;
    uint8_t type = 0;
    uint8_t origin = 0;
    uint8_t place = 0;
    uint8_t has_cycle = 0;
    int64_t cycle = 0;
    get(time);
    get(type);
    get(origin);
    get(place);
    get(has_cycle);
    get(cycle);
    m_event.time = Time(Micros(time));
    m_event.type = static_cast<EventType>(type);
    m_event.origin = static_cast<Origin>(origin);
    m_event.place = static_cast<Event::Place>(place);
    m_event.cycle = has_cycle != 0 ? std::optional<int64_t>(cycle) : std::nullopt;
    each_string(m_event, [&](std::string& s) {
      uint64_t size = 0;
      get(size);
      s.resize(size);
      read(s.data(), size);
    });
    return &m_event;
  }

 private:
  template <class T>
  void get(T& v) {
    read(&v, sizeof v);
  }

  void read(void* dst, size_t n) {
    char* out = static_cast<char*>(dst);
    while (n > 0) {
      if (m_used == m_have) {
        refill();
      }
      size_t take = std::min(n, m_have - m_used);
      std::memcpy(out, m_buffer.data() + m_used, take);
      m_used += take;
      out += take;
      n -= take;
    }
  }

  void refill() {
    size_t want = static_cast<size_t>(std::min<uint64_t>(m_buffer.size(), m_end - m_pos));
    if (want == 0) {
      throw Error(k_exit_internal, "the temporary file that sorts events ends early");
    }
    ssize_t n = ::pread(*m_fd, m_buffer.data(), want, static_cast<off_t>(m_pos));
    if (n < 0 && errno == EINTR) {
      return;
    }
    if (n <= 0) {
      throw temp_error("cannot read back the temporary file that sorts events");
    }
    m_pos += static_cast<uint64_t>(n);
    m_have = static_cast<size_t>(n);
    m_used = 0;
  }

  std::shared_ptr<int> m_fd;
  uint64_t m_pos;
  uint64_t m_end;
  std::vector<char> m_buffer = std::vector<char>(16384);
  size_t m_have = 0;
  size_t m_used = 0;
  Event m_event;
};

size_t heap_bytes(const std::string& s) {
  // Short strings live inside the struct (libstdc++ keeps 15 bytes there).
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

}  // namespace

int open_temporary_file(const std::string& purpose) {
  std::string path = temp_dir() + "/tlrecon-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) {
    throw temp_error("cannot create a temporary file for " + purpose);
  }
  // Unlinked at once: it disappears with the process, however that ends.
  ::unlink(path.c_str());
  return fd;
}

size_t footprint(const Event& e) {
  size_t bytes = sizeof(Event);
  each_string(e, [&](const std::string& s) { bytes += heap_bytes(s); });
  return bytes;
}

size_t SpillSorter::default_budget() {
  if (const char* v = std::getenv("TLRECON_SORT_MEMORY"); v != nullptr && *v != '\0') {
    char* end = nullptr;
    unsigned long long n = std::strtoull(v, &end, 10);
    if (*end == '\0') {
      return static_cast<size_t>(n);
    }
  }
  return size_t(8) << 20;
}

SpillSorter::SpillSorter(size_t budget) : m_budget(budget) {}

SpillSorter::~SpillSorter() = default;

void SpillSorter::add(Event&& e) {
  m_held += footprint(e);
  m_events.push_back(std::move(e));
  if (m_held >= m_budget) {
    write_run();
  }
}

void SpillSorter::write_run() {
  if (m_events.empty()) {
    return;
  }
  if (!m_fd) {
    int fd = open_temporary_file("sorting events");
    m_fd = std::shared_ptr<int>(new int(fd), [](int* p) {
      ::close(*p);
      delete p;
    });
  }
  std::sort(m_events.begin(), m_events.end(), event_before);
  std::string chunk;
  uint64_t bytes = 0;
  for (const Event& e : m_events) {
    serialize(e, chunk);
    if (chunk.size() >= (size_t(1) << 20)) {
      write_all(*m_fd, chunk);
      bytes += chunk.size();
      chunk.clear();
    }
  }
  write_all(*m_fd, chunk);
  bytes += chunk.size();
  m_runs.push_back(Run{m_end, bytes});
  m_end += bytes;
  // Give the memory back, not only the elements.
  std::vector<Event>().swap(m_events);
  m_held = 0;
}

std::unique_ptr<EventStream> SpillSorter::sorted() {
  if (m_runs.empty()) {
    return std::make_unique<VectorStream>(std::move(m_events));
  }
  write_run();
  std::vector<std::unique_ptr<EventStream>> runs;
  for (const Run& r : m_runs) {
    runs.push_back(std::make_unique<RunStream>(m_fd, r.offset, r.bytes));
  }
  return std::make_unique<Merger>(std::move(runs));
}

}  // namespace tlrecon
