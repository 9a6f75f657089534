// LZF decompression, for string values that Redis stores compressed in RDB
// files (rdbcompression yes). Pure function; no CAF.
#pragma once

#include <cstddef>

namespace troupe {

// Decompresses `in_len` bytes into out[0, out_len). Returns the number of
// bytes produced, or 0 when the input is malformed or does not fit.
size_t LzfDecompress(const void* in, size_t in_len, void* out, size_t out_len);

}  // namespace troupe
