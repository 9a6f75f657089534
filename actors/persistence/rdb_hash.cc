// RDB codec of the hash type (see rdb_collections.h).
//
// Saving writes RDB_TYPE_HASH (4): the field count, then field and value as
// RDB strings, whatever the in-memory encoding (Redis loads it back as a
// listpack or a hashtable by its own thresholds). Loading reads every hash
// encoding Redis has written: 4 (plain), 9 (zipmap, Redis < 2.6), 13
// (ziplist, Redis < 7.0) and 16 (listpack, Redis 7.0), and picks the
// in-memory encoding as Redis's loader does, by the thresholds it is given
// (Redis's defaults at start-up, the config for RESTORE): plain
// hashes and zipmaps convert on either limit, ziplists and listpacks on the
// field count only. Blobs are bounds-checked
// and a field that appears twice is an error, as in Redis.
// Runs wherever rdb.cc does (the shard's thread, or a BGSAVE child); no CAF.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "actors/persistence/rdb_collections.h"
#include "actors/shard/types/hash_value.h"

namespace troupe {
namespace {

constexpr uint8_t kRdbTypeHash = 4;
constexpr uint8_t kRdbTypeHashZipmap = 9;
constexpr uint8_t kRdbTypeHashZiplist = 13;
constexpr uint8_t kRdbTypeHashListpack = 16;

uint32_t ReadLe32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

uint64_t ReadLe(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Sign-extends the low `bits` bits of v.
int64_t SignExtend(uint64_t v, int bits) {
  uint64_t m = 1ULL << (bits - 1);
  v &= (bits == 64) ? ~0ULL : ((1ULL << bits) - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// Bytes of a listpack entry's back-length field for an entry of `len` bytes.
size_t ListpackBacklenSize(uint64_t len) {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

// Decodes Redis's listpack `blob` into its elements (integers as decimal
// text). False with *error on a malformed blob.
bool ParseListpack(const std::string& blob, std::vector<std::string>* items, std::string* error) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  size_t size = blob.size();
  if (size < 7 || ReadLe32(p) != size) {
    *error = "listpack header does not match its size";
    return false;
  }
  size_t off = 6;
  for (;;) {
    if (off >= size) {
      *error = "listpack without terminator";
      return false;
    }
    unsigned char b = p[off];
    if (b == 0xFF) {
      if (off + 1 != size) {
        *error = "bytes after the listpack terminator";
        return false;
      }
      return true;
    }
    size_t entry_len = 0;  // encoding + data
    size_t str_off = 0, str_len = 0;
    bool is_int = true;
    int64_t v = 0;
    auto need = [&](size_t n) { return off + n <= size; };
    if ((b & 0x80) == 0) {
      v = b & 0x7F;
      entry_len = 1;
    } else if ((b & 0xC0) == 0x80) {
      is_int = false;
      str_len = b & 0x3F;
      str_off = off + 1;
      entry_len = 1 + str_len;
    } else if ((b & 0xE0) == 0xC0) {
      if (!need(2)) break;
      v = SignExtend((static_cast<uint64_t>(b & 0x1F) << 8) | p[off + 1], 13);
      entry_len = 2;
    } else if ((b & 0xF0) == 0xE0) {
      if (!need(2)) break;
      is_int = false;
      str_len = (static_cast<size_t>(b & 0x0F) << 8) | p[off + 1];
      str_off = off + 2;
      entry_len = 2 + str_len;
    } else if (b == 0xF0) {
      if (!need(5)) break;
      is_int = false;
      str_len = ReadLe32(p + off + 1);
      str_off = off + 5;
      entry_len = 5 + str_len;
    } else if (b >= 0xF1 && b <= 0xF4) {
      static constexpr int kBytes[] = {2, 3, 4, 8};
      int n = kBytes[b - 0xF1];
      if (!need(1 + n)) break;
      v = SignExtend(ReadLe(p + off + 1, n), n * 8);
      entry_len = 1 + n;
    } else {
      *error = "unknown listpack entry encoding";
      return false;
    }
    size_t total = entry_len + ListpackBacklenSize(entry_len);
    if (!need(total)) break;
    if (is_int)
      items->push_back(std::to_string(v));
    else
      items->emplace_back(blob.data() + str_off, str_len);
    off += total;
  }
  *error = "listpack entry runs past the end";
  return false;
}

// Decodes Redis's ziplist `blob` (RDB types 10-14 before Redis 7.0).
bool ParseZiplist(const std::string& blob, std::vector<std::string>* items, std::string* error) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  size_t size = blob.size();
  if (size < 11 || ReadLe32(p) != size) {
    *error = "ziplist header does not match its size";
    return false;
  }
  size_t off = 10;
  for (;;) {
    if (off >= size) break;
    if (p[off] == 0xFF) {
      if (off + 1 != size) {
        *error = "bytes after the ziplist terminator";
        return false;
      }
      return true;
    }
    off += p[off] < 254 ? 1 : 5;  // previous entry length
    if (off >= size) break;
    unsigned char b = p[off];
    size_t hdr = 1, len = 0;
    bool is_int = false, truncated = false;
    int64_t v = 0;
    switch (b >> 6) {
      case 0: len = b & 0x3F; break;
      case 1:
        if (off + 2 > size) {
          truncated = true;
          break;
        }
        hdr = 2;
        len = (static_cast<size_t>(b & 0x3F) << 8) | p[off + 1];
        break;
      case 2:
        if (off + 5 > size) {
          truncated = true;
          break;
        }
        hdr = 5;
        len = (static_cast<size_t>(p[off + 1]) << 24) | (p[off + 2] << 16) | (p[off + 3] << 8) |
              p[off + 4];
        break;
      default: {
        is_int = true;
        int n;  // integer bytes (0: a 4-bit immediate in the encoding byte)
        switch (b) {
          case 0xC0: n = 2; break;
          case 0xD0: n = 4; break;
          case 0xE0: n = 8; break;
          case 0xF0: n = 3; break;
          case 0xFE: n = 1; break;
          default:
            if (b < 0xF1 || b > 0xFD) {
              *error = "unknown ziplist entry encoding";
              return false;
            }
            n = 0;
        }
        if (off + 1 + n > size) {
          truncated = true;
          break;
        }
        v = n == 0 ? (b & 0x0F) - 1 : SignExtend(ReadLe(p + off + 1, n), n * 8);
        len = n;
      }
    }
    if (truncated || off + hdr + len > size) break;
    if (is_int)
      items->push_back(std::to_string(v));
    else
      items->emplace_back(blob.data() + off + hdr, len);
    off += hdr + len;
  }
  *error = "ziplist entry runs past the end";
  return false;
}

// Decodes a zipmap (RDB type 9) into alternating fields and values.
bool ParseZipmap(const std::string& blob, std::vector<std::string>* items, std::string* error) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  size_t size = blob.size(), off = 1;
  auto read_len = [&](size_t* len) {
    if (off >= size) return false;
    if (p[off] < 254) {
      *len = p[off++];
      return true;
    }
    if (p[off] != 254 || off + 5 > size) return false;
    *len = ReadLe32(p + off + 1);
    off += 5;
    return true;
  };
  for (;;) {
    if (off >= size) break;
    if (p[off] == 255) return off + 1 == size;
    size_t klen, vlen;
    if (!read_len(&klen) || off + klen > size) break;
    items->emplace_back(blob.data() + off, klen);
    off += klen;
    if (!read_len(&vlen) || off + 1 > size) break;
    size_t free_bytes = p[off++];
    if (off + vlen + free_bytes > size) break;
    items->emplace_back(blob.data() + off, vlen);
    off += vlen + free_bytes;
  }
  *error = "malformed zipmap";
  return false;
}

}  // namespace

bool SaveHashValue(RdbOut& out, std::optional<std::string_view> key, const Collection& value) {
  const auto& h = static_cast<const HashValue&>(value);
  if (!WriteTypeAndKey(out, kRdbTypeHash, key) || !WriteLength(out, h.size()))
    return false;
  bool ok = true;
  h.ForEach([&](std::string_view f, std::string_view v) {
    ok = ok && WriteString(out, f) && WriteString(out, v);
  });
  return ok;
}

Status LoadHashValue(uint8_t rdb_type, RdbIn& in, Collection** out, const HashLimits& limits) {
  auto h = std::make_unique<HashValue>();
  auto add = [&](const std::string& f, const std::string& v) {
    if (h->Contains(f)) return false;
    h->Set(f, v, limits);
    return true;
  };
  if (rdb_type == kRdbTypeHash) {
    uint64_t len;
    if (!in.Length(&len)) return Status::Error(in.error());
    if (len > limits.max_entries) h->ConvertToTable();
    std::string f, v;
    for (uint64_t i = 0; i < len; ++i) {
      if (!in.String(&f) || !in.String(&v)) return Status::Error(in.error());
      if (!add(f, v)) return Status::Error("duplicate hash fields detected");
    }
  } else if (rdb_type == kRdbTypeHashZipmap || rdb_type == kRdbTypeHashZiplist ||
             rdb_type == kRdbTypeHashListpack) {
    std::string blob, error;
    if (!in.String(&blob)) return Status::Error(in.error());
    std::vector<std::string> items;
    bool parsed = rdb_type == kRdbTypeHashZipmap    ? ParseZipmap(blob, &items, &error)
                  : rdb_type == kRdbTypeHashZiplist ? ParseZiplist(blob, &items, &error)
                                                    : ParseListpack(blob, &items, &error);
    if (!parsed) return Status::Error(error);
    if (items.size() % 2 != 0) return Status::Error("hash blob with an odd number of elements");
    if (items.size() / 2 > limits.max_entries) h->ConvertToTable();
    // Redis keeps a ziplist or listpack hash compact whatever the length of
    // its values (only the field count converts it); a zipmap converts on
    // either.
    HashLimits blob_limits = limits;
    if (rdb_type != kRdbTypeHashZipmap) blob_limits.max_value = SIZE_MAX;
    for (size_t i = 0; i < items.size(); i += 2) {
      if (h->Contains(items[i])) return Status::Error("duplicate hash fields detected");
      h->Set(items[i], items[i + 1], blob_limits);
    }
  } else {
    return Status::Error("unknown hash encoding");
  }
  if (h->size() == 0) return Status::Error("empty hash (Troupe does not load empty keys)");
  *out = h.release();
  return Status::Ok();
}

}  // namespace troupe
