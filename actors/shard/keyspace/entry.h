// Entry: one key of the keyspace in a single heap allocation.
//
// Layout (bytes):  [header 24][expire_ms 8, only if has_expire][key][value]
// where value is the string's bytes for strings, or a Collection* for the
// other types. One allocation per key keeps small keys compact (a 16-byte key
// with a 16-byte value is one 64-byte malloc chunk; Redis spends three
// allocations on it). Entries are owned by Dict; they may be reallocated when
// a value grows or an expire is added, so nobody keeps an Entry* across a
// keyspace mutation. Plain data structure; no CAF header; single-threaded
// (the shard's thread).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace troupe {

// Redis's object type numbers (OBJ_STRING = 0 ...), used by TYPE and RDB.
enum class ObjType : uint8_t {
  kString = 0,  // bytes stored inline
  kList = 1,    // Collection*
  kSet = 2,     // Collection*
  kZSet = 3,    // Collection*
  kHash = 4,    // Collection*
  kStream = 6,  // Collection*
};

// Base class of the non-string values (lists, sets, hashes, ...).
class Collection {
 public:
  virtual ~Collection() = default;
  // Approximate heap bytes held by the value (MEMORY USAGE).
  virtual size_t MemoryUsage() const = 0;
  // A deep copy (COPY).
  virtual Collection* Clone() const = 0;
  // OBJECT ENCODING name of the current representation ("listpack", ...).
  virtual const char* Encoding() const = 0;
};

struct Entry {
  Entry* next;        // chain link in the Dict bucket
  uint32_t hash;      // low 32 bits of the key hash (cheap compare, rehash)
  uint32_t key_len;   // key bytes
  uint32_t val_len;   // string value bytes (0 for collections)
  uint32_t meta;      // bits 0-3 type, 4 has_expire, 5-7 encoding hints, 8-31 LRU clock

  static constexpr uint32_t kTypeMask = 0xF;
  static constexpr uint32_t kHasExpire = 0x10;
  // The string was modified in place (APPEND, SETRANGE, SETBIT...), which
  // Redis reports as the "raw" encoding whatever its length.
  static constexpr uint32_t kRawString = 0x20;
  // The value is a private copy (COPY): Redis's shared small integers do
  // not apply, OBJECT REFCOUNT is 1.
  static constexpr uint32_t kUnshared = 0x40;
  // The value was built as a plain string (INCRBYFLOAT): never reported
  // as the "int" encoding, whatever it looks like.
  static constexpr uint32_t kNoIntEncoding = 0x80;
  // Encoding bits that follow a value when its entry is copied or renamed.
  static constexpr uint32_t kValueBits = kRawString | kUnshared | kNoIntEncoding;
  static constexpr uint32_t kLruShift = 8;
  static constexpr uint32_t kLruMask = 0xFFFFFF;

  ObjType type() const { return static_cast<ObjType>(meta & kTypeMask); }
  bool has_expire() const { return (meta & kHasExpire) != 0; }
  bool raw_string() const { return (meta & kRawString) != 0; }
  bool unshared() const { return (meta & kUnshared) != 0; }
  bool no_int_encoding() const { return (meta & kNoIntEncoding) != 0; }
  uint32_t lru() const { return meta >> kLruShift; }
  void set_lru(uint32_t seconds) { meta = (meta & 0xFF) | ((seconds & kLruMask) << kLruShift); }

  size_t header_size() const { return sizeof(Entry) + (has_expire() ? sizeof(int64_t) : 0); }
  int64_t expire_ms() const {
    if (!has_expire()) return -1;
    int64_t v;
    std::memcpy(&v, reinterpret_cast<const char*>(this) + sizeof(Entry), sizeof(v));
    return v;
  }
  void set_expire_ms_in_place(int64_t v) {  // only when has_expire()
    std::memcpy(reinterpret_cast<char*>(this) + sizeof(Entry), &v, sizeof(v));
  }
  const char* key_data() const { return reinterpret_cast<const char*>(this) + header_size(); }
  std::string_view key() const { return {key_data(), key_len}; }
  char* value_data() { return reinterpret_cast<char*>(this) + header_size() + key_len; }
  const char* value_data() const { return reinterpret_cast<const char*>(this) + header_size() + key_len; }
  // The string value (type() == kString).
  std::string_view str() const { return {value_data(), val_len}; }
  // The collection (type() != kString).
  Collection* collection() const {
    Collection* c;
    std::memcpy(&c, value_data(), sizeof(c));
    return c;
  }
};
static_assert(sizeof(Entry) == 24, "Entry header must stay 24 bytes");

// Allocation and release of entries (entry.cc).
namespace entry {
// Bytes needed for an entry with these parts.
inline size_t SizeFor(bool has_expire, size_t key_len, size_t value_bytes) {
  return sizeof(Entry) + (has_expire ? sizeof(int64_t) : 0) + key_len + value_bytes;
}
// A new string entry (value copied). `capacity` >= value.size() reserves room
// for growth (APPEND). lru is the LRU clock to stamp.
Entry* NewString(std::string_view key, uint32_t hash, std::string_view value, int64_t expire_ms,
                 size_t capacity, uint32_t lru);
// A new collection entry that takes ownership of `c`.
Entry* NewCollection(std::string_view key, uint32_t hash, ObjType type, Collection* c,
                     int64_t expire_ms, uint32_t lru);
// Frees the entry and its collection, if any.
void Free(Entry* e);
// Frees the entry's memory only (its collection moved elsewhere).
void FreeShell(Entry* e);
// Bytes usable for the string value without reallocating.
size_t StringCapacity(const Entry* e);
// Heap bytes held by the entry, including its collection (MEMORY USAGE).
size_t MemoryUsage(const Entry* e);
// A copy of `e` with a different expire (-1 = none); the collection, if
// any, is shared: the caller unlinks `e` and releases it with FreeShell.
Entry* WithExpire(Entry* e, int64_t expire_ms);
// String entry `e` with room for new_len bytes (content kept up to
// min(old, new), the rest zero-filled): `e` itself when it has the room,
// else a copy, and the caller releases `e` with FreeShell. `greedy`
// over-allocates for repeated appends.
Entry* ResizeString(Entry* e, size_t new_len, bool greedy);
}  // namespace entry

}  // namespace troupe
