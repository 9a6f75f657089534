// Pub/sub wiring and keyspace notifications: connects a PubSubRegistry to
// the server — ServerContext::pubsub, the connection-closed and RESET hooks
// that drop a client's subscriptions, the `notify-keyspace-events` setting
// (applied at start and on CONFIG SET), and ServerContext::notify, which
// publishes Redis's keyspace events:
//   __keyspace@<db>__:<key>    with the event name as the message (K)
//   __keyevent@<db>__:<event>  with the key as the message (E)
// plus the events Database reports itself through Keyspace's callbacks:
// "expired", "new" and "keymiss".
//
// Who uses it: main() once at start-up, and unit tests on a CommandHarness.
// Threading: the installed hooks run on the multiplexer thread. No CAF.
#pragma once

#include <string>
#include <string_view>

namespace troupe {

class Keyspace;
class PubSubRegistry;
class ServerContext;

// Wires `registry` into `server` and `keyspace` (see above). All three must
// outlive the server's clients.
void InstallPubSub(PubSubRegistry* registry, ServerContext* server, Keyspace* keyspace);

// The channels one event is published on, for `db` (exposed for tests).
std::string KeyspaceChannel(int db, std::string_view key);
std::string KeyeventChannel(int db, std::string_view event);

}  // namespace troupe
