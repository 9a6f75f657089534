// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, with Redis
// 7.0's replies, errors and side effects. An HLL is an ordinary string value
// in Redis's exact format (actors/shard/types/hll.h), so GET returns the
// bytes redis-server would hold and HLLs copied from Redis work here.
// Handlers run inline in the client session on the multiplexer thread.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/config.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/types/hll.h"

namespace troupe {
namespace {

constexpr const char kNotHll[] = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr const char kCorrupted[] = "INVALIDOBJ Corrupted HLL object detected";

// hll-sparse-max-bytes: a sparse HLL that would grow beyond it is promoted.
size_t SparseMaxBytes(CommandContext& ctx) {
  int64_t bytes = ctx.server.options().hll_sparse_max_bytes;
  return bytes < 0 ? 0 : static_cast<size_t>(bytes);
}

// Replies the error and returns false unless `e` holds an HLL string.
bool CheckHll(CommandContext& ctx, const Entry* e) {
  if (e->type() != ObjType::kString) {
    ctx.WrongType();
    return false;
  }
  if (!hll::IsHll(e->str())) {
    ctx.reply.Error(kNotHll);
    return false;
  }
  return true;
}

// Redis makes the value a private raw string before writing to it
// (dbUnshareStringValue), which OBJECT ENCODING shows.
void MarkRaw(Entry* e) { e->meta |= Entry::kRawString; }

// Writes `value` over the HLL at `key` (whose entry is `e`), keeping the
// TTL. Counts one change (Modified / ResizeString do).
void StoreValue(Database& db, Entry* e, std::string_view key, const std::string& value) {
  if (value.size() == e->val_len) {
    std::memcpy(e->value_data(), value.data(), value.size());
    MarkRaw(e);
    db.Modified(key);
    return;
  }
  bool sparse = hll::EncodingOf(value) == hll::kSparse;  // may grow again: room to spare
  e = db.ResizeString(key, value.size(), /*greedy=*/sparse);
  std::memcpy(e->value_data(), value.data(), value.size());
}

// PFADD key [element ...]
void PfAddCommand(CommandContext& ctx) {
  Database& db = ctx.db();
  std::string_view key = ctx.arg(1);
  Entry* e = db.LookupWrite(key);
  int64_t updated = 0;
  if (e == nullptr) {
    std::string value = hll::NewSparse();
    updated = 1;
    size_t max_bytes = ctx.argc() > 2 ? SparseMaxBytes(ctx) : 0;
    for (size_t i = 2; i < ctx.argc(); ++i)
      if (hll::Add(&value, ctx.arg(i), max_bytes) == hll::Update::kChanged) ++updated;
    hll::InvalidateCache(&value[0]);
    db.SetString(key, value);
    db.MarkEncoding(key, Entry::kRawString);
  } else {
    if (!CheckHll(ctx, e)) return;
    MarkRaw(e);
    if (hll::EncodingOf(e->str()) == hll::kDense) {
      auto* regs = reinterpret_cast<uint8_t*>(e->value_data() + hll::kHeaderSize);
      for (size_t i = 2; i < ctx.argc(); ++i)
        if (hll::DenseAdd(regs, ctx.arg(i))) ++updated;
      if (updated > 0) {
        hll::InvalidateCache(e->value_data());
        db.Modified(key);
      }
    } else {
      std::string value(e->str());
      size_t max_bytes = SparseMaxBytes(ctx);
      bool invalid = false;
      uint8_t past_end = 0;  // see hll.h
      for (size_t i = 2; i < ctx.argc() && !invalid; ++i) {
        switch (hll::Add(&value, ctx.arg(i), max_bytes, &past_end)) {
          case hll::Update::kChanged: ++updated; break;
          case hll::Update::kUnchanged: break;
          case hll::Update::kInvalid: invalid = true; break;
        }
      }
      if (invalid) {
        // Redis keeps what the earlier elements changed, and reports the
        // corruption without the usual notifications.
        if (updated > 0) StoreValue(db, e, key, value);
        ctx.reply.Error(kCorrupted);
        return;
      }
      if (updated > 0) {
        hll::InvalidateCache(&value[0]);
        StoreValue(db, e, key, value);
      }
    }
  }
  if (updated > 0) {
    ctx.keyspace.dirty += static_cast<uint64_t>(updated - 1);  // Redis counts each change
    ctx.Notify(kNotifyString, "pfadd", key);
  }
  ctx.reply.Integer(updated > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]
void PfCountCommand(CommandContext& ctx) {
  Database& db = ctx.db();
  if (ctx.argc() > 2) {
    // The cardinality of the union; no key is modified.
    uint8_t max[hll::kRegisters] = {};
    for (size_t i = 1; i < ctx.argc(); ++i) {
      Entry* e = db.LookupRead(ctx.arg(i));
      if (e == nullptr) continue;
      if (!CheckHll(ctx, e)) return;
      if (!hll::MergeInto(e->str(), max)) {
        ctx.reply.Error(kCorrupted);
        return;
      }
    }
    ctx.reply.Integer(static_cast<int64_t>(hll::CountRegisters(max)));
    return;
  }
  std::string_view key = ctx.arg(1);
  Entry* e = db.LookupRead(key);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (!CheckHll(ctx, e)) return;
  MarkRaw(e);
  uint64_t card;
  if (hll::CacheValid(e->str())) {
    card = hll::CachedCardinality(e->str());
  } else {
    bool invalid = false;
    card = hll::Count(e->str(), &invalid);
    if (invalid) {
      ctx.reply.Error(kCorrupted);
      return;
    }
    // The cache lives in the value: this read writes the key.
    hll::StoreCardinality(e->value_data(), card);
    db.Modified(key);
  }
  ctx.reply.Integer(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey ...]
void PfMergeCommand(CommandContext& ctx) {
  Database& db = ctx.db();
  uint8_t max[hll::kRegisters] = {};
  bool use_dense = false;
  // The destination is merged too (it is argument 1).
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Entry* e = db.LookupRead(ctx.arg(i));
    if (e == nullptr) continue;
    if (!CheckHll(ctx, e)) return;
    if (hll::EncodingOf(e->str()) == hll::kDense) use_dense = true;
    if (!hll::MergeInto(e->str(), max)) {
      ctx.reply.Error(kCorrupted);
      return;
    }
  }
  std::string_view dest = ctx.arg(1);
  Entry* d = db.LookupWrite(dest);
  std::string value = d != nullptr ? std::string(d->str()) : hll::NewSparse();
  if (use_dense && !hll::SparseToDense(&value)) {
    ctx.reply.Error(kCorrupted);  // not reached: the merge above checked the same
    return;
  }
  size_t max_bytes = hll::EncodingOf(value) == hll::kSparse ? SparseMaxBytes(ctx) : 0;
  uint8_t past_end = 0;  // see hll.h
  for (int j = 0; j < hll::kRegisters; ++j)
    if (max[j] != 0) hll::Set(&value, j, max[j], max_bytes, &past_end);
  hll::InvalidateCache(&value[0]);
  db.SetString(dest, value, -1, /*keep_ttl=*/true);
  db.MarkEncoding(dest, Entry::kRawString);
  // Redis reports a merge as "pfadd", for simplicity.
  ctx.Notify(kNotifyString, "pfadd", dest);
  ctx.reply.Ok();
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
void PfDebugCommand(CommandContext& ctx) {
  Database& db = ctx.db();
  std::string_view sub = ctx.arg(1);
  std::string_view key = ctx.arg(2);
  Entry* e = db.LookupWrite(key);
  if (e == nullptr) {
    ctx.reply.Error("ERR The specified key does not exist");
    return;
  }
  if (!CheckHll(ctx, e)) return;
  MarkRaw(e);
  // GETREG and TODENSE convert a sparse value for good.
  auto to_dense = [&](bool* converted) {
    *converted = false;
    if (hll::EncodingOf(e->str()) != hll::kSparse) return true;
    std::string value(e->str());
    if (!hll::SparseToDense(&value)) {
      ctx.reply.Error(kCorrupted);
      return false;
    }
    db.SetString(key, value, -1, /*keep_ttl=*/true);
    db.MarkEncoding(key, Entry::kRawString);
    e = db.Peek(key);
    *converted = true;
    return true;
  };
  bool converted;
  if (EqualsIgnoreCase(sub, "getreg")) {
    if (!to_dense(&converted)) return;
    const auto* regs = reinterpret_cast<const uint8_t*>(e->value_data() + hll::kHeaderSize);
    ctx.reply.ArrayHeader(hll::kRegisters);
    for (int j = 0; j < hll::kRegisters; ++j) ctx.reply.Integer(hll::DenseGet(regs, j));
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (hll::EncodingOf(e->str()) != hll::kSparse) {
      ctx.reply.Error("ERR HLL encoding is not sparse");
      return;
    }
    ctx.reply.Bulk(hll::DecodeSparse(e->str()));
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.reply.Simple(hll::EncodingOf(e->str()) == hll::kDense ? "dense" : "sparse");
  } else if (EqualsIgnoreCase(sub, "todense")) {
    if (!to_dense(&converted)) return;
    ctx.reply.Integer(converted ? 1 : 0);
  } else {
    ctx.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

// PFSELFTEST: Redis's self test of the register packing and of the
// estimator (10 million elements, dense and sparse side by side). Takes a
// few hundred milliseconds, like Redis's.
void PfSelfTestCommand(CommandContext& ctx) {
  std::mt19937_64 rng(static_cast<uint64_t>(ctx.keyspace.now_ms()));
  std::string dense(hll::kDenseSize, '\0');
  auto* regs = reinterpret_cast<uint8_t*>(&dense[hll::kHeaderSize]);
  std::vector<uint8_t> bytes(hll::kRegisters);
  // 1: every register keeps its value and leaves its neighbours alone.
  for (int cycle = 0; cycle < 1000; ++cycle) {
    for (int i = 0; i < hll::kRegisters; ++i) {
      bytes[i] = static_cast<uint8_t>(rng() & hll::kRegisterMax);
      hll::DenseSetRaw(regs, i, bytes[i]);
    }
    for (int i = 0; i < hll::kRegisters; ++i) {
      uint8_t v = hll::DenseGet(regs, i);
      if (v != bytes[i]) {
        ctx.reply.Error("ERR TESTFAILED Register " + std::to_string(i) + " should be " +
                        std::to_string(bytes[i]) + " but is " + std::to_string(v));
        return;
      }
    }
  }
  // 2: the estimate stays within 6 standard errors at every power of ten,
  // and the sparse and dense forms agree.
  std::memset(regs, 0, hll::kDenseSize - hll::kHeaderSize);
  std::memcpy(&dense[0], "HYLL", 4);
  std::string sparse = hll::NewSparse();
  size_t max_bytes = SparseMaxBytes(ctx);
  const double relerr = 1.04 / std::sqrt(static_cast<double>(hll::kRegisters));
  const uint64_t seed = rng();
  uint64_t checkpoint = 1;
  for (uint64_t j = 1; j <= 10000000; ++j) {
    uint64_t ele = j ^ seed;
    std::string_view bytes_of(reinterpret_cast<const char*>(&ele), sizeof(ele));
    hll::DenseAdd(regs, bytes_of);
    hll::Add(&sparse, bytes_of, max_bytes);
    if (j != checkpoint) continue;
    if (j < max_bytes / 2 && hll::EncodingOf(sparse) != hll::kSparse) {
      ctx.reply.Error("ERR TESTFAILED sparse encoding not used");
      return;
    }
    uint64_t card = hll::Count(dense, nullptr);
    if (card != hll::Count(sparse, nullptr)) {
      ctx.reply.Error("ERR TESTFAILED dense/sparse disagree");
      return;
    }
    int64_t abserr = static_cast<int64_t>(checkpoint) - static_cast<int64_t>(card);
    uint64_t maxerr = static_cast<uint64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    if (j == 10) maxerr = 1;  // collisions make small cardinalities noisy
    if (abserr < 0) abserr = -abserr;
    if (abserr > static_cast<int64_t>(maxerr)) {
      ctx.reply.Error("ERR TESTFAILED Too big error. card:" + std::to_string(checkpoint) +
                      " abserr:" + std::to_string(abserr));
      return;
    }
    checkpoint *= 10;
  }
  ctx.reply.Ok();
}

}  // namespace

void RegisterHllFamily(CommandTable& t) {
  const uint32_t R = kCmdReadonly, W = kCmdWrite, F = kCmdFast, D = kCmdDenyOom, A = kCmdAdmin;
  t.Add(Cmd("pfadd", -2, W | D | F, 1, 1, 1, PfAddCommand, "hyperloglog", "2.8.9",
            "Adds the specified elements to the specified HyperLogLog.")
            .Keys("RW insert"));
  t.Add(Cmd("pfcount", -2, R, 1, -1, 1, PfCountCommand, "hyperloglog", "2.8.9",
            "Return the approximated cardinality of the set(s) observed by the HyperLogLog at "
            "key(s).")
            .Keys("RW access",
                  "RW because it may change the internal representation of the key, and "
                  "propagate to replicas"));
  t.Add(Cmd("pfmerge", -2, W | D, 1, -1, 1, PfMergeCommand, "hyperloglog", "2.8.9",
            "Merge N different HyperLogLogs into a single one.")
            .Specs({KeySpec{"RW access insert", 1, 0, 1, ""},
                    KeySpec{"RO access", 2, -1, 1, ""}}));
  t.Add(Cmd("pfdebug", 3, W | D | A, 2, 2, 1, PfDebugCommand, "hyperloglog", "2.8.9",
            "Internal commands for debugging HyperLogLog values")
            .Keys("RW access"));
  t.Add(Cmd("pfselftest", 1, A, 0, 0, 0, PfSelfTestCommand, "hyperloglog", "2.8.9",
            "An internal command for testing HyperLogLog values"));
}

}  // namespace troupe
