// Hll family commands (issue 3): not written yet; registers nothing.
#include "actors/shard/commands/command_table.h"

namespace troupe {

void RegisterHllFamily(CommandTable& t) {}

}  // namespace troupe
