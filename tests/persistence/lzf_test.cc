// Tests for the LZF codec (actors/persistence/lzf.h): compress/decompress
// round trips over repetitive, text-like, random (incompressible) and
// edge-size inputs; the output bound (0 when the result does not fit);
// a blob compressed by Redis decodes; and malformed input never decodes.
#include "actors/persistence/lzf.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace troupe {
namespace {

// Compresses with room for the whole input (plus the worst-case literal
// overhead of one byte per 32), decompresses, and checks the bytes.
void ExpectRoundTrip(const std::string& in) {
  std::string packed(in.size() + in.size() / 32 + 16, '\0');
  size_t n = LzfCompress(in.data(), in.size(), packed.data(), packed.size());
  if (in.empty()) {
    EXPECT_EQ(n, 0u);
    return;
  }
  ASSERT_GT(n, 0u) << "size " << in.size();
  std::string out(in.size(), '\0');
  ASSERT_EQ(LzfDecompress(packed.data(), n, out.data(), out.size()), in.size()) << "size " << in.size();
  EXPECT_EQ(out, in) << "size " << in.size();
  EXPECT_LE(in.size(), LzfMaxExpansion(n));
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(LzfCompress, RoundTripsEdgeSizes) {
  std::mt19937_64 rng(7);
  for (size_t n : {0u, 1u, 2u, 3u, 4u, 5u, 20u, 21u, 31u, 32u, 33u, 63u, 64u, 65u, 263u, 264u,
                   265u, 266u, 8191u, 8192u, 8193u, 8194u, 65535u, 65536u, 100000u}) {
    ExpectRoundTrip(std::string(n, 'a'));                   // one long run
    ExpectRoundTrip(RandomBytes(rng, n));                   // incompressible
    std::string text;
    while (text.size() < n) text += "field:" + std::to_string(text.size() % 97) + ",";
    ExpectRoundTrip(text.substr(0, n));                     // text-like
  }
}

TEST(LzfCompress, RoundTripsRandomMixes) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 300; ++round) {
    // Random pieces copied from earlier, at distances around the 8 KB window.
    size_t n = rng() % 20000;
    std::string s;
    while (s.size() < n) {
      if (!s.empty() && rng() % 2 == 0) {
        size_t dist = 1 + rng() % std::min<size_t>(s.size(), 9000);
        size_t len = 1 + rng() % 300;
        for (size_t i = 0; i < len; ++i) s.push_back(s[s.size() - dist]);
      } else {
        s += RandomBytes(rng, 1 + rng() % 40);
      }
    }
    ExpectRoundTrip(s);
  }
}

TEST(LzfCompress, CompressesRepetitiveData) {
  std::string in(1000, 'x');
  std::string packed(in.size(), '\0');
  size_t n = LzfCompress(in.data(), in.size(), packed.data(), packed.size());
  ASSERT_GT(n, 0u);
  EXPECT_LT(n, 20u);  // 1000 bytes in a handful of 264-byte references
}

TEST(LzfCompress, ReturnsZeroWhenTheOutputDoesNotFit) {
  std::mt19937_64 rng(3);
  std::string in = RandomBytes(rng, 1000);
  std::string packed(in.size() - 4, '\0');  // what RDB saving allows
  EXPECT_EQ(LzfCompress(in.data(), in.size(), packed.data(), packed.size()), 0u);
  std::string run(100, 'q');
  EXPECT_EQ(LzfCompress(run.data(), run.size(), packed.data(), 2), 0u);
  EXPECT_EQ(LzfCompress(run.data(), run.size(), packed.data(), 0), 0u);
}

TEST(LzfDecompress, ReadsWhatRedisWrote) {
  // Redis 7.0.15's DUMP of "a"*40 + "b"*10 holds this LZF blob.
  const unsigned char blob[] = {0x01, 0x61, 0x61, 0xe0, 0x1d, 0x00, 0x00,
                                0x62, 0xa0, 0x00, 0x01, 0x62, 0x62};
  std::string out(50, '\0');
  ASSERT_EQ(LzfDecompress(blob, sizeof(blob), out.data(), out.size()), 50u);
  EXPECT_EQ(out, std::string(40, 'a') + std::string(10, 'b'));
}

TEST(LzfDecompress, RefusesMalformedInput) {
  char out[64];
  const unsigned char past_start[] = {0x20, 0x05};            // reference before any output
  EXPECT_EQ(LzfDecompress(past_start, sizeof(past_start), out, sizeof(out)), 0u);
  const unsigned char short_literal[] = {0x05, 'a', 'b'};     // run of 6, 2 bytes given
  EXPECT_EQ(LzfDecompress(short_literal, sizeof(short_literal), out, sizeof(out)), 0u);
  const unsigned char cut_ref[] = {0x00, 'a', 0xE0};          // long reference cut short
  EXPECT_EQ(LzfDecompress(cut_ref, sizeof(cut_ref), out, sizeof(out)), 0u);
  const unsigned char too_long[] = {0x00, 'a', 0xE0, 0xFF, 0x00};  // 264 bytes > 64
  EXPECT_EQ(LzfDecompress(too_long, sizeof(too_long), out, sizeof(out)), 0u);
  // Random garbage never writes past the output (ASan would tell) and
  // either fails or produces at most the room given.
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string junk = RandomBytes(rng, rng() % 64);
    EXPECT_LE(LzfDecompress(junk.data(), junk.size(), out, sizeof(out)), sizeof(out));
  }
}

}  // namespace
}  // namespace troupe
