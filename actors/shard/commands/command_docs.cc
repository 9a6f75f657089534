// The COMMAND DOCS table: for every command and subcommand Troupe has, what
// Redis 7.0.15's COMMAND DOCS reports beyond the row's summary, since and
// group (those stay in the CommandSpec rows of the family files). Used by
// FindCommandDoc, which COMMAND DOCS in introspection_family.cc reads;
// tests/shard/command_docs_test.cc fails when a command has no entry here.
//
// A row is {full name, complexity, arguments[, history[, doc flags,
// deprecated since, replaced by]]}. An empty complexity or argument string
// means Redis reports none. The facts (names, types, tokens, versions and
// texts) are those redis-server 7.0.15 answers to COMMAND DOCS.
//
// Argument grammar, a typed form of the usage lines in Redis's docs:
//
//   name:type        an argument; type is key, string, integer, double,
//                    pattern or unix-time. The name is everything before
//                    the last ':', so "ip:port:string" is named "ip:port".
//   TOKEN name:type  the argument comes after the literal TOKEN
//                    ("EX seconds:integer").
//   TOKEN            a pure token, named after the token in lower case
//                    ("NX"). A token directly followed by a name:type word
//                    is always that argument's token.
//   name=TOKEN       a pure token whose name is not the lower-cased token.
//   name=            a pure token without a token field (as Redis reports
//                    SENTINEL SIMULATE-FAILURE's modes and MIGRATE's
//                    empty_string).
//   name:(a | b)     oneof: one of the alternatives (each one argument).
//   name:{a b}       block: the parts, in order.
//   [a]              the argument is optional.
// Suffixes, written directly after an argument (inside its brackets):
//   ...              multiple: the argument repeats ("key:key#0...").
//   #n               key_spec_index n: the key's spec in COMMAND INFO.
//   @7.0.0           since.
//   !2.8.12          deprecated_since.
//   "text"           summary (may follow a space).
// And on a token, "TOKEN..." marks multiple_token: the token repeats before
// every value ("[GET... encoding_offset:{...}...]").
//
// So SET's arguments read
//   key:key#0 value:string [condition:(NX | XX)@2.6.12] [GET@6.2.0]
//   [expiration:(EX seconds:integer@2.6.12 | ... | KEEPTTL@6.0.0)]
//
// The table is parsed once into CommandDoc trees, on first use (COMMAND's
// registration asks for it, so that is at start-up). An entry that does not
// parse is left out and listed by CommandDocErrors, so COMMAND DOCS shows
// the gap and the unit test names it.
#include "actors/shard/commands/command_docs.h"

#include <cctype>
#include <unordered_map>

#include "actors/common/strings.h"

namespace troupe {
namespace {

struct HistoryRow {
  const char* version;
  const char* change;
};

struct DocRow {
  const char* name;
  const char* complexity;
  const char* arguments;
  std::vector<HistoryRow> history = {};
  const char* doc_flags = "";  // space separated: "deprecated", "syscmd"
  const char* deprecated_since = "";
  const char* replaced_by = "";
};

constexpr const char kDependsOnSubcommand[] = "Depends on subcommand.";
constexpr const char kRangeComplexity[] =
    "O(N) where N is the length of the returned string. The complexity is ultimately determined "
    "by the returned length, but because creating a substring from an existing string is very "
    "cheap, it can be considered O(1) for small strings.";
constexpr const char kExpireHistory[] = "Added options: `NX`, `XX`, `GT` and `LT`.";

const std::vector<DocRow>& Rows() {
  static const auto* rows = new std::vector<DocRow>{
      // string_family.cc
      {"get", "O(1)", "key:key#0"},
      {"set", "O(1)",
       "key:key#0 value:string [condition:(NX | XX)@2.6.12] [GET@6.2.0] "
       "[expiration:(EX seconds:integer@2.6.12 | PX milliseconds:integer@2.6.12 | "
       "EXAT unix-time-seconds:unix-time@6.2.0 | PXAT unix-time-milliseconds:unix-time@6.2.0 | "
       "KEEPTTL@6.0.0)]",
       {{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."},
        {"6.0.0", "Added the `KEEPTTL` option."},
        {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."},
        {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}}},
      {"setnx", "O(1)", "key:key#0 value:string"},
      {"setex", "O(1)", "key:key#0 seconds:integer value:string"},
      {"psetex", "O(1)", "key:key#0 milliseconds:integer value:string"},
      {"mget", "O(N) where N is the number of keys to retrieve.", "key:key#0..."},
      {"mset", "O(N) where N is the number of keys to set.",
       "key_value:{key:key#0 value:string}..."},
      {"msetnx", "O(N) where N is the number of keys to set.",
       "key_value:{key:key#0 value:string}..."},
      {"getset", "O(1)", "key:key#0 value:string", {},
       "deprecated", "6.2.0", "`SET` with the `!GET` argument"},
      {"getdel", "O(1)", "key:key#0"},
      {"getex", "O(1)",
       "key:key#0 [expiration:(EX seconds:integer | PX milliseconds:integer | "
       "EXAT unix-time-seconds:unix-time | PXAT unix-time-milliseconds:unix-time | PERSIST)]"},
      {"append",
       "O(1). The amortized time complexity is O(1) assuming the appended value is small and the "
       "already present value is of any size, since the dynamic string library used by Redis will "
       "double the free space available on every reallocation.",
       "key:key#0 value:string"},
      {"strlen", "O(1)", "key:key#0"},
      {"incr", "O(1)", "key:key#0"},
      {"decr", "O(1)", "key:key#0"},
      {"incrby", "O(1)", "key:key#0 increment:integer"},
      {"decrby", "O(1)", "key:key#0 decrement:integer"},
      {"incrbyfloat", "O(1)", "key:key#0 increment:double"},
      {"getrange", kRangeComplexity, "key:key#0 start:integer end:integer"},
      {"substr", kRangeComplexity, "key:key#0 start:integer end:integer", {},
       "deprecated", "2.0.0", "`GETRANGE`"},
      {"setrange",
       "O(1), not counting the time taken to copy the new string in place. Usually, this string "
       "is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M "
       "being the length of the value argument.",
       "key:key#0 offset:integer value:string"},
      {"lcs", "O(N*M) where N and M are the lengths of s1 and s2, respectively",
       "key1:key#0 key2:key#0 [LEN] [IDX] [MINMATCHLEN len:integer] [WITHMATCHLEN]"},

      // bit_family.cc
      {"setbit", "O(1)", "key:key#0 offset:integer value:integer"},
      {"getbit", "O(1)", "key:key#0 offset:integer"},
      {"bitcount", "O(N)",
       "key:key#0 [index:{start:integer end:integer [index_unit:(BYTE | BIT)@7.0.0]}]",
       {{"7.0.0", "Added the `BYTE|BIT` option."}}},
      {"bitpos", "O(N)",
       "key:key#0 bit:integer "
       "[index:{start:integer [end_index:{end:integer [index_unit:(BYTE | BIT)@7.0.0]}]}]",
       {{"7.0.0", "Added the `BYTE|BIT` option."}}},
      {"bitop", "O(N)", "operation:string destkey:key#0 key:key#1..."},
      {"bitfield", "O(1) for each subcommand specified",
       "key:key#0 "
       "[operation:(GET encoding_offset:{encoding:string offset:integer} | "
       "write:{[OVERFLOW wrap_sat_fail:(WRAP | SAT | FAIL)] "
       "write_operation:("
       "SET encoding_offset_value:{encoding:string offset:integer value:integer} | "
       "INCRBY encoding_offset_increment:{encoding:string offset:integer increment:integer})"
       "})...]"},
      {"bitfield_ro", "O(1) for each subcommand specified",
       "key:key#0 [GET... encoding_offset:{encoding:string offset:integer}...]"},

      // key_family.cc
      {"del",
       "O(N) where N is the number of keys that will be removed. When a key to remove holds a "
       "value other than a string, the individual complexity for this key is O(M) where M is the "
       "number of elements in the list, set, sorted set or hash. Removing a single key that holds "
       "a string value is O(1).",
       "key:key#0..."},
      {"unlink",
       "O(1) for each key removed regardless of its size. Then the command does O(N) work in a "
       "different thread in order to reclaim memory, where N is the number of allocations the "
       "deleted objects where composed of.",
       "key:key#0..."},
      {"exists", "O(N) where N is the number of keys to check.", "key:key#0...",
       {{"3.0.3", "Accepts multiple `key` arguments."}}},
      {"touch", "O(N) where N is the number of keys that will be touched.", "key:key#0..."},
      {"type", "O(1)", "key:key#0"},
      {"keys",
       "O(N) with N being the number of keys in the database, under the assumption that the key "
       "names in the database and the given pattern have limited length.",
       "pattern:pattern"},
      {"scan",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection.",
       "cursor:integer [MATCH pattern:pattern] [COUNT count:integer] [TYPE type:string@6.0.0]",
       {{"6.0.0", "Added the `TYPE` subcommand."}}},
      {"randomkey", "O(1)", ""},
      {"rename", "O(1)", "key:key#0 newkey:key#1"},
      {"renamenx", "O(1)", "key:key#0 newkey:key#1",
       {{"3.2.0",
         "The command no longer returns an error when source and destination names are the "
         "same."}}},
      {"move", "O(1)", "key:key#0 db:integer"},
      {"copy",
       "O(N) worst case for collections, where N is the number of nested items. O(1) for string "
       "values.",
       "source:key#0 destination:key#1 [DB destination-db:integer] [REPLACE]"},
      {"expire", "O(1)", "key:key#0 seconds:integer [condition:(NX | XX | GT | LT)@7.0.0]",
       {{"7.0.0", kExpireHistory}}},
      {"pexpire", "O(1)", "key:key#0 milliseconds:integer [condition:(NX | XX | GT | LT)@7.0.0]",
       {{"7.0.0", kExpireHistory}}},
      {"expireat", "O(1)",
       "key:key#0 unix-time-seconds:unix-time [condition:(NX | XX | GT | LT)@7.0.0]",
       {{"7.0.0", kExpireHistory}}},
      {"pexpireat", "O(1)",
       "key:key#0 unix-time-milliseconds:unix-time [condition:(NX | XX | GT | LT)@7.0.0]",
       {{"7.0.0", kExpireHistory}}},
      {"ttl", "O(1)", "key:key#0", {{"2.8.0", "Added the -2 reply."}}},
      {"pttl", "O(1)", "key:key#0", {{"2.8.0", "Added the -2 reply."}}},
      {"expiretime", "O(1)", "key:key#0"},
      {"pexpiretime", "O(1)", "key:key#0"},
      {"persist", "O(1)", "key:key#0"},
      {"object", kDependsOnSubcommand, ""},
      {"object|encoding", "O(1)", "key:key#0"},
      {"object|freq", "O(1)", "key:key#0"},
      {"object|help", "O(1)", ""},
      {"object|idletime", "O(1)", "key:key#0"},
      {"object|refcount", "O(1)", "key:key#0"},

      // connection_family.cc
      {"ping", "O(1)", "[message:string]"},
      {"echo", "O(1)", "message:string"},
      {"quit", "O(1)", ""},
      {"reset", "O(1)", ""},
      {"auth", "O(N) where N is the number of passwords defined for the user",
       "[username:string@6.0.0] password:string",
       {{"6.0.0", "Added ACL style (username and password)."}}},
      {"hello", "O(1)",
       "[arguments:{protover:integer "
       "[AUTH username_password:{username:string password:string}] "
       "[SETNAME clientname:string]}]",
       {{"6.2.0",
         "`protover` made optional; when called without arguments the command reports the "
         "current connection's context."}}},
      {"select", "O(1)", "index:integer"},

      // client_family.cc
      {"client", kDependsOnSubcommand, ""},
      {"client|id", "O(1)", ""},
      {"client|setname", "O(1)", "connection-name:string"},
      {"client|getname", "O(1)", ""},
      {"client|list", "O(N) where N is the number of client connections",
       "[TYPE normal_master_replica_pubsub:(NORMAL | MASTER | REPLICA | PUBSUB)@5.0.0] "
       "[ID id:{client-id:integer...}@6.2.0]",
       {{"2.8.12", "Added unique client `id` field."},
        {"5.0.0", "Added optional `TYPE` filter."},
        {"6.0.0", "Added `user` field."},
        {"6.2.0",
         "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` "
         "filter."},
        {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."},
        {"7.0.3", "Added `ssub` field."}}},
      {"client|info", "O(1)", ""},
      {"client|kill", "O(N) where N is the number of client connections",
       "filter:(ip:port:string!2.8.12 | "
       "new-format:([ID client-id:integer@2.8.12] | "
       "[TYPE normal_master_slave_pubsub:"
       "(NORMAL | MASTER@3.2.0 | SLAVE | REPLICA@5.0.0 | PUBSUB)@2.8.12] | "
       "[USER username:string] | [ADDR ip:port:string] | [LADDR ip:port:string@6.2.0] | "
       "[SKIPME yes/no:string])...)",
       {{"2.8.12", "Added new filter format."},
        {"2.8.12", "`ID` option."},
        {"3.2.0", "Added `master` type in for `TYPE` option."},
        {"5.0.0",
         "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward "
         "compatibility."},
        {"6.2.0", "`LADDR` option."}}},
      {"client|pause", "O(1)", "timeout:integer [mode:(WRITE | ALL)@6.2.0]",
       {{"6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."}}},
      {"client|unpause", "O(N) Where N is the number of paused clients", ""},
      {"client|reply", "O(1)", "on_off_skip:(ON | OFF | SKIP)"},
      // memory_family.cc
      {"memory", "Depends on subcommand.", ""},
      {"memory|doctor", "O(1)", ""},
      {"memory|malloc-stats", "Depends on how much memory is allocated, could be slow", ""},
      {"memory|usage", "O(N) where N is the number of samples.", "key:key#0 [SAMPLES count:integer]"},
      {"memory|stats", "O(1)", ""},
      {"memory|purge", "Depends on how much memory is allocated, could be slow", ""},
      {"memory|help", "O(1)", ""},
      {"client|unblock", "O(log N) where N is the number of client connections",
       "client-id:integer [timeout_error:(TIMEOUT | ERROR)]"},
      {"client|no-evict", "O(1)", "enabled:(ON | OFF)"},
      {"client|help", "O(1)", ""},

      // server_family.cc
      {"dbsize", "O(1)", ""},
      {"flushdb", "O(N) where N is the number of keys in the selected database",
       "[async:(ASYNC@4.0.0 | SYNC@6.2.0)]",
       {{"4.0.0", "Added the `ASYNC` flushing mode modifier."},
        {"6.2.0", "Added the `SYNC` flushing mode modifier."}}},
      {"flushall", "O(N) where N is the total number of keys in all databases",
       "[async:(ASYNC@4.0.0 | SYNC@6.2.0)]",
       {{"4.0.0", "Added the `ASYNC` flushing mode modifier."},
        {"6.2.0", "Added the `SYNC` flushing mode modifier."}}},
      {"swapdb",
       "O(N) where N is the count of clients watching or blocking on keys from both databases.",
       "index1:integer index2:integer"},
      {"time", "O(1)", ""},
      {"lastsave", "O(1)", ""},
      {"shutdown",
       "O(N) when saving, where N is the total number of keys in all databases when saving data, "
       "otherwise O(1)",
       "[nosave_save:(NOSAVE | SAVE)] [NOW@7.0.0] [FORCE@7.0.0] [ABORT@7.0.0]",
       {{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}}},
      {"save", "O(N) where N is the total number of keys in all databases", ""},
      {"bgsave", "O(1)", "[SCHEDULE@3.2.2]", {{"3.2.2", "Added the `SCHEDULE` option."}}},
      {"bgrewriteaof", "O(1)", ""},
      {"replicaof", "O(1)", "args:(host-port:{host:string port:integer} | no-one:{NO ONE})"},
      {"slaveof", "O(1)", "args:(host-port:{host:string port:integer} | no-one:{NO ONE})", {},
       "deprecated", "5.0.0", "`REPLICAOF`"},
      {"role", "O(1)", ""},
      {"replconf", "O(1)", "", {}, "syscmd"},
      {"psync", "", "replicationid:string offset:integer"},
      {"sync", "", ""},
      {"wait", "O(1)", "numreplicas:integer timeout:integer"},
      {"monitor", "", ""},
      {"slowlog", kDependsOnSubcommand, ""},
      {"slowlog|get", "O(N) where N is the number of entries returned", "[count:integer]",
       {{"4.0.0", "Added client IP address, port and name to the reply."}}},
      {"slowlog|len", "O(1)", ""},
      {"slowlog|reset", "O(N) where N is the number of entries in the slowlog", ""},
      {"slowlog|help", "O(1)", ""},
      {"debug", kDependsOnSubcommand, "", {}, "syscmd"},
      {"info", "O(1)", "[section:string...]",
       {{"7.0.0", "Added support for taking multiple section arguments."}}},

      // config_family.cc
      {"config", kDependsOnSubcommand, ""},
      {"config|get", "O(N) when N is the number of configuration parameters provided",
       "parameter:{parameter:string}...",
       {{"7.0.0", "Added the ability to pass multiple pattern parameters in one call"}}},
      {"config|set", "O(N) when N is the number of configuration parameters provided",
       "parameter_value:{parameter:string value:string}...",
       {{"7.0.0", "Added the ability to set multiple parameters in one call."}}},
      {"config|resetstat", "O(1)", ""},
      {"config|rewrite", "O(1)", ""},
      {"config|help", "O(1)", ""},

      // introspection_family.cc
      {"command", "O(N) where N is the total number of Redis commands", ""},
      {"command|count", "O(1)", ""},
      {"command|info", "O(N) where N is the number of commands to look up",
       "[command-name:string...]",
       {{"7.0.0", "Allowed to be called with no argument to get info on all commands."}}},
      {"command|docs", "O(N) where N is the number of commands to look up",
       "[command-name:string...]"},
      {"command|list", "O(N) where N is the total number of Redis commands",
       "[FILTERBY filterby:"
       "(MODULE module-name:string | ACLCAT category:string | PATTERN pattern:pattern)]"},
      {"command|getkeys", "O(N) where N is the number of arguments to the command", ""},
      {"command|help", "O(1)", ""},
      // The families of issue 3, one file each (rows in the same form).
#include "actors/shard/commands/docs_hash.inc"
#include "actors/shard/commands/docs_list.inc"
#include "actors/shard/commands/docs_set.inc"
#include "actors/shard/commands/docs_zset.inc"
#include "actors/shard/commands/docs_hll.inc"
#include "actors/shard/commands/docs_sort.inc"
#include "actors/shard/commands/docs_transaction.inc"
#include "actors/shard/commands/docs_pubsub.inc"
#include "actors/shard/commands/docs_dump.inc"
#include "actors/shard/commands/docs_sentinel.inc"
#include "actors/shard/commands/docs_cluster.inc"
  };
  return *rows;
}

// Recursive-descent parser for the argument grammar described at the top.
class GrammarParser {
 public:
  explicit GrammarParser(std::string_view text) : text_(text) {}

  bool Parse(std::vector<DocArg>* out, std::string* error) {
    if (ParseSequence(out, '\0')) return true;
    if (error != nullptr) *error = error_;
    return false;
  }

 private:
  static constexpr std::string_view kSpecial = "[]{}()|#@!\"";

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool AtEllipsis() const { return text_.substr(pos_, 3) == "..."; }
  static bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
  void SkipSpace() {
    while (Peek() == ' ') ++pos_;
  }

  bool Fail(const std::string& message) {
    error_ = message + " at offset " + std::to_string(pos_);
    return false;
  }

  // A run of name/type/token characters: up to a space, a special character
  // or an ellipsis.
  std::string_view Word() {
    size_t start = pos_;
    while (!AtEnd() && Peek() != ' ' && kSpecial.find(Peek()) == std::string_view::npos &&
           !AtEllipsis())
      ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // "7.0.0": digits separated by single dots (so a following "..." stays).
  std::string_view Version() {
    size_t start = pos_;
    while (IsDigit(Peek()) || (Peek() == '.' && pos_ > start && IsDigit(Peek(1)))) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // Arguments up to `close`, or to the end of the text when close is '\0'.
  bool ParseSequence(std::vector<DocArg>* out, char close) {
    for (;;) {
      SkipSpace();
      if (AtEnd()) return close == '\0' || Fail(std::string("missing '") + close + "'");
      if (Peek() == close) {
        ++pos_;
        return true;
      }
      DocArg arg;
      if (!ParseElement(&arg)) return false;
      out->push_back(std::move(arg));
    }
  }

  // After '(': element ('|' element)* ')'.
  bool ParseAlternatives(std::vector<DocArg>* out) {
    for (;;) {
      DocArg arg;
      if (!ParseElement(&arg)) return false;
      out->push_back(std::move(arg));
      SkipSpace();
      if (Peek() == ')') {
        ++pos_;
        return true;
      }
      if (Peek() != '|') return Fail("expected '|' or ')'");
      ++pos_;
    }
  }

  // '[' argument ']' or argument.
  bool ParseElement(DocArg* arg) {
    SkipSpace();
    if (Peek() != '[') return ParseArgument(arg);
    ++pos_;
    if (!ParseArgument(arg)) return false;
    SkipSpace();
    if (Peek() != ']') return Fail("expected ']'");
    ++pos_;
    arg->optional = true;
    return true;
  }

  bool ParseArgument(DocArg* arg) {
    SkipSpace();
    std::string_view word = Word();
    if (word.empty()) return Fail("expected an argument");
    if (word.find(':') == std::string_view::npos) {
      size_t eq = word.find('=');
      if (eq != std::string_view::npos)
        return ParsePureToken(word.substr(0, eq), word.substr(eq + 1), arg);
      // A token: of the name:type word that follows, else a pure token.
      size_t after_token = pos_;
      bool repeated = AtEllipsis();
      if (repeated) pos_ += 3;
      SkipSpace();
      std::string_view next = Word();
      if (next.find(':') == std::string_view::npos) {
        pos_ = after_token;
        return ParsePureToken(ToLower(word), word, arg);
      }
      arg->token = std::string(word);
      arg->multiple_token = repeated;
      word = next;
    }
    size_t colon = word.rfind(':');
    arg->name = std::string(word.substr(0, colon));
    std::string_view type = word.substr(colon + 1);
    if (arg->name.empty()) return Fail("empty argument name");
    if (!type.empty()) {
      if (!TypeFromName(type, &arg->type)) return Fail("unknown type '" + std::string(type) + "'");
    } else if (Peek() == '(') {
      ++pos_;
      arg->type = DocArgType::kOneof;
      if (!ParseAlternatives(&arg->arguments)) return false;
    } else if (Peek() == '{') {
      ++pos_;
      arg->type = DocArgType::kBlock;
      if (!ParseSequence(&arg->arguments, '}')) return false;
      if (arg->arguments.empty()) return Fail("empty block");
    } else {
      return Fail("expected a type, '(' or '{' after '" + arg->name + ":'");
    }
    return ParseSuffixes(arg);
  }

  bool ParsePureToken(std::string_view name, std::string_view token, DocArg* arg) {
    if (name.empty()) return Fail("empty pure token");
    arg->type = DocArgType::kPureToken;
    arg->name = std::string(name);
    arg->token = std::string(token);
    return ParseSuffixes(arg);
  }

  static bool TypeFromName(std::string_view name, DocArgType* type) {
    for (DocArgType t : {DocArgType::kString, DocArgType::kInteger, DocArgType::kDouble,
                         DocArgType::kKey, DocArgType::kPattern, DocArgType::kUnixTime})
      if (name == DocArgTypeName(t)) {
        *type = t;
        return true;
      }
    return false;
  }

  // ... #n @version !version "summary", in any order, each at most once.
  bool ParseSuffixes(DocArg* arg) {
    for (;;) {
      if (AtEllipsis()) {
        if (arg->multiple) return Fail("repeated '...'");
        arg->multiple = true;
        pos_ += 3;
        continue;
      }
      size_t quote = pos_;
      while (text_.size() > quote && text_[quote] == ' ') ++quote;
      char c = Peek();
      if (quote < text_.size() && text_[quote] == '"') {
        size_t end = text_.find('"', quote + 1);
        if (end == std::string_view::npos) return Fail("unterminated summary");
        if (!arg->summary.empty()) return Fail("repeated summary");
        arg->summary = std::string(text_.substr(quote + 1, end - quote - 1));
        pos_ = end + 1;
      } else if (c == '#') {
        ++pos_;
        size_t start = pos_;
        while (IsDigit(Peek())) ++pos_;
        if (pos_ == start) return Fail("expected a key spec index after '#'");
        if (arg->key_spec_index >= 0) return Fail("repeated '#'");
        arg->key_spec_index = std::stoi(std::string(text_.substr(start, pos_ - start)));
      } else if (c == '@' || c == '!') {
        ++pos_;
        std::string_view version = Version();
        if (version.empty()) return Fail(std::string("expected a version after '") + c + "'");
        std::string& field = c == '@' ? arg->since : arg->deprecated_since;
        if (!field.empty()) return Fail(std::string("repeated '") + c + "'");
        field = std::string(version);
      } else {
        return true;
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

struct DocIndex {
  std::unordered_map<std::string, CommandDoc> docs;
  std::vector<std::string> names;
  std::vector<std::string> errors;
};

std::vector<std::string> SplitSpaces(std::string_view text) {
  std::vector<std::string> words;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    if (end > pos) words.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return words;
}

const DocIndex& Index() {
  static const DocIndex* index = [] {
    auto* idx = new DocIndex();
    for (const DocRow& row : Rows()) {
      idx->names.emplace_back(row.name);
      CommandDoc doc;
      doc.complexity = row.complexity;
      doc.doc_flags = SplitSpaces(row.doc_flags);
      doc.deprecated_since = row.deprecated_since;
      doc.replaced_by = row.replaced_by;
      for (const HistoryRow& h : row.history) doc.history.emplace_back(h.version, h.change);
      std::string error;
      if (!ParseDocArguments(row.arguments, &doc.arguments, &error)) {
        idx->errors.push_back(std::string(row.name) + ": " + error);
        continue;
      }
      if (!idx->docs.emplace(row.name, std::move(doc)).second)
        idx->errors.push_back(std::string(row.name) + ": duplicate entry");
    }
    return idx;
  }();
  return *index;
}

}  // namespace

const char* DocArgTypeName(DocArgType type) {
  switch (type) {
    case DocArgType::kString: return "string";
    case DocArgType::kInteger: return "integer";
    case DocArgType::kDouble: return "double";
    case DocArgType::kKey: return "key";
    case DocArgType::kPattern: return "pattern";
    case DocArgType::kUnixTime: return "unix-time";
    case DocArgType::kPureToken: return "pure-token";
    case DocArgType::kOneof: return "oneof";
    case DocArgType::kBlock: return "block";
  }
  return "string";
}

bool ParseDocArguments(std::string_view grammar, std::vector<DocArg>* out, std::string* error) {
  out->clear();
  return GrammarParser(grammar).Parse(out, error);
}

const CommandDoc* FindCommandDoc(std::string_view full_name) {
  const auto& docs = Index().docs;
  auto it = docs.find(std::string(full_name));
  return it == docs.end() ? nullptr : &it->second;
}

std::vector<std::string> CommandDocNames() { return Index().names; }

const std::vector<std::string>& CommandDocErrors() { return Index().errors; }

}  // namespace troupe
