// DUMP / RESTORE payloads in Redis 7.0's format:
//
//   <RDB object type, 1 byte><the value as an RDB file stores it, no key>
//   <RDB version, 2 bytes little endian (10)><CRC64 of all bytes before it,
//   8 bytes little endian>
//
// so a payload moves between Troupe and redis-server (7.0, and older ones:
// versions up to 10 are accepted). Encoding and decoding reuse the RDB
// codecs (rdb_codec.h, rdb_collections.h) over an in-memory buffer.
//
// Who calls it: DUMP and RESTORE (actors/shard/commands/dump_family.cc),
// inline on the multiplexer thread; pure functions, no CAF header. Decoding
// is bounds-checked throughout: a malformed payload is an error value,
// never a crash or an allocation sized by a corrupt length.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "actors/common/status.h"
#include "actors/persistence/rdb_collections.h"
#include "actors/shard/keyspace/entry.h"

namespace troupe {

// The RDB version DUMP writes; RESTORE refuses payloads from newer ones.
constexpr int kDumpRdbVersion = 10;

// A decoded value: a string, or a collection of `type`.
struct DumpValue {
  ObjType type = ObjType::kString;
  std::string str;                         // type == kString
  std::unique_ptr<Collection> collection;  // every other type
};

// The payload of a string value. `compress` is rdbcompression.
std::string EncodeDumpString(std::string_view value, bool compress);
// The payload of a collection of `type`.
std::string EncodeDumpCollection(ObjType type, const Collection& value, bool compress);
// The payload of the value held by `e`.
std::string EncodeDumpPayload(const Entry& e, bool compress);

// Redis's verifyDumpPayload: at least the 10-byte footer, an RDB version no
// newer than kDumpRdbVersion, and a matching CRC64. False means RESTORE
// answers "DUMP payload version or checksum are wrong".
bool VerifyDumpPayload(std::string_view payload);

// Decodes a payload (verified first by the caller). The value is read from
// the start of the payload and, as Redis does, bytes it leaves unread are
// ignored. Collections get the compact encodings `limits` allow. An error
// (its text says why, for tests and logs) means RESTORE answers "Bad data
// format".
Status DecodeDumpPayload(std::string_view payload, const RdbLoadLimits& limits, DumpValue* out);

}  // namespace troupe
