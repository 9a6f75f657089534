// Connection commands: PING ECHO QUIT RESET HELLO AUTH SELECT, with Redis
// 7.0's replies (HELLO's map, RESP2/RESP3 switch) and authentication rules
// (one "default" user whose password is `requirepass`). Handlers run inline
// in the client session on the multiplexer thread.
#include <string>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/commands/version.h"

namespace troupe {
namespace {

void PingCommand(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.WrongArity();
    return;
  }
  if (ctx.client.protocol == 2 && ctx.client.subscribed()) {
    // Subscribed RESP2 clients get PING's answer in the shape of a message.
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argc() == 2 ? ctx.arg(1) : "");
    return;
  }
  if (ctx.argc() == 2)
    ctx.reply.Bulk(ctx.arg(1));
  else
    ctx.reply.Simple("PONG");
}

void EchoCommand(CommandContext& ctx) { ctx.reply.Bulk(ctx.arg(1)); }

void QuitCommand(CommandContext& ctx) {
  ctx.reply.Ok();
  ctx.client.close_after_reply = true;
}

bool DefaultUserHasNoPassword(const CommandContext& ctx) {
  return ctx.server.options().requirepass.empty();
}

void ResetCommand(CommandContext& ctx) {
  ClientState& c = ctx.client;
  c.db = 0;
  c.protocol = 2;
  ctx.reply.set_protocol(2);
  c.authenticated = DefaultUserHasNoPassword(ctx);
  c.user = "default";
  c.name.clear();
  c.readonly_cluster = false;
  c.no_evict = false;
  c.reply_mode = ClientState::ReplyMode::kOn;
  if (c.monitor) {
    c.monitor = false;
    ctx.server.monitors.erase(c.id);
  }
  for (auto& hook : ctx.server.on_client_reset) hook(c);
  ctx.reply.Simple("RESET");
}

// Checks a user/password pair against the single default user.
bool CheckPassword(const CommandContext& ctx, std::string_view user, std::string_view password) {
  if (user != "default") return false;
  const std::string& required = ctx.server.options().requirepass;
  return required.empty() || required == password;
}

void AuthCommand(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.SyntaxError();
    return;
  }
  std::string_view user = "default", password;
  if (ctx.argc() == 2) {
    if (DefaultUserHasNoPassword(ctx)) {
      ctx.reply.Error(
          "ERR AUTH <password> called without any password configured for the default user. Are "
          "you sure your configuration is correct?");
      return;
    }
    password = ctx.arg(1);
  } else {
    user = ctx.arg(1);
    password = ctx.arg(2);
  }
  if (CheckPassword(ctx, user, password)) {
    ctx.client.authenticated = true;
    ctx.client.user = std::string(user);
    ctx.reply.Ok();
  } else {
    ctx.client.authenticated = DefaultUserHasNoPassword(ctx) && ctx.client.authenticated;
    ctx.reply.Error("WRONGPASS invalid username-password pair or user is disabled.");
  }
}

// Client names may not hold spaces, newlines or other special characters.
bool ValidClientName(std::string_view name) {
  for (char c : name)
    if (c < '!' || c > '~') return false;
  return true;
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void HelloCommand(CommandContext& ctx) {
  int64_t version = 0;
  size_t next = 1;
  if (ctx.argc() >= 2) {
    if (!ParseInt64(ctx.arg(1), &version)) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    ++next;
    if (version < 2 || version > 3) {
      ctx.reply.Error("NOPROTO unsupported protocol version");
      return;
    }
  }
  std::string_view user, password, name;
  bool has_auth = false, has_name = false;
  for (size_t j = next; j < ctx.argc(); ++j) {
    size_t more = ctx.argc() - 1 - j;
    std::string_view opt = ctx.arg(j);
    if (EqualsIgnoreCase(opt, "AUTH") && more >= 2) {
      user = ctx.arg(j + 1);
      password = ctx.arg(j + 2);
      has_auth = true;
      j += 2;
    } else if (EqualsIgnoreCase(opt, "SETNAME") && more >= 1) {
      name = ctx.arg(j + 1);
      if (!ValidClientName(name)) {
        ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
      has_name = true;
      ++j;
    } else {
      ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(opt) + "'");
      return;
    }
  }
  if (has_auth) {
    if (!CheckPassword(ctx, user, password)) {
      ctx.reply.Error("WRONGPASS invalid username-password pair or user is disabled.");
      return;
    }
    ctx.client.authenticated = true;
    ctx.client.user = std::string(user);
  }
  if (!ctx.client.authenticated) {
    ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
    return;
  }
  if (has_name) ctx.client.name = std::string(name);
  if (version != 0) {
    ctx.client.protocol = static_cast<int>(version);
    ctx.reply.set_protocol(static_cast<int>(version));
  }
  const auto& opts = ctx.server.options();
  ctx.reply.MapHeader(opts.sentinel_mode ? 6 : 7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk(kRedisVersion);
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(ctx.client.protocol);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk(opts.sentinel_mode ? "sentinel" : opts.cluster_enabled ? "cluster" : "standalone");
  if (!opts.sentinel_mode) {
    ctx.reply.Bulk("role");
    ctx.reply.Bulk(ctx.server.role == "master" ? "master" : "replica");
  }
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

void SelectCommand(CommandContext& ctx) {
  int64_t id;
  if (!ParseInt64(ctx.arg(1), &id) || id < INT32_MIN || id > INT32_MAX) {
    ctx.NotInteger();
    return;
  }
  if (ctx.server.options().cluster_enabled && id != 0) {
    ctx.reply.Error("ERR SELECT is not allowed in cluster mode");
    return;
  }
  if (id < 0 || id >= ctx.keyspace.db_count()) {
    ctx.reply.Error("ERR DB index is out of range");
    return;
  }
  ctx.client.db = static_cast<int>(id);
  ctx.reply.Ok();
}

}  // namespace

void RegisterConnectionFamily(CommandTable& t) {
  const uint32_t F = kCmdFast, S = kCmdSentinel, L = kCmdLoading | kCmdStale;
  const uint32_t P = kCmdSubscribedContext;
  t.Add(Cmd("ping", -1, F | S | P, 0, 0, 0, PingCommand, "connection", "1.0.0", "Ping the server")
            .Tips("request_policy:all_shards response_policy:all_succeeded"));
  t.Add(Cmd("echo", 2, F | L, 0, 0, 0, EchoCommand, "connection", "1.0.0", "Echo the given string"));
  t.Add(Cmd("quit", -1, kCmdNoAuth | L | F | S | kCmdAllowBusy | kCmdNoscript | P, 0, 0, 0, QuitCommand, "connection",
            "1.0.0", "Close the connection"));
  t.Add(Cmd("reset", 1, kCmdNoAuth | L | F | kCmdNoscript | kCmdAllowBusy | P, 0, 0, 0, ResetCommand,
            "connection", "6.2.0", "Reset the connection"));
  t.Add(Cmd("auth", -2, kCmdNoAuth | L | F | S | kCmdNoscript | kCmdAllowBusy, 0, 0, 0,
            AuthCommand, "connection", "1.0.0", "Authenticate to the server"));
  t.Add(Cmd("hello", -1, kCmdNoAuth | L | F | S | kCmdNoscript | kCmdAllowBusy, 0, 0, 0,
            HelloCommand, "connection", "6.0.0", "Handshake with Redis"));
  t.Add(Cmd("select", 2, L | F, 0, 0, 0, SelectCommand, "connection", "1.0.0",
            "Change the selected database for the current connection"));
}

}  // namespace troupe
