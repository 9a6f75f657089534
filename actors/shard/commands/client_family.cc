// CLIENT subcommands: ID SETNAME GETNAME LIST INFO KILL PAUSE UNPAUSE REPLY
// NO-EVICT HELP, with Redis 7.0's CLIENT LIST line format and filters.
// Handlers run inline in the client session on the multiplexer thread; they
// reach other clients through ServerContext's registry and close them via
// ClientState::kill (which messages the owning session).
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"

namespace troupe {
namespace {

std::string ClientFlags(const ClientState& c) {
  std::string flags;
  if (c.is_replica) flags += 'S';
  if (c.is_master) flags += 'M';
  if (c.monitor) flags += 'O';
  if (c.blocked) flags += 'b';
  if (c.subscribed()) flags += 'P';
  if (c.in_multi) flags += 'x';
  if (c.readonly_cluster) flags += 'r';
  if (c.no_evict) flags += 'e';
  if (c.close_after_reply) flags += 'c';
  return flags.empty() ? "N" : flags;
}

std::string ClientLine(const ClientState& c, int64_t now_ms) {
  std::string line;
  line.reserve(320);
  line += "id=" + std::to_string(c.id);
  line += " addr=" + c.addr;
  line += " laddr=" + c.laddr;
  line += " fd=" + std::to_string(c.fd);
  line += " name=" + c.name;
  line += " age=" + std::to_string((now_ms - c.created_ms) / 1000);
  line += " idle=" + std::to_string((now_ms - c.last_interaction_ms) / 1000);
  line += " flags=" + ClientFlags(c);
  line += " db=" + std::to_string(c.db);
  line += " sub=" + std::to_string(c.pubsub_channels) + " psub=" + std::to_string(c.pubsub_patterns) +
          " ssub=" + std::to_string(c.pubsub_shard_channels) + " multi=" + (c.in_multi ? std::to_string(c.queued.size()) : std::string("-1"));
  line += " qbuf=" + std::to_string(c.query_buffer_bytes);
  line += " qbuf-free=" + std::to_string(c.query_buffer_free);
  line += " argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0";
  line += " omem=" + std::to_string(c.output_bytes);
  line += " tot-mem=" + std::to_string(c.query_buffer_bytes + c.query_buffer_free + c.output_bytes + 16384);
  line += std::string(" events=") + (c.output_bytes > 0 ? "rw" : "r");
  line += " cmd=" + (c.last_command ? *c.last_command : std::string("NULL"));
  line += " user=" + c.user;
  line += " redir=-1";
  line += " resp=" + std::to_string(c.protocol);
  line += "\n";
  return line;
}

// The client's type for TYPE filters: normal, master, replica, pubsub.
std::string ClientType(const ClientState& c) {
  if (c.is_master) return "master";
  if (c.is_replica) return "replica";
  return c.subscribed() ? "pubsub" : "normal";
}

bool KnownClientType(std::string_view t) {
  return EqualsIgnoreCase(t, "normal") || EqualsIgnoreCase(t, "master") ||
         EqualsIgnoreCase(t, "replica") || EqualsIgnoreCase(t, "slave") ||
         EqualsIgnoreCase(t, "pubsub");
}

std::string CanonicalType(std::string_view t) {
  std::string lower = ToLower(t);
  return lower == "slave" ? "replica" : lower;
}

void ClientIdCommand(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.client.id)); }

void ClientSetNameCommand(CommandContext& ctx) {
  std::string_view name = ctx.arg(2);
  for (char c : name) {
    if (c < '!' || c > '~') {
      ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
  }
  ctx.client.name = std::string(name);
  ctx.reply.Ok();
}

void ClientGetNameCommand(CommandContext& ctx) {
  if (ctx.client.name.empty())
    ctx.reply.Null();
  else
    ctx.reply.Bulk(ctx.client.name);
}

// CLIENT LIST [TYPE type] [ID id [id ...]]
void ClientListCommand(CommandContext& ctx) {
  std::string type;
  std::vector<uint64_t> ids;
  bool by_id = false;
  if (ctx.argc() == 4 && EqualsIgnoreCase(ctx.arg(2), "TYPE")) {
    if (!KnownClientType(ctx.arg(3))) {
      ctx.reply.Error("ERR Unknown client type '" + std::string(ctx.arg(3)) + "'");
      return;
    }
    type = CanonicalType(ctx.arg(3));
  } else if (ctx.argc() > 3 && EqualsIgnoreCase(ctx.arg(2), "ID")) {
    by_id = true;
    for (size_t i = 3; i < ctx.argc(); ++i) {
      int64_t id;
      if (!ParseInt64(ctx.arg(i), &id) || id <= 0) {
        if (ParseInt64(ctx.arg(i), &id)) continue;  // 0 or negative ids match nothing
        ctx.reply.Error("ERR Invalid client ID");
        return;
      }
      ids.push_back(static_cast<uint64_t>(id));
    }
  } else if (ctx.argc() != 2) {
    ctx.SyntaxError();
    return;
  }
  int64_t now = ctx.server.clock().UnixMs();
  std::string out;
  for (const auto& [id, c] : ctx.server.clients) {
    if (!type.empty() && ClientType(*c) != type) continue;
    if (by_id && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    out += ClientLine(*c, now);
  }
  ctx.reply.Verbatim(out);
}

void ClientInfoCommand(CommandContext& ctx) {
  ctx.reply.Verbatim(ClientLine(ctx.client, ctx.server.clock().UnixMs()));
}

// CLIENT KILL ip:port | CLIENT KILL <filter> <value> ...
void ClientKillCommand(CommandContext& ctx) {
  auto& server = ctx.server;
  if (ctx.argc() == 3) {
    std::string_view addr = ctx.arg(2);
    for (const auto& [id, c] : server.clients) {
      if (c->addr == addr) {
        if (c == &ctx.client)
          c->close_after_reply = true;
        else if (c->kill)
          c->kill();
        ctx.reply.Ok();
        return;
      }
    }
    ctx.reply.Error("ERR No such client");
    return;
  }
  if (ctx.argc() % 2 != 0) {
    ctx.SyntaxError();
    return;
  }
  uint64_t id = 0;
  std::string type, addr, laddr, user;
  bool skipme = true;
  int64_t maxage = 0;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i), value = ctx.arg(i + 1);
    if (EqualsIgnoreCase(opt, "ID")) {
      int64_t v;
      if (!ParseInt64(value, &v) || v <= 0) {
        ctx.reply.Error("ERR client-id should be greater than 0");
        return;
      }
      id = static_cast<uint64_t>(v);
    } else if (EqualsIgnoreCase(opt, "TYPE")) {
      if (!KnownClientType(value)) {
        ctx.reply.Error("ERR Unknown client type '" + std::string(value) + "'");
        return;
      }
      type = CanonicalType(value);
    } else if (EqualsIgnoreCase(opt, "ADDR")) {
      addr = std::string(value);
    } else if (EqualsIgnoreCase(opt, "LADDR")) {
      laddr = std::string(value);
    } else if (EqualsIgnoreCase(opt, "USER")) {
      user = std::string(value);
      if (user != "default") {
        ctx.reply.Error("ERR No such user '" + user + "'");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "SKIPME")) {
      if (EqualsIgnoreCase(value, "yes")) skipme = true;
      else if (EqualsIgnoreCase(value, "no")) skipme = false;
      else {
        ctx.SyntaxError();
        return;
      }
    } else if (EqualsIgnoreCase(opt, "MAXAGE")) {
      if (!ctx.IntArg(i + 1, &maxage)) return;
      if (maxage <= 0) {
        ctx.SyntaxError();
        return;
      }
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  int64_t now = server.clock().UnixMs();
  std::vector<ClientState*> victims;
  for (const auto& [cid, c] : server.clients) {
    if (id != 0 && c->id != id) continue;
    if (!type.empty() && ClientType(*c) != type) continue;
    if (!addr.empty() && c->addr != addr) continue;
    if (!laddr.empty() && c->laddr != laddr) continue;
    if (!user.empty() && c->user != user) continue;
    if (maxage > 0 && (now - c->created_ms) / 1000 < maxage) continue;
    if (skipme && c == &ctx.client) continue;
    victims.push_back(c);
  }
  for (ClientState* c : victims) {
    if (c == &ctx.client)
      c->close_after_reply = true;
    else if (c->kill)
      c->kill();
  }
  ctx.reply.Integer(static_cast<int64_t>(victims.size()));
}

// CLIENT PAUSE timeout-ms [WRITE|ALL]
void ClientPauseCommand(CommandContext& ctx) {
  int64_t timeout;
  if (!ParseInt64(ctx.arg(2), &timeout)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return;
  }
  bool all = true;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.arg(3), "WRITE")) all = false;
    else if (!EqualsIgnoreCase(ctx.arg(3), "ALL")) {
      ctx.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  } else if (ctx.argc() > 4) {
    ctx.SyntaxError();
    return;
  }
  int64_t until = ctx.server.clock().MonotonicUs() + timeout * 1000;
  // A new pause can only extend an existing one; ALL wins over WRITE.
  if (until > ctx.server.pause_until_mono_us) ctx.server.pause_until_mono_us = until;
  ctx.server.pause_all = ctx.server.pause_all || all;
  ctx.reply.Ok();
}

void ClientUnpauseCommand(CommandContext& ctx) {
  ctx.server.pause_until_mono_us = 0;
  ctx.server.pause_all = false;
  ctx.reply.Ok();
}

// CLIENT REPLY ON|OFF|SKIP
void ClientReplyCommand(CommandContext& ctx) {
  std::string_view mode = ctx.arg(2);
  if (EqualsIgnoreCase(mode, "ON")) {
    ctx.client.reply_mode = ClientState::ReplyMode::kOn;
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(mode, "OFF")) {
    ctx.client.reply_mode = ClientState::ReplyMode::kOff;
  } else if (EqualsIgnoreCase(mode, "SKIP")) {
    if (ctx.client.reply_mode != ClientState::ReplyMode::kOff)
      ctx.client.reply_mode = ClientState::ReplyMode::kSkipNext;
  } else {
    ctx.SyntaxError();
  }
}

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
void ClientUnblockCommand(CommandContext& ctx) {
  int64_t id;
  if (!ctx.IntArg(2, &id)) return;
  bool as_error = false;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.arg(3), "ERROR")) as_error = true;
    else if (!EqualsIgnoreCase(ctx.arg(3), "TIMEOUT")) {
      ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  auto it = ctx.server.clients.find(static_cast<uint64_t>(id));
  if (it == ctx.server.clients.end() || !it->second->blocked || !it->second->unblock) {
    ctx.reply.Integer(0);
    return;
  }
  it->second->unblock(as_error);
  ctx.reply.Integer(1);
}

void ClientNoEvictCommand(CommandContext& ctx) {
  std::string_view v = ctx.arg(2);
  if (EqualsIgnoreCase(v, "ON")) ctx.client.no_evict = true;
  else if (EqualsIgnoreCase(v, "OFF")) ctx.client.no_evict = false;
  else {
    ctx.SyntaxError();
    return;
  }
  ctx.reply.Ok();
}

void ClientHelpCommand(CommandContext& ctx) {
  static const char* kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options: ID, TYPE, USER, ADDR, LADDR, SKIPME, MAXAGE.",
      "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> [<id> ...]]",
      "    Return information about client connections.",
      "NO-EVICT (ON|OFF)",
      "    Protect the current client connection from eviction.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend clients (all, or only their writes) for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "HELP",
      "    Print this help.",
  };
  ctx.ReplyHelp(kLines);
}

}  // namespace

void RegisterClientFamily(CommandTable& t) {
  const uint32_t L = kCmdLoading | kCmdStale, N = kCmdNoscript, S = kCmdSentinel;
  CommandSpec client = Cmd("client", -2, S, 0, 0, 0, nullptr, "connection", "2.4.0",
                           "A container for client connection commands");
  client.subcommands = {
      Cmd("id", 2, N | L | S, 0, 0, 0, ClientIdCommand, "connection", "5.0.0",
          "Returns the client ID for the current connection"),
      Cmd("setname", 3, N | L | S, 0, 0, 0, ClientSetNameCommand, "connection", "2.6.9",
          "Set the current connection name"),
      Cmd("getname", 2, N | L | S, 0, 0, 0, ClientGetNameCommand, "connection", "2.6.9",
          "Get the current connection name"),
      Cmd("list", -2, kCmdAdmin | N | L | S, 0, 0, 0, ClientListCommand, "connection", "2.4.0",
          "Get the list of client connections")
            .Tips("nondeterministic_output"),
      Cmd("info", 2, N | L | S, 0, 0, 0, ClientInfoCommand, "connection", "6.2.0",
          "Returns information about the current client connection.")
            .Tips("nondeterministic_output"),
      Cmd("kill", -3, kCmdAdmin | N | L | S, 0, 0, 0, ClientKillCommand, "connection", "2.4.0",
          "Kill the connection of a client"),
      Cmd("pause", -3, kCmdAdmin | N | L | S, 0, 0, 0, ClientPauseCommand, "connection",
          "2.9.50", "Stop processing commands from clients for some time"),
      Cmd("unpause", 2, kCmdAdmin | N | L | S, 0, 0, 0, ClientUnpauseCommand, "connection",
          "6.2.0", "Resume processing of clients that were paused"),
      Cmd("reply", 3, N | L | S, 0, 0, 0, ClientReplyCommand, "connection", "3.2.0",
          "Instruct the server whether to reply to commands"),
      Cmd("unblock", -3, kCmdAdmin | N | L | S, 0, 0, 0, ClientUnblockCommand, "connection",
          "5.0.0", "Unblock a client blocked in a blocking command from a different connection"),
      Cmd("no-evict", 3, kCmdAdmin | N | L | S, 0, 0, 0, ClientNoEvictCommand, "connection",
          "7.0.0", "Set client eviction mode for the current connection"),
      Cmd("help", 2, L | S, 0, 0, 0, ClientHelpCommand, "connection", "5.0.0",
          "Show helpful text about the different subcommands"),
  };
  t.Add(std::move(client));
}

}  // namespace troupe
