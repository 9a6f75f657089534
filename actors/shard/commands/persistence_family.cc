// Persistence commands: SAVE and BGSAVE [SCHEDULE] (the Snapshotter does the
// work), BGREWRITEAOF (the AppendOnlyFile does); LASTSAVE is in the server
// family. Run inline in the client session.
#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/persistence/aof.h"
#include "actors/persistence/snapshotter.h"
#include "actors/shard/commands/command_table.h"

namespace troupe {
namespace {

void SaveCommand(CommandContext& ctx) {
  Status s = ctx.server.snapshotter->SaveNow();
  if (s.ok())
    ctx.reply.Ok();
  else
    ctx.reply.Error(s.message());
}

void BgSaveCommand(CommandContext& ctx) {
  if (ctx.argc() == 2 && !EqualsIgnoreCase(ctx.arg(1), "SCHEDULE")) {
    ctx.SyntaxError();
    return;
  }
  bool schedule = ctx.argc() == 2;
  Snapshotter* snap = ctx.server.snapshotter;
  bool other_child = ctx.server.aof != nullptr && ctx.server.aof->rewrite_in_progress();
  if (other_child && !snap->bgsave_in_progress() && (schedule || ctx.in_exec)) {
    snap->ScheduleBackgroundSave();
    ctx.reply.Simple("Background saving scheduled");
    return;
  }
  Status s = snap->StartBackgroundSave();
  if (s.ok())
    ctx.reply.Simple("Background saving started");
  else
    ctx.reply.Error(s.message());
}

void BgRewriteAofCommand(CommandContext& ctx) {
  AppendOnlyFile* aof = ctx.server.aof;
  if (aof == nullptr) {
    ctx.reply.Error("ERR append only file is not available");
    return;
  }
  bool scheduled = false;
  Status s = aof->StartRewrite(&scheduled);
  if (!s.ok())
    ctx.reply.Error(s.message());
  else if (scheduled)
    ctx.reply.Simple("Background append only file rewriting scheduled");
  else
    ctx.reply.Simple("Background append only file rewriting started");
}

}  // namespace

void RegisterPersistenceFamily(CommandTable& t) {
  const uint32_t A = kCmdAdmin, N = kCmdNoscript;
  t.Add(Cmd("save", 1, A | N | kCmdNoAsyncLoading | kCmdNoMulti, 0, 0, 0, SaveCommand, "server", "1.0.0",
            "Synchronously save the dataset to disk", "@dangerous"));
  t.Add(Cmd("bgsave", -1, A | N | kCmdNoAsyncLoading, 0, 0, 0, BgSaveCommand, "server", "1.0.0",
            "Asynchronously save the dataset to disk", "@dangerous"));
  t.Add(Cmd("bgrewriteaof", 1, A | N | kCmdNoAsyncLoading, 0, 0, 0, BgRewriteAofCommand, "server", "1.0.0",
            "Asynchronously rewrite the append-only file", "@dangerous"));
}

}  // namespace troupe
