// HyperLogLog: Redis's HLL string format and the operations PFADD, PFCOUNT,
// PFMERGE and PFDEBUG (actors/shard/commands/hll_family.cc) perform on it.
//
// An HLL is an ordinary string value, byte for byte the one redis-server
// writes, so GET/SET, DUMP/RESTORE, RDB files and replication move HLLs
// between Troupe and Redis unchanged:
//
//   [ "HYLL" | encoding 1B | unused 3B | cached cardinality 8B ][ registers ]
//
// The cardinality is little endian; its top bit (byte 15, bit 7) set means
// "stale, recompute". 16384 registers (P = 14), each the position of the
// first 1 bit (1..51) in the 50 remaining hash bits of some element, hashed
// with MurmurHash64A and seed 0xadc83b19. Two register encodings:
//
//   dense   (0): 16384 packed 6-bit registers, least significant bits first;
//                the value is exactly kDenseSize (12304) bytes.
//   sparse  (1): run-length opcodes covering all 16384 registers in order:
//                ZERO  00xxxxxx           xxxxxx+1 (1..64) zero registers
//                XZERO 01xxxxxx yyyyyyyy  xxxxxxyyyyyyyy+1 (1..16384) zeros
//                VAL   1vvvvvxx           xx+1 (1..4) registers of vvvvv+1
//                      (1..32)
//
// A new HLL is sparse; an update that needs a register above 32, or would
// grow the sparse form beyond hll-sparse-max-bytes, promotes it to dense.
// Updates edit the sparse opcodes in place exactly as Redis does (split the
// covering opcode, then merge equal neighbouring VALs), which is what keeps
// the bytes identical to Redis's.
//
// Malformed input (a value SET by hand, or changed with SETRANGE) is never
// trusted: every operation that Redis reports as corrupted reports false /
// kInvalid here. An XZERO cut short at the very end reads its missing byte
// past the end, where Redis reads its string's terminator: zero, except that
// Redis's own split of such an opcode leaves a byte there. Within one command
// the writers track that byte (`past_end`) as Redis does; between commands
// Troupe, which stores only the value's bytes, sees zero again while Redis
// may still see that leftover byte. Only values that already end in a
// truncated opcode (which no HLL command writes from a valid one) differ.
//
// Plain C++, no CAF header; single-threaded (the shard's multiplexer thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace troupe {
namespace hll {

constexpr int kPrecision = 14;                     // P: bits of the register index
constexpr int kHashBits = 64 - kPrecision;         // Q: bits that give the count
constexpr int kRegisters = 1 << kPrecision;        // 16384
constexpr int kRegisterBits = 6;
constexpr int kRegisterMax = (1 << kRegisterBits) - 1;
constexpr size_t kHeaderSize = 16;
constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kRegisterBits + 7) / 8;  // 12304
constexpr uint32_t kHashSeed = 0xadc83b19u;

// Sparse opcode limits.
constexpr int kSparseValMaxValue = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr int kSparseXZeroMaxLen = 16384;

enum Encoding : uint8_t { kDense = 0, kSparse = 1 };

// Result of an update: the register was raised, nothing changed, or the
// value is malformed (Redis's "INVALIDOBJ Corrupted HLL object detected").
enum class Update { kUnchanged = 0, kChanged = 1, kInvalid = -1 };

// MurmurHash2, 64-bit version A, as Redis uses it (little-endian reads).
uint64_t MurmurHash64A(const void* key, size_t len, uint32_t seed);

// The register an element falls in and the count it proposes for it
// (1..kHashBits+1).
void Locate(std::string_view element, int* index, uint8_t* count);

// The value of a new, empty HLL: sparse, one XZERO opcode for all
// registers, cached cardinality 0 (valid). 18 bytes.
std::string NewSparse();

// Whether a string value is an HLL as far as Redis checks before using it:
// at least a header, the "HYLL" magic, encoding dense or sparse, and a
// dense value exactly kDenseSize bytes. (The sparse opcodes are checked
// only by the operations that walk them.)
bool IsHll(std::string_view value);

inline Encoding EncodingOf(std::string_view value) {
  return static_cast<Encoding>(static_cast<uint8_t>(value[4]));
}

// The cached cardinality (header bytes 8..15).
bool CacheValid(std::string_view value);
uint64_t CachedCardinality(std::string_view value);
// Writes `card` into the header of `data` (the value's first byte); marks
// the cache valid.
void StoreCardinality(char* data, uint64_t card);
// Marks the cached cardinality stale.
void InvalidateCache(char* data);

// Dense registers (the value's bytes after the header).
uint8_t DenseGet(const uint8_t* registers, int index);
void DenseSetRaw(uint8_t* registers, int index, uint8_t value);
// Raises register `index` to `count` if that is higher; true if it did.
bool DenseSet(uint8_t* registers, int index, uint8_t count);
// PFADD of one element to dense registers: true if a register was raised.
bool DenseAdd(uint8_t* registers, std::string_view element);

// Raises register `index` of `*value` (either encoding) to `count`, editing
// the sparse opcodes or promoting to dense as Redis does. A sparse value
// that would grow beyond `sparse_max_bytes` is promoted. `past_end` (zero
// at the start of a command; nullptr = zero) carries the byte past the end
// from one call to the next within a command; see above.
Update Set(std::string* value, int index, uint8_t count, size_t sparse_max_bytes,
           uint8_t* past_end = nullptr);
// PFADD of one element.
Update Add(std::string* value, std::string_view element, size_t sparse_max_bytes,
           uint8_t* past_end = nullptr);

// Converts a sparse value to dense (header kept, encoding byte changed).
// A dense value is left as it is. False (value unchanged) when the sparse
// opcodes do not cover exactly kRegisters registers.
bool SparseToDense(std::string* value, uint8_t past_end = 0);

// max[i] = MAX(max[i], register i of `value`) for all registers; `max` has
// kRegisters bytes. False when sparse opcodes are malformed (max may then
// be partly updated).
bool MergeInto(std::string_view value, uint8_t* max);

// The estimated cardinality of a value (dense or sparse), Ertl's improved
// estimator exactly as Redis computes it. *invalid is set when the sparse
// opcodes do not cover exactly kRegisters registers (the estimate is then
// meaningless). Ignores the cache.
uint64_t Count(std::string_view value, bool* invalid);
// The cardinality of plain byte registers (kRegisters of them), as PFCOUNT
// of several keys estimates their union.
uint64_t CountRegisters(const uint8_t* max);

// PFDEBUG DECODE: the sparse opcodes as text, "Z:16384" / "z:3" / "v:2,1"
// separated by spaces. The value must be sparse.
std::string DecodeSparse(std::string_view value);

}  // namespace hll
}  // namespace troupe
