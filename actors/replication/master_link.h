// MasterLink: the broker that connects a replica to its master (DESIGN §3
// "master_link"), on the multiplexer thread. It is only the network edge:
// the protocol is ReplicaLink (replica_link.h), plain code the simulator can
// run too. The broker connects through net/connector.h (off the I/O
// thread), adopts the socket, forwards bytes and closes, and ticks the
// protocol every second.
//
// Who talks to it: the node spawns one per REPLICAOF and stops it with an
// exit message when the master changes; the connector sends it
// connect_result_atom; CLIENT KILL TYPE master sends it kill_atom.
#pragma once

#include <caf/io/broker.hpp>

#include <string>

namespace troupe {

class Keyspace;
class ServerContext;
class Replication;

caf::behavior MasterLink(caf::io::broker* self, Keyspace* keyspace, ServerContext* server,
                         Replication* replication, std::string host, int port);

}  // namespace troupe
