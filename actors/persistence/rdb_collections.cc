// Dispatch from RDB types to the per-type codecs (see rdb_collections.h).
#include "actors/persistence/rdb_collections.h"

namespace troupe {

bool SaveCollection(RdbOut& out, ObjType type, std::optional<std::string_view> key,
                    const Collection& value) {
  switch (type) {
    case ObjType::kHash: return SaveHashValue(out, key, value);
    case ObjType::kList: return SaveListValue(out, key, value);
    case ObjType::kSet: return SaveSetValue(out, key, value);
    case ObjType::kZSet: return SaveZSetValue(out, key, value);
    default: return false;
  }
}

Status LoadCollection(uint8_t rdb_type, RdbIn& in, ObjType* type, Collection** out,
                      const RdbLoadLimits& limits) {
  switch (rdb_type) {
    case 4: case 9: case 13: case 16:
      *type = ObjType::kHash;
      return LoadHashValue(rdb_type, in, out, limits.hash);
    case 1: case 10: case 14: case 18:
      *type = ObjType::kList;
      return LoadListValue(rdb_type, in, out);
    case 2: case 11: case 20:
      *type = ObjType::kSet;
      return LoadSetValue(rdb_type, in, out, limits.set);
    case 3: case 5: case 12: case 17:
      *type = ObjType::kZSet;
      return LoadZSetValue(rdb_type, in, out, limits.zset);
    default:
      return Status::Error("values of this type are not supported by Troupe yet");
  }
}

}  // namespace troupe
