// RDB encoding primitives shared by the snapshot writer/loader (rdb.cc), the
// DUMP/RESTORE payload codec (dump_payload.cc) and the per-type value codecs
// (rdb_collections.cc and the rdb_<type>.cc files): RdbOut, a buffered writer
// into a file or a string that keeps the running CRC64, with Redis's length
// and string encodings (LZF-compressing strings when asked to); RdbIn, a
// bounds-checked reader of a whole file or payload whose errors name the
// source and the offset. Single-threaded values (one per save or load, on
// the shard's thread or in the BGSAVE child); no CAF header.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/common/strings.h"
#include "actors/persistence/crc64.h"
#include "actors/persistence/lzf.h"

namespace troupe {

// Length encodings.
constexpr uint8_t kLen6 = 0, kLen14 = 1, kLen32 = 0x80, kLen64 = 0x81, kEncVal = 3;
constexpr uint8_t kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3;

// Buffered writer that keeps the running CRC64: into a file descriptor
// (snapshots), or appending to a string (DUMP payloads). `compress` is
// rdbcompression: strings longer than 20 bytes are stored LZF-compressed
// when that saves at least 4 bytes, as Redis does.
class RdbOut {
 public:
  explicit RdbOut(int fd, bool compress = true) : fd_(fd), compress_(compress) {
    buf_.reserve(kChunk);
  }
  explicit RdbOut(std::string* sink, bool compress = true) : sink_(sink), compress_(compress) {}
  bool Write(const void* data, size_t len) {
    crc_ = Crc64(crc_, data, len);
    const char* p = static_cast<const char*>(data);
    if (sink_ != nullptr) {
      sink_->append(p, len);
      return true;
    }
    buf_.insert(buf_.end(), p, p + len);
    return buf_.size() < kChunk || Flush();
  }
  bool Byte(uint8_t b) { return Write(&b, 1); }
  bool compress() const { return compress_; }
  // Reusable room for compressed strings (no allocation per string).
  std::string& scratch() { return scratch_; }
  bool Flush() {
    if (sink_ != nullptr) return true;
    size_t off = 0;
    while (off < buf_.size()) {
      ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      off += static_cast<size_t>(n);
    }
    buf_.clear();
    return true;
  }
  uint64_t crc() const { return crc_; }

 private:
  static constexpr size_t kChunk = 1 << 16;
  int fd_ = -1;
  std::string* sink_ = nullptr;
  bool compress_ = true;
  uint64_t crc_ = 0;
  std::vector<char> buf_;
  std::string scratch_;
};

inline bool WriteLength(RdbOut& out, uint64_t len) {
  if (len < (1 << 6)) return out.Byte(static_cast<uint8_t>(len));
  if (len < (1 << 14)) {
    uint8_t b[2] = {static_cast<uint8_t>(0x40 | (len >> 8)), static_cast<uint8_t>(len & 0xFF)};
    return out.Write(b, 2);
  }
  if (len <= UINT32_MAX) {
    uint8_t b[5] = {kLen32, static_cast<uint8_t>(len >> 24), static_cast<uint8_t>(len >> 16),
                    static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
    return out.Write(b, 5);
  }
  uint8_t b[9] = {kLen64};
  for (int i = 0; i < 8; ++i) b[1 + i] = static_cast<uint8_t>(len >> (56 - 8 * i));
  return out.Write(b, 9);
}

// Writes `s` LZF-compressed when out.compress() and that is worth it
// (Redis's rule: longer than 20 bytes, and at least 4 bytes saved), setting
// *written; returns false only on a write error.
inline bool WriteCompressedString(RdbOut& out, std::string_view s, bool* written) {
  *written = false;
  if (!out.compress() || s.size() <= 20) return true;
  // Short strings reuse the writer's scratch buffer; a big one gets its own,
  // released right after, so one huge value does not pin memory for the
  // rest of the save.
  constexpr size_t kMaxScratch = 1 << 20;
  size_t room = s.size() - 4;
  std::string big;
  std::string& buf = room <= kMaxScratch ? out.scratch() : big;
  if (buf.size() < room) buf.resize(room);
  size_t n = LzfCompress(s.data(), s.size(), buf.data(), room);
  if (n == 0) return true;
  *written = true;
  return out.Byte(0xC0 | kEncLzf) && WriteLength(out, n) && WriteLength(out, s.size()) &&
         out.Write(buf.data(), n);
}

// Redis's rdbSaveRawString: strings that are small integers are stored in
// the integer encodings, long ones LZF-compressed when out.compress() and
// it saves space, the rest as length and bytes.
inline bool WriteString(RdbOut& out, std::string_view s) {
  int64_t v;
  if (s.size() <= 11 && ParseInt64(s, &v)) {
    if (v >= INT8_MIN && v <= INT8_MAX) {
      uint8_t b[2] = {0xC0 | kEncInt8, static_cast<uint8_t>(v)};
      return out.Write(b, 2);
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
      uint8_t b[3] = {0xC0 | kEncInt16, static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
      return out.Write(b, 3);
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
      uint8_t b[5] = {0xC0 | kEncInt32, static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                      static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
      return out.Write(b, 5);
    }
  }
  bool compressed;
  if (!WriteCompressedString(out, s, &compressed)) return false;
  if (compressed) return true;
  return WriteLength(out, s.size()) && out.Write(s.data(), s.size());
}

// A double in RDB's binary form (8 bytes, little endian), as ZSET_2 uses.
inline bool WriteBinaryDouble(RdbOut& out, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(bits >> (8 * i));
  return out.Write(b, 8);
}

// A bounds-checked reader over a whole file or payload; `data` must outlive
// it. Errors read "Bad RDB file <name> at offset <n>: <why>".
class RdbIn {
 public:
  RdbIn(std::string_view data, std::string name) : data_(data), name_(std::move(name)) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool Fail(const std::string& why) {
    if (error_.empty())
      error_ = "Bad RDB file " + name_ + " at offset " + std::to_string(pos_) + ": " + why;
    return false;
  }
  const std::string& error() const { return error_; }
  bool Bytes(size_t n, const char** out) {
    if (data_.size() - pos_ < n) return Fail("unexpected end of file");
    *out = data_.data() + pos_;
    pos_ += n;
    return true;
  }
  bool Byte(uint8_t* b) {
    const char* p = nullptr;
    if (!Bytes(1, &p)) return false;
    *b = static_cast<uint8_t>(*p);
    return true;
  }
  // A length, or (when *encoded is set) a special string encoding number.
  bool Length(uint64_t* len, bool* encoded = nullptr) {
    uint8_t b = 0;
    if (!Byte(&b)) return false;
    if (encoded) *encoded = false;
    switch (b >> 6) {
      case kLen6: *len = b & 0x3F; return true;
      case kLen14: {
        uint8_t c = 0;
        if (!Byte(&c)) return false;
        *len = (static_cast<uint64_t>(b & 0x3F) << 8) | c;
        return true;
      }
      case kEncVal:
        if (!encoded) return Fail("unexpected string encoding where a length was expected");
        *encoded = true;
        *len = b & 0x3F;
        return true;
      default: {
        size_t n = b == kLen32 ? 4 : b == kLen64 ? 8 : 0;
        if (n == 0) return Fail("unknown length encoding");
        const char* p = nullptr;
        if (!Bytes(n, &p)) return false;
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
        *len = v;
        return true;
      }
    }
  }
  bool BinaryDouble(double* d) {
    const char* p = nullptr;
    if (!Bytes(8, &p)) return false;
    uint64_t bits = 0;
    for (int i = 7; i >= 0; --i) bits = (bits << 8) | static_cast<uint8_t>(p[i]);
    std::memcpy(d, &bits, 8);
    return true;
  }
  bool String(std::string* out) {
    uint64_t len = 0;
    bool encoded = false;
    if (!Length(&len, &encoded)) return false;
    if (!encoded) {
      const char* p = nullptr;
      if (!Bytes(len, &p)) return false;
      out->assign(p, len);
      return true;
    }
    const char* p = nullptr;
    switch (len) {
      case kEncInt8:
        if (!Bytes(1, &p)) return false;
        *out = std::to_string(static_cast<int8_t>(p[0]));
        return true;
      case kEncInt16:
        if (!Bytes(2, &p)) return false;
        *out = std::to_string(static_cast<int16_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8)));
        return true;
      case kEncInt32: {
        if (!Bytes(4, &p)) return false;
        uint32_t v = 0;
        for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
        *out = std::to_string(static_cast<int32_t>(v));
        return true;
      }
      case kEncLzf: {
        uint64_t clen = 0, ulen = 0;
        if (!Length(&clen) || !Length(&ulen) || !Bytes(clen, &p)) return false;
        // A declared length the compressed bytes cannot reach is corrupt:
        // refuse it before allocating anything.
        if (ulen > (1ULL << 32) || ulen > LzfMaxExpansion(clen)) return Fail("LZF string too long");
        out->assign(ulen, '\0');
        if (ulen > 0 && LzfDecompress(p, clen, out->data(), ulen) != ulen)
          return Fail("corrupt LZF compressed string");
        return true;
      }
      default:
        return Fail("unknown string encoding " + std::to_string(len));
    }
  }

 private:
  std::string_view data_;
  std::string name_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace troupe
