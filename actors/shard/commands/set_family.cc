// Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
// SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF
// SDIFFSTORE SSCAN, with Redis 7.0's replies (sets are RESP3 sets where
// Redis sends them so), error texts, keyspace events and encoding
// conversions (intset -> hashtable at set-max-intset-entries or on the
// first non-integer member).
// Handlers run inline in the client session on the multiplexer thread; the
// data structure is SetValue (actors/shard/types/set_value.h).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/commands/scan_args.h"
#include "actors/shard/types/set_value.h"

namespace troupe {
namespace {

SetLimits Limits(CommandContext& ctx) {
  return SetLimits{static_cast<size_t>(ctx.server.options().set_max_intset_entries)};
}

// Looks up `key` as a set. Returns false (after replying WRONGTYPE) when it
// holds another type; *s is nullptr when the key is absent.
bool LookupSet(CommandContext& ctx, std::string_view key, bool write, SetValue** s) {
  Entry* e = write ? ctx.db().LookupWrite(key) : ctx.db().LookupRead(key);
  *s = nullptr;
  if (e == nullptr) return true;
  if (e->type() != ObjType::kSet) {
    ctx.WrongType();
    return false;
  }
  *s = static_cast<SetValue*>(e->collection());
  return true;
}

// Removes `key` when its set became empty (with the "del" event); otherwise
// records the change.
void DeleteIfEmpty(CommandContext& ctx, std::string_view key, const SetValue* s) {
  ctx.CollectionShrunk(key, s->size() == 0);
}

void SAddCommand(CommandContext& ctx) {
  SetValue* s;
  if (!LookupSet(ctx, ctx.arg(1), true, &s)) return;
  std::unique_ptr<SetValue> fresh;
  if (s == nullptr) {
    fresh.reset(SetValue::ForMember(ctx.arg(2)));
    s = fresh.get();
  }
  SetLimits limits = Limits(ctx);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i)
    if (s->Add(ctx.arg(i), limits)) ++added;
  if (fresh)
    ctx.db().AddCollection(ctx.arg(1), ObjType::kSet, fresh.release());
  else if (added > 0)
    ctx.db().Modified(ctx.arg(1));
  if (added > 0) ctx.Notify(kNotifySet, "sadd", ctx.arg(1));
  ctx.reply.Integer(added);
}

void SRemCommand(CommandContext& ctx) {
  SetValue* s;
  if (!LookupSet(ctx, ctx.arg(1), true, &s)) return;
  int64_t removed = 0;
  if (s != nullptr) {
    for (size_t i = 2; i < ctx.argc() && s->size() > 0; ++i)
      if (s->Remove(ctx.arg(i))) ++removed;
  }
  if (removed > 0) {
    bool emptied = s->size() == 0;
    if (emptied)
      ctx.db().Delete(ctx.arg(1));
    else
      ctx.db().Modified(ctx.arg(1));
    ctx.Notify(kNotifySet, "srem", ctx.arg(1));
    if (emptied) ctx.Notify(kNotifyGeneric, "del", ctx.arg(1));
  }
  ctx.reply.Integer(removed);
}

void ReplyMembers(CommandContext& ctx, const SetValue* s) {
  ctx.reply.SetHeader(s ? s->size() : 0);
  if (s != nullptr) s->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

void SIsMemberCommand(CommandContext& ctx) {
  SetValue* s;
  if (!LookupSet(ctx, ctx.arg(1), false, &s)) return;
  ctx.reply.Integer(s != nullptr && s->Contains(ctx.arg(2)) ? 1 : 0);
}

void SMIsMemberCommand(CommandContext& ctx) {
  SetValue* s;
  if (!LookupSet(ctx, ctx.arg(1), false, &s)) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i)
    ctx.reply.Integer(s != nullptr && s->Contains(ctx.arg(i)) ? 1 : 0);
}

void SCardCommand(CommandContext& ctx) {
  SetValue* s;
  if (!LookupSet(ctx, ctx.arg(1), false, &s)) return;
  ctx.reply.Integer(s ? static_cast<int64_t>(s->size()) : 0);
}

// SPOP key [count]
void SPopCommand(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.SyntaxError();
    return;
  }
  auto& rng = ctx.keyspace.rng();
  std::string_view key = ctx.arg(1);
  if (ctx.argc() == 2) {
    SetValue* s;
    if (!LookupSet(ctx, key, true, &s)) return;
    if (s == nullptr) {
      ctx.reply.Null();
      return;
    }
    // The random choice is recorded as its outcome: SREM key member.
    bool record = ctx.propagating();
    std::vector<std::string> srem;
    s->PopRandom(rng, 1, [&](std::string_view m) {
      ctx.reply.Bulk(m);
      if (record) srem = {"SREM", std::string(key), std::string(m)};
    });
    ctx.PropagateAs(std::move(srem));
    ctx.Notify(kNotifySet, "spop", key);
    DeleteIfEmpty(ctx, key, s);
    return;
  }
  int64_t count;
  if (!ParseInt64(ctx.arg(2), &count) || count < 0) {
    ctx.reply.Error("ERR value is out of range, must be positive");
    return;
  }
  SetValue* s;
  if (!LookupSet(ctx, key, true, &s)) return;
  if (s == nullptr || count == 0) {
    ctx.reply.SetHeader(0);
    return;
  }
  size_t n = std::min(static_cast<uint64_t>(count), static_cast<uint64_t>(s->size()));
  ctx.reply.SetHeader(n);
  if (n == s->size()) {
    s->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
    ctx.PropagateAs({"DEL", std::string(key)});
    ctx.db().Delete(key);
    ctx.Notify(kNotifySet, "spop", key);
    ctx.Notify(kNotifyGeneric, "del", key);
    return;
  }
  // Redis keeps the members that stay in a set built anew when they are few
  // (remaining * 5 <= count), which re-picks the encoding.
  bool rebuilt = (s->size() - n) * 5 <= n;
  // Recorded as SREMs of the members taken, at most 1024 per command.
  bool record = ctx.propagating();
  std::vector<std::string> srem;
  s->PopRandom(rng, n, [&](std::string_view m) {
    ctx.reply.Bulk(m);
    if (!record) return;
    if (srem.empty()) srem = {"SREM", std::string(key)};
    srem.emplace_back(m);
    if (srem.size() == 2 + 1024) ctx.PropagateAs(std::move(srem)), srem.clear();
  });
  if (srem.size() > 2) ctx.PropagateAs(std::move(srem));
  ctx.PreventPropagation();
  if (rebuilt) s->Reencode(Limits(ctx));
  ctx.db().Modified(key);
  ctx.Notify(kNotifySet, "spop", key);
}

// SRANDMEMBER key [count]
void SRandMemberCommand(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.SyntaxError();
    return;
  }
  auto& rng = ctx.keyspace.rng();
  std::string scratch;
  if (ctx.argc() == 2) {
    SetValue* s;
    if (!LookupSet(ctx, ctx.arg(1), false, &s)) return;
    if (s == nullptr)
      ctx.reply.Null();
    else
      ctx.reply.Bulk(s->RandomMember(rng, &scratch));
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
  SetValue* s;
  if (!LookupSet(ctx, ctx.arg(1), false, &s)) return;
  if (s == nullptr || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  if (count < 0 || count == 1) {
    uint64_t n = count < 0 ? static_cast<uint64_t>(-count) : 1;
    ctx.reply.ArrayHeader(n);
    for (uint64_t i = 0; i < n; ++i) ctx.reply.Bulk(s->RandomMember(rng, &scratch));
    return;
  }
  if (static_cast<uint64_t>(count) >= s->size()) {
    ctx.reply.ArrayHeader(s->size());
    s->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
    return;
  }
  ctx.reply.ArrayHeader(static_cast<size_t>(count));
  s->SampleDistinct(rng, static_cast<size_t>(count),
                    [&](std::string_view m) { ctx.reply.Bulk(m); });
}

// SMOVE source destination member
void SMoveCommand(CommandContext& ctx) {
  std::string_view src_key = ctx.arg(1), dst_key = ctx.arg(2), member = ctx.arg(3);
  Database& db = ctx.db();
  Entry* src_e = db.LookupWrite(src_key);
  Entry* dst_e = db.LookupWrite(dst_key);
  if (src_e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (src_e->type() != ObjType::kSet || (dst_e != nullptr && dst_e->type() != ObjType::kSet)) {
    ctx.WrongType();
    return;
  }
  auto* src = static_cast<SetValue*>(src_e->collection());
  SetValue* dst = dst_e ? static_cast<SetValue*>(dst_e->collection()) : nullptr;
  if (src == dst) {
    ctx.reply.Integer(src->Contains(member) ? 1 : 0);
    return;
  }
  if (!src->Remove(member)) {
    ctx.reply.Integer(0);
    return;
  }
  ctx.Notify(kNotifySet, "srem", src_key);
  DeleteIfEmpty(ctx, src_key, src);
  std::unique_ptr<SetValue> fresh;
  if (dst == nullptr) {
    fresh.reset(SetValue::ForMember(member));
    dst = fresh.get();
  }
  bool added = dst->Add(member, Limits(ctx));
  if (fresh)
    db.AddCollection(dst_key, ObjType::kSet, fresh.release());
  else if (added)
    db.Modified(dst_key);
  if (added) ctx.Notify(kNotifySet, "sadd", dst_key);
  ctx.reply.Integer(1);
}

// Looks up the source sets of SINTER/SUNION/SDIFF and their STORE forms
// (nullptr for absent keys). False after replying WRONGTYPE.
bool LookupSources(CommandContext& ctx, size_t first, size_t count, bool write,
                   std::vector<SetValue*>* sets) {
  sets->clear();
  for (size_t i = first; i < first + count; ++i) {
    SetValue* s;
    if (!LookupSet(ctx, ctx.arg(i), write, &s)) return false;
    sets->push_back(s);
  }
  return true;
}

// Replaces `dst` with `result` (when not empty) for the STORE forms and
// replies the result's size; an empty result deletes `dst`.
void StoreResult(CommandContext& ctx, std::string_view dst, std::unique_ptr<SetValue> result,
                 const char* event) {
  Database& db = ctx.db();
  size_t n = result ? result->size() : 0;
  if (n > 0) {
    db.Delete(dst);
    db.AddCollection(dst, ObjType::kSet, result.release());
    ctx.Notify(kNotifySet, event, dst);
  } else if (db.Delete(dst)) {
    ctx.Notify(kNotifyGeneric, "del", dst);
  }
  ctx.reply.Integer(static_cast<int64_t>(n));
}

// SINTER / SINTERSTORE / SINTERCARD over argv[first, first+count).
// dst: SINTERSTORE's destination (empty otherwise); limit 0 = none.
void SInterGeneric(CommandContext& ctx, size_t first, size_t count, std::string_view dst,
                   bool store, bool cardinality_only, uint64_t limit) {
  std::vector<SetValue*> sets;
  if (!LookupSources(ctx, first, count, store, &sets)) return;
  bool empty = std::any_of(sets.begin(), sets.end(), [](SetValue* s) { return s == nullptr; });
  if (empty) {
    if (store)
      StoreResult(ctx, dst, nullptr, "sinterstore");
    else if (cardinality_only)
      ctx.reply.Integer(0);
    else
      ctx.reply.SetHeader(0);
    return;
  }
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
  uint64_t cardinality = 0;
  bool done = false;
  std::vector<std::string> members;
  sets[0]->ForEach([&](std::string_view m) {
    if (done) return;
    for (size_t j = 1; j < sets.size(); ++j) {
      if (sets[j] == sets[0]) continue;
      if (!sets[j]->Contains(m)) return;
    }
    if (cardinality_only) {
      if (++cardinality == limit) done = true;
      return;
    }
    members.emplace_back(m);
  });
  if (cardinality_only) {
    ctx.reply.Integer(static_cast<int64_t>(cardinality));
    return;
  }
  if (store) {
    auto result = std::make_unique<SetValue>();
    SetLimits limits = Limits(ctx);
    for (const auto& m : members) result->Add(m, limits);
    StoreResult(ctx, dst, std::move(result), "sinterstore");
    return;
  }
  ctx.reply.SetHeader(members.size());
  for (const auto& m : members) ctx.reply.Bulk(m);
}

void SMembersCommand(CommandContext& ctx) { SInterGeneric(ctx, 1, 1, {}, false, false, 0); }
void SInterCommand(CommandContext& ctx) {
  SInterGeneric(ctx, 1, ctx.argc() - 1, {}, false, false, 0);
}
void SInterStoreCommand(CommandContext& ctx) {
  SInterGeneric(ctx, 2, ctx.argc() - 2, ctx.arg(1), true, false, 0);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCardCommand(CommandContext& ctx) {
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(1), &numkeys) || numkeys < 1) {
    ctx.reply.Error("ERR numkeys should be greater than 0");
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 2) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  int64_t limit = 0;
  for (size_t j = 2 + static_cast<size_t>(numkeys); j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.arg(j), "LIMIT") && more) {
      ++j;
      if (!ParseInt64(ctx.arg(j), &limit) || limit < 0) {
        ctx.reply.Error("ERR LIMIT can't be negative");
        return;
      }
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  SInterGeneric(ctx, 2, static_cast<size_t>(numkeys), {}, false, true,
                static_cast<uint64_t>(limit));
}

// SUNION / SDIFF and their STORE forms over argv[first, argc).
void SUnionDiffGeneric(CommandContext& ctx, size_t first, bool store, bool diff) {
  std::vector<SetValue*> sets;
  if (!LookupSources(ctx, first, ctx.argc() - first, store, &sets)) return;
  auto result = std::make_unique<SetValue>();
  SetLimits limits = Limits(ctx);
  if (!diff) {
    for (const SetValue* s : sets)
      if (s != nullptr) s->ForEach([&](std::string_view m) { result->Add(m, limits); });
  } else if (sets[0] != nullptr) {
    bool same = std::find(sets.begin() + 1, sets.end(), sets[0]) != sets.end();
    if (!same) {
      sets[0]->ForEach([&](std::string_view m) {
        for (size_t j = 1; j < sets.size(); ++j)
          if (sets[j] != nullptr && sets[j]->Contains(m)) return;
        result->Add(m, limits);
      });
    }
  }
  if (store) {
    StoreResult(ctx, ctx.arg(1), std::move(result), diff ? "sdiffstore" : "sunionstore");
    return;
  }
  ReplyMembers(ctx, result.get());
}

void SUnionCommand(CommandContext& ctx) { SUnionDiffGeneric(ctx, 1, false, false); }
void SUnionStoreCommand(CommandContext& ctx) { SUnionDiffGeneric(ctx, 2, true, false); }
void SDiffCommand(CommandContext& ctx) { SUnionDiffGeneric(ctx, 1, false, true); }
void SDiffStoreCommand(CommandContext& ctx) { SUnionDiffGeneric(ctx, 2, true, true); }


// SSCAN key cursor [MATCH pattern] [COUNT count]
void SScanCommand(CommandContext& ctx) {
  uint64_t cursor;
  SetValue* set;
  ScanOptions opts;
  auto lookup = [&](SetValue** out) { return LookupSet(ctx, ctx.arg(1), false, out); };
  if (!ScanPrologue(ctx, lookup, &cursor, &set, &opts)) return;
  std::vector<std::string> found;
  uint64_t next = set->Scan(cursor, static_cast<size_t>(opts.count), [&](std::string_view m) {
    if (ScanMatches(opts, m)) found.emplace_back(m);
  });
  ReplyScanPage(ctx, next, found);
}

}  // namespace

void RegisterSetFamily(CommandTable& t) {
  const uint32_t R = kCmdReadonly, W = kCmdWrite, F = kCmdFast, D = kCmdDenyOom;
  t.Add(Cmd("sadd", -3, W | D | F, 1, 1, 1, SAddCommand, "set", "1.0.0",
            "Add one or more members to a set")
            .Keys("RW insert"));
  t.Add(Cmd("srem", -3, W | F, 1, 1, 1, SRemCommand, "set", "1.0.0",
            "Remove one or more members from a set")
            .Keys("RW delete"));
  t.Add(Cmd("smembers", 2, R, 1, 1, 1, SMembersCommand, "set", "1.0.0",
            "Get all the members in a set")
            .Tips("nondeterministic_output_order"));
  t.Add(Cmd("sismember", 3, R | F, 1, 1, 1, SIsMemberCommand, "set", "1.0.0",
            "Determine if a given value is a member of a set")
            .Keys("RO"));
  t.Add(Cmd("smismember", -3, R | F, 1, 1, 1, SMIsMemberCommand, "set", "6.2.0",
            "Returns the membership associated with the given elements for a set"));
  t.Add(Cmd("scard", 2, R | F, 1, 1, 1, SCardCommand, "set", "1.0.0",
            "Get the number of members in a set")
            .Keys("RO"));
  t.Add(Cmd("spop", -2, W | F, 1, 1, 1, SPopCommand, "set", "1.0.0",
            "Remove and return one or multiple random members from a set")
            .Tips("nondeterministic_output")
            .Keys("RW access delete"));
  t.Add(Cmd("srandmember", -2, R, 1, 1, 1, SRandMemberCommand, "set", "1.0.0",
            "Get one or multiple random members from a set")
            .Tips("nondeterministic_output"));
  t.Add(Cmd("smove", 4, W | F, 1, 2, 1, SMoveCommand, "set", "1.0.0",
            "Move a member from one set to another")
            .Specs({{"RW access delete", 1, 0, 1, ""}, {"RW insert", 2, 0, 1, ""}}));
  t.Add(Cmd("sinter", -2, R, 1, -1, 1, SInterCommand, "set", "1.0.0", "Intersect multiple sets")
            .Tips("nondeterministic_output_order"));
  // SINTERCARD finds its keys through numkeys (Redis's "keynum" key spec);
  // the table's specs describe index ranges only, so the spec below names
  // where the search begins (as LMPOP's in list_family.cc).
  t.Add(Cmd("sintercard", -3, R | kCmdMovableKeys, 0, 0, 0, SInterCardCommand, "set", "7.0.0",
            "Intersect multiple sets and return the cardinality of the result")
            .Specs({KeynumSpec("RO access", 1)}));
  t.Add(Cmd("sinterstore", -3, W | D, 1, -1, 1, SInterStoreCommand, "set", "1.0.0",
            "Intersect multiple sets and store the resulting set in a key")
            .Specs({{"RW update", 1, 0, 1, ""}, {"RO access", 2, -1, 1, ""}}));
  t.Add(Cmd("sunion", -2, R, 1, -1, 1, SUnionCommand, "set", "1.0.0", "Add multiple sets")
            .Tips("nondeterministic_output_order"));
  t.Add(Cmd("sunionstore", -3, W | D, 1, -1, 1, SUnionStoreCommand, "set", "1.0.0",
            "Add multiple sets and store the resulting set in a key")
            .Specs({{"OW update", 1, 0, 1, ""}, {"RO access", 2, -1, 1, ""}}));
  t.Add(Cmd("sdiff", -2, R, 1, -1, 1, SDiffCommand, "set", "1.0.0", "Subtract multiple sets")
            .Tips("nondeterministic_output_order"));
  t.Add(Cmd("sdiffstore", -3, W | D, 1, -1, 1, SDiffStoreCommand, "set", "1.0.0",
            "Subtract multiple sets and store the resulting set in a key")
            .Specs({{"OW update", 1, 0, 1, ""}, {"RO access", 2, -1, 1, ""}}));
  t.Add(Cmd("sscan", -3, R, 1, 1, 1, SScanCommand, "set", "2.8.0",
            "Incrementally iterate Set elements")
            .Tips("nondeterministic_output"));
}

}  // namespace troupe
