// Opening the TCP listening sockets for `bind` and `port`, as Redis does:
// "*" is every IPv4 address, "::*" every IPv6 address, a leading "-" makes
// an address optional (skipped when unavailable). Done in main() before the
// actor system starts, so a busy port gives Redis's start-up error and exit
// code; the sockets are then handed to the Listener broker. No CAF header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/common/status.h"

namespace troupe {

struct ListenSocket {
  int fd = -1;
  std::string address;  // as bound, e.g. "127.0.0.1" or "::1"
  int port = 0;         // actual port (after binding port 0)
};

// Opens one listening socket per usable bind address. The error message
// names the address and the reason, like Redis's
// "Could not create server TCP listening socket 127.0.0.1:6379: bind: Address already in use".
// `keepalive_s` > 0 turns on TCP keepalive with that idle time; accepted
// connections inherit it from the listening socket (`tcp-keepalive`).
Result<std::vector<ListenSocket>> OpenListenSockets(const std::vector<std::string>& bind, int port,
                                                    int backlog, int64_t keepalive_s);

}  // namespace troupe
