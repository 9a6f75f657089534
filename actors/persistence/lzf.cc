// LZF decompression (the format of Marc Lehmann's liblzf, which Redis uses):
// a control byte below 32 starts a literal run of ctrl+1 bytes; otherwise the
// top 3 bits are a back-reference length (7 = one more length byte follows)
// and the low 5 bits plus the next byte are the offset minus one.
#include "actors/persistence/lzf.h"

#include <cstring>

namespace troupe {

size_t LzfDecompress(const void* in, size_t in_len, void* out, size_t out_len) {
  const auto* ip = static_cast<const unsigned char*>(in);
  const unsigned char* in_end = ip + in_len;
  auto* op = static_cast<unsigned char*>(out);
  unsigned char* out_start = op;
  unsigned char* out_end = op + out_len;
  while (ip < in_end) {
    unsigned int ctrl = *ip++;
    if (ctrl < 32) {
      size_t run = ctrl + 1;
      if (op + run > out_end || ip + run > in_end) return 0;
      std::memcpy(op, ip, run);
      op += run;
      ip += run;
    } else {
      size_t len = ctrl >> 5;
      if (ip >= in_end) return 0;
      if (len == 7) {
        len += *ip++;
        if (ip >= in_end) return 0;
      }
      size_t back = ((ctrl & 0x1f) << 8) + *ip++ + 1;
      len += 2;
      if (op + len > out_end || back > static_cast<size_t>(op - out_start)) return 0;
      const unsigned char* ref = op - back;
      for (size_t i = 0; i < len; ++i) *op++ = *ref++;  // may overlap: byte by byte
    }
  }
  return static_cast<size_t>(op - out_start);
}

}  // namespace troupe
