// Implementation of PubSubRegistry (see pubsub_registry.h).
#include "actors/shard/pubsub/pubsub_registry.h"

#include <algorithm>

#include "actors/common/strings.h"

namespace troupe {
namespace {

void AppendBulk(std::string* out, std::string_view bytes) {
  out->push_back('$');
  out->append(std::to_string(bytes.size()));
  out->append("\r\n");
  out->append(bytes.data(), bytes.size());
  out->append("\r\n");
}

// The RESP3 form of a RESP2 frame: a push ('>') instead of an array ('*').
const std::string& Resp3Of(const std::string& resp2, std::string& resp3) {
  if (resp3.empty()) {
    resp3 = resp2;
    resp3[0] = '>';
  }
  return resp3;
}

}  // namespace

PubSubRegistry::PubSubRegistry()
    : deliver_([](ClientState& c, const std::string& frame) {
        if (c.push) c.push(frame);
      }) {}

PubSubRegistry::Table& PubSubRegistry::TableOf(Kind kind) {
  return kind == Kind::kChannel ? channels_ : kind == Kind::kPattern ? patterns_ : shard_;
}

const PubSubRegistry::Table& PubSubRegistry::TableOf(Kind kind) const {
  return kind == Kind::kChannel ? channels_ : kind == Kind::kPattern ? patterns_ : shard_;
}

size_t& PubSubRegistry::CounterOf(ClientState* client, Kind kind) {
  return kind == Kind::kChannel   ? client->pubsub_channels
         : kind == Kind::kPattern ? client->pubsub_patterns
                                  : client->pubsub_shard_channels;
}

bool PubSubRegistry::Subscribe(ClientState* client, Kind kind, std::string_view name) {
  ClientSubs& mine = clients_[client];
  std::string key(name);
  if (kind == Kind::kPattern) {
    if (std::find(mine.patterns.begin(), mine.patterns.end(), key) != mine.patterns.end())
      return false;
    mine.patterns.push_back(key);
  } else {
    auto& set = kind == Kind::kChannel ? mine.channels : mine.shard;
    if (!set.insert(key).second) return false;
  }
  TableOf(kind)[std::move(key)].push_back(client);
  ++CounterOf(client, kind);
  return true;
}

bool PubSubRegistry::Unsubscribe(ClientState* client, Kind kind, std::string_view name) {
  auto me = clients_.find(client);
  if (me == clients_.end()) return false;
  ClientSubs& mine = me->second;
  std::string key(name);
  if (kind == Kind::kPattern) {
    auto it = std::find(mine.patterns.begin(), mine.patterns.end(), key);
    if (it == mine.patterns.end()) return false;
    mine.patterns.erase(it);
  } else {
    auto& set = kind == Kind::kChannel ? mine.channels : mine.shard;
    if (set.erase(key) == 0) return false;
  }
  Table& table = TableOf(kind);
  auto entry = table.find(key);
  if (entry != table.end()) {
    Subscribers& subs = entry->second;
    auto me_there = std::find(subs.begin(), subs.end(), client);
    if (me_there != subs.end()) subs.erase(me_there);
    if (subs.empty()) table.erase(entry);
  }
  --CounterOf(client, kind);
  if (mine.channels.empty() && mine.patterns.empty() && mine.shard.empty()) clients_.erase(me);
  return true;
}

std::vector<std::string> PubSubRegistry::SubscriptionsOf(const ClientState* client,
                                                         Kind kind) const {
  auto me = clients_.find(client);
  if (me == clients_.end()) return {};
  const ClientSubs& mine = me->second;
  if (kind == Kind::kPattern) return mine.patterns;
  const auto& set = kind == Kind::kChannel ? mine.channels : mine.shard;
  return std::vector<std::string>(set.begin(), set.end());
}

void PubSubRegistry::RemoveClient(ClientState* client) {
  for (Kind kind : {Kind::kChannel, Kind::kPattern, Kind::kShard})
    for (const std::string& name : SubscriptionsOf(client, kind)) Unsubscribe(client, kind, name);
}

std::string PubSubRegistry::MessageFrame(std::string_view kind, std::string_view channel,
                                         std::string_view payload) {
  std::string out;
  out.reserve(32 + kind.size() + channel.size() + payload.size());
  out.append("*3\r\n");
  AppendBulk(&out, kind);
  AppendBulk(&out, channel);
  AppendBulk(&out, payload);
  return out;
}

std::string PubSubRegistry::PatternMessageFrame(std::string_view pattern, std::string_view channel,
                                                std::string_view payload) {
  std::string out;
  out.reserve(48 + pattern.size() + channel.size() + payload.size());
  out.append("*4\r\n");
  AppendBulk(&out, "pmessage");
  AppendBulk(&out, pattern);
  AppendBulk(&out, channel);
  AppendBulk(&out, payload);
  return out;
}

size_t PubSubRegistry::Fanout(const Subscribers& subs, std::string& resp2, std::string& resp3) {
  for (ClientState* c : subs) deliver_(*c, c->protocol >= 3 ? Resp3Of(resp2, resp3) : resp2);
  return subs.size();
}

size_t PubSubRegistry::Publish(std::string_view channel, std::string_view message) {
  size_t receivers = 0;
  if (!channels_.empty()) {
    auto it = channels_.find(std::string(channel));
    if (it != channels_.end()) {
      std::string resp2 = MessageFrame("message", channel, message), resp3;
      receivers += Fanout(it->second, resp2, resp3);
    }
  }
  for (const auto& [pattern, subs] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    std::string resp2 = PatternMessageFrame(pattern, channel, message), resp3;
    receivers += Fanout(subs, resp2, resp3);
  }
  return receivers;
}

size_t PubSubRegistry::PublishShard(std::string_view channel, std::string_view message) {
  if (shard_.empty()) return 0;
  auto it = shard_.find(std::string(channel));
  if (it == shard_.end()) return 0;
  std::string resp2 = MessageFrame("smessage", channel, message), resp3;
  return Fanout(it->second, resp2, resp3);
}

size_t PubSubRegistry::NumSub(Kind kind, std::string_view name) const {
  const Table& table = TableOf(kind);
  auto it = table.find(std::string(name));
  return it == table.end() ? 0 : it->second.size();
}

std::vector<std::string> PubSubRegistry::ActiveChannels(Kind kind, std::string_view pattern,
                                                        bool all) const {
  std::vector<std::string> out;
  for (const auto& entry : TableOf(kind))
    if (all || GlobMatch(pattern, entry.first)) out.push_back(entry.first);
  return out;
}

}  // namespace troupe
