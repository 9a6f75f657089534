// RDB codec of the list type (see rdb_collections.h), used by the snapshot
// writer and loader (rdb.cc) on whichever thread runs them (the shard's, or
// a forked child for BGSAVE). No CAF header.
//
// Saving writes RDB_TYPE_LIST (1): the element count, then each element as
// an RDB string (small integers in the integer encodings), which every
// Redis version loads. Loading reads every list encoding Redis has written:
//   1  RDB_TYPE_LIST             count, then strings
//   10 RDB_TYPE_LIST_ZIPLIST     one ziplist (Redis < 3.2)
//   14 RDB_TYPE_LIST_QUICKLIST   count of nodes, each a ziplist (3.2 - 6.2)
//   18 RDB_TYPE_LIST_QUICKLIST_2 count of nodes, each a container type
//                                (1 plain: one element, 2 packed: a
//                                listpack) and a string (7.0)
// Node strings may be LZF-compressed; RdbIn::String inflates them. Every
// read of a ziplist or listpack is bounds-checked: a corrupt blob fails the
// load with the offset, never reads past its end.
#include <memory>
#include <string>

#include "actors/persistence/rdb_collections.h"
#include "actors/shard/types/list_value.h"

namespace troupe {
namespace {

constexpr uint8_t kRdbList = 1;
constexpr uint8_t kRdbListZiplist = 10;
constexpr uint8_t kRdbListQuicklist = 14;
constexpr uint8_t kRdbListQuicklist2 = 18;
constexpr uint64_t kQuicklistNodePlain = 1;
constexpr uint64_t kQuicklistNodePacked = 2;

uint64_t LoadLE(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Sign-extends the low `bits` bits of v.
int64_t SignExtend(uint64_t v, int bits) {
  uint64_t m = uint64_t{1} << (bits - 1);
  v &= (bits == 64) ? ~uint64_t{0} : ((uint64_t{1} << bits) - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// Appends the elements of a listpack blob to `list`.
bool ReadListpack(RdbIn& in, const std::string& blob, ListValue* list) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  size_t size = blob.size();
  if (size < 7) return in.Fail("listpack too short");
  if (LoadLE(p, 4) != size) return in.Fail("listpack size mismatch");
  uint64_t declared = LoadLE(p + 4, 2);
  size_t pos = 6, count = 0;
  for (;;) {
    if (pos >= size) return in.Fail("listpack without terminator");
    unsigned char b = p[pos];
    if (b == 0xFF) {
      if (pos + 1 != size) return in.Fail("listpack has bytes after its terminator");
      break;
    }
    size_t hdr = 0, len = 0;  // encoding bytes, payload bytes
    bool is_int = false;
    int64_t value = 0;
    auto need = [&](size_t n) { return pos + n <= size; };
    if ((b & 0x80) == 0) {  // 7-bit unsigned integer
      hdr = 1;
      is_int = true;
      value = b & 0x7F;
    } else if ((b & 0xC0) == 0x80) {  // string, 6-bit length
      hdr = 1;
      len = b & 0x3F;
    } else if ((b & 0xE0) == 0xC0) {  // 13-bit signed integer
      if (!need(2)) return in.Fail("listpack entry overruns the blob");
      hdr = 2;
      is_int = true;
      value = SignExtend((static_cast<uint64_t>(b & 0x1F) << 8) | p[pos + 1], 13);
    } else if ((b & 0xF0) == 0xE0) {  // string, 12-bit length
      if (!need(2)) return in.Fail("listpack entry overruns the blob");
      hdr = 2;
      len = (static_cast<size_t>(b & 0x0F) << 8) | p[pos + 1];
    } else if (b == 0xF0) {  // string, 32-bit length
      if (!need(5)) return in.Fail("listpack entry overruns the blob");
      hdr = 5;
      len = LoadLE(p + pos + 1, 4);
    } else if (b >= 0xF1 && b <= 0xF4) {  // 16/24/32/64-bit integer
      static const int kBytes[] = {2, 3, 4, 8};
      int n = kBytes[b - 0xF1];
      if (!need(1 + static_cast<size_t>(n))) return in.Fail("listpack entry overruns the blob");
      hdr = 1 + static_cast<size_t>(n);
      is_int = true;
      value = SignExtend(LoadLE(p + pos + 1, n), 8 * n);
    } else {
      return in.Fail("listpack entry with an unknown encoding");
    }
    size_t entry = hdr + len;
    if (len > size || !need(entry)) return in.Fail("listpack entry overruns the blob");
    // The back-length: entry size in 7-bit groups, 1 to 5 bytes.
    size_t back = entry < 128 ? 1 : entry < 16384 ? 2 : entry < 2097152 ? 3 : entry < 268435456 ? 4 : 5;
    if (!need(entry + back)) return in.Fail("listpack entry overruns the blob");
    if (is_int)
      list->PushBack(Int64ToString(value));
    else
      list->PushBack(std::string_view(blob.data() + pos + hdr, len));
    pos += entry + back;
    ++count;
  }
  if (declared != 65535 && declared != count) return in.Fail("listpack count mismatch");
  return true;
}

// Appends the elements of a ziplist blob to `list`.
bool ReadZiplist(RdbIn& in, const std::string& blob, ListValue* list) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  size_t size = blob.size();
  if (size < 11) return in.Fail("ziplist too short");
  if (LoadLE(p, 4) != size) return in.Fail("ziplist size mismatch");
  uint64_t declared = LoadLE(p + 8, 2);
  size_t pos = 10, count = 0;
  for (;;) {
    if (pos >= size) return in.Fail("ziplist without terminator");
    if (p[pos] == 0xFF) {
      if (pos + 1 != size) return in.Fail("ziplist has bytes after its terminator");
      break;
    }
    // prevlen: 1 byte, or 0xFE and 4 bytes.
    pos += p[pos] == 0xFE ? 5 : 1;
    if (pos >= size) return in.Fail("ziplist entry overruns the blob");
    unsigned char b = p[pos];
    size_t hdr = 0, len = 0;
    bool is_int = false;
    int64_t value = 0;
    auto need = [&](size_t n) { return pos + n <= size; };
    switch (b >> 6) {
      case 0:
        hdr = 1;
        len = b & 0x3F;
        break;
      case 1:
        if (!need(2)) return in.Fail("ziplist entry overruns the blob");
        hdr = 2;
        len = (static_cast<size_t>(b & 0x3F) << 8) | p[pos + 1];
        break;
      case 2:
        if (!need(5)) return in.Fail("ziplist entry overruns the blob");
        hdr = 5;
        len = (static_cast<size_t>(p[pos + 1]) << 24) | (static_cast<size_t>(p[pos + 2]) << 16) |
              (static_cast<size_t>(p[pos + 3]) << 8) | p[pos + 4];
        break;
      default: {
        is_int = true;
        int n;
        if (b == 0xC0) n = 2;
        else if (b == 0xD0) n = 4;
        else if (b == 0xE0) n = 8;
        else if (b == 0xF0) n = 3;
        else if (b == 0xFE) n = 1;
        else if (b >= 0xF1 && b <= 0xFD) n = 0;
        else return in.Fail("ziplist entry with an unknown encoding");
        if (!need(1 + static_cast<size_t>(n))) return in.Fail("ziplist entry overruns the blob");
        hdr = 1 + static_cast<size_t>(n);
        value = n == 0 ? (b & 0x0F) - 1 : SignExtend(LoadLE(p + pos + 1, n), 8 * n);
      }
    }
    if (len > size || !need(hdr + len)) return in.Fail("ziplist entry overruns the blob");
    if (is_int)
      list->PushBack(Int64ToString(value));
    else
      list->PushBack(std::string_view(blob.data() + pos + hdr, len));
    pos += hdr + len;
    ++count;
  }
  if (declared != 65535 && declared != count) return in.Fail("ziplist count mismatch");
  return true;
}

Status Failed(RdbIn& in, const char* what) {
  return Status::Error(in.error().empty() ? std::string(what) : in.error());
}

}  // namespace

bool SaveListValue(RdbOut& out, std::optional<std::string_view> key, const Collection& value) {
  const auto& list = static_cast<const ListValue&>(value);
  bool ok = WriteTypeAndKey(out, kRdbList, key) && WriteLength(out, list.size());
  list.ForEach([&](std::string_view v) { ok = ok && WriteString(out, v); });
  return ok;
}

Status LoadListValue(uint8_t rdb_type, RdbIn& in, Collection** out) {
  auto list = std::make_unique<ListValue>();
  std::string blob;
  switch (rdb_type) {
    case kRdbList: {
      uint64_t n;
      if (!in.Length(&n)) return Failed(in, "bad list length");
      for (uint64_t i = 0; i < n; ++i) {
        if (!in.String(&blob)) return Failed(in, "bad list element");
        list->PushBack(blob);
      }
      break;
    }
    case kRdbListZiplist:
      if (!in.String(&blob) || !ReadZiplist(in, blob, list.get())) return Failed(in, "bad ziplist");
      break;
    case kRdbListQuicklist:
    case kRdbListQuicklist2: {
      uint64_t nodes;
      if (!in.Length(&nodes)) return Failed(in, "bad quicklist length");
      for (uint64_t i = 0; i < nodes; ++i) {
        uint64_t container = kQuicklistNodePacked;
        if (rdb_type == kRdbListQuicklist2 && !in.Length(&container))
          return Failed(in, "bad quicklist node");
        if (!in.String(&blob)) return Failed(in, "bad quicklist node");
        if (rdb_type == kRdbListQuicklist) {
          if (!ReadZiplist(in, blob, list.get())) return Failed(in, "bad ziplist");
        } else if (container == kQuicklistNodePlain) {
          list->PushBack(blob);
        } else if (container == kQuicklistNodePacked) {
          if (!ReadListpack(in, blob, list.get())) return Failed(in, "bad listpack");
        } else {
          in.Fail("unknown quicklist container " + std::to_string(container));
          return Failed(in, "bad quicklist node");
        }
      }
      break;
    }
    default:
      return Status::Error("unknown list encoding " + std::to_string(rdb_type));
  }
  // Redis never writes an empty list, and Troupe has no empty list keys.
  if (list->empty()) return Status::Error("empty list");
  *out = list.release();
  return Status::Ok();
}

}  // namespace troupe
