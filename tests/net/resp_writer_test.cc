// Tests for RespWriter: the RESP2 and RESP3 forms of every reply shape.
#include "net/resp_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace troupe {
namespace {

std::string Render(int protocol, void (*fn)(RespWriter&)) {
  std::vector<char> out;
  RespWriter w(&out, protocol);
  fn(w);
  return std::string(out.begin(), out.end());
}

TEST(RespWriter, Shapes) {
  EXPECT_EQ(Render(2, [](RespWriter& w) { w.Null(); }), "$-1\r\n");
  EXPECT_EQ(Render(3, [](RespWriter& w) { w.Null(); }), "_\r\n");
  EXPECT_EQ(Render(2, [](RespWriter& w) { w.NullArray(); }), "*-1\r\n");
  EXPECT_EQ(Render(2, [](RespWriter& w) { w.MapHeader(2); }), "*4\r\n");
  EXPECT_EQ(Render(3, [](RespWriter& w) { w.MapHeader(2); }), "%2\r\n");
  EXPECT_EQ(Render(3, [](RespWriter& w) { w.SetHeader(1); }), "~1\r\n");
  EXPECT_EQ(Render(2, [](RespWriter& w) { w.Double(1.5); }), "$3\r\n1.5\r\n");
  EXPECT_EQ(Render(3, [](RespWriter& w) { w.Double(1.5); }), ",1.5\r\n");
  EXPECT_EQ(Render(3, [](RespWriter& w) { w.Bool(true); }), "#t\r\n");
  EXPECT_EQ(Render(2, [](RespWriter& w) { w.Bool(true); }), ":1\r\n");
  EXPECT_EQ(Render(3, [](RespWriter& w) { w.Verbatim("ab"); }), "=6\r\ntxt:ab\r\n");
  EXPECT_EQ(Render(2, [](RespWriter& w) { w.Verbatim("ab"); }), "$2\r\nab\r\n");
  EXPECT_EQ(Render(2, [](RespWriter& w) { w.Integer(-42); }), ":-42\r\n");
  EXPECT_EQ(Render(2, [](RespWriter& w) { w.Bulk(""); }), "$0\r\n\r\n");
  EXPECT_EQ(Render(2, [](RespWriter& w) { w.Error("ERR a\r\nb"); }), "-ERR a  b\r\n");
  EXPECT_EQ(Render(3, [](RespWriter& w) { w.PushHeader(3); }), ">3\r\n");
}

}  // namespace
}  // namespace troupe
