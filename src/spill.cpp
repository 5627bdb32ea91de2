#include "tlrecon/spill.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tlrecon/error.hpp"

namespace tlrecon {

namespace {

std::string temp_dir() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

constexpr const char* k_write_failed = "cannot write the temporary file that sorts events";

Error temp_error(const std::string& what) {
  return Error(k_exit_internal, what + " in " + temp_dir() + ": " + std::strerror(errno) +
                                    " (set TMPDIR to a directory with room)");
}

// A serialized event: time (8 bytes), origin, type, place, has-cycle (1
// each), cycle (8), then the key and the other strings, each a 4-byte length
// and its bytes. The sort reads the first fields and the key in place.
constexpr size_t k_key_at = 20;

// The strings of an event after the key, in the order they are written.
template <class E, class F>
void each_other_string(E& e, F&& f) {
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
void put(std::vector<char>& out, T v) {
  const char* p = reinterpret_cast<const char*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}

void put_string(std::vector<char>& out, const std::string& s) {
  if (s.size() > UINT32_MAX) {
    throw Error(k_exit_internal, "a field of " + std::to_string(s.size()) + " bytes is too long to sort");
  }
  put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

}  // namespace

void serialize_event(const Event& e, std::vector<char>& out) {
  put<int64_t>(out, e.time.time_since_epoch().count());
  put<uint8_t>(out, static_cast<uint8_t>(e.origin));
  put<uint8_t>(out, static_cast<uint8_t>(e.type));
  put<uint8_t>(out, static_cast<uint8_t>(e.place));
  put<uint8_t>(out, e.cycle.has_value());
  put<int64_t>(out, e.cycle.value_or(0));
  put_string(out, e.key);
  each_other_string(e, [&](const std::string& s) { put_string(out, s); });
}

namespace {

template <class T>
T get(const char*& p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  p += sizeof v;
  return v;
}

void get_string(const char*& p, std::string& s) {
  auto n = get<uint32_t>(p);
  s.assign(p, n);
  p += n;
}

}  // namespace

void parse_event(const char* p, Event& e) {
  e.time = Time(Micros(get<int64_t>(p)));
  e.origin = static_cast<Origin>(get<uint8_t>(p));
  e.type = static_cast<EventType>(get<uint8_t>(p));
  e.place = static_cast<Event::Place>(get<uint8_t>(p));
  bool has_cycle = get<uint8_t>(p) != 0;
  auto cycle = get<int64_t>(p);
  e.cycle = has_cycle ? std::optional<int64_t>(cycle) : std::nullopt;
  get_string(p, e.key);
  each_other_string(e, [&](std::string& s) { get_string(p, s); });
}

Time serialized_time(const char* p) {
  int64_t t = 0;
  std::memcpy(&t, p, sizeof t);
  return Time(Micros(t));
}

Origin serialized_origin(const char* p) { return static_cast<Origin>(static_cast<uint8_t>(p[8])); }

EventType serialized_type(const char* p) { return static_cast<EventType>(static_cast<uint8_t>(p[9])); }

std::string_view serialized_key(const char* p) {
  uint32_t n = 0;
  std::memcpy(&n, p + k_key_at, sizeof n);
  return std::string_view(p + k_key_at + 4, n);
}

namespace {

// event_before() on two serialized events: time, table, type, key.
bool record_before(const char* a, const char* b) {
  int64_t ta = 0;
  int64_t tb = 0;
  std::memcpy(&ta, a, sizeof ta);
  std::memcpy(&tb, b, sizeof tb);
  if (ta != tb) {
    return ta < tb;
  }
  if (a[8] != b[8]) {
    return static_cast<uint8_t>(a[8]) < static_cast<uint8_t>(b[8]);
  }
  if (a[9] != b[9]) {
    return static_cast<uint8_t>(a[9]) < static_cast<uint8_t>(b[9]);
  }
  uint32_t na = 0;
  uint32_t nb = 0;
  std::memcpy(&na, a + k_key_at, sizeof na);
  std::memcpy(&nb, b + k_key_at, sizeof nb);
  return std::string_view(a + k_key_at + 4, na) < std::string_view(b + k_key_at + 4, nb);
}

// The events that fit in memory, handed out in sorted order.
class ArenaStream : public EventStream {
 public:
  ArenaStream(std::vector<char> arena, std::vector<uint64_t> order)
      : m_arena(std::move(arena)), m_order(std::move(order)) {}
  Event* next() override {
    if (m_pos == m_order.size()) {
      return nullptr;
    }
    parse_event(m_arena.data() + m_order[m_pos++], m_event);
    return &m_event;
  }

 private:
  std::vector<char> m_arena;
  std::vector<uint64_t> m_order;
  size_t m_pos = 0;
  Event m_event;
};

// One sorted run of the temporary file, read back an event at a time
// through a small buffer: each event is its length (4 bytes), then itself.
class RunStream : public EventStream {
 public:
  RunStream(std::shared_ptr<int> fd, uint64_t offset, uint64_t bytes)
      : m_fd(std::move(fd)), m_pos(offset), m_end(offset + bytes) {}

  Event* next() override {
    if (m_pos == m_end && m_have == m_used) {
      return nullptr;
    }
    uint32_t n = 0;
    read(&n, sizeof n);
    m_record.resize(n);
    read(m_record.data(), n);
    parse_event(m_record.data(), m_event);
    return &m_event;
  }

 private:
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
    read_all_at(*m_fd, m_buffer.data(), want, m_pos, "cannot read back the temporary file that sorts events");
    m_pos += want;
    m_have = want;
    m_used = 0;
  }

  std::shared_ptr<int> m_fd;
  uint64_t m_pos;
  uint64_t m_end;
  std::vector<char> m_buffer = std::vector<char>(16384);
  size_t m_have = 0;
  size_t m_used = 0;
  std::vector<char> m_record;
  Event m_event;
};

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

void write_all(int fd, const char* p, size_t left, const std::string& failure) {
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      throw temp_error(failure);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void read_all_at(int fd, char* p, size_t left, uint64_t offset, const std::string& failure) {
  while (left > 0) {
    ssize_t n = ::pread(fd, p, left, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      // Not "set TMPDIR": what was written cannot be read.
      throw Error(k_exit_internal, failure + " in " + temp_dir() + ": " +
                                       (n == 0 ? "it is shorter than what was written" : std::strerror(errno)));
    }
    p += n;
    offset += static_cast<uint64_t>(n);
    left -= static_cast<size_t>(n);
  }
}

size_t SpillSorter::default_budget() {
  if (const char* v = std::getenv("TLRECON_SORT_MEMORY"); v != nullptr && *v != '\0') {
    char* end = nullptr;
    unsigned long long n = std::strtoull(v, &end, 10);
    if (*end == '\0') {
      return static_cast<size_t>(n);
    }
  }
  return size_t(4) << 20;
}

SpillSorter::SpillSorter(size_t budget) : m_budget(budget) {}

SpillSorter::~SpillSorter() = default;

void SpillSorter::add(const Event& e) {
  if (m_arena.capacity() == 0 && m_budget <= (size_t(256) << 20)) {
    // Room for the whole budget at once: growing by doubling would hold the
    // old buffer and a new one twice its size at the same time.
    m_arena.reserve(m_budget + (size_t(64) << 10));
  }
  uint64_t at = m_arena.size();
  serialize_event(e, m_arena);
  m_records.push_back(Record{at, static_cast<uint32_t>(m_arena.size() - at)});
  if (m_arena.size() >= m_budget) {
    write_run();
  }
}

void SpillSorter::sort_records() {
  const char* base = m_arena.data();
  std::sort(m_records.begin(), m_records.end(),
            [base](const Record& a, const Record& b) { return record_before(base + a.offset, base + b.offset); });
}

void SpillSorter::write_run() {
  if (m_records.empty()) {
    return;
  }
  if (!m_fd) {
    int fd = open_temporary_file("sorting events");
    m_fd = std::shared_ptr<int>(new int(fd), [](int* p) {
      ::close(*p);
      delete p;
    });
  }
  sort_records();
  // Through one fixed buffer, allocated once: a buffer grown per run would
  // leave freed pages behind in the heap.
  constexpr size_t k_out = size_t(256) << 10;
  if (m_out.size() != k_out) {
    m_out.resize(k_out);
  }
  size_t used = 0;
  uint64_t bytes = 0;
  auto emit = [&](const char* p, size_t n) {
    bytes += n;
    if (used + n > k_out) {
      write_all(*m_fd, m_out.data(), used, k_write_failed);
      used = 0;
    }
    if (n > k_out) {
      write_all(*m_fd, p, n, k_write_failed);
      return;
    }
    std::memcpy(m_out.data() + used, p, n);
    used += n;
  };
  for (const Record& r : m_records) {
    emit(reinterpret_cast<const char*>(&r.bytes), sizeof r.bytes);
    emit(m_arena.data() + r.offset, r.bytes);
  }
  write_all(*m_fd, m_out.data(), used, k_write_failed);
  m_runs.push_back(Run{m_end, bytes});
  m_end += bytes;
  // The buffers keep their capacity for the next run.
  m_arena.clear();
  m_records.clear();
}

std::unique_ptr<EventStream> SpillSorter::sorted() {
  if (m_runs.empty()) {
    sort_records();
    std::vector<uint64_t> order;
    order.reserve(m_records.size());
    for (const Record& r : m_records) {
      order.push_back(r.offset);
    }
    std::vector<Record>().swap(m_records);
    return std::make_unique<ArenaStream>(std::move(m_arena), std::move(order));
  }
  write_run();
  std::vector<char>().swap(m_arena);
  std::vector<Record>().swap(m_records);
  std::vector<std::unique_ptr<EventStream>> runs;
  for (const Run& r : m_runs) {
    runs.push_back(std::make_unique<RunStream>(m_fd, r.offset, r.bytes));
  }
  return std::make_unique<Merger>(std::move(runs));
}

}  // namespace tlrecon
