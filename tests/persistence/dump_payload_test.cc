// Tests for the DUMP / RESTORE payload codec (actors/persistence/
// dump_payload.h): byte-exact payloads of strings against redis-server
// 7.0.15's DUMP, payloads Redis produced for every type and encoding decode
// to the right contents, round trips of every Troupe type and encoding (with
// and without compression) keep contents and follow the given limits, the
// footer checks (version, CRC64), Redis's reading quirks, and corrupt
// payloads of every kind fail cleanly (seeded fuzzing, bounded).
#include "actors/persistence/dump_payload.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/persistence/crc64.h"
#include "actors/shard/types/hash_value.h"
#include "actors/shard/types/list_value.h"
#include "actors/shard/types/set_value.h"
#include "actors/shard/types/zset_value.h"

namespace troupe {
namespace {

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// `body` (type byte and value) with a footer of RDB version `version`.
std::string WithFooter(const std::string& body, int version = 10) {
  std::string p = body;
  p.push_back(static_cast<char>(version & 0xFF));
  p.push_back(static_cast<char>(version >> 8));
  uint64_t crc = Crc64(0, p.data(), p.size());
  for (int i = 0; i < 8; ++i) p.push_back(static_cast<char>(crc >> (8 * i)));
  return p;
}

std::vector<std::string> ListItems(const Collection& c) {
  std::vector<std::string> out;
  static_cast<const ListValue&>(c).ForEach([&](std::string_view v) { out.emplace_back(v); });
  return out;
}

std::set<std::string> SetItems(const Collection& c) {
  std::set<std::string> out;
  static_cast<const SetValue&>(c).ForEach([&](std::string_view v) { out.emplace(v); });
  return out;
}

std::map<std::string, std::string> HashItems(const Collection& c) {
  std::map<std::string, std::string> out;
  static_cast<const HashValue&>(c).ForEach(
      [&](std::string_view f, std::string_view v) { out.emplace(f, v); });
  return out;
}

std::map<std::string, double> ZSetItems(const Collection& c) {
  std::map<std::string, double> out;
  static_cast<const ZSetValue&>(c).ForEach([&](std::string_view m, double s) {
    out.emplace(m, s);
    return true;
  });
  return out;
}

DumpValue Decode(const std::string& payload, const RdbLoadLimits& limits = RdbLoadLimits()) {
  EXPECT_TRUE(VerifyDumpPayload(payload));
  DumpValue v;
  Status s = DecodeDumpPayload(payload, limits, &v);
  EXPECT_TRUE(s.ok()) << s.message();
  return v;
}

TEST(DumpPayload, StringsAreByteIdenticalToRedis) {
  // redis-server 7.0.15: SET s hello / DUMP s, and the integer encodings.
  EXPECT_EQ(EncodeDumpString("hello", true), FromHex("000568656c6c6f0a006372df766534200a"));
  EXPECT_EQ(EncodeDumpString("12345", true), FromHex("00c139300a009d94ea2793fc08b9"));
  EXPECT_EQ(EncodeDumpString("1234567890123", true),
            FromHex("000d313233343536373839303132330a005e0c12ae0429bc1e"));
  EXPECT_EQ(EncodeDumpString("bar", true), FromHex("0003626172") + FromHex("0a00e6be4960ee66fd17"));
}

TEST(DumpPayload, DecodesWhatRedisDumped) {
  // Payloads of redis-server 7.0.15's DUMP for each type and encoding.
  DumpValue s = Decode(FromHex("00c30d32016161e01d000062a0000162620a0006dc3df76f8d1818"));
  EXPECT_EQ(s.type, ObjType::kString);
  EXPECT_EQ(s.str, std::string(40, 'a') + std::string(10, 'b'));  // LZF string

  // A quicklist whose one listpack node is LZF-compressed.
  DumpValue l = Decode(FromHex(
      "120102c31b405b135b00000005008161028162020701ded402e04678e03c000148ff0a00eddb84c8ff97d1eb"));
  ASSERT_EQ(l.type, ObjType::kList);
  EXPECT_EQ(ListItems(*l.collection),
            (std::vector<std::string>{"a", "b", "7", "-300", std::string(70, 'x')}));

  DumpValue si = Decode(FromHex("0b18040000000400000090eefeff0100000002000000030000000a00a8b63c622cbf2c9c"));
  ASSERT_EQ(si.type, ObjType::kSet);
  EXPECT_STREQ(si.collection->Encoding(), "intset");
  EXPECT_EQ(SetItems(*si.collection), (std::set<std::string>{"1", "2", "3", "-70000"}));

  DumpValue sh = Decode(FromHex("02030163016201610a005ea67e5623750bab"));
  ASSERT_EQ(sh.type, ObjType::kSet);
  EXPECT_STREQ(sh.collection->Encoding(), "hashtable");
  EXPECT_EQ(SetItems(*sh.collection), (std::set<std::string>{"a", "b", "c"}));

  DumpValue h = Decode(FromHex("10151500000004008266310382763103826632031601ff0a00794ee62e9c48a90c"));
  ASSERT_EQ(h.type, ObjType::kHash);
  EXPECT_STREQ(h.collection->Encoding(), "listpack");
  EXPECT_EQ(HashItems(*h.collection),
            (std::map<std::string, std::string>{{"f1", "v1"}, {"f2", "22"}}));

  DumpValue z = Decode(FromHex(
      "11c32b341d340000000600826d3203dffe02826d310383312e3504826d330397312e30e005000731652b3330"
      "3018ff0a0093b8c4cdb78ad7dd"));
  ASSERT_EQ(z.type, ObjType::kZSet);
  EXPECT_STREQ(z.collection->Encoding(), "listpack");
  EXPECT_EQ(ZSetItems(*z.collection),
            (std::map<std::string, double>{{"m1", 1.5}, {"m2", -2}, {"m3", 1e300}}));
}

TEST(DumpPayload, CompressesLongStringsOnlyWhenAsked) {
  std::string value(1000, 'r');
  std::string packed = EncodeDumpString(value, true);
  std::string plain = EncodeDumpString(value, false);
  EXPECT_LT(packed.size(), 100u);
  EXPECT_EQ(static_cast<uint8_t>(packed[1]), 0xC3);  // the LZF string encoding
  EXPECT_GT(plain.size(), 1000u);
  EXPECT_EQ(Decode(packed).str, value);
  EXPECT_EQ(Decode(plain).str, value);
  // 20 bytes or fewer, or no gain: stored plain whatever the setting.
  EXPECT_EQ(EncodeDumpString(std::string(20, 'r'), true), EncodeDumpString(std::string(20, 'r'), false));
  std::mt19937_64 rng(1);
  std::string noise(300, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  EXPECT_EQ(EncodeDumpString(noise, true), EncodeDumpString(noise, false));
}

TEST(DumpPayload, RoundTripsEveryTypeAndEncoding) {
  const RdbLoadLimits limits;
  for (bool compress : {true, false}) {
    for (size_t n : {3u, 700u}) {
      // Strings: integers, short, long.
      for (const std::string& v : {std::string("-7"), std::string("x"), std::string(n * 10, 'y')})
        EXPECT_EQ(Decode(EncodeDumpString(v, compress)).str, v);

      ListValue list;
      for (size_t i = 0; i < n; ++i) list.PushBack(i % 3 ? "e" + std::to_string(i) : std::to_string(i));
      DumpValue l = Decode(EncodeDumpCollection(ObjType::kList, list, compress));
      ASSERT_EQ(l.type, ObjType::kList);
      EXPECT_EQ(ListItems(*l.collection), ListItems(list));

      for (bool ints : {true, false}) {
        SetValue set;
        for (size_t i = 0; i < n; ++i) set.Add(ints ? std::to_string(i * 977) : "m" + std::to_string(i), SetLimits{});
        DumpValue s = Decode(EncodeDumpCollection(ObjType::kSet, set, compress));
        ASSERT_EQ(s.type, ObjType::kSet);
        EXPECT_EQ(SetItems(*s.collection), SetItems(set));
        EXPECT_STREQ(s.collection->Encoding(), set.Encoding());
      }

      HashValue hash;
      for (size_t i = 0; i < n; ++i) hash.Set("f" + std::to_string(i), std::to_string(i * 3), limits.hash);
      DumpValue h = Decode(EncodeDumpCollection(ObjType::kHash, hash, compress));
      ASSERT_EQ(h.type, ObjType::kHash);
      EXPECT_EQ(HashItems(*h.collection), HashItems(hash));
      EXPECT_STREQ(h.collection->Encoding(), hash.Encoding());

      std::vector<ZItem> items;
      for (size_t i = 0; i < n; ++i) items.push_back({"z" + std::to_string(i), i % 2 ? i / 3.0 : -1.0 * i});
      items.push_back({"inf", INFINITY});
      std::unique_ptr<ZSetValue> zset(ZSetValue::FromItems(items, limits.zset));
      DumpValue z = Decode(EncodeDumpCollection(ObjType::kZSet, *zset, compress));
      ASSERT_EQ(z.type, ObjType::kZSet);
      EXPECT_EQ(ZSetItems(*z.collection), ZSetItems(*zset));
      EXPECT_STREQ(z.collection->Encoding(), zset->Encoding());
    }
  }
}

TEST(DumpPayload, RestoredCollectionsFollowTheGivenLimits) {
  RdbLoadLimits small;
  small.hash.max_entries = 2;
  small.set.max_intset_entries = 2;
  small.zset.max_listpack_entries = 2;
  HashValue hash;
  for (int i = 0; i < 3; ++i) hash.Set("f" + std::to_string(i), "v", HashLimits{});
  EXPECT_STREQ(Decode(EncodeDumpCollection(ObjType::kHash, hash, true), small).collection->Encoding(),
               "hashtable");
  SetValue set;
  for (int i = 0; i < 3; ++i) set.Add(std::to_string(i), SetLimits{});
  EXPECT_STREQ(Decode(EncodeDumpCollection(ObjType::kSet, set, true), small).collection->Encoding(),
               "hashtable");
  std::unique_ptr<ZSetValue> zset(ZSetValue::FromItems({{"a", 1}, {"b", 2}, {"c", 3}}, ZSetLimits{}));
  EXPECT_STREQ(Decode(EncodeDumpCollection(ObjType::kZSet, *zset, true), small).collection->Encoding(),
               "skiplist");
}

TEST(DumpPayload, FooterIsChecked) {
  std::string good = EncodeDumpString("bar", true);
  EXPECT_TRUE(VerifyDumpPayload(good));
  EXPECT_FALSE(VerifyDumpPayload(""));
  EXPECT_FALSE(VerifyDumpPayload(good.substr(0, 9)));
  EXPECT_FALSE(VerifyDumpPayload(good + "x"));
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x01;
    EXPECT_FALSE(VerifyDumpPayload(bad)) << "flipped byte " << i;
  }
  std::string body = FromHex("0003626172");
  EXPECT_TRUE(VerifyDumpPayload(WithFooter(body, 9)));    // older Redis: accepted
  EXPECT_TRUE(VerifyDumpPayload(WithFooter(body, 10)));
  EXPECT_FALSE(VerifyDumpPayload(WithFooter(body, 11)));  // newer RDB: refused
  EXPECT_FALSE(VerifyDumpPayload(WithFooter(body, 256)));
}

TEST(DumpPayload, ReadsLikeRedisPastTheValue) {
  // Redis reads the value from the whole payload: bytes after it are
  // ignored, and a value that runs on reads into the footer.
  EXPECT_EQ(Decode(WithFooter(FromHex("0003626172") + "xyz")).str, "bar");
  EXPECT_EQ(Decode(WithFooter(FromHex("00036261"))).str, "ba\n");
}

TEST(DumpPayload, BadDataIsAnError) {
  std::vector<std::string> bodies = {
      "",                                   // no type byte
      FromHex("08"),                        // not an object type
      FromHex("06"), FromHex("07"),         // modules
      FromHex("0f00"), FromHex("1300"),     // streams
      FromHex("14"),                        // set listpack: Redis 7.2's
      FromHex("0200"), FromHex("0100"),     // empty set, empty list
      FromHex("040161"),                    // hash cut short
      FromHex("00c3"),                      // LZF header cut short
      FromHex("00c301ffffffff61"),          // LZF: 4 GB declared from 1 byte
      FromHex("0281ffffffffffffffff"),      // 2^64-1 set members declared
      FromHex("0581ffffffffffffffff"),      // and zset members
      FromHex("0b0401020304"),              // intset of an unknown width
      FromHex("020201610161"),              // duplicate set members
  };
  for (const std::string& body : bodies) {
    std::string payload = WithFooter(body);
    ASSERT_TRUE(VerifyDumpPayload(payload));
    DumpValue v;
    EXPECT_FALSE(DecodeDumpPayload(payload, RdbLoadLimits(), &v).ok()) << "body " << body.size();
  }
}

// Seeded fuzzing: random byte changes, insertions and truncations of valid
// payloads (with a fresh footer, so they get past the checksum) decode or
// fail, but never crash or hang. Bounded in count.
TEST(DumpPayload, CorruptPayloadsNeverCrash) {
  std::vector<std::string> bodies;
  auto body_of = [](const std::string& p) { return p.substr(0, p.size() - 10); };
  bodies.push_back(body_of(FromHex("00c30d32016161e01d000062a0000162620a0006dc3df76f8d1818")));
  bodies.push_back(body_of(FromHex(
      "120102c31b405b135b00000005008161028162020701ded402e04678e03c000148ff0a00eddb84c8ff97d1eb")));
  bodies.push_back(body_of(FromHex("0b18040000000400000090eefeff0100000002000000030000000a00a8b63c622cbf2c9c")));
  bodies.push_back(body_of(FromHex("10151500000004008266310382763103826632031601ff0a00794ee62e9c48a90c")));
  bodies.push_back(body_of(FromHex(
      "11c32b341d340000000600826d3203dffe02826d310383312e3504826d330397312e30e005000731652b3330"
      "3018ff0a0093b8c4cdb78ad7dd")));
  ListValue list;
  for (int i = 0; i < 50; ++i) list.PushBack("item" + std::to_string(i));
  bodies.push_back(body_of(EncodeDumpCollection(ObjType::kList, list, true)));
  std::unique_ptr<ZSetValue> zset(ZSetValue::FromItems({{"a", 1}, {"b", 2}}, ZSetLimits{}));
  bodies.push_back(body_of(EncodeDumpCollection(ObjType::kZSet, *zset, false)));
  // A ziplist-era encoding Redis 6 wrote (hash ziplist, 13), checked on redis-server.
  bodies.push_back(FromHex("0d1a1a00000016000000040000026631040276310402663204fe16ff"));
  std::mt19937_64 rng(2024);
  int decoded = 0, refused = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string body = bodies[rng() % bodies.size()];
    switch (rng() % 3) {
      case 0:
        for (int k = 1 + static_cast<int>(rng() % 3); k > 0 && !body.empty(); --k)
          body[rng() % body.size()] = static_cast<char>(rng());
        break;
      case 1:
        body.insert(body.begin() + static_cast<long>(rng() % (body.size() + 1)), static_cast<char>(rng()));
        break;
      default:
        body.resize(rng() % (body.size() + 1));
    }
    DumpValue v;
    if (DecodeDumpPayload(WithFooter(body), RdbLoadLimits(), &v).ok()) {
      ++decoded;
      EXPECT_TRUE(v.type == ObjType::kString || v.collection != nullptr);
    } else {
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace troupe
