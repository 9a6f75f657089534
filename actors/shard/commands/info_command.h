// INFO command registration and the process facts it shares with the node
// (resident memory). See info_command.cc.
#pragma once

#include <cstdint>

namespace troupe {

class CommandTable;
void RegisterInfoCommand(CommandTable& table);
// Resident set size of this process in bytes (/proc/self/statm).
uint64_t ProcessRssBytes();

}  // namespace troupe
