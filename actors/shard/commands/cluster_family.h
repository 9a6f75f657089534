// The cluster family's hook into CommandTable::Dispatch: the routing check
// every command goes through in cluster mode (cluster_family.cc). Called
// inline on the multiplexer thread; no CAF header.
#pragma once

#include <string>

#include "actors/shard/commands/command.h"

namespace troupe {

class CommandTable;

// Redis's getNodeByQuery for this request (for EXEC: the queued commands):
// "" when this node serves it, else the error to reply (MOVED, ASK,
// CROSSSLOT, TRYAGAIN, CLUSTERDOWN). Consumes the connection's one-shot
// ASKING flag; a refused EXEC discards its transaction, as Redis does.
// Only for cluster mode (ctx.server.cluster set).
std::string ClusterRefusal(CommandContext& ctx, const CommandSpec& cmd, const CommandTable& table);

}  // namespace troupe
