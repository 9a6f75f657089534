// RDB codecs of the collection types: the snapshot writer and loader
// (rdb.cc) call these; each type's encoding lives in its own file
// (rdb_hash.cc, rdb_list.cc, rdb_set.cc, rdb_zset.cc), next to nothing else.
// No CAF header.
#pragma once

#include <cstdint>
#include <string_view>

#include "actors/common/status.h"
#include "actors/persistence/rdb_codec.h"
#include "actors/shard/keyspace/entry.h"

namespace troupe {

// Writes one collection key: its RDB type byte, the key, the payload.
bool SaveCollection(RdbOut& out, ObjType type, std::string_view key, const Collection& value);
// Reads the payload of a value of RDB type `rdb_type` into a new collection.
Status LoadCollection(uint8_t rdb_type, RdbIn& in, ObjType* type, Collection** out);

// Per-type codecs (one file each). Save* writes type byte + key + payload;
// Load* reads the payload of any RDB type of its family (plain, ziplist,
// listpack, intset, quicklist... encodings).
bool SaveHashValue(RdbOut& out, std::string_view key, const Collection& value);
Status LoadHashValue(uint8_t rdb_type, RdbIn& in, Collection** out);
bool SaveListValue(RdbOut& out, std::string_view key, const Collection& value);
Status LoadListValue(uint8_t rdb_type, RdbIn& in, Collection** out);
bool SaveSetValue(RdbOut& out, std::string_view key, const Collection& value);
Status LoadSetValue(uint8_t rdb_type, RdbIn& in, Collection** out);
bool SaveZSetValue(RdbOut& out, std::string_view key, const Collection& value);
Status LoadZSetValue(uint8_t rdb_type, RdbIn& in, Collection** out);

}  // namespace troupe
