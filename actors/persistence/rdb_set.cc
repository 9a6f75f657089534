// RDB codec of the set type (see rdb_collections.h).
//
// Saving writes what Redis 7.0 writes: an intset-encoded set as
// RDB_TYPE_SET_INTSET (11), the intset blob itself (SetValue keeps Redis's
// layout), and a hashtable set as RDB_TYPE_SET (2): the member count, then
// the members as RDB strings. Loading reads both, choosing the in-memory
// encoding as Redis's loader does by the set-max-intset-entries it is given
// (Redis's default at start-up, the config for RESTORE). Duplicate members and malformed
// intsets are errors. RDB_TYPE_SET_LISTPACK (20) is Redis 7.2's and is
// refused, as Redis 7.0 refuses it.
// Runs wherever rdb.cc does (the shard's thread, or a BGSAVE child); no CAF.
#include <algorithm>
#include <memory>
#include <string>

#include "actors/persistence/rdb_collections.h"
#include "actors/shard/types/set_value.h"

namespace troupe {
namespace {

constexpr uint8_t kRdbTypeSet = 2;
constexpr uint8_t kRdbTypeSetIntset = 11;

}  // namespace

bool SaveSetValue(RdbOut& out, std::optional<std::string_view> key, const Collection& value) {
  const auto& s = static_cast<const SetValue&>(value);
  if (s.is_intset()) {
    // The blob is an RDB string like any other (LZF-compressed when that
    // pays, as Redis stores it).
    return WriteTypeAndKey(out, kRdbTypeSetIntset, key) && WriteString(out, s.IntsetBlob());
  }
  if (!WriteTypeAndKey(out, kRdbTypeSet, key) || !WriteLength(out, s.size())) return false;
  bool ok = true;
  s.ForEach([&](std::string_view m) { ok = ok && WriteString(out, m); });
  return ok;
}

Status LoadSetValue(uint8_t rdb_type, RdbIn& in, Collection** out, const SetLimits& limits) {
  std::unique_ptr<SetValue> s;
  if (rdb_type == kRdbTypeSet) {
    uint64_t len;
    if (!in.Length(&len)) return Status::Error(in.error());
    s = std::make_unique<SetValue>();
    if (len > limits.max_intset_entries) {
      s->ConvertToTable();
      // Every member takes at least one byte: a declared length beyond the
      // bytes left is corrupt, and must not size the table.
      s->Reserve(static_cast<size_t>(std::min<uint64_t>(len, in.remaining())));
    }
    std::string m;
    for (uint64_t i = 0; i < len; ++i) {
      if (!in.String(&m)) return Status::Error(in.error());
      if (!s->Add(m, limits)) return Status::Error("duplicate set members detected");
    }
  } else if (rdb_type == kRdbTypeSetIntset) {
    std::string blob, error;
    if (!in.String(&blob)) return Status::Error(in.error());
    s.reset(SetValue::FromIntsetBlob(blob, &error));
    if (!s) return Status::Error(error);
    if (s->size() > limits.max_intset_entries) s->ConvertToTable();
  } else {
    return Status::Error("set encoding not supported by Redis 7.0");
  }
  if (s->size() == 0) return Status::Error("empty set (Troupe does not load empty keys)");
  *out = s.release();
  return Status::Ok();
}

}  // namespace troupe
