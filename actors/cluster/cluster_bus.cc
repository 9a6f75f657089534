// The cluster bus protocol (see cluster_bus.h).
#include "actors/cluster/cluster_bus.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "proto/cluster_bus.pb.h"

namespace troupe {

namespace pb = cluster::bus;

namespace {

// Redis's CLUSTER_FAIL_UNDO_TIME_MULT: a master with slots loses its FAIL
// flag this many node timeouts after failing when nobody took its slots.
constexpr int64_t kFailUndoTimeMult = 2;
constexpr int kMinGossipEntries = 8;
// Manual failover: how long it may take (Redis's CLUSTER_MF_TIMEOUT); the
// master stops writes for twice that at most.
constexpr int64_t kManualFailoverTimeoutMs = 5000;
// A replica whose link to its master has been down longer than
// repl-ping-replica-period (10 s) + node timeout x cluster-replica-validity-factor
// (10) does not start an election (its data is too old).
constexpr int64_t kReplPingPeriodMs = 10000;
constexpr int64_t kValidityFactor = 10;

bool IsHexId(const std::string& id) {
  if (id.size() != kClusterNameLen) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Flags a gossip section or header may carry about a node (never "myself"
// or "meet", which are local to the node that holds them).
uint32_t WireFlags(uint32_t flags) { return flags & ~(kNodeMyself | kNodeMeet); }

}  // namespace

ClusterBus::ClusterBus(ClusterState* state, const Clock* clock, ClusterBusIo* io, ClusterBusHooks hooks,
                       uint64_t seed)
    : state_(state), clock_(clock), io_(io), hooks_(std::move(hooks)), rng_(seed) {}

// ---- Links.

ClusterBus::Link* ClusterBus::OutboundOf(const std::string& node_id) {
  auto it = outbound_.find(node_id);
  if (it == outbound_.end()) return nullptr;
  auto l = links_.find(it->second);
  return l == links_.end() ? nullptr : &l->second;
}

void ClusterBus::CloseOutbound(const std::string& node_id) {
  auto it = outbound_.find(node_id);
  if (it == outbound_.end()) return;
  io_->Close(it->second);
  links_.erase(it->second);
  outbound_.erase(it);
  if (ClusterNode* n = state_->Find(node_id)) n->link_connected = false;
}

void ClusterBus::DropNode(const std::string& id) {
  CloseOutbound(id);
  backoff_.erase(id);
  for (auto& [lid, l] : links_)
    if (!l.outbound && l.node_id == id) l.node_id.clear();
  state_->DeleteNode(id);
  state_->todo_save = true;
}

void ClusterBus::OnInbound(BusLinkId link, const std::string& peer_ip, const std::string& local_ip) {
  Link l;
  l.id = link;
  l.connected = true;
  l.created_ms = clock_->UnixMs();
  l.peer_ip = peer_ip;
  l.local_ip = local_ip;
  links_[link] = l;
}

void ClusterBus::OnConnected(BusLinkId link, const std::string& local_ip) {
  auto it = links_.find(link);
  if (it == links_.end()) {
    io_->Close(link);  // given up on meanwhile
    return;
  }
  Link& l = it->second;
  l.connected = true;
  l.local_ip = local_ip;
  ClusterNode* node = state_->Find(l.node_id);
  if (node == nullptr) {
    io_->Close(link);
    outbound_.erase(l.node_id);
    links_.erase(it);
    return;
  }
  node->link_connected = true;
  backoff_.erase(node->id);
  // The first message: MEET for a node we were told to meet, else PING; a
  // ping still unanswered from before the reconnection keeps its time, so
  // the failure detector still sees how long the node has been silent.
  // The MEET flag stays until the node answers (a PONG on this link): a
  // MEET lost with its connection is sent again on the next one.
  int64_t old_ping_sent = node->ping_sent_ms;
  SendPing(l, (node->flags & kNodeMeet) ? "meet" : "ping");
  if (old_ping_sent != 0) node->ping_sent_ms = old_ping_sent;
}

void ClusterBus::OnConnectFailed(BusLinkId link, const std::string& error) {
  auto it = links_.find(link);
  if (it == links_.end()) return;
  std::string node_id = it->second.node_id;
  links_.erase(it);
  outbound_.erase(node_id);
  if (ClusterNode* node = state_->Find(node_id)) {
    spdlog::debug("Connection with Node {} at {}:{} failed: {}", node_id, node->ip, node->cport, error);
    node->link_connected = false;
    // Failure detection needs a pending ping: claim one was sent now (it
    // will really be sent once a connection is up).
    int64_t now = clock_->UnixMs();
    if (node->ping_sent_ms == 0) node->ping_sent_ms = now;
    Backoff& b = backoff_[node_id];
    b.fails = std::min(b.fails + 1, 4);
    b.next_ms = now + std::min<int64_t>(int64_t{100} << b.fails, 1000);
  }
}

void ClusterBus::OnClosed(BusLinkId link) {
  auto it = links_.find(link);
  if (it == links_.end()) return;
  Link l = it->second;
  links_.erase(it);
  if (!l.outbound) return;
  outbound_.erase(l.node_id);
  if (ClusterNode* node = state_->Find(l.node_id)) {
    node->link_connected = false;
    if (node->ping_sent_ms == 0) node->ping_sent_ms = clock_->UnixMs();
  }
}

std::vector<ClusterBus::LinkInfo> ClusterBus::Links() const {
  std::vector<LinkInfo> out;
  for (const auto& [id, l] : links_) {
    if (l.node_id.empty()) continue;
    out.push_back(LinkInfo{l.outbound ? "to" : "from", l.node_id, l.created_ms, l.connected});
  }
  return out;
}

// ---- Sending.

void ClusterBus::FillHeader(pb::Header* h) {
  ClusterNode& me = state_->myself();
  ClusterNode* master = state_->MyShardMaster();
  const ClusterOptions& o = state_->options();
  h->set_protocol_version(kProtocolVersion);
  h->set_sender_id(me.id);
  h->set_current_epoch(state_->current_epoch);
  h->set_config_epoch(master->config_epoch);
  h->set_repl_offset(hooks_.repl_offset ? hooks_.repl_offset() : 0);
  h->set_ip(o.announce_ip);
  h->set_port(static_cast<uint32_t>(o.port));
  h->set_cport(static_cast<uint32_t>(o.cport));
  h->set_hostname(o.announce_hostname);
  h->set_flags(WireFlags(me.flags));
  if (me.is_replica()) h->set_master_id(me.master_id);
  h->set_slots(state_->SlotBitmap(master));
  h->set_health(state_->Health() == ClusterHealth::kOk ? pb::CLUSTER_HEALTH_OK : pb::CLUSTER_HEALTH_FAIL);
  h->set_paused_for_manual_failover(me.is_master() && mf_end_ms_ != 0);
}

void ClusterBus::Send(Link& link, pb::BusMessage& msg, const char* type) {
  if (!link.connected) return;
  io_->Send(link.id, msg);
  state_->messages_sent[type]++;
  messages_sent_++;
}

void ClusterBus::SendPing(Link& link, const char* type) {
  pb::BusMessage msg;
  FillHeader(msg.mutable_header());
  std::string t = type;
  pb::Ping* body = t == "meet" ? msg.mutable_meet() : nullptr;
  pb::Pong* pong = t == "pong" ? msg.mutable_pong() : nullptr;
  if (t == "ping") body = msg.mutable_ping();
  ClusterNode* target = link.outbound ? state_->Find(link.node_id) : nullptr;
  int64_t now = clock_->UnixMs();
  if (target != nullptr && t == "ping") target->ping_sent_ms = now;

  // Gossip about a tenth of the nodes, never myself, skipping nodes in a
  // handshake; then every node flagged PFAIL, so failure reports spread
  // fast. Redis sends at least 3 entries; Troupe at least 8 (all of a
  // cluster of up to 10 nodes), so a new cluster converges in a few rounds
  // rather than waiting on which random entries happen to be picked.
  std::vector<ClusterNode*> all, candidates;
  for (const ClusterNode* n : state_->NodesInOrder()) all.push_back(const_cast<ClusterNode*>(n));
  for (ClusterNode* n : all) {
    if (n->is_myself() || n->timed_out() || (n->flags & (kNodeHandshake | kNodeNoAddr))) continue;
    if (!n->link_connected && n->num_slots == 0) continue;
    candidates.push_back(n);
  }
  std::set<ClusterNode*> chosen;
  auto add = [&](ClusterNode* n) {
    pb::Gossip* g = body != nullptr ? body->add_gossip() : pong->add_gossip();
    g->set_node_id(n->id);
    g->set_ping_sent_ms(static_cast<uint64_t>(n->ping_sent_ms));
    g->set_pong_received_ms(static_cast<uint64_t>(n->pong_received_ms));
    g->set_ip(n->ip);
    g->set_port(static_cast<uint32_t>(n->port));
    g->set_cport(static_cast<uint32_t>(n->cport));
    g->set_flags(WireFlags(n->flags));
    chosen.insert(n);
  };
  size_t wanted = static_cast<size_t>(std::max(kMinGossipEntries, static_cast<int>(all.size()) / 10));
  // A partial Fisher-Yates shuffle picks `wanted` of them at random.
  for (size_t j = 0; j < candidates.size() && j < wanted; ++j) {
    size_t k = j + static_cast<size_t>(rng_() % (candidates.size() - j));
    std::swap(candidates[j], candidates[k]);
    add(candidates[j]);
  }
  for (ClusterNode* n : all) {
    if (!n->timed_out() || (n->flags & (kNodeHandshake | kNodeNoAddr)) || chosen.count(n) != 0) continue;
    add(n);
  }
  Send(link, msg, type);
}

void ClusterBus::Broadcast(pb::BusMessage& msg, const char* type) {
  for (auto& [node_id, lid] : outbound_) {
    auto it = links_.find(lid);
    if (it == links_.end() || !it->second.connected) continue;
    ClusterNode* n = state_->Find(node_id);
    if (n == nullptr || (n->flags & (kNodeMyself | kNodeHandshake))) continue;
    Send(it->second, msg, type);
  }
}

void ClusterBus::BroadcastPong() {
  for (auto& [node_id, lid] : outbound_) {
    auto it = links_.find(lid);
    if (it == links_.end() || !it->second.connected) continue;
    ClusterNode* n = state_->Find(node_id);
    if (n == nullptr || (n->flags & (kNodeMyself | kNodeHandshake))) continue;
    SendPing(it->second, "pong");
  }
}

void ClusterBus::SendFail(const std::string& node_id) {
  pb::BusMessage msg;
  FillHeader(msg.mutable_header());
  msg.mutable_fail()->set_node_id(node_id);
  Broadcast(msg, "fail");
}

void ClusterBus::SendUpdate(Link& link, const ClusterNode& about) {
  pb::BusMessage msg;
  FillHeader(msg.mutable_header());
  pb::Update* u = msg.mutable_update();
  u->set_node_id(about.id);
  u->set_config_epoch(about.config_epoch);
  u->set_slots(state_->SlotBitmap(&about));
  Send(link, msg, "update");
}

void ClusterBus::Publish(const std::string& channel, const std::string& message) {
  pb::BusMessage msg;
  FillHeader(msg.mutable_header());
  pb::Publish* p = msg.mutable_publish();
  p->set_channel(channel);
  p->set_message(message);
  Broadcast(msg, "publish");
}

// ---- Receiving.

void ClusterBus::OnMessage(BusLinkId link_id, const pb::BusMessage& msg) {
  auto lit = links_.find(link_id);
  if (lit == links_.end()) return;
  Link& link = lit->second;
  const pb::Header& h = msg.header();
  if (!msg.has_header() || !IsHexId(h.sender_id()) || h.port() == 0 || h.port() > 65535 || h.cport() == 0 ||
      h.cport() > 65535 || (!h.slots().empty() && h.slots().size() != kClusterSlots / 8) ||
      msg.body_case() == pb::BusMessage::BODY_NOT_SET) {
    spdlog::warn("Closing the cluster bus link from {}: malformed message", link.peer_ip);
    io_->Close(link_id);
    OnClosed(link_id);
    return;
  }
  const char* type = "unknown";
  switch (msg.body_case()) {
    case pb::BusMessage::kPing: type = "ping"; break;
    case pb::BusMessage::kMeet: type = "meet"; break;
    case pb::BusMessage::kPong: type = "pong"; break;
    case pb::BusMessage::kFail: type = "fail"; break;
    case pb::BusMessage::kUpdate: type = "update"; break;
    case pb::BusMessage::kPublish: type = "publish"; break;
    case pb::BusMessage::kFailoverAuthRequest: type = "auth-req"; break;
    case pb::BusMessage::kFailoverAuthAck: type = "auth-ack"; break;
    case pb::BusMessage::kMfStart: type = "mfstart"; break;
    default: break;
  }
  state_->messages_received[type]++;
  const bool is_ping = msg.has_ping(), is_meet = msg.has_meet(), is_pong = msg.has_pong();
  int64_t now = clock_->UnixMs();
  std::string slots = h.slots().empty() ? std::string(kClusterSlots / 8, '\0') : h.slots();

  ClusterNode* sender = state_->Find(h.sender_id());
  if (sender != nullptr && (sender->flags & kNodeHandshake)) sender = nullptr;
  if (sender != nullptr && sender->is_myself()) sender = nullptr;  // our own id from elsewhere: ignore it
  // A message the sender sent before it reached an epoch we already know it
  // at (its currentEpoch is below that config epoch; a node's currentEpoch
  // never falls below its own config epoch) is stale: it arrived late, over
  // another connection. Its role, slots and gossip are ignored, or an old
  // "I am a replica" would undo a promotion we already saw.
  //
  // Also stale: "I am a replica" from a node we know as a master serving
  // slots, with a header epoch (its master's) below the one we know it at.
  // A master with slots becomes a replica only by losing them to a newer
  // epoch, so a genuine demotion always carries a higher epoch; an old
  // PING sent during its election (currentEpoch already bumped, not yet
  // promoted) does not. (CLUSTER REPLICATE needs a master without slots.)
  const bool stale =
      sender != nullptr &&
      (h.current_epoch() < sender->config_epoch ||
       (!h.master_id().empty() && sender->is_master() && sender->num_slots > 0 &&
        h.config_epoch() < sender->config_epoch));
  if (stale) spdlog::debug("Ignoring a stale message from {} (its epoch {} < {})", sender->id, h.current_epoch(),
                           sender->config_epoch);
  if (sender != nullptr) {
    sender->data_received_ms = now;
    if (!link.outbound) link.node_id = sender->id;
    if (h.current_epoch() > state_->current_epoch) {
      state_->current_epoch = h.current_epoch();
      state_->todo_save = true;
    }
    // Only a master's header carries its own config epoch (a replica's
    // carries its master's).
    if (h.master_id().empty() && h.config_epoch() > sender->config_epoch) {
      sender->config_epoch = h.config_epoch();
      state_->todo_save = true;
    }
    sender->repl_offset = h.repl_offset();
  }

  if (is_ping || is_meet) {
    // A MEET arrives on the address other nodes know us by: that is our
    // address (unless one is announced). Without any address yet, a PING
    // will do; a MEET corrects it later if it was wrong.
    ClusterNode& me = state_->myself();
    if ((is_meet || me.ip.empty()) && state_->options().announce_ip.empty() && !link.local_ip.empty() &&
        link.local_ip != me.ip) {
      me.ip = link.local_ip;
      spdlog::warn("IP address for this node updated to {}", me.ip);
      state_->todo_save = true;
    }
    if (sender == nullptr && is_meet && state_->Find(h.sender_id()) == nullptr) {
      // Greeted by a node we do not know: add it, in the handshake state
      // until our own PING to it comes back with its id.
      ClusterNode* n = state_->AddNode(state_->NewNodeId(), kNodeHandshake);
      if (n != nullptr) {
        n->ip = h.ip().empty() ? link.peer_ip : h.ip();
        n->port = static_cast<int>(h.port());
        n->cport = static_cast<int>(h.cport());
        state_->todo_save = true;
        membership_changed_ = true;
      }
      ProcessGossip(msg, nullptr);
    }
    SendPing(link, "pong");
  }

  if (is_ping || is_pong || is_meet) {
    if (link.outbound) {
      ClusterNode* node = state_->Find(link.node_id);
      if (node != nullptr && (node->flags & kNodeHandshake)) {
        // The node we greeted answered under its real id.
        if (ClusterNode* known = state_->Find(h.sender_id()); known != nullptr) {
          // Already known under that id: this handshake was redundant.
          spdlog::debug("Handshake: we already know node {}, updating the address if needed.", known->id);
          if (UpdateAddressIfNeeded(known, link, h)) state_->todo_save = true;
          DropNode(node->id);
          SaveIfNeeded();
          return;
        }
        std::string old_id = node->id;
        state_->RenameNode(node, h.sender_id());
        outbound_.erase(old_id);
        outbound_[node->id] = link.id;
        link.node_id = node->id;
        node->flags &= ~kNodeHandshake;
        node->flags |= h.flags() & (kNodeMaster | kNodeSlave);
        membership_changed_ = true;
        spdlog::debug("Handshake with node {} completed.", node->id);
        state_->todo_save = true;
      } else if (node != nullptr && node->id != h.sender_id()) {
        spdlog::info("PONG contains mismatching sender ID. About node {} added {} ms ago, having flags {}",
                     node->id, now - node->created_ms, node->flags);
        node->flags |= kNodeNoAddr;
        node->ip.clear();
        node->port = node->cport = 0;
        CloseOutbound(node->id);
        state_->todo_save = true;
        SaveIfNeeded();
        return;
      }
    }
    // A PING on a link the sender opened can tell us its new address.
    if (sender != nullptr && is_ping && UpdateAddressIfNeeded(sender, link, h)) state_->todo_save = true;

    if (link.outbound && is_pong) {
      if (ClusterNode* node = state_->Find(link.node_id)) {
        node->pong_received_ms = now;
        node->ping_sent_ms = 0;
        node->flags &= ~kNodeMeet;
        if (node->timed_out()) {
          node->flags &= ~kNodePfail;
          state_->todo_save = true;
        } else if (node->failed()) {
          ClearFailureIfNeeded(node);
        }
      }
    }

    // The sender's role.
    if (sender != nullptr && !stale) {
      if (h.master_id().empty()) {
        state_->SetNodeAsMaster(sender);
      } else {
        ClusterNode* master = state_->Find(h.master_id());
        if (sender->is_master()) {
          // A master turned into a replica: its slots are gone.
          state_->UnassignAllSlots(sender);
          sender->flags = (sender->flags & ~(kNodeMaster | kNodeMigrateTo)) | kNodeSlave;
          state_->todo_save = true;
        }
        if (master != nullptr && sender->master_id != master->id) {
          sender->master_id = master->id;
          state_->todo_save = true;
        }
      }
    }

    // Slot claims: a master's claims with a newer epoch win; claims older
    // than what we know get an UPDATE back.
    ClusterNode* sender_master = nullptr;
    if (sender != nullptr && !stale) sender_master = sender->is_master() ? sender : state_->Find(sender->master_id);
    bool dirty_slots = sender_master != nullptr && state_->SlotBitmap(sender_master) != slots;
    if (sender_master == sender && sender != nullptr && dirty_slots)
      UpdateSlotsConfigWith(sender, h.config_epoch(), slots);
    if (sender_master != nullptr && dirty_slots) {
      for (int j = 0; j < kClusterSlots; ++j) {
        if (!ClusterState::BitmapHas(slots, j)) continue;
        const ClusterNode* owner = state_->owner(j);
        if (owner == nullptr || owner == sender) continue;
        if (owner->config_epoch > h.config_epoch()) {
          spdlog::debug("Node {} has old slots configuration, sending an UPDATE message about {}", sender->id,
                        owner->id);
          if (Link* out = OutboundOf(sender->id)) SendUpdate(*out, *owner);
          break;
        }
      }
    }
    if (sender != nullptr && !stale && state_->myself().is_master() && sender->is_master() &&
        h.config_epoch() == state_->myself().config_epoch)
      HandleConfigEpochCollision(sender);
    if (sender != nullptr && !stale) ProcessGossip(msg, sender);
  } else if (msg.has_fail()) {
    if (sender != nullptr) {
      ClusterNode* failing = state_->Find(msg.fail().node_id());
      if (failing != nullptr && !(failing->flags & (kNodeFail | kNodeMyself))) {
        spdlog::info("FAIL message received from {} about {}", sender->id, failing->id);
        failing->flags = (failing->flags | kNodeFail) & ~kNodePfail;
        failing->fail_time_ms = now;
        state_->todo_save = true;
      }
    } else {
      spdlog::info("Ignoring FAIL message from unknown node {} about {}", h.sender_id(), msg.fail().node_id());
    }
  } else if (msg.has_publish()) {
    if (sender != nullptr && hooks_.publish_local) hooks_.publish_local(msg.publish().channel(), msg.publish().message());
  } else if (msg.has_update()) {
    if (sender != nullptr) {
      const pb::Update& u = msg.update();
      ClusterNode* n = state_->Find(u.node_id());
      if (n != nullptr && n->config_epoch < u.config_epoch() && u.slots().size() == kClusterSlots / 8) {
        if (n->is_replica()) state_->SetNodeAsMaster(n);
        n->config_epoch = u.config_epoch();
        UpdateSlotsConfigWith(n, u.config_epoch(), u.slots());
        state_->todo_save = true;
      }
    }
  } else if (msg.has_failover_auth_request()) {
    if (sender != nullptr) MaybeVote(sender, msg, link);
  } else if (msg.has_failover_auth_ack()) {
    // A vote counts when it comes from a master serving slots, for the
    // election under way.
    if (sender != nullptr && sender->is_master() && sender->num_slots > 0 &&
        h.current_epoch() >= failover_auth_epoch_ && failover_auth_sent_ &&
        failover_voters_.insert(sender->id).second) {
      failover_auth_count_++;
      HandleReplicaFailover();
    }
  } else if (msg.has_mf_start()) {
    // Our replica asks for a manual failover: stop writes so it can catch
    // up, and tell it our offset in every ping meanwhile.
    ClusterNode& me = state_->myself();
    if (sender != nullptr && me.is_master() && sender->master_id == me.id) {
      ResetManualFailover();
      mf_end_ms_ = now + kManualFailoverTimeoutMs;
      mf_replica_id_ = sender->id;
      if (hooks_.pause_writes) hooks_.pause_writes(kManualFailoverTimeoutMs * 2);
      spdlog::warn("Manual failover requested by replica {}.", sender->id);
      if (Link* out = OutboundOf(sender->id)) SendPing(*out, "ping");
    }
  }
  // A replica in a manual failover learns the paused master's offset.
  if (sender != nullptr && (is_ping || is_pong) && state_->myself().is_replica() &&
      state_->myself().master_id == sender->id && mf_end_ms_ != 0 && mf_master_offset_ < 0 &&
      h.paused_for_manual_failover()) {
    mf_master_offset_ = static_cast<int64_t>(h.repl_offset());
    spdlog::warn("Received replication offset for paused master manual failover: {}", mf_master_offset_);
  }
  SaveIfNeeded();
}

// ---- Replica failover.

int ClusterBus::ReplicaRank() {
  ClusterNode& me = state_->myself();
  uint64_t mine = hooks_.repl_offset ? hooks_.repl_offset() : 0;
  int rank = 0;
  for (const ClusterNode* r : state_->ReplicasOf(me.master_id))
    if (r != &me && !(r->flags & kNodeNoFailover) && r->repl_offset > mine) ++rank;
  return rank;
}

void ClusterBus::RequestFailoverAuth() {
  pb::BusMessage msg;
  FillHeader(msg.mutable_header());
  msg.mutable_failover_auth_request()->set_force(mf_end_ms_ != 0);
  Broadcast(msg, "auth-req");
}

void ClusterBus::HandleReplicaFailover() {
  ClusterNode& me = state_->myself();
  ClusterNode* master = me.is_replica() ? state_->Find(me.master_id) : nullptr;
  const bool manual = mf_end_ms_ != 0 && mf_can_start_;
  if (master == nullptr || (!master->failed() && !manual) || master->num_slots == 0) return;
  if ((me.flags & kNodeNoFailover) && !manual) return;
  int64_t now = clock_->UnixMs();
  const int64_t node_timeout = state_->options().node_timeout_ms;
  const int64_t auth_timeout = std::max<int64_t>(node_timeout * 2, 2000);
  const int64_t auth_retry = auth_timeout * 2;
  // Data as old as the link has been down (minus the time it took to flag
  // the master as failing) is too old to take over with.
  int64_t data_age = hooks_.master_link_down_ms ? hooks_.master_link_down_ms() : 0;
  if (data_age > node_timeout) data_age -= node_timeout;
  if (!manual && data_age > kReplPingPeriodMs + node_timeout * kValidityFactor) return;

  if (now - failover_auth_time_ > auth_retry) {
    // A new election: wait 500-1000 ms so the FAIL spreads, plus a second
    // per replica of the same master with newer data.
    failover_auth_time_ = now + 500 + static_cast<int64_t>(rng_() % 500);
    failover_auth_count_ = 0;
    failover_voters_.clear();
    failover_auth_sent_ = false;
    failover_auth_rank_ = ReplicaRank();
    failover_auth_time_ += failover_auth_rank_ * 1000;
    if (manual) {
      failover_auth_time_ = now;
      failover_auth_rank_ = 0;
    }
    spdlog::warn("Start of election delayed for {} milliseconds (rank #{}, offset {}).", failover_auth_time_ - now,
                 failover_auth_rank_, hooks_.repl_offset ? hooks_.repl_offset() : 0);
    BroadcastPong();  // our offset, for the other replicas' ranks
    if (!manual) return;
  }
  if (!failover_auth_sent_ && !manual) {
    int rank = ReplicaRank();
    if (rank > failover_auth_rank_) {
      int64_t added = (rank - failover_auth_rank_) * 1000;
      failover_auth_time_ += added;
      failover_auth_rank_ = rank;
      spdlog::warn("Replica rank updated to #{}, added {} milliseconds of delay.", rank, added);
    }
  }
  if (now < failover_auth_time_) return;
  if (now - failover_auth_time_ > auth_timeout) return;  // this attempt expired; a new one after auth_retry
  if (!failover_auth_sent_) {
    state_->current_epoch++;
    failover_auth_epoch_ = state_->current_epoch;
    spdlog::warn("Starting a failover election for epoch {}.", failover_auth_epoch_);
    failover_auth_sent_ = true;
    state_->todo_save = true;
    SaveIfNeeded();
    RequestFailoverAuth();
    return;
  }
  size_t needed = static_cast<size_t>(state_->size() / 2 + 1);
  if (failover_auth_count_ < needed) {
    if (now - last_waiting_log_ms_ > 10000) {
      last_waiting_log_ms_ = now;
      spdlog::info("Currently unable to failover: Waiting for votes, but majority still not reached.");
    }
    return;
  }
  spdlog::warn("Failover election won: I'm the new master.");
  if (me.config_epoch < failover_auth_epoch_) {
    me.config_epoch = failover_auth_epoch_;
    spdlog::warn("configEpoch set to {} after successful failover", me.config_epoch);
  }
  ReplaceMyMaster();
}

void ClusterBus::ReplaceMyMaster() {
  ClusterNode& me = state_->myself();
  ClusterNode* old = me.is_replica() ? state_->Find(me.master_id) : nullptr;
  if (old == nullptr) return;
  state_->SetNodeAsMaster(&me);
  if (hooks_.promote_to_master) hooks_.promote_to_master();
  for (int j = 0; j < kClusterSlots; ++j)
    if (state_->owner(j) == old) state_->AssignSlot(j, &me);
  state_->todo_save = true;
  SaveIfNeeded();
  BroadcastPong();
  ResetManualFailover();
  failover_auth_time_ = 0;
  failover_auth_sent_ = false;
}

void ClusterBus::MaybeVote(ClusterNode* requester, const pb::BusMessage& msg, Link& link) {
  (void)link;
  ClusterNode& me = state_->myself();
  if (!me.is_master() || me.num_slots == 0) return;  // only masters serving slots vote
  const pb::Header& h = msg.header();
  ClusterNode* master = state_->Find(requester->master_id);
  const bool force = msg.failover_auth_request().force();
  int64_t now = clock_->UnixMs();
  if (h.current_epoch() < state_->current_epoch) {
    spdlog::warn("Failover auth denied to {}: reqEpoch ({}) < curEpoch({})", requester->id, h.current_epoch(),
                 state_->current_epoch);
    return;
  }
  if (state_->last_vote_epoch == state_->current_epoch) {
    spdlog::warn("Failover auth denied to {}: already voted for epoch {}", requester->id, state_->current_epoch);
    return;
  }
  if (requester->is_master() || master == nullptr || (!master->failed() && !force)) {
    spdlog::warn("Failover auth denied to {}: {}", requester->id,
                 requester->is_master() ? "it is a master node"
                 : master == nullptr    ? "I don't know its master"
                                        : "its master is up");
    return;
  }
  const int64_t node_timeout = state_->options().node_timeout_ms;
  auto voted = voted_time_ms_.find(master->id);
  if (voted != voted_time_ms_.end() && now - voted->second < node_timeout * 2) {
    spdlog::warn("Failover auth denied to {}: can't vote about this master before {} milliseconds", requester->id,
                 node_timeout * 2 - (now - voted->second));
    return;
  }
  // The slots it claims must not be held by a newer configuration.
  const std::string& slots = h.slots();
  for (int j = 0; j < kClusterSlots; ++j) {
    if (!ClusterState::BitmapHas(slots, j)) continue;
    const ClusterNode* owner = state_->owner(j);
    if (owner == nullptr || owner->config_epoch <= h.config_epoch()) continue;
    spdlog::warn("Failover auth denied to {}: slot {} epoch ({}) > reqEpoch ({})", requester->id, j,
                 owner->config_epoch, h.config_epoch());
    return;
  }
  // The vote is on disk before it leaves: a restarted master never votes
  // twice in one epoch.
  state_->last_vote_epoch = state_->current_epoch;
  if (voted_time_ms_.size() >= kClusterMaxNodes) voted_time_ms_.clear();
  voted_time_ms_[master->id] = now;
  state_->todo_save = true;
  SaveIfNeeded();
  Link* out = OutboundOf(requester->id);
  if (out == nullptr) return;
  pb::BusMessage ack;
  FillHeader(ack.mutable_header());
  ack.mutable_failover_auth_ack()->set_epoch(state_->current_epoch);
  Send(*out, ack, "auth-ack");
  spdlog::warn("Failover auth granted to {} for epoch {}", requester->id, state_->current_epoch);
}

void ClusterBus::ResetManualFailover() {
  if (mf_end_ms_ != 0 && state_->myself().is_master() && hooks_.pause_writes) hooks_.pause_writes(0);
  mf_end_ms_ = 0;
  mf_can_start_ = false;
  mf_master_offset_ = -1;
  mf_replica_id_.clear();
}

void ClusterBus::ManualFailoverCron() {
  if (mf_end_ms_ == 0) return;
  int64_t now = clock_->UnixMs();
  if (now > mf_end_ms_) {
    spdlog::warn("Manual failover timed out.");
    ResetManualFailover();
    return;
  }
  ClusterNode& me = state_->myself();
  if (me.is_master()) {
    // Keep the asking replica informed of our (paused) offset.
    if (Link* out = OutboundOf(mf_replica_id_)) SendPing(*out, "ping");
    return;
  }
  if (mf_can_start_ || mf_master_offset_ < 0) return;
  uint64_t mine = hooks_.repl_offset ? hooks_.repl_offset() : 0;
  if (static_cast<int64_t>(mine) == mf_master_offset_) {
    mf_can_start_ = true;
    spdlog::warn("All master replication stream processed, manual failover can start.");
    HandleReplicaFailover();
  }
}

std::string ClusterBus::StartManualFailover(bool force, bool takeover) {
  ClusterNode& me = state_->myself();
  ClusterNode* master = me.is_replica() ? state_->Find(me.master_id) : nullptr;
  if (master == nullptr) return "ERR I'm a replica but my master is unknown to me";
  if (!force && !takeover) {
    bool link_down = hooks_.master_link_down_ms && hooks_.master_link_down_ms() > 0;
    if (master->failed() || link_down) return "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE";
  }
  ResetManualFailover();
  if (takeover) {
    // No election: a new config epoch of our own, and the slots are ours.
    spdlog::warn("Taking over the master (user request).");
    state_->BumpEpochWithoutConsensus();
    ReplaceMyMaster();
    return "";
  }
  mf_end_ms_ = clock_->UnixMs() + kManualFailoverTimeoutMs;
  failover_auth_time_ = 0;  // a fresh election
  if (force) {
    mf_can_start_ = true;
    spdlog::warn("Forced failover user request accepted.");
    HandleReplicaFailover();
    return "";
  }
  spdlog::warn("Manual failover user request accepted.");
  if (Link* out = OutboundOf(master->id)) {
    pb::BusMessage msg;
    FillHeader(msg.mutable_header());
    msg.mutable_mf_start();
    Send(*out, msg, "mfstart");
  }
  return "";
}

bool ClusterBus::UpdateAddressIfNeeded(ClusterNode* node, const Link& link, const pb::Header& h) {
  // Only a link the node opened to us tells its current address.
  if (link.outbound || node->is_myself()) return false;
  std::string ip = h.ip().empty() ? link.peer_ip : h.ip();
  int port = static_cast<int>(h.port()), cport = static_cast<int>(h.cport());
  if (ip.empty() || (node->ip == ip && node->port == port && node->cport == cport)) return false;
  node->ip = ip;
  node->port = port;
  node->cport = cport;
  node->flags &= ~kNodeNoAddr;
  CloseOutbound(node->id);
  spdlog::warn("Address updated for node {}, now {}:{}", node->id, ip, port);
  if (state_->myself().is_replica() && state_->myself().master_id == node->id && hooks_.replicate_from)
    hooks_.replicate_from(ip, port);
  return true;
}

void ClusterBus::ProcessGossip(const pb::BusMessage& msg, ClusterNode* sender) {
  const auto& entries = msg.has_ping() ? msg.ping().gossip() : msg.has_meet() ? msg.meet().gossip() : msg.pong().gossip();
  int64_t now = clock_->UnixMs();
  for (const pb::Gossip& g : entries) {
    if (!IsHexId(g.node_id()) || g.port() > 65535 || g.cport() > 65535) continue;
    uint32_t flags = WireFlags(g.flags());
    ClusterNode* node = state_->Find(g.node_id());
    if (node != nullptr) {
      // A master's opinion about a node is a failure report (or withdraws one).
      if (sender != nullptr && sender->is_master() && !node->is_myself()) {
        if (flags & (kNodeFail | kNodePfail)) {
          if (state_->AddFailureReport(node, sender->id))
            spdlog::debug("Node {} reported node {} as not reachable.", sender->id, node->id);
          MarkFailingIfNeeded(node);
        } else if (state_->DelFailureReport(node, sender->id)) {
          spdlog::debug("Node {} reported node {} is back online.", sender->id, node->id);
        }
      }
      // A fresher pong time heard from others spares us pinging the node.
      if (!(flags & (kNodeFail | kNodePfail)) && node->ping_sent_ms == 0 && state_->CountFailureReports(node) == 0) {
        int64_t pong = static_cast<int64_t>(g.pong_received_ms());
        if (pong <= now + 500 && pong > node->pong_received_ms) node->pong_received_ms = pong;
      }
      // A node we think is down, reported up at another address: try that one.
      if ((node->flags & (kNodeFail | kNodePfail)) && !(flags & (kNodeNoAddr | kNodeFail | kNodePfail)) &&
          !g.ip().empty() &&
          (node->ip != g.ip() || node->port != static_cast<int>(g.port()) || node->cport != static_cast<int>(g.cport()))) {
        CloseOutbound(node->id);
        node->ip = g.ip();
        node->port = static_cast<int>(g.port());
        node->cport = static_cast<int>(g.cport());
        node->flags &= ~kNodeNoAddr;
      }
    } else if (sender != nullptr && !(flags & kNodeNoAddr) && !g.ip().empty() && g.port() != 0 &&
               !state_->Blacklisted(g.node_id())) {
      // A node a known member vouches for: add it under its real id (a
      // handshake by address could join us to another cluster that reused
      // the address).
      ClusterNode* n = state_->AddNode(g.node_id(), flags & ~(kNodeHandshake | kNodePfail | kNodeFail));
      if (n != nullptr) {
        n->ip = g.ip();
        n->port = static_cast<int>(g.port());
        n->cport = static_cast<int>(g.cport());
        state_->todo_save = true;
        membership_changed_ = true;
      }
    }
  }
}

void ClusterBus::MarkFailingIfNeeded(ClusterNode* node) {
  size_t quorum = static_cast<size_t>(state_->size() / 2 + 1);
  if (!node->timed_out() || node->failed()) return;
  size_t failures = state_->CountFailureReports(node);
  if (state_->myself().is_master()) ++failures;  // our own opinion counts
  if (failures < quorum) return;
  spdlog::info("Marking node {} as failing (quorum reached).", node->id);
  node->flags = (node->flags | kNodeFail) & ~kNodePfail;
  node->fail_time_ms = clock_->UnixMs();
  SendFail(node->id);
  state_->todo_save = true;
}

void ClusterBus::ClearFailureIfNeeded(ClusterNode* node) {
  int64_t now = clock_->UnixMs();
  if (node->is_replica() || node->num_slots == 0) {
    spdlog::info("Clear FAIL state for node {}: {} is reachable again.", node->id,
                 node->is_replica() ? "replica" : "master without slots");
    node->flags &= ~kNodeFail;
    state_->todo_save = true;
    return;
  }
  if (now - node->fail_time_ms > state_->options().node_timeout_ms * kFailUndoTimeMult) {
    spdlog::info("Clear FAIL state for node {}: is reachable again and nobody is serving its slots after some time.",
                 node->id);
    node->flags &= ~kNodeFail;
    state_->todo_save = true;
  }
}

void ClusterBus::UpdateSlotsConfigWith(ClusterNode* sender, uint64_t sender_epoch, const std::string& slots) {
  if (sender->is_myself()) {
    spdlog::info("Discarding UPDATE message about myself.");
    return;
  }
  ClusterNode* curmaster = state_->MyShardMaster();
  ClusterNode* newmaster = nullptr;
  std::vector<int> dirty;
  for (int j = 0; j < kClusterSlots; ++j) {
    if (!ClusterState::BitmapHas(slots, j)) continue;
    const ClusterNode* owner = state_->owner(j);
    if (owner == sender || state_->importing_from(j) != nullptr) continue;
    if (owner == nullptr || owner->config_epoch < sender_epoch) {
      if (owner == &state_->myself() && hooks_.count_keys_in_slot && hooks_.count_keys_in_slot(j) > 0)
        dirty.push_back(j);
      if (owner == curmaster) newmaster = sender;
      state_->AssignSlot(j, sender);
      state_->todo_save = true;
    }
  }
  if (newmaster != nullptr && curmaster->num_slots == 0) {
    spdlog::warn("Configuration change detected. Reconfiguring myself as a replica of {}", sender->id);
    ResetManualFailover();
    state_->SetMyMaster(sender);
    FollowMyMaster();
  } else {
    for (int j : dirty) {
      spdlog::warn("Deleting keys in dirty slot {}", j);
      if (hooks_.delete_keys_in_slot) hooks_.delete_keys_in_slot(j);
    }
  }
}

void ClusterBus::HandleConfigEpochCollision(ClusterNode* sender) {
  ClusterNode& me = state_->myself();
  if (sender->config_epoch != me.config_epoch || !sender->is_master() || !me.is_master()) return;
  // The node with the smaller id bumps.
  if (sender->id <= me.id) return;
  state_->current_epoch++;
  me.config_epoch = state_->current_epoch;
  state_->todo_save = true;
  spdlog::info("WARNING: configEpoch collision with node {}. configEpoch set to {}", sender->id, me.config_epoch);
}

void ClusterBus::FollowMyMaster() {
  ClusterNode& me = state_->myself();
  if (!me.is_replica() || !hooks_.replicate_from || !hooks_.replication_master) return;
  ClusterNode* master = state_->Find(me.master_id);
  if (master == nullptr || master->ip.empty() || (master->flags & kNodeNoAddr)) return;
  auto [host, port] = hooks_.replication_master();
  if (host == master->ip && port == master->port) return;
  hooks_.replicate_from(master->ip, master->port);
}

void ClusterBus::SaveIfNeeded() {
  if (!state_->todo_save) return;
  state_->todo_save = false;
  state_->MarkChanged();  // flags or roles changed: the health is recomputed
  if (Status s = state_->Save(); !s.ok()) spdlog::warn("{}", s.message());
}

// ---- The cron.

void ClusterBus::Cron() {
  ++iteration_;
  int64_t now = clock_->UnixMs();
  const int64_t node_timeout = state_->options().node_timeout_ms;
  const int64_t handshake_timeout = std::max<int64_t>(node_timeout, 1000);

  // Expire handshakes; connect to every node without a link.
  std::vector<std::string> ids;
  for (const ClusterNode* n : state_->NodesInOrder()) ids.push_back(n->id);
  for (const std::string& id : ids) {
    ClusterNode* n = state_->Find(id);
    if (n == nullptr || n->is_myself() || (n->flags & kNodeNoAddr)) continue;
    if ((n->flags & kNodeHandshake) && now - n->created_ms > handshake_timeout) {
      DropNode(id);
      continue;
    }
    auto b = backoff_.find(id);
    if (b != backoff_.end() && now < b->second.next_ms) continue;
    if (outbound_.count(id) == 0 && !n->ip.empty() && n->cport > 0) {
      Link l;
      l.id = ++next_link_ | (uint64_t{1} << 62);  // outbound ids never collide with the edge's inbound ones
      l.node_id = id;
      l.outbound = true;
      l.created_ms = now;
      links_[l.id] = l;
      outbound_[id] = l.id;
      io_->Connect(l.id, n->ip, n->cport);
    }
  }

  // After a membership change, everyone connected hears about it now.
  if (membership_changed_) {
    membership_changed_ = false;
    for (const std::string& id : ids) {
      ClusterNode* n = state_->Find(id);
      Link* l = OutboundOf(id);
      if (n == nullptr || l == nullptr || !l->connected || n->ping_sent_ms != 0 || (n->flags & kNodeHandshake)) continue;
      SendPing(*l, "ping");
    }
  }

  // Once a second, ping the node among five random ones we heard from
  // least recently.
  if (iteration_ % 10 == 0) {
    std::vector<ClusterNode*> all;
    for (const ClusterNode* n : state_->NodesInOrder()) all.push_back(const_cast<ClusterNode*>(n));
    ClusterNode* oldest = nullptr;
    for (int j = 0; j < 5 && !all.empty(); ++j) {
      ClusterNode* n = all[rng_() % all.size()];
      Link* l = OutboundOf(n->id);
      if (n->is_myself() || l == nullptr || !l->connected || n->ping_sent_ms != 0 || (n->flags & kNodeHandshake))
        continue;
      if (oldest == nullptr || n->pong_received_ms < oldest->pong_received_ms) oldest = n;
    }
    if (oldest != nullptr) SendPing(*OutboundOf(oldest->id), "ping");
  }

  for (const std::string& id : ids) {
    ClusterNode* n = state_->Find(id);
    if (n == nullptr || n->is_myself() || (n->flags & (kNodeNoAddr | kNodeHandshake))) continue;
    Link* l = OutboundOf(id);
    // A link whose pings go unanswered while nothing else arrives is
    // probably stuck: reconnect (the ping time is kept).
    if (l != nullptr && l->connected && now - l->created_ms > node_timeout && n->ping_sent_ms != 0 &&
        now - n->ping_sent_ms > node_timeout / 2 && now - n->data_received_ms > node_timeout / 2) {
      CloseOutbound(id);
      l = nullptr;
    }
    // Ping every node we have not heard from in half the node timeout.
    if (l != nullptr && l->connected && n->ping_sent_ms == 0 && now - n->pong_received_ms > node_timeout / 2) {
      SendPing(*l, "ping");
      continue;
    }
    if (n->ping_sent_ms == 0) continue;
    int64_t delay = std::min(now - n->ping_sent_ms, now - n->data_received_ms);
    if (delay > node_timeout && !(n->flags & (kNodePfail | kNodeFail))) {
      spdlog::debug("*** NODE {} possibly failing", id);
      n->flags |= kNodePfail;
      state_->todo_save = true;
    }
  }
  FollowMyMaster();
  ManualFailoverCron();
  if (state_->myself().is_replica()) HandleReplicaFailover();
  state_->Health();
  SaveIfNeeded();
}

}  // namespace troupe
