// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
// LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP and the blocking BLPOP BRPOP
// BLMOVE BRPOPLPUSH BLMPOP, with Redis 7.0's options, replies, error texts
// and keyspace events. Values are ListValue (actors/shard/types/).
//
// Blocking commands try to serve themselves first; when every key is empty
// they park the client through ctx.BlockOn and the session re-runs the very
// same command when a key is written, so a handler never remembers anything
// between runs. Where a client cannot block (inside MULTI/EXEC, scripts,
// no connection) they reply what Redis replies on a timeout.
// Handlers run inline in the client session on the multiplexer thread.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/types/list_value.h"

namespace troupe {
namespace {

enum class End { kLeft, kRight };

ListValue* AsList(Entry* e) { return static_cast<ListValue*>(e->collection()); }

// Looks up `key` for writing. Returns false (after replying WRONGTYPE) when
// it holds another type; *out is nullptr when the key is absent.
bool WriteList(CommandContext& ctx, std::string_view key, ListValue** out) {
  Entry* e = ctx.db().LookupWrite(key);
  if (e != nullptr && e->type() != ObjType::kList) {
    ctx.WrongType();
    return false;
  }
  *out = e != nullptr ? AsList(e) : nullptr;
  return true;
}

// The same for reading (counts keyspace hits and misses).
bool ReadList(CommandContext& ctx, std::string_view key, ListValue** out) {
  Entry* e = ctx.db().LookupRead(key);
  if (e != nullptr && e->type() != ObjType::kList) {
    ctx.WrongType();
    return false;
  }
  *out = e != nullptr ? AsList(e) : nullptr;
  return true;
}

// The list a blocking command pops from. A re-run of a parked command
// (the client is still marked blocked while the session retries it) treats
// a key of another type as empty and keeps waiting, as Redis serves a
// blocked client only from a key that holds a list; the first run replies
// WRONGTYPE.
bool BlockingSource(CommandContext& ctx, std::string_view key, ListValue** out) {
  Entry* e = ctx.db().LookupWrite(key);
  if (e != nullptr && e->type() != ObjType::kList) {
    *out = nullptr;
    if (ctx.client.blocked) return true;
    ctx.WrongType();
    return false;
  }
  *out = e != nullptr ? AsList(e) : nullptr;
  return true;
}

// LEFT / RIGHT, case-insensitive; replies a syntax error otherwise.
bool ParseEnd(CommandContext& ctx, size_t i, End* out) {
  if (EqualsIgnoreCase(ctx.arg(i), "left")) {
    *out = End::kLeft;
  } else if (EqualsIgnoreCase(ctx.arg(i), "right")) {
    *out = End::kRight;
  } else {
    ctx.SyntaxError();
    return false;
  }
  return true;
}

const char* PopEvent(End end) { return end == End::kLeft ? "lpop" : "rpop"; }
const char* PushEvent(End end) { return end == End::kLeft ? "lpush" : "rpush"; }

void Push(ListValue* l, End end, std::string_view v) {
  if (end == End::kLeft)
    l->PushFront(v);
  else
    l->PushBack(v);
}

std::string_view Peek(const ListValue* l, End end) { return end == End::kLeft ? l->Front() : l->Back(); }

void Pop(ListValue* l, End end) {
  if (end == End::kLeft)
    l->PopFront();
  else
    l->PopBack();
}

// After elements were popped from `key`'s list `l`: the pop event, then
// the key goes when the list is empty (Redis deletes empty lists).
void AfterPop(CommandContext& ctx, std::string_view key, ListValue* l, End end, size_t popped) {
  ctx.keyspace.dirty += popped > 0 ? popped - 1 : 0;
  ctx.Notify(kNotifyList, PopEvent(end), key);
  ctx.CollectionShrunk(key, l->empty());
}

// Pushes `value` onto `key` (created when absent; the caller has checked its
// type) and sends the push event. Returns the new length.
size_t PushOnto(CommandContext& ctx, std::string_view key, ListValue* l, End end,
                std::string_view value) {
  int64_t fill = ctx.server.options().list_max_listpack_size;
  if (l == nullptr) {
    l = new ListValue(fill);
    Push(l, end, value);
    ctx.db().AddCollection(key, ObjType::kList, l);
  } else {
    l->set_fill(fill);
    Push(l, end, value);
    ctx.db().Modified(key);
  }
  ctx.Notify(kNotifyList, PushEvent(end), key);
  return l->size();
}

// ---------------------------------------------------------------------------
// Pushes and pops

void PushGeneric(CommandContext& ctx, End end, bool only_existing) {
  std::string_view key = ctx.arg(1);
  ListValue* l;
  if (!WriteList(ctx, key, &l)) return;
  if (l == nullptr && only_existing) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t fill = ctx.server.options().list_max_listpack_size;
  bool fresh = l == nullptr;
  if (fresh)
    l = new ListValue(fill);
  else
    l->set_fill(fill);
  for (size_t i = 2; i < ctx.argc(); ++i) Push(l, end, ctx.arg(i));
  size_t len = l->size();
  if (fresh)
    ctx.db().AddCollection(key, ObjType::kList, l);
  else
    ctx.db().Modified(key);
  ctx.keyspace.dirty += ctx.argc() - 3;
  ctx.reply.Integer(static_cast<int64_t>(len));
  ctx.Notify(kNotifyList, PushEvent(end), key);
}
void LPushCommand(CommandContext& ctx) { PushGeneric(ctx, End::kLeft, false); }
void RPushCommand(CommandContext& ctx) { PushGeneric(ctx, End::kRight, false); }
void LPushXCommand(CommandContext& ctx) { PushGeneric(ctx, End::kLeft, true); }
void RPushXCommand(CommandContext& ctx) { PushGeneric(ctx, End::kRight, true); }

// LPOP/RPOP key [count]
void PopGeneric(CommandContext& ctx, End end) {
  if (ctx.argc() > 3) {
    ctx.WrongArity();
    return;
  }
  bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count && (!ParseInt64(ctx.arg(2), &count) || count < 0)) {
    ctx.reply.Error("ERR value is out of range, must be positive");
    return;
  }
  std::string_view key = ctx.arg(1);
  ListValue* l;
  if (!WriteList(ctx, key, &l)) return;
  if (l == nullptr) {
    if (has_count)
      ctx.reply.NullArray();
    else
      ctx.reply.Null();
    return;
  }
  if (has_count && count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  size_t n = 1;
  if (!has_count) {
    ctx.reply.Bulk(Peek(l, end));
    Pop(l, end);
  } else {
    n = static_cast<size_t>(std::min<int64_t>(count, static_cast<int64_t>(l->size())));
    ctx.reply.ArrayHeader(n);
    for (size_t i = 0; i < n; ++i) {
      ctx.reply.Bulk(Peek(l, end));
      Pop(l, end);
    }
  }
  AfterPop(ctx, key, l, end, n);
}
void LPopCommand(CommandContext& ctx) { PopGeneric(ctx, End::kLeft); }
void RPopCommand(CommandContext& ctx) { PopGeneric(ctx, End::kRight); }

void LLenCommand(CommandContext& ctx) {
  ListValue* l;
  if (!ReadList(ctx, ctx.arg(1), &l)) return;
  ctx.reply.Integer(l == nullptr ? 0 : static_cast<int64_t>(l->size()));
}

// ---------------------------------------------------------------------------
// Positions

// Replies elements [start, stop] as an array of bulks, written straight
// into the output buffer (bulks look the same in RESP2 and RESP3): one size
// pass over the nodes, one copy pass, no per-element buffer growth.
void ReplyRange(CommandContext& ctx, const ListValue& l, size_t start, size_t stop) {
  ctx.reply.ArrayHeader(stop - start + 1);
  size_t bytes = 0;
  l.ForRange(start, stop, [&bytes](std::string_view v) { bytes += v.size() + 25; });
  std::vector<char>& out = *ctx.reply.buffer();
  size_t at = out.size();
  out.resize(at + bytes);
  char* p = out.data() + at;
  l.ForRange(start, stop, [&p](std::string_view v) {
    *p++ = '$';
    p += FormatInt64(static_cast<int64_t>(v.size()), p);
    *p++ = '\r';
    *p++ = '\n';
    if (!v.empty()) std::memcpy(p, v.data(), v.size());
    p += v.size();
    *p++ = '\r';
    *p++ = '\n';
  });
  out.resize(static_cast<size_t>(p - out.data()));
}

void LRangeCommand(CommandContext& ctx) {
  int64_t start, stop;
  if (!ctx.IntArg(2, &start) || !ctx.IntArg(3, &stop)) return;
  ListValue* l;
  if (!ReadList(ctx, ctx.arg(1), &l)) return;
  if (l == nullptr) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  int64_t len = static_cast<int64_t>(l->size());
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  if (stop >= len) stop = len - 1;
  ReplyRange(ctx, *l, static_cast<size_t>(start), static_cast<size_t>(stop));
}

// Resolves a Redis index (negative from the tail) against a length.
bool ResolveIndex(int64_t index, size_t len, size_t* out) {
  if (index < 0) index += static_cast<int64_t>(len);
  if (index < 0 || index >= static_cast<int64_t>(len)) return false;
  *out = static_cast<size_t>(index);
  return true;
}

void LIndexCommand(CommandContext& ctx) {
  ListValue* l;
  if (!ReadList(ctx, ctx.arg(1), &l)) return;
  if (l == nullptr) {
    ctx.reply.Null();
    return;
  }
  int64_t index;
  if (!ctx.IntArg(2, &index)) return;
  size_t at;
  if (!ResolveIndex(index, l->size(), &at)) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(l->At(at));
}

void LSetCommand(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  ListValue* l;
  if (!WriteList(ctx, key, &l)) return;
  if (l == nullptr) {
    ctx.reply.Error("ERR no such key");
    return;
  }
  int64_t index;
  if (!ctx.IntArg(2, &index)) return;
  size_t at;
  if (!ResolveIndex(index, l->size(), &at)) {
    ctx.reply.Error("ERR index out of range");
    return;
  }
  l->set_fill(ctx.server.options().list_max_listpack_size);
  l->Set(at, ctx.arg(3));
  ctx.db().Modified(key);
  ctx.reply.Ok();
  ctx.Notify(kNotifyList, "lset", key);
}

// LINSERT key BEFORE|AFTER pivot element
void LInsertCommand(CommandContext& ctx) {
  bool after;
  if (EqualsIgnoreCase(ctx.arg(2), "after")) {
    after = true;
  } else if (EqualsIgnoreCase(ctx.arg(2), "before")) {
    after = false;
  } else {
    ctx.SyntaxError();
    return;
  }
  std::string_view key = ctx.arg(1);
  ListValue* l;
  if (!WriteList(ctx, key, &l)) return;
  if (l == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  std::string_view pivot = ctx.arg(3);
  size_t index = 0;
  bool found = false;
  for (ListValue::Cursor c = l->CursorAt(0); c.valid(); c.Next(), ++index) {
    if (c.value() == pivot) {
      found = true;
      break;
    }
  }
  if (!found) {
    ctx.reply.Integer(-1);
    return;
  }
  l->set_fill(ctx.server.options().list_max_listpack_size);
  l->InsertAt(index, ctx.arg(4), after);
  ctx.db().Modified(key);
  ctx.reply.Integer(static_cast<int64_t>(l->size()));
  ctx.Notify(kNotifyList, "linsert", key);
}

// LREM key count element
void LRemCommand(CommandContext& ctx) {
  int64_t count;
  if (!ctx.IntArg(2, &count)) return;
  std::string_view key = ctx.arg(1);
  ListValue* l;
  if (!WriteList(ctx, key, &l)) return;
  if (l == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  size_t removed = l->Remove(ctx.arg(3), count);
  ctx.reply.Integer(static_cast<int64_t>(removed));
  if (removed == 0) return;
  ctx.keyspace.dirty += removed - 1;
  ctx.Notify(kNotifyList, "lrem", key);
  ctx.CollectionShrunk(key, l->empty());
}

// LTRIM key start stop
void LTrimCommand(CommandContext& ctx) {
  int64_t start, stop;
  if (!ctx.IntArg(2, &start) || !ctx.IntArg(3, &stop)) return;
  std::string_view key = ctx.arg(1);
  ListValue* l;
  if (!WriteList(ctx, key, &l)) return;
  if (l == nullptr) {
    ctx.reply.Ok();
    return;
  }
  int64_t len = static_cast<int64_t>(l->size());
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  int64_t left, right;  // elements to remove at the head and at the tail
  if (start > stop || start >= len) {
    left = len;
    right = 0;
  } else {
    if (stop >= len) stop = len - 1;
    left = start;
    right = len - stop - 1;
  }
  l->Erase(0, static_cast<size_t>(left));
  l->Erase(l->size() - static_cast<size_t>(right), static_cast<size_t>(right));
  ctx.Notify(kNotifyList, "ltrim", key);
  ctx.CollectionShrunk(key, l->empty());
  // Redis counts the removed elements as changes (the line above counted one).
  ctx.keyspace.dirty = ctx.keyspace.dirty - 1 + static_cast<uint64_t>(left + right);
  ctx.reply.Ok();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LPosCommand(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    bool more = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "rank") && more) {
      if (!ctx.IntArg(++i, &rank)) return;
      if (rank == 0) {
        ctx.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "count") && more) {
      if (!ParseInt64(ctx.arg(++i), &count) || count < 0) {
        ctx.reply.Error("ERR COUNT can't be negative");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "maxlen") && more) {
      if (!ParseInt64(ctx.arg(++i), &maxlen) || maxlen < 0) {
        ctx.reply.Error("ERR MAXLEN can't be negative");
        return;
      }
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  ListValue* l;
  if (!ReadList(ctx, ctx.arg(1), &l)) return;
  bool with_count = count != -1;
  if (l == nullptr) {
    if (with_count)
      ctx.reply.ArrayHeader(0);
    else
      ctx.reply.Null();
    return;
  }
  // Redis's arithmetic, including its wrap-around for RANK -2^63.
  bool from_tail = rank < 0;
  if (from_tail) rank = static_cast<int64_t>(0 - static_cast<uint64_t>(rank));
  std::string_view element = ctx.arg(2);
  size_t len = l->size();
  std::vector<int64_t> found;
  int64_t matches = 0, index = 0;
  ListValue::Cursor c = l->CursorAt(from_tail ? len - 1 : 0);
  for (; c.valid() && (maxlen == 0 || index < maxlen); from_tail ? c.Prev() : c.Next(), ++index) {
    if (c.value() != element) continue;
    ++matches;
    if (matches < rank) continue;
    found.push_back(from_tail ? static_cast<int64_t>(len) - index - 1 : index);
    if (!with_count) break;
    int64_t served = static_cast<int64_t>(static_cast<uint64_t>(matches) -
                                          static_cast<uint64_t>(rank) + 1);
    if (count != 0 && served >= count) break;
  }
  if (with_count) {
    ctx.reply.ArrayHeader(found.size());
    for (int64_t i : found) ctx.reply.Integer(i);
  } else if (found.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Integer(found[0]);
  }
}

// ---------------------------------------------------------------------------
// Moves

// Moves one element from `src` to `dst` when src has one. Returns false
// (having replied nothing) when src is absent; otherwise true after
// replying (the element, or WRONGTYPE).
bool TryMove(CommandContext& ctx, std::string_view src, std::string_view dst, End from, End to,
             bool blocking = false) {
  ListValue* s;
  if (!(blocking ? BlockingSource(ctx, src, &s) : WriteList(ctx, src, &s))) return true;
  if (s == nullptr) return false;
  ListValue* d;
  if (!WriteList(ctx, dst, &d)) return true;
  std::string value(Peek(s, from));
  Pop(s, from);
  // src and dst may be the same list: it is not empty again yet.
  PushOnto(ctx, dst, d, to, value);
  ctx.reply.Bulk(value);
  ctx.Notify(kNotifyList, PopEvent(from), src);
  if (s->empty()) {
    ctx.db().Delete(src);
    ctx.Notify(kNotifyGeneric, "del", src);
  } else {
    ctx.db().Modified(src);
  }
  return true;
}

void LMoveCommand(CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(ctx, 3, &from) || !ParseEnd(ctx, 4, &to)) return;
  if (!TryMove(ctx, ctx.arg(1), ctx.arg(2), from, to)) ctx.reply.Null();
}

void RPopLPushCommand(CommandContext& ctx) {
  if (!TryMove(ctx, ctx.arg(1), ctx.arg(2), End::kRight, End::kLeft)) ctx.reply.Null();
}

// Parks the client on `keys`, or replies what Redis replies where a client
// cannot block: a null array, or for BLMOVE/BRPOPLPUSH (`bulk`) a null
// bulk. A parked client that times out gets a null array from every list
// command, BLMOVE included, as in Redis 7.0.
void BlockOrTimeout(CommandContext& ctx, std::vector<std::string> keys, int64_t timeout_ms,
                    bool bulk) {
  if (ctx.can_block()) {
    ctx.BlockOn(keys, timeout_ms, /*null_array=*/true);
    return;
  }
  if (bulk)
    ctx.reply.Null();
  else
    ctx.reply.NullArray();
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void BLMoveCommand(CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(ctx, 3, &from) || !ParseEnd(ctx, 4, &to)) return;
  int64_t timeout_ms;
  if (!ctx.TimeoutArg(5, &timeout_ms)) return;
  if (TryMove(ctx, ctx.arg(1), ctx.arg(2), from, to, /*blocking=*/true)) {
    // Recorded in its non-blocking form (also when a parked client is served).
    ctx.PropagateAs({"LMOVE", std::string(ctx.arg(1)), std::string(ctx.arg(2)), std::string(ctx.arg(3)),
                     std::string(ctx.arg(4))});
    return;
  }
  BlockOrTimeout(ctx, {std::string(ctx.arg(1))}, timeout_ms, /*bulk=*/true);
}

// BRPOPLPUSH source destination timeout
void BRPopLPushCommand(CommandContext& ctx) {
  int64_t timeout_ms;
  if (!ctx.TimeoutArg(3, &timeout_ms)) return;
  if (TryMove(ctx, ctx.arg(1), ctx.arg(2), End::kRight, End::kLeft, /*blocking=*/true)) {
    ctx.PropagateAs({"RPOPLPUSH", std::string(ctx.arg(1)), std::string(ctx.arg(2))});
    return;
  }
  BlockOrTimeout(ctx, {std::string(ctx.arg(1))}, timeout_ms, /*bulk=*/true);
}

// ---------------------------------------------------------------------------
// Pops over several keys

// BLPOP/BRPOP key [key ...] timeout
void BlockingPopGeneric(CommandContext& ctx, End end) {
  int64_t timeout_ms;
  if (!ctx.TimeoutArg(ctx.argc() - 1, &timeout_ms)) return;
  for (size_t i = 1; i + 1 < ctx.argc(); ++i) {
    std::string_view key = ctx.arg(i);
    ListValue* l;
    if (!BlockingSource(ctx, key, &l)) return;
    if (l == nullptr) continue;
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.Bulk(Peek(l, end));
    Pop(l, end);
    ctx.PropagateAs({end == End::kLeft ? "LPOP" : "RPOP", std::string(key)});
    AfterPop(ctx, key, l, end, 1);
    return;
  }
  std::vector<std::string> keys;
  if (ctx.can_block())
    for (size_t i = 1; i + 1 < ctx.argc(); ++i) keys.emplace_back(ctx.arg(i));
  BlockOrTimeout(ctx, std::move(keys), timeout_ms, /*bulk=*/false);
}
void BLPopCommand(CommandContext& ctx) { BlockingPopGeneric(ctx, End::kLeft); }
void BRPopCommand(CommandContext& ctx) { BlockingPopGeneric(ctx, End::kRight); }

// The arguments of LMPOP and BLMPOP from numkeys on:
// numkeys key [key ...] LEFT|RIGHT [COUNT count].
struct MPopArgs {
  size_t first_key = 0;
  size_t num_keys = 0;
  End end = End::kLeft;
  int64_t count = 1;
};

bool ParseMPop(CommandContext& ctx, size_t numkeys_index, MPopArgs* a) {
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(numkeys_index), &numkeys) || numkeys <= 0) {
    ctx.reply.Error("ERR numkeys should be greater than 0");
    return false;
  }
  // The keys, then LEFT|RIGHT.
  if (numkeys > static_cast<int64_t>(ctx.argc() - numkeys_index) - 2) {
    ctx.SyntaxError();
    return false;
  }
  a->first_key = numkeys_index + 1;
  a->num_keys = static_cast<size_t>(numkeys);
  size_t where = a->first_key + a->num_keys;
  if (!ParseEnd(ctx, where, &a->end)) return false;
  bool has_count = false;
  for (size_t i = where + 1; i < ctx.argc(); ++i) {
    if (!has_count && EqualsIgnoreCase(ctx.arg(i), "count") && i + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(++i), &a->count) || a->count <= 0) {
        ctx.reply.Error("ERR count should be greater than 0");
        return false;
      }
      has_count = true;
    } else {
      ctx.SyntaxError();
      return false;
    }
  }
  return true;
}

// Pops from the first non-empty list of the keys. Returns false when they
// are all empty (nothing replied); true after replying (elements or error).
bool TryMPop(CommandContext& ctx, const MPopArgs& a, bool blocking) {
  for (size_t i = a.first_key; i < a.first_key + a.num_keys; ++i) {
    std::string_view key = ctx.arg(i);
    ListValue* l;
    if (!(blocking ? BlockingSource(ctx, key, &l) : WriteList(ctx, key, &l))) return true;
    if (l == nullptr) continue;
    size_t n = static_cast<size_t>(std::min<int64_t>(a.count, static_cast<int64_t>(l->size())));
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.ArrayHeader(n);
    for (size_t j = 0; j < n; ++j) {
      ctx.reply.Bulk(Peek(l, a.end));
      Pop(l, a.end);
    }
    // Recorded as LPOP/RPOP key count, as Redis does.
    ctx.PropagateAs({a.end == End::kLeft ? "LPOP" : "RPOP", std::string(key), std::to_string(n)});
    AfterPop(ctx, key, l, a.end, n);
    return true;
  }
  return false;
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void LMPopCommand(CommandContext& ctx) {
  MPopArgs a;
  if (!ParseMPop(ctx, 1, &a)) return;
  if (!TryMPop(ctx, a, /*blocking=*/false)) ctx.reply.NullArray();
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void BLMPopCommand(CommandContext& ctx) {
  MPopArgs a;
  if (!ParseMPop(ctx, 2, &a)) return;
  int64_t timeout_ms;
  if (!ctx.TimeoutArg(1, &timeout_ms)) return;
  if (TryMPop(ctx, a, /*blocking=*/true)) return;
  std::vector<std::string> keys;
  if (ctx.can_block())
    for (size_t i = a.first_key; i < a.first_key + a.num_keys; ++i) keys.emplace_back(ctx.arg(i));
  BlockOrTimeout(ctx, std::move(keys), timeout_ms, /*bulk=*/false);
}

}  // namespace

void RegisterListFamily(CommandTable& t) {
  const uint32_t R = kCmdReadonly, W = kCmdWrite, F = kCmdFast, M = kCmdDenyOom,
                 B = kCmdBlocking | kCmdNoscript;
  const char* kList = "list";
  t.Add(Cmd("lpush", -3, W | M | F, 1, 1, 1, LPushCommand, kList, "1.0.0",
            "Prepend one or multiple elements to a list")
            .Keys("RW insert"));
  t.Add(Cmd("rpush", -3, W | M | F, 1, 1, 1, RPushCommand, kList, "1.0.0",
            "Append one or multiple elements to a list")
            .Keys("RW insert"));
  t.Add(Cmd("lpushx", -3, W | M | F, 1, 1, 1, LPushXCommand, kList, "2.2.0",
            "Prepend an element to a list, only if the list exists")
            .Keys("RW insert"));
  t.Add(Cmd("rpushx", -3, W | M | F, 1, 1, 1, RPushXCommand, kList, "2.2.0",
            "Append an element to a list, only if the list exists")
            .Keys("RW insert"));
  t.Add(Cmd("lpop", -2, W | F, 1, 1, 1, LPopCommand, kList, "1.0.0",
            "Remove and get the first elements in a list")
            .Keys("RW access delete"));
  t.Add(Cmd("rpop", -2, W | F, 1, 1, 1, RPopCommand, kList, "1.0.0",
            "Remove and get the last elements in a list")
            .Keys("RW access delete"));
  t.Add(Cmd("llen", 2, R | F, 1, 1, 1, LLenCommand, kList, "1.0.0", "Get the length of a list")
            .Keys("RO"));
  t.Add(Cmd("lrange", 4, R, 1, 1, 1, LRangeCommand, kList, "1.0.0",
            "Get a range of elements from a list")
            .Keys("RO access"));
  t.Add(Cmd("lindex", 3, R, 1, 1, 1, LIndexCommand, kList, "1.0.0",
            "Get an element from a list by its index")
            .Keys("RO access"));
  t.Add(Cmd("lset", 4, W | M, 1, 1, 1, LSetCommand, kList, "1.0.0",
            "Set the value of an element in a list by its index")
            .Keys("RW update"));
  t.Add(Cmd("linsert", 5, W | M, 1, 1, 1, LInsertCommand, kList, "2.2.0",
            "Insert an element before or after another element in a list")
            .Keys("RW insert"));
  t.Add(Cmd("lrem", 4, W, 1, 1, 1, LRemCommand, kList, "1.0.0", "Remove elements from a list")
            .Keys("RW delete"));
  t.Add(Cmd("ltrim", 4, W, 1, 1, 1, LTrimCommand, kList, "1.0.0",
            "Trim a list to the specified range")
            .Keys("RW delete"));
  t.Add(Cmd("lpos", -3, R, 1, 1, 1, LPosCommand, kList, "6.0.6",
            "Return the index of matching elements on a list")
            .Keys("RO access"));
  const std::vector<KeySpec> move_specs = {{"RW access delete", 1, 0, 1, ""},
                                           {"RW insert", 2, 0, 1, ""}};
  t.Add(Cmd("lmove", 5, W | M, 1, 2, 1, LMoveCommand, kList, "6.2.0",
            "Pop an element from a list, push it to another list and return it")
            .Specs(move_specs));
  t.Add(Cmd("rpoplpush", 3, W | M, 1, 2, 1, RPopLPushCommand, kList, "1.2.0",
            "Remove the last element in a list, prepend it to another list and return it")
            .Specs(move_specs));
  // LMPOP/BLMPOP find their keys through numkeys (Redis's "keynum" key
  // spec); the table's specs describe index ranges only, so the spec below
  // names where the search begins.
  t.Add(Cmd("lmpop", -4, W | kCmdMovableKeys, 0, 0, 0, LMPopCommand, kList, "7.0.0",
            "Pop elements from a list")
            .Specs({KeynumSpec("RW access delete", 1)}));
  t.Add(Cmd("blpop", -3, W | B, 1, -2, 1, BLPopCommand, kList, "2.0.0",
            "Remove and get the first element in a list, or block until one is available")
            .Keys("RW access delete"));
  t.Add(Cmd("brpop", -3, W | B, 1, -2, 1, BRPopCommand, kList, "2.0.0",
            "Remove and get the last element in a list, or block until one is available")
            .Keys("RW access delete"));
  t.Add(Cmd("blmove", 6, W | M | B, 1, 2, 1, BLMoveCommand, kList, "6.2.0",
            "Pop an element from a list, push it to another list and return it; or block until "
            "one is available")
            .Specs(move_specs));
  t.Add(Cmd("brpoplpush", 4, W | M | B, 1, 2, 1, BRPopLPushCommand, kList, "2.2.0",
            "Pop an element from a list, push it to another list and return it; or block until "
            "one is available")
            .Specs(move_specs));
  t.Add(Cmd("blmpop", -5, W | kCmdBlocking | kCmdMovableKeys, 0, 0, 0, BLMPopCommand, kList,
            "7.0.0", "Pop elements from a list, or block until one is available")
            .Specs({KeynumSpec("RW access delete", 2)}));
}

}  // namespace troupe
