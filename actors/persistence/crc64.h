// CRC-64/Jones as Redis uses it for RDB files and DUMP payloads (reflected,
// polynomial 0xad93d23594c935a9, initial value 0, no final xor). Check value:
// Crc64(0, "123456789") == 0xe9c6d914c4b8d9ca. Pure function; no CAF.
#pragma once

#include <cstddef>
#include <cstdint>

namespace troupe {

uint64_t Crc64(uint64_t crc, const void* data, size_t len);

}  // namespace troupe
