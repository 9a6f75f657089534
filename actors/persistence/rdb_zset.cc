// RDB codec of the zset type (see rdb_collections.h). Not written yet:
// saving never happens (no zset values exist) and loading refuses.
#include "actors/persistence/rdb_collections.h"

namespace troupe {

bool SaveZSetValue(RdbOut& out, std::string_view key, const Collection& value) { return false; }

Status LoadZSetValue(uint8_t rdb_type, RdbIn& in, Collection** out) {
  return Status::Error("values of this type are not supported by Troupe yet");
}

}  // namespace troupe
