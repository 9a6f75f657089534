// Command: a row of the command table (name, arity, flags, key positions,
// handler) and CommandContext, what a handler is given when it runs.
//
// DESIGN §3/§6.2: a client session parses a request and calls the command's
// handler inline, on the multiplexer thread that owns the keyspace; arity,
// authentication and key checks happen centrally in CommandTable::Dispatch,
// so handlers only parse their options, run the operation and reply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/shard/keyspace/keyspace.h"
#include "net/client_state.h"
#include "net/resp_writer.h"

namespace troupe {

class ServerContext;
struct CommandSpec;

// Command flags, with the names COMMAND INFO reports.
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,         // write
  kCmdReadonly = 1u << 1,      // readonly
  kCmdDenyOom = 1u << 2,       // denyoom
  kCmdAdmin = 1u << 3,         // admin
  kCmdPubsub = 1u << 4,        // pubsub
  kCmdNoscript = 1u << 5,      // noscript
  kCmdBlocking = 1u << 6,      // blocking
  kCmdLoading = 1u << 7,       // loading: allowed while loading
  kCmdStale = 1u << 8,         // stale: allowed on a stale replica
  kCmdSkipMonitor = 1u << 9,   // skip_monitor
  kCmdSkipSlowlog = 1u << 10,  // skip_slowlog
  kCmdFast = 1u << 11,         // fast
  kCmdNoAuth = 1u << 12,       // no_auth
  kCmdMayReplicate = 1u << 13, // may_replicate
  kCmdNoMulti = 1u << 14,      // no_multi
  kCmdAllowBusy = 1u << 15,    // allow_busy
  kCmdSentinel = 1u << 16,     // sentinel: available in sentinel mode
  kCmdOnlySentinel = 1u << 17, // only_sentinel
  kCmdMovableKeys = 1u << 18,  // movablekeys (key positions need the arguments)
  kCmdNoAsyncLoading = 1u << 19,  // no_async_loading
  kCmdAsking = 1u << 21,       // asking: implies ASKING (RESTORE-ASKING)
  // Internal (not reported): allowed for a RESP2 client with subscriptions
  // ((P|S)(UN)SUBSCRIBE, PING, QUIT, RESET).
  kCmdSubscribedContext = 1u << 20,
};

// Keyspace-notification classes (notify-keyspace-events letters).
enum NotifyClass : uint32_t {
  kNotifyGeneric = 1u << 2,   // g: DEL, EXPIRE, RENAME, ...
  kNotifyString = 1u << 3,    // $
  kNotifyList = 1u << 4,      // l
  kNotifySet = 1u << 5,       // s
  kNotifyHash = 1u << 6,      // h
  kNotifyZSet = 1u << 7,      // z
  kNotifyExpired = 1u << 8,   // x
  kNotifyEvicted = 1u << 9,   // e
  kNotifyStream = 1u << 10,   // t
  kNotifyKeyMiss = 1u << 11,  // m
  kNotifyNew = 1u << 14,      // n
};

// What the connection offers a command beyond its reply: parking the
// client for blocking commands. Implemented by the client session; absent
// (nullptr) where there is no connection, e.g. in unit tests.
class SessionHooks {
 public:
  virtual ~SessionHooks() = default;
  // See CommandContext::BlockOn.
  virtual void BlockOn(const std::vector<std::string>& keys, int64_t timeout_ms, bool null_array,
                       bool rerun_on_timeout) = 0;
};

// What a handler is given. References stay valid for the handler's run.
struct CommandContext {
  const std::vector<std::string_view>& argv;
  RespWriter& reply;
  ClientState& client;
  Keyspace& keyspace;
  ServerContext& server;
  const CommandSpec* command = nullptr;

  SessionHooks* session = nullptr;  // the connection, when there is one
  bool in_exec = false;              // running inside MULTI/EXEC: never block
  bool block_timed_out = false;      // re-run at its block's timeout (rerun_on_timeout)

  Database& db() { return keyspace.db(client.db); }
  std::string_view arg(size_t i) const { return argv[i]; }
  size_t argc() const { return argv.size(); }

  // The common error replies, with Redis 7.0's texts.
  void WrongType() { reply.Error("WRONGTYPE Operation against a key holding the wrong kind of value"); }
  void SyntaxError() { reply.Error("ERR syntax error"); }
  void NotInteger() { reply.Error("ERR value is not an integer or out of range"); }
  void NotFloat() { reply.Error("ERR value is not a valid float"); }
  void Overflow() { reply.Error("ERR increment or decrement would overflow"); }
  void WrongArity();

  // Argument parsing helpers that reply with the right error on failure.
  bool IntArg(size_t i, int64_t* out);
  bool DoubleArg(size_t i, double* out);
  // A blocking timeout in seconds (decimals allowed, 0 = forever), as
  // milliseconds: "ERR timeout is not a float or out of range",
  // "ERR timeout is negative".
  bool TimeoutArg(size_t i, int64_t* timeout_ms);

  // Blocking commands (BLPOP, BZPOPMIN, BLMOVE, ...). When the data is not
  // there and can_block(), a handler calls BlockOn and writes no reply: the
  // session parks the client, re-runs the very same command when one of
  // `keys` (in the client's database) is written — clients are served in
  // the order they blocked — and after `timeout_ms` (0 = forever) replies
  // the timeout reply: a null array (*-1; BLPOP, BZPOPMIN, ...) when
  // `null_array`, else a null bulk ($-1; BLMOVE, BRPOPLPUSH). A re-run that
  // finds nothing again simply calls BlockOn again and keeps its place.
  // Note Redis 7.0's quirk: every blocked list/zset command, BLMOVE and
  // BRPOPLPUSH included, times out with a null array (null_array = true),
  // although inside MULTI BLMOVE/BRPOPLPUSH answer a null bulk.
  // Inside MULTI/EXEC (or without a connection) can_block() is false and
  // the handler replies the timeout reply itself, as Redis does.
  // With `rerun_on_timeout` (WAIT), the timeout re-runs the command with
  // block_timed_out set instead, and the handler writes the final reply.
  bool can_block() const { return session != nullptr && !in_exec; }
  void BlockOn(const std::vector<std::string>& keys, int64_t timeout_ms, bool null_array,
               bool rerun_on_timeout = false) {
    session->BlockOn(keys, timeout_ms, null_array, rerun_on_timeout);
  }

  // After removing elements from a collection in place: a collection left
  // empty is deleted with the "del" event (Redis never keeps empty ones),
  // otherwise the change is recorded (Database::Modified).
  void CollectionShrunk(std::string_view key, bool now_empty) {
    if (now_empty) {
      db().Delete(key);
      Notify(kNotifyGeneric, "del", key);
    } else {
      db().Modified(key);
    }
  }

  // Replies a HELP text: one status line per entry.
  template <size_t N>
  void ReplyHelp(const char* const (&lines)[N]) {
    reply.ArrayHeader(N);
    for (const char* line : lines) reply.Simple(line);
  }

  // Keyspace notifications: call after a change, e.g.
  // ctx.Notify(kNotifyList, "lpush", key). Cheap when notifications are off.
  void Notify(uint32_t klass, std::string_view event, std::string_view key);

  // Propagation to the AOF and replicas (actors/shard/propagation/). A
  // write command that changed the dataset is recorded as it was called.
  // A handler whose effect must be recorded differently says what to
  // record instead: PropagateAs (call it once per command to record, e.g.
  // SET key value PXAT <ms> for SETEX, SREM for SPOP; none at all when
  // nothing changed), or PreventPropagation. propagating() tells whether
  // anybody listens, so a handler can skip building the operations.
  bool propagating() const;
  void PropagateAs(std::vector<std::string> argv);
  void PreventPropagation() { propagation_overridden = true; }
  bool propagation_overridden = false;
  std::vector<std::vector<std::string>> propagate_ops{};
};

using CommandHandler = void (*)(CommandContext&);

// One key specification as COMMAND INFO reports it (Redis 7 key specs):
// flags such as "RW access update", the index of the first key, and the
// range (lastkey relative to it, or negative from the end; keystep). An
// index of 0 is Redis's "unknown" spec (keys named by content, e.g. SORT BY).
struct KeySpec {
  std::string flags;
  int index = 0;
  int lastkey = 0;
  int keystep = 1;
  std::string notes;  // optional remark Redis attaches to some specs
  // "keynum" specs (LMPOP, ZUNION, SINTERCARD, ...): the key count is the
  // argument at index + keynumidx, the keys start at index + firstkey.
  bool keynum = false;
  int keynumidx = 0;
  int firstkey = 1;
};

// A keynum key spec: `numkeys key [key ...]` starting at argument `index`.
inline KeySpec KeynumSpec(std::string flags, int index) {
  KeySpec k;
  k.flags = std::move(flags);
  k.index = index;
  k.keynum = true;
  return k;
}

struct CommandSpec {
  std::string name;       // lower case, e.g. "get" or "config|get" for a subcommand
  int arity = 0;          // Redis arity: n exact, -n at least n (name included)
  uint32_t flags = 0;     // CommandFlag bits
  int first_key = 0;      // position of the first key, 0 = none
  int last_key = 0;       // last key, -1 = last argument, -2 = one before, ...
  int step = 0;           // distance between keys
  CommandHandler handler = nullptr;
  std::string group;      // COMMAND DOCS group: string, generic, server, connection, ...
  std::string since;      // first Redis version with the command
  std::string summary;    // one line for COMMAND DOCS
  std::string acl;        // extra ACL categories, e.g. "@string @fast"
  std::vector<CommandSpec> subcommands;  // for container commands (CONFIG, CLIENT, ...)
  // Key specs; empty = one spec derived from first/last/step and the
  // write/readonly flag ("RW update" or "RO access").
  std::vector<KeySpec> key_specs;

  // Row modifiers, so a table row can state what the defaults don't:
  // the key-spec flags of its single spec, or several specs.
  CommandSpec& Keys(std::string flags, std::string notes = "") {
    key_specs = {KeySpec{std::move(flags), first_key,
                         last_key >= 0 ? last_key - first_key : last_key, step, std::move(notes)}};
    return *this;
  }
  CommandSpec& Specs(std::vector<KeySpec> specs) {
    key_specs = std::move(specs);
    return *this;
  }
  // Hints for clients and proxies (COMMAND INFO "tips"), space separated,
  // e.g. "request_policy:all_shards nondeterministic_output".
  CommandSpec& Tips(std::string text) {
    tips = std::move(text);
    return *this;
  }
  std::string tips;

  // Statistics (INFO commandstats).
  mutable uint64_t calls = 0;
  mutable uint64_t usec = 0;
  mutable uint64_t rejected_calls = 0;
  mutable uint64_t failed_calls = 0;

  bool is_container() const { return !subcommands.empty(); }
  // The name as COMMAND and errors show it ("config|get").
  const std::string& full_name() const { return name; }
  // Key positions for this argv (COMMAND GETKEYS, cluster slot checks).
  std::vector<size_t> KeyPositions(const std::vector<std::string_view>& argv) const;
};

// A row builder so the families read like tables.
CommandSpec Cmd(std::string name, int arity, uint32_t flags, int first_key, int last_key, int step,
                CommandHandler handler, std::string group, std::string since, std::string summary,
                std::string acl = "");

}  // namespace troupe
