// Implementation of Route: Redis 7.0.15's getNodeByQuery, check by check,
// in its order.
#include "actors/cluster/cluster_routing.h"

#include "actors/shard/commands/command.h"

namespace troupe {

RouteDecision Route(ClusterState& state, const RouteRequest& request) {
  RouteDecision d;
  const ClusterNode* myself = &state.myself();
  const ClusterNode* owner = nullptr;
  std::string_view first_key;
  bool have_key = false, multiple_keys = false;
  bool migrating = false, importing = false;
  int missing_keys = 0;
  bool is_write = false;

  for (const RoutedCommand& rc : request.commands) {
    if (rc.spec->flags & kCmdWrite) is_write = true;
    for (size_t pos : rc.spec->KeyPositions(rc.argv)) {
      std::string_view key = rc.argv[pos];
      int slot = KeySlot(key);
      if (!have_key) {
        have_key = true;
        first_key = key;
        d.slot = slot;
        owner = state.owner(slot);
        if (owner == nullptr) {
          d.kind = RouteKind::kDownUnbound;
          return d;
        }
        if (owner == myself && state.migrating_to(slot) != nullptr)
          migrating = true;
        else if (state.importing_from(slot) != nullptr)
          importing = true;
      } else if (key != first_key) {
        if (slot != d.slot) {
          d.kind = RouteKind::kCrossSlot;
          d.slot = -1;
          return d;
        }
        multiple_keys = true;
      }
      if ((migrating || importing) && request.key_exists && !request.key_exists(key)) ++missing_keys;
    }
  }
  // No key at all: served here, whatever the state of the cluster.
  if (!have_key) return d;

  if (state.Health() != ClusterHealth::kOk) {
    if (!request.allow_reads_when_down) {
      d.kind = RouteKind::kDownState;
      return d;
    }
    if (is_write) {
      d.kind = RouteKind::kDownReadOnly;
      return d;
    }
  }
  if (migrating && missing_keys > 0) {
    if (multiple_keys) {
      d.kind = RouteKind::kTryAgain;
    } else {
      d.kind = RouteKind::kAsk;
      d.node = state.migrating_to(d.slot);
    }
    return d;
  }
  if (importing && request.asking) {
    if (multiple_keys && missing_keys > 0) d.kind = RouteKind::kTryAgain;
    return d;
  }
  // A replica serves reads of its master's slots to READONLY connections.
  if (request.readonly_client && !is_write && myself->is_replica() && myself->master_id == owner->id)
    return d;
  if (owner != myself) {
    d.kind = RouteKind::kMoved;
    d.node = owner;
  }
  return d;
}

std::string RedirectError(const RouteDecision& d) {
  switch (d.kind) {
    case RouteKind::kServe:
      return "";
    case RouteKind::kMoved:
    case RouteKind::kAsk:
      return std::string(d.kind == RouteKind::kMoved ? "MOVED " : "ASK ") + std::to_string(d.slot) + " " +
             d.node->ip + ":" + std::to_string(d.node->port);
    case RouteKind::kCrossSlot:
      return "CROSSSLOT Keys in request don't hash to the same slot";
    case RouteKind::kTryAgain:
      return "TRYAGAIN Multiple keys request during rehashing of slot";
    case RouteKind::kDownUnbound:
      return "CLUSTERDOWN Hash slot not served";
    case RouteKind::kDownState:
      return "CLUSTERDOWN The cluster is down";
    case RouteKind::kDownReadOnly:
      return "CLUSTERDOWN The cluster is down and only accepts read commands";
  }
  return "";
}

}  // namespace troupe
