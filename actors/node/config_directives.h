// The directive table behind Config (private to actors/node/config.cc and its
// test): every directive redis-server 7.0.15 accepts in redis.conf, with its
// alias, type, bounds, default as CONFIG GET shows it, whether CONFIG SET may
// change it and whether Troupe honours it; plus the value type that holds one
// directive's setting and the Redis-compatible text primitives the config
// model is built from (argument splitting, quoting, glob matching, strict
// integer and memory-size parsing).
//
// Who uses it: Config (config.cc) only; tests/node/config_test.cc checks the
// primitives directly. Plain data and pure functions: no state, no I/O, no CAF,
// safe from any thread.
//
// Ground truth for every row is Debian's redis-server 7.0.15 (CONFIG GET *,
// CONFIG SET probes and start-up errors were compared against it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace troupe {
namespace config_internal {

// How a directive's arguments are parsed, shown and rewritten.
enum class Kind {
  kBool,                     // yes / no
  kNumeric,                  // integer, memory size, percentage or octal (NumericFlags)
  kEnum,                     // one name out of a fixed list (or a set of flags)
  kString,                   // free text, possibly validated
  kSave,                     // `save <seconds> <changes> ...`
  kBind,                     // `bind <addr> ...`
  kDir,                      // `dir <path>`: an existing directory, kept absolute
  kClientOutputBufferLimit,  // `<class> <hard> <soft> <seconds>` ...
  kOomScoreAdjValues,        // three integers in -2000..2000
  kNotifyKeyspaceEvents,     // event class characters
  kReplicaOf,                // `<host> <port>` or `no one`
  kLatencyPercentiles,       // percentiles in 0..100
};

// Directive flags (bit set).
enum DirectiveFlag : uint32_t {
  kImmutable = 1u << 0,        // CONFIG SET refuses it ("can't set immutable config")
  kProtected = 1u << 1,        // CONFIG SET needs enable-protected-configs
  kHidden = 1u << 2,           // CONFIG GET shows it only when named exactly
  kSensitive = 1u << 3,        // value must not appear in SLOWLOG / MONITOR
  kMultiArg = 1u << 4,         // takes a variable number of arguments
  kImplemented = 1u << 5,      // honoured by Troupe today
  kEmptyIsNull = 1u << 6,      // string: "" means unset (dropped by REWRITE)
  kMemory = 1u << 7,           // numeric: accepts 1k/1kb/1m/1mb/1g/1gb sizes
  kPercent = 1u << 8,          // numeric: accepts "N%" (stored as -N)
  kOctal = 1u << 9,            // numeric: parsed and shown in octal
  kUnsignedBounds = 1u << 10,  // numeric: C type is unsigned (bounds compared unsigned)
  kFlagsEnum = 1u << 11,       // enum: a set of flags ("save now"), 0 = first name
  kValidateDefrag = 1u << 12,  // bool: `yes` refused (no active defrag here)
  kTlsSetting = 1u << 13,      // CONFIG SET re-applies TLS settings (refused while TLS is on)
  kBacklogMin = 1u << 14,      // CONFIG SET raises it to at least 16kb (repl-backlog-size)
};

// One accepted name of an enum directive and the value it stands for.
struct EnumValue {
  const char* name;  // nullptr terminates a list
  int64_t value;
};

// Context a few parsers need (relative paths, proc-title-template checks).
struct ParseContext {
  std::string cwd;               // directory relative `dir` paths start from
  bool cluster_enabled = false;  // for proc-title-template's {server-mode}
  bool sentinel_mode = false;    // idem
  std::string config_file;       // for {config-file}
  int64_t port = 6379;           // for {port} / {listen-addr}
  int64_t tls_port = 0;          // for {tls-port}
  std::string unixsocket;        // for {unixsocket}
};

// Validates a string directive; returns nullptr when fine, else the error.
using StringValidator = const char* (*)(const std::string& value, const ParseContext& ctx);

// One row of the directive table.
struct DirectiveSpec {
  const char* name;              // canonical Redis 7.0 name, lower case
  const char* alias;             // older name still accepted (e.g. "slaveof"), or nullptr
  Kind kind;                     // parser / formatter family
  uint32_t flags;                // DirectiveFlag bits
  int64_t lower;                 // numeric lower bound (as a C long long)
  int64_t upper;                 // numeric upper bound (as a C long long; -1 = ULLONG_MAX)
  int64_t default_number;        // default of bool / numeric / enum directives
  const char* default_string;    // default of strings; nullptr = unset
  const EnumValue* enum_values;  // enum names, nullptr-terminated
  StringValidator validator;     // extra check for strings, or nullptr
};

// One directive's current setting. Which fields matter depends on Kind:
//   kBool, kNumeric, kEnum, kNotifyKeyspaceEvents: number
//   kString, kDir: text (+ is_null for kEmptyIsNull strings)
//   kSave (seconds/changes pairs), kBind, kOomScoreAdjValues, kReplicaOf
//   (empty or host+port), kLatencyPercentiles, kClientOutputBufferLimit
//   (normal/replica/pubsub x hard/soft/seconds = 9 numbers): items.
struct DirectiveValue {
  int64_t number = 0;              // numeric payload (see above)
  std::string text;                // string payload
  bool is_null = false;            // string directive is unset
  std::vector<std::string> items;  // list payload, canonical decimal text

  bool operator==(const DirectiveValue& o) const {
    return number == o.number && text == o.text && is_null == o.is_null && items == o.items;
  }
  bool operator!=(const DirectiveValue& o) const { return !(*this == o); }
};

// The table, in a stable order (bools, strings, enums, numbers, specials).
const std::vector<DirectiveSpec>& DirectiveTable();

// Finds a directive by a lower-case name or alias (hidden ones included);
// -1 when unknown. *via_alias tells whether `name` was the alias.
int FindDirective(const std::string& lower_name, bool* via_alias);

// The value a directive has before any config is read.
DirectiveValue DefaultValue(const DirectiveSpec& spec);

// Parses the arguments of one directive (after the name, already split) into
// *value, starting from the current setting in *value (`save` appends when
// `append_save` is set, as a config file does after its first save line).
// Returns false with Redis's error text in *err (e.g. "argument must be
// 'yes' or 'no'"); *value is then unspecified.
bool ParseDirective(const DirectiveSpec& spec, const std::vector<std::string>& args,
                    const ParseContext& ctx, bool append_save, DirectiveValue* value,
                    std::string* err);

// The value as CONFIG GET shows it.
std::string FormatDirective(const DirectiveSpec& spec, const DirectiveValue& value);

// What CONFIG REWRITE writes for one directive.
struct RewriteLines {
  std::vector<std::string> lines;  // lines to write, in order (may be empty)
  std::vector<bool> force;         // per line: write even if the file lacks it
};
RewriteLines RewriteDirective(const DirectiveSpec& spec, const DirectiveValue& value,
                              bool sentinel_mode, bool cluster_enabled);

// ---- Redis-compatible text primitives ----

// sdssplitargs(): splits a config line into arguments, handling "..." (with
// \n \r \t \b \a \\ \" \xHH escapes) and '...' (with \' escape). Returns false
// on unbalanced quotes or a closing quote not followed by a space.
bool SplitArgs(const std::string& line, std::vector<std::string>* out);

// sdssplitlen(value, " "): splits on every single space (empty tokens kept);
// an empty string gives no token. Used for multi-argument CONFIG SET values.
std::vector<std::string> SplitOnSpaces(const std::string& value);

// sdscatrepr(): "quoted" with C-style escapes, as REWRITE writes strings.
std::string Repr(const std::string& s);

// stringmatchlen(): Redis glob (* ? [abc] [^a] [a-z] \x), optionally nocase.
bool GlobMatch(const std::string& pattern, const std::string& text, bool nocase);

// string2ll(): strict decimal (no '+', no leading zeros, no spaces).
bool StrictParseLongLong(const std::string& s, int64_t* out);

// memtoull(): "<digits>[b|k|kb|m|mb|g|gb]" case-insensitive; '-' refused.
// Overflow wraps like the C original (digits saturate, the unit multiplies).
bool MemToULL(const std::string& s, uint64_t* out);

// rewriteConfigFormatMemory(): 1073741824 -> "1gb", 2048 -> "2kb", 1000 -> "1000".
std::string FormatMemoryForRewrite(int64_t bytes);

// Lower-cases ASCII letters.
std::string ToLower(std::string s);

// Hex SHA-256 of `data` (the default user's password hash in REWRITE's
// `user default on #<hash> ...` line).
std::string Sha256Hex(const std::string& data);

}  // namespace config_internal
}  // namespace troupe
