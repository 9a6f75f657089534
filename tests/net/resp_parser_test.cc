// Tests for RespParser: every split point of requests, pipelining, inline
// commands, and every protocol error with Redis's text.
#include "net/resp_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace troupe {
namespace {

using Args = std::vector<std::string>;

// Feeds `input` in two pieces split at `split`, the way a session does:
// the caller keeps unconsumed bytes and appends what arrives next.
struct Feed {
  RespParser parser;
  RespParser::Limits limits;
  std::string buffer;
  std::vector<Args> commands;
  std::string error;

  void Push(const std::string& bytes) {
    buffer += bytes;
    for (;;) {
      size_t consumed = 0;
      std::vector<std::string_view> argv;
      auto o = parser.Next(buffer.data(), buffer.size(), limits, &consumed, &argv);
      if (o == RespParser::Outcome::kNeedMore) return;
      if (o == RespParser::Outcome::kError) {
        error = parser.error();
        buffer.clear();
        return;
      }
      commands.emplace_back(argv.begin(), argv.end());
      buffer.erase(0, consumed);
    }
  }
};

TEST(RespParser, MultibulkAtEverySplitPoint) {
  const std::string req = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*1\r\n$4\r\nPING\r\n";
  for (size_t split = 0; split <= req.size(); ++split) {
    Feed f;
    f.Push(req.substr(0, split));
    f.Push(req.substr(split));
    ASSERT_EQ(f.commands.size(), 2u) << "split at " << split;
    EXPECT_EQ(f.commands[0], (Args{"SET", "key", "value"}));
    EXPECT_EQ(f.commands[1], (Args{"PING"}));
    EXPECT_TRUE(f.error.empty());
    EXPECT_TRUE(f.buffer.empty());
  }
}

TEST(RespParser, ByteByByte) {
  const std::string req = "*2\r\n$4\r\nECHO\r\n$10\r\nhel\r\nlo wo\r\nPING\r\n  \r\n";
  Feed f;
  for (char c : req) f.Push(std::string(1, c));
  ASSERT_EQ(f.commands.size(), 2u);
  EXPECT_EQ(f.commands[0], (Args{"ECHO", "hel\r\nlo wo"}));
  EXPECT_EQ(f.commands[1], (Args{"PING"}));
}

TEST(RespParser, BinarySafeBulk) {
  std::string value("a\0b\r\nc", 6);
  Feed f;
  f.Push("*2\r\n$3\r\nGET\r\n$6\r\n" + value + "\r\n");
  ASSERT_EQ(f.commands.size(), 1u);
  EXPECT_EQ(f.commands[0][1], value);
}

TEST(RespParser, EmptyMultibulkIsSkipped) {
  Feed f;
  f.Push("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n");
  ASSERT_EQ(f.commands.size(), 1u);
  EXPECT_EQ(f.commands[0], (Args{"PING"}));
}

TEST(RespParser, InlineWithQuotes) {
  Feed f;
  f.Push("SET \"a b\" 'c d' \"\\x41\\n\"\r\nGET x\n");
  ASSERT_EQ(f.commands.size(), 2u);
  EXPECT_EQ(f.commands[0], (Args{"SET", "a b", "c d", "A\n"}));
  EXPECT_EQ(f.commands[1], (Args{"GET", "x"}));
}

TEST(RespParser, Errors) {
  struct Case {
    std::string input;
    std::string error;
  } cases[] = {
      {"*abc\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*2147483648\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"},
      {"SET \"a b\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"SET 'a\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"SET \"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {std::string(70000, 'x'), "ERR Protocol error: too big inline request"},
      {"*" + std::string(70000, '1'), "ERR Protocol error: too big mbulk count string"},
  };
  for (const auto& c : cases) {
    Feed f;
    f.Push(c.input);
    EXPECT_EQ(f.error, c.error) << c.input.substr(0, 40);
  }
}

TEST(RespParser, BulkOverLimit) {
  Feed f;
  f.limits.proto_max_bulk_len = 10;
  f.Push("*1\r\n$11\r\n");
  EXPECT_EQ(f.error, "ERR Protocol error: invalid bulk length");
}

TEST(RespParser, UnauthenticatedLimits) {
  Feed f;
  f.limits.auth_required = true;
  f.Push("*11\r\n");
  EXPECT_EQ(f.error, "ERR Protocol error: unauthenticated multibulk length");
  Feed g;
  g.limits.auth_required = true;
  g.Push("*1\r\n$16385\r\n");
  EXPECT_EQ(g.error, "ERR Protocol error: unauthenticated bulk length");
}

TEST(RespParser, CommandsBeforeAnErrorAreKept) {
  Feed f;
  f.Push("*1\r\n$4\r\nPING\r\n*x\r\n");
  ASSERT_EQ(f.commands.size(), 1u);
  EXPECT_FALSE(f.error.empty());
}

TEST(RespParser, LargeBulkIsNotRescanned) {
  // A 1 MB argument arriving in 1 KB pieces parses once, correctly.
  std::string value(1 << 20, 'v');
  std::string req = "*2\r\n$3\r\nSET\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  Feed f;
  for (size_t i = 0; i < req.size(); i += 1024) f.Push(req.substr(i, 1024));
  ASSERT_EQ(f.commands.size(), 1u);
  EXPECT_EQ(f.commands[0][1].size(), value.size());
}

TEST(SplitInlineArgs, RedisRules) {
  std::vector<std::string> out;
  ASSERT_TRUE(SplitInlineArgs("  a  b\tc ", &out));
  EXPECT_EQ(out, (Args{"a", "b", "c"}));
  ASSERT_TRUE(SplitInlineArgs("'it\\'s' \"\\t\\\\\"", &out));
  EXPECT_EQ(out, (Args{"it's", "\t\\"}));
  ASSERT_TRUE(SplitInlineArgs("\"\"", &out));
  EXPECT_EQ(out, (Args{""}));
  EXPECT_FALSE(SplitInlineArgs("\"abc", &out));
}

}  // namespace
}  // namespace troupe
