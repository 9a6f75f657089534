// Listener: the broker that owns the listening sockets. For each accepted
// connection it applies the admission rules (maxclients, protected mode)
// and forks a ClientSession that takes the connection over.
//
// Who talks to it: main() spawns it with sockets opened by
// OpenListenSockets; the node sends it close_all_atom at shutdown.
// Runs on the multiplexer thread.
#pragma once

#include <caf/io/broker.hpp>

#include <vector>

#include "net/client_session.h"
#include "net/listen_sockets.h"

namespace troupe {

caf::behavior Listener(caf::io::broker* self, std::vector<ListenSocket> sockets, SessionDeps deps);

}  // namespace troupe
