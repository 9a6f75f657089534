// CLUSTER and its subcommands, READONLY, READWRITE and ASKING: what one
// cluster node answers about itself and its slot table (ClusterState), with
// Redis 7.0.15's reply shapes and error texts; and ClusterRefusal, the
// routing check Dispatch runs for every command in cluster mode.
//
// MEET starts a handshake the cluster bus (cluster_bus.h) carries out;
// REPLICATE points replication at the new master; FAILOVER starts a manual
// failover the bus runs; configuration changes are announced by the bus's
// next pings (at most 100 ms later). COUNTKEYSINSLOT, GETKEYSINSLOT and the key checks of SETSLOT scan
// database 0 (there is no per-slot key index yet).
//
// Runs inline in the client session on the multiplexer thread.
#include "actors/shard/commands/cluster_family.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include <string>
#include <vector>

#include "actors/cluster/cluster_bus.h"
#include "actors/cluster/cluster_routing.h"
#include "actors/cluster/cluster_state.h"
#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/replication/replication.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/transaction/watch_registry.h"

namespace troupe {
namespace {


// The cluster state, or nullptr after replying Redis's error.
ClusterState* Cluster(CommandContext& ctx) {
  if (ctx.server.cluster == nullptr) ctx.reply.Error("ERR This instance has cluster support disabled");
  return ctx.server.cluster;
}

void SaveOrLog(ClusterState& cs) {
  if (Status s = cs.Save(); !s.ok()) spdlog::warn("{}", s.message());
}

void SubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.arg(1)) +
                  "'. Try CLUSTER HELP.");
}

// Redis's getSlotOrReply.
bool SlotArg(CommandContext& ctx, size_t i, int* slot) {
  int64_t v;
  if (!ParseInt64(ctx.arg(i), &v) || v < 0 || v >= kClusterSlots) {
    ctx.reply.Error("ERR Invalid or out of range slot");
    return false;
  }
  *slot = static_cast<int>(v);
  return true;
}

// Keys of database 0 in `slot`, at most `limit` of them collected into
// `out` (when given); returns how many there are. Database 0 counts its
// keys per slot in cluster mode, so the count is free and the scan stops as
// soon as it has what it needs (or all keys of the slot).
size_t KeysInSlot(CommandContext& ctx, int slot, std::vector<std::string>* out, size_t limit) {
  Database& db = ctx.keyspace.db(0);
  if (db.tracks_slots()) {
    size_t total = db.KeysInSlot(slot);
    if (out == nullptr || total == 0 || limit == 0) return total;
    size_t wanted = std::min(total, limit);
    uint64_t cursor = 0;
    do {
      cursor = db.Scan(cursor, [&](const Entry* e) {
        if (out->size() < wanted && KeySlot(e->key()) == slot) out->emplace_back(e->key());
      });
    } while (cursor != 0 && out->size() < wanted);
    return total;
  }
  size_t count = 0;
  db.ForEach([&](const Entry* e) {
    std::string_view key = e->key();
    if (KeySlot(key) != slot) return;
    ++count;
    if (out != nullptr && out->size() < limit) out->emplace_back(key);
  });
  return count;
}

ClusterNode* NodeArg(CommandContext& ctx, ClusterState& cs, size_t i, const char* unknown_prefix) {
  ClusterNode* n = cs.Find(ctx.arg(i));
  if (n == nullptr) ctx.reply.Error(std::string("ERR ") + unknown_prefix + std::string(ctx.arg(i)));
  return n;
}

// The node named at argument `i` for SETSLOT MIGRATING/IMPORTING: it must be
// known and a master (replies the error otherwise).
ClusterNode* MasterNodeArg(CommandContext& ctx, ClusterState& cs, size_t i) {
  ClusterNode* n = NodeArg(ctx, cs, i, "I don't know about node ");
  if (n == nullptr) return nullptr;
  if (n->is_replica()) {
    ctx.reply.Error("ERR Target node is not a master");
    return nullptr;
  }
  return n;
}

// ---- Introspection.

void ClusterHelp(CommandContext& ctx) {
  if (Cluster(ctx) == nullptr) return;
  static const char* const kLines[] = {
      "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ADDSLOTS <slot> [<slot> ...]",
      "    Assign slots to current node.",
      "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
      "    Assign slots which are between <start-slot> and <end-slot> to current node.",
      "BUMPEPOCH",
      "    Advance the cluster config epoch.",
      "COUNT-FAILURE-REPORTS <node-id>",
      "    Return number of failure reports for <node-id>.",
      "COUNTKEYSINSLOT <slot>",
      "    Return the number of keys in <slot>.",
      "DELSLOTS <slot> [<slot> ...]",
      "    Delete slots information from current node.",
      "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
      "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
      "FAILOVER [FORCE|TAKEOVER]",
      "    Promote current replica node to being a master.",
      "FORGET <node-id>",
      "    Remove a node from the cluster.",
      "GETKEYSINSLOT <slot> <count>",
      "    Return key names stored by current node in a slot.",
      "FLUSHSLOTS",
      "    Delete current node own slots information.",
      "INFO",
      "    Return information about the cluster.",
      "KEYSLOT <key>",
      "    Return the hash slot for <key>.",
      "MEET <ip> <port> [<bus-port>]",
      "    Connect nodes into a working cluster.",
      "MYID",
      "    Return the node id.",
      "NODES",
      "    Return cluster configuration seen by node. Output format:",
      "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
      "REPLICATE <node-id>",
      "    Configure current node as replica to <node-id>.",
      "RESET [HARD|SOFT]",
      "    Reset current node (default: soft).",
      "SET-CONFIG-EPOCH <epoch>",
      "    Set config epoch of current node.",
      "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
      "    Set slot state.",
      "REPLICAS <node-id>",
      "    Return <node-id> replicas.",
      "SAVECONFIG",
      "    Force saving cluster configuration on disk.",
      "SLOTS",
      "    Return information about slots range mappings. Each range is made of:",
      "    start, end, master and replicas IP addresses, ports and ids",
      "SHARDS",
      "    Return information about slot range mappings and the nodes associated with them.",
      "LINKS",
      "    Return information about all network links between this node and its peers.",
      "    Output format is an array where each array element is a map containing attributes of a link",
      "HELP",
      "    Prints this help.",
  };
  ctx.ReplyHelp(kLines);
}

void ClusterInfo(CommandContext& ctx) {
  if (ClusterState* cs = Cluster(ctx)) ctx.reply.Verbatim(cs->InfoText());
}

void ClusterNodes(CommandContext& ctx) {
  if (ClusterState* cs = Cluster(ctx)) ctx.reply.Verbatim(cs->NodesDescription());
}

void ClusterMyId(CommandContext& ctx) {
  if (ClusterState* cs = Cluster(ctx)) ctx.reply.Bulk(cs->myself().id);
}

void ClusterKeySlot(CommandContext& ctx) {
  if (Cluster(ctx) != nullptr) ctx.reply.Integer(KeySlot(ctx.arg(2)));
}

// CLUSTER LINKS: one map per bus link, Redis 7.0's fields.
void ClusterLinks(CommandContext& ctx) {
  if (Cluster(ctx) == nullptr) return;
  std::vector<ClusterBus::LinkInfo> links;
  if (ctx.server.cluster_bus != nullptr) links = ctx.server.cluster_bus->Links();
  ctx.reply.ArrayHeader(links.size());
  for (const ClusterBus::LinkInfo& l : links) {
    ctx.reply.MapHeader(6);
    ctx.reply.Bulk("direction");
    ctx.reply.Bulk(l.direction);
    ctx.reply.Bulk("node");
    ctx.reply.Bulk(l.node_id);
    ctx.reply.Bulk("create-time");
    ctx.reply.Integer(l.created_ms);
    ctx.reply.Bulk("events");
    ctx.reply.Bulk(l.connected ? "r" : "");
    ctx.reply.Bulk("send-buffer-allocated");
    ctx.reply.Integer(0);
    ctx.reply.Bulk("send-buffer-used");
    ctx.reply.Integer(0);
  }
}

// One node of CLUSTER SLOTS: ip, port, id, and a map of the other endpoints.
void SlotsNodeReply(CommandContext& ctx, const ClusterNode& n) {
  ctx.reply.ArrayHeader(4);
  ctx.reply.Bulk(n.ip);
  ctx.reply.Integer(n.port);
  ctx.reply.Bulk(n.id);
  if (n.hostname.empty()) {
    ctx.reply.MapHeader(0);
  } else {
    ctx.reply.MapHeader(1);
    ctx.reply.Bulk("hostname");
    ctx.reply.Bulk(n.hostname);
  }
}

// The replication offset a node is known at (myself: our own).
uint64_t KnownOffset(CommandContext& ctx, const ClusterNode& n) {
  if (n.is_myself() && ctx.server.replication != nullptr) return ctx.server.replication->offset();
  return n.repl_offset;
}

// Redis's isReplicaAvailable: CLUSTER SLOTS lists a replica only when it is
// not failing and has synced (a non-zero offset), so clients reading from
// replicas are not sent to one still loading.
bool ReplicaAvailable(CommandContext& ctx, const ClusterNode& n) { return !n.failed() && KnownOffset(ctx, n) != 0; }

void ClusterSlots(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  struct Range {
    int start, end;
    const ClusterNode* node;
  };
  std::vector<Range> ranges;
  for (int j = 0; j < kClusterSlots; ++j) {
    const ClusterNode* n = cs->owner(j);
    if (n == nullptr) continue;
    if (!ranges.empty() && ranges.back().node == n && ranges.back().end == j - 1)
      ranges.back().end = j;
    else
      ranges.push_back({j, j, n});
  }
  ctx.reply.ArrayHeader(ranges.size());
  for (const Range& r : ranges) {
    std::vector<const ClusterNode*> replicas;
    for (const ClusterNode* rep : cs->ReplicasOf(r.node->id))
      if (ReplicaAvailable(ctx, *rep)) replicas.push_back(rep);
    ctx.reply.ArrayHeader(3 + replicas.size());
    ctx.reply.Integer(r.start);
    ctx.reply.Integer(r.end);
    SlotsNodeReply(ctx, *r.node);
    for (const ClusterNode* rep : replicas) SlotsNodeReply(ctx, *rep);
  }
}

void ShardNodeReply(CommandContext& ctx, ClusterState& cs, const ClusterNode& n) {
  ctx.reply.MapHeader(n.hostname.empty() ? 7 : 8);
  ctx.reply.Bulk("id");
  ctx.reply.Bulk(n.id);
  ctx.reply.Bulk("port");
  ctx.reply.Integer(n.port);
  ctx.reply.Bulk("ip");
  ctx.reply.Bulk(n.ip);
  ctx.reply.Bulk("endpoint");
  ctx.reply.Bulk(n.ip);
  if (!n.hostname.empty()) {
    ctx.reply.Bulk("hostname");
    ctx.reply.Bulk(n.hostname);
  }
  uint64_t offset = KnownOffset(ctx, n);
  ctx.reply.Bulk("role");
  ctx.reply.Bulk(n.is_replica() ? "replica" : "master");
  ctx.reply.Bulk("replication-offset");
  ctx.reply.Integer(static_cast<int64_t>(offset));
  ctx.reply.Bulk("health");
  ctx.reply.Bulk(n.failed() ? "fail" : (n.is_replica() && offset == 0) ? "loading" : "online");
}

void ClusterShards(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  std::vector<const ClusterNode*> masters;
  for (const ClusterNode* n : cs->NodesInOrder())
    if (n->is_master()) masters.push_back(n);
  ctx.reply.ArrayHeader(masters.size());
  for (const ClusterNode* m : masters) {
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("slots");
    std::vector<int> pairs;
    for (int j = 0; j < kClusterSlots; ++j) {
      if (cs->owner(j) != m) continue;
      if (!pairs.empty() && pairs.back() == j - 1)
        pairs.back() = j;
      else
        pairs.insert(pairs.end(), {j, j});
    }
    ctx.reply.ArrayHeader(pairs.size());
    for (int p : pairs) ctx.reply.Integer(p);
    ctx.reply.Bulk("nodes");
    std::vector<const ClusterNode*> replicas = cs->ReplicasOf(m->id);
    ctx.reply.ArrayHeader(1 + replicas.size());
    ShardNodeReply(ctx, *cs, *m);
    for (const ClusterNode* r : replicas) ShardNodeReply(ctx, *cs, *r);
  }
}

void ClusterCountKeysInSlot(CommandContext& ctx) {
  if (Cluster(ctx) == nullptr) return;
  int64_t slot;
  if (!ctx.IntArg(2, &slot)) return;
  if (slot < 0 || slot >= kClusterSlots) {
    ctx.reply.Error("ERR Invalid slot");
    return;
  }
  ctx.reply.Integer(static_cast<int64_t>(KeysInSlot(ctx, static_cast<int>(slot), nullptr, 0)));
}

void ClusterGetKeysInSlot(CommandContext& ctx) {
  if (Cluster(ctx) == nullptr) return;
  int64_t slot, count;
  if (!ctx.IntArg(2, &slot) || !ctx.IntArg(3, &count)) return;
  if (count < 0 || slot < 0 || slot >= kClusterSlots) {
    ctx.reply.Error("ERR Invalid slot or number of keys");
    return;
  }
  std::vector<std::string> keys;
  KeysInSlot(ctx, static_cast<int>(slot), &keys, static_cast<size_t>(count));
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) ctx.reply.Bulk(k);
}

void ClusterCountFailureReports(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  if (ClusterNode* n = NodeArg(ctx, *cs, 2, "Unknown node "))
    ctx.reply.Integer(static_cast<int64_t>(cs->CountFailureReports(n)));
}

void ClusterReplicas(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  ClusterNode* n = NodeArg(ctx, *cs, 2, "Unknown node ");
  if (n == nullptr) return;
  if (n->is_replica()) {
    ctx.reply.Error("ERR The specified node is not a master");
    return;
  }
  std::vector<const ClusterNode*> replicas = cs->ReplicasOf(n->id);
  ctx.reply.ArrayHeader(replicas.size());
  for (const ClusterNode* r : replicas) ctx.reply.Bulk(cs->NodeLine(*r));
}

// ---- Slot assignment.

// ADDSLOTS/DELSLOTS and their RANGE forms: every argument checked before
// anything changes (Redis's checkSlotAssignmentsOrReply).
void ChangeSlots(CommandContext& ctx, bool del, bool ranges) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  if (ranges && ctx.argc() % 2 == 1) {
    ctx.WrongArity();
    return;
  }
  std::vector<uint8_t> seen(kClusterSlots, 0);
  std::vector<int> chosen;
  for (size_t j = 2; j < ctx.argc(); j += ranges ? 2 : 1) {
    int start, end;
    if (!SlotArg(ctx, j, &start)) return;
    end = start;
    if (ranges) {
      if (!SlotArg(ctx, j + 1, &end)) return;
      if (start > end) {
        ctx.reply.Error("ERR start slot number " + std::to_string(start) +
                        " is greater than end slot number " + std::to_string(end));
        return;
      }
    }
    for (int slot = start; slot <= end; ++slot) {
      if (del && cs->owner(slot) == nullptr) {
        ctx.reply.Error("ERR Slot " + std::to_string(slot) + " is already unassigned");
        return;
      }
      if (!del && cs->owner(slot) != nullptr) {
        ctx.reply.Error("ERR Slot " + std::to_string(slot) + " is already busy");
        return;
      }
      if (seen[static_cast<size_t>(slot)]++ == 1) {
        ctx.reply.Error("ERR Slot " + std::to_string(slot) + " specified multiple times");
        return;
      }
      chosen.push_back(slot);
    }
  }
  for (int slot : chosen) {
    if (del) {
      cs->UnassignSlot(slot);
    } else {
      cs->SetImporting(slot, nullptr);
      cs->AssignSlot(slot, &cs->myself());
    }
  }
  SaveOrLog(*cs);
  ctx.reply.Ok();
}

void ClusterAddSlots(CommandContext& ctx) { ChangeSlots(ctx, false, false); }
void ClusterDelSlots(CommandContext& ctx) { ChangeSlots(ctx, true, false); }
void ClusterAddSlotsRange(CommandContext& ctx) { ChangeSlots(ctx, false, true); }
void ClusterDelSlotsRange(CommandContext& ctx) { ChangeSlots(ctx, true, true); }

void ClusterFlushSlots(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  if (ctx.keyspace.db(0).size() != 0) {
    ctx.reply.Error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
    return;
  }
  cs->UnassignAllSlots(&cs->myself());
  SaveOrLog(*cs);
  ctx.reply.Ok();
}

void ClusterSetSlot(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  ClusterNode* me = &cs->myself();
  if (me->is_replica()) {
    ctx.reply.Error("ERR Please use SETSLOT only with masters.");
    return;
  }
  int slot;
  if (!SlotArg(ctx, 2, &slot)) return;
  std::string_view action = ctx.arg(3);
  const std::string slot_text = std::to_string(slot);
  if (EqualsIgnoreCase(action, "migrating") && ctx.argc() == 5) {
    if (cs->owner(slot) != me) {
      ctx.reply.Error("ERR I'm not the owner of hash slot " + slot_text);
      return;
    }
    ClusterNode* n = MasterNodeArg(ctx, *cs, 4);
    if (n == nullptr) return;
    cs->SetMigrating(slot, n);
  } else if (EqualsIgnoreCase(action, "importing") && ctx.argc() == 5) {
    if (cs->owner(slot) == me) {
      ctx.reply.Error("ERR I'm already the owner of hash slot " + slot_text);
      return;
    }
    ClusterNode* n = MasterNodeArg(ctx, *cs, 4);
    if (n == nullptr) return;
    cs->SetImporting(slot, n);
  } else if (EqualsIgnoreCase(action, "stable") && ctx.argc() == 4) {
    cs->SetImporting(slot, nullptr);
    cs->SetMigrating(slot, nullptr);
  } else if (EqualsIgnoreCase(action, "node") && ctx.argc() == 5) {
    ClusterNode* n = NodeArg(ctx, *cs, 4, "Unknown node ");
    if (n == nullptr) return;
    if (n->is_replica()) {
      ctx.reply.Error("ERR Target node is not a master");
      return;
    }
    size_t keys = KeysInSlot(ctx, slot, nullptr, 0);
    if (cs->owner(slot) == me && n != me && keys != 0) {
      ctx.reply.Error("ERR Can't assign hashslot " + slot_text +
                      " to a different node while I still hold keys for this hash slot.");
      return;
    }
    if (keys == 0) cs->SetMigrating(slot, nullptr);
    cs->AssignSlot(slot, n);
    if (n == me && cs->importing_from(slot) != nullptr) {
      // A manual migration ends with a new epoch, so the claim wins.
      if (cs->BumpEpochWithoutConsensus())
        spdlog::warn("configEpoch updated after importing slot {}", slot);
      cs->SetImporting(slot, nullptr);
    }
  } else {
    ctx.reply.Error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
    return;
  }
  SaveOrLog(*cs);
  ctx.reply.Ok();
}

// ---- Epochs, configuration, membership.

void ClusterSetConfigEpoch(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  int64_t epoch;
  if (!ctx.IntArg(2, &epoch)) return;
  if (epoch < 0) {
    ctx.reply.Error("ERR Invalid config epoch specified: " + std::to_string(epoch));
  } else if (cs->known_nodes() > 1) {
    ctx.reply.Error("ERR The user can assign a config epoch only when the node does not know any other node.");
  } else if (cs->myself().config_epoch != 0) {
    ctx.reply.Error("ERR Node config epoch is already non-zero");
  } else {
    cs->myself().config_epoch = static_cast<uint64_t>(epoch);
    spdlog::warn("configEpoch set to {} via CLUSTER SET-CONFIG-EPOCH", epoch);
    if (cs->current_epoch < static_cast<uint64_t>(epoch)) cs->current_epoch = static_cast<uint64_t>(epoch);
    SaveOrLog(*cs);
    ctx.reply.Ok();
  }
}

void ClusterBumpEpoch(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  bool bumped = cs->BumpEpochWithoutConsensus();
  if (bumped) SaveOrLog(*cs);
  ctx.reply.Simple(std::string(bumped ? "BUMPED " : "STILL ") + std::to_string(cs->myself().config_epoch));
}

void ClusterSaveConfig(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  if (Status s = cs->Save(); !s.ok()) {
    ctx.reply.Error("ERR error saving the cluster node config: " + s.message());
    return;
  }
  ctx.reply.Ok();
}

void ClusterReset(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  if (ctx.argc() > 3) {
    SubcommandSyntaxError(ctx);
    return;
  }
  bool hard = false;
  if (ctx.argc() == 3) {
    if (EqualsIgnoreCase(ctx.arg(2), "hard"))
      hard = true;
    else if (!EqualsIgnoreCase(ctx.arg(2), "soft")) {
      ctx.SyntaxError();
      return;
    }
  }
  if (cs->myself().is_master() && ctx.keyspace.db(ctx.client.db).size() != 0) {
    ctx.reply.Error("ERR CLUSTER RESET can't be called with master nodes containing keys");
    return;
  }
  cs->Reset(hard);
  if (hard) spdlog::info("Node hard reset, now I'm {}", cs->myself().id);
  SaveOrLog(*cs);
  ctx.reply.Ok();
}

void ClusterForget(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  ClusterNode* n = NodeArg(ctx, *cs, 2, "Unknown node ");
  if (n == nullptr) return;
  if (n == &cs->myself()) {
    ctx.reply.Error("ERR I tried hard but I can't forget myself...");
    return;
  }
  if (cs->myself().is_replica() && cs->myself().master_id == n->id) {
    ctx.reply.Error("ERR Can't forget my master!");
    return;
  }
  cs->DeleteNode(n->id);
  SaveOrLog(*cs);
  ctx.reply.Ok();
}

// The textual form inet_ntop gives (so "127.000.000.001"-style spellings
// and IPv6 variants compare equal); the input when it does not parse.
std::string NormalizeIp(std::string_view ip) {
  std::string s(ip);
  unsigned char buf[sizeof(in6_addr)];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1 && inet_ntop(AF_INET, buf, out, sizeof(out))) return out;
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1 && inet_ntop(AF_INET6, buf, out, sizeof(out))) return out;
  return s;
}

bool ValidIp(std::string_view ip) {
  std::string s(ip);
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

void ClusterMeet(CommandContext& ctx) {
  if (Cluster(ctx) == nullptr) return;
  if (ctx.argc() > 5) {
    SubcommandSyntaxError(ctx);
    return;
  }
  int64_t port, cport;
  if (!ParseInt64(ctx.arg(3), &port)) {
    ctx.reply.Error("ERR Invalid TCP base port specified: " + std::string(ctx.arg(3)));
    return;
  }
  if (ctx.argc() == 5) {
    if (!ParseInt64(ctx.arg(4), &cport)) {
      ctx.reply.Error("ERR Invalid TCP bus port specified: " + std::string(ctx.arg(4)));
      return;
    }
  } else {
    cport = port + 10000;
  }
  if (!ValidIp(ctx.arg(2)) || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
    ctx.reply.Error("ERR Invalid node address specified: " + std::string(ctx.arg(2)) + ":" +
                    std::string(ctx.arg(3)));
    return;
  }
  // A handshake already under way with that address is fine (Redis answers OK too).
  ClusterState* cs = ctx.server.cluster;
  cs->StartHandshake(NormalizeIp(ctx.arg(2)), static_cast<int>(port), static_cast<int>(cport));
  ctx.reply.Ok();
}

void ClusterReplicate(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  ClusterNode* n = NodeArg(ctx, *cs, 2, "Unknown node ");
  if (n == nullptr) return;
  if (n == &cs->myself()) {
    ctx.reply.Error("ERR Can't replicate myself");
    return;
  }
  if (n->is_replica()) {
    ctx.reply.Error("ERR I can only replicate a master, not a replica.");
    return;
  }
  if (cs->myself().is_master() && (cs->myself().num_slots != 0 || ctx.keyspace.db(0).size() != 0)) {
    ctx.reply.Error("ERR To set a master the node must be empty and without assigned slots.");
    return;
  }
  cs->SetMyMaster(n);
  SaveOrLog(*cs);
  cs->todo_save = false;
  if (ctx.server.replication != nullptr && !n->ip.empty()) ctx.server.replication->SetMaster(n->ip, n->port);
  if (ctx.server.cluster_bus != nullptr) ctx.server.cluster_bus->BroadcastPong();
  ctx.reply.Ok();
}

void ClusterFailover(CommandContext& ctx) {
  ClusterState* cs = Cluster(ctx);
  if (cs == nullptr) return;
  if (ctx.argc() > 3) {
    SubcommandSyntaxError(ctx);
    return;
  }
  if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.arg(2), "force") && !EqualsIgnoreCase(ctx.arg(2), "takeover")) {
    ctx.SyntaxError();
    return;
  }
  if (cs->myself().is_master()) {
    ctx.reply.Error("ERR You should send CLUSTER FAILOVER to a replica");
    return;
  }
  if (cs->Find(cs->myself().master_id) == nullptr) {
    ctx.reply.Error("ERR I'm a replica but my master is unknown to me");
    return;
  }
  if (ctx.server.cluster_bus == nullptr) {
    ctx.reply.Error("ERR the cluster bus is not running");
    return;
  }
  bool force = ctx.argc() == 3 && EqualsIgnoreCase(ctx.arg(2), "force");
  bool takeover = ctx.argc() == 3 && EqualsIgnoreCase(ctx.arg(2), "takeover");
  std::string error = ctx.server.cluster_bus->StartManualFailover(force, takeover);
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Ok();
}

// ---- Connection flags.

void ReadOnlyCommand(CommandContext& ctx) {
  if (Cluster(ctx) == nullptr) return;
  ctx.client.readonly_cluster = true;
  ctx.reply.Ok();
}

void ReadWriteCommand(CommandContext& ctx) {
  if (Cluster(ctx) == nullptr) return;
  ctx.client.readonly_cluster = false;
  ctx.reply.Ok();
}

void AskingCommand(CommandContext& ctx) {
  if (Cluster(ctx) == nullptr) return;
  ctx.client.asking = true;
  ctx.reply.Ok();
}

}  // namespace

std::string ClusterRefusal(CommandContext& ctx, const CommandSpec& cmd, const CommandTable& table) {
  ClusterState& cs = *ctx.server.cluster;
  ClientState& client = ctx.client;
  bool asking = client.asking || (cmd.flags & kCmdAsking) != 0;
  if (cmd.handler != AskingCommand) client.asking = false;  // one command only
  RouteRequest req;
  bool is_exec = cmd.name == "exec";
  if (is_exec) {
    if (!client.in_multi) return "";  // EXEC answers its own error
    req.is_exec = true;
    for (const auto& queued : client.queued) {
      std::vector<std::string_view> argv(queued.begin(), queued.end());
      const CommandSpec* spec = table.Resolve(argv);
      if (spec != nullptr) req.commands.push_back(RoutedCommand{spec, std::move(argv)});
    }
  } else {
    if (cmd.first_key <= 0 && !(cmd.flags & kCmdMovableKeys)) return "";  // no keys: never redirected
    // Fast path (no allocation): fixed key positions, all in one slot that
    // is ours and stable, cluster ok. Anything else takes the full check.
    if (!(cmd.flags & kCmdMovableKeys) && static_cast<size_t>(cmd.first_key) < ctx.argc()) {
      int argc = static_cast<int>(ctx.argc());
      int last = cmd.last_key >= 0 ? std::min(cmd.last_key, argc - 1) : argc + cmd.last_key;
      int step = cmd.step > 0 ? cmd.step : 1;
      int slot = KeySlot(ctx.arg(static_cast<size_t>(cmd.first_key)));
      bool same = true;
      for (int i = cmd.first_key + step; i <= last && same; i += step)
        same = KeySlot(ctx.arg(static_cast<size_t>(i))) == slot;
      if (same && cs.owner(slot) == &cs.myself() && cs.migrating_to(slot) == nullptr &&
          cs.importing_from(slot) == nullptr && cs.Health() == ClusterHealth::kOk)
        return "";
    }
    req.commands.push_back(RoutedCommand{&cmd, ctx.argv});
  }
  req.readonly_client = client.readonly_cluster;
  req.asking = asking;
  req.allow_reads_when_down = ctx.server.options().cluster_allow_reads_when_down;
  Database& db0 = ctx.keyspace.db(0);
  req.key_exists = [&db0](std::string_view key) { return db0.Peek(key) != nullptr; };
  RouteDecision d = Route(cs, req);
  if (d.kind == RouteKind::kServe) return "";
  if (is_exec) {
    client.in_multi = client.multi_error = client.dirty_cas = false;
    client.queued.clear();
    client.queued_bytes = 0;
    if (ctx.server.watches != nullptr) ctx.server.watches->UnwatchAll(&client);
  }
  return RedirectError(d);
}

void RegisterClusterFamily(CommandTable& t) {
  // Redis 7.0.15's flags: most subcommands are admin + stale +
  // no_async_loading ("A"); the read-only ones only stale ("S").
  const uint32_t A = kCmdAdmin | kCmdStale | kCmdNoAsyncLoading, S = kCmdStale;
  const char* g = "cluster";
  CommandSpec cluster = Cmd("cluster", -2, 0, 0, 0, 0, nullptr, g, "3.0.0", "A container for cluster commands");
  // In the order redis-server 7.0.15 lists them (COMMAND INFO / DOCS).
  cluster.subcommands = {
      Cmd("setslot", -4, A, 0, 0, 0, ClusterSetSlot, g, "3.0.0", "Bind a hash slot to a specific node"),
      Cmd("saveconfig", 2, A, 0, 0, 0, ClusterSaveConfig, g, "3.0.0",
          "Forces the node to save cluster state on disk"),
      Cmd("flushslots", 2, A, 0, 0, 0, ClusterFlushSlots, g, "3.0.0", "Delete a node's own slots information"),
      Cmd("bumpepoch", 2, A, 0, 0, 0, ClusterBumpEpoch, g, "3.0.0", "Advance the cluster config epoch")
          .Tips("nondeterministic_output"),
      Cmd("help", 2, kCmdLoading | kCmdStale, 0, 0, 0, ClusterHelp, g, "5.0.0",
          "Show helpful text about the different subcommands"),
      Cmd("keyslot", 3, S, 0, 0, 0, ClusterKeySlot, g, "3.0.0", "Returns the hash slot of the specified key"),
      Cmd("getkeysinslot", 4, S, 0, 0, 0, ClusterGetKeysInSlot, g, "3.0.0",
          "Return local key names in the specified hash slot")
          .Tips("nondeterministic_output"),
      Cmd("nodes", 2, S, 0, 0, 0, ClusterNodes, g, "3.0.0", "Get Cluster config for the node")
          .Tips("nondeterministic_output"),
      Cmd("slots", 2, S, 0, 0, 0, ClusterSlots, g, "3.0.0", "Get array of Cluster slot to node mappings")
          .Tips("nondeterministic_output"),
      Cmd("failover", -2, A, 0, 0, 0, ClusterFailover, g, "3.0.0",
          "Forces a replica to perform a manual failover of its master."),
      Cmd("delslotsrange", -4, A, 0, 0, 0, ClusterDelSlotsRange, g, "7.0.0",
          "Set hash slots as unbound in receiving node"),
      Cmd("info", 2, S, 0, 0, 0, ClusterInfo, g, "3.0.0", "Provides info about Redis Cluster node state")
          .Tips("nondeterministic_output"),
      Cmd("myid", 2, S, 0, 0, 0, ClusterMyId, g, "3.0.0", "Return the node id"),
      Cmd("meet", -4, A, 0, 0, 0, ClusterMeet, g, "3.0.0", "Force a node cluster to handshake with another node"),
      Cmd("addslots", -3, A, 0, 0, 0, ClusterAddSlots, g, "3.0.0", "Assign new hash slots to receiving node"),
      Cmd("countkeysinslot", 3, S, 0, 0, 0, ClusterCountKeysInSlot, g, "3.0.0",
          "Return the number of local keys in the specified hash slot"),
      Cmd("replicate", 3, A, 0, 0, 0, ClusterReplicate, g, "3.0.0",
          "Reconfigure a node as a replica of the specified master node"),
      Cmd("reset", -2, kCmdAdmin | kCmdNoscript | kCmdStale, 0, 0, 0, ClusterReset, g, "3.0.0",
          "Reset a Redis Cluster node"),
      Cmd("set-config-epoch", 3, A, 0, 0, 0, ClusterSetConfigEpoch, g, "3.0.0",
          "Set the configuration epoch in a new node"),
      Cmd("replicas", 3, kCmdAdmin | kCmdStale, 0, 0, 0, ClusterReplicas, g, "5.0.0",
          "List replica nodes of the specified master node")
          .Tips("nondeterministic_output"),
      Cmd("addslotsrange", -4, A, 0, 0, 0, ClusterAddSlotsRange, g, "7.0.0",
          "Assign new hash slots to receiving node"),
      Cmd("slaves", 3, kCmdAdmin | kCmdStale, 0, 0, 0, ClusterReplicas, g, "3.0.0",
          "List replica nodes of the specified master node")
          .Tips("nondeterministic_output"),
      Cmd("shards", 2, S, 0, 0, 0, ClusterShards, g, "7.0.0", "Get array of cluster slots to node mappings")
          .Tips("nondeterministic_output"),
      Cmd("count-failure-reports", 3, kCmdAdmin | kCmdStale, 0, 0, 0, ClusterCountFailureReports, g, "3.0.0",
          "Return the number of failure reports active for a given node")
          .Tips("nondeterministic_output"),
      Cmd("delslots", -3, A, 0, 0, 0, ClusterDelSlots, g, "3.0.0", "Set hash slots as unbound in receiving node"),
      Cmd("forget", 3, A, 0, 0, 0, ClusterForget, g, "3.0.0", "Remove a node from the nodes table"),
      Cmd("links", 2, S, 0, 0, 0, ClusterLinks, g, "7.0.0",
          "Returns a list of all TCP links to and from peer nodes in cluster")
          .Tips("nondeterministic_output"),
  };
  t.Add(std::move(cluster));
  const uint32_t C = kCmdLoading | kCmdStale | kCmdFast;
  t.Add(Cmd("readonly", 1, C, 0, 0, 0, ReadOnlyCommand, g, "3.0.0",
            "Enables read queries for a connection to a cluster replica node", "@connection"));
  t.Add(Cmd("readwrite", 1, C, 0, 0, 0, ReadWriteCommand, g, "3.0.0",
            "Disables read queries for a connection to a cluster replica node", "@connection"));
  t.Add(Cmd("asking", 1, kCmdFast, 0, 0, 0, AskingCommand, g, "3.0.0",
            "Sent by cluster clients after an -ASK redirect", "@connection"));
}

}  // namespace troupe
