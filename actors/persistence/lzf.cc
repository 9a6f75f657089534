// LZF (the format of Marc Lehmann's liblzf, which Redis uses). A compressed
// stream is a sequence of items, each opened by a control byte:
//   ctrl < 32       a literal run: the next ctrl+1 bytes are copied as is;
//   ctrl >= 32      a back-reference: length code L = ctrl >> 5 (7 = one
//                   more byte follows and is added to L), then one byte that,
//                   with the low 5 bits of ctrl, is the distance minus one
//                   (13 bits, up to 8192 back); it copies L+2 bytes (3..264)
//                   starting that far back in the output, possibly
//                   overlapping what it writes.
// The compressor below is written from that description: a hash of the next
// three bytes finds the latest earlier position with the same prefix, the
// match is extended as far as the format allows, and bytes with no match
// gather in literal runs of up to 32. Pure functions; no CAF.
#include "actors/persistence/lzf.h"

#include <cstdint>
#include <cstring>

namespace troupe {
namespace {

constexpr size_t kMaxLiteral = 32;          // bytes in one literal run
constexpr size_t kMaxDistance = 1 << 13;    // 13-bit distance, minus one
constexpr size_t kMinMatch = 3;             // shorter matches do not pay
constexpr size_t kMaxMatch = 2 + 7 + 255;   // length code 7 + one extra byte
constexpr int kMinHashBits = 6, kMaxHashBits = 14;

inline uint32_t HashOf3(const unsigned char* p, int bits) {
  uint32_t v = (static_cast<uint32_t>(p[0]) << 16) | (static_cast<uint32_t>(p[1]) << 8) | p[2];
  return (v * 2654435761u) >> (32 - bits);
}

// Writes literal bytes [from, to) of the input as runs of at most 32.
bool EmitLiterals(const unsigned char* from, const unsigned char* to, unsigned char*& op,
                  const unsigned char* out_end) {
  while (from < to) {
    size_t run = static_cast<size_t>(to - from);
    if (run > kMaxLiteral) run = kMaxLiteral;
    if (static_cast<size_t>(out_end - op) < run + 1) return false;
    *op++ = static_cast<unsigned char>(run - 1);
    std::memcpy(op, from, run);
    op += run;
    from += run;
  }
  return true;
}

// Writes a back-reference of `len` bytes (3..264) at `distance` (1..8192).
bool EmitReference(size_t len, size_t distance, unsigned char*& op, const unsigned char* out_end) {
  size_t code = len - 2, off = distance - 1;
  size_t need = code < 7 ? 2 : 3;
  if (static_cast<size_t>(out_end - op) < need) return false;
  if (code < 7) {
    *op++ = static_cast<unsigned char>((code << 5) | (off >> 8));
  } else {
    *op++ = static_cast<unsigned char>((7 << 5) | (off >> 8));
    *op++ = static_cast<unsigned char>(code - 7);
  }
  *op++ = static_cast<unsigned char>(off & 0xFF);
  return true;
}

}  // namespace

size_t LzfCompress(const void* in, size_t in_len, void* out, size_t out_len) {
  if (in_len == 0) return 0;
  const auto* base = static_cast<const unsigned char*>(in);
  const unsigned char* end = base + in_len;
  auto* op = static_cast<unsigned char*>(out);
  unsigned char* out_start = op;
  const unsigned char* out_end = op + out_len;
  // Latest input position (plus one; 0 = none) of each 3-byte hash. The
  // table grows with the input (up to 16K slots), so the many short strings
  // of a snapshot do not each pay for clearing a large one.
  int bits = kMinHashBits;
  while (bits < kMaxHashBits && (size_t{1} << bits) < in_len) ++bits;
  uint32_t table[1u << kMaxHashBits];
  std::memset(table, 0, sizeof(uint32_t) << bits);
  const unsigned char* ip = base;
  const unsigned char* literal = base;  // start of the pending literal run
  while (end - ip >= static_cast<ptrdiff_t>(kMinMatch)) {
    uint32_t h = HashOf3(ip, bits);
    size_t pos = static_cast<size_t>(ip - base);
    uint32_t prev = table[h];
    table[h] = static_cast<uint32_t>(pos + 1);
    if (prev != 0) {
      const unsigned char* ref = base + (prev - 1);
      size_t distance = static_cast<size_t>(ip - ref);
      if (distance <= kMaxDistance && std::memcmp(ref, ip, kMinMatch) == 0) {
        size_t limit = static_cast<size_t>(end - ip);
        if (limit > kMaxMatch) limit = kMaxMatch;
        size_t len = kMinMatch;
        while (len < limit && ref[len] == ip[len]) ++len;
        if (!EmitLiterals(literal, ip, op, out_end) || !EmitReference(len, distance, op, out_end))
          return 0;
        // Index the positions inside the match too, so later data can refer
        // to any of them.
        const unsigned char* stop = ip + len;
        for (++ip; ip < stop && end - ip >= static_cast<ptrdiff_t>(kMinMatch); ++ip)
          table[HashOf3(ip, bits)] = static_cast<uint32_t>(ip - base + 1);
        ip = stop;
        literal = ip;
        continue;
      }
    }
    ++ip;
  }
  if (!EmitLiterals(literal, end, op, out_end)) return 0;
  return static_cast<size_t>(op - out_start);
}

size_t LzfDecompress(const void* in, size_t in_len, void* out, size_t out_len) {
  const auto* ip = static_cast<const unsigned char*>(in);
  const unsigned char* in_end = ip + in_len;
  auto* op = static_cast<unsigned char*>(out);
  unsigned char* out_start = op;
  unsigned char* out_end = op + out_len;
  while (ip < in_end) {
    unsigned int ctrl = *ip++;
    if (ctrl < 32) {
      size_t run = ctrl + 1;
      if (static_cast<size_t>(out_end - op) < run || static_cast<size_t>(in_end - ip) < run) return 0;
      std::memcpy(op, ip, run);
      op += run;
      ip += run;
    } else {
      size_t len = ctrl >> 5;
      if (ip >= in_end) return 0;
      if (len == 7) {
        len += *ip++;
        if (ip >= in_end) return 0;
      }
      size_t back = ((ctrl & 0x1f) << 8) + *ip++ + 1;
      len += 2;
      if (static_cast<size_t>(out_end - op) < len || back > static_cast<size_t>(op - out_start))
        return 0;
      const unsigned char* ref = op - back;
      for (size_t i = 0; i < len; ++i) *op++ = *ref++;  // may overlap: byte by byte
    }
  }
  return static_cast<size_t>(op - out_start);
}

}  // namespace troupe
