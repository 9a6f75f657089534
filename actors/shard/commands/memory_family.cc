// MEMORY USAGE/STATS/DOCTOR/MALLOC-STATS/PURGE/HELP: memory introspection.
// Figures come from glibc's allocator (mallinfo2, malloc_usable_size), so
// they describe Troupe's own layout, not Redis's. Runs inline in the client
// session on the multiplexer thread.
#include <malloc.h>

#include <string>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/commands/info_command.h"

namespace troupe {
namespace {

uint64_t AllocatedBytes() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// MEMORY USAGE key [SAMPLES count]: the entry (header, key, value) plus its
// collection, plus the bucket slot that points at it.
void MemoryUsageCommand(CommandContext& ctx) {
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    if (EqualsIgnoreCase(ctx.arg(i), "SAMPLES") && i + 1 < ctx.argc()) {
      int64_t samples;
      if (!ctx.IntArg(i + 1, &samples)) return;
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  Entry* e = ctx.db().Peek(ctx.arg(2));
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Integer(static_cast<int64_t>(entry::MemoryUsage(e) + sizeof(Entry*)));
}

void MemoryStatsCommand(CommandContext& ctx) {
  ServerContext& s = ctx.server;
  uint64_t total = AllocatedBytes();
  if (total > s.used_memory_peak) s.used_memory_peak = total;
  uint64_t keys = ctx.keyspace.TotalKeys();
  uint64_t dataset = total > s.used_memory_startup ? total - s.used_memory_startup : 0;
  std::vector<int> dbs;
  for (int i = 0; i < ctx.keyspace.db_count(); ++i)
    if (ctx.keyspace.db(i).size() > 0) dbs.push_back(i);
  ctx.reply.MapHeader(14 + dbs.size());
  auto field = [&](const char* name, int64_t v) {
    ctx.reply.Bulk(name);
    ctx.reply.Integer(v);
  };
  field("peak.allocated", static_cast<int64_t>(s.used_memory_peak));
  field("total.allocated", static_cast<int64_t>(total));
  field("startup.allocated", static_cast<int64_t>(s.used_memory_startup));
  field("replication.backlog", 0);
  field("clients.slaves", 0);
  field("clients.normal", 0);
  field("cluster.links", 0);
  field("aof.buffer", 0);
  field("lua.caches", 0);
  field("functions.caches", 0);
  for (int i : dbs) {
    const Database& db = ctx.keyspace.db(i);
    ctx.reply.Bulk("db." + std::to_string(i));
    ctx.reply.MapHeader(2);
    field("overhead.hashtable.main", static_cast<int64_t>(db.size() * sizeof(Entry)));
    field("overhead.hashtable.expires", static_cast<int64_t>(db.volatile_count() * sizeof(int64_t)));
  }
  field("keys.count", static_cast<int64_t>(keys));
  field("keys.bytes-per-key", keys ? static_cast<int64_t>(dataset / keys) : 0);
  field("dataset.bytes", static_cast<int64_t>(dataset));
  ctx.reply.Bulk("rss.bytes");
  ctx.reply.Integer(static_cast<int64_t>(ProcessRssBytes()));
}

void MemoryDoctorCommand(CommandContext& ctx) {
  uint64_t total = AllocatedBytes();
  std::string report =
      total < 5 * 1024 * 1024
          ? "This instance holds very little data, so there is nothing to diagnose yet."
          : "No memory problems detected: used " + std::to_string(total) + " bytes, resident " +
                std::to_string(ProcessRssBytes()) + " bytes.";
  ctx.reply.Verbatim(report);
}

void MemoryMallocStatsCommand(CommandContext& ctx) {
  ctx.reply.Verbatim("Stats not supported for the current allocator");
}

void MemoryPurgeCommand(CommandContext& ctx) {
  malloc_trim(0);
  ctx.reply.Ok();
}

void MemoryHelpCommand(CommandContext& ctx) {
  static const char* kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value.",
      "HELP",
      "    Print this help.",
  };
  ctx.ReplyHelp(kLines);
}

}  // namespace

void RegisterMemoryFamily(CommandTable& t) {
  const char* kShards = "nondeterministic_output request_policy:all_shards response_policy:special";
  CommandSpec memory = Cmd("memory", -2, 0, 0, 0, 0, nullptr, "server", "4.0.0",
                           "A container for memory diagnostics commands");
  memory.subcommands = {
      Cmd("doctor", 2, 0, 0, 0, 0, MemoryDoctorCommand, "server", "4.0.0",
          "Outputs memory problems report")
          .Tips(kShards),
      Cmd("malloc-stats", 2, 0, 0, 0, 0, MemoryMallocStatsCommand, "server", "4.0.0",
          "Show allocator internal stats")
          .Tips(kShards),
      Cmd("usage", -3, kCmdReadonly, 2, 2, 1, MemoryUsageCommand, "server", "4.0.0",
          "Estimate the memory usage of a key")
          .Keys("RO"),
      Cmd("stats", 2, 0, 0, 0, 0, MemoryStatsCommand, "server", "4.0.0",
          "Show memory usage details")
          .Tips(kShards),
      Cmd("purge", 2, 0, 0, 0, 0, MemoryPurgeCommand, "server", "4.0.0",
          "Ask the allocator to release memory")
          .Tips("request_policy:all_shards response_policy:all_succeeded"),
      Cmd("help", 2, kCmdLoading | kCmdStale, 0, 0, 0, MemoryHelpCommand, "server", "4.0.0",
          "Show helpful text about the different subcommands"),
  };
  t.Add(std::move(memory));
}

}  // namespace troupe
