// Implementation of the Shard actor (see shard.h).
#include "actors/shard/shard.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "actors/node/server_context.h"
#include "actors/persistence/aof.h"
#include "actors/persistence/loading_run.h"
#include "actors/persistence/snapshotter.h"
#include "actors/replication/replication.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/type_ids.h"

namespace troupe {
namespace {

constexpr size_t kOpsSamples = 16;  // instantaneous_ops_per_sec window
// Pause between two slices of the start-up load, in which clients are served.
constexpr int64_t kLoadSliceGapUs = 100;

int64_t CronPeriodMs(const ServerContext& server) {
  int hz = std::clamp(server.options().hz, 1, 500);
  return 1000 / hz;
}

void SampleOps(ServerContext& server) {
  ServerStats& st = server.stats;
  int64_t now = server.clock().MonotonicUs() / 1000;
  if (st.last_sample_ms == 0) {
    st.last_sample_ms = now;
    st.last_sample_commands = st.total_commands_processed;
    return;
  }
  int64_t elapsed = now - st.last_sample_ms;
  if (elapsed < 100) return;
  double ops = static_cast<double>(st.total_commands_processed - st.last_sample_commands) * 1000.0 /
               static_cast<double>(elapsed);
  st.ops_samples.push_back(ops);
  while (st.ops_samples.size() > kOpsSamples) st.ops_samples.pop_front();
  st.last_sample_ms = now;
  st.last_sample_commands = st.total_commands_processed;
}

// Closes clients idle for longer than `timeout` seconds (0 = never).
void CloseIdleClients(ServerContext& server) {
  int64_t timeout_s = server.options().timeout_s;
  if (timeout_s <= 0) return;
  int64_t now = server.clock().UnixMs();
  std::vector<ClientState*> idle;
  for (auto& [id, c] : server.clients)
    if (!c->monitor && (now - c->last_interaction_ms) / 1000 > timeout_s) idle.push_back(c);
  for (ClientState* c : idle) {
    spdlog::debug("Closing idle client id={} addr={}", c->id, c->addr);
    if (c->kill) c->kill();
  }
}

// One slice of the start-up load. The next slice is a delayed message, not
// a plain send: the broker's mailbox is then empty when this handler
// returns, so the multiplexer serves its sockets (accepts, commands
// answered -LOADING) before the next slice runs.
void LoadStep(caf::io::broker* self, ServerContext* server) {
  LoadingRun* run = server->startup_load;
  if (run == nullptr) return;
  Result<bool> done = run->RunSlice();
  if (!done.ok()) {
    // Never serve a partial dataset: leave at once, as Redis does.
    spdlog::warn("{}", done.status().message());
    spdlog::warn("Fatal error loading the DB: the server will not start on a partial dataset. Exiting.");
    spdlog::default_logger()->flush();
    _exit(1);
  }
  if (*done) {
    server->startup_load = nullptr;
    spdlog::info("Ready to accept connections");
    return;
  }
  self->delayed_send(self, std::chrono::microseconds(kLoadSliceGapUs), load_step_atom_v);
}

}  // namespace

caf::behavior Shard(caf::io::broker* self, Keyspace* keyspace, ServerContext* server) {
  self->send(self, cron_atom_v);
  if (server->startup_load != nullptr) self->send(self, load_step_atom_v);
  // The replication stream goes to the replicas once per round of the event
  // loop, whatever number of sessions wrote in that round: the first write
  // of a round asks for this message, which comes after the other ready
  // sessions have run.
  if (server->replication != nullptr) {
    caf::actor_addr me = self->address();
    server->replication->request_flush = [me] {
      if (auto h = caf::actor_cast<caf::actor>(me)) caf::anon_send(h, repl_flush_atom_v);
    };
  }
  return {
      [self, keyspace, server](cron_atom) {
        int64_t period_ms = CronPeriodMs(*server);
        // Active expiry may use at most a quarter of each period; neither
        // it nor the save points run while a dataset is being loaded.
        if (server->active_expire_enabled && !server->loading)
          keyspace->ActiveExpireCycle(period_ms * 1000 / 4);
        SampleOps(*server);
        CloseIdleClients(*server);
        if (server->snapshotter != nullptr && !server->loading) server->snapshotter->Cron();
        if (server->aof != nullptr) server->aof->Cron();
        if (server->replication != nullptr) server->replication->Cron();
        self->delayed_send(self, std::chrono::milliseconds(period_ms), cron_atom_v);
      },
      [self, server](load_step_atom) { LoadStep(self, server); },
      [server](repl_flush_atom) {
        if (server->replication != nullptr) server->replication->FlushReplicas();
      },
  };
}

}  // namespace troupe
