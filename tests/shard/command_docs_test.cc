// Tests for the COMMAND DOCS table (actors/shard/commands/command_docs.cc):
// every command in the CommandTable has a docs entry and every entry names a
// command, the argument grammar parses into the trees Redis 7.0 reports,
// key arguments point at real key specs, and COMMAND DOCS replies in Redis's
// exact shape in RESP2 and RESP3.
#include "actors/shard/commands/command_docs.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/shard/command_harness.h"

namespace troupe {
namespace {

// Every command and subcommand row of the table.
std::vector<const CommandSpec*> AllCommands() {
  std::vector<const CommandSpec*> rows;
  for (const auto& c : CommandTable::Instance().all()) {
    rows.push_back(c.get());
    for (const auto& sub : c->subcommands) rows.push_back(&sub);
  }
  return rows;
}

// Visits every argument of a tree, nested ones included.
void ForEachArg(const std::vector<DocArg>& args, const std::function<void(const DocArg&)>& fn) {
  for (const DocArg& a : args) {
    fn(a);
    ForEachArg(a.arguments, fn);
  }
}

TEST(CommandDocs, TableParses) {
  EXPECT_TRUE(CommandDocErrors().empty()) << ::testing::PrintToString(CommandDocErrors());
}

TEST(CommandDocs, EveryCommandHasDocs) {
  std::vector<std::string> missing;
  for (const CommandSpec* c : AllCommands())
    if (FindCommandDoc(c->name) == nullptr) missing.push_back(c->name);
  EXPECT_TRUE(missing.empty()) << "no entry in command_docs.cc for: "
                               << ::testing::PrintToString(missing);
}

TEST(CommandDocs, EveryEntryNamesACommand) {
  std::vector<std::string> stale;
  auto& table = CommandTable::Instance();
  for (const std::string& name : CommandDocNames()) {
    size_t bar = name.find('|');
    const CommandSpec* c = table.Find(name.substr(0, bar));
    if (c != nullptr && bar != std::string::npos)
      c = CommandTable::FindSub(*c, name.substr(bar + 1));
    if (c == nullptr || c->name != name) stale.push_back(name);
  }
  EXPECT_TRUE(stale.empty()) << "entries for unknown commands: " << ::testing::PrintToString(stale);
}

TEST(CommandDocs, ShapesAreConsistent) {
  for (const CommandSpec* c : AllCommands()) {
    const CommandDoc* doc = FindCommandDoc(c->name);
    if (doc == nullptr) continue;  // reported by EveryCommandHasDocs
    SCOPED_TRACE(c->name);
    if (c->is_container()) {
      EXPECT_TRUE(doc->arguments.empty());
    }
    // COMMAND INFO reports the explicit specs, or one derived from first_key.
    int specs = !c->key_specs.empty() ? static_cast<int>(c->key_specs.size())
                                      : (c->first_key > 0 ? 1 : 0);
    ForEachArg(doc->arguments, [&](const DocArg& a) {
      SCOPED_TRACE(a.name);
      if (a.type == DocArgType::kKey) {
        EXPECT_GE(a.key_spec_index, 0);
        EXPECT_LT(a.key_spec_index, specs);
      } else if (a.type == DocArgType::kPattern && a.key_spec_index >= 0) {
        // Patterns that name keys (SORT's BY/GET) point at a spec too, as in Redis.
        EXPECT_LT(a.key_spec_index, std::max(specs, 2));
      } else {
        EXPECT_EQ(a.key_spec_index, -1);
      }
      EXPECT_EQ(a.nested(), !a.arguments.empty());
      // Redis 7.0.15 reports SENTINEL SIMULATE-FAILURE's modes and MIGRATE's
      // empty_string without a token.
      if (a.type == DocArgType::kPureToken && c->name != "sentinel|simulate-failure" && a.name != "empty_string") {
        EXPECT_FALSE(a.token.empty());
      }
      if (a.multiple_token) {
        EXPECT_TRUE(a.multiple);
      }
    });
    for (const auto& [version, change] : doc->history) {
      EXPECT_FALSE(version.empty());
      EXPECT_FALSE(change.empty());
    }
    EXPECT_EQ(doc->deprecated_since.empty(), doc->replaced_by.empty());
  }
}

TEST(CommandDocs, GrammarBuildsTrees) {
  std::vector<DocArg> args;
  std::string error;
  ASSERT_TRUE(ParseDocArguments(
      "key:key#0 [condition:(NX | XX)@2.6.12] [GET@6.2.0] "
      "[GET... pair:{ip:port:string!2.8.12 n:integer...}...] [COUNT count:integer \"how many\"] "
      "opt=X",
      &args, &error))
      << error;
  ASSERT_EQ(args.size(), 6u);
  EXPECT_EQ(args[0].name, "key");
  EXPECT_EQ(args[0].type, DocArgType::kKey);
  EXPECT_EQ(args[0].key_spec_index, 0);
  EXPECT_FALSE(args[0].optional);

  EXPECT_EQ(args[1].name, "condition");
  EXPECT_EQ(args[1].type, DocArgType::kOneof);
  EXPECT_EQ(args[1].since, "2.6.12");
  EXPECT_TRUE(args[1].optional);
  ASSERT_EQ(args[1].arguments.size(), 2u);
  EXPECT_EQ(args[1].arguments[1].name, "xx");
  EXPECT_EQ(args[1].arguments[1].token, "XX");
  EXPECT_EQ(args[1].arguments[1].type, DocArgType::kPureToken);

  EXPECT_EQ(args[2].name, "get");
  EXPECT_EQ(args[2].since, "6.2.0");

  const DocArg& pair = args[3];
  EXPECT_EQ(pair.type, DocArgType::kBlock);
  EXPECT_EQ(pair.token, "GET");
  EXPECT_TRUE(pair.optional && pair.multiple && pair.multiple_token);
  ASSERT_EQ(pair.arguments.size(), 2u);
  EXPECT_EQ(pair.arguments[0].name, "ip:port");
  EXPECT_EQ(pair.arguments[0].deprecated_since, "2.8.12");
  EXPECT_TRUE(pair.arguments[1].multiple);
  EXPECT_FALSE(pair.arguments[1].multiple_token);

  EXPECT_EQ(args[4].token, "COUNT");
  EXPECT_EQ(args[4].summary, "how many");
  EXPECT_EQ(args[5].name, "opt");
  EXPECT_EQ(args[5].token, "X");

  EXPECT_TRUE(ParseDocArguments("", &args, &error));
  EXPECT_TRUE(args.empty());
  for (const char* bad : {"key:nokind", "[a:string", "a:(X | Y", "a:{}", "a:", "a:string@",
                          "a:key#", "a:string@1@2", "]"}) {
    EXPECT_FALSE(ParseDocArguments(bad, &args, &error)) << bad;
    EXPECT_NE(error.find("offset"), std::string::npos) << bad;
  }
}

TEST(CommandDocs, ReplyShapes) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"command", "docs", "GET", "nosuch"}),
            "*2\r\n$3\r\nget\r\n*10\r\n"
            "$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n"
            "$5\r\nsince\r\n$5\r\n1.0.0\r\n"
            "$5\r\ngroup\r\n$6\r\nstring\r\n"
            "$10\r\ncomplexity\r\n$4\r\nO(1)\r\n"
            "$9\r\narguments\r\n*1\r\n"
            "*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n"
            "$14\r\nkey_spec_index\r\n:0\r\n");
  EXPECT_EQ(h.Run({"command", "docs", "nosuch"}), "*0\r\n");

  h.client().protocol = 3;
  EXPECT_EQ(h.Run({"command", "docs", "nosuch"}), "%0\r\n");
  std::string getset = h.Run({"command", "docs", "getset"});
  EXPECT_NE(getset.find("$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n"
                        "$16\r\ndeprecated_since\r\n$5\r\n6.2.0\r\n"
                        "$11\r\nreplaced_by\r\n$30\r\n`SET` with the `!GET` argument\r\n"),
            std::string::npos)
      << getset;
  std::string ping = h.Run({"command", "docs", "ping"});
  EXPECT_NE(ping.find("$5\r\nflags\r\n~1\r\n+optional\r\n"), std::string::npos) << ping;
  std::string ttl = h.Run({"command", "docs", "ttl"});
  EXPECT_NE(ttl.find("$7\r\nhistory\r\n~1\r\n*2\r\n$5\r\n2.8.0\r\n"), std::string::npos) << ttl;
  std::string config = h.Run({"command", "docs", "config"});
  EXPECT_NE(config.find("$11\r\nsubcommands\r\n%"), std::string::npos) << config;
  EXPECT_NE(config.find("$10\r\nconfig|get\r\n%"), std::string::npos) << config;
}

}  // namespace
}  // namespace troupe
