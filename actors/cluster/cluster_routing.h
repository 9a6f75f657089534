// Cluster routing: whether this node may run a request or must redirect it,
// as Redis 7.0's getNodeByQuery decides it — every key of the request (of
// every queued command, for EXEC) in one slot, else CROSSSLOT; an
// unassigned slot is "CLUSTERDOWN Hash slot not served"; a cluster in the
// "fail" state refuses keyed commands (reads pass with
// cluster-allow-reads-when-down); a slot being migrated away answers ASK
// for missing keys (TRYAGAIN for several keys), one being imported is
// served after ASKING; a replica serves reads of its master's slots to a
// READONLY connection; anything else owned elsewhere is MOVED.
//
// Called once per command by CommandTable::Dispatch when cluster mode is
// on (and never for our master's stream or the AOF loader). Plain code on
// the multiplexer thread; reads ClusterState, changes nothing but the
// connection's one-shot ASKING flag (through the caller).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/cluster/cluster_state.h"

namespace troupe {

struct CommandSpec;

// One command of the request: its row and its arguments.
struct RoutedCommand {
  const CommandSpec* spec;
  std::vector<std::string_view> argv;
};

struct RouteRequest {
  std::vector<RoutedCommand> commands;  // one, or the commands EXEC would run
  bool is_exec = false;                 // EXEC of a MULTI
  bool readonly_client = false;         // the connection sent READONLY
  bool asking = false;                  // the connection sent ASKING just before
  bool allow_reads_when_down = false;   // cluster-allow-reads-when-down
  // Whether db 0 holds a key (asked only for slots being migrated/imported).
  std::function<bool(std::string_view key)> key_exists;
};

enum class RouteKind {
  kServe,         // run it here
  kMoved,         // -MOVED <slot> <ip>:<port>
  kAsk,           // -ASK <slot> <ip>:<port>
  kCrossSlot,     // -CROSSSLOT Keys in request don't hash to the same slot
  kTryAgain,      // -TRYAGAIN Multiple keys request during rehashing of slot
  kDownUnbound,   // -CLUSTERDOWN Hash slot not served
  kDownState,     // -CLUSTERDOWN The cluster is down
  kDownReadOnly,  // -CLUSTERDOWN The cluster is down and only accepts read commands
};

struct RouteDecision {
  RouteKind kind = RouteKind::kServe;
  int slot = -1;                       // the request's slot, -1 = no key
  const ClusterNode* node = nullptr;   // the target of MOVED/ASK
};

RouteDecision Route(ClusterState& state, const RouteRequest& request);

// The RESP error text (without '-') for a decision that is not kServe.
std::string RedirectError(const RouteDecision& d);

}  // namespace troupe
