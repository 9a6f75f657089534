// ClientSession: the broker actor for one client connection (DESIGN §3).
// It turns bytes into commands with RespParser, runs each command inline
// through CommandTable::Dispatch against the shard's keyspace (same
// multiplexer thread, no message hop), and writes the replies in request
// order. It owns the connection's ClientState and registers it with the
// ServerContext for CLIENT LIST/KILL, MONITOR and INFO.
//
// Who talks to it: the Listener forks it per accepted connection; CLIENT
// KILL and shutdown send it kill_atom; MONITOR feeds send it monitor_atom.
#pragma once

#include <caf/io/broker.hpp>

#include <string>

namespace troupe {

class Keyspace;
class ServerContext;

// What every session needs; all of it lives as long as the actor system
// and is only touched on the multiplexer thread.
struct SessionDeps {
  Keyspace* keyspace = nullptr;
  ServerContext* server = nullptr;
  std::string laddr;  // "ip:port" the connection was accepted on
};

caf::behavior ClientSession(caf::io::broker* self, caf::io::connection_handle hdl, SessionDeps deps);

}  // namespace troupe
