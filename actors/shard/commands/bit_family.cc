// Bit commands on strings: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
// BITFIELD_RO, with Redis 7.0's BYTE|BIT ranges, overflow modes and error
// texts. Bit 0 is the most significant bit of the first byte. Handlers run
// inline in the client session on the multiplexer thread.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"

namespace troupe {
namespace {

constexpr const char* kBadOffset = "ERR bit offset is not an integer or out of range";

// Parses a bit offset ("123", or "#3" meaning 3*bits when allowed).
bool BitOffsetArg(CommandContext& ctx, size_t i, bool allow_hash, int bits, uint64_t* out) {
  std::string_view s = ctx.arg(i);
  bool hash = allow_hash && bits > 0 && !s.empty() && s[0] == '#';
  if (hash) s.remove_prefix(1);
  int64_t v;
  if (!ParseInt64(s, &v)) {
    ctx.reply.Error(kBadOffset);
    return false;
  }
  if (hash) {
    if (v != 0 && (v > INT64_MAX / bits || v < INT64_MIN / bits)) {
      ctx.reply.Error(kBadOffset);
      return false;
    }
    v *= bits;
  }
  if (v < 0 || (static_cast<uint64_t>(v) >> 3) >=
                   static_cast<uint64_t>(ctx.server.options().proto_max_bulk_len)) {
    ctx.reply.Error(kBadOffset);
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

// Returns the string at key grown to hold bit `max_bit` (created when
// absent), or nullptr after replying WRONGTYPE. *grown tells whether it was
// created or lengthened (Redis then notifies even for unchanged bits).
Entry* StringForBitWrite(CommandContext& ctx, uint64_t max_bit, bool* grown) {
  Database& db = ctx.db();
  Entry* e = db.LookupWrite(ctx.arg(1));
  if (e != nullptr && e->type() != ObjType::kString) {
    ctx.WrongType();
    return nullptr;
  }
  size_t needed = static_cast<size_t>(max_bit >> 3) + 1;
  if (e == nullptr) db.SetString(ctx.arg(1), "");
  size_t current = db.LookupWrite(ctx.arg(1))->val_len;
  *grown = e == nullptr || needed > current;
  return db.ResizeString(ctx.arg(1), std::max(needed, current), /*greedy=*/false);
}

int GetBit(std::string_view s, uint64_t bit) {
  uint64_t byte = bit >> 3;
  if (byte >= s.size()) return 0;
  return (static_cast<unsigned char>(s[byte]) >> (7 - (bit & 7))) & 1;
}

void SetBitCommand(CommandContext& ctx) {
  uint64_t offset;
  if (!BitOffsetArg(ctx, 2, false, 0, &offset)) return;
  std::string_view v = ctx.arg(3);
  if (v != "0" && v != "1") {
    ctx.reply.Error("ERR bit is not an integer or out of range");
    return;
  }
  bool grown = false;
  Entry* e = StringForBitWrite(ctx, offset, &grown);
  if (e == nullptr) return;
  unsigned char* byte = reinterpret_cast<unsigned char*>(e->value_data()) + (offset >> 3);
  int shift = 7 - static_cast<int>(offset & 7);
  int old = (*byte >> shift) & 1;
  if (v == "1")
    *byte = static_cast<unsigned char>(*byte | (1u << shift));
  else
    *byte = static_cast<unsigned char>(*byte & ~(1u << shift));
  if (grown || old != (v == "1" ? 1 : 0)) ctx.Notify(kNotifyString, "setbit", ctx.arg(1));
  ctx.reply.Integer(old);
}

void GetBitCommand(CommandContext& ctx) {
  uint64_t offset;
  if (!BitOffsetArg(ctx, 2, false, 0, &offset)) return;
  Entry* e = ctx.db().LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (e->type() != ObjType::kString) {
    ctx.WrongType();
    return;
  }
  ctx.reply.Integer(GetBit(e->str(), offset));
}

// Normalises a [start, end] range (BYTE or BIT units) of a string of
// `len` bytes into an inclusive bit range. Returns false when empty.
bool NormaliseRange(int64_t start, int64_t end, bool is_bit, int64_t len, int64_t* first_bit,
                    int64_t* last_bit) {
  int64_t total = is_bit ? len * 8 : len;
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) return false;
  *first_bit = is_bit ? start : start * 8;
  *last_bit = is_bit ? end : end * 8 + 7;
  return true;
}

int64_t CountBits(std::string_view s, int64_t first_bit, int64_t last_bit) {
  int64_t count = 0;
  int64_t bit = first_bit;
  while (bit <= last_bit && (bit & 7) != 0) count += GetBit(s, static_cast<uint64_t>(bit++));
  while (bit + 63 <= last_bit) {
    uint64_t word;
    std::memcpy(&word, s.data() + (bit >> 3), 8);
    count += __builtin_popcountll(word);
    bit += 64;
  }
  while (bit + 7 <= last_bit) {
    count += __builtin_popcount(static_cast<unsigned char>(s[static_cast<size_t>(bit >> 3)]));
    bit += 8;
  }
  while (bit <= last_bit) count += GetBit(s, static_cast<uint64_t>(bit++));
  return count;
}

bool RangeUnit(CommandContext& ctx, size_t i, bool* is_bit) {
  if (EqualsIgnoreCase(ctx.arg(i), "BIT")) {
    *is_bit = true;
  } else if (EqualsIgnoreCase(ctx.arg(i), "BYTE")) {
    *is_bit = false;
  } else {
    ctx.SyntaxError();
    return false;
  }
  return true;
}

// BITCOUNT key [start end [BYTE|BIT]]
void BitCountCommand(CommandContext& ctx) {
  Entry* e = ctx.db().LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (e->type() != ObjType::kString) {
    ctx.WrongType();
    return;
  }
  std::string_view s = e->str();
  int64_t len = static_cast<int64_t>(s.size());
  int64_t first = 0, last = len * 8 - 1;
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    int64_t start, end;
    if (!ctx.IntArg(2, &start) || !ctx.IntArg(3, &end)) return;
    if (start < 0 && end < 0 && start > end) {
      ctx.reply.Integer(0);
      return;
    }
    bool is_bit = false;
    if (ctx.argc() == 5 && !RangeUnit(ctx, 4, &is_bit)) return;
    if (!NormaliseRange(start, end, is_bit, len, &first, &last)) {
      ctx.reply.Integer(0);
      return;
    }
  } else if (ctx.argc() != 2) {
    ctx.SyntaxError();
    return;
  }
  ctx.reply.Integer(last < first ? 0 : CountBits(s, first, last));
}

// BITPOS key bit [start [end [BYTE|BIT]]]
void BitPosCommand(CommandContext& ctx) {
  int64_t bit;
  if (!ctx.IntArg(2, &bit)) return;
  if (bit != 0 && bit != 1) {
    ctx.reply.Error("ERR The bit argument must be 1 or 0.");
    return;
  }
  Entry* e = ctx.db().LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Integer(bit ? -1 : 0);
    return;
  }
  if (e->type() != ObjType::kString) {
    ctx.WrongType();
    return;
  }
  std::string_view s = e->str();
  int64_t len = static_cast<int64_t>(s.size());
  int64_t first = 0, last = len * 8 - 1;
  bool end_given = false;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    int64_t start, end;
    if (!ctx.IntArg(3, &start)) return;
    bool is_bit = false;
    if (ctx.argc() == 6 && !RangeUnit(ctx, 5, &is_bit)) return;
    if (ctx.argc() >= 5) {
      if (!ctx.IntArg(4, &end)) return;
      end_given = true;
    } else {
      end = len - 1;
    }
    if (!NormaliseRange(start, end, is_bit, len, &first, &last)) {
      ctx.reply.Integer(-1);
      return;
    }
  } else if (ctx.argc() != 3) {
    ctx.SyntaxError();
    return;
  }
  if (last < first) {
    ctx.reply.Integer(-1);
    return;
  }
  for (int64_t b = first; b <= last; ++b) {
    // Skip whole bytes that cannot contain the bit we look for.
    if ((b & 7) == 0 && b + 7 <= last) {
      unsigned char byte = static_cast<unsigned char>(s[static_cast<size_t>(b >> 3)]);
      if ((bit == 1 && byte == 0) || (bit == 0 && byte == 0xFF)) {
        b += 7;
        continue;
      }
    }
    if (GetBit(s, static_cast<uint64_t>(b)) == bit) {
      ctx.reply.Integer(b);
      return;
    }
  }
  // Looking for a clear bit past the end of the string finds the padding,
  // unless the caller gave an explicit end.
  ctx.reply.Integer(bit == 0 && !end_given ? last + 1 : -1);
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]
void BitOpCommand(CommandContext& ctx) {
  std::string_view op = ctx.arg(1);
  enum { kAnd, kOr, kXor, kNot } kind;
  if (EqualsIgnoreCase(op, "AND")) kind = kAnd;
  else if (EqualsIgnoreCase(op, "OR")) kind = kOr;
  else if (EqualsIgnoreCase(op, "XOR")) kind = kXor;
  else if (EqualsIgnoreCase(op, "NOT")) kind = kNot;
  else {
    ctx.SyntaxError();
    return;
  }
  if (kind == kNot && ctx.argc() != 4) {
    ctx.reply.Error("ERR BITOP NOT must be called with a single source key.");
    return;
  }
  Database& db = ctx.db();
  std::vector<std::string> sources;
  size_t max_len = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    Entry* e = db.LookupRead(ctx.arg(i));
    if (e != nullptr && e->type() != ObjType::kString) {
      ctx.WrongType();
      return;
    }
    sources.emplace_back(e ? e->str() : std::string_view());
    max_len = std::max(max_len, sources.back().size());
  }
  std::string result(max_len, '\0');
  for (size_t j = 0; j < max_len; ++j) {
    auto byte = [&](size_t k) -> unsigned char {
      return j < sources[k].size() ? static_cast<unsigned char>(sources[k][j]) : 0;
    };
    unsigned char out = byte(0);
    if (kind == kNot) out = static_cast<unsigned char>(~out);
    for (size_t k = 1; k < sources.size(); ++k) {
      if (kind == kAnd) out &= byte(k);
      else if (kind == kOr) out |= byte(k);
      else out ^= byte(k);
    }
    result[j] = static_cast<char>(out);
  }
  if (result.empty()) {
    if (db.Delete(ctx.arg(2))) ctx.Notify(kNotifyGeneric, "del", ctx.arg(2));
  } else {
    db.SetString(ctx.arg(2), result);
    ctx.Notify(kNotifyString, "set", ctx.arg(2));
  }
  db.MarkEncoding(ctx.arg(2), Entry::kRawString | Entry::kUnshared);  // a fresh raw string
  ctx.reply.Integer(static_cast<int64_t>(result.size()));
}

// --- BITFIELD -------------------------------------------------------------

enum class Overflow { kWrap, kSat, kFail };

struct FieldOp {
  enum Kind { kGet, kSet, kIncrBy } kind;
  bool is_signed;
  int bits;
  uint64_t offset;
  int64_t value;
  Overflow overflow;
};

uint64_t ReadField(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int i = 0; i < bits; ++i) v = (v << 1) | static_cast<uint64_t>(GetBit(s, offset + i));
  return v;
}

void WriteField(char* data, uint64_t offset, int bits, uint64_t value) {
  for (int i = 0; i < bits; ++i) {
    uint64_t bit = offset + static_cast<uint64_t>(i);
    int v = static_cast<int>((value >> (bits - 1 - i)) & 1);
    auto* byte = reinterpret_cast<unsigned char*>(data) + (bit >> 3);
    int shift = 7 - static_cast<int>(bit & 7);
    if (v)
      *byte = static_cast<unsigned char>(*byte | (1u << shift));
    else
      *byte = static_cast<unsigned char>(*byte & ~(1u << shift));
  }
}

int64_t SignExtend(uint64_t v, int bits) {
  if (bits == 64) return static_cast<int64_t>(v);
  uint64_t sign = 1ULL << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

// value + incr within an unsigned field of `bits`; returns whether it
// overflowed and the wrapped or saturated result in *out.
bool UnsignedAdd(uint64_t value, int64_t incr, int bits, Overflow mode, uint64_t* out) {
  uint64_t max = (1ULL << bits) - 1;
  bool over = value > max || (incr > 0 && static_cast<uint64_t>(incr) > max - value);
  bool under = !over && incr < 0 && (0 - static_cast<uint64_t>(incr)) > value;
  if (!over && !under) {
    *out = value + static_cast<uint64_t>(incr);
    return false;
  }
  if (mode == Overflow::kWrap)
    *out = (value + static_cast<uint64_t>(incr)) & max;
  else if (mode == Overflow::kSat)
    *out = over ? max : 0;
  return true;
}

bool SignedAdd(int64_t value, int64_t incr, int bits, Overflow mode, int64_t* out) {
  int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  int64_t min = -max - 1;
  __int128 sum = static_cast<__int128>(value) + incr;
  bool over = value > max || sum > max;
  bool under = !over && (value < min || sum < min);
  if (!over && !under) {
    *out = static_cast<int64_t>(sum);
    return false;
  }
  if (mode == Overflow::kWrap) {
    uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    *out = SignExtend(bits == 64 ? c : (c & ((1ULL << bits) - 1)), bits);
  } else if (mode == Overflow::kSat) {
    *out = over ? max : min;
  }
  return true;
}

void BitFieldGeneric(CommandContext& ctx, bool read_only_command) {
  std::vector<FieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  bool writes = false;
  uint64_t highest_write_bit = 0;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    size_t remaining = ctx.argc() - j - 1;
    std::string_view sub = ctx.arg(j);
    FieldOp op{};
    if (EqualsIgnoreCase(sub, "GET") && remaining >= 2) {
      op.kind = FieldOp::kGet;
    } else if (EqualsIgnoreCase(sub, "SET") && remaining >= 3) {
      op.kind = FieldOp::kSet;
    } else if (EqualsIgnoreCase(sub, "INCRBY") && remaining >= 3) {
      op.kind = FieldOp::kIncrBy;
    } else if (EqualsIgnoreCase(sub, "OVERFLOW") && remaining >= 1) {
      std::string_view mode = ctx.arg(++j);
      if (EqualsIgnoreCase(mode, "WRAP")) overflow = Overflow::kWrap;
      else if (EqualsIgnoreCase(mode, "SAT")) overflow = Overflow::kSat;
      else if (EqualsIgnoreCase(mode, "FAIL")) overflow = Overflow::kFail;
      else {
        ctx.reply.Error("ERR Invalid OVERFLOW type specified");
        return;
      }
      continue;
    } else {
      ctx.SyntaxError();
      return;
    }
    std::string_view type = ctx.arg(j + 1);
    int64_t bits = 0;
    bool type_ok = !type.empty() && (type[0] == 'i' || type[0] == 'I' || type[0] == 'u' || type[0] == 'U');
    op.is_signed = type_ok && (type[0] == 'i' || type[0] == 'I');
    if (!type_ok || !ParseInt64(type.substr(1), &bits) || bits < 1 || (op.is_signed && bits > 64) ||
        (!op.is_signed && bits > 63)) {
      ctx.reply.Error(
          "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported "
          "but i64 is.");
      return;
    }
    op.bits = static_cast<int>(bits);
    if (!BitOffsetArg(ctx, j + 2, true, op.bits, &op.offset)) return;
    if (op.kind != FieldOp::kGet) {
      writes = true;
      highest_write_bit = std::max(highest_write_bit, op.offset + static_cast<uint64_t>(op.bits) - 1);
      if (!ctx.IntArg(j + 3, &op.value)) return;
    }
    op.overflow = overflow;
    ops.push_back(op);
    j += op.kind == FieldOp::kGet ? 2 : 3;
  }

  Entry* e;
  bool grown = false;
  if (!writes) {
    e = ctx.db().LookupRead(ctx.arg(1));
    if (e != nullptr && e->type() != ObjType::kString) {
      ctx.WrongType();
      return;
    }
  } else {
    if (read_only_command) {
      ctx.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
      return;
    }
    e = StringForBitWrite(ctx, highest_write_bit, &grown);
    if (e == nullptr) return;
  }

  ctx.reply.ArrayHeader(ops.size());
  size_t changes = 0;
  for (const FieldOp& op : ops) {
    std::string_view s = e ? e->str() : std::string_view();
    uint64_t raw = ReadField(s, op.offset, op.bits);
    if (op.kind == FieldOp::kGet) {
      ctx.reply.Integer(op.is_signed ? SignExtend(raw, op.bits) : static_cast<int64_t>(raw));
      continue;
    }
    bool overflowed;
    uint64_t new_raw;
    int64_t reply_value;
    if (op.is_signed) {
      int64_t old = SignExtend(raw, op.bits), result = 0;
      if (op.kind == FieldOp::kIncrBy) {
        overflowed = SignedAdd(old, op.value, op.bits, op.overflow, &result);
        reply_value = result;
      } else {
        overflowed = SignedAdd(op.value, 0, op.bits, op.overflow, &result);
        if (!overflowed) result = op.value;
        reply_value = old;
      }
      new_raw = static_cast<uint64_t>(result);
    } else {
      uint64_t result = 0;
      if (op.kind == FieldOp::kIncrBy) {
        overflowed = UnsignedAdd(raw, op.value, op.bits, op.overflow, &result);
        reply_value = static_cast<int64_t>(result);
      } else {
        overflowed = UnsignedAdd(static_cast<uint64_t>(op.value), 0, op.bits, op.overflow, &result);
        if (!overflowed) result = static_cast<uint64_t>(op.value);
        reply_value = static_cast<int64_t>(raw);
      }
      new_raw = result;
    }
    if (overflowed && op.overflow == Overflow::kFail) {
      ctx.reply.Null();
      continue;
    }
    ctx.reply.Integer(reply_value);
    WriteField(e->value_data(), op.offset, op.bits, new_raw);
    uint64_t mask = op.bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << op.bits) - 1;
    if (grown || (new_raw & mask) != (raw & mask)) ++changes;  // as Redis: a write that changed something
  }
  if (changes > 0) ctx.Notify(kNotifyString, "setbit", ctx.arg(1));
}

void BitFieldCommand(CommandContext& ctx) { BitFieldGeneric(ctx, false); }
void BitFieldRoCommand(CommandContext& ctx) { BitFieldGeneric(ctx, true); }

}  // namespace

void RegisterBitFamily(CommandTable& t) {
  const uint32_t R = kCmdReadonly, W = kCmdWrite, D = kCmdDenyOom, F = kCmdFast;
  t.Add(Cmd("setbit", 4, W | D, 1, 1, 1, SetBitCommand, "bitmap", "2.2.0",
            "Sets or clears the bit at offset in the string value stored at key")
            .Keys("RW access update"));
  t.Add(Cmd("getbit", 3, R | F, 1, 1, 1, GetBitCommand, "bitmap", "2.2.0",
            "Returns the bit value at offset in the string value stored at key"));
  t.Add(Cmd("bitcount", -2, R, 1, 1, 1, BitCountCommand, "bitmap", "2.6.0",
            "Count set bits in a string"));
  t.Add(Cmd("bitpos", -3, R, 1, 1, 1, BitPosCommand, "bitmap", "2.8.7",
            "Find first bit set or clear in a string"));
  t.Add(Cmd("bitop", -4, W | D, 2, -1, 1, BitOpCommand, "bitmap", "2.6.0",
            "Perform bitwise operations between strings")
            .Specs({{"OW update", 2, 0, 1, ""}, {"RO access", 3, -1, 1, ""}}));
  t.Add(Cmd("bitfield", -2, W | D, 1, 1, 1, BitFieldCommand, "bitmap", "3.2.0",
            "Perform arbitrary bitfield integer operations on strings")
            .Keys("RW access update variable_flags",
                  "This command allows both access and modification of the key"));
  t.Add(Cmd("bitfield_ro", -2, R | F, 1, 1, 1, BitFieldRoCommand, "bitmap", "6.0.0",
            "Perform arbitrary bitfield integer operations on strings. Read-only variant of "
            "BITFIELD"));
}

}  // namespace troupe
