// RDB codec of the set type (see rdb_collections.h). Not written yet:
// saving never happens (no set values exist) and loading refuses.
#include "actors/persistence/rdb_collections.h"

namespace troupe {

bool SaveSetValue(RdbOut& out, std::string_view key, const Collection& value) { return false; }

Status LoadSetValue(uint8_t rdb_type, RdbIn& in, Collection** out) {
  return Status::Error("values of this type are not supported by Troupe yet");
}

}  // namespace troupe
