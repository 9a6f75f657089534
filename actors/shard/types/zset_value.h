// ZSetValue: the value of a sorted-set key — members ordered by (score,
// member bytes), each member once — in one of Redis's two encodings:
//
//   listpack  one allocation holding the object and a packed run of
//             entries [varint length][member bytes][score], sorted; used
//             while the set has at most zset-max-listpack-entries members
//             of at most zset-max-listpack-value bytes (OBJECT ENCODING
//             "listpack"). Scores take 1 byte for 0..239, 2-5 bytes for
//             other 32-bit integers and 9 bytes otherwise.
//   skiplist  a skiplist with spans (O(log n) rank, Pugh's algorithm as
//             Redis uses it) whose nodes hold the member inline, plus an
//             intrusive member -> node hash table for O(1) ZSCORE and
//             Redis's reverse-binary ZSCAN cursor ("skiplist").
//
// Like Redis, a set only ever converts from listpack to skiplist when it
// grows past a limit; the STORE commands build their result in whichever
// encoding fits (CompactIfSmall). Range operations follow Redis's algorithms
// per encoding, so that lexicographic ranges over members with different
// scores (which Redis leaves unspecified) give Redis's answers too.
//
// Users: the sorted-set commands (actors/shard/commands/zset_family.cc) and
// the RDB codec (actors/persistence/rdb_zset.cc). Plain data structure; no
// CAF header; single-threaded (the shard's multiplexer thread).
//
// Growing a listpack reallocates the whole object, so operations that may
// grow or convert a set take a ZSetValue** and may replace it; the caller
// stores the new pointer back where it keeps the value (the key's Entry).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/shard/keyspace/entry.h"

namespace troupe {

// A non-owning reference to a callable, for visitors that must not
// allocate (std::function may). The callable must outlive the call.
template <class Sig>
class FnRef;
template <class R, class... Args>
class FnRef<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FnRef>>>
  FnRef(F&& f)  // NOLINT: implicit by design, like std::function
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, Args... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(a)...);
        }) {}
  R operator()(Args... a) const { return call_(obj_, std::forward<Args>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
};

// A score interval as ZRANGEBYSCORE takes it: "1.5", "(1.5", "-inf", "+inf".
struct ZScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;  // exclusive ends ("(")

  bool AboveMin(double v) const { return minex ? v > min : v >= min; }
  bool BelowMax(double v) const { return maxex ? v < max : v <= max; }
  bool Empty() const { return min > max || (min == max && (minex || maxex)); }
};

// One end of a member interval as ZRANGEBYLEX takes it: "[a", "(a", "-", "+".
struct ZLexBound {
  enum Kind : uint8_t { kValue, kMinusInf, kPlusInf };
  Kind kind = kValue;
  bool exclusive = false;
  std::string value;
};

struct ZLexRange {
  ZLexBound min, max;

  bool AboveMin(std::string_view v) const;
  bool BelowMax(std::string_view v) const;
  bool Empty() const;
};

// Redis's parsers for range arguments (zslParseRange, zslParseLexRange):
// false on "ERR min or max is not a float" / "... not valid string range item".
bool ParseZScoreRange(std::string_view min, std::string_view max, ZScoreRange* out);
bool ParseZLexRange(std::string_view min, std::string_view max, ZLexRange* out);

// ZADD's input flags and Add's result bits.
enum ZAddFlag : uint32_t {
  kZAddIncr = 1u << 0,  // INCR: score is an increment
  kZAddNx = 1u << 1,    // only add new members
  kZAddXx = 1u << 2,    // only update existing members
  kZAddGt = 1u << 3,    // update only to a greater score
  kZAddLt = 1u << 4,    // update only to a lower score
};
enum ZAddResult : uint32_t {
  kZAddNop = 1u << 0,      // nothing done because of NX/XX/GT/LT
  kZAddNan = 1u << 1,      // the increment gave NaN: nothing done
  kZAddAdded = 1u << 2,    // a new member
  kZAddUpdated = 1u << 3,  // an existing member's score changed
};

// The listpack limits (zset-max-listpack-entries / -value).
struct ZSetLimits {
  size_t max_listpack_entries = 128;
  size_t max_listpack_value = 64;
};

// An element copied out of a set.
struct ZItem {
  std::string member;
  double score = 0;
};

class ZSetValue : public Collection {
 public:
  // Visitors get each element in turn and return false to stop. The member
  // view is valid only during the call.
  using Visitor = FnRef<bool(std::string_view member, double score)>;

  // A new empty set as ZADD creates it: skiplist when the limits allow no
  // listpack or the first member is too long for one, else a listpack with
  // room for `reserve_bytes` of entries (see EntryBytes).
  static ZSetValue* Create(const ZSetLimits& limits, size_t first_member_len,
                           size_t reserve_bytes = 0);
  static ZSetValue* CreateListpack(size_t reserve_bytes = 0);
  static ZSetValue* CreateSkiplist();
  // A set holding `items` (any order, members distinct), in the encoding
  // the STORE commands and RDB loading pick: listpack when it fits the
  // limits, else skiplist.
  static ZSetValue* FromItems(std::vector<ZItem> items, const ZSetLimits& limits);
  // Bytes one element takes in a listpack (for reserve_bytes).
  static size_t EntryBytes(std::string_view member, double score);

  // True for the listpack encoding, false for the skiplist.
  virtual bool is_listpack() const = 0;
  virtual size_t size() const = 0;
  // The member's score; false when absent.
  virtual bool Score(std::string_view member, double* score) const = 0;
  // 0-based rank in ascending order; -1 when absent.
  virtual int64_t Rank(std::string_view member) const = 0;

  // Visits ranks start..end (0-based, inclusive, end < size()), counted
  // from the lowest score, or from the highest when `reverse`, in that
  // order.
  virtual void VisitRanks(size_t start, size_t end, bool reverse, Visitor fn) const = 0;
  // ZRANGEBYSCORE: from the first element in range (the last when
  // `reverse`), skips `offset` elements (all of them when negative), then
  // visits at most `limit` (no bound when negative) while they are in range.
  virtual void VisitScoreRange(const ZScoreRange& range, bool reverse, int64_t offset,
                               int64_t limit, Visitor fn) const = 0;
  // ZRANGEBYLEX, the same way.
  virtual void VisitLexRange(const ZLexRange& range, bool reverse, int64_t offset, int64_t limit,
                             Visitor fn) const = 0;
  virtual size_t CountScoreRange(const ZScoreRange& range) const = 0;
  virtual size_t CountLexRange(const ZLexRange& range) const = 0;
  // Every element in ascending order.
  void ForEach(Visitor fn) const {
    if (size() > 0) VisitRanks(0, size() - 1, false, fn);
  }
  // The element at ascending rank `rank` (< size()).
  virtual void At(size_t rank, Visitor fn) const = 0;

  // One ZSCAN call: visits elements from `cursor` on (a listpack visits
  // all at once); returns the next cursor, 0 at the end.
  virtual uint64_t Scan(uint64_t cursor, size_t count, Visitor fn) const = 0;

  // Removals; none of them moves the value.
  virtual bool Remove(std::string_view member) = 0;
  // Removes ascending ranks start..end (inclusive, end < size()).
  virtual size_t RemoveRanks(size_t start, size_t end) = 0;
  virtual size_t RemoveScoreRange(const ZScoreRange& range) = 0;
  virtual size_t RemoveLexRange(const ZLexRange& range) = 0;
  // Removes the lowest (highest) element and returns it; false when empty.
  virtual bool PopEnd(bool highest, std::string* member, double* score) = 0;

  // ZADD for one element: adds `member` or changes its score under `flags`
  // (ZAddFlag), converting to a skiplist when the set outgrows `limits`.
  // Returns ZAddResult bits; *newscore is the member's score afterwards
  // (when neither Nop nor Nan). `member` must not point into *z. May
  // replace *z.
  static uint32_t Add(ZSetValue** z, std::string_view member, double score, uint32_t flags,
                      double* newscore, const ZSetLimits& limits);
  // Converts to the skiplist encoding. May replace *z.
  static void ConvertToSkiplist(ZSetValue** z);
  // Converts a skiplist that fits `limits` to a listpack. May replace *z.
  static void CompactIfSmall(ZSetValue** z, const ZSetLimits& limits);

  // All elements in ascending order, copied.
  std::vector<ZItem> Items() const;

};

}  // namespace troupe
