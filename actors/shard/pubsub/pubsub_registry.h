// PubSubRegistry: who listens where. Maps channels, patterns and shard
// channels to their subscribers (in subscription order), keeps each client's
// own subscriptions (for UNSUBSCRIBE with no arguments, RESET and closing
// connections) and delivers published messages as complete RESP frames,
// formatted once per protocol version and handed to ClientState::push.
//
// Who uses it: the pub/sub commands (commands/pubsub_family.cc), the
// keyspace-notification publisher (pubsub/keyspace_events.cc), INFO stats and
// CLIENT LIST (counts). Owned by main() through ServerContext::pubsub.
// Threading: everything runs on the multiplexer thread; no locks, no CAF.
// ClientState pointers stay registered until RemoveClient (the
// connection-closed hook), so they never dangle.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "net/client_state.h"

namespace troupe {

class PubSubRegistry {
 public:
  // The three subscription spaces of Redis 7.0.
  enum class Kind {
    kChannel,  // SUBSCRIBE / PUBLISH
    kPattern,  // PSUBSCRIBE: glob patterns matched against PUBLISH channels
    kShard,    // SSUBSCRIBE / SPUBLISH (no pattern matching)
  };

  // Sends one complete frame to a client. Default: ClientState::push.
  using Deliver = std::function<void(ClientState& client, const std::string& frame)>;

  PubSubRegistry();

  // Adds `client` to `name`; false when it was already subscribed. Keeps
  // ClientState's pubsub_* counters in step.
  bool Subscribe(ClientState* client, Kind kind, std::string_view name);
  // Removes `client` from `name`; false when it was not subscribed.
  bool Unsubscribe(ClientState* client, Kind kind, std::string_view name);
  // What `client` is subscribed to, in the order an argument-less
  // (P|S)UNSUBSCRIBE reports them (patterns: subscription order, as Redis
  // 7.0's per-client pattern list; channels: an unspecified order, as
  // Redis's dict).
  std::vector<std::string> SubscriptionsOf(const ClientState* client, Kind kind) const;
  // Drops every subscription of `client` without telling it (connection
  // closed, RESET).
  void RemoveClient(ClientState* client);

  // PUBLISH: sends [message, channel, payload] to the channel's subscribers,
  // then [pmessage, pattern, channel, payload] to every subscriber of each
  // matching pattern. Returns the number of frames delivered (Redis's
  // receiver count: a client on the channel and on a pattern counts twice).
  size_t Publish(std::string_view channel, std::string_view message);
  // SPUBLISH: [smessage, channel, payload] to the shard channel's subscribers.
  size_t PublishShard(std::string_view channel, std::string_view message);

  // Introspection (PUBSUB, INFO stats).
  size_t channel_count() const { return channels_.size(); }       // pubsub_channels
  size_t pattern_count() const { return patterns_.size(); }       // pubsub_patterns (unique)
  size_t shard_channel_count() const { return shard_.size(); }    // pubsubshard_channels
  // Subscribers of one channel / shard channel (patterns not counted).
  size_t NumSub(Kind kind, std::string_view name) const;
  // Active channels (or shard channels) matching `pattern` (all when empty).
  std::vector<std::string> ActiveChannels(Kind kind, std::string_view pattern, bool all) const;
  // No subscription of any kind: publishers may skip formatting.
  bool empty() const { return channels_.empty() && patterns_.empty() && shard_.empty(); }

  // Replaces the delivery function (tests capture frames this way).
  void set_deliver(Deliver deliver) { deliver_ = std::move(deliver); }

  // The frames, as RESP2 (RESP3 differs only in the first byte: '>').
  static std::string MessageFrame(std::string_view kind, std::string_view channel,
                                  std::string_view payload);
  static std::string PatternMessageFrame(std::string_view pattern, std::string_view channel,
                                         std::string_view payload);

 private:
  using Subscribers = std::vector<ClientState*>;
  using Table = std::unordered_map<std::string, Subscribers>;

  // One client's own subscriptions.
  struct ClientSubs {
    std::unordered_set<std::string> channels;
    std::vector<std::string> patterns;  // subscription order
    std::unordered_set<std::string> shard;
  };

  Table& TableOf(Kind kind);
  const Table& TableOf(Kind kind) const;
  static size_t& CounterOf(ClientState* client, Kind kind);
  // Sends `resp2` (or its RESP3 twin) to every subscriber in `subs`.
  size_t Fanout(const Subscribers& subs, std::string& resp2, std::string& resp3);

  Table channels_;
  Table patterns_;
  Table shard_;
  std::unordered_map<const ClientState*, ClientSubs> clients_;
  Deliver deliver_;
};

}  // namespace troupe
