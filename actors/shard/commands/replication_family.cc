// Replication commands: REPLICAOF / SLAVEOF, ROLE, REPLCONF, PSYNC, SYNC and
// WAIT. The protocol work is done by Replication (actors/replication/);
// these handlers parse, check and reply. Run inline in the client session.
#include <spdlog/spdlog.h>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/replication/replication.h"
#include "actors/sentinel/sentinel_state.h"
#include "actors/shard/blocking/blocking_registry.h"
#include "actors/shard/commands/command_table.h"

namespace troupe {
namespace {

// The key WAIT blocks on: never a user key (it starts with a NUL byte).
const char kWaitKey[] = "\0troupe:wait";
const std::string& WaitKey() {
  static const std::string key(kWaitKey, sizeof(kWaitKey) - 1);
  return key;
}

std::string ClientDescription(const ClientState& c) {
  return "id=" + std::to_string(c.id) + " addr=" + c.addr + " laddr=" + c.laddr + " fd=" + std::to_string(c.fd) +
         " name=" + c.name;
}

void ReplicaOfCommand(CommandContext& ctx) {
  Replication* repl = ctx.server.replication;
  if (ctx.server.options().cluster_enabled) {
    ctx.reply.Error("ERR REPLICAOF not allowed in cluster mode.");
    return;
  }
  if (EqualsIgnoreCase(ctx.arg(1), "no") && EqualsIgnoreCase(ctx.arg(2), "one")) {
    if (repl->is_replica()) {
      repl->SetNoMaster();
      ctx.server.config().SetFromServer("replicaof", {"no", "one"});
      spdlog::info("MASTER MODE enabled (user request from '{}')", ClientDescription(ctx.client));
    }
    ctx.reply.Ok();
    return;
  }
  int64_t port;
  if (!ParseInt64(ctx.arg(2), &port) || port < 0 || port > 65535) {
    ctx.reply.Error("ERR Invalid master port");
    return;
  }
  std::string host(ctx.arg(1));
  if (repl->is_replica() && repl->master_host() == host && repl->master_port() == port) {
    spdlog::info("REPLICAOF would result into synchronization with the master we are already connected with. No "
                 "operation performed.");
    ctx.reply.Simple("OK Already connected to specified master");
    return;
  }
  // A replica of itself would never sync.
  if (port == ctx.server.port && (host == "127.0.0.1" || host == "localhost" || host == "::1") ) {
    ctx.reply.Error("ERR Can't replicate myself: " + host + ":" + std::to_string(port) + " is this server");
    return;
  }
  repl->SetMaster(host, static_cast<int>(port));
  ctx.server.config().SetFromServer("replicaof", {host, std::to_string(port)});
  spdlog::info("REPLICAOF {}:{} enabled (user request from '{}')", host, port, ClientDescription(ctx.client));
  ctx.reply.Ok();
}

const char* LinkStateName(MasterLinkState s) {
  switch (s) {
    case MasterLinkState::kConnect: return "connect";
    case MasterLinkState::kConnecting: return "connecting";
    case MasterLinkState::kTransfer: return "sync";
    case MasterLinkState::kConnected: return "connected";
    default: return "none";
  }
}

void RoleCommand(CommandContext& ctx) {
  const Replication* repl = ctx.server.replication;
  if (ctx.server.options().sentinel_mode) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("sentinel");
    if (ctx.server.sentinel == nullptr) {
      ctx.reply.ArrayHeader(0);
      return;
    }
    auto& masters = ctx.server.sentinel->masters();
    ctx.reply.ArrayHeader(masters.size());
    for (auto& [name, m] : masters) ctx.reply.Bulk(name);
    return;
  }
  if (!repl->is_replica()) {
    ctx.reply.ArrayHeader(3);
    ctx.reply.Bulk("master");
    ctx.reply.Integer(static_cast<int64_t>(repl->offset()));
    size_t online = 0;
    for (const ReplicaRecord& r : repl->replicas()) online += r.state == ReplicaRecord::State::kOnline;
    ctx.reply.ArrayHeader(online);
    for (const ReplicaRecord& r : repl->replicas()) {
      if (r.state != ReplicaRecord::State::kOnline) continue;
      ctx.reply.ArrayHeader(3);
      ctx.reply.Bulk(r.ip);
      ctx.reply.Bulk(std::to_string(r.listening_port));
      ctx.reply.Bulk(std::to_string(r.ack_offset));
    }
    return;
  }
  ctx.reply.ArrayHeader(5);
  ctx.reply.Bulk("slave");
  ctx.reply.Bulk(repl->master_host());
  ctx.reply.Integer(repl->master_port());
  ctx.reply.Bulk(LinkStateName(repl->link_state()));
  ctx.reply.Integer(repl->link_state() == MasterLinkState::kConnected ? static_cast<int64_t>(repl->offset()) : -1);
}

void ReplconfCommand(CommandContext& ctx) { ctx.server.replication->HandleReplconf(ctx); }
void PsyncCommand(CommandContext& ctx) { ctx.server.replication->HandlePsync(ctx, false); }
void SyncCommand(CommandContext& ctx) { ctx.server.replication->HandlePsync(ctx, true); }

// WAIT numreplicas timeout: blocks until that many replicas acknowledged
// this client's writes, or the timeout (ms, 0 = forever); replies the count.
void WaitCommand(CommandContext& ctx) {
  Replication* repl = ctx.server.replication;
  if (repl->is_replica()) {
    ctx.reply.Error(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is "
        "configured to be writable (which is not the default) writes to replicas are just local and are not "
        "propagated.");
    return;
  }
  int64_t wanted, timeout_ms;
  if (!ctx.IntArg(1, &wanted)) return;
  if (!ParseInt64(ctx.arg(2), &timeout_ms)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout_ms < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return;
  }
  // A re-run (woken by an ACK, or at the timeout) counts against the offset
  // the first run saw: woff has moved on since (see Replication::BeginWait).
  uint64_t target = ctx.client.blocked ? repl->WaitTarget(ctx.client.id, ctx.client.woff) : ctx.client.woff;
  int acked = repl->CountAcked(target);
  if (acked >= wanted || !ctx.can_block() || ctx.block_timed_out) {
    repl->EndWait(ctx.client.id);
    ctx.reply.Integer(acked);
    return;
  }
  if (!ctx.client.blocked) {
    repl->BeginWait(ctx.client.id, target);
    repl->RequestAcks();
  }
  // Woken by every ACK (the session re-runs WAIT), replied here either when
  // enough replicas acknowledged or, at the timeout, with the count so far.
  ctx.BlockOn({WaitKey()}, timeout_ms, /*null_array=*/false, /*rerun_on_timeout=*/true);
}

}  // namespace

// Called when a replica acknowledges: wake every client blocked in WAIT.
void WakeWaitingClients(ServerContext& server) {
  if (server.blocking == nullptr) return;
  for (int db = 0; db < server.options().databases; ++db) server.blocking->KeyChanged(db, WaitKey());
}

void RegisterReplicationFamily(CommandTable& t) {
  const uint32_t A = kCmdAdmin, N = kCmdNoscript, S = kCmdStale, L = kCmdLoading, F = kCmdFast;
  t.Add(Cmd("replicaof", 3, A | N | S | kCmdNoAsyncLoading, 0, 0, 0, ReplicaOfCommand, "server", "5.0.0",
            "Make the server a replica of another instance, or promote it as master.", "@dangerous"));
  t.Add(Cmd("slaveof", 3, A | N | S | kCmdNoAsyncLoading, 0, 0, 0, ReplicaOfCommand, "server", "1.0.0",
            "Make the server a replica of another instance, or promote it as master.", "@dangerous"));
  t.Add(Cmd("role", 1, N | L | S | F | kCmdSentinel, 0, 0, 0, RoleCommand, "server", "2.8.12",
            "Return the role of the instance in the context of replication", "@admin @dangerous"));
  t.Add(Cmd("replconf", -1, A | N | L | S | kCmdAllowBusy, 0, 0, 0, ReplconfCommand, "server", "3.0.0",
            "An internal command for configuring the replication stream", "@dangerous"));
  t.Add(Cmd("psync", -3, A | N | kCmdNoAsyncLoading | kCmdNoMulti, 0, 0, 0, PsyncCommand, "server", "2.8.0",
            "Internal command used for replication", "@dangerous"));
  t.Add(Cmd("sync", 1, A | N | kCmdNoAsyncLoading | kCmdNoMulti, 0, 0, 0, SyncCommand, "server", "1.0.0",
            "Internal command used for replication", "@dangerous"));
  t.Add(Cmd("wait", 3, N, 0, 0, 0, WaitCommand, "generic", "3.0.0",
            "Wait for the synchronous replication of all the write commands sent in the context of the current "
            "connection",
            "@connection")
            .Tips("request_policy:all_shards response_policy:agg_min"));
}

}  // namespace troupe
