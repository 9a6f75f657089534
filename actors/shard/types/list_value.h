// ListValue: the value of a list key (LPUSH, LRANGE, BLPOP, SORT ... STORE).
//
// Like Redis's quicklist of listpacks, a list is a sequence of compact nodes.
// Each node is one heap block: a 16-byte header and a buffer of elements,
// each stored as [length varint][bytes][length varint, reversed], so the
// buffer can be walked in both directions (elements up to 4 GiB). The elements of a node sit in
// [begin, end) of its buffer with free room on either side, so pushes and
// pops at both ends are O(1) amortized and touch one node. A node holds at
// most list-max-listpack-size worth of elements (-1..-5: 4..64 kB of
// element bytes, n > 0: n elements and at most 8 kB); an element larger
// than that gets a node of its own. The nodes are kept in a ring of
// pointers, so positional access (LINDEX, LSET) walks node counts: O(n /
// elements per node), from the nearer end.
//
// Used by the list commands (list_family.cc), SORT (sort_family.cc) and the
// RDB codec (rdb_list.cc). Plain data structure, no CAF header;
// single-threaded (the shard's multiplexer thread). Views returned into
// the list are valid until the next mutation of the list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/shard/keyspace/entry.h"

namespace troupe {

namespace list_detail {

// One node: header followed by `cap` bytes of element storage.
struct Node {
  uint32_t cap;    // bytes of storage after the header
  uint32_t begin;  // offset of the first element's header
  uint32_t end;    // offset just past the last element
  uint32_t count;  // elements in the node (never 0 while linked)

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  uint32_t used() const { return end - begin; }
};
static_assert(sizeof(Node) == 16, "node header must stay 16 bytes");

// Bytes of the varint that encodes n (7 bits per byte).
inline uint32_t VarintSize(uint64_t n) {
  uint32_t k = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++k;
  }
  return k;
}
// Bytes an element of `len` payload bytes takes in a node.
inline uint32_t EncodedSize(size_t len) { return static_cast<uint32_t>(len) + 2 * VarintSize(len); }

// Reads the forward length header at p: returns the payload length and
// sets *hdr to the header's size.
inline uint32_t ReadHeader(const char* p, uint32_t* hdr) {
  uint8_t b = static_cast<uint8_t>(p[0]);
  if (b < 0x80) {
    *hdr = 1;
    return b;
  }
  uint32_t len = b & 0x7F, shift = 7, k = 1;
  do {
    b = static_cast<uint8_t>(p[k++]);
    len |= static_cast<uint32_t>(b & 0x7F) << shift;
    shift += 7;
  } while (b & 0x80);
  *hdr = k;
  return len;
}
// Reads the reversed length trailer that ends just before p.
inline uint32_t ReadTrailer(const char* p, uint32_t* hdr) {
  uint8_t b = static_cast<uint8_t>(p[-1]);
  if (b < 0x80) {
    *hdr = 1;
    return b;
  }
  uint32_t len = b & 0x7F, shift = 7, k = 1;
  do {
    b = static_cast<uint8_t>(p[-1 - static_cast<int>(k++)]);
    len |= static_cast<uint32_t>(b & 0x7F) << shift;
    shift += 7;
  } while (b & 0x80);
  *hdr = k;
  return len;
}

}  // namespace list_detail

class ListValue final : public Collection {
 public:
  using Node = list_detail::Node;

  // `fill` is list-max-listpack-size (Redis's default -2: 8 kB nodes).
  explicit ListValue(int64_t fill = -2);
  ~ListValue() override;
  ListValue(const ListValue&) = delete;
  ListValue& operator=(const ListValue&) = delete;

  size_t MemoryUsage() const override;
  Collection* Clone() const override;
  // Redis 7.0 reports every list as a quicklist.
  const char* Encoding() const override { return "quicklist"; }

  // Changes the node size limit for later insertions (CONFIG SET).
  void set_fill(int64_t fill) { fill_ = ClampFill(fill); }
  int64_t fill() const { return fill_; }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t node_count() const { return nodes_; }

  void PushFront(std::string_view v);
  void PushBack(std::string_view v);
  // The first / last element; the list must not be empty.
  std::string_view Front() const;
  std::string_view Back() const;
  // Removes the first / last element; the list must not be empty.
  void PopFront();
  void PopBack();

  // The element at `index` (0-based from the head); index < size().
  std::string_view At(size_t index) const;
  // Replaces the element at `index` (< size()).
  void Set(size_t index, std::string_view v);
  // Inserts v before (or after) the element at `index` (< size()).
  void InsertAt(size_t index, std::string_view v, bool after);
  // Removes `count` elements starting at `index` (index + count <= size()).
  void Erase(size_t index, size_t count);
  // Removes elements equal to v: the first `count` when count > 0, the
  // last -count when count < 0, all when 0. Returns how many went.
  size_t Remove(std::string_view v, int64_t count);

  // A position in the list for walking it in either direction.
  class Cursor {
   public:
    bool valid() const { return node_ < list_->nodes_; }
    std::string_view value() const {
      const char* p = list_->node(node_)->data() + off_;
      uint32_t hdr;
      uint32_t len = list_detail::ReadHeader(p, &hdr);
      return {p + hdr, len};
    }
    void Next();
    void Prev();

   private:
    friend class ListValue;
    Cursor(const ListValue* list, size_t node, uint32_t off) : list_(list), node_(node), off_(off) {}
    const ListValue* list_;
    size_t node_;   // >= list_->nodes_ when past either end
    uint32_t off_;  // offset of the element's header in its node
  };
  // A cursor on the element at `index` (an invalid one when out of range).
  Cursor CursorAt(size_t index) const;

  // Calls fn(std::string_view) for the elements [start, stop] in order
  // (start <= stop < size()).
  template <class F>
  void ForRange(size_t start, size_t stop, F&& fn) const {
    Cursor c = CursorAt(start);
    for (size_t i = start; i <= stop; ++i, c.Next()) fn(c.value());
  }
  // Calls fn(std::string_view) for every element, head to tail.
  template <class F>
  void ForEach(F&& fn) const {
    for (size_t n = 0; n < nodes_; ++n) {
      const Node* nd = node(n);
      const char* p = nd->data() + nd->begin;
      const char* end = nd->data() + nd->end;
      while (p < end) {
        uint32_t hdr;
        uint32_t len = list_detail::ReadHeader(p, &hdr);
        fn(std::string_view(p + hdr, len));
        p += 2 * hdr + len;
      }
    }
  }

  // For tests: checks every invariant (counts, sizes, node limits);
  // returns an empty string when all hold, else what is wrong.
  std::string CheckConsistency() const;

 private:
  Node* node(size_t i) const { return ring_[(head_ + i) & (ring_cap_ - 1)]; }
  Node*& slot(size_t i) { return ring_[(head_ + i) & (ring_cap_ - 1)]; }

  static int32_t ClampFill(int64_t fill) {
    return static_cast<int32_t>(fill < -5 ? -5 : fill > (1 << 30) ? (1 << 30) : fill);
  }
  // Node limits for the current fill.
  size_t MaxNodeBytes() const;
  bool Allows(const Node* n, uint32_t extra_bytes) const;

  // Ring of node pointers.
  void RingReserve(size_t want);
  void RingResize(uint32_t cap);  // cap >= nodes_, a power of two
  void RingInsert(size_t i, Node* n);
  void RingErase(size_t i);

  // Finds the node holding element `index`; *first is the index of that
  // node's first element.
  size_t Locate(size_t index, size_t* first) const;
  // Offset of the k-th element (0-based) of node n.
  static uint32_t OffsetInNode(const Node* n, size_t k);

  // Opens a gap of `ins` bytes at offset `off` of node i after removing
  // `del` bytes there; may move the node's storage. Returns the offset of
  // the gap in the (possibly moved) node.
  uint32_t Splice(size_t i, uint32_t off, uint32_t del, uint32_t ins);
  // Shrinks a node's storage when it is mostly empty.
  void MaybeShrink(size_t i);
  // Splits node i at offset off (an element boundary strictly inside it):
  // elements from off on move to a new node i + 1.
  void Split(size_t i, uint32_t off);
  // Frees node i and removes it from the ring.
  void DropNode(size_t i);

  // The ring: ring_cap_ slots (a power of two) starting at ring_; a list
  // of one node uses inline_slot_ instead of an allocation.
  Node** ring_ = &inline_slot_;
  Node* inline_slot_ = nullptr;
  uint32_t ring_cap_ = 1;
  uint32_t head_ = 0;
  uint32_t nodes_ = 0;
  int32_t fill_;  // list-max-listpack-size
  size_t size_ = 0;
};

}  // namespace troupe
