// Implementation of ZSetValue (see zset_value.h): the listpack encoding
// (ZSetListpack), the skiplist encoding (ZSetSkiplist) and the range
// parsers. Plain C++; single-threaded (the shard's multiplexer thread).
#include "actors/shard/types/zset_value.h"

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>

#include "actors/shard/keyspace/dict.h"

namespace troupe {

// ---------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------

namespace {

// Redis's sdscmplex: the "-" and "+" bounds sort below and above every
// string.
int CompareLex(const ZLexBound& a, const ZLexBound& b) {
  if (a.kind == b.kind && a.kind != ZLexBound::kValue) return 0;
  if (a.kind == ZLexBound::kMinusInf || b.kind == ZLexBound::kPlusInf) return -1;
  if (a.kind == ZLexBound::kPlusInf || b.kind == ZLexBound::kMinusInf) return 1;
  int c = a.value.compare(b.value);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// A member compared with a bound: <0, 0, >0.
int CompareToBound(std::string_view v, const ZLexBound& b) {
  if (b.kind == ZLexBound::kPlusInf) return -1;
  if (b.kind == ZLexBound::kMinusInf) return 1;
  int c = v.compare(b.value);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// strtod over the whole (NUL-terminated) text, as zslParseRange: leading
// blanks, hex and "inf" pass; trailing bytes and NaN do not; an empty text
// is 0.
bool ParseRangeDouble(const std::string& text, double* out) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseScoreBound(std::string_view arg, double* value, bool* exclusive) {
  *exclusive = !arg.empty() && arg[0] == '(';
  if (*exclusive) arg.remove_prefix(1);
  return ParseRangeDouble(std::string(arg), value);
}

bool ParseLexBound(std::string_view arg, ZLexBound* b) {
  if (arg.empty()) return false;
  switch (arg[0]) {
    case '+':
    case '-':
      // Redis tests the byte after the sign against '\0' (a C string).
      if (arg.size() > 1 && arg[1] != '\0') return false;
      b->kind = arg[0] == '+' ? ZLexBound::kPlusInf : ZLexBound::kMinusInf;
      b->exclusive = true;
      b->value.clear();
      return true;
    case '(':
    case '[':
      b->kind = ZLexBound::kValue;
      b->exclusive = arg[0] == '(';
      b->value.assign(arg.substr(1));
      return true;
    default:
      return false;
  }
}

}  // namespace

bool ZLexRange::AboveMin(std::string_view v) const {
  int c = CompareToBound(v, min);
  return min.exclusive ? c > 0 : c >= 0;
}

bool ZLexRange::BelowMax(std::string_view v) const {
  int c = CompareToBound(v, max);
  return max.exclusive ? c < 0 : c <= 0;
}

bool ZLexRange::Empty() const {
  int c = CompareLex(min, max);
  return c > 0 || (c == 0 && (min.exclusive || max.exclusive));
}

bool ParseZScoreRange(std::string_view min, std::string_view max, ZScoreRange* out) {
  return ParseScoreBound(min, &out->min, &out->minex) &&
         ParseScoreBound(max, &out->max, &out->maxex);
}

bool ParseZLexRange(std::string_view min, std::string_view max, ZLexRange* out) {
  return ParseLexBound(min, &out->min) && ParseLexBound(max, &out->max);
}

// ---------------------------------------------------------------------------
// Listpack encoding
// ---------------------------------------------------------------------------

namespace {

// A listpack never grows past this (Redis's lpSafeToAdd limit, 1 GB): a
// set that would is converted to a skiplist.
constexpr size_t kMaxListpackBytes = size_t{1} << 30;

// Score tags: a first byte below kTagInt8 is the score itself (0..239).
constexpr uint8_t kTagInt8 = 0xF0;    // int8 follows
constexpr uint8_t kTagInt16 = 0xF1;   // int16, little endian
constexpr uint8_t kTagInt32 = 0xF2;   // int32, little endian
constexpr uint8_t kTagDouble = 0xF3;  // IEEE double, little endian

size_t VarintSize(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

uint8_t* PutVarint(uint8_t* p, size_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

const uint8_t* GetVarint(const uint8_t* p, size_t* v) {
  size_t r = 0;
  int shift = 0;
  while (*p & 0x80) {
    r |= static_cast<size_t>(*p++ & 0x7F) << shift;
    shift += 7;
  }
  *v = r | (static_cast<size_t>(*p++) << shift);
  return p;
}

// The score as a 32-bit integer when it is one. -0 counts as 0: Redis's
// listpack stores integral scores as integers, so -0 loses its sign there
// (ZSCORE answers "0"; a skiplist keeps "-0").
bool ScoreAsInt(double s, int32_t* v) {
  if (!(s >= -2147483648.0 && s <= 2147483647.0)) return false;
  int32_t i = static_cast<int32_t>(s);
  if (static_cast<double>(i) != s) return false;
  *v = i;
  return true;
}

size_t ScoreSize(double s) {
  int32_t i;
  if (!ScoreAsInt(s, &i)) return 9;
  if (i >= 0 && i < kTagInt8) return 1;
  if (i >= INT8_MIN && i <= INT8_MAX) return 2;
  if (i >= INT16_MIN && i <= INT16_MAX) return 3;
  return 5;
}

uint8_t* PutScore(uint8_t* p, double s) {
  int32_t i;
  if (!ScoreAsInt(s, &i)) {
    *p++ = kTagDouble;
    std::memcpy(p, &s, 8);
    return p + 8;
  }
  if (i >= 0 && i < kTagInt8) {
    *p++ = static_cast<uint8_t>(i);
  } else if (i >= INT8_MIN && i <= INT8_MAX) {
    *p++ = kTagInt8;
    *p++ = static_cast<uint8_t>(static_cast<int8_t>(i));
  } else if (i >= INT16_MIN && i <= INT16_MAX) {
    *p++ = kTagInt16;
    int16_t v = static_cast<int16_t>(i);
    std::memcpy(p, &v, 2);
    p += 2;
  } else {
    *p++ = kTagInt32;
    std::memcpy(p, &i, 4);
    p += 4;
  }
  return p;
}

size_t ScoreBytesAt(const uint8_t* p) {
  uint8_t t = *p;
  if (t < kTagInt8) return 1;
  switch (t) {
    case kTagInt8: return 2;
    case kTagInt16: return 3;
    case kTagInt32: return 5;
    default: return 9;
  }
}

double GetScore(const uint8_t* p) {
  uint8_t t = *p;
  if (t < kTagInt8) return t;
  switch (t) {
    case kTagInt8: return static_cast<int8_t>(p[1]);
    case kTagInt16: {
      int16_t v;
      std::memcpy(&v, p + 1, 2);
      return v;
    }
    case kTagInt32: {
      int32_t v;
      std::memcpy(&v, p + 1, 4);
      return v;
    }
    default: {
      double d;
      std::memcpy(&d, p + 1, 8);
      return d;
    }
  }
}

// One decoded entry.
struct LpEntry {
  std::string_view member;
  double score;
  const uint8_t* start;  // first byte of the entry
  const uint8_t* next;   // first byte after it
};

const uint8_t* DecodeEntry(const uint8_t* p, LpEntry* e) {
  e->start = p;
  size_t len;
  p = GetVarint(p, &len);
  e->member = std::string_view(reinterpret_cast<const char*>(p), len);
  p += len;
  e->score = GetScore(p);
  e->next = p + ScoreBytesAt(p);
  return e->next;
}

// (score, member) order, as the skiplist compares.
bool Less(double s1, std::string_view m1, double s2, std::string_view m2) {
  return s1 < s2 || (s1 == s2 && m1.compare(m2) < 0);
}

// Random source of skiplist levels and random picks inside the values.
uint64_t NextRandom() {
  static uint64_t state = [] {
    std::random_device rd;
    uint64_t s = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    return s ? s : 0x9E3779B97F4A7C15ULL;
  }();
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

}  // namespace

// The listpack: this object and its entries in one allocation
// (header 16 bytes: vtable pointer, bytes used, element count).
class ZSetListpack final : public ZSetValue {
 public:
  static ZSetListpack* New(size_t capacity) {
    void* mem = std::malloc(sizeof(ZSetListpack) + capacity);
    if (mem == nullptr) throw std::bad_alloc();
    return new (mem) ZSetListpack();
  }
  static void operator delete(void* p) { std::free(p); }

  bool is_listpack() const override { return true; }
  size_t size() const override { return count_; }
  const char* Encoding() const override { return "listpack"; }
  size_t MemoryUsage() const override {
    return malloc_usable_size(const_cast<ZSetListpack*>(this));
  }
  Collection* Clone() const override {
    ZSetListpack* c = New(used_);
    std::memcpy(c->data(), data(), used_);
    c->used_ = used_;
    c->count_ = count_;
    return c;
  }

  bool Score(std::string_view member, double* score) const override {
    LpEntry e;
    if (!Find(member, &e)) return false;
    *score = e.score;
    return true;
  }

  int64_t Rank(std::string_view member) const override {
    const uint8_t* p = data();
    const uint8_t* end = p + used_;
    for (int64_t rank = 0; p < end; ++rank) {
      size_t len;
      const uint8_t* m = GetVarint(p, &len);
      if (len == member.size() && std::memcmp(m, member.data(), len) == 0) return rank;
      p = m + len;
      p += ScoreBytesAt(p);
    }
    return -1;
  }

  void VisitRanks(size_t start, size_t end, bool reverse, Visitor fn) const override {
    if (!reverse) {
      const uint8_t* p = data();
      LpEntry e;
      for (size_t i = 0; i <= end; ++i) {
        p = DecodeEntry(p, &e);
        if (i >= start && !fn(e.member, e.score)) return;
      }
      return;
    }
    std::vector<LpEntry> all = Entries();
    for (size_t r = start; r <= end; ++r) {
      const LpEntry& e = all[all.size() - 1 - r];
      if (!fn(e.member, e.score)) return;
    }
  }

  void At(size_t rank, Visitor fn) const override { VisitRanks(rank, rank, false, fn); }

  void VisitScoreRange(const ZScoreRange& range, bool reverse, int64_t offset, int64_t limit,
                       Visitor fn) const override {
    std::vector<LpEntry> all = Entries();
    size_t first;
    if (!FirstInScoreRange(all, range, reverse, &first)) return;
    Walk(all, first, reverse, offset, limit,
         [&](const LpEntry& e) { return reverse ? range.AboveMin(e.score) : range.BelowMax(e.score); },
         fn);
  }

  void VisitLexRange(const ZLexRange& range, bool reverse, int64_t offset, int64_t limit,
                     Visitor fn) const override {
    std::vector<LpEntry> all = Entries();
    size_t first;
    if (!FirstInLexRange(all, range, reverse, &first)) return;
    Walk(all, first, reverse, offset, limit,
         [&](const LpEntry& e) { return reverse ? range.AboveMin(e.member) : range.BelowMax(e.member); },
         fn);
  }

  size_t CountScoreRange(const ZScoreRange& range) const override {
    std::vector<LpEntry> all = Entries();
    size_t first, n = 0;
    if (!FirstInScoreRange(all, range, false, &first)) return 0;
    while (first + n < all.size() && range.BelowMax(all[first + n].score)) ++n;
    return n;
  }

  size_t CountLexRange(const ZLexRange& range) const override {
    std::vector<LpEntry> all = Entries();
    size_t first, n = 0;
    if (!FirstInLexRange(all, range, false, &first)) return 0;
    while (first + n < all.size() && range.BelowMax(all[first + n].member)) ++n;
    return n;
  }

  uint64_t Scan(uint64_t, size_t, Visitor fn) const override {
    ForEach(fn);
    return 0;
  }

  bool Remove(std::string_view member) override {
    LpEntry e;
    if (!Find(member, &e)) return false;
    Erase(e.start, e.next, 1);
    return true;
  }

  size_t RemoveRanks(size_t start, size_t end) override {
    const uint8_t* p = data();
    const uint8_t* from = nullptr;
    LpEntry e;
    for (size_t i = 0; i <= end; ++i) {
      if (i == start) from = p;
      p = DecodeEntry(p, &e);
    }
    Erase(from, p, end - start + 1);
    return end - start + 1;
  }

  size_t RemoveScoreRange(const ZScoreRange& range) override {
    std::vector<LpEntry> all = Entries();
    size_t first, n = 0;
    if (!FirstInScoreRange(all, range, false, &first)) return 0;
    while (first + n < all.size() && range.BelowMax(all[first + n].score)) ++n;
    Erase(all[first].start, all[first + n - 1].next, n);
    return n;
  }

  size_t RemoveLexRange(const ZLexRange& range) override {
    std::vector<LpEntry> all = Entries();
    size_t first, n = 0;
    if (!FirstInLexRange(all, range, false, &first)) return 0;
    while (first + n < all.size() && range.BelowMax(all[first + n].member)) ++n;
    Erase(all[first].start, all[first + n - 1].next, n);
    return n;
  }

  bool PopEnd(bool highest, std::string* member, double* score) override {
    if (count_ == 0) return false;
    const uint8_t* p = data();
    LpEntry e;
    DecodeEntry(p, &e);
    for (size_t i = 1; highest && i < count_; ++i) DecodeEntry(e.next, &e);
    member->assign(e.member);
    *score = e.score;
    Erase(e.start, e.next, 1);
    return true;
  }

  // Finds `member`; *e describes its entry.
  bool Find(std::string_view member, LpEntry* e) const {
    const uint8_t* p = data();
    const uint8_t* end = p + used_;
    while (p < end) {
      size_t len;
      const uint8_t* m = GetVarint(p, &len);
      const uint8_t* s = m + len;
      if (len == member.size() && std::memcmp(m, member.data(), len) == 0) {
        e->start = p;
        e->member = std::string_view(reinterpret_cast<const char*>(m), len);
        e->score = GetScore(s);
        e->next = s + ScoreBytesAt(s);
        return true;
      }
      p = s + ScoreBytesAt(s);
    }
    return false;
  }

  // Inserts a member known to be absent, keeping the order; may move the
  // object (returns the one to use).
  static ZSetListpack* Insert(ZSetListpack* lp, std::string_view member, double score) {
    size_t need = VarintSize(member.size()) + member.size() + ScoreSize(score);
    // Where it goes: before the first entry that sorts after it.
    const uint8_t* p = lp->data();
    const uint8_t* end = p + lp->used_;
    LpEntry e;
    while (p < end) {
      DecodeEntry(p, &e);
      if (Less(score, member, e.score, e.member)) break;
      p = e.next;
    }
    size_t at = static_cast<size_t>(p - lp->data());
    lp = Reserve(lp, lp->used_ + need);
    uint8_t* base = lp->data();
    std::memmove(base + at + need, base + at, lp->used_ - at);
    uint8_t* w = PutVarint(base + at, member.size());
    if (!member.empty()) std::memcpy(w, member.data(), member.size());
    PutScore(w + member.size(), score);
    lp->used_ += static_cast<uint32_t>(need);
    ++lp->count_;
    return lp;
  }

  // Appends an entry that sorts after every present one (bulk building).
  void AppendUnchecked(std::string_view member, double score) {
    uint8_t* w = PutVarint(data() + used_, member.size());
    if (!member.empty()) std::memcpy(w, member.data(), member.size());
    w = PutScore(w + member.size(), score);
    used_ = static_cast<uint32_t>(w - data());
    ++count_;
  }

  // Removes the bytes [from, to) holding `n` entries.
  void Erase(const uint8_t* from, const uint8_t* to, size_t n) {
    uint8_t* f = const_cast<uint8_t*>(from);
    size_t tail = static_cast<size_t>(data() + used_ - to);
    std::memmove(f, to, tail);
    used_ -= static_cast<uint32_t>(to - from);
    count_ -= static_cast<uint32_t>(n);
  }

  // `lp` with room for `bytes` of entries: itself, or a copy (the old one
  // is freed).
  static ZSetListpack* Reserve(ZSetListpack* lp, size_t bytes) {
    if (bytes <= lp->capacity()) return lp;
    ZSetListpack* n = New(bytes);
    std::memcpy(n->data(), lp->data(), lp->used_);
    n->used_ = lp->used_;
    n->count_ = lp->count_;
    delete lp;
    return n;
  }

  size_t capacity() const {
    return malloc_usable_size(const_cast<ZSetListpack*>(this)) - sizeof(ZSetListpack);
  }
  size_t used() const { return used_; }

  std::vector<LpEntry> Entries() const {
    std::vector<LpEntry> all(count_);
    const uint8_t* p = data();
    for (uint32_t i = 0; i < count_; ++i) p = DecodeEntry(p, &all[i]);
    return all;
  }

 private:
  ZSetListpack() = default;

  uint8_t* data() { return reinterpret_cast<uint8_t*>(this + 1); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this + 1); }

  // zzlFirstInRange / zzlLastInRange and their lexicographic twins: the
  // index of the first (last, when `reverse`) element in range; `field`
  // picks what the range compares (the score or the member).
  template <class Range, class Field>
  static bool FirstInRange(const std::vector<LpEntry>& all, const Range& range, bool reverse,
                           size_t* at, Field field) {
    if (all.empty() || range.Empty()) return false;
    if (!range.AboveMin(field(all.back())) || !range.BelowMax(field(all.front()))) return false;
    if (!reverse) {
      for (size_t i = 0; i < all.size(); ++i)
        if (range.AboveMin(field(all[i]))) {
          *at = i;
          return range.BelowMax(field(all[i]));
        }
    } else {
      for (size_t i = all.size(); i-- > 0;)
        if (range.BelowMax(field(all[i]))) {
          *at = i;
          return range.AboveMin(field(all[i]));
        }
    }
    return false;
  }
  static bool FirstInScoreRange(const std::vector<LpEntry>& all, const ZScoreRange& range,
                                bool reverse, size_t* at) {
    return FirstInRange(all, range, reverse, at, [](const LpEntry& e) { return e.score; });
  }
  static bool FirstInLexRange(const std::vector<LpEntry>& all, const ZLexRange& range,
                              bool reverse, size_t* at) {
    return FirstInRange(all, range, reverse, at,
                        [](const LpEntry& e) -> const auto& { return e.member; });
  }

  // From index `first`, skips `offset` entries, then visits up to `limit`
  // while `in_range` holds.
  template <class InRange>
  static void Walk(const std::vector<LpEntry>& all, size_t first, bool reverse, int64_t offset,
                   int64_t limit, InRange in_range, Visitor fn) {
    if (offset < 0) return;
    int64_t i = static_cast<int64_t>(first);
    int64_t n = static_cast<int64_t>(all.size());
    i += reverse ? -offset : offset;
    for (; i >= 0 && i < n && limit != 0; i += reverse ? -1 : 1, --limit) {
      const LpEntry& e = all[static_cast<size_t>(i)];
      if (!in_range(e)) return;
      if (!fn(e.member, e.score)) return;
    }
  }

  uint32_t used_ = 0;   // bytes of entries
  uint32_t count_ = 0;  // elements
};

static_assert(sizeof(ZSetListpack) == 16, "listpack header must stay 16 bytes");

// ---------------------------------------------------------------------------
// Skiplist encoding
// ---------------------------------------------------------------------------

namespace {

constexpr int kMaxLevel = 32;

// A skiplist node: header, `height` levels, then the member's bytes.
struct ZNode {
  double score;
  ZNode* backward;
  ZNode* hnext;  // next node in the same hash bucket
  uint32_t len;
  uint32_t height;

  struct Level {
    ZNode* forward;
    size_t span;  // elements crossed by `forward`
  };
  Level* levels() { return reinterpret_cast<Level*>(this + 1); }
  const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
  Level& level(int i) { return levels()[i]; }
  const Level& level(int i) const { return levels()[i]; }
  const char* member_data() const {
    return reinterpret_cast<const char*>(levels() + height);
  }
  std::string_view member() const { return {member_data(), len}; }

  static size_t SizeFor(int height, size_t len) {
    return sizeof(ZNode) + static_cast<size_t>(height) * sizeof(Level) + len;
  }
  static ZNode* New(int height, double score, std::string_view member) {
    void* mem = std::malloc(SizeFor(height, member.size()));
    if (mem == nullptr) throw std::bad_alloc();
    ZNode* n = static_cast<ZNode*>(mem);
    n->score = score;
    n->backward = nullptr;
    n->hnext = nullptr;
    n->len = static_cast<uint32_t>(member.size());
    n->height = static_cast<uint32_t>(height);
    for (int i = 0; i < height; ++i) n->level(i) = {nullptr, 0};
    if (!member.empty())
      std::memcpy(const_cast<char*>(n->member_data()), member.data(), member.size());
    return n;
  }
};
static_assert(sizeof(ZNode) == 32, "skiplist node header must stay 32 bytes");

int RandomLevel() {
  int level = 1;
  // p = 1/4, as Redis's ZSKIPLIST_P.
  while (level < kMaxLevel && (NextRandom() & 0xFFFF) < 0x4000) ++level;
  return level;
}

// Node ordering relative to (score, member).
bool NodeBefore(const ZNode* x, double score, std::string_view member) {
  return x->score < score || (x->score == score && x->member().compare(member) < 0);
}

}  // namespace

class ZSetSkiplist final : public ZSetValue {
 public:
  ZSetSkiplist() {
    header_ = ZNode::New(kMaxLevel, 0, {});
    buckets_ = static_cast<ZNode**>(std::calloc(kInitialBuckets, sizeof(ZNode*)));
    if (buckets_ == nullptr) throw std::bad_alloc();
    mask_ = kInitialBuckets - 1;
  }
  ~ZSetSkiplist() override {
    ZNode* x = header_->level(0).forward;
    while (x != nullptr) {
      ZNode* next = x->level(0).forward;
      std::free(x);
      x = next;
    }
    std::free(header_);
    std::free(buckets_);
  }
  ZSetSkiplist(const ZSetSkiplist&) = delete;
  ZSetSkiplist& operator=(const ZSetSkiplist&) = delete;

  bool is_listpack() const override { return false; }
  size_t size() const override { return length_; }
  const char* Encoding() const override { return "skiplist"; }
  size_t MemoryUsage() const override {
    return sizeof(*this) + node_bytes_ + ZNode::SizeFor(kMaxLevel, 0) +
           (mask_ + 1) * sizeof(ZNode*);
  }
  Collection* Clone() const override {
    auto* c = new ZSetSkiplist();
    for (const ZNode* x = header_->level(0).forward; x != nullptr; x = x->level(0).forward)
      c->InsertNew(x->score, x->member());
    return c;
  }

  bool Score(std::string_view member, double* score) const override {
    const ZNode* n = Lookup(member);
    if (n == nullptr) return false;
    *score = n->score;
    return true;
  }

  int64_t Rank(std::string_view member) const override {
    const ZNode* n = Lookup(member);
    if (n == nullptr) return -1;
    return static_cast<int64_t>(RankOf(n)) - 1;
  }

  void VisitRanks(size_t start, size_t end, bool reverse, Visitor fn) const override {
    const ZNode* x;
    if (reverse)
      x = start > 0 ? ByRank(length_ - start) : tail_;
    else
      x = start > 0 ? ByRank(start + 1) : header_->level(0).forward;
    for (size_t n = end - start + 1; n > 0 && x != nullptr; --n) {
      if (!fn(x->member(), x->score)) return;
      x = reverse ? x->backward : x->level(0).forward;
    }
  }

  void At(size_t rank, Visitor fn) const override {
    const ZNode* x = ByRank(rank + 1);
    fn(x->member(), x->score);
  }

  void VisitScoreRange(const ZScoreRange& range, bool reverse, int64_t offset, int64_t limit,
                       Visitor fn) const override {
    const ZNode* x = reverse ? LastInRange(range) : FirstInRange(range);
    while (x != nullptr && offset-- != 0) x = reverse ? x->backward : x->level(0).forward;
    while (x != nullptr && limit-- != 0) {
      if (reverse ? !range.AboveMin(x->score) : !range.BelowMax(x->score)) return;
      if (!fn(x->member(), x->score)) return;
      x = reverse ? x->backward : x->level(0).forward;
    }
  }

  void VisitLexRange(const ZLexRange& range, bool reverse, int64_t offset, int64_t limit,
                     Visitor fn) const override {
    const ZNode* x = reverse ? LastInLexRange(range) : FirstInLexRange(range);
    while (x != nullptr && offset-- != 0) x = reverse ? x->backward : x->level(0).forward;
    while (x != nullptr && limit-- != 0) {
      if (reverse ? !range.AboveMin(x->member()) : !range.BelowMax(x->member())) return;
      if (!fn(x->member(), x->score)) return;
      x = reverse ? x->backward : x->level(0).forward;
    }
  }

  // As Redis's ZCOUNT on a skiplist: from the ranks of the first and last
  // elements in range.
  size_t CountScoreRange(const ZScoreRange& range) const override {
    const ZNode* first = FirstInRange(range);
    if (first == nullptr) return 0;
    size_t count = length_ - (RankOf(first) - 1);
    const ZNode* last = LastInRange(range);
    if (last != nullptr) count -= length_ - RankOf(last);
    return count;
  }

  size_t CountLexRange(const ZLexRange& range) const override {
    const ZNode* first = FirstInLexRange(range);
    if (first == nullptr) return 0;
    size_t count = length_ - (RankOf(first) - 1);
    const ZNode* last = LastInLexRange(range);
    if (last != nullptr) count -= length_ - RankOf(last);
    return count;
  }

  // Redis's reverse-binary cursor over the hash buckets (dictScan): every
  // element present for the whole scan is returned at least once, across
  // resizes. Visits up to count * 10 buckets or until `count` elements.
  uint64_t Scan(uint64_t cursor, size_t count, Visitor fn) const override {
    size_t found = 0;
    size_t max_buckets = count * 10;
    do {
      for (const ZNode* n = buckets_[cursor & mask_]; n != nullptr; n = n->hnext) {
        fn(n->member(), n->score);
        found += 2;  // Redis counts the member and the score
      }
      cursor |= ~static_cast<uint64_t>(mask_);
      cursor = ReverseBits(cursor);
      ++cursor;
      cursor = ReverseBits(cursor);
    } while (cursor != 0 && max_buckets-- > 0 && found < count);
    return cursor;
  }

  bool Remove(std::string_view member) override {
    ZNode* n = Lookup(member);
    if (n == nullptr) return false;
    Delete(n);
    MaybeShrink();
    return true;
  }

  size_t RemoveRanks(size_t start, size_t end) override {
    // zslDeleteRangeByRank with 1-based ranks start+1..end+1.
    ZNode* update[kMaxLevel];
    ZNode* x = header_;
    size_t traversed = 0;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->level(i).forward != nullptr && traversed + x->level(i).span < start + 1) {
        traversed += x->level(i).span;
        x = x->level(i).forward;
      }
      update[i] = x;
    }
    ++traversed;
    x = x->level(0).forward;
    size_t removed = 0;
    while (x != nullptr && traversed <= end + 1) {
      ZNode* next = x->level(0).forward;
      Unlink(x, update);
      ++removed;
      ++traversed;
      x = next;
    }
    MaybeShrink();
    return removed;
  }

  size_t RemoveScoreRange(const ZScoreRange& range) override {
    ZNode* update[kMaxLevel];
    ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->level(i).forward != nullptr && !range.AboveMin(x->level(i).forward->score))
        x = x->level(i).forward;
      update[i] = x;
    }
    x = x->level(0).forward;
    size_t removed = 0;
    while (x != nullptr && range.BelowMax(x->score)) {
      ZNode* next = x->level(0).forward;
      Unlink(x, update);
      ++removed;
      x = next;
    }
    MaybeShrink();
    return removed;
  }

  size_t RemoveLexRange(const ZLexRange& range) override {
    ZNode* update[kMaxLevel];
    ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->level(i).forward != nullptr && !range.AboveMin(x->level(i).forward->member()))
        x = x->level(i).forward;
      update[i] = x;
    }
    x = x->level(0).forward;
    size_t removed = 0;
    while (x != nullptr && range.BelowMax(x->member())) {
      ZNode* next = x->level(0).forward;
      Unlink(x, update);
      ++removed;
      x = next;
    }
    MaybeShrink();
    return removed;
  }

  bool PopEnd(bool highest, std::string* member, double* score) override {
    ZNode* n = highest ? tail_ : header_->level(0).forward;
    if (n == nullptr) return false;
    member->assign(n->member());
    *score = n->score;
    Delete(n);
    MaybeShrink();
    return true;
  }

  // ZADD on this encoding.
  uint32_t AddOrUpdate(std::string_view member, double score, uint32_t flags, double* newscore) {
    ZNode* n = Lookup(member);
    if (n != nullptr) {
      if (flags & kZAddNx) return kZAddNop;
      double cur = n->score;
      if (flags & kZAddIncr) {
        score += cur;
        if (std::isnan(score)) return kZAddNan;
      }
      if (((flags & kZAddLt) && score >= cur) || ((flags & kZAddGt) && score <= cur))
        return kZAddNop;
      *newscore = score;
      if (score == cur) return 0;
      UpdateScore(n, score);
      return kZAddUpdated;
    }
    if (flags & kZAddXx) return kZAddNop;
    InsertNew(score, member);
    *newscore = score;
    return kZAddAdded;
  }

  // Inserts a member known to be absent.
  void InsertNew(double score, std::string_view member) {
    ZNode* n = ZNode::New(RandomLevel(), score, member);
    node_bytes_ += ZNode::SizeFor(static_cast<int>(n->height), n->len);
    Link(n);
    HashInsert(n, HashKey(member));
    if (length_ > mask_ + 1) Rehash((mask_ + 1) * 2);
  }

 private:
  static constexpr size_t kInitialBuckets = 4;

  static uint64_t ReverseBits(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
    v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
    return (v >> 32) | (v << 32);
  }

  // --- hash index ---------------------------------------------------------

  ZNode* Lookup(std::string_view member) const {
    for (ZNode* n = buckets_[HashKey(member) & mask_]; n != nullptr; n = n->hnext)
      if (n->len == member.size() && std::memcmp(n->member_data(), member.data(), n->len) == 0)
        return n;
    return nullptr;
  }

  void HashInsert(ZNode* n, uint64_t hash) {
    ZNode*& head = buckets_[hash & mask_];
    n->hnext = head;
    head = n;
  }

  void HashRemove(ZNode* n) {
    ZNode** link = &buckets_[HashKey(n->member()) & mask_];
    while (*link != n) link = &(*link)->hnext;
    *link = n->hnext;
  }

  void Rehash(size_t buckets) {
    auto* fresh = static_cast<ZNode**>(std::calloc(buckets, sizeof(ZNode*)));
    if (fresh == nullptr) throw std::bad_alloc();
    for (size_t b = 0; b <= mask_; ++b) {
      ZNode* n = buckets_[b];
      while (n != nullptr) {
        ZNode* next = n->hnext;
        ZNode*& head = fresh[HashKey(n->member()) & (buckets - 1)];
        n->hnext = head;
        head = n;
        n = next;
      }
    }
    std::free(buckets_);
    buckets_ = fresh;
    mask_ = buckets - 1;
  }

  void MaybeShrink() {
    size_t buckets = mask_ + 1;
    if (buckets <= kInitialBuckets || length_ * 8 >= buckets) return;
    size_t target = kInitialBuckets;
    while (target < length_) target *= 2;
    Rehash(target);
  }

  // --- skiplist (Redis's zsl* algorithms) -------------------------------

  // Links node `x` into the list at its (score, member) place.
  void Link(ZNode* x) {
    ZNode* update[kMaxLevel];
    size_t rank[kMaxLevel];
    ZNode* p = header_;
    for (int i = level_ - 1; i >= 0; --i) {
      rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
      while (p->level(i).forward != nullptr && NodeBefore(p->level(i).forward, x->score, x->member())) {
        rank[i] += p->level(i).span;
        p = p->level(i).forward;
      }
      update[i] = p;
    }
    int height = static_cast<int>(x->height);
    if (height > level_) {
      for (int i = level_; i < height; ++i) {
        rank[i] = 0;
        update[i] = header_;
        update[i]->level(i).span = length_;
      }
      level_ = height;
    }
    for (int i = 0; i < height; ++i) {
      x->level(i).forward = update[i]->level(i).forward;
      update[i]->level(i).forward = x;
      x->level(i).span = update[i]->level(i).span - (rank[0] - rank[i]);
      update[i]->level(i).span = (rank[0] - rank[i]) + 1;
    }
    for (int i = height; i < level_; ++i) update[i]->level(i).span++;
    x->backward = update[0] == header_ ? nullptr : update[0];
    if (x->level(0).forward != nullptr)
      x->level(0).forward->backward = x;
    else
      tail_ = x;
    ++length_;
  }

  // zslDeleteNode: unlinks x given its predecessors at every level.
  void UnlinkFromList(ZNode* x, ZNode** update) {
    for (int i = 0; i < level_; ++i) {
      if (update[i]->level(i).forward == x) {
        update[i]->level(i).span += x->level(i).span - 1;
        update[i]->level(i).forward = x->level(i).forward;
      } else {
        update[i]->level(i).span -= 1;
      }
    }
    if (x->level(0).forward != nullptr)
      x->level(0).forward->backward = x->backward;
    else
      tail_ = x->backward;
    while (level_ > 1 && header_->level(level_ - 1).forward == nullptr) --level_;
    --length_;
  }

  // Unlinks and frees x (list and hash).
  void Unlink(ZNode* x, ZNode** update) {
    UnlinkFromList(x, update);
    HashRemove(x);
    node_bytes_ -= ZNode::SizeFor(static_cast<int>(x->height), x->len);
    std::free(x);
  }

  // The predecessors of node n at every level.
  void FindUpdate(const ZNode* n, ZNode** update) {
    ZNode* p = header_;
    for (int i = level_ - 1; i >= 0; --i) {
      while (p->level(i).forward != nullptr && NodeBefore(p->level(i).forward, n->score, n->member()))
        p = p->level(i).forward;
      update[i] = p;
    }
  }

  void Delete(ZNode* n) {
    ZNode* update[kMaxLevel];
    FindUpdate(n, update);
    Unlink(n, update);
  }

  // zslUpdateScore: in place when the order allows, else unlink and
  // relink the same node.
  void UpdateScore(ZNode* n, double score) {
    if ((n->backward == nullptr || n->backward->score < score) &&
        (n->level(0).forward == nullptr || n->level(0).forward->score > score)) {
      n->score = score;
      return;
    }
    ZNode* update[kMaxLevel];
    FindUpdate(n, update);
    UnlinkFromList(n, update);
    n->score = score;
    for (uint32_t i = 0; i < n->height; ++i) n->level(static_cast<int>(i)) = {nullptr, 0};
    Link(n);
  }

  // zslGetRank: 1-based rank of node n.
  size_t RankOf(const ZNode* n) const {
    const ZNode* x = header_;
    size_t rank = 0;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->level(i).forward != nullptr &&
             (x->level(i).forward->score < n->score ||
              (x->level(i).forward->score == n->score &&
               x->level(i).forward->member().compare(n->member()) <= 0))) {
        rank += x->level(i).span;
        x = x->level(i).forward;
      }
      if (x == n) return rank;
    }
    return 0;
  }

  // zslGetElementByRank: 1-based.
  const ZNode* ByRank(size_t rank) const {
    const ZNode* x = header_;
    size_t traversed = 0;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->level(i).forward != nullptr && traversed + x->level(i).span <= rank) {
        traversed += x->level(i).span;
        x = x->level(i).forward;
      }
      if (traversed == rank) return x;
    }
    return nullptr;
  }

  bool InRange(const ZScoreRange& range) const {
    if (range.Empty()) return false;
    if (tail_ == nullptr || !range.AboveMin(tail_->score)) return false;
    const ZNode* first = header_->level(0).forward;
    return first != nullptr && range.BelowMax(first->score);
  }

  const ZNode* FirstInRange(const ZScoreRange& range) const {
    if (!InRange(range)) return nullptr;
    const ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i)
      while (x->level(i).forward != nullptr && !range.AboveMin(x->level(i).forward->score))
        x = x->level(i).forward;
    x = x->level(0).forward;
    return range.BelowMax(x->score) ? x : nullptr;
  }

  const ZNode* LastInRange(const ZScoreRange& range) const {
    if (!InRange(range)) return nullptr;
    const ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i)
      while (x->level(i).forward != nullptr && range.BelowMax(x->level(i).forward->score))
        x = x->level(i).forward;
    return range.AboveMin(x->score) ? x : nullptr;
  }

  bool InLexRange(const ZLexRange& range) const {
    if (range.Empty()) return false;
    if (tail_ == nullptr || !range.AboveMin(tail_->member())) return false;
    const ZNode* first = header_->level(0).forward;
    return first != nullptr && range.BelowMax(first->member());
  }

  const ZNode* FirstInLexRange(const ZLexRange& range) const {
    if (!InLexRange(range)) return nullptr;
    const ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i)
      while (x->level(i).forward != nullptr && !range.AboveMin(x->level(i).forward->member()))
        x = x->level(i).forward;
    x = x->level(0).forward;
    return x != nullptr && range.BelowMax(x->member()) ? x : nullptr;
  }

  const ZNode* LastInLexRange(const ZLexRange& range) const {
    if (!InLexRange(range)) return nullptr;
    const ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i)
      while (x->level(i).forward != nullptr && range.BelowMax(x->level(i).forward->member()))
        x = x->level(i).forward;
    return x != header_ && range.AboveMin(x->member()) ? x : nullptr;
  }

  ZNode* header_;
  ZNode* tail_ = nullptr;
  size_t length_ = 0;
  int level_ = 1;
  ZNode** buckets_;
  size_t mask_;
  size_t node_bytes_ = 0;
};

// ---------------------------------------------------------------------------
// ZSetValue
// ---------------------------------------------------------------------------

size_t ZSetValue::EntryBytes(std::string_view member, double score) {
  return VarintSize(member.size()) + member.size() + ScoreSize(score);
}

ZSetValue* ZSetValue::CreateListpack(size_t reserve_bytes) {
  return ZSetListpack::New(reserve_bytes);
}

ZSetValue* ZSetValue::CreateSkiplist() { return new ZSetSkiplist(); }

ZSetValue* ZSetValue::Create(const ZSetLimits& limits, size_t first_member_len,
                             size_t reserve_bytes) {
  if (limits.max_listpack_entries == 0 || first_member_len > limits.max_listpack_value)
    return CreateSkiplist();
  return CreateListpack(reserve_bytes);
}

ZSetValue* ZSetValue::FromItems(std::vector<ZItem> items, const ZSetLimits& limits) {
  std::sort(items.begin(), items.end(), [](const ZItem& a, const ZItem& b) {
    return Less(a.score, a.member, b.score, b.member);
  });
  size_t bytes = 0, longest = 0;
  for (const ZItem& it : items) {
    bytes += EntryBytes(it.member, it.score);
    longest = std::max(longest, it.member.size());
  }
  if (items.size() <= limits.max_listpack_entries && longest <= limits.max_listpack_value &&
      bytes <= kMaxListpackBytes) {
    ZSetListpack* lp = ZSetListpack::New(bytes);
    for (const ZItem& it : items) lp->AppendUnchecked(it.member, it.score);
    return lp;
  }
  auto* sl = new ZSetSkiplist();
  for (const ZItem& it : items) sl->InsertNew(it.score, it.member);
  return sl;
}

uint32_t ZSetValue::Add(ZSetValue** z, std::string_view member, double score, uint32_t flags,
                        double* newscore, const ZSetLimits& limits) {
  if (!(*z)->is_listpack())
    return static_cast<ZSetSkiplist*>(*z)->AddOrUpdate(member, score, flags, newscore);

  auto* lp = static_cast<ZSetListpack*>(*z);
  LpEntry e;
  if (lp->Find(member, &e)) {
    if (flags & kZAddNx) return kZAddNop;
    double cur = e.score;
    if (flags & kZAddIncr) {
      score += cur;
      if (std::isnan(score)) return kZAddNan;
    }
    if (((flags & kZAddLt) && score >= cur) || ((flags & kZAddGt) && score <= cur))
      return kZAddNop;
    *newscore = score;
    if (score == cur) return 0;
    // Remove and reinsert at the new place. The member's bytes are the
    // caller's, never this value's (an erase would move them).
    lp->Erase(e.start, e.next, 1);
    *z = ZSetListpack::Insert(lp, member, score);
    return kZAddUpdated;
  }
  if (flags & kZAddXx) return kZAddNop;
  if (lp->size() + 1 > limits.max_listpack_entries || member.size() > limits.max_listpack_value ||
      lp->used() + EntryBytes(member, score) > kMaxListpackBytes) {
    ConvertToSkiplist(z);
    static_cast<ZSetSkiplist*>(*z)->InsertNew(score, member);
  } else {
    *z = ZSetListpack::Insert(lp, member, score);
  }
  *newscore = score;
  return kZAddAdded;
}

void ZSetValue::ConvertToSkiplist(ZSetValue** z) {
  if (!(*z)->is_listpack()) return;
  auto* sl = new ZSetSkiplist();
  (*z)->ForEach([&](std::string_view m, double s) {
    sl->InsertNew(s, m);
    return true;
  });
  delete *z;
  *z = sl;
}

void ZSetValue::CompactIfSmall(ZSetValue** z, const ZSetLimits& limits) {
  if ((*z)->is_listpack() || (*z)->size() > limits.max_listpack_entries) return;
  size_t bytes = 0;
  bool fits = true;
  (*z)->ForEach([&](std::string_view m, double s) {
    if (m.size() > limits.max_listpack_value) {
      fits = false;
      return false;
    }
    bytes += EntryBytes(m, s);
    return true;
  });
  if (!fits || bytes > kMaxListpackBytes) return;
  ZSetListpack* lp = ZSetListpack::New(bytes);
  (*z)->ForEach([&](std::string_view m, double s) {
    lp->AppendUnchecked(m, s);
    return true;
  });
  delete *z;
  *z = lp;
}

std::vector<ZItem> ZSetValue::Items() const {
  std::vector<ZItem> out;
  out.reserve(size());
  ForEach([&](std::string_view m, double s) {
    out.push_back(ZItem{std::string(m), s});
    return true;
  });
  return out;
}

}  // namespace troupe
