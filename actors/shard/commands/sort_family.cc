// SORT and SORT_RO: sort the elements of a list, set or sorted set
// numerically or (ALPHA) as strings, by the elements themselves or by
// values found through a BY pattern ("weight_*", "obj_*->field"; a pattern
// without '*' means "don't sort"), keep a LIMIT window, reply the elements
// or GET patterns of each ("#" is the element), or STORE the result as a
// list. Redis 7.0's algorithm, step for step, so that replies agree with it
// everywhere they are deterministic:
//   - scores are strtod() of the whole value (up to a NUL byte) and must
//     not be NaN or out of range, else "One or more scores can't be
//     converted into double" (a missing BY key scores 0);
//   - equal scores are ordered by the elements' bytes; ALPHA compares with
//     strcoll() (bytes with STORE), and by BY values, where a missing one
//     sorts first and ties keep the input order (a stable sort, as glibc's
//     qsort is for these sizes);
//   - "don't sort" keeps the native order of lists and sorted sets (LIMIT
//     and DESC applied to it); a set given STORE is sorted ALPHA instead.
// Handlers run inline in the client session on the multiplexer thread.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/types/hash_value.h"
#include "actors/shard/types/list_value.h"
#include "actors/shard/types/set_value.h"
#include "actors/shard/types/zset_value.h"

namespace troupe {
namespace {

// The text up to the first NUL byte, as the C string functions Redis uses
// on patterns and values see it.
std::string_view CString(std::string_view s) {
  size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

// Redis's lookupKeyByPattern: "#" is the element itself; otherwise the
// first '*' of the pattern is replaced by the element and the key read (a
// string), or with "->field" after the '*' that field of a hash. Returns
// false when there is nothing (no '*', no key, another type, no field).
bool LookupByPattern(CommandContext& ctx, std::string_view pattern, std::string_view element,
                     std::string* out) {
  std::string_view cpat = CString(pattern);
  if (cpat == "#") {
    out->assign(element);
    return true;
  }
  size_t star = cpat.find('*');
  if (star == std::string_view::npos) return false;
  size_t arrow = cpat.find("->", star + 1);
  bool has_field = arrow != std::string_view::npos && arrow + 2 < cpat.size();
  size_t field_len = has_field ? pattern.size() - arrow - 2 : 0;
  std::string_view field = has_field ? pattern.substr(arrow + 2) : std::string_view();
  size_t postfix_len = pattern.size() - (star + 1) - (has_field ? field_len + 2 : 0);
  std::string key;
  key.reserve(star + element.size() + postfix_len);
  key.append(pattern.substr(0, star));
  key.append(element);
  key.append(pattern.substr(star + 1, postfix_len));
  Entry* e = ctx.db().LookupRead(key);
  if (e == nullptr) return false;
  if (has_field) {
    if (e->type() != ObjType::kHash) return false;
    std::string_view value;
    if (!static_cast<const HashValue*>(e->collection())->Get(field, &value)) return false;
    out->assign(value);
    return true;
  }
  if (e->type() != ObjType::kString) return false;
  out->assign(e->str());
  return true;
}

struct SortItem {
  std::string element;
  double score = 0;
  bool has_cmp = false;  // ALPHA with BY: the BY value exists
  std::string cmp;       // ... and is this
};

// strtod() over the whole value, as Redis converts sort weights.
bool ParseWeight(std::string_view text, double* out) {
  std::string c(CString(text));
  char* end;
  errno = 0;
  double v = std::strtod(c.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || std::isnan(v)) return false;
  *out = v;
  return true;
}

// Binary comparison (memcmp, then length), Redis's compareStringObjects.
int CompareBytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// strcoll() of the C strings, Redis's collateStringObjects.
int Collate(const std::string& a, const std::string& b) {
  int c = std::strcoll(a.c_str(), b.c_str());
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

void SortGeneric(CommandContext& ctx, bool readonly) {
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::string_view sortby, storekey;
  bool has_sortby = false, has_store = false;
  std::vector<std::string_view> gets;
  bool cluster = ctx.server.options().cluster_enabled;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    size_t left = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(opt, "asc")) {
      desc = false;
    } else if (EqualsIgnoreCase(opt, "desc")) {
      desc = true;
    } else if (EqualsIgnoreCase(opt, "alpha")) {
      alpha = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ctx.IntArg(j + 1, &limit_start) || !ctx.IntArg(j + 2, &limit_count)) return;
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(opt, "store") && left >= 1) {
      storekey = ctx.arg(++j);
      has_store = true;
    } else if (EqualsIgnoreCase(opt, "by") && left >= 1) {
      sortby = ctx.arg(++j);
      has_sortby = true;
      // A BY pattern without '*' means "don't sort".
      // (Once set, it stays: Redis never clears it.)
      if (CString(sortby).find('*') == std::string_view::npos) {
        dontsort = true;
      } else {
        if (cluster) {
          ctx.reply.Error("ERR BY option of SORT denied in Cluster mode.");
          return;
        }
      }
    } else if (EqualsIgnoreCase(opt, "get") && left >= 1) {
      if (cluster) {
        ctx.reply.Error("ERR GET option of SORT denied in Cluster mode.");
        return;
      }
      gets.push_back(ctx.arg(++j));
    } else {
      ctx.SyntaxError();
      return;
    }
  }

  Entry* e = ctx.db().LookupRead(ctx.arg(1));
  ObjType type = ObjType::kList;  // a missing key sorts as an empty list
  if (e != nullptr) {
    type = e->type();
    if (type != ObjType::kList && type != ObjType::kSet && type != ObjType::kZSet) {
      ctx.WrongType();
      return;
    }
  }
  // Redis converts a sorted set to the skiplist encoding for SORT (SORT_RO
  // too), which OBJECT ENCODING shows afterwards.
  if (e != nullptr && type == ObjType::kZSet) {
    auto* z = static_cast<ZSetValue*>(e->collection());
    if (z->is_listpack()) {
      ZSetValue::ConvertToSkiplist(&z);
      Collection* c = z;
      std::memcpy(e->value_data(), &c, sizeof(c));
    }
  }
  // A set has no order of its own: with STORE its elements are sorted.
  if (dontsort && type == ObjType::kSet && has_store) {
    dontsort = false;
    alpha = true;
    has_sortby = false;
  }

  size_t length = 0;
  if (e != nullptr) {
    if (type == ObjType::kList)
      length = static_cast<const ListValue*>(e->collection())->size();
    else if (type == ObjType::kSet)
      length = static_cast<const SetValue*>(e->collection())->size();
    else
      length = static_cast<const ZSetValue*>(e->collection())->size();
  }
  // LIMIT, as Redis clamps it (in 64 bits: start + count cannot overflow).
  int64_t len = static_cast<int64_t>(length);
  int64_t start = limit_start < 0 ? 0 : limit_start;
  int64_t end = limit_count < 0 ? len - 1
                                : static_cast<int64_t>(std::min<__int128>(
                                      static_cast<__int128>(start) + limit_count - 1, INT64_MAX));
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  // The elements to sort: for lists and sorted sets that are not sorted,
  // only the LIMIT window, in native order (reversed for DESC).
  std::vector<SortItem> items;
  bool windowed = dontsort && (type == ObjType::kList || type == ObjType::kZSet);
  if (e != nullptr) {
    if (windowed) {
      if (end >= start) {
        size_t from = static_cast<size_t>(start), to = static_cast<size_t>(end);
        items.reserve(to - from + 1);
        if (type == ObjType::kList) {
          const auto* l = static_cast<const ListValue*>(e->collection());
          ListValue::Cursor c = l->CursorAt(desc ? length - from - 1 : from);
          for (size_t i = from; i <= to && c.valid(); ++i, desc ? c.Prev() : c.Next())
            items.push_back(SortItem{std::string(c.value())});
        } else {
          static_cast<const ZSetValue*>(e->collection())
              ->VisitRanks(from, to, desc, [&](std::string_view member, double) {
                items.push_back(SortItem{std::string(member)});
                return true;
              });
        }
      }
      end -= start;
      start = 0;
    } else {
      items.reserve(length);
      auto add = [&](std::string_view v) { items.push_back(SortItem{std::string(v)}); };
      if (type == ObjType::kList) {
        static_cast<const ListValue*>(e->collection())->ForEach(add);
      } else if (type == ObjType::kSet) {
        static_cast<const SetValue*>(e->collection())->ForEach(add);
      } else {
        static_cast<const ZSetValue*>(e->collection())->ForEach([&](std::string_view m, double) {
          add(m);
          return true;
        });
      }
    }
  }
  e = nullptr;  // BY and GET lookups may change the keyspace (lazy expiry)

  bool conversion_error = false;
  if (!dontsort) {
    std::string byval;
    for (SortItem& item : items) {
      std::string_view weight = item.element;
      if (has_sortby) {
        if (!LookupByPattern(ctx, sortby, item.element, &byval)) continue;
        weight = byval;
      }
      if (alpha) {
        if (has_sortby) {
          item.has_cmp = true;
          item.cmp = byval;
        }
      } else if (!ParseWeight(weight, &item.score)) {
        conversion_error = true;
      }
    }
    auto compare = [&](const SortItem& a, const SortItem& b) {
      int c;
      if (!alpha) {
        c = a.score > b.score ? 1 : a.score < b.score ? -1 : CompareBytes(a.element, b.element);
      } else if (has_sortby) {
        if (!a.has_cmp || !b.has_cmp)
          c = a.has_cmp == b.has_cmp ? 0 : !a.has_cmp ? -1 : 1;
        else
          c = has_store ? CompareBytes(a.cmp, b.cmp) : Collate(a.cmp, b.cmp);
      } else {
        c = has_store ? CompareBytes(a.element, b.element) : Collate(a.element, b.element);
      }
      return desc ? c > 0 : c < 0;
    };
    if (!conversion_error) std::stable_sort(items.begin(), items.end(), compare);
  }

  size_t window = end >= start ? static_cast<size_t>(end - start + 1) : 0;
  size_t outputlen = gets.empty() ? window : gets.size() * window;
  if (conversion_error) {
    ctx.reply.Error("ERR One or more scores can't be converted into double");
    return;
  }
  std::string value;
  if (!has_store) {
    ctx.reply.ArrayHeader(outputlen);
    for (size_t j = 0; j < window; ++j) {
      const std::string& element = items[static_cast<size_t>(start) + j].element;
      if (gets.empty()) ctx.reply.Bulk(element);
      for (std::string_view pattern : gets) {
        if (LookupByPattern(ctx, pattern, element, &value))
          ctx.reply.Bulk(value);
        else
          ctx.reply.Null();
      }
    }
    return;
  }
  auto* result = new ListValue(ctx.server.options().list_max_listpack_size);
  for (size_t j = 0; j < window; ++j) {
    const std::string& element = items[static_cast<size_t>(start) + j].element;
    if (gets.empty()) result->PushBack(element);
    for (std::string_view pattern : gets) {
      if (LookupByPattern(ctx, pattern, element, &value))
        result->PushBack(value);
      else
        result->PushBack("");
    }
  }
  Database& db = ctx.db();
  if (outputlen > 0) {
    db.Delete(storekey);
    db.AddCollection(storekey, ObjType::kList, result);
    ctx.keyspace.dirty += outputlen - 1;
    ctx.Notify(kNotifyList, "sortstore", storekey);
  } else {
    delete result;
    if (db.Delete(storekey)) ctx.Notify(kNotifyGeneric, "del", storekey);
  }
  ctx.reply.Integer(static_cast<int64_t>(outputlen));
}

void SortCommand(CommandContext& ctx) { SortGeneric(ctx, false); }
void SortRoCommand(CommandContext& ctx) { SortGeneric(ctx, true); }

}  // namespace

void RegisterSortFamily(CommandTable& t) {
  const char* kAcl = "-@keyspace @set @sortedset @list @dangerous";
  const KeySpec kByGet{"RO access", 0, 0, 1,
                       "For the optional BY/GET keyword. It is marked 'unknown' because the key "
                       "names derive from the content of the key we sort"};
  const KeySpec kStore{"OW update", 0, 0, 1,
                       "For the optional STORE keyword. It is marked 'unknown' because the "
                       "keyword can appear anywhere in the argument array"};
  t.Add(Cmd("sort", -2, kCmdWrite | kCmdDenyOom | kCmdMovableKeys, 1, 1, 1, SortCommand,
            "generic", "1.0.0", "Sort the elements in a list, set or sorted set", kAcl)
            .Specs({{"RO access", 1, 0, 1, ""}, kByGet, kStore}));
  t.Add(Cmd("sort_ro", -2, kCmdReadonly | kCmdMovableKeys, 1, 1, 1, SortRoCommand, "generic",
            "7.0.0", "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
            kAcl)
            .Specs({{"RO access", 1, 0, 1, ""}, kByGet}));
}

}  // namespace troupe
