// CONFIG GET/SET/RESETSTAT/REWRITE/HELP: the command side of the config
// model (actors/node/config.h owns parsing, validation and rewriting).
// Handlers run inline in the client session on the multiplexer thread.
#include <string>
#include <utility>
#include <vector>

#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"

namespace troupe {
namespace {

void ConfigGetCommand(CommandContext& ctx) {
  std::vector<std::string> patterns;
  for (size_t i = 2; i < ctx.argc(); ++i) patterns.emplace_back(ctx.arg(i));
  auto pairs = ctx.server.config().Get(patterns);
  ctx.reply.MapHeader(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

void ConfigSetCommand(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) {
    ctx.SyntaxError();
    return;
  }
  std::vector<std::pair<std::string, std::string>> changes;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) changes.emplace_back(ctx.arg(i), ctx.arg(i + 1));
  Status s = ctx.server.config().Set(changes);
  if (s.ok())
    ctx.reply.Ok();
  else
    ctx.reply.Error(s.message());
}

void ConfigResetStatCommand(CommandContext& ctx) {
  ServerContext& server = ctx.server;
  server.stats = ServerStats();
  server.error_stats.clear();
  for (const auto& cmd : CommandTable::Instance().all()) {
    cmd->calls = cmd->usec = cmd->rejected_calls = cmd->failed_calls = 0;
    for (const auto& sub : cmd->subcommands) sub.calls = sub.usec = sub.rejected_calls = sub.failed_calls = 0;
  }
  ctx.keyspace.stats() = KeyspaceStats();
  ctx.reply.Ok();
}

void ConfigRewriteCommand(CommandContext& ctx) {
  Status s = ctx.server.config().Rewrite();
  if (s.ok())
    ctx.reply.Ok();
  else
    ctx.reply.Error(s.message());
}

void ConfigHelpCommand(CommandContext& ctx) {
  static const char* kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Print this help.",
  };
  ctx.ReplyHelp(kLines);
}

}  // namespace

void RegisterConfigFamily(CommandTable& t) {
  // Not in sentinel mode: sentinels have SENTINEL CONFIG instead.
  const uint32_t A = kCmdAdmin, N = kCmdNoscript, L = kCmdLoading | kCmdStale, S = 0;
  CommandSpec config = Cmd("config", -2, S, 0, 0, 0, nullptr, "server", "2.0.0",
                           "A container for server configuration commands");
  config.subcommands = {
      Cmd("get", -3, A | N | L | S, 0, 0, 0, ConfigGetCommand, "server", "2.0.0",
          "Get the values of configuration parameters"),
      Cmd("set", -4, A | N | L | S, 0, 0, 0, ConfigSetCommand, "server",
          "2.0.0", "Set configuration parameters to the given values")
            .Tips("request_policy:all_nodes response_policy:all_succeeded"),
      Cmd("resetstat", 2, A | N | L | S, 0, 0, 0, ConfigResetStatCommand, "server", "2.0.0",
          "Reset the stats returned by INFO"),
      Cmd("rewrite", 2, A | N | L | S, 0, 0, 0, ConfigRewriteCommand, "server", "2.8.0",
          "Rewrite the configuration file with the in memory configuration"),
      Cmd("help", 2, L | S, 0, 0, 0, ConfigHelpCommand, "server", "5.0.0",
          "Show helpful text about the different subcommands"),
  };
  t.Add(std::move(config));
}

}  // namespace troupe
