// Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN HSTRLEN
// HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, with Redis
// 7.0's replies, error texts, keyspace events and encoding conversions
// (listpack -> hashtable at hash-max-listpack-entries / -value).
// Handlers run inline in the client session on the multiplexer thread; the
// data structure is HashValue (actors/shard/types/hash_value.h).
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/commands/scan_args.h"
#include "actors/shard/types/hash_value.h"

namespace troupe {
namespace {

HashLimits Limits(CommandContext& ctx) {
  const auto& o = ctx.server.options();
  return HashLimits{static_cast<size_t>(o.hash_max_listpack_entries),
                    static_cast<size_t>(o.hash_max_listpack_value)};
}

// Looks up `key` as a hash. Returns false (after replying WRONGTYPE) when it
// holds another type; *h is nullptr when the key is absent.
bool LookupHash(CommandContext& ctx, std::string_view key, bool write, HashValue** h) {
  Entry* e = write ? ctx.db().LookupWrite(key) : ctx.db().LookupRead(key);
  *h = nullptr;
  if (e == nullptr) return true;
  if (e->type() != ObjType::kHash) {
    ctx.WrongType();
    return false;
  }
  *h = static_cast<HashValue*>(e->collection());
  return true;
}

// A hash being written: the existing value, or a new one that Commit()
// adds to the keyspace (so a failed command never leaves an empty key).
class HashWriter {
 public:
  HashWriter(CommandContext& ctx, std::string_view key) : ctx_(ctx), key_(key) {}
  // False after replying WRONGTYPE.
  bool Open() {
    if (!LookupHash(ctx_, key_, /*write=*/true, &hash_)) return false;
    if (hash_ == nullptr) {
      fresh_ = std::make_unique<HashValue>();
      hash_ = fresh_.get();
    }
    return true;
  }
  HashValue* operator->() const { return hash_; }
  HashValue* get() const { return hash_; }
  // Records the change: adds the new key, or signals the modified one.
  void Commit() {
    if (fresh_)
      ctx_.db().AddCollection(key_, ObjType::kHash, fresh_.release());
    else
      ctx_.db().Modified(key_);
  }

 private:
  CommandContext& ctx_;
  std::string_view key_;
  HashValue* hash_ = nullptr;
  std::unique_ptr<HashValue> fresh_;
};

// HSET key field value [field value ...] / HMSET (replies OK)
void HSetGeneric(CommandContext& ctx, bool hmset) {
  if (ctx.argc() % 2 == 1) {
    ctx.WrongArity();
    return;
  }
  HashWriter h(ctx, ctx.arg(1));
  if (!h.Open()) return;
  HashLimits limits = Limits(ctx);
  if (h->listpack()) {
    size_t extra = 0;
    for (size_t i = 2; i < ctx.argc(); i += 2) {
      if (ctx.arg(i).size() > limits.max_value || ctx.arg(i + 1).size() > limits.max_value) {
        h->ConvertToTable();
        break;
      }
      extra += HashValue::PairBytes(ctx.arg(i), ctx.arg(i + 1));
    }
    h->ReserveExtra(extra);
  }
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2)
    if (h->Set(ctx.arg(i), ctx.arg(i + 1), limits)) ++added;
  h.Commit();
  ctx.Notify(kNotifyHash, "hset", ctx.arg(1));
  if (hmset)
    ctx.reply.Ok();
  else
    ctx.reply.Integer(added);
}
void HSetCommand(CommandContext& ctx) { HSetGeneric(ctx, false); }
void HMSetCommand(CommandContext& ctx) { HSetGeneric(ctx, true); }

void HSetNxCommand(CommandContext& ctx) {
  HashWriter h(ctx, ctx.arg(1));
  if (!h.Open()) return;
  if (h->Contains(ctx.arg(2))) {
    ctx.reply.Integer(0);
    return;
  }
  h->Set(ctx.arg(2), ctx.arg(3), Limits(ctx));
  h.Commit();
  ctx.Notify(kNotifyHash, "hset", ctx.arg(1));
  ctx.reply.Integer(1);
}

void HGetCommand(CommandContext& ctx) {
  HashValue* h;
  if (!LookupHash(ctx, ctx.arg(1), false, &h)) return;
  std::string_view v;
  if (h != nullptr && h->Get(ctx.arg(2), &v))
    ctx.reply.Bulk(v);
  else
    ctx.reply.Null();
}

void HMGetCommand(CommandContext& ctx) {
  HashValue* h;
  if (!LookupHash(ctx, ctx.arg(1), false, &h)) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view v;
    if (h != nullptr && h->Get(ctx.arg(i), &v))
      ctx.reply.Bulk(v);
    else
      ctx.reply.Null();
  }
}

void HDelCommand(CommandContext& ctx) {
  HashValue* h;
  if (!LookupHash(ctx, ctx.arg(1), true, &h)) return;
  int64_t deleted = 0;
  if (h != nullptr) {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (h->Delete(ctx.arg(i))) ++deleted;
      if (h->size() == 0) break;
    }
  }
  if (deleted > 0) {
    bool emptied = h->size() == 0;
    if (emptied)
      ctx.db().Delete(ctx.arg(1));
    else
      ctx.db().Modified(ctx.arg(1));
    ctx.Notify(kNotifyHash, "hdel", ctx.arg(1));
    if (emptied) ctx.Notify(kNotifyGeneric, "del", ctx.arg(1));
  }
  ctx.reply.Integer(deleted);
}

void HLenCommand(CommandContext& ctx) {
  HashValue* h;
  if (!LookupHash(ctx, ctx.arg(1), false, &h)) return;
  ctx.reply.Integer(h ? static_cast<int64_t>(h->size()) : 0);
}

void HStrLenCommand(CommandContext& ctx) {
  HashValue* h;
  if (!LookupHash(ctx, ctx.arg(1), false, &h)) return;
  std::string_view v;
  ctx.reply.Integer(h != nullptr && h->Get(ctx.arg(2), &v) ? static_cast<int64_t>(v.size()) : 0);
}

void HExistsCommand(CommandContext& ctx) {
  HashValue* h;
  if (!LookupHash(ctx, ctx.arg(1), false, &h)) return;
  ctx.reply.Integer(h != nullptr && h->Contains(ctx.arg(2)) ? 1 : 0);
}

// HKEYS / HVALS / HGETALL
void HGetAllGeneric(CommandContext& ctx, bool keys, bool values) {
  HashValue* h;
  if (!LookupHash(ctx, ctx.arg(1), false, &h)) return;
  size_t n = h ? h->size() : 0;
  if (keys && values)
    ctx.reply.MapHeader(n);
  else
    ctx.reply.ArrayHeader(n);
  if (h == nullptr) return;
  h->ForEach([&](std::string_view f, std::string_view v) {
    if (keys) ctx.reply.Bulk(f);
    if (values) ctx.reply.Bulk(v);
  });
}
void HKeysCommand(CommandContext& ctx) { HGetAllGeneric(ctx, true, false); }
void HValsCommand(CommandContext& ctx) { HGetAllGeneric(ctx, false, true); }
void HGetAllCommand(CommandContext& ctx) { HGetAllGeneric(ctx, true, true); }

void HIncrByCommand(CommandContext& ctx) {
  int64_t by;
  if (!ctx.IntArg(3, &by)) return;
  HashWriter h(ctx, ctx.arg(1));
  if (!h.Open()) return;
  int64_t value = 0;
  std::string_view old;
  if (h->Get(ctx.arg(2), &old) && !ParseInt64(old, &value)) {
    ctx.reply.Error("ERR hash value is not an integer");
    return;
  }
  if (AddOverflows(value, by)) {
    ctx.Overflow();
    return;
  }
  value += by;
  char buf[24];
  h->Set(ctx.arg(2), std::string_view(buf, FormatInt64(value, buf)), Limits(ctx));
  h.Commit();
  ctx.Notify(kNotifyHash, "hincrby", ctx.arg(1));
  ctx.reply.Integer(value);
}

void HIncrByFloatCommand(CommandContext& ctx) {
  long double by, value = 0;
  if (!ParseLongDouble(ctx.arg(3), &by)) {
    ctx.NotFloat();
    return;
  }
  if (std::isnan(by) || std::isinf(by)) {
    ctx.reply.Error("ERR value is NaN or Infinity");
    return;
  }
  HashWriter h(ctx, ctx.arg(1));
  if (!h.Open()) return;
  std::string_view old;
  if (h->Get(ctx.arg(2), &old) && !ParseLongDouble(old, &value)) {
    ctx.reply.Error("ERR hash value is not a float");
    return;
  }
  value += by;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.Error("ERR increment would produce NaN or Infinity");
    return;
  }
  std::string text = FormatLongDouble(value);
  h->Set(ctx.arg(2), text, Limits(ctx));
  h.Commit();
  ctx.Notify(kNotifyHash, "hincrbyfloat", ctx.arg(1));
  ctx.PropagateAs({"HSET", std::string(ctx.arg(1)), std::string(ctx.arg(2)), text});
  ctx.reply.Bulk(text);
}

// One HRANDFIELD element: field, or field and value (a pair in RESP3).
void ReplyField(CommandContext& ctx, bool withvalues, std::string_view f, std::string_view v) {
  if (withvalues && ctx.reply.protocol() >= 3) ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(f);
  if (withvalues) ctx.reply.Bulk(v);
}

// HRANDFIELD key [count [WITHVALUES]]
void HRandFieldCommand(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    HashValue* h;
    if (!LookupHash(ctx, ctx.arg(1), false, &h)) return;
    if (h == nullptr) {
      ctx.reply.Null();
      return;
    }
    ctx.reply.Bulk(h->RandomField(ctx.keyspace.rng()).first);
    return;
  }
  int64_t count;
  if (!ctx.IntArg(2, &count)) return;
  if (count == INT64_MIN) {
    ctx.reply.Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return;
  }
  bool withvalues = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "WITHVALUES"))) {
    ctx.SyntaxError();
    return;
  }
  if (ctx.argc() == 4) {
    withvalues = true;
    if (count < -INT64_MAX / 2 || count > INT64_MAX / 2) {
      ctx.reply.Error("ERR value is out of range");
      return;
    }
  }
  HashValue* h;
  if (!LookupHash(ctx, ctx.arg(1), false, &h)) return;
  if (h == nullptr || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  auto& rng = ctx.keyspace.rng();
  size_t per = withvalues && ctx.reply.protocol() < 3 ? 2 : 1;
  if (count < 0 || count == 1) {
    // With repetitions (a count of 1 takes the same path in Redis).
    uint64_t n = count < 0 ? static_cast<uint64_t>(-count) : 1;
    ctx.reply.ArrayHeader(n * per);
    if (h->listpack() && n > 1) {
      auto items = h->Items();
      for (uint64_t i = 0; i < n; ++i) {
        const auto& it = items[rng() % items.size()];
        ReplyField(ctx, withvalues, it.first, it.second);
      }
      return;
    }
    for (uint64_t i = 0; i < n; ++i) {
      auto fv = h->RandomField(rng);
      ReplyField(ctx, withvalues, fv.first, fv.second);
    }
    return;
  }
  size_t size = h->size();
  if (static_cast<uint64_t>(count) >= size) {
    ctx.reply.ArrayHeader(size * per);
    h->ForEach([&](std::string_view f, std::string_view v) { ReplyField(ctx, withvalues, f, v); });
    return;
  }
  ctx.reply.ArrayHeader(static_cast<size_t>(count) * per);
  h->SampleDistinct(rng, static_cast<size_t>(count), [&](std::string_view f, std::string_view v) {
    ReplyField(ctx, withvalues, f, v);
  });
}


// HSCAN key cursor [MATCH pattern] [COUNT count]
void HScanCommand(CommandContext& ctx) {
  uint64_t cursor;
  HashValue* h;
  ScanOptions opts;
  auto lookup = [&](HashValue** out) { return LookupHash(ctx, ctx.arg(1), false, out); };
  if (!ScanPrologue(ctx, lookup, &cursor, &h, &opts)) return;
  std::vector<std::string_view> found;  // field, value, field, value, ...
  uint64_t next = h->Scan(cursor, static_cast<size_t>(opts.count), [&](std::string_view f, std::string_view v) {
    if (!ScanMatches(opts, f)) return;
    found.push_back(f);
    found.push_back(v);
  });
  ReplyScanPage(ctx, next, found);
}

}  // namespace

void RegisterHashFamily(CommandTable& t) {
  const uint32_t R = kCmdReadonly, W = kCmdWrite, F = kCmdFast, D = kCmdDenyOom;
  t.Add(Cmd("hset", -4, W | D | F, 1, 1, 1, HSetCommand, "hash", "2.0.0",
            "Set the string value of a hash field"));
  t.Add(Cmd("hsetnx", 4, W | D | F, 1, 1, 1, HSetNxCommand, "hash", "2.0.0",
            "Set the value of a hash field, only if the field does not exist")
            .Keys("RW insert"));
  t.Add(Cmd("hget", 3, R | F, 1, 1, 1, HGetCommand, "hash", "2.0.0",
            "Get the value of a hash field"));
  t.Add(Cmd("hmget", -3, R | F, 1, 1, 1, HMGetCommand, "hash", "2.0.0",
            "Get the values of all the given hash fields"));
  t.Add(Cmd("hmset", -4, W | D | F, 1, 1, 1, HMSetCommand, "hash", "2.0.0",
            "Set multiple hash fields to multiple values"));
  t.Add(Cmd("hdel", -3, W | F, 1, 1, 1, HDelCommand, "hash", "2.0.0",
            "Delete one or more hash fields")
            .Keys("RW delete"));
  t.Add(Cmd("hexists", 3, R | F, 1, 1, 1, HExistsCommand, "hash", "2.0.0",
            "Determine if a hash field exists")
            .Keys("RO"));
  t.Add(Cmd("hlen", 2, R | F, 1, 1, 1, HLenCommand, "hash", "2.0.0",
            "Get the number of fields in a hash")
            .Keys("RO"));
  t.Add(Cmd("hstrlen", 3, R | F, 1, 1, 1, HStrLenCommand, "hash", "3.2.0",
            "Get the length of the value of a hash field")
            .Keys("RO"));
  t.Add(Cmd("hkeys", 2, R, 1, 1, 1, HKeysCommand, "hash", "2.0.0", "Get all the fields in a hash")
            .Tips("nondeterministic_output_order"));
  t.Add(Cmd("hvals", 2, R, 1, 1, 1, HValsCommand, "hash", "2.0.0", "Get all the values in a hash")
            .Tips("nondeterministic_output_order"));
  t.Add(Cmd("hgetall", 2, R, 1, 1, 1, HGetAllCommand, "hash", "2.0.0",
            "Get all the fields and values in a hash")
            .Tips("nondeterministic_output_order"));
  t.Add(Cmd("hincrby", 4, W | D | F, 1, 1, 1, HIncrByCommand, "hash", "2.0.0",
            "Increment the integer value of a hash field by the given number")
            .Keys("RW access update"));
  t.Add(Cmd("hincrbyfloat", 4, W | D | F, 1, 1, 1, HIncrByFloatCommand, "hash", "2.6.0",
            "Increment the float value of a hash field by the given amount")
            .Keys("RW access update"));
  t.Add(Cmd("hrandfield", -2, R, 1, 1, 1, HRandFieldCommand, "hash", "6.2.0",
            "Get one or multiple random fields from a hash")
            .Tips("nondeterministic_output"));
  t.Add(Cmd("hscan", -3, R, 1, 1, 1, HScanCommand, "hash", "2.8.0",
            "Incrementally iterate hash fields and associated values")
            .Tips("nondeterministic_output"));
}

}  // namespace troupe
