// SentinelExtras storage (see sentinel_extras.h): a side table keyed by the
// SentinelState's address, read and written on the multiplexer thread only.
#include "actors/sentinel/sentinel_extras.h"

#include <unordered_map>

#include "actors/common/strings.h"
#include "actors/sentinel/sentinel_state.h"

namespace troupe {
namespace {

std::unordered_map<const SentinelState*, SentinelExtras>& Table() {
  static auto* table = new std::unordered_map<const SentinelState*, SentinelExtras>();
  return *table;
}

}  // namespace

SentinelExtras& SentinelExtrasOf(const SentinelState& state) { return Table()[&state]; }

void ResetSentinelExtras(const SentinelState& state) { Table().erase(&state); }

std::string MappedCommand(const SentinelState& state, const std::string& master_name,
                          const std::string& command) {
  auto& table = Table();
  auto it = table.find(&state);
  if (it == table.end()) return command;
  auto m = it->second.masters.find(master_name);
  if (m == it->second.masters.end()) return command;
  for (const auto& [from, to] : m->second.renamed_commands)
    if (EqualsIgnoreCase(from, command)) return to;
  return command;
}


SentinelIo* SentinelIoOf(const SentinelState& state) { return state.io(); }

}  // namespace troupe
