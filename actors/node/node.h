// Node: the supervisor of one troupe-server process (DESIGN §3). It spawns
// the shard, the listener and (cluster mode) the cluster bus edge, installs the ServerContext hooks (SHUTDOWN),
// and runs the shutdown sequence: close every client, stop accepting, stop
// the shard, quit — after which main() sees no actor left and exits.
//
// Who talks to it: main() spawns it (on the multiplexer, with the listening
// sockets) and forwards SIGTERM/SIGINT as shutdown_atom; SHUTDOWN reaches it
// through ServerContext::request_shutdown.
#pragma once

#include <caf/io/broker.hpp>

#include <vector>

#include "net/listen_sockets.h"

namespace troupe {

class Keyspace;
class ServerContext;

// Flags carried by shutdown_atom.
enum ShutdownFlag : int32_t {
  kShutdownSave = 1,
  kShutdownNoSave = 2,
  kShutdownSignal = 4,
  kShutdownSaved = 8,  // the final save already happened (SHUTDOWN command)
};

// `bus_sockets`: the cluster bus port's listening sockets (cluster mode).
caf::behavior Node(caf::io::broker* self, Keyspace* keyspace, ServerContext* server,
                   std::vector<ListenSocket> sockets, std::vector<ListenSocket> bus_sockets);

}  // namespace troupe
