// Names Redis shows for a value: TYPE's type names and OBJECT ENCODING's
// encoding names, derived from the entry (collections report their own). Shared by the key family, SCAN TYPE, DEBUG
// OBJECT and INFO. Header-only; no CAF header.
#pragma once

#include <string_view>

#include "actors/common/strings.h"
#include "actors/shard/keyspace/entry.h"

namespace troupe {

inline const char* TypeName(ObjType t) {
  switch (t) {
    case ObjType::kString: return "string";
    case ObjType::kList: return "list";
    case ObjType::kSet: return "set";
    case ObjType::kZSet: return "zset";
    case ObjType::kHash: return "hash";
    case ObjType::kStream: return "stream";
  }
  return "none";
}

// Redis keeps integers 0..9999 as shared objects (OBJECT REFCOUNT = INT_MAX).
inline bool IsSharedInteger(const Entry* e) {
  if (e->type() != ObjType::kString || (e->meta & Entry::kValueBits) != 0) return false;
  int64_t v;
  return e->val_len <= 20 && ParseInt64(e->str(), &v) && v >= 0 && v < 10000;
}

inline const char* EncodingName(const Entry* e) {
  if (e->type() != ObjType::kString) return e->collection()->Encoding();
  if (e->raw_string()) return "raw";
  int64_t v;
  if (!e->no_int_encoding() && e->val_len <= 20 && ParseInt64(e->str(), &v)) return "int";
  return e->val_len <= 44 ? "embstr" : "raw";
}

}  // namespace troupe
