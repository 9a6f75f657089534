// Sentinel: the broker that runs a sentinel (DESIGN §3, sentinel mode). It
// is the network edge of SentinelState: it keeps, for every instance the
// state knows (masters, replicas, peer sentinels), a command link and (for
// masters and replicas) a pub/sub link subscribed to __sentinel__:hello,
// connecting through net/connector.h off the I/O thread; it turns replies
// into the callbacks SentinelState asked for, hello messages into OnHello,
// and drives Tick() every 100 ms. Events go to the sentinel's own pub/sub
// (clients SUBSCRIBE to +sdown, +switch-master, ...); FlushConfig rewrites
// sentinel.conf.
//
// Who talks to it: the node spawns it in sentinel mode; the connector
// replies to it. Client commands (SENTINEL ...) run in client sessions and
// use SentinelState directly, on the same thread.
#pragma once

#include <caf/io/broker.hpp>

namespace troupe {

class ServerContext;
class SentinelState;

caf::behavior Sentinel(caf::io::broker* self, ServerContext* server, SentinelState* state);

}  // namespace troupe
