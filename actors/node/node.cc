// Implementation of the Node supervisor (see node.h).
#include "actors/node/node.h"

#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include <vector>

#include "actors/cluster/cluster_bus_edge.h"
#include "actors/node/logging.h"
#include "actors/node/server_context.h"
#include "actors/persistence/aof.h"
#include "actors/persistence/snapshotter.h"
#include "actors/replication/master_link.h"
#include "actors/sentinel/sentinel.h"
#include "actors/sentinel/sentinel_state.h"
#include "actors/replication/replication.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/shard/shard.h"
#include "actors/type_ids.h"
#include "net/listener.h"

namespace troupe {

caf::behavior Node(caf::io::broker* self, Keyspace* keyspace, ServerContext* server,
                   std::vector<ListenSocket> sockets, std::vector<ListenSocket> bus_sockets) {
  auto& mm = self->system().middleman();
  caf::actor shard = mm.spawn_broker(Shard, keyspace, server);
  SessionDeps deps;
  deps.keyspace = keyspace;
  deps.server = server;
  caf::actor listener = mm.spawn_broker(Listener, std::move(sockets), deps);

  // Sentinel mode: the broker that watches the masters.
  caf::actor sentinel;
  if (server->sentinel != nullptr) sentinel = mm.spawn_broker(Sentinel, server, server->sentinel);
  // Cluster mode: the broker of the cluster bus.
  caf::actor bus;
  if (server->cluster != nullptr) bus = mm.spawn_broker(ClusterBusEdge, server, std::move(bus_sockets));

  // The master link of a replica: one broker per REPLICAOF, replaced when
  // the master changes.
  auto link = std::make_shared<caf::actor>();
  Replication* repl = server->replication;
  if (repl != nullptr) {
    auto restart_link = [&mm, keyspace, server, repl, link] {
      if (*link) {
        caf::anon_send_exit(*link, caf::exit_reason::user_shutdown);
        *link = nullptr;
      }
      SetLogRole(repl->is_replica() ? 'S' : 'M');
      if (repl->is_replica())
        *link = mm.spawn_broker(MasterLink, keyspace, server, repl, repl->master_host(), repl->master_port());
    };
    repl->on_master_changed = restart_link;
    if (repl->is_replica()) restart_link();
  }

  caf::actor_addr me = self->address();
  server->request_shutdown = [me, server](const ShutdownRequest& req) -> std::string {
    spdlog::warn("User requested shutdown...");
    if (server->aof != nullptr) server->aof->Shutdown();
    std::string error = server->snapshotter->SaveBeforeShutdown(req.save, req.nosave, req.force);
    if (!error.empty()) return error;
    if (auto h = caf::actor_cast<caf::actor>(me)) caf::anon_send(h, shutdown_atom_v, int32_t{kShutdownSaved});
    return "";
  };

  return {
      [self, keyspace, server, shard, listener, link, sentinel, bus](shutdown_atom, int32_t flags) {
        if (!(flags & kShutdownSaved)) {
          if (server->aof != nullptr) server->aof->Shutdown();
          std::string error = server->snapshotter->SaveBeforeShutdown(
              flags & kShutdownSave, flags & kShutdownNoSave, /*force=*/false);
          if (!error.empty()) return;  // logged; the server keeps running, as Redis does
        }
        // Close every client: no more replies after this point.
        std::vector<ClientState*> clients;
        for (auto& [id, c] : server->clients) clients.push_back(c);
        for (ClientState* c : clients)
          if (c->kill) c->kill();
        self->send(listener, close_all_atom_v);
        self->send_exit(shard, caf::exit_reason::user_shutdown);
        if (*link) self->send_exit(*link, caf::exit_reason::user_shutdown);
        if (sentinel) self->send_exit(sentinel, caf::exit_reason::user_shutdown);
        if (bus) self->send_exit(bus, caf::exit_reason::user_shutdown);
        if (server->replication != nullptr) server->replication->on_master_changed = nullptr;
        server->request_shutdown = nullptr;
        spdlog::warn("{} is now ready to exit, bye bye...", server->options().sentinel_mode ? "Sentinel" : "Troupe");
        self->quit();
      },
  };
}

}  // namespace troupe
