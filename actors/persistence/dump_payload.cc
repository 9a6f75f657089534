// Implementation of the DUMP / RESTORE payload codec (see dump_payload.h).
#include "actors/persistence/dump_payload.h"

#include <cstdint>

#include "actors/persistence/crc64.h"
#include "actors/persistence/rdb_codec.h"

namespace troupe {
namespace {

constexpr size_t kFooterBytes = 10;  // RDB version (2) + CRC64 (8)
constexpr uint8_t kRdbTypeString = 0;

// Appends the footer: the RDB version, then the CRC64 of everything so far
// (the version included).
void AppendFooter(std::string* payload) {
  payload->push_back(static_cast<char>(kDumpRdbVersion & 0xFF));
  payload->push_back(static_cast<char>((kDumpRdbVersion >> 8) & 0xFF));
  uint64_t crc = Crc64(0, payload->data(), payload->size());
  for (int i = 0; i < 8; ++i) payload->push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
}

}  // namespace

std::string EncodeDumpString(std::string_view value, bool compress) {
  std::string payload;
  RdbOut out(&payload, compress);
  out.Byte(kRdbTypeString);
  WriteString(out, value);
  AppendFooter(&payload);
  return payload;
}

std::string EncodeDumpCollection(ObjType type, const Collection& value, bool compress) {
  std::string payload;
  RdbOut out(&payload, compress);
  SaveCollection(out, type, std::nullopt, value);
  AppendFooter(&payload);
  return payload;
}

std::string EncodeDumpPayload(const Entry& e, bool compress) {
  if (e.type() == ObjType::kString) return EncodeDumpString(e.str(), compress);
  return EncodeDumpCollection(e.type(), *e.collection(), compress);
}

bool VerifyDumpPayload(std::string_view payload) {
  if (payload.size() < kFooterBytes) return false;
  const auto* footer = reinterpret_cast<const unsigned char*>(payload.data()) + payload.size() - kFooterBytes;
  int version = footer[0] | (footer[1] << 8);
  if (version > kDumpRdbVersion) return false;
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) stored = (stored << 8) | footer[2 + i];
  return stored == Crc64(0, payload.data(), payload.size() - 8);
}

Status DecodeDumpPayload(std::string_view payload, const RdbLoadLimits& limits, DumpValue* out) {
  // Like Redis, the reader sees the whole payload, footer included: a
  // value that runs into the footer is read from it, and what is left after
  // the value is not looked at.
  RdbIn in(payload, "DUMP payload");
  uint8_t rdb_type;
  if (!in.Byte(&rdb_type)) return Status::Error(in.error());
  if (rdb_type == kRdbTypeString) {
    if (!in.String(&out->str)) return Status::Error(in.error());
    out->type = ObjType::kString;
    out->collection.reset();
    return Status::Ok();
  }
  Collection* loaded = nullptr;
  ObjType type = ObjType::kString;
  Status s = LoadCollection(rdb_type, in, &type, &loaded, limits);
  if (!s.ok()) {
    delete loaded;
    return s;
  }
  out->type = type;
  out->collection.reset(loaded);
  out->str.clear();
  return Status::Ok();
}

}  // namespace troupe
