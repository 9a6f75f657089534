// Implementation of the Shard actor (see shard.h).
#include "actors/shard/shard.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "actors/node/server_context.h"
#include "actors/persistence/snapshotter.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/type_ids.h"

namespace troupe {
namespace {

constexpr size_t kOpsSamples = 16;  // instantaneous_ops_per_sec window

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

}  // namespace

caf::behavior Shard(caf::io::broker* self, Keyspace* keyspace, ServerContext* server) {
  self->send(self, cron_atom_v);
  return {
      [self, keyspace, server](cron_atom) {
        int64_t period_ms = CronPeriodMs(*server);
        // Active expiry may use at most a quarter of each period.
        if (server->active_expire_enabled) keyspace->ActiveExpireCycle(period_ms * 1000 / 4);
        SampleOps(*server);
        CloseIdleClients(*server);
        if (server->snapshotter != nullptr) server->snapshotter->Cron();
        self->delayed_send(self, std::chrono::milliseconds(period_ms), cron_atom_v);
      },
  };
}

}  // namespace troupe
