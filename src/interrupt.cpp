#include "tlrecon/interrupt.hpp"

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "tlrecon/error.hpp"

namespace tlrecon {

namespace {

std::atomic<bool> g_interrupted{false};
int g_pipe[2] = {-1, -1};
std::mutex g_mutex;
std::function<void()> g_cancel;

extern "C" void on_signal(int) {
  g_interrupted.store(true);
  char byte = 1;
  ssize_t ignored = write(g_pipe[1], &byte, 1);
  (void)ignored;
}

void watch() {
  char byte = 0;
  while (read(g_pipe[0], &byte, 1) < 0) {
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_cancel) {
    g_cancel();
  }
}

}  // namespace

void install_interrupt_handler() {
  if (g_pipe[0] >= 0 || pipe(g_pipe) != 0) {
    return;
  }
  std::thread(watch).detach();
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() { return g_interrupted.load(std::memory_order_relaxed); }

void set_canceller(std::function<void()> cancel) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_cancel = std::move(cancel);
}

void check_interrupt() {
  if (interrupted()) {
    throw Error(k_exit_interrupted, "interrupted: reading stopped, and what was written is incomplete");
  }
}

}  // namespace tlrecon
