// RDB codec of the set type (see rdb_collections.h).
//
// Saving writes what Redis 7.0 writes: an intset-encoded set as
// RDB_TYPE_SET_INTSET (11), the intset blob itself (SetValue keeps Redis's
// layout), and a hashtable set as RDB_TYPE_SET (2): the member count, then
// the members as RDB strings. Loading reads both, choosing the in-memory
// encoding as Redis's loader does with its default set-max-intset-entries
// (512; the loader has no config at hand). Duplicate members and malformed
// intsets are errors. RDB_TYPE_SET_LISTPACK (20) is Redis 7.2's and is
// refused, as Redis 7.0 refuses it.
// Runs wherever rdb.cc does (the shard's thread, or a BGSAVE child); no CAF.
#include <memory>
#include <string>

#include "actors/persistence/rdb_collections.h"
#include "actors/shard/types/set_value.h"

namespace troupe {
namespace {

constexpr uint8_t kRdbTypeSet = 2;
constexpr uint8_t kRdbTypeSetIntset = 11;

}  // namespace

bool SaveSetValue(RdbOut& out, std::string_view key, const Collection& value) {
  const auto& s = static_cast<const SetValue&>(value);
  if (s.is_intset()) {
    std::string_view blob = s.IntsetBlob();
    return out.Byte(kRdbTypeSetIntset) && WriteString(out, key) && WriteLength(out, blob.size()) &&
           out.Write(blob.data(), blob.size());
  }
  if (!out.Byte(kRdbTypeSet) || !WriteString(out, key) || !WriteLength(out, s.size())) return false;
  bool ok = true;
  s.ForEach([&](std::string_view m) { ok = ok && WriteString(out, m); });
  return ok;
}

Status LoadSetValue(uint8_t rdb_type, RdbIn& in, Collection** out) {
  const SetLimits limits;  // Redis's default: the loader has no config
  std::unique_ptr<SetValue> s;
  if (rdb_type == kRdbTypeSet) {
    uint64_t len;
    if (!in.Length(&len)) return Status::Error(in.error());
    s = std::make_unique<SetValue>();
    if (len > limits.max_intset_entries) {
      s->ConvertToTable();
      s->Reserve(len);
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
