// RDB codecs of the collection types: the snapshot writer and loader
// (rdb.cc) and the DUMP/RESTORE payload codec (dump_payload.cc) call these;
// each type's encoding lives in its own file (rdb_hash.cc, rdb_list.cc,
// rdb_set.cc, rdb_zset.cc), next to nothing else. Runs wherever its caller
// does (the shard's thread, or a BGSAVE child); no CAF header.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "actors/common/status.h"
#include "actors/persistence/rdb_codec.h"
#include "actors/shard/keyspace/entry.h"
#include "actors/shard/types/hash_value.h"
#include "actors/shard/types/set_value.h"
#include "actors/shard/types/zset_value.h"

namespace troupe {

// The compact-encoding thresholds a loaded value is built with, as Redis's
// loader applies its config: Redis's defaults when no config is at hand
// (start-up load), the server's settings for RESTORE.
struct RdbLoadLimits {
  HashLimits hash;
  SetLimits set;
  ZSetLimits zset;
};

// Writes one collection: its RDB type byte, the key when there is one (an
// RDB file's key/value pair; a DUMP payload has none), then the payload.
bool SaveCollection(RdbOut& out, ObjType type, std::optional<std::string_view> key,
                    const Collection& value);
// Reads the payload of a value of RDB type `rdb_type` into a new collection.
Status LoadCollection(uint8_t rdb_type, RdbIn& in, ObjType* type, Collection** out,
                      const RdbLoadLimits& limits = RdbLoadLimits());

// The type byte and the optional key, shared by the Save* functions.
inline bool WriteTypeAndKey(RdbOut& out, uint8_t rdb_type, std::optional<std::string_view> key) {
  return out.Byte(rdb_type) && (!key || WriteString(out, *key));
}

// Per-type codecs (one file each). Save* writes type byte, key (if any) and
// payload; Load* reads the payload of any RDB type of its family (plain,
// ziplist, listpack, intset, quicklist... encodings).
bool SaveHashValue(RdbOut& out, std::optional<std::string_view> key, const Collection& value);
Status LoadHashValue(uint8_t rdb_type, RdbIn& in, Collection** out,
                     const HashLimits& limits = HashLimits());
bool SaveListValue(RdbOut& out, std::optional<std::string_view> key, const Collection& value);
Status LoadListValue(uint8_t rdb_type, RdbIn& in, Collection** out);
bool SaveSetValue(RdbOut& out, std::optional<std::string_view> key, const Collection& value);
Status LoadSetValue(uint8_t rdb_type, RdbIn& in, Collection** out,
                    const SetLimits& limits = SetLimits());
bool SaveZSetValue(RdbOut& out, std::optional<std::string_view> key, const Collection& value);
Status LoadZSetValue(uint8_t rdb_type, RdbIn& in, Collection** out,
                     const ZSetLimits& limits = ZSetLimits());

}  // namespace troupe
