// COMMAND and its subcommands (COUNT INFO LIST GETKEYS DOCS HELP): the
// command table described to clients in Redis 7.0's reply shapes. redis-py
// and redis-cli read these at start-up. Flags, ACL categories and key specs
// are derived from each table row, so they can never disagree with what
// Dispatch enforces; COMMAND DOCS adds the complexity, history and argument
// trees of command_docs.cc. Handlers run inline in the client session.
#include <algorithm>
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_docs.h"
#include "actors/shard/commands/command_table.h"

namespace troupe {
namespace {

struct FlagName {
  uint32_t bit;
  const char* name;
};
// In Redis's reply order; may_replicate, sentinel and only_sentinel are
// internal and not reported, as in Redis.
constexpr FlagName kFlagNames[] = {
    {kCmdWrite, "write"},          {kCmdReadonly, "readonly"},    {kCmdDenyOom, "denyoom"},
    {kCmdAdmin, "admin"},          {kCmdPubsub, "pubsub"},        {kCmdNoscript, "noscript"},
    {kCmdBlocking, "blocking"},    {kCmdLoading, "loading"},      {kCmdStale, "stale"},
    {kCmdSkipMonitor, "skip_monitor"}, {kCmdSkipSlowlog, "skip_slowlog"}, {kCmdAsking, "asking"},
    {kCmdFast, "fast"},
    {kCmdNoAuth, "no_auth"},       {kCmdNoAsyncLoading, "no_async_loading"},
    {kCmdNoMulti, "no_multi"},     {kCmdMovableKeys, "movablekeys"},
    {kCmdAllowBusy, "allow_busy"},
};

// ACL categories in Redis's category order.
constexpr const char* kCategories[] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
    "connection", "transaction", "scripting"};

// "a b  c" -> {"a", "b", "c"}: the space-separated lists of the table rows.
std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) words.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return words;
}

std::vector<std::string> AclCategories(const CommandSpec& c) {
  std::vector<std::string> wanted;
  auto add = [&](const std::string& cat) { wanted.push_back(cat); };
  if (c.flags & kCmdWrite) add("write");
  if (c.flags & kCmdReadonly) add("read");
  if (c.flags & kCmdAdmin) {
    add("admin");
    add("dangerous");
  }
  if (c.flags & kCmdPubsub) add("pubsub");
  add((c.flags & kCmdFast) ? "fast" : "slow");
  if (c.flags & kCmdBlocking) add("blocking");
  static const std::pair<const char*, const char*> kGroupCategory[] = {
      {"string", "string"}, {"generic", "keyspace"}, {"bitmap", "bitmap"}, {"list", "list"},
      {"hash", "hash"}, {"set", "set"}, {"sorted_set", "sortedset"},
      {"hyperloglog", "hyperloglog"}, {"connection", "connection"},
      {"transactions", "transaction"}, {"scripting", "scripting"},
      {"stream", "stream"}, {"geo", "geo"}};
  // Containers (CLIENT, CONFIG, ...) carry no group category of their own.
  if (c.subcommands.empty())
    for (const auto& [group, cat] : kGroupCategory)
      if (c.group == group) add(cat);
  // Explicit extras: "@dangerous @keyspace"; "-@keyspace" drops one the
  // group would add.
  std::vector<std::string> dropped;
  for (const auto& extra : SplitWords(c.acl)) {
    if (extra.size() > 1 && extra[0] == '@') add(extra.substr(1));
    if (extra.size() > 2 && extra[0] == '-' && extra[1] == '@') dropped.push_back(extra.substr(2));
  }
  for (const auto& d : dropped) wanted.erase(std::remove(wanted.begin(), wanted.end(), d), wanted.end());
  std::vector<std::string> ordered;
  for (const char* cat : kCategories)
    for (const auto& w : wanted)
      if (w == cat) {
        ordered.push_back(std::string("@") + cat);
        break;
      }
  return ordered;
}

void ReplyKeySpec(RespWriter& r, const KeySpec& k) {
  r.MapHeader(k.notes.empty() ? 3 : 4);
  if (!k.notes.empty()) {
    r.Bulk("notes");
    r.Bulk(k.notes);
  }
  r.Bulk("flags");
  std::vector<std::string> flags = SplitWords(k.flags);
  r.SetHeader(flags.size());
  for (const auto& f : flags) r.Simple(f);
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type");
  if (k.index <= 0) {  // "unknown": the keys cannot be located from the arguments alone
    r.Bulk("unknown");
    r.Bulk("spec");
    r.MapHeader(0);
    r.Bulk("find_keys");
    r.MapHeader(2);
    r.Bulk("type");
    r.Bulk("unknown");
    r.Bulk("spec");
    r.MapHeader(0);
    return;
  }
  r.Bulk("index");
  r.Bulk("spec");
  r.MapHeader(1);
  r.Bulk("index");
  r.Integer(k.index);
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type");
  if (k.keynum) {
    r.Bulk("keynum");
    r.Bulk("spec");
    r.MapHeader(3);
    r.Bulk("keynumidx");
    r.Integer(k.keynumidx);
    r.Bulk("firstkey");
    r.Integer(k.firstkey);
    r.Bulk("keystep");
    r.Integer(k.keystep);
    return;
  }
  r.Bulk("range");
  r.Bulk("spec");
  r.MapHeader(3);
  r.Bulk("lastkey");
  r.Integer(k.lastkey);
  r.Bulk("keystep");
  r.Integer(k.keystep);
  r.Bulk("limit");
  r.Integer(0);
}

void ReplyKeySpecs(RespWriter& r, const CommandSpec& c) {
  if (!c.key_specs.empty()) {
    r.SetHeader(c.key_specs.size());
    for (const KeySpec& k : c.key_specs) ReplyKeySpec(r, k);
    return;
  }
  if (c.first_key <= 0) {
    r.SetHeader(0);
    return;
  }
  r.SetHeader(1);
  ReplyKeySpec(r, KeySpec{(c.flags & kCmdWrite) ? "RW update" : "RO access", c.first_key,
                          c.last_key >= 0 ? c.last_key - c.first_key : c.last_key, c.step, ""});
}

void ReplyCommandInfo(RespWriter& r, const CommandSpec& c) {
  r.ArrayHeader(10);
  r.Bulk(c.name);
  r.Integer(c.arity);
  std::vector<const char*> flags;
  for (const auto& f : kFlagNames)
    if (c.flags & f.bit) flags.push_back(f.name);
  r.SetHeader(flags.size());
  for (const char* f : flags) r.Simple(f);
  r.Integer(c.first_key);
  r.Integer(c.last_key);
  r.Integer(c.step);
  auto cats = AclCategories(c);
  r.SetHeader(cats.size());
  for (const auto& cat : cats) r.Simple(cat);
  std::vector<std::string> tips = SplitWords(c.tips);
  r.SetHeader(tips.size());
  for (const auto& t : tips) r.Bulk(t);
  ReplyKeySpecs(r, c);
  r.SetHeader(c.subcommands.size());
  for (const auto& sub : c.subcommands) ReplyCommandInfo(r, sub);
}

// COMMAND DOCS "flags" of an argument: a set, in Redis's order.
void ReplyDocArgFlags(RespWriter& r, const DocArg& a) {
  std::vector<const char*> flags;
  if (a.optional) flags.push_back("optional");
  if (a.multiple) flags.push_back("multiple");
  if (a.multiple_token) flags.push_back("multiple_token");
  r.SetHeader(flags.size());
  for (const char* f : flags) r.Simple(f);
}

// COMMAND DOCS "arguments": one map per argument, fields in Redis's order.
void ReplyDocArguments(RespWriter& r, const std::vector<DocArg>& args) {
  r.ArrayHeader(args.size());
  for (const DocArg& a : args) {
    bool has_flags = a.optional || a.multiple || a.multiple_token;
    r.MapHeader(2 + (a.key_spec_index >= 0) + !a.token.empty() + !a.summary.empty() +
                !a.since.empty() + !a.deprecated_since.empty() + has_flags + a.nested());
    r.Bulk("name");
    r.Bulk(a.name);
    r.Bulk("type");
    r.Bulk(DocArgTypeName(a.type));
    if (a.key_spec_index >= 0) {
      r.Bulk("key_spec_index");
      r.Integer(a.key_spec_index);
    }
    auto optional_field = [&r](const char* field, const std::string& value) {
      if (value.empty()) return;
      r.Bulk(field);
      r.Bulk(value);
    };
    optional_field("token", a.token);
    optional_field("summary", a.summary);
    optional_field("since", a.since);
    optional_field("deprecated_since", a.deprecated_since);
    if (has_flags) {
      r.Bulk("flags");
      ReplyDocArgFlags(r, a);
    }
    if (a.nested()) {
      r.Bulk("arguments");
      ReplyDocArguments(r, a.arguments);
    }
  }
}

// One command's COMMAND DOCS map, as Redis 7.0's addReplyCommandDocs: the
// row's summary/since/group, then what command_docs.cc has for it. A
// command without a docs entry gets only the row's fields (the unit test
// flags it).
void ReplyCommandDocs(RespWriter& r, const CommandSpec& c) {
  const CommandDoc* doc = FindCommandDoc(c.name);
  static const CommandDoc kNoDoc;
  const CommandDoc& d = doc != nullptr ? *doc : kNoDoc;
  bool has_subs = !c.subcommands.empty();
  r.MapHeader(3 + !d.complexity.empty() + !d.doc_flags.empty() + !d.deprecated_since.empty() +
              !d.replaced_by.empty() + !d.history.empty() + !d.arguments.empty() + has_subs);
  r.Bulk("summary");
  r.Bulk(c.summary);
  r.Bulk("since");
  r.Bulk(c.since);
  r.Bulk("group");
  r.Bulk(c.group);
  if (!d.complexity.empty()) {
    r.Bulk("complexity");
    r.Bulk(d.complexity);
  }
  if (!d.doc_flags.empty()) {
    r.Bulk("doc_flags");
    r.SetHeader(d.doc_flags.size());
    for (const auto& f : d.doc_flags) r.Simple(f);
  }
  if (!d.deprecated_since.empty()) {
    r.Bulk("deprecated_since");
    r.Bulk(d.deprecated_since);
  }
  if (!d.replaced_by.empty()) {
    r.Bulk("replaced_by");
    r.Bulk(d.replaced_by);
  }
  if (!d.history.empty()) {
    r.Bulk("history");
    r.SetHeader(d.history.size());
    for (const auto& [version, change] : d.history) {
      r.ArrayHeader(2);
      r.Bulk(version);
      r.Bulk(change);
    }
  }
  if (!d.arguments.empty()) {
    r.Bulk("arguments");
    ReplyDocArguments(r, d.arguments);
  }
  if (has_subs) {
    r.Bulk("subcommands");
    r.MapHeader(c.subcommands.size());
    for (const auto& sub : c.subcommands) {
      r.Bulk(sub.name);
      ReplyCommandDocs(r, sub);
    }
  }
}

// Whether COMMAND shows a top-level command: sentinel mode offers only the
// sentinel commands, server mode hides the sentinel-only ones (as Dispatch).
bool Offered(const CommandContext& ctx, const CommandSpec& c) {
  return ctx.server.options().sentinel_mode ? (c.flags & kCmdSentinel) != 0
                                            : (c.flags & kCmdOnlySentinel) == 0;
}

size_t OfferedCount(const CommandContext& ctx) {
  size_t n = 0;
  for (const auto& c : CommandTable::Instance().all()) n += Offered(ctx, *c);
  return n;
}

void CommandCommand(CommandContext& ctx) {
  if (ctx.argc() > 1) {
    ctx.reply.Error("ERR unknown subcommand '" + std::string(ctx.arg(1).substr(0, 128)) +
                    "'. Try COMMAND HELP.");
    return;
  }
  ctx.reply.ArrayHeader(OfferedCount(ctx));
  for (const auto& c : CommandTable::Instance().all())
    if (Offered(ctx, *c)) ReplyCommandInfo(ctx.reply, *c);
}

void CommandCountCommand(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(OfferedCount(ctx)));
}

// Resolves "get" or "config|get" to a row offered in this mode.
const CommandSpec* FindByFullName(const CommandContext& ctx, std::string_view name) {
  auto& table = CommandTable::Instance();
  size_t bar = name.find('|');
  const CommandSpec* top = table.Find(name.substr(0, bar));
  if (top == nullptr || !Offered(ctx, *top)) return nullptr;
  return bar == std::string_view::npos ? top : CommandTable::FindSub(*top, name.substr(bar + 1));
}

void CommandInfoCommand(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    CommandCommand(ctx);  // COMMAND INFO with no names lists everything
    return;
  }
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* c = FindByFullName(ctx, ctx.arg(i));
    if (c == nullptr)
      ctx.reply.Null();
    else
      ReplyCommandInfo(ctx.reply, *c);
  }
}

void CommandDocsCommand(CommandContext& ctx) {
  std::vector<const CommandSpec*> rows;
  if (ctx.argc() == 2) {
    for (const auto& c : CommandTable::Instance().all())
      if (Offered(ctx, *c)) rows.push_back(c.get());
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i)
      if (const CommandSpec* c = FindByFullName(ctx, ctx.arg(i))) rows.push_back(c);
  }
  ctx.reply.MapHeader(rows.size());
  for (const CommandSpec* c : rows) {
    ctx.reply.Bulk(c->name);
    ReplyCommandDocs(ctx.reply, *c);
  }
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]
void CommandListCommand(CommandContext& ctx) {
  std::string kind, value;
  if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.arg(2), "FILTERBY")) {
    kind = ToLower(ctx.arg(3));
    value = std::string(ctx.arg(4));
    if (kind != "module" && kind != "aclcat" && kind != "pattern") {
      ctx.SyntaxError();
      return;
    }
  } else if (ctx.argc() != 2) {
    ctx.SyntaxError();
    return;
  }
  std::vector<const CommandSpec*> rows;
  auto consider = [&](const CommandSpec& c) {
    if (kind == "module") return;  // no modules
    if (kind == "pattern" && !GlobMatch(value, c.name, true)) return;
    if (kind == "aclcat") {
      auto cats = AclCategories(c);
      if (std::find(cats.begin(), cats.end(), "@" + ToLower(value)) == cats.end()) return;
    }
    rows.push_back(&c);
  };
  for (const auto& c : CommandTable::Instance().all()) {
    if (!Offered(ctx, *c)) continue;
    consider(*c);
    for (const auto& sub : c->subcommands) consider(sub);
  }
  ctx.reply.ArrayHeader(rows.size());
  for (const CommandSpec* c : rows) ctx.reply.Bulk(c->name);
}

// COMMAND GETKEYS command arg ...
void CommandGetKeysCommand(CommandContext& ctx) {
  std::vector<std::string_view> inner(ctx.argv.begin() + 2, ctx.argv.end());
  const CommandSpec* c = CommandTable::Instance().Resolve(inner);
  if (c == nullptr) {
    ctx.reply.Error("ERR Invalid command specified");
    return;
  }
  if (c->first_key <= 0 && c->key_specs.empty()) {
    ctx.reply.Error("ERR The command has no key arguments");
    return;
  }
  size_t argc = inner.size();
  if ((c->arity > 0 && static_cast<size_t>(c->arity) != argc) ||
      (c->arity < 0 && argc < static_cast<size_t>(-c->arity))) {
    ctx.reply.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  auto keys = c->KeyPositions(inner);
  ctx.reply.ArrayHeader(keys.size());
  for (size_t k : keys) ctx.reply.Bulk(inner[k]);
}

void CommandHelpCommand(CommandContext& ctx) {
  static const char* kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all commands.",
      "COUNT",
      "    Return the total number of commands in this server.",
      "LIST [FILTERBY (MODULE <name>|ACLCAT <category>|PATTERN <pattern>)]",
      "    Return the names of the commands, optionally filtered.",
      "INFO [<command-name> ...]",
      "    Return details about the given commands, or all of them.",
      "DOCS [<command-name> ...]",
      "    Return documentation about the given commands, or all of them.",
      "GETKEYS <full-command>",
      "    Return the keys of a full command.",
      "HELP",
      "    Print this help.",
  };
  ctx.ReplyHelp(kLines);
}

}  // namespace

void RegisterIntrospectionFamily(CommandTable& t) {
  const uint32_t L = kCmdLoading | kCmdStale, S = kCmdSentinel;
  CommandSpec command = Cmd("command", -1, L | S, 0, 0, 0, CommandCommand, "server", "2.8.13",
                            "Get array of Redis command details", "@connection")
            .Tips("nondeterministic_output_order");
  command.subcommands = {
      Cmd("count", 2, L | S, 0, 0, 0, CommandCountCommand, "server", "2.8.13",
          "Get total number of Redis commands", "@connection"),
      Cmd("info", -2, L | S, 0, 0, 0, CommandInfoCommand, "server", "2.8.13",
          "Get array of specific Redis command details, or all when no argument is given.", "@connection")
            .Tips("nondeterministic_output_order"),
      Cmd("docs", -2, L | S, 0, 0, 0, CommandDocsCommand, "server", "7.0.0",
          "Get array of specific Redis command documentation", "@connection")
            .Tips("nondeterministic_output_order"),
      Cmd("list", -2, L | S, 0, 0, 0, CommandListCommand, "server", "7.0.0",
          "Get an array of Redis command names", "@connection")
            .Tips("nondeterministic_output_order"),
      Cmd("getkeys", -4, L | S, 0, 0, 0, CommandGetKeysCommand, "server", "2.8.13",
          "Extract keys given a full Redis command", "@connection"),
      Cmd("help", 2, L | S, 0, 0, 0, CommandHelpCommand, "server", "5.0.0",
          "Show helpful text about the different subcommands", "@connection"),
  };
  t.Add(std::move(command));
  CommandDocErrors();  // parses the docs table now, at start-up, not on the first COMMAND DOCS
}

}  // namespace troupe
