// ListValue: nodes of length-prefixed elements in a ring (see list_value.h).
// Single-threaded (the shard's multiplexer thread); no CAF header.
#include "actors/shard/types/list_value.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace troupe {

using list_detail::EncodedSize;
using list_detail::Node;
using list_detail::ReadHeader;
using list_detail::ReadTrailer;

namespace {

// With a positive fill (a count limit) a node still holds at most this many
// bytes, as Redis's quicklist does.
constexpr size_t kSafetyLimitBytes = 8192;
// Nodes whose storage is at most a quarter used give memory back, down to
// twice what they hold, once they are bigger than this.
constexpr uint32_t kShrinkAboveBytes = 512;

uint32_t RoundCap(size_t bytes) {
  size_t b = std::max<size_t>(bytes, 16);
  return static_cast<uint32_t>((b + 7) & ~size_t{7});
}

Node* NewNode(uint32_t cap) {
  void* mem = std::malloc(sizeof(Node) + cap);
  if (mem == nullptr) throw std::bad_alloc();
  Node* n = static_cast<Node*>(mem);
  n->cap = cap;
  n->begin = n->end = 0;
  n->count = 0;
  return n;
}

uint32_t WriteVarint(char* p, uint32_t n) {
  uint32_t k = 0;
  while (n >= 0x80) {
    p[k++] = static_cast<char>((n & 0x7F) | 0x80);
    n >>= 7;
  }
  p[k++] = static_cast<char>(n);
  return k;
}

// Writes the element [len][bytes][len reversed] at p (EncodedSize bytes).
void WriteElement(char* p, std::string_view v) {
  uint32_t len = static_cast<uint32_t>(v.size());
  if (len < 0x80) {
    p[0] = static_cast<char>(len);
    if (len) std::memcpy(p + 1, v.data(), len);
    p[1 + len] = static_cast<char>(len);
    return;
  }
  uint32_t k = WriteVarint(p, len);
  std::memcpy(p + k, v.data(), len);
  char* t = p + k + len;
  for (uint32_t i = 0; i < k; ++i) t[i] = p[k - 1 - i];
}

// Bytes of the element whose header is at p.
inline uint32_t ElementSize(const char* p) {
  uint32_t hdr;
  uint32_t len = ReadHeader(p, &hdr);
  return 2 * hdr + len;
}

}  // namespace

ListValue::ListValue(int64_t fill) : fill_(ClampFill(fill)) {}

ListValue::~ListValue() {
  for (size_t i = 0; i < nodes_; ++i) std::free(node(i));
  if (ring_ != &inline_slot_) delete[] ring_;
}

size_t ListValue::MemoryUsage() const {
  size_t bytes = sizeof(ListValue) + (ring_ != &inline_slot_ ? ring_cap_ * sizeof(Node*) : 0);
  for (size_t i = 0; i < nodes_; ++i) bytes += sizeof(Node) + node(i)->cap;
  return bytes;
}

Collection* ListValue::Clone() const {
  auto* copy = new ListValue(fill_);
  copy->RingReserve(nodes_);
  for (size_t i = 0; i < nodes_; ++i) {
    const Node* n = node(i);
    Node* m = NewNode(RoundCap(n->used()));
    std::memcpy(m->data(), n->data() + n->begin, n->used());
    m->end = n->used();
    m->count = n->count;
    copy->RingInsert(i, m);
  }
  copy->size_ = size_;
  return copy;
}

size_t ListValue::MaxNodeBytes() const {
  if (fill_ >= 0) return kSafetyLimitBytes;
  int64_t level = std::min<int64_t>(-fill_, 5);
  return size_t{4096} << (level - 1);
}

bool ListValue::Allows(const Node* n, uint32_t extra_bytes) const {
  if (fill_ >= 0 && extra_bytes > 0 && n->count >= static_cast<uint64_t>(std::max<int64_t>(fill_, 1)))
    return false;
  return n->used() + static_cast<size_t>(extra_bytes) <= MaxNodeBytes();
}

// ---------------------------------------------------------------------------
// The ring of node pointers

void ListValue::RingReserve(size_t want) {
  if (want <= ring_cap_) return;
  uint32_t cap = ring_cap_;
  while (cap < want) cap *= 2;
  RingResize(cap);
}

void ListValue::RingResize(uint32_t cap) {
  Node** ring = cap == 1 ? &inline_slot_ : new Node*[cap];
  if (cap == 1 && nodes_ == 1) {
    inline_slot_ = node(0);
  } else {
    for (size_t i = 0; i < nodes_; ++i) ring[i] = node(i);
  }
  if (ring_ != &inline_slot_) delete[] ring_;
  ring_ = ring;
  ring_cap_ = cap;
  head_ = 0;
}

void ListValue::RingInsert(size_t i, Node* n) {
  RingReserve(nodes_ + 1);
  if (i == 0) {
    head_ = (head_ - 1) & (ring_cap_ - 1);
  } else {
    for (size_t j = nodes_; j > i; --j) slot(j) = slot(j - 1);
  }
  slot(i) = n;
  ++nodes_;
}

void ListValue::RingErase(size_t i) {
  if (i == 0) {
    head_ = (head_ + 1) & (ring_cap_ - 1);
  } else {
    for (size_t j = i; j + 1 < nodes_; ++j) slot(j) = slot(j + 1);
  }
  --nodes_;
  if (nodes_ == 0) head_ = 0;
  if (ring_cap_ >= 16 && nodes_ * 4 <= ring_cap_) RingResize(ring_cap_ / 2);
  if (nodes_ == 0 && ring_cap_ > 1) RingResize(1);
}

void ListValue::DropNode(size_t i) {
  std::free(node(i));
  RingErase(i);
}

// ---------------------------------------------------------------------------
// Node storage

uint32_t ListValue::Splice(size_t i, uint32_t off, uint32_t del, uint32_t ins) {
  Node* n = node(i);
  char* d = n->data();
  uint32_t head_part = off - n->begin;
  uint32_t tail_part = n->end - off - del;
  if (ins <= del) {
    uint32_t shrink = del - ins;
    if (shrink == 0) return off;
    if (head_part < tail_part) {
      std::memmove(d + n->begin + shrink, d + n->begin, head_part);
      n->begin += shrink;
      return off + shrink;
    }
    std::memmove(d + off + ins, d + off + del, tail_part);
    n->end -= shrink;
    return off;
  }
  uint32_t grow = ins - del;
  bool tail_fits = static_cast<size_t>(n->end) + grow <= n->cap;
  bool head_fits = n->begin >= grow;
  if (tail_fits && (tail_part <= head_part || !head_fits)) {
    std::memmove(d + off + ins, d + off + del, tail_part);
    n->end += grow;
    return off;
  }
  if (head_fits) {
    std::memmove(d + n->begin - grow, d + n->begin, head_part);
    n->begin -= grow;
    return off - grow;
  }
  // Not enough room on either side: a bigger block, slack split evenly.
  size_t need = static_cast<size_t>(n->used()) + grow;
  size_t want = need + need / 2;
  size_t limit = std::max(MaxNodeBytes(), need);
  uint32_t cap = RoundCap(std::min(want, limit));
  Node* m = NewNode(cap);
  uint32_t nb = static_cast<uint32_t>((cap - need) / 2);
  std::memcpy(m->data() + nb, d + n->begin, head_part);
  std::memcpy(m->data() + nb + head_part + ins, d + off + del, tail_part);
  m->begin = nb;
  m->end = static_cast<uint32_t>(nb + need);
  m->count = n->count;
  std::free(n);
  slot(i) = m;
  return nb + head_part;
}

void ListValue::MaybeShrink(size_t i) {
  Node* n = node(i);
  if (n->cap <= kShrinkAboveBytes || n->used() >= n->cap / 4) return;
  uint32_t used = n->used();
  uint32_t cap = RoundCap(std::max<uint32_t>(used * 2, 64));
  Node* m = NewNode(cap);
  uint32_t nb = (cap - used) / 2;
  std::memcpy(m->data() + nb, n->data() + n->begin, used);
  m->begin = nb;
  m->end = nb + used;
  m->count = n->count;
  std::free(n);
  slot(i) = m;
}

void ListValue::Split(size_t i, uint32_t off) {
  Node* n = node(i);
  uint32_t tail = n->end - off;
  uint32_t moved = 0;
  for (uint32_t p = off; p < n->end; p += ElementSize(n->data() + p)) ++moved;
  Node* m = NewNode(RoundCap(tail + tail / 4));
  std::memcpy(m->data(), n->data() + off, tail);
  m->end = tail;
  m->count = moved;
  n->end = off;
  n->count -= moved;
  RingInsert(i + 1, m);
  MaybeShrink(i);
}

// ---------------------------------------------------------------------------
// Both ends

void ListValue::PushFront(std::string_view v) {
  uint32_t es = EncodedSize(v.size());
  Node* n = nodes_ > 0 ? node(0) : nullptr;
  if (n != nullptr && Allows(n, es)) {
    if (n->begin < es) {
      uint32_t used = n->used();
      if (n->cap - used >= es + used / 8) {
        // Room enough in the block: slide the elements to its far end.
        uint32_t nb = n->cap - used;
        std::memmove(n->data() + nb, n->data() + n->begin, used);
        n->begin = nb;
        n->end = nb + used;
      } else {
        size_t need = static_cast<size_t>(used) + es;
        uint32_t cap = RoundCap(std::min(need + need / 2, std::max(MaxNodeBytes(), need)));
        Node* m = NewNode(cap);
        uint32_t nb = static_cast<uint32_t>(cap - used);
        std::memcpy(m->data() + nb, n->data() + n->begin, used);
        m->begin = nb;
        m->end = cap;
        m->count = n->count;
        std::free(n);
        slot(0) = m;
        n = m;
      }
    }
  } else {
    n = NewNode(RoundCap(es));
    n->begin = n->end = n->cap;
    RingInsert(0, n);
  }
  n->begin -= es;
  WriteElement(n->data() + n->begin, v);
  ++n->count;
  ++size_;
}

void ListValue::PushBack(std::string_view v) {
  uint32_t es = EncodedSize(v.size());
  Node* n = nodes_ > 0 ? node(nodes_ - 1) : nullptr;
  if (n != nullptr && Allows(n, es)) {
    if (static_cast<size_t>(n->cap) - n->end < es) {
      uint32_t used = n->used();
      if (n->cap - used >= es + used / 8) {
        std::memmove(n->data(), n->data() + n->begin, used);
        n->begin = 0;
        n->end = used;
      } else {
        size_t need = static_cast<size_t>(used) + es;
        uint32_t cap = RoundCap(std::min(need + need / 2, std::max(MaxNodeBytes(), need)));
        Node* m = NewNode(cap);
        std::memcpy(m->data(), n->data() + n->begin, used);
        m->begin = 0;
        m->end = used;
        m->count = n->count;
        std::free(n);
        slot(nodes_ - 1) = m;
        n = m;
      }
    }
  } else {
    n = NewNode(RoundCap(es));
    RingInsert(nodes_, n);
  }
  WriteElement(n->data() + n->end, v);
  n->end += es;
  ++n->count;
  ++size_;
}

std::string_view ListValue::Front() const {
  const Node* n = node(0);
  const char* p = n->data() + n->begin;
  uint32_t hdr;
  uint32_t len = ReadHeader(p, &hdr);
  return {p + hdr, len};
}

std::string_view ListValue::Back() const {
  const Node* n = node(nodes_ - 1);
  const char* p = n->data() + n->end;
  uint32_t hdr;
  uint32_t len = ReadTrailer(p, &hdr);
  return {p - hdr - len, len};
}

void ListValue::PopFront() {
  Node* n = node(0);
  n->begin += ElementSize(n->data() + n->begin);
  --size_;
  if (--n->count == 0)
    DropNode(0);
  else
    MaybeShrink(0);
}

void ListValue::PopBack() {
  Node* n = node(nodes_ - 1);
  uint32_t hdr;
  uint32_t len = ReadTrailer(n->data() + n->end, &hdr);
  n->end -= 2 * hdr + len;
  --size_;
  if (--n->count == 0)
    DropNode(nodes_ - 1);
  else
    MaybeShrink(nodes_ - 1);
}

// ---------------------------------------------------------------------------
// Positions

size_t ListValue::Locate(size_t index, size_t* first) const {
  if (index < size_ / 2) {
    size_t start = 0;
    for (size_t i = 0;; ++i) {
      size_t c = node(i)->count;
      if (index < start + c) {
        *first = start;
        return i;
      }
      start += c;
    }
  }
  size_t end = size_;  // one past the last element of node i
  for (size_t i = nodes_; i-- > 0;) {
    size_t c = node(i)->count;
    if (index >= end - c) {
      *first = end - c;
      return i;
    }
    end -= c;
  }
  *first = 0;
  return 0;  // not reached for index < size_
}

uint32_t ListValue::OffsetInNode(const Node* n, size_t k) {
  const char* d = n->data();
  if (k <= n->count / 2) {
    uint32_t off = n->begin;
    for (size_t j = 0; j < k; ++j) off += ElementSize(d + off);
    return off;
  }
  uint32_t off = n->end;
  for (size_t j = n->count; j > k; --j) {
    uint32_t hdr;
    uint32_t len = ReadTrailer(d + off, &hdr);
    off -= 2 * hdr + len;
  }
  return off;
}

ListValue::Cursor ListValue::CursorAt(size_t index) const {
  if (index >= size_) return Cursor(this, SIZE_MAX, 0);
  size_t first;
  size_t i = Locate(index, &first);
  return Cursor(this, i, OffsetInNode(node(i), index - first));
}

void ListValue::Cursor::Next() {
  const Node* n = list_->node(node_);
  off_ += ElementSize(n->data() + off_);
  if (off_ >= n->end) {
    ++node_;
    if (node_ < list_->nodes_) off_ = list_->node(node_)->begin;
  }
}

void ListValue::Cursor::Prev() {
  const Node* n = list_->node(node_);
  if (off_ == n->begin) {
    if (node_ == 0) {
      node_ = SIZE_MAX;
      return;
    }
    --node_;
    n = list_->node(node_);
    off_ = n->end;
  }
  uint32_t hdr;
  uint32_t len = ReadTrailer(n->data() + off_, &hdr);
  off_ -= 2 * hdr + len;
}

std::string_view ListValue::At(size_t index) const { return CursorAt(index).value(); }

// ---------------------------------------------------------------------------
// Changes in the middle

void ListValue::Set(size_t index, std::string_view v) {
  size_t first;
  size_t i = Locate(index, &first);
  Node* n = node(i);
  uint32_t off = OffsetInNode(n, index - first);
  uint32_t old_size = ElementSize(n->data() + off);
  uint32_t new_size = EncodedSize(v.size());
  if (new_size <= old_size || n->count == 1 || Allows(n, new_size - old_size)) {
    off = Splice(i, off, old_size, new_size);
    WriteElement(node(i)->data() + off, v);
    return;
  }
  // The node cannot grow that much: remove the old value, insert the new.
  Erase(index, 1);
  if (index < size_)
    InsertAt(index, v, /*after=*/false);
  else
    PushBack(v);
}

void ListValue::InsertAt(size_t index, std::string_view v, bool after) {
  size_t first;
  size_t i = Locate(index, &first);
  Node* n = node(i);
  uint32_t off = OffsetInNode(n, index - first);
  if (after) off += ElementSize(n->data() + off);
  uint32_t es = EncodedSize(v.size());
  auto put = [&](size_t node_index, uint32_t at) {
    at = Splice(node_index, at, 0, es);
    Node* target = node(node_index);
    WriteElement(target->data() + at, v);
    ++target->count;
    ++size_;
  };
  auto put_new_node = [&](size_t node_index) {
    Node* m = NewNode(RoundCap(es));
    WriteElement(m->data(), v);
    m->end = es;
    m->count = 1;
    RingInsert(node_index, m);
    ++size_;
  };
  if (Allows(n, es)) {
    put(i, off);
    return;
  }
  if (off == n->begin) {  // at the head of a full node: the previous one?
    if (i > 0 && Allows(node(i - 1), es))
      put(i - 1, node(i - 1)->end);
    else
      put_new_node(i);
    return;
  }
  if (off == n->end) {  // at its tail: the next one?
    if (i + 1 < nodes_ && Allows(node(i + 1), es))
      put(i + 1, node(i + 1)->begin);
    else
      put_new_node(i + 1);
    return;
  }
  Split(i, off);
  if (Allows(node(i), es))
    put(i, node(i)->end);
  else if (Allows(node(i + 1), es))
    put(i + 1, node(i + 1)->begin);
  else
    put_new_node(i + 1);
}

void ListValue::Erase(size_t index, size_t count) {
  while (count > 0 && index < size_) {
    size_t first;
    size_t i = Locate(index, &first);
    Node* n = node(i);
    size_t k = index - first;
    if (k == 0 && count >= n->count) {
      count -= n->count;
      size_ -= n->count;
      DropNode(i);
      continue;
    }
    uint32_t off = OffsetInNode(n, k);
    size_t m = std::min<size_t>(count, n->count - k);
    uint32_t e = off;
    for (size_t j = 0; j < m; ++j) e += ElementSize(n->data() + e);
    Splice(i, off, e - off, 0);
    n = node(i);
    n->count -= static_cast<uint32_t>(m);
    size_ -= m;
    count -= m;
    MaybeShrink(i);
  }
}

size_t ListValue::Remove(std::string_view v, int64_t count) {
  size_t limit = count == 0 ? SIZE_MAX
                            : count > 0 ? static_cast<size_t>(count)
                                        : static_cast<size_t>(-(count + 1)) + 1;
  size_t removed = 0;
  std::vector<uint32_t> hits;
  // Removes the elements at `hits` (ascending offsets) from node i; returns
  // whether the node went away.
  auto compact = [&](size_t i) {
    Node* n = node(i);
    char* d = n->data();
    uint32_t w = hits[0];
    for (size_t h = 0; h < hits.size(); ++h) {
      uint32_t r = hits[h] + ElementSize(d + hits[h]);
      uint32_t stop = h + 1 < hits.size() ? hits[h + 1] : n->end;
      std::memmove(d + w, d + r, stop - r);
      w += stop - r;
    }
    n->end = w;
    n->count -= static_cast<uint32_t>(hits.size());
    size_ -= hits.size();
    removed += hits.size();
    if (n->count == 0) {
      DropNode(i);
      return true;
    }
    MaybeShrink(i);
    return false;
  };
  if (count >= 0) {
    for (size_t i = 0; i < nodes_ && removed < limit;) {
      const Node* n = node(i);
      hits.clear();
      for (uint32_t p = n->begin; p < n->end && removed + hits.size() < limit;) {
        uint32_t hdr;
        uint32_t len = ReadHeader(n->data() + p, &hdr);
        if (len == v.size() && std::memcmp(n->data() + p + hdr, v.data(), len) == 0)
          hits.push_back(p);
        p += 2 * hdr + len;
      }
      if (hits.empty() || !compact(i)) ++i;
    }
  } else {
    for (size_t i = nodes_; i-- > 0 && removed < limit;) {
      const Node* n = node(i);
      hits.clear();
      for (uint32_t p = n->end; p > n->begin && removed + hits.size() < limit;) {
        uint32_t hdr;
        uint32_t len = ReadTrailer(n->data() + p, &hdr);
        p -= 2 * hdr + len;
        if (len == v.size() && std::memcmp(n->data() + p + hdr, v.data(), len) == 0)
          hits.push_back(p);
      }
      if (!hits.empty()) {
        std::reverse(hits.begin(), hits.end());
        compact(i);
      }
    }
  }
  return removed;
}

std::string ListValue::CheckConsistency() const {
  size_t total = 0;
  if (nodes_ > ring_cap_) return "more nodes than ring slots";
  for (size_t i = 0; i < nodes_; ++i) {
    const Node* n = node(i);
    std::string where = "node " + std::to_string(i) + ": ";
    if (n->count == 0) return where + "empty node";
    if (n->begin > n->end || n->end > n->cap) return where + "bad bounds";
    size_t c = 0;
    uint32_t p = n->begin;
    while (p < n->end) {
      uint32_t hdr, thdr;
      uint32_t len = ReadHeader(n->data() + p, &hdr);
      uint32_t next = p + 2 * hdr + len;
      if (next > n->end) return where + "element overruns the node";
      if (ReadTrailer(n->data() + next, &thdr) != len || thdr != hdr)
        return where + "trailer does not match header";
      p = next;
      ++c;
    }
    if (c != n->count) return where + "count mismatch";
    // Only a node of one element may exceed the limits.
    if (n->count > 1 && n->used() > MaxNodeBytes()) return where + "node over its size limit";
    if (fill_ > 0 && n->count > static_cast<uint64_t>(fill_)) return where + "node over its count limit";
    total += c;
  }
  if (total != size_) return "size mismatch";
  return "";
}

}  // namespace troupe
