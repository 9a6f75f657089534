// LZF compression and decompression, the format Redis uses for string values
// in RDB files and DUMP payloads (rdbcompression yes). Pure functions over
// caller-owned buffers: no allocation, no state, safe on any thread; no CAF.
#pragma once

#include <cstddef>

namespace troupe {

// Compresses `in_len` bytes into out[0, out_len). Returns the compressed
// size, or 0 when the result would not fit in out_len (the caller then
// stores the bytes plain) or in_len is 0.
size_t LzfCompress(const void* in, size_t in_len, void* out, size_t out_len);

// Decompresses `in_len` bytes into out[0, out_len). Returns the number of
// bytes produced, or 0 when the input is malformed or does not fit.
size_t LzfDecompress(const void* in, size_t in_len, void* out, size_t out_len);

// The most bytes `in_len` compressed bytes can expand to (a 3-byte
// back-reference yields at most 264 bytes); a declared length above it
// marks a corrupt blob before anything is allocated for it.
constexpr size_t LzfMaxExpansion(size_t in_len) { return in_len * 88; }

}  // namespace troupe
