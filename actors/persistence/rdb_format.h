// The constants of Redis's RDB format version 10, shared by the snapshot
// writer (rdb.cc) and the loader (rdb_loader.cc): the version number, the
// opcodes that frame a file (aux fields, database selection, expire times,
// end of file) and the plain string value type. The collection value types
// live with their codecs (rdb_collections.cc). Constants only; no CAF header.
#pragma once

#include <cstdint>

namespace troupe {

constexpr int kRdbVersion = 10;

// Opcodes.
constexpr uint8_t kOpFunction2 = 245;     // a library of functions (7.0)
constexpr uint8_t kOpModuleAux = 247;     // module auxiliary data
constexpr uint8_t kOpIdle = 248;          // LRU idle time of the next key
constexpr uint8_t kOpFreq = 249;          // LFU counter of the next key
constexpr uint8_t kOpAux = 250;           // an aux field: name, value
constexpr uint8_t kOpResizeDb = 251;      // hash table size hints
constexpr uint8_t kOpExpireTimeMs = 252;  // expire time of the next key, ms
constexpr uint8_t kOpExpireTime = 253;    // expire time of the next key, s
constexpr uint8_t kOpSelectDb = 254;      // the following keys go to db n
constexpr uint8_t kOpEof = 255;           // end of data; the CRC64 follows

// Value types.
constexpr uint8_t kTypeString = 0;

}  // namespace troupe
