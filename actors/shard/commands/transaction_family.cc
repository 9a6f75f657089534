// Transactions: MULTI EXEC DISCARD WATCH UNWATCH. Dispatch (command_table.cc)
// queues the commands a client sends after MULTI; EXEC runs them here, one
// after the other with nothing in between, unless a queued command was
// rejected (EXECABORT) or a WATCHed key was written since WATCH (null
// reply). Runtime errors of queued commands do not roll anything back.
// Runs inline in the client session on the multiplexer thread.
#include <string>
#include <vector>

#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/transaction/watch_registry.h"

namespace troupe {
namespace {

void EndTransaction(CommandContext& ctx) {
  ClientState& c = ctx.client;
  c.in_multi = false;
  c.multi_error = false;
  c.queued.clear();
  c.queued_bytes = 0;
  if (ctx.server.watches) ctx.server.watches->UnwatchAll(&c);
}

void MultiCommand(CommandContext& ctx) {
  if (ctx.client.in_multi) {
    ctx.reply.Error("ERR MULTI calls can not be nested");
    return;
  }
  ctx.client.in_multi = true;
  ctx.reply.Ok();
}

void DiscardCommand(CommandContext& ctx) {
  if (!ctx.client.in_multi) {
    ctx.reply.Error("ERR DISCARD without MULTI");
    return;
  }
  EndTransaction(ctx);
  ctx.reply.Ok();
}

void ExecCommand(CommandContext& ctx) {
  ClientState& c = ctx.client;
  if (!c.in_multi) {
    ctx.reply.Error("ERR EXEC without MULTI");
    return;
  }
  if (c.multi_error) {
    EndTransaction(ctx);
    ctx.reply.Error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  // A watched key that expired since WATCH counts as written: looking it up
  // removes it, which marks the transaction dirty.
  for (const auto& [db, key] : std::vector<std::pair<int, std::string>>(c.watched))
    ctx.keyspace.db(db).Peek(key);
  if (c.dirty_cas) {
    EndTransaction(ctx);
    ctx.reply.NullArray();
    return;
  }
  std::vector<std::vector<std::string>> queued = std::move(c.queued);
  EndTransaction(ctx);
  ctx.reply.ArrayHeader(queued.size());
  for (const auto& args : queued) {
    std::vector<std::string_view> argv(args.begin(), args.end());
    ctx.keyspace.UpdateTime();
    CommandContext inner{argv, ctx.reply, c, ctx.keyspace, ctx.server};
    inner.session = ctx.session;
    inner.in_exec = true;
    CommandTable::Instance().Dispatch(inner);
  }
}

void WatchCommand(CommandContext& ctx) {
  if (ctx.client.in_multi) {
    ctx.reply.Error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) ctx.server.watches->Watch(&ctx.client, ctx.client.db, ctx.arg(i));
  ctx.reply.Ok();
}

void UnwatchCommand(CommandContext& ctx) {
  ctx.server.watches->UnwatchAll(&ctx.client);
  ctx.reply.Ok();
}

}  // namespace

void RegisterTransactionFamily(CommandTable& t) {
  const uint32_t N = kCmdNoscript, L = kCmdLoading | kCmdStale, F = kCmdFast, B = kCmdAllowBusy;
  t.Add(Cmd("multi", 1, N | L | F | B, 0, 0, 0, MultiCommand, "transactions", "1.2.0",
            "Mark the start of a transaction block"));
  t.Add(Cmd("exec", 1, N | L | kCmdSkipSlowlog, 0, 0, 0, ExecCommand, "transactions", "1.2.0",
            "Execute all commands issued after MULTI"));
  t.Add(Cmd("discard", 1, N | L | F | B, 0, 0, 0, DiscardCommand, "transactions", "2.0.0",
            "Discard all commands issued after MULTI"));
  t.Add(Cmd("watch", -2, N | L | F | B, 1, -1, 1, WatchCommand, "transactions", "2.2.0",
            "Watch the given keys to determine execution of the MULTI/EXEC block")
            .Keys("RO"));
  t.Add(Cmd("unwatch", 1, N | L | F | B, 0, 0, 0, UnwatchCommand, "transactions", "2.2.0",
            "Forget about all watched keys"));
}

}  // namespace troupe
