// Shard: the actor that owns the keyspace (DESIGN §3). Client commands do
// not go through its mailbox — sessions run them inline on the same
// multiplexer thread — so its mailbox carries only the work that is not a
// client command: the periodic cron (active expiry, ops/s sampling, idle
// client timeouts), the slices of the start-up load (load_step_atom: the
// dataset is loaded while sessions answer -LOADING) and, later,
// replication apply, migration and snapshots.
//
// Spawned by the node with middleman().spawn_broker (no sockets), which puts
// it on the multiplexer thread next to the sessions that share its keyspace.
#pragma once

#include <caf/io/broker.hpp>

namespace troupe {

class Keyspace;
class ServerContext;

caf::behavior Shard(caf::io::broker* self, Keyspace* keyspace, ServerContext* server);

}  // namespace troupe
