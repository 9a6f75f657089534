// Command documentation: what COMMAND DOCS reports about each command beyond
// the table row's summary/since/group — complexity, doc flags, deprecation,
// history and the argument tree — in Redis 7.0's terms. The data is a table
// in command_docs.cc (an argument grammar per command, parsed once at
// start-up); introspection_family.cc writes the replies from it and
// tests/shard/command_docs_test.cc checks that every command has an entry.
// Plain C++, no CAF; safe to call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe {

// Argument types, as COMMAND DOCS names them.
enum class DocArgType {
  kString,
  kInteger,
  kDouble,
  kKey,
  kPattern,
  kUnixTime,
  kPureToken,
  kOneof,
  kBlock,
};

// "string", "integer", "double", "key", "pattern", "unix-time", "pure-token",
// "oneof" or "block".
const char* DocArgTypeName(DocArgType type);

// One argument of a command, with its alternatives (oneof) or parts (block).
struct DocArg {
  std::string name;
  DocArgType type = DocArgType::kString;
  int key_spec_index = -1;  // index into COMMAND INFO's key specs; -1 = none
  std::string token;        // the literal word before the value (EX, MATCH, ...)
  std::string summary;
  std::string since;
  std::string deprecated_since;
  bool optional = false;
  bool multiple = false;
  bool multiple_token = false;  // the token repeats before each value
  std::vector<DocArg> arguments;  // oneof / block only

  bool nested() const { return type == DocArgType::kOneof || type == DocArgType::kBlock; }
};

// The documentation of one command or subcommand. Empty strings and lists
// are fields Redis leaves out of the reply.
struct CommandDoc {
  std::string complexity;
  std::vector<std::string> doc_flags;  // "deprecated", "syscmd"
  std::string deprecated_since;
  std::string replaced_by;
  std::vector<std::pair<std::string, std::string>> history;  // (version, change)
  std::vector<DocArg> arguments;
};

// The documentation of a command by its full lower-case name ("get",
// "config|get"); nullptr when the table has no (valid) entry.
const CommandDoc* FindCommandDoc(std::string_view full_name);

// Every entry name in the table, in table order (for tests).
std::vector<std::string> CommandDocNames();

// Entries whose argument grammar did not parse, as "name: message"; such
// entries are left out of FindCommandDoc (for tests).
const std::vector<std::string>& CommandDocErrors();

// Parses an argument grammar (see command_docs.cc) into `out`. On failure
// returns false with a message naming the offset.
bool ParseDocArguments(std::string_view grammar, std::vector<DocArg>* out, std::string* error);

}  // namespace troupe
