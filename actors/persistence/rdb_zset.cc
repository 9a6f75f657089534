// RDB codec of the sorted-set type (see rdb_collections.h). Saves every set
// as RDB_TYPE_ZSET_2 (5: length, then member string and binary double per
// element, highest score first as Redis writes it), which Redis 7.0 loads
// into a listpack or skiplist by its own limits. Loads every encoding Redis
// has written for sorted sets: ZSET (3, scores as text), ZSET_2 (5),
// ZSET_ZIPLIST (12) and ZSET_LISTPACK (17, what Redis 7.0 writes for small
// sets). Runs in the snapshot writer (the BGSAVE child) and the loader at
// start; no CAF header.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "actors/persistence/rdb_collections.h"
#include "actors/shard/types/zset_value.h"

namespace troupe {
namespace {

constexpr uint8_t kRdbTypeZSet = 3;
constexpr uint8_t kRdbTypeZSet2 = 5;
constexpr uint8_t kRdbTypeZSetZiplist = 12;
constexpr uint8_t kRdbTypeZSetListpack = 17;

uint64_t ReadLe(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

int64_t SignExtend(uint64_t v, int bits) {
  uint64_t m = 1ULL << (bits - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// Redis's listpack: [total bytes u32][count u16] entries [0xFF]; each entry
// is an encoding, its data and a backward length of 1-5 bytes.
bool ParseListpack(const std::string& blob, std::vector<std::string>* items, std::string* error) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  size_t n = blob.size();
  if (n < 7 || ReadLe(p, 4) != n) {
    *error = "listpack header does not match its size";
    return false;
  }
  size_t pos = 6;
  while (true) {
    if (pos >= n) {
      *error = "listpack without end marker";
      return false;
    }
    unsigned char b = p[pos];
    if (b == 0xFF) break;
    size_t header = 1, len = 0;
    bool is_int = true;
    int64_t v = 0;
    size_t avail = n - pos;
    auto need = [&](size_t bytes) {
      if (bytes > avail) {
        *error = "listpack entry runs past the end";
        return false;
      }
      return true;
    };
    if ((b & 0x80) == 0) {
      v = b & 0x7F;
    } else if ((b & 0xC0) == 0x80) {
      is_int = false;
      len = b & 0x3F;
    } else if ((b & 0xE0) == 0xC0) {
      if (!need(2)) return false;
      v = SignExtend((static_cast<uint64_t>(b & 0x1F) << 8) | p[pos + 1], 13);
      header = 2;
    } else if ((b & 0xF0) == 0xE0) {
      if (!need(2)) return false;
      is_int = false;
      len = (static_cast<size_t>(b & 0x0F) << 8) | p[pos + 1];
      header = 2;
    } else if (b == 0xF0) {
      if (!need(5)) return false;
      is_int = false;
      len = ReadLe(p + pos + 1, 4);
      header = 5;
    } else if (b >= 0xF1 && b <= 0xF4) {
      static const int kBytes[] = {2, 3, 4, 8};
      int bytes = kBytes[b - 0xF1];
      if (!need(1 + static_cast<size_t>(bytes))) return false;
      v = SignExtend(ReadLe(p + pos + 1, bytes), bytes * 8);
      header = 1 + static_cast<size_t>(bytes);
    } else {
      *error = "unknown listpack entry encoding";
      return false;
    }
    size_t entry = is_int ? header : header + len;
    size_t backlen = entry < 128 ? 1 : entry < 16384 ? 2 : entry < 2097152 ? 3
                   : entry < 268435456 ? 4 : 5;
    if (!need(entry + backlen)) return false;
    if (is_int)
      items->push_back(std::to_string(v));
    else
      items->emplace_back(blob.data() + pos + header, len);
    pos += entry + backlen;
  }
  return true;
}

// Redis's ziplist (RDB types 10-13 of Redis before 7.0).
bool ParseZiplist(const std::string& blob, std::vector<std::string>* items, std::string* error) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  size_t n = blob.size();
  if (n < 11 || ReadLe(p, 4) != n) {
    *error = "ziplist header does not match its size";
    return false;
  }
  size_t pos = 10;
  while (true) {
    if (pos >= n) {
      *error = "ziplist without end marker";
      return false;
    }
    if (p[pos] == 0xFF) break;
    size_t prevlen = p[pos] < 254 ? 1 : 5;
    pos += prevlen;
    if (pos >= n) {
      *error = "ziplist entry runs past the end";
      return false;
    }
    unsigned char e = p[pos];
    size_t header = 1, len = 0;
    bool is_int = true;
    int64_t v = 0;
    switch (e >> 6) {
      case 0:
        is_int = false;
        len = e & 0x3F;
        break;
      case 1:
        is_int = false;
        if (pos + 2 > n) len = n;  // truncated: fails below
        else len = (static_cast<size_t>(e & 0x3F) << 8) | p[pos + 1];
        header = 2;
        break;
      case 2:
        is_int = false;
        header = 5;
        if (pos + 5 > n) {
          len = n;  // truncated: fails below
          break;
        }
        len = (static_cast<size_t>(p[pos + 1]) << 24) | (static_cast<size_t>(p[pos + 2]) << 16) |
              (static_cast<size_t>(p[pos + 3]) << 8) | p[pos + 4];
        break;
      default: {
        int bytes = 0;
        if (e == 0xC0) bytes = 2;
        else if (e == 0xD0) bytes = 4;
        else if (e == 0xE0) bytes = 8;
        else if (e == 0xF0) bytes = 3;
        else if (e == 0xFE) bytes = 1;
        else if (e >= 0xF1 && e <= 0xFD) v = (e & 0x0F) - 1;
        else {
          *error = "unknown ziplist entry encoding";
          return false;
        }
        if (bytes > 0) {
          if (pos + 1 + static_cast<size_t>(bytes) > n) {
            *error = "ziplist entry runs past the end";
            return false;
          }
          v = SignExtend(ReadLe(p + pos + 1, bytes), bytes * 8);
          header = 1 + static_cast<size_t>(bytes);
        }
      }
    }
    size_t entry = is_int ? header : header + len;
    if (pos + entry > n) {
      *error = "ziplist entry runs past the end";
      return false;
    }
    if (is_int)
      items->push_back(std::to_string(v));
    else
      items->emplace_back(blob.data() + pos + header, len);
    pos += entry;
  }
  return true;
}

// A score stored as text (listpack / ziplist entries, RDB_TYPE_ZSET).
bool ParseScore(const std::string& text, double* score) {
  char* end = nullptr;
  *score = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && !text.empty() && !std::isnan(*score);
}

}  // namespace

bool SaveZSetValue(RdbOut& out, std::optional<std::string_view> key, const Collection& value) {
  const auto& z = static_cast<const ZSetValue&>(value);
  if (!WriteTypeAndKey(out, kRdbTypeZSet2, key) || !WriteLength(out, z.size()))
    return false;
  bool ok = true;
  if (z.size() == 0) return true;
  z.VisitRanks(0, z.size() - 1, /*reverse=*/true, [&](std::string_view m, double s) {
    ok = WriteString(out, m) && WriteBinaryDouble(out, s);
    return ok;
  });
  return ok;
}

Status LoadZSetValue(uint8_t rdb_type, RdbIn& in, Collection** out, const ZSetLimits& limits) {
  ZSetLimits build = limits;
  std::vector<ZItem> items;
  if (rdb_type == kRdbTypeZSet || rdb_type == kRdbTypeZSet2) {
    uint64_t len;
    if (!in.Length(&len)) return Status::Error(in.error());
    // Each element takes at least 2 bytes (ZSET) or 9 (ZSET_2): a declared
    // length beyond the bytes left is corrupt and must not size anything.
    items.reserve(static_cast<size_t>(std::min<uint64_t>(len, in.remaining() / 2)));
    for (uint64_t i = 0; i < len; ++i) {
      ZItem it;
      if (!in.String(&it.member)) return Status::Error(in.error());
      if (rdb_type == kRdbTypeZSet2) {
        if (!in.BinaryDouble(&it.score)) return Status::Error(in.error());
      } else {
        uint8_t n;
        if (!in.Byte(&n)) return Status::Error(in.error());
        if (n == 253) {
          it.score = NAN;
        } else if (n == 254 || n == 255) {
          it.score = n == 254 ? INFINITY : -INFINITY;
        } else {
          const char* p;
          if (!in.Bytes(n, &p)) return Status::Error(in.error());
          if (!ParseScore(std::string(p, n), &it.score))
            return Status::Error("zset score is not a number");
        }
      }
      if (std::isnan(it.score)) return Status::Error("zset with NAN score detected");
      items.push_back(std::move(it));
    }
  } else if (rdb_type == kRdbTypeZSetZiplist || rdb_type == kRdbTypeZSetListpack) {
    std::string blob, error;
    if (!in.String(&blob)) return Status::Error(in.error());
    std::vector<std::string> flat;
    bool parsed = rdb_type == kRdbTypeZSetZiplist ? ParseZiplist(blob, &flat, &error)
                                                  : ParseListpack(blob, &flat, &error);
    if (!parsed) return Status::Error(error);
    if (flat.size() % 2 != 0) return Status::Error("zset blob with an odd number of elements");
    for (size_t i = 0; i < flat.size(); i += 2) {
      ZItem it;
      it.member = std::move(flat[i]);
      if (!ParseScore(flat[i + 1], &it.score)) return Status::Error("zset score is not a number");
      items.push_back(std::move(it));
    }
    // Redis keeps a listpack blob compact whatever its members' lengths;
    // only the element count converts it.
    build.max_listpack_value = SIZE_MAX;
  } else {
    return Status::Error("unknown sorted set encoding");
  }
  if (items.empty()) return Status::Error("empty zset (Troupe does not load empty keys)");
  std::unordered_set<std::string_view> seen;
  seen.reserve(items.size());
  for (const ZItem& it : items)
    if (!seen.insert(it.member).second) return Status::Error("duplicate zset fields detected");
  *out = ZSetValue::FromItems(std::move(items), build);
  return Status::Ok();
}

}  // namespace troupe
