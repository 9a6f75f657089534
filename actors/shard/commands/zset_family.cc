// Sorted-set commands: ZADD (NX XX GT LT CH INCR) ZINCRBY ZREM ZCARD ZCOUNT
// ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK ZRANGE (BYSCORE BYLEX REV LIMIT
// WITHSCORES) ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE
// ZRANGEBYLEX ZREVRANGEBYLEX ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX
// ZPOPMIN ZPOPMAX BZPOPMIN BZPOPMAX ZMPOP BZMPOP ZRANDMEMBER ZUNION ZINTER
// ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD ZSCAN, with Redis
// 7.0's argument rules, replies (scores as RESP2 bulk "%.17g" or RESP3
// doubles; WITHSCORES as RESP3 pairs), error texts, keyspace events and
// listpack -> skiplist conversions.
// Handlers run inline in the client session on the multiplexer thread; the
// data structure is ZSetValue (actors/shard/types/zset_value.h).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/commands/scan_args.h"
#include "actors/shard/types/set_value.h"
#include "actors/shard/types/zset_value.h"

namespace troupe {
namespace {

using Item = std::pair<std::string_view, double>;

ZSetLimits Limits(CommandContext& ctx) {
  const ServerOptions& o = ctx.server.options();
  return ZSetLimits{static_cast<size_t>(o.zset_max_listpack_entries),
                    static_cast<size_t>(o.zset_max_listpack_value)};
}

ZSetValue* ZOf(const Entry* e) { return static_cast<ZSetValue*>(e->collection()); }

// Points `e` at `z` after an operation moved the value.
void Rebind(Entry* e, ZSetValue* z) {
  Collection* c = z;
  std::memcpy(e->value_data(), &c, sizeof(c));
}

// Looks up `key` as a sorted set. Returns false (after replying WRONGTYPE)
// when it holds another type; *z is nullptr when the key is absent.
bool LookupZSet(CommandContext& ctx, std::string_view key, bool write, Entry** e) {
  *e = write ? ctx.db().LookupWrite(key) : ctx.db().LookupRead(key);
  if (*e != nullptr && (*e)->type() != ObjType::kZSet) {
    ctx.WrongType();
    return false;
  }
  return true;
}

// After an in-place change of `key`'s set: the "del" event and removal
// when it became empty, else the change record.
void AfterRemoval(CommandContext& ctx, std::string_view key, const ZSetValue* z) {
  ctx.CollectionShrunk(key, z->size() == 0);
}

// Makes `z` the value of `dst` as Redis's setKey does: an existing key is
// overwritten in place (no "new" event) and loses its TTL.
void StoreValue(CommandContext& ctx, std::string_view dst, ZSetValue* z) {
  Database& db = ctx.db();
  Entry* e = db.LookupWrite(dst);
  if (e != nullptr && e->type() != ObjType::kString) {
    delete e->collection();
    Rebind(e, z);
    e->meta = (e->meta & ~(Entry::kTypeMask | Entry::kValueBits)) |
              static_cast<uint32_t>(ObjType::kZSet);
    bool had_ttl = e->has_expire();
    db.Modified(dst);
    if (had_ttl) db.Persist(dst);
    return;
  }
  if (e != nullptr) db.Delete(dst);
  db.AddCollection(dst, ObjType::kZSet, z);
}

// Stores a STORE command's result (or deletes `dst` when it is empty) and
// replies its size.
void StoreResult(CommandContext& ctx, std::string_view dst, std::vector<ZItem> items,
                 const char* event) {
  if (items.empty()) {
    ctx.reply.Integer(0);
    if (ctx.db().Delete(dst)) ctx.Notify(kNotifyGeneric, "del", dst);
    return;
  }
  size_t n = items.size();
  StoreValue(ctx, dst, ZSetValue::FromItems(std::move(items), Limits(ctx)));
  ctx.reply.Integer(static_cast<int64_t>(n));
  ctx.Notify(kNotifyZSet, event, dst);
}

// Members (with scores) as Redis replies them: a flat array in RESP2, an
// array of [member, score] pairs in RESP3.
void ReplyItems(CommandContext& ctx, const std::vector<Item>& items, bool withscores) {
  bool pairs = withscores && ctx.reply.protocol() >= 3;
  ctx.reply.ArrayHeader(withscores && !pairs ? items.size() * 2 : items.size());
  for (const Item& it : items) {
    if (pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(it.first);
    if (withscores) ctx.reply.Double(it.second);
  }
}

// getRangeLongFromObjectOrReply with a message: any failure replies `msg`.
bool RangeArg(CommandContext& ctx, size_t i, int64_t min, int64_t max, const char* msg,
              int64_t* out) {
  if (!ParseInt64(ctx.arg(i), out) || *out < min || *out > max) {
    ctx.reply.Error(msg);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// ZADD ZINCRBY
// ---------------------------------------------------------------------------

void ZAddGeneric(CommandContext& ctx, bool zincrby) {
  std::string_view key = ctx.arg(1);
  uint32_t flags = zincrby ? static_cast<uint32_t>(kZAddIncr) : 0u;
  bool ch = false;
  size_t idx = 2;
  if (!zincrby) {
    for (; idx < ctx.argc(); ++idx) {
      std::string_view opt = ctx.arg(idx);
      if (EqualsIgnoreCase(opt, "nx")) flags |= kZAddNx;
      else if (EqualsIgnoreCase(opt, "xx")) flags |= kZAddXx;
      else if (EqualsIgnoreCase(opt, "ch")) ch = true;
      else if (EqualsIgnoreCase(opt, "incr")) flags |= kZAddIncr;
      else if (EqualsIgnoreCase(opt, "gt")) flags |= kZAddGt;
      else if (EqualsIgnoreCase(opt, "lt")) flags |= kZAddLt;
      else break;
    }
  }
  size_t elements = ctx.argc() - idx;
  if (elements == 0 || elements % 2 != 0) {
    ctx.SyntaxError();
    return;
  }
  elements /= 2;
  bool incr = (flags & kZAddIncr) != 0, nx = (flags & kZAddNx) != 0, xx = (flags & kZAddXx) != 0;
  bool gt = (flags & kZAddGt) != 0, lt = (flags & kZAddLt) != 0;
  if (nx && xx) {
    ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (incr && elements > 1) {
    ctx.reply.Error("ERR INCR option supports a single increment-element pair");
    return;
  }
  double scores_small[32];
  std::vector<double> scores_big;
  double* scores = scores_small;
  if (elements > 32) {
    scores_big.resize(elements);
    scores = scores_big.data();
  }
  for (size_t j = 0; j < elements; ++j)
    if (!ctx.DoubleArg(idx + 2 * j, &scores[j])) return;

  Entry* e;
  if (!LookupZSet(ctx, key, true, &e)) return;
  ZSetLimits limits = Limits(ctx);
  ZSetValue* z;
  if (e == nullptr) {
    if (xx) {
      if (incr)
        ctx.reply.Null();
      else
        ctx.reply.Integer(0);
      return;
    }
    size_t reserve = 0;
    if (elements <= limits.max_listpack_entries)
      for (size_t j = 0; j < elements; ++j)
        reserve += ZSetValue::EntryBytes(ctx.arg(idx + 2 * j + 1), scores[j]);
    z = ZSetValue::Create(limits, ctx.arg(idx + 1).size(), reserve);
  } else {
    z = ZOf(e);
  }
  ZSetValue* before = z;
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  bool nan = false;
  for (size_t j = 0; j < elements; ++j) {
    double newscore = 0;
    uint32_t r = ZSetValue::Add(&z, ctx.arg(idx + 2 * j + 1), scores[j], flags, &newscore, limits);
    if (r & kZAddNan) {
      nan = true;
      break;
    }
    if (r & kZAddAdded) ++added;
    if (r & kZAddUpdated) ++updated;
    if (!(r & kZAddNop)) ++processed;
    score = newscore;
  }
  if (e == nullptr) {
    ctx.db().AddCollection(key, ObjType::kZSet, z);  // never empty: the first element is new
  } else {
    if (z != before) Rebind(e, z);
    if (added || updated) ctx.db().Modified(key);
  }
  if (added || updated) ctx.Notify(kNotifyZSet, incr ? "zincr" : "zadd", key);
  if (nan) {
    ctx.reply.Error("ERR resulting score is not a number (NaN)");
    return;
  }
  if (incr) {
    if (processed)
      ctx.reply.Double(score);
    else
      ctx.reply.Null();
  } else {
    ctx.reply.Integer(ch ? added + updated : added);
  }
}

void ZAddCommand(CommandContext& ctx) { ZAddGeneric(ctx, false); }
void ZIncrByCommand(CommandContext& ctx) { ZAddGeneric(ctx, true); }

// ---------------------------------------------------------------------------
// ZREM ZREMRANGEBY*
// ---------------------------------------------------------------------------

void ZRemCommand(CommandContext& ctx) {
  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(1), true, &e)) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  ZSetValue* z = ZOf(e);
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc() && z->size() > 0; ++i)
    if (z->Remove(ctx.arg(i))) ++deleted;
  if (deleted > 0) {
    ctx.Notify(kNotifyZSet, "zrem", ctx.arg(1));
    AfterRemoval(ctx, ctx.arg(1), z);
  }
  ctx.reply.Integer(deleted);
}

enum class RangeType { kAuto, kRank, kScore, kLex };

void ZRemRangeGeneric(CommandContext& ctx, RangeType type) {
  int64_t start = 0, end = 0;
  ZScoreRange score_range;
  ZLexRange lex_range;
  if (type == RangeType::kRank) {
    if (!ctx.IntArg(2, &start) || !ctx.IntArg(3, &end)) return;
  } else if (type == RangeType::kScore) {
    if (!ParseZScoreRange(ctx.arg(2), ctx.arg(3), &score_range)) {
      ctx.reply.Error("ERR min or max is not a float");
      return;
    }
  } else if (!ParseZLexRange(ctx.arg(2), ctx.arg(3), &lex_range)) {
    ctx.reply.Error("ERR min or max not valid string range item");
    return;
  }
  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(1), true, &e)) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  ZSetValue* z = ZOf(e);
  size_t removed = 0;
  const char* event;
  if (type == RangeType::kRank) {
    event = "zremrangebyrank";
    int64_t llen = static_cast<int64_t>(z->size());
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      ctx.reply.Integer(0);
      return;
    }
    if (end >= llen) end = llen - 1;
    removed = z->RemoveRanks(static_cast<size_t>(start), static_cast<size_t>(end));
  } else if (type == RangeType::kScore) {
    event = "zremrangebyscore";
    removed = z->RemoveScoreRange(score_range);
  } else {
    event = "zremrangebylex";
    removed = z->RemoveLexRange(lex_range);
  }
  if (removed > 0) {
    ctx.Notify(kNotifyZSet, event, ctx.arg(1));
    AfterRemoval(ctx, ctx.arg(1), z);
  }
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

void ZRemRangeByRankCommand(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kRank); }
void ZRemRangeByScoreCommand(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kScore); }
void ZRemRangeByLexCommand(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kLex); }

// ---------------------------------------------------------------------------
// ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK
// ---------------------------------------------------------------------------

void ZCardCommand(CommandContext& ctx) {
  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(1), false, &e)) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(ZOf(e)->size()));
}

void ZCountCommand(CommandContext& ctx) {
  ZScoreRange range;
  if (!ParseZScoreRange(ctx.arg(2), ctx.arg(3), &range)) {
    ctx.reply.Error("ERR min or max is not a float");
    return;
  }
  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(1), false, &e)) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(ZOf(e)->CountScoreRange(range)));
}

void ZLexCountCommand(CommandContext& ctx) {
  ZLexRange range;
  if (!ParseZLexRange(ctx.arg(2), ctx.arg(3), &range)) {
    ctx.reply.Error("ERR min or max not valid string range item");
    return;
  }
  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(1), false, &e)) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(ZOf(e)->CountLexRange(range)));
}

void ZScoreCommand(CommandContext& ctx) {
  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(1), false, &e)) return;
  double score;
  if (e == nullptr || !ZOf(e)->Score(ctx.arg(2), &score))
    ctx.reply.Null();
  else
    ctx.reply.Double(score);
}

void ZMScoreCommand(CommandContext& ctx) {
  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(1), false, &e)) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    double score;
    if (e == nullptr || !ZOf(e)->Score(ctx.arg(i), &score))
      ctx.reply.Null();
    else
      ctx.reply.Double(score);
  }
}

void ZRankGeneric(CommandContext& ctx, bool reverse) {
  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(1), false, &e)) return;
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  const ZSetValue* z = ZOf(e);
  int64_t rank = z->Rank(ctx.arg(2));
  if (rank < 0)
    ctx.reply.Null();
  else
    ctx.reply.Integer(reverse ? static_cast<int64_t>(z->size()) - 1 - rank : rank);
}

void ZRankCommand(CommandContext& ctx) { ZRankGeneric(ctx, false); }
void ZRevRankCommand(CommandContext& ctx) { ZRankGeneric(ctx, true); }

// ---------------------------------------------------------------------------
// ZRANGE and its variants, ZRANGESTORE
// ---------------------------------------------------------------------------

enum class Direction { kAuto, kForward, kReverse };

// Redis's zrangeGenericCommand: the key at `key_idx`, the range after it,
// then the options; `store` writes the result to argv[1].
void ZRangeGeneric(CommandContext& ctx, size_t key_idx, bool store, RangeType type,
                   Direction dir) {
  size_t minidx = key_idx + 1, maxidx = key_idx + 2;
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = key_idx + 3; j < ctx.argc(); ++j) {
    size_t left = ctx.argc() - j - 1;
    std::string_view opt = ctx.arg(j);
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ctx.IntArg(j + 1, &offset) || !ctx.IntArg(j + 2, &limit)) return;
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  bool reverse = dir == Direction::kReverse;
  if (limit != -1 && type == RangeType::kRank) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (withscores && type == RangeType::kLex) {
    ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  if (reverse && type != RangeType::kRank) std::swap(minidx, maxidx);

  int64_t start = 0, end = 0;
  ZScoreRange score_range;
  ZLexRange lex_range;
  if (type == RangeType::kRank) {
    if (!ctx.IntArg(minidx, &start) || !ctx.IntArg(maxidx, &end)) return;
  } else if (type == RangeType::kScore) {
    if (!ParseZScoreRange(ctx.arg(minidx), ctx.arg(maxidx), &score_range)) {
      ctx.reply.Error("ERR min or max is not a float");
      return;
    }
  } else if (!ParseZLexRange(ctx.arg(minidx), ctx.arg(maxidx), &lex_range)) {
    ctx.reply.Error("ERR min or max not valid string range item");
    return;
  }

  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(key_idx), false, &e)) return;
  std::vector<Item> items;
  if (e != nullptr) {
    const ZSetValue* z = ZOf(e);
    auto collect = [&](std::string_view m, double s) {
      items.emplace_back(m, s);
      return true;
    };
    int64_t llen = static_cast<int64_t>(z->size());
    if (type == RangeType::kRank) {
      if (start < 0) start += llen;
      if (end < 0) end += llen;
      if (start < 0) start = 0;
      if (start <= end && start < llen) {
        if (end >= llen) end = llen - 1;
        items.reserve(static_cast<size_t>(end - start + 1));
        z->VisitRanks(static_cast<size_t>(start), static_cast<size_t>(end), reverse, collect);
      }
    } else if (type == RangeType::kScore) {
      if (!(offset > 0 && offset >= llen))
        z->VisitScoreRange(score_range, reverse, offset, limit, collect);
    } else {
      z->VisitLexRange(lex_range, reverse, offset, limit, collect);
    }
  }
  if (!store) {
    ReplyItems(ctx, items, withscores);
    return;
  }
  std::vector<ZItem> copy;
  copy.reserve(items.size());
  for (const Item& it : items) copy.push_back(ZItem{std::string(it.first), it.second});
  StoreResult(ctx, ctx.arg(1), std::move(copy), "zrangestore");
}

void ZRangeCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kAuto, Direction::kAuto);
}
void ZRangeStoreCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 2, true, RangeType::kAuto, Direction::kAuto);
}
void ZRevRangeCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kRank, Direction::kReverse);
}
void ZRangeByScoreCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kForward);
}
void ZRevRangeByScoreCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kReverse);
}
void ZRangeByLexCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kForward);
}
void ZRevRangeByLexCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kReverse);
}

// ---------------------------------------------------------------------------
// ZPOPMIN ZPOPMAX BZPOPMIN BZPOPMAX ZMPOP BZMPOP
// ---------------------------------------------------------------------------

// How a pop replies (Redis's genericZpopCommand arguments).
struct PopReply {
  bool emit_key = false;      // name the key (BZPOP*, ZMPOP)
  bool nested = false;        // [member, score] pairs (RESP3 ZPOP* with count, ZMPOP)
  bool nil_when_empty = false;  // null array instead of an empty one
};

// Pops up to `count` (-1: one, no count given) elements from the first
// existing key of `keys`.
void GenericZPop(CommandContext& ctx, const std::vector<std::string_view>& keys, bool highest,
                 int64_t count, PopReply how) {
  Entry* e = nullptr;
  std::string_view key;
  for (std::string_view k : keys) {
    if (!LookupZSet(ctx, k, true, &e)) return;
    if (e != nullptr) {
      key = k;
      break;
    }
  }
  if (e == nullptr) {
    if (how.nil_when_empty)
      ctx.reply.NullArray();
    else
      ctx.reply.ArrayHeader(0);
    return;
  }
  if (count == 0) {  // checked after the type, as Redis does
    ctx.reply.ArrayHeader(0);
    return;
  }
  if (count == -1) count = 1;
  ZSetValue* z = ZOf(e);
  size_t n = std::min<uint64_t>(static_cast<uint64_t>(count), z->size());
  if (!how.nested && !how.emit_key) {
    ctx.reply.ArrayHeader(n * 2);
  } else if (how.nested && !how.emit_key) {
    ctx.reply.ArrayHeader(n);
  } else if (!how.nested) {
    ctx.reply.ArrayHeader(n * 2 + 1);
    ctx.reply.Bulk(key);
  } else {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.ArrayHeader(n);
  }
  std::string member;
  double score;
  for (size_t i = 0; i < n && z->PopEnd(highest, &member, &score); ++i) {
    if (how.nested) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(member);
    ctx.reply.Double(score);
  }
  ctx.Notify(kNotifyZSet, highest ? "zpopmax" : "zpopmin", key);
  // ZMPOP and the blocking forms are recorded as ZPOPMIN/ZPOPMAX key count.
  ctx.PropagateAs({highest ? "ZPOPMAX" : "ZPOPMIN", std::string(key), std::to_string(n)});
  AfterRemoval(ctx, key, z);
}

void ZPopGeneric(CommandContext& ctx, bool highest) {
  if (ctx.argc() > 3) {
    ctx.SyntaxError();
    return;
  }
  int64_t count = -1;
  if (ctx.argc() == 3 &&
      !RangeArg(ctx, 2, 0, INT64_MAX, "ERR value is out of range, must be positive", &count))
    return;
  PopReply how;
  how.nested = ctx.reply.protocol() >= 3 && count != -1;
  GenericZPop(ctx, {ctx.arg(1)}, highest, count, how);
}

void ZPopMinCommand(CommandContext& ctx) { ZPopGeneric(ctx, false); }
void ZPopMaxCommand(CommandContext& ctx) { ZPopGeneric(ctx, true); }

// Redis's blockingGenericZpopCommand: pops from the first non-empty key,
// else blocks (or, where blocking is not possible, replies a null array).
// A re-run of a parked command (the session keeps the client marked
// blocked while it retries) treats a key of another type as empty and keeps
// waiting, as Redis serves a blocked client only from a sorted set; the
// first run replies WRONGTYPE.
void BlockingZPop(CommandContext& ctx, const std::vector<std::string_view>& keys, bool highest,
                  size_t timeout_idx, int64_t count, PopReply how) {
  int64_t timeout_ms;
  if (!ctx.TimeoutArg(timeout_idx, &timeout_ms)) return;
  for (std::string_view k : keys) {
    Entry* e = ctx.db().LookupWrite(k);
    if (e != nullptr && e->type() != ObjType::kZSet) {
      if (ctx.client.blocked) continue;
      ctx.WrongType();
      return;
    }
    if (e == nullptr || ZOf(e)->size() == 0) continue;
    GenericZPop(ctx, {k}, highest, count, how);
    return;
  }
  if (!ctx.can_block()) {
    ctx.reply.NullArray();
    return;
  }
  ctx.BlockOn(std::vector<std::string>(keys.begin(), keys.end()), timeout_ms, true);
}

void BZPopGeneric(CommandContext& ctx, bool highest) {
  std::vector<std::string_view> keys(ctx.argv.begin() + 1, ctx.argv.end() - 1);
  PopReply how;
  how.emit_key = true;
  BlockingZPop(ctx, keys, highest, ctx.argc() - 1, -1, how);
}

void BZPopMinCommand(CommandContext& ctx) { BZPopGeneric(ctx, false); }
void BZPopMaxCommand(CommandContext& ctx) { BZPopGeneric(ctx, true); }

// ZMPOP numkeys key... MIN|MAX [COUNT count]; BZMPOP timeout numkeys ...
void ZMPopGeneric(CommandContext& ctx, size_t numkeys_idx, bool blocking) {
  int64_t numkeys;
  if (!RangeArg(ctx, numkeys_idx, 1, INT64_MAX, "ERR numkeys should be greater than 0", &numkeys))
    return;
  if (static_cast<uint64_t>(numkeys) >= ctx.argc() - numkeys_idx - 1) {
    ctx.SyntaxError();
    return;
  }
  size_t where_idx = numkeys_idx + static_cast<size_t>(numkeys) + 1;
  bool highest;
  if (EqualsIgnoreCase(ctx.arg(where_idx), "min")) {
    highest = false;
  } else if (EqualsIgnoreCase(ctx.arg(where_idx), "max")) {
    highest = true;
  } else {
    ctx.SyntaxError();
    return;
  }
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    if (count == -1 && EqualsIgnoreCase(ctx.arg(j), "count") && more) {
      ++j;
      if (!RangeArg(ctx, j, 1, INT64_MAX, "ERR count should be greater than 0", &count)) return;
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  if (count == -1) count = 1;
  std::vector<std::string_view> keys(ctx.argv.begin() + static_cast<long>(numkeys_idx) + 1,
                                     ctx.argv.begin() + static_cast<long>(where_idx));
  PopReply how;
  how.emit_key = true;
  how.nested = true;
  how.nil_when_empty = true;
  if (blocking)
    BlockingZPop(ctx, keys, highest, 1, count, how);
  else
    GenericZPop(ctx, keys, highest, count, how);
}

void ZMPopCommand(CommandContext& ctx) { ZMPopGeneric(ctx, 1, false); }
void BZMPopCommand(CommandContext& ctx) { ZMPopGeneric(ctx, 2, true); }

// ---------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------

void ReplyRandomItem(CommandContext& ctx, const ZSetValue* z, size_t rank, bool withscores) {
  z->At(rank, [&](std::string_view m, double s) {
    if (withscores && ctx.reply.protocol() >= 3) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(m);
    if (withscores) ctx.reply.Double(s);
    return true;
  });
}

void ZRandMemberWithCount(CommandContext& ctx, int64_t l, bool withscores) {
  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(1), false, &e)) return;
  if (e == nullptr) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  const ZSetValue* z = ZOf(e);
  size_t size = z->size();
  bool uniq = l >= 0;
  uint64_t count = uniq ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  if (count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  bool resp2_flat = withscores && ctx.reply.protocol() < 3;
  std::mt19937_64& rng = ctx.keyspace.rng();
  // Repetitions allowed (negative count), or a single element.
  if (!uniq || count == 1) {
    ctx.reply.ArrayHeader(resp2_flat ? count * 2 : count);
    if (z->is_listpack()) {
      std::vector<ZItem> all = z->Items();
      for (uint64_t i = 0; i < count; ++i) {
        const ZItem& it = all[rng() % size];
        if (withscores && !resp2_flat) ctx.reply.ArrayHeader(2);
        ctx.reply.Bulk(it.member);
        if (withscores) ctx.reply.Double(it.score);
      }
    } else {
      for (uint64_t i = 0; i < count; ++i) ReplyRandomItem(ctx, z, rng() % size, withscores);
    }
    return;
  }
  // The whole set, highest score first (Redis walks it from the tail).
  if (count >= size) {
    std::vector<Item> items;
    items.reserve(size);
    z->VisitRanks(0, size - 1, /*reverse=*/true, [&](std::string_view m, double s) {
      items.emplace_back(m, s);
      return true;
    });
    ReplyItems(ctx, items, withscores);
    return;
  }
  // `count` distinct ranks, in random order.
  std::vector<size_t> ranks;
  if (count * 3 > size) {
    ranks.resize(size);
    for (size_t i = 0; i < size; ++i) ranks[i] = i;
    for (size_t i = 0; i < count; ++i) std::swap(ranks[i], ranks[i + rng() % (size - i)]);
    ranks.resize(count);
  } else {
    std::vector<bool> taken(size, false);
    while (ranks.size() < count) {
      size_t r = rng() % size;
      if (!taken[r]) {
        taken[r] = true;
        ranks.push_back(r);
      }
    }
  }
  ctx.reply.ArrayHeader(resp2_flat ? count * 2 : count);
  if (z->is_listpack()) {
    std::vector<ZItem> all = z->Items();
    for (size_t r : ranks) {
      if (withscores && !resp2_flat) ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(all[r].member);
      if (withscores) ctx.reply.Double(all[r].score);
    }
  } else {
    for (size_t r : ranks) ReplyRandomItem(ctx, z, r, withscores);
  }
}

void ZRandMemberCommand(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    int64_t l;
    if (!ctx.IntArg(2, &l)) return;
    if (l == INT64_MIN) {
      ctx.reply.Error(
          "ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
      return;
    }
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "withscores"))) {
      ctx.SyntaxError();
      return;
    }
    bool withscores = ctx.argc() == 4;
    if (withscores && (l < -INT64_MAX / 2 || l > INT64_MAX / 2)) {
      ctx.reply.Error("ERR value is out of range");
      return;
    }
    ZRandMemberWithCount(ctx, l, withscores);
    return;
  }
  Entry* e;
  if (!LookupZSet(ctx, ctx.arg(1), false, &e)) return;
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  const ZSetValue* z = ZOf(e);
  z->At(ctx.keyspace.rng()() % z->size(), [&](std::string_view m, double) {
    ctx.reply.Bulk(m);
    return true;
  });
}

// ---------------------------------------------------------------------------
// ZUNION ZINTER ZDIFF (STORE) ZINTERCARD
// ---------------------------------------------------------------------------

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input of a set operation: a sorted set, a set (scores 1) or nothing.
struct Source {
  const ZSetValue* z = nullptr;
  const SetValue* s = nullptr;
  double weight = 1;

  size_t size() const { return z ? z->size() : s ? s->size() : 0; }
  bool Find(std::string_view member, double* score) const {
    if (z) return z->Score(member, score);
    if (s && s->Contains(member)) {
      *score = 1.0;
      return true;
    }
    return false;
  }
  template <class F>
  void ForEach(F&& fn) const {
    if (z) {
      z->ForEach([&](std::string_view m, double sc) {
        fn(m, sc);
        return true;
      });
    } else if (s) {
      s->ForEach([&](std::string_view m) { fn(m, 1.0); });
    }
  }
};

void AggregateInto(double* target, double value, Aggregate how) {
  switch (how) {
    case Aggregate::kSum:
      *target = *target + value;
      // inf + -inf is NaN; Redis keeps the convention that it is 0.
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin:
      *target = value < *target ? value : *target;
      break;
    case Aggregate::kMax:
      *target = value > *target ? value : *target;
      break;
  }
}

// Redis's zunionInterDiffGenericCommand. `dst` is the destination of the
// STORE forms (empty otherwise); numkeys is argv[numkeys_idx].
void ZSetOpGeneric(CommandContext& ctx, std::string_view dst, size_t numkeys_idx, SetOp op,
                   bool cardinality_only) {
  bool store = !dst.empty();
  int64_t setnum;
  if (!ctx.IntArg(numkeys_idx, &setnum)) return;
  if (setnum < 1) {
    ctx.reply.Error("ERR at least 1 input key is needed for '" + ctx.command->full_name() +
                    "' command");
    return;
  }
  if (static_cast<uint64_t>(setnum) > ctx.argc() - (numkeys_idx + 1)) {
    ctx.SyntaxError();
    return;
  }
  size_t n = static_cast<size_t>(setnum);
  std::vector<Source> src(n);
  size_t j = numkeys_idx + 1;
  for (size_t i = 0; i < n; ++i, ++j) {
    Entry* e = store ? ctx.db().LookupWrite(ctx.arg(j)) : ctx.db().LookupRead(ctx.arg(j));
    if (e == nullptr) continue;
    if (e->type() == ObjType::kZSet) {
      src[i].z = ZOf(e);
    } else if (e->type() == ObjType::kSet) {
      src[i].s = static_cast<const SetValue*>(e->collection());
    } else {
      ctx.WrongType();
      return;
    }
  }
  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  while (j < ctx.argc()) {
    size_t remaining = ctx.argc() - j;
    std::string_view opt = ctx.arg(j);
    if (op != SetOp::kDiff && !cardinality_only && remaining >= n + 1 &&
        EqualsIgnoreCase(opt, "weights")) {
      ++j;
      for (size_t i = 0; i < n; ++i, ++j) {
        if (!ParseDouble(ctx.arg(j), &src[i].weight)) {
          ctx.reply.Error("ERR weight value is not a float");
          return;
        }
      }
    } else if (op != SetOp::kDiff && !cardinality_only && remaining >= 2 &&
               EqualsIgnoreCase(opt, "aggregate")) {
      std::string_view how = ctx.arg(j + 1);
      if (EqualsIgnoreCase(how, "sum")) {
        aggregate = Aggregate::kSum;
      } else if (EqualsIgnoreCase(how, "min")) {
        aggregate = Aggregate::kMin;
      } else if (EqualsIgnoreCase(how, "max")) {
        aggregate = Aggregate::kMax;
      } else {
        ctx.SyntaxError();
        return;
      }
      j += 2;
    } else if (!store && !cardinality_only && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
      ++j;
    } else if (cardinality_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      if (!ParseInt64(ctx.arg(j + 1), &limit) || limit < 0) {
        ctx.reply.Error("ERR LIMIT can't be negative");
        return;
      }
      j += 2;
    } else {
      ctx.SyntaxError();
      return;
    }
  }

  std::vector<ZItem> result;
  uint64_t cardinality = 0;
  if (op == SetOp::kInter) {
    // Smallest input first (a stable order keeps float sums as Redis's).
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
    if (src[0].size() > 0) {
      bool stop = false;
      src[0].ForEach([&](std::string_view m, double s) {
        if (stop) return;
        double score = src[0].weight * s;
        if (std::isnan(score)) score = 0;
        size_t k = 1;
        for (; k < n; ++k) {
          double value;
          if (!src[k].Find(m, &value)) break;
          AggregateInto(&score, value * src[k].weight, aggregate);
        }
        if (k < n) return;
        if (cardinality_only) {
          ++cardinality;
          if (limit && cardinality >= static_cast<uint64_t>(limit)) stop = true;
        } else {
          result.push_back(ZItem{std::string(m), score});
        }
      });
    }
  } else if (op == SetOp::kUnion) {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
    std::unordered_map<std::string, double> acc;
    acc.reserve(src.back().size());
    for (const Source& in : src) {
      in.ForEach([&](std::string_view m, double s) {
        double score = in.weight * s;
        if (std::isnan(score)) score = 0;
        auto [it, fresh] = acc.try_emplace(std::string(m), score);
        if (!fresh) AggregateInto(&it->second, score, aggregate);
      });
    }
    result.reserve(acc.size());
    for (auto& [m, s] : acc) result.push_back(ZItem{m, s});
  } else {
    // Elements of the first input that no other input has, with their
    // first-input scores.
    src[0].ForEach([&](std::string_view m, double s) {
      double unused;
      for (size_t k = 1; k < n; ++k)
        if (src[k].Find(m, &unused)) return;
      result.push_back(ZItem{std::string(m), s});
    });
  }

  if (cardinality_only) {
    ctx.reply.Integer(static_cast<int64_t>(cardinality));
    return;
  }
  if (store) {
    StoreResult(ctx, dst, std::move(result),
                op == SetOp::kUnion ? "zunionstore" : op == SetOp::kInter ? "zinterstore" : "zdiffstore");
    return;
  }
  std::sort(result.begin(), result.end(), [](const ZItem& a, const ZItem& b) {
    return a.score < b.score || (a.score == b.score && a.member < b.member);
  });
  std::vector<Item> view;
  view.reserve(result.size());
  for (const ZItem& it : result) view.emplace_back(it.member, it.score);
  ReplyItems(ctx, view, withscores);
}

void ZUnionCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, {}, 1, SetOp::kUnion, false); }
void ZInterCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, {}, 1, SetOp::kInter, false); }
void ZDiffCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, {}, 1, SetOp::kDiff, false); }
void ZUnionStoreCommand(CommandContext& ctx) {
  ZSetOpGeneric(ctx, ctx.arg(1), 2, SetOp::kUnion, false);
}
void ZInterStoreCommand(CommandContext& ctx) {
  ZSetOpGeneric(ctx, ctx.arg(1), 2, SetOp::kInter, false);
}
void ZDiffStoreCommand(CommandContext& ctx) {
  ZSetOpGeneric(ctx, ctx.arg(1), 2, SetOp::kDiff, false);
}
void ZInterCardCommand(CommandContext& ctx) { ZSetOpGeneric(ctx, {}, 1, SetOp::kInter, true); }

// ---------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------

void ZScanCommand(CommandContext& ctx) {
  uint64_t cursor;
  Entry* e;
  ScanOptions opts;
  auto lookup = [&](Entry** out) { return LookupZSet(ctx, ctx.arg(1), false, out); };
  if (!ScanPrologue(ctx, lookup, &cursor, &e, &opts)) return;
  std::vector<std::string> out;  // member, score, member, score, ...
  uint64_t next = ZOf(e)->Scan(cursor, static_cast<size_t>(opts.count), [&](std::string_view m, double s) {
    if (!ScanMatches(opts, m)) return true;
    out.emplace_back(m);
    out.push_back(FormatDouble(s));
    return true;
  });
  ReplyScanPage(ctx, next, out);
}

}  // namespace

void RegisterZSetFamily(CommandTable& t) {
  constexpr uint32_t W = kCmdWrite, R = kCmdReadonly, F = kCmdFast, D = kCmdDenyOom;
  constexpr uint32_t B = kCmdBlocking, M = kCmdMovableKeys, NS = kCmdNoscript;
  const std::string g = "sorted-set";
  const std::string acl = "@sortedset";
  auto spec = [](const char* flags, int index, int lastkey = 0) {
    return KeySpec{flags, index, lastkey, 1, ""};
  };
  t.Add(Cmd("zadd", -4, W | D | F, 1, 1, 1, ZAddCommand, g, "1.2.0",
            "Add one or more members to a sorted set, or update its score if it already exists",
            acl)
            .Keys("RW update"));
  t.Add(Cmd("zincrby", 4, W | D | F, 1, 1, 1, ZIncrByCommand, g, "1.2.0",
            "Increment the score of a member in a sorted set", acl)
            .Keys("RW access update"));
  t.Add(Cmd("zrem", -3, W | F, 1, 1, 1, ZRemCommand, g, "1.2.0",
            "Remove one or more members from a sorted set", acl)
            .Keys("RW delete"));
  t.Add(Cmd("zcard", 2, R | F, 1, 1, 1, ZCardCommand, g, "1.2.0",
            "Get the number of members in a sorted set", acl)
            .Keys("RO"));
  t.Add(Cmd("zcount", 4, R | F, 1, 1, 1, ZCountCommand, g, "2.0.0",
            "Count the members in a sorted set with scores within the given values", acl)
            .Keys("RO access"));
  t.Add(Cmd("zlexcount", 4, R | F, 1, 1, 1, ZLexCountCommand, g, "2.8.9",
            "Count the number of members in a sorted set between a given lexicographical range",
            acl)
            .Keys("RO access"));
  t.Add(Cmd("zscore", 3, R | F, 1, 1, 1, ZScoreCommand, g, "1.2.0",
            "Get the score associated with the given member in a sorted set", acl)
            .Keys("RO access"));
  t.Add(Cmd("zmscore", -3, R | F, 1, 1, 1, ZMScoreCommand, g, "6.2.0",
            "Get the score associated with the given members in a sorted set", acl)
            .Keys("RO access"));
  t.Add(Cmd("zrank", 3, R | F, 1, 1, 1, ZRankCommand, g, "2.0.0",
            "Determine the index of a member in a sorted set", acl)
            .Keys("RO access"));
  t.Add(Cmd("zrevrank", 3, R | F, 1, 1, 1, ZRevRankCommand, g, "2.0.0",
            "Determine the index of a member in a sorted set, with scores ordered from high to low",
            acl)
            .Keys("RO access"));
  t.Add(Cmd("zrange", -4, R, 1, 1, 1, ZRangeCommand, g, "1.2.0",
            "Return a range of members in a sorted set", acl)
            .Keys("RO access"));
  t.Add(Cmd("zrangestore", -5, W | D, 1, 2, 1, ZRangeStoreCommand, g, "6.2.0",
            "Store a range of members from sorted set into another key", acl)
            .Specs({spec("OW update", 1), spec("RO access", 2)}));
  t.Add(Cmd("zrevrange", -4, R, 1, 1, 1, ZRevRangeCommand, g, "1.2.0",
            "Return a range of members in a sorted set, by index, with scores ordered from high "
            "to low",
            acl)
            .Keys("RO access"));
  t.Add(Cmd("zrangebyscore", -4, R, 1, 1, 1, ZRangeByScoreCommand, g, "1.0.5",
            "Return a range of members in a sorted set, by score", acl)
            .Keys("RO access"));
  t.Add(Cmd("zrevrangebyscore", -4, R, 1, 1, 1, ZRevRangeByScoreCommand, g, "2.2.0",
            "Return a range of members in a sorted set, by score, with scores ordered from high "
            "to low",
            acl)
            .Keys("RO access"));
  t.Add(Cmd("zrangebylex", -4, R, 1, 1, 1, ZRangeByLexCommand, g, "2.8.9",
            "Return a range of members in a sorted set, by lexicographical range", acl)
            .Keys("RO access"));
  t.Add(Cmd("zrevrangebylex", -4, R, 1, 1, 1, ZRevRangeByLexCommand, g, "2.8.9",
            "Return a range of members in a sorted set, by lexicographical range, ordered from "
            "higher to lower strings.",
            acl)
            .Keys("RO access"));
  t.Add(Cmd("zremrangebyrank", 4, W, 1, 1, 1, ZRemRangeByRankCommand, g, "2.0.0",
            "Remove all members in a sorted set within the given indexes", acl)
            .Keys("RW delete"));
  t.Add(Cmd("zremrangebyscore", 4, W, 1, 1, 1, ZRemRangeByScoreCommand, g, "1.2.0",
            "Remove all members in a sorted set within the given scores", acl)
            .Keys("RW delete"));
  t.Add(Cmd("zremrangebylex", 4, W, 1, 1, 1, ZRemRangeByLexCommand, g, "2.8.9",
            "Remove all members in a sorted set between the given lexicographical range", acl)
            .Keys("RW delete"));
  t.Add(Cmd("zpopmin", -2, W | F, 1, 1, 1, ZPopMinCommand, g, "5.0.0",
            "Remove and return members with the lowest scores in a sorted set", acl)
            .Keys("RW access delete"));
  t.Add(Cmd("zpopmax", -2, W | F, 1, 1, 1, ZPopMaxCommand, g, "5.0.0",
            "Remove and return members with the highest scores in a sorted set", acl)
            .Keys("RW access delete"));
  t.Add(Cmd("bzpopmin", -3, W | NS | B | F, 1, -2, 1, BZPopMinCommand, g, "5.0.0",
            "Remove and return the member with the lowest score from one or more sorted sets, or "
            "block until one is available",
            acl)
            .Keys("RW access delete"));
  t.Add(Cmd("bzpopmax", -3, W | NS | B | F, 1, -2, 1, BZPopMaxCommand, g, "5.0.0",
            "Remove and return the member with the highest score from one or more sorted sets, or "
            "block until one is available",
            acl)
            .Keys("RW access delete"));
  // ZMPOP BZMPOP ZUNION ZINTER ZDIFF ZINTERCARD and the sources of the
  // *STORE commands find their keys through numkeys (Redis's "keynum" key
  // spec: keynumidx 0, firstkey 1, keystep 1); the table's specs describe
  // index ranges only, so the specs below name where the search begins (as
  // LMPOP's in list_family.cc).
  t.Add(Cmd("zmpop", -4, W | M, 0, 0, 0, ZMPopCommand, g, "7.0.0",
            "Remove and return members with scores in a sorted set", acl)
            .Specs({KeynumSpec("RW access delete", 1)}));
  t.Add(Cmd("bzmpop", -5, W | B | M, 0, 0, 0, BZMPopCommand, g, "7.0.0",
            "Remove and return members with scores in a sorted set or block until one is "
            "available",
            acl)
            .Specs({KeynumSpec("RW access delete", 2)}));
  t.Add(Cmd("zrandmember", -2, R, 1, 1, 1, ZRandMemberCommand, g, "6.2.0",
            "Get one or multiple random elements from a sorted set", acl)
            .Keys("RO access")
            .Tips("nondeterministic_output"));
  t.Add(Cmd("zunion", -3, R | M, 0, 0, 0, ZUnionCommand, g, "6.2.0", "Add multiple sorted sets",
            acl)
            .Specs({KeynumSpec("RO access", 1)}));
  t.Add(Cmd("zinter", -3, R | M, 0, 0, 0, ZInterCommand, g, "6.2.0",
            "Intersect multiple sorted sets", acl)
            .Specs({KeynumSpec("RO access", 1)}));
  t.Add(Cmd("zdiff", -3, R | M, 0, 0, 0, ZDiffCommand, g, "6.2.0",
            "Subtract multiple sorted sets", acl)
            .Specs({KeynumSpec("RO access", 1)}));
  t.Add(Cmd("zunionstore", -4, W | D | M, 1, 1, 1, ZUnionStoreCommand, g, "2.0.0",
            "Add multiple sorted sets and store the resulting sorted set in a new key", acl)
            .Specs({spec("OW update", 1), KeynumSpec("RO access", 2)}));
  t.Add(Cmd("zinterstore", -4, W | D | M, 1, 1, 1, ZInterStoreCommand, g, "2.0.0",
            "Intersect multiple sorted sets and store the resulting sorted set in a new key", acl)
            .Specs({spec("OW update", 1), KeynumSpec("RO access", 2)}));
  t.Add(Cmd("zdiffstore", -4, W | D | M, 1, 1, 1, ZDiffStoreCommand, g, "6.2.0",
            "Subtract multiple sorted sets and store the resulting sorted set in a new key", acl)
            .Specs({spec("OW update", 1), KeynumSpec("RO access", 2)}));
  t.Add(Cmd("zintercard", -3, R | M, 0, 0, 0, ZInterCardCommand, g, "7.0.0",
            "Intersect multiple sorted sets and return the cardinality of the result", acl)
            .Specs({KeynumSpec("RO access", 1)}));
  t.Add(Cmd("zscan", -3, R, 1, 1, 1, ZScanCommand, g, "2.8.0",
            "Incrementally iterate sorted sets elements and associated scores", acl)
            .Keys("RO access")
            .Tips("nondeterministic_output"));
}

}  // namespace troupe
