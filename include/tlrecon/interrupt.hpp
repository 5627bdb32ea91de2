#pragma once
// Ctrl-C (SIGINT) and SIGTERM: the running query is cancelled on the server,
// the read stops, and the command exits 130 with what it wrote marked
// incomplete. The signal handler only sets a flag and wakes a watcher
// thread; the watcher calls the registered canceller (PQcancel is safe to
// call from another thread).
#include <functional>

namespace tlrecon {

void install_interrupt_handler();
bool interrupted();
// The function the watcher calls on a signal; empty to unregister.
void set_canceller(std::function<void()> cancel);
// Throws Error(130) when a signal has arrived.
void check_interrupt();

}  // namespace tlrecon
