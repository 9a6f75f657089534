// ClusterBusEdge: the network edge of the cluster bus (DESIGN §3). A CAF
// broker that owns the bus port's listening sockets (port + 10000 or
// cluster-port), every inbound and outbound bus connection, and the framing
// (a 4-byte big-endian length, then one serialized BusMessage from
// proto/cluster_bus.proto). It turns CAF's socket messages into ClusterBus
// events and ClusterBus's sends into frames; a frame that is too long or
// does not parse closes its link with a log line. Outbound connects go
// through net/connector.h (off the multiplexer thread). A 100 ms timer
// drives ClusterBus::Cron.
//
// Who talks to it: the node spawns it in cluster mode with the sockets
// main() opened; the node stops it at shutdown.
#pragma once

#include <caf/io/broker.hpp>

#include <vector>

#include "net/listen_sockets.h"

namespace troupe {

class ClusterBus;
class ClusterState;
class ServerContext;

caf::behavior ClusterBusEdge(caf::io::broker* self, ServerContext* server, std::vector<ListenSocket> sockets);

}  // namespace troupe
