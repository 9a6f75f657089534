// Implementation of Listener (see listener.h).
#include "net/listener.h"

#include <spdlog/spdlog.h>

#include <string>

#include "actors/node/server_context.h"
#include "actors/type_ids.h"

namespace troupe {
namespace {

bool IsLoopback(const std::string& addr) {
  return addr.rfind("127.", 0) == 0 || addr == "::1" || addr.rfind("::ffff:127.", 0) == 0;
}

void Refuse(caf::io::broker* self, caf::io::connection_handle hdl, const std::string& error) {
  std::string line = "-" + error + "\r\n";
  self->write(hdl, line.size(), line.data());
  self->flush(hdl);
  self->close(hdl);
}

}  // namespace

caf::behavior Listener(caf::io::broker* self, std::vector<ListenSocket> sockets, SessionDeps deps) {
  std::string laddr;
  for (const auto& s : sockets) {
    self->add_doorman(s.fd);
    if (laddr.empty()) {
      std::string host = s.address == "0.0.0.0" || s.address == "::" ? "127.0.0.1" : s.address;
      laddr = host + ":" + std::to_string(s.port);
    }
  }
  deps.laddr = laddr;
  return {
      [self, deps](const caf::io::new_connection_msg& msg) {
        ServerContext& server = *deps.server;
        const ServerOptions& opts = server.options();
        if (static_cast<int64_t>(server.clients.size()) >= opts.maxclients) {
          server.stats.rejected_connections++;
          Refuse(self, msg.handle, "ERR max number of clients reached");
          return;
        }
        std::string peer = self->remote_addr(msg.handle);
        if (opts.protected_mode && opts.requirepass.empty() && !IsLoopback(peer)) {
          server.stats.rejected_connections++;
          Refuse(self, msg.handle,
                 "DENIED Troupe is running in protected mode: protected mode is enabled and no "
                 "password is set for the default user, so only loopback connections are "
                 "accepted. Disable it with 'CONFIG SET protected-mode no' from the loopback "
                 "interface (and CONFIG REWRITE to keep it), or start with '--protected-mode no', "
                 "or set a password for the default user.");
          return;
        }
        self->fork(ClientSession, msg.handle, deps);
      },
      [self](close_all_atom) {
        self->close_all();
        self->quit();
      },
  };
}

}  // namespace troupe
