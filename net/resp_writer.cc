// Implementation of RespWriter (see resp_writer.h).
#include "net/resp_writer.h"

#include <cmath>
#include <cstring>

#include "actors/common/strings.h"

namespace troupe {

void RespWriter::Header(char prefix, int64_t n) {
  char buf[32];
  buf[0] = prefix;
  size_t len = 1 + FormatInt64(n, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->insert(out_->end(), buf, buf + len);
}

void RespWriter::Simple(std::string_view text) {
  out_->push_back('+');
  // Status replies cannot carry newlines; Redis replaces them with spaces.
  size_t at = out_->size();
  Raw(text);
  for (size_t i = at; i < out_->size(); ++i)
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  Raw("\r\n");
}

void RespWriter::Error(std::string_view text) {
  out_->push_back('-');
  size_t at = out_->size();
  Raw(text);
  for (size_t i = at; i < out_->size(); ++i)
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  Raw("\r\n");
}

void RespWriter::Integer(int64_t n) { Header(':', n); }

void RespWriter::Bulk(std::string_view bytes) {
  Header('$', static_cast<int64_t>(bytes.size()));
  size_t at = out_->size();
  out_->resize(at + bytes.size() + 2);
  if (!bytes.empty()) std::memcpy(out_->data() + at, bytes.data(), bytes.size());
  (*out_)[at + bytes.size()] = '\r';
  (*out_)[at + bytes.size() + 1] = '\n';
}

void RespWriter::BulkInt(int64_t n) {
  char buf[24];
  Bulk(std::string_view(buf, FormatInt64(n, buf)));
}

void RespWriter::Null() { Raw(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void RespWriter::NullArray() { Raw(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }
void RespWriter::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }

void RespWriter::MapHeader(size_t n) {
  if (protocol_ >= 3)
    Header('%', static_cast<int64_t>(n));
  else
    Header('*', static_cast<int64_t>(n * 2));
}

void RespWriter::SetHeader(size_t n) { Header(protocol_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }
void RespWriter::PushHeader(size_t n) { Header(protocol_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

void RespWriter::Double(double d) {
  std::string text = FormatDouble(d);
  if (protocol_ >= 3) {
    out_->push_back(',');
    Raw(text);
    Raw("\r\n");
  } else {
    Bulk(text);
  }
}

void RespWriter::Bool(bool b) {
  if (protocol_ >= 3)
    Raw(b ? "#t\r\n" : "#f\r\n");
  else
    Raw(b ? ":1\r\n" : ":0\r\n");
}

void RespWriter::Verbatim(std::string_view text, std::string_view format) {
  if (protocol_ < 3) {
    Bulk(text);
    return;
  }
  Header('=', static_cast<int64_t>(text.size() + 4));
  Raw(format);
  out_->push_back(':');
  Raw(text);
  Raw("\r\n");
}

}  // namespace troupe
