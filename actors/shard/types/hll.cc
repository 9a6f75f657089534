// HyperLogLog string format and operations; see hll.h for the layout.
// Plain C++; single-threaded (the shard's multiplexer thread).
#include "actors/shard/types/hll.h"

#include <cmath>
#include <cstring>

namespace troupe {
namespace hll {
namespace {

// 0.5 / ln(2): the estimator's constant for m -> infinity.
constexpr double kAlphaInf = 0.721347520444481703680;

// Sparse opcode bytes.
inline bool IsZero(uint8_t b) { return (b & 0xc0) == 0x00; }
inline bool IsXZero(uint8_t b) { return (b & 0xc0) == 0x40; }
inline bool IsVal(uint8_t b) { return (b & 0x80) != 0; }
inline int ZeroLen(uint8_t b) { return (b & 0x3f) + 1; }
inline int XZeroLen(uint8_t b0, uint8_t b1) { return (((b0 & 0x3f) << 8) | b1) + 1; }
inline int ValValue(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
inline int ValLen(uint8_t b) { return (b & 0x3) + 1; }
inline uint8_t ZeroOp(int len) { return static_cast<uint8_t>(len - 1); }
inline void XZeroOp(uint8_t* p, int len) {
  p[0] = static_cast<uint8_t>(((len - 1) >> 8) | 0x40);
  p[1] = static_cast<uint8_t>((len - 1) & 0xff);
}
inline uint8_t ValOp(int value, int len) {
  return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (len - 1));
}

// A zero-run opcode of `len` registers at p (ZERO when it fits, else XZERO);
// returns its size.
int WriteZeros(uint8_t* p, int len) {
  if (len > kSparseZeroMaxLen) {
    XZeroOp(p, len);
    return 2;
  }
  *p = ZeroOp(len);
  return 1;
}

// Reads the sparse opcodes of value[kHeaderSize..) in order. The byte after
// the end reads as `past_end` (where Redis reads its string's terminator
// when an XZERO is cut short). fn(kind, value, run) with kind 'z' (ZERO),
// 'Z' (XZERO) or 'v' (VAL, value 1..32); fn returns false to stop.
template <class F>
void WalkSparse(std::string_view value, F&& fn, uint8_t past_end = 0) {
  const auto* s = reinterpret_cast<const uint8_t*>(value.data());
  size_t end = value.size();
  size_t p = kHeaderSize;
  while (p < end) {
    uint8_t b = s[p];
    if (IsZero(b)) {
      if (!fn('z', 0, ZeroLen(b))) return;
      p += 1;
    } else if (IsXZero(b)) {
      uint8_t b1 = p + 1 < end ? s[p + 1] : past_end;
      if (!fn('Z', 0, XZeroLen(b, b1))) return;
      p += 2;
    } else {
      if (!fn('v', ValValue(b), ValLen(b))) return;
      p += 1;
    }
  }
}

// Ertl's sigma and tau functions ("New cardinality estimation algorithms
// for HyperLogLog sketches", arXiv:1702.01284), iterated to a fixed point.
double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double y = 1, z = x, z_prev;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z_prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double y = 1.0, z = 1 - x, z_prev;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prev != z);
  return z / 3;
}

// The estimate from a histogram of register values (histo[v] = registers
// holding v; 64 entries).
uint64_t Estimate(const int64_t* histo) {
  const double m = kRegisters;
  double z = m * Tau((m - static_cast<double>(histo[kHashBits + 1])) / m);
  for (int j = kHashBits; j >= 1; --j) {
    z += static_cast<double>(histo[j]);
    z *= 0.5;
  }
  z += m * Sigma(static_cast<double>(histo[0]) / m);
  double e = static_cast<double>(std::llround(static_cast<long double>(kAlphaInf * m * m / z)));
  return static_cast<uint64_t>(e);
}

// What SparseSet did: the Update outcomes, or "the register needs the
// dense form" (a count above 32, or growth beyond sparse_max_bytes), with
// the value untouched.
enum class SparseOutcome { kUnchanged, kChanged, kInvalid, kPromote };

// Raises register `index` of a sparse value (Redis's in-place opcode edit,
// step for step, so the bytes come out the same). *past_end is the byte
// after the value, in and out: Redis's string terminator, which its edits
// zero or, splitting an XZERO cut short at the end, overwrite.
SparseOutcome SparseSet(std::string* value, int index, uint8_t count, size_t sparse_max_bytes,
                        uint8_t* past_end) {
  const size_t len = value->size();
  if (count > kSparseValMaxValue) return SparseOutcome::kPromote;
  // Room for the worst growth (XZERO -> XZERO VAL XZERO, +3 bytes) plus
  // zero bytes past the end, which the opcode reads below may touch.
  value->append(8, '\0');
  auto* s = reinterpret_cast<uint8_t*>(&(*value)[0]);
  size_t end = len;
  s[end] = *past_end;

  // Step 1: find the opcode covering `index`.
  size_t p = kHeaderSize;
  size_t prev = 0;  // 0 = none (the header occupies offset 0)
  int64_t first = 0, span = 0;
  while (p < end) {
    size_t oplen = 1;
    if (IsZero(s[p])) {
      span = ZeroLen(s[p]);
    } else if (IsVal(s[p])) {
      span = ValLen(s[p]);
    } else {
      span = XZeroLen(s[p], s[p + 1]);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) {
    value->resize(len);
    return SparseOutcome::kInvalid;
  }
  const bool is_xzero = IsXZero(s[p]);
  const bool is_zero = IsZero(s[p]);
  const bool is_val = IsVal(s[p]);
  size_t next = is_xzero ? p + 2 : p + 1;
  if (next >= end) next = 0;
  const int runlen = is_zero ? ZeroLen(s[p]) : is_xzero ? XZeroLen(s[p], s[p + 1]) : ValLen(s[p]);

  // Step 2: the trivial cases, in place.
  bool done = false;
  if (is_val) {
    if (ValValue(s[p]) >= count) {  // already as high: nothing to do
      value->resize(len);
      return SparseOutcome::kUnchanged;
    }
    if (runlen == 1) {
      s[p] = ValOp(count, 1);
      done = true;
    }
  }
  if (!done && is_zero && runlen == 1) {
    s[p] = ValOp(count, 1);
    done = true;
  }

  if (!done) {
    // Step 3: split the opcode into (left run) VAL(count, 1) (right run).
    uint8_t seq[5];
    int n = 0;
    const int64_t last = first + span - 1;
    if (is_zero || is_xzero) {
      if (index != first) n += WriteZeros(seq + n, static_cast<int>(index - first));
      seq[n++] = ValOp(count, 1);
      if (index != last) n += WriteZeros(seq + n, static_cast<int>(last - index));
    } else {
      const int cur = ValValue(s[p]);
      if (index != first) seq[n++] = ValOp(cur, static_cast<int>(index - first));
      seq[n++] = ValOp(count, 1);
      if (index != last) seq[n++] = ValOp(cur, static_cast<int>(last - index));
    }
    const int oldlen = is_xzero ? 2 : 1;
    const int delta = n - oldlen;
    if (delta > 0 && len + static_cast<size_t>(delta) > sparse_max_bytes) {
      value->resize(len);
      return SparseOutcome::kPromote;
    }
    if (delta != 0 && next != 0) std::memmove(s + next + delta, s + next, end - next);
    end = static_cast<size_t>(static_cast<int64_t>(end) + delta);
    s[end] = 0;  // the new terminator; the copy below may cover it
    std::memcpy(s + p, seq, static_cast<size_t>(n));
  }

  // Step 4: merge equal adjacent VALs, scanning up to 5 opcodes from the
  // one before the change.
  size_t q = prev != 0 ? prev : kHeaderSize;
  int scan = 5;
  while (q < end && scan-- > 0) {
    if (IsXZero(s[q])) {
      q += 2;
      continue;
    }
    if (IsZero(s[q])) {
      q += 1;
      continue;
    }
    if (q + 1 < end && IsVal(s[q + 1])) {
      const int v1 = ValValue(s[q]);
      if (v1 == ValValue(s[q + 1])) {
        const int merged = ValLen(s[q]) + ValLen(s[q + 1]);
        if (merged <= kSparseValMaxLen) {
          s[q + 1] = ValOp(v1, merged);
          std::memmove(s + q, s + q + 1, end - q);
          --end;
          s[end] = 0;
          continue;  // the merged VAL may merge with the next one too
        }
      }
    }
    q += 1;
  }
  *past_end = s[end];
  value->resize(end);
  InvalidateCache(&(*value)[0]);
  return SparseOutcome::kChanged;
}

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint32_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = seed ^ (static_cast<uint64_t>(len) * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  while (data != end) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; --i) k = (k << 8) | data[i];  // little endian
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
    data += 8;
  }
  switch (len & 7) {
    case 7: h ^= static_cast<uint64_t>(data[6]) << 48; [[fallthrough]];
    case 6: h ^= static_cast<uint64_t>(data[5]) << 40; [[fallthrough]];
    case 5: h ^= static_cast<uint64_t>(data[4]) << 32; [[fallthrough]];
    case 4: h ^= static_cast<uint64_t>(data[3]) << 24; [[fallthrough]];
    case 3: h ^= static_cast<uint64_t>(data[2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint64_t>(data[1]) << 8; [[fallthrough]];
    case 1:
      h ^= static_cast<uint64_t>(data[0]);
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

void Locate(std::string_view element, int* index, uint8_t* count) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kHashSeed);
  *index = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kPrecision;
  hash |= uint64_t{1} << kHashBits;  // caps the count at kHashBits + 1
  *count = static_cast<uint8_t>(__builtin_ctzll(hash) + 1);
}

std::string NewSparse() {
  std::string v(kHeaderSize, '\0');
  std::memcpy(&v[0], "HYLL", 4);
  v[4] = static_cast<char>(kSparse);
  for (int left = kRegisters; left > 0;) {
    int run = left < kSparseXZeroMaxLen ? left : kSparseXZeroMaxLen;
    uint8_t op[2];
    XZeroOp(op, run);
    v.append(reinterpret_cast<const char*>(op), 2);
    left -= run;
  }
  return v;
}

bool IsHll(std::string_view value) {
  if (value.size() < kHeaderSize) return false;
  if (value.compare(0, 4, "HYLL") != 0) return false;
  uint8_t enc = static_cast<uint8_t>(value[4]);
  if (enc > kSparse) return false;
  if (enc == kDense && value.size() != kDenseSize) return false;
  return true;
}

bool CacheValid(std::string_view value) { return (static_cast<uint8_t>(value[15]) & 0x80) == 0; }

uint64_t CachedCardinality(std::string_view value) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<uint8_t>(value[8 + i]);
  return card;
}

void StoreCardinality(char* data, uint64_t card) {
  for (int i = 0; i < 8; ++i) data[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

void InvalidateCache(char* data) { data[15] = static_cast<char>(static_cast<uint8_t>(data[15]) | 0x80); }

uint8_t DenseGet(const uint8_t* registers, int index) {
  size_t bit = static_cast<size_t>(index) * kRegisterBits;
  size_t byte = bit / 8, shift = bit & 7;
  unsigned b0 = registers[byte];
  unsigned b1 = byte + 1 < kDenseSize - kHeaderSize ? registers[byte + 1] : 0;
  return static_cast<uint8_t>(((b0 >> shift) | (b1 << (8 - shift))) & kRegisterMax);
}

void DenseSetRaw(uint8_t* registers, int index, uint8_t value) {
  size_t bit = static_cast<size_t>(index) * kRegisterBits;
  size_t byte = bit / 8, shift = bit & 7;
  unsigned v = value;
  registers[byte] = static_cast<uint8_t>((registers[byte] & ~(kRegisterMax << shift)) | (v << shift));
  if (byte + 1 < kDenseSize - kHeaderSize) {
    unsigned rshift = 8 - shift;
    registers[byte + 1] = static_cast<uint8_t>((registers[byte + 1] & ~(kRegisterMax >> rshift)) |
                                               (v >> rshift));
  }
}

bool DenseSet(uint8_t* registers, int index, uint8_t count) {
  if (count <= DenseGet(registers, index)) return false;
  DenseSetRaw(registers, index, count);
  return true;
}

bool DenseAdd(uint8_t* registers, std::string_view element) {
  int index;
  uint8_t count;
  Locate(element, &index, &count);
  return DenseSet(registers, index, count);
}

Update Set(std::string* value, int index, uint8_t count, size_t sparse_max_bytes,
           uint8_t* past_end) {
  uint8_t none = 0;
  if (past_end == nullptr) past_end = &none;
  switch (EncodingOf(*value)) {
    case kDense:
      return DenseSet(reinterpret_cast<uint8_t*>(&(*value)[kHeaderSize]), index, count)
                 ? Update::kChanged
                 : Update::kUnchanged;
    case kSparse:
      break;
    default:
      return Update::kInvalid;
  }
  switch (SparseSet(value, index, count, sparse_max_bytes, past_end)) {
    case SparseOutcome::kUnchanged: return Update::kUnchanged;
    case SparseOutcome::kChanged: return Update::kChanged;
    case SparseOutcome::kInvalid: return Update::kInvalid;
    case SparseOutcome::kPromote: break;
  }
  if (!SparseToDense(value, *past_end)) return Update::kInvalid;
  // The register is below `count` (a sparse register holds at most 32, or
  // the split was needed because it was lower), so this always raises it.
  DenseSet(reinterpret_cast<uint8_t*>(&(*value)[kHeaderSize]), index, count);
  return Update::kChanged;
}

Update Add(std::string* value, std::string_view element, size_t sparse_max_bytes,
           uint8_t* past_end) {
  int index;
  uint8_t count;
  Locate(element, &index, &count);
  return Set(value, index, count, sparse_max_bytes, past_end);
}

bool SparseToDense(std::string* value, uint8_t past_end) {
  if (EncodingOf(*value) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(&dense[0], value->data(), kHeaderSize);
  dense[4] = static_cast<char>(kDense);
  auto* regs = reinterpret_cast<uint8_t*>(&dense[kHeaderSize]);
  int64_t idx = 0;
  bool overflow = false;
  WalkSparse(*value, [&](char kind, int val, int run) {
    if (kind != 'v') {
      idx += run;
      return true;
    }
    if (idx + run > kRegisters) return !(overflow = true);
    for (int i = 0; i < run; ++i) DenseSetRaw(regs, static_cast<int>(idx++), static_cast<uint8_t>(val));
    return true;
  }, past_end);
  if (overflow || idx != kRegisters) return false;
  *value = std::move(dense);
  return true;
}

bool MergeInto(std::string_view value, uint8_t* max) {
  if (EncodingOf(value) == kDense) {
    const auto* regs = reinterpret_cast<const uint8_t*>(value.data() + kHeaderSize);
    for (int i = 0; i < kRegisters; ++i) {
      uint8_t v = DenseGet(regs, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  int64_t idx = 0;
  bool overflow = false;
  WalkSparse(value, [&](char kind, int val, int run) {
    if (kind != 'v') {
      idx += run;
      return true;
    }
    if (idx + run > kRegisters) return !(overflow = true);
    for (int i = 0; i < run; ++i, ++idx)
      if (val > max[idx]) max[idx] = static_cast<uint8_t>(val);
    return true;
  });
  return !overflow && idx == kRegisters;
}

uint64_t Count(std::string_view value, bool* invalid) {
  int64_t histo[64] = {0};
  if (EncodingOf(value) == kDense) {
    const auto* regs = reinterpret_cast<const uint8_t*>(value.data() + kHeaderSize);
    for (int i = 0; i < kRegisters; ++i) ++histo[DenseGet(regs, i)];
  } else {
    int64_t idx = 0;
    WalkSparse(value, [&](char kind, int val, int run) {
      idx += run;
      histo[kind == 'v' ? val : 0] += run;
      return true;
    });
    if (idx != kRegisters && invalid != nullptr) *invalid = true;
  }
  return Estimate(histo);
}

uint64_t CountRegisters(const uint8_t* max) {
  int64_t histo[64] = {0};
  for (int i = 0; i < kRegisters; ++i) ++histo[max[i] & 63];
  return Estimate(histo);
}

std::string DecodeSparse(std::string_view value) {
  std::string out;
  WalkSparse(value, [&](char kind, int val, int run) {
    if (!out.empty()) out += ' ';
    out += kind;
    out += ':';
    if (kind == 'v') {
      out += std::to_string(val);
      out += ',';
    }
    out += std::to_string(run);
    return true;
  });
  return out;
}

}  // namespace hll
}  // namespace troupe
