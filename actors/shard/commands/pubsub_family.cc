// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH
// SSUBSCRIBE SUNSUBSCRIBE SPUBLISH and PUBSUB CHANNELS|NUMSUB|NUMPAT|
// SHARDCHANNELS|SHARDNUMSUB|HELP, with Redis 7.0's reply shapes: each
// (un)subscription is confirmed by its own [kind, name, count] reply, a push
// frame ('>') in RESP3. The subscriptions live in the PubSubRegistry
// (ServerContext::pubsub); messages reach subscribers through their
// session's mailbox (ClientState::push). Handlers run inline in the client
// session on the multiplexer thread.
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/sentinel/sentinel_state.h"
#include "actors/shard/propagation/propagation.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/pubsub/pubsub_registry.h"

namespace troupe {
namespace {

using Kind = PubSubRegistry::Kind;

// The registry, or nullptr after replying an error (a context without
// pub/sub wiring, e.g. a unit test that did not install it).
PubSubRegistry* Registry(CommandContext& ctx) {
  if (ctx.server.pubsub == nullptr) ctx.reply.Error("ERR pub/sub is not available");
  return ctx.server.pubsub;
}

// The count a confirmation reports: channels + patterns for the classic
// space, shard channels for the shard space (as Redis 7.0).
int64_t SubscriptionCount(const ClientState& c, Kind kind) {
  return static_cast<int64_t>(kind == Kind::kShard ? c.pubsub_shard_channels
                                                   : c.pubsub_channels + c.pubsub_patterns);
}

// [kind, name, count]; name is nil when `name` is null (nothing to
// unsubscribe from).
void Confirm(CommandContext& ctx, std::string_view what, const std::string_view* name, Kind kind) {
  ctx.reply.PushHeader(3);
  ctx.reply.Bulk(what);
  if (name != nullptr)
    ctx.reply.Bulk(*name);
  else
    ctx.reply.Null();
  ctx.reply.Integer(SubscriptionCount(ctx.client, kind));
}

void SubscribeGeneric(CommandContext& ctx, Kind kind, std::string_view what) {
  PubSubRegistry* reg = Registry(ctx);
  if (reg == nullptr) return;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    reg->Subscribe(&ctx.client, kind, name);
    Confirm(ctx, what, &name, kind);
  }
}

void UnsubscribeGeneric(CommandContext& ctx, Kind kind, std::string_view what) {
  PubSubRegistry* reg = Registry(ctx);
  if (reg == nullptr) return;
  if (ctx.argc() == 1) {
    std::vector<std::string> all = reg->SubscriptionsOf(&ctx.client, kind);
    for (const std::string& name : all) {
      reg->Unsubscribe(&ctx.client, kind, name);
      std::string_view view(name);
      Confirm(ctx, what, &view, kind);
    }
    if (all.empty()) Confirm(ctx, what, nullptr, kind);
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    reg->Unsubscribe(&ctx.client, kind, name);
    Confirm(ctx, what, &name, kind);
  }
}

void SubscribeCommand(CommandContext& ctx) { SubscribeGeneric(ctx, Kind::kChannel, "subscribe"); }
void PSubscribeCommand(CommandContext& ctx) { SubscribeGeneric(ctx, Kind::kPattern, "psubscribe"); }
void UnsubscribeCommand(CommandContext& ctx) {
  UnsubscribeGeneric(ctx, Kind::kChannel, "unsubscribe");
}
void PUnsubscribeCommand(CommandContext& ctx) {
  UnsubscribeGeneric(ctx, Kind::kPattern, "punsubscribe");
}
void SUnsubscribeCommand(CommandContext& ctx) {
  UnsubscribeGeneric(ctx, Kind::kShard, "sunsubscribe");
}

void SSubscribeCommand(CommandContext& ctx) {
  // Redis refuses it to clients that expect one reply per command, which
  // includes a transaction (SUBSCRIBE and PSUBSCRIBE are exempt there).
  if (ctx.in_exec) {
    ctx.reply.Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  SubscribeGeneric(ctx, Kind::kShard, "ssubscribe");
}

void PublishCommand(CommandContext& ctx) {
  // A sentinel takes only hello messages, as its own input (Redis's
  // sentinelPublishCommand).
  if (ctx.server.options().sentinel_mode) {
    if (ctx.arg(1) != "__sentinel__:hello") {
      ctx.reply.Error("ERR Only HELLO messages are accepted by Sentinel instances.");
      return;
    }
    if (ctx.server.sentinel != nullptr) ctx.server.sentinel->OnHello(std::string(ctx.arg(2)));
    ctx.reply.Integer(1);
    return;
  }
  PubSubRegistry* reg = Registry(ctx);
  if (reg == nullptr) return;
  ctx.reply.Integer(static_cast<int64_t>(reg->Publish(ctx.arg(1), ctx.arg(2))));
  // In a cluster every node delivers it to its own subscribers.
  if (ctx.server.cluster_bus != nullptr)
    ctx.server.cluster_bus->Publish(std::string(ctx.arg(1)), std::string(ctx.arg(2)));
  // Replicas deliver it to their own subscribers; the AOF does not keep it.
  if (ctx.propagating()) ctx.server.propagation->Add(ctx.client.db, ctx.argv, kPropagateRepl);
}

void SPublishCommand(CommandContext& ctx) {
  PubSubRegistry* reg = Registry(ctx);
  if (reg == nullptr) return;
  ctx.reply.Integer(static_cast<int64_t>(reg->PublishShard(ctx.arg(1), ctx.arg(2))));
}

// "ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP."
void SubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(ctx.arg(1).substr(0, 128)) + "'. Try " + ToUpper(ctx.arg(0)) +
                  " HELP.");
}

// PUBSUB CHANNELS|SHARDCHANNELS [pattern]
void ChannelsGeneric(CommandContext& ctx, Kind kind) {
  if (ctx.argc() > 3) {
    SubcommandSyntaxError(ctx);
    return;
  }
  PubSubRegistry* reg = Registry(ctx);
  if (reg == nullptr) return;
  bool all = ctx.argc() == 2;
  std::vector<std::string> names = reg->ActiveChannels(kind, all ? "" : ctx.arg(2), all);
  ctx.reply.ArrayHeader(names.size());
  for (const auto& n : names) ctx.reply.Bulk(n);
}

// PUBSUB NUMSUB|SHARDNUMSUB [channel ...]: a flat array of name, count.
void NumSubGeneric(CommandContext& ctx, Kind kind) {
  PubSubRegistry* reg = Registry(ctx);
  if (reg == nullptr) return;
  ctx.reply.ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Bulk(ctx.arg(i));
    ctx.reply.Integer(static_cast<int64_t>(reg->NumSub(kind, ctx.arg(i))));
  }
}

void PubSubChannelsCommand(CommandContext& ctx) { ChannelsGeneric(ctx, Kind::kChannel); }
void PubSubShardChannelsCommand(CommandContext& ctx) { ChannelsGeneric(ctx, Kind::kShard); }
void PubSubNumSubCommand(CommandContext& ctx) { NumSubGeneric(ctx, Kind::kChannel); }
void PubSubShardNumSubCommand(CommandContext& ctx) { NumSubGeneric(ctx, Kind::kShard); }

void PubSubNumPatCommand(CommandContext& ctx) {
  PubSubRegistry* reg = Registry(ctx);
  if (reg == nullptr) return;
  ctx.reply.Integer(static_cast<int64_t>(reg->pattern_count()));
}

void PubSubHelpCommand(CommandContext& ctx) {
  static const char* kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterPubSubFamily(CommandTable& t) {
  const uint32_t P = kCmdPubsub, N = kCmdNoscript, L = kCmdLoading | kCmdStale, F = kCmdFast,
                 S = kCmdSubscribedContext, X = kCmdSentinel;  // X: also in sentinel mode
  t.Add(Cmd("subscribe", -2, P | N | L | S | X, 0, 0, 0, SubscribeCommand, "pubsub", "2.0.0",
            "Listen for messages published to the given channels"));
  t.Add(Cmd("unsubscribe", -1, P | N | L | S | X, 0, 0, 0, UnsubscribeCommand, "pubsub", "2.0.0",
            "Stop listening for messages posted to the given channels"));
  t.Add(Cmd("psubscribe", -2, P | N | L | S | X, 0, 0, 0, PSubscribeCommand, "pubsub", "2.0.0",
            "Listen for messages published to channels matching the given patterns"));
  t.Add(Cmd("punsubscribe", -1, P | N | L | S | X, 0, 0, 0, PUnsubscribeCommand, "pubsub", "2.0.0",
            "Stop listening for messages posted to channels matching the given patterns"));
  t.Add(Cmd("publish", 3, P | L | F | kCmdMayReplicate | X, 0, 0, 0, PublishCommand, "pubsub", "2.0.0",
            "Post a message to a channel"));
  t.Add(Cmd("ssubscribe", -2, P | N | L | S, 1, -1, 1, SSubscribeCommand, "pubsub", "7.0.0",
            "Listen for messages published to the given shard channels")
            .Keys("not_key"));
  t.Add(Cmd("sunsubscribe", -1, P | N | L | S, 1, -1, 1, SUnsubscribeCommand, "pubsub", "7.0.0",
            "Stop listening for messages posted to the given shard channels")
            .Keys("not_key"));
  t.Add(Cmd("spublish", 3, P | L | F | kCmdMayReplicate, 1, 1, 1, SPublishCommand, "pubsub",
            "7.0.0", "Post a message to a shard channel")
            .Keys("not_key"));

  CommandSpec pubsub = Cmd("pubsub", -2, 0, 0, 0, 0, nullptr, "pubsub", "2.8.0",
                           "A container for Pub/Sub commands");
  // Redis 7.0.15's COMMAND INFO order.
  pubsub.subcommands = {
      Cmd("shardchannels", -2, P | L, 0, 0, 0, PubSubShardChannelsCommand, "pubsub", "7.0.0",
          "List active shard channels"),
      Cmd("shardnumsub", -2, P | L, 0, 0, 0, PubSubShardNumSubCommand, "pubsub", "7.0.0",
          "Get the count of subscribers for shard channels"),
      Cmd("numsub", -2, P | L, 0, 0, 0, PubSubNumSubCommand, "pubsub", "2.8.0",
          "Get the count of subscribers for channels"),
      Cmd("channels", -2, P | L, 0, 0, 0, PubSubChannelsCommand, "pubsub", "2.8.0",
          "List active channels"),
      Cmd("help", 2, L, 0, 0, 0, PubSubHelpCommand, "pubsub", "6.2.0",
          "Show helpful text about the different subcommands"),
      Cmd("numpat", 2, P | L, 0, 0, 0, PubSubNumPatCommand, "pubsub", "2.8.0",
          "Get the count of unique patterns pattern subscriptions"),
  };
  t.Add(std::move(pubsub));
}

}  // namespace troupe
