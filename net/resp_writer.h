// RespWriter: appends RESP2 or RESP3 replies to an output buffer (the
// session's CAF write buffer). Shapes that differ between the two protocols
// (null, maps, sets, doubles, booleans, push messages) are chosen here, so
// command handlers describe the reply once. No CAF header; used on the
// multiplexer thread by client sessions and command handlers.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace troupe {

class RespWriter {
 public:
  RespWriter(std::vector<char>* out, int protocol) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int p) { protocol_ = p; }
  // Replaces the buffer (e.g. to capture a reply into a scratch buffer).
  void set_buffer(std::vector<char>* out) { out_ = out; }
  std::vector<char>* buffer() const { return out_; }

  // +text
  void Simple(std::string_view text);
  void Ok() { Raw("+OK\r\n"); }
  // -text (text holds the error code, e.g. "ERR syntax error").
  void Error(std::string_view text);
  // :n
  void Integer(int64_t n);
  // $len\r\nbytes
  void Bulk(std::string_view bytes);
  void BulkInt(int64_t n);
  // RESP2 $-1 / RESP3 _
  void Null();
  // RESP2 *-1 / RESP3 _ (a null where an array was expected)
  void NullArray();
  // *n
  void ArrayHeader(size_t n);
  // RESP2 *2n / RESP3 %n
  void MapHeader(size_t n);
  // RESP2 *n / RESP3 ~n
  void SetHeader(size_t n);
  // RESP3 >n (RESP2 *n)
  void PushHeader(size_t n);
  // RESP2 bulk "%.17g" / RESP3 ,%.17g
  void Double(double d);
  // RESP2 :1/:0 / RESP3 #t/#f
  void Bool(bool b);
  // RESP2 bulk / RESP3 =len\r\ntxt:...
  void Verbatim(std::string_view text, std::string_view format = "txt");
  // Bytes already in RESP form.
  void Raw(std::string_view bytes) { out_->insert(out_->end(), bytes.begin(), bytes.end()); }

 private:
  void Header(char prefix, int64_t n);

  std::vector<char>* out_;
  int protocol_;
};

}  // namespace troupe
