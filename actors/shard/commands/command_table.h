// CommandTable: every command Troupe knows, looked up by name, and the one
// place where a parsed request is checked and run (Dispatch): unknown
// command, unknown subcommand, arity, authentication, then the handler with
// its statistics and slow-log entry. Families register their rows at start
// (Register*Family functions in the commands/ files). Used inline by client
// sessions on the multiplexer thread; no CAF header.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/shard/commands/command.h"

namespace troupe {

class CommandTable {
 public:
  // The table with every family registered.
  static CommandTable& Instance();

  void Add(CommandSpec spec);
  // Case-insensitive lookup of a top-level command; nullptr if unknown.
  const CommandSpec* Find(std::string_view name) const;
  // Case-insensitive lookup of a subcommand of a container command.
  static const CommandSpec* FindSub(const CommandSpec& parent, std::string_view name);
  // All top-level commands, in registration order.
  const std::vector<std::unique_ptr<CommandSpec>>& all() const { return commands_; }

  // Checks and runs one request; the reply goes to ctx.reply. Returns the
  // command that ran (nullptr when the request was rejected).
  const CommandSpec* Dispatch(CommandContext& ctx) const;
  // Resolves argv to the command (or subcommand) it names, or nullptr.
  const CommandSpec* Resolve(const std::vector<std::string_view>& argv) const;

 private:
  CommandTable() = default;
  std::vector<std::unique_ptr<CommandSpec>> commands_;
  // Open-addressing index by name, hashed and compared case-insensitively
  // so a lookup copies nothing (it runs once per command on the hot path).
  static constexpr size_t kSlots = 1024;
  std::array<const CommandSpec*, kSlots> slots_{};
};

// Family registration hooks, one per file in actors/shard/commands/.
void RegisterStringFamily(CommandTable& table);
void RegisterBitFamily(CommandTable& table);
void RegisterKeyFamily(CommandTable& table);
// DUMP and RESTORE (dump_family.cc); RegisterKeyFamily registers them, so
// they follow the other generic key commands.
void RegisterDumpFamily(CommandTable& table);
void RegisterMigrate(CommandTable& table);  // called by RegisterDumpFamily
void RegisterConnectionFamily(CommandTable& table);
void RegisterClientFamily(CommandTable& table);
void RegisterServerFamily(CommandTable& table);
void RegisterConfigFamily(CommandTable& table);
void RegisterIntrospectionFamily(CommandTable& table);
void RegisterPersistenceFamily(CommandTable& table);
void RegisterHashFamily(CommandTable& table);
void RegisterListFamily(CommandTable& table);
void RegisterSetFamily(CommandTable& table);
void RegisterZSetFamily(CommandTable& table);
void RegisterHllFamily(CommandTable& table);
void RegisterSortFamily(CommandTable& table);
void RegisterTransactionFamily(CommandTable& table);
void RegisterPubSubFamily(CommandTable& table);
void RegisterMemoryFamily(CommandTable& table);
void RegisterReplicationFamily(CommandTable& table);
// SENTINEL (sentinel_family.cc): present only in sentinel mode.
void RegisterSentinelFamily(CommandTable& table);
// CLUSTER, READONLY, READWRITE, ASKING (cluster_family.cc).
void RegisterClusterFamily(CommandTable& table);
// Wakes the clients blocked in WAIT (a replica acknowledged an offset).
void WakeWaitingClients(ServerContext& server);

}  // namespace troupe
