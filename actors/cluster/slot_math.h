// Slot math of Redis Cluster: CRC16 (the XMODEM variant: polynomial 0x1021,
// initial value 0, no reflection) and the hash slot of a key, 0..16383,
// with Redis's {hash tag} rule. Used by the command table's routing check,
// CLUSTER KEYSLOT/COUNTKEYSINSLOT/GETKEYSINSLOT and, later, the cluster bus.
// Plain functions without state; safe on any thread. No CAF header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace troupe {

// The number of hash slots of a Redis Cluster.
inline constexpr int kClusterSlots = 16384;

// CRC16/XMODEM of `data` ("123456789" -> 0x31C3).
uint16_t Crc16(std::string_view data);

// The hash slot of a key. When the key holds a '{' followed later by a '}'
// with at least one byte between them, only the bytes between the first
// '{' and the first '}' after it are hashed ("{user1000}.following" and
// "{user1000}.followers" share a slot); an empty tag ("{}foo") hashes the
// whole key.
int KeySlot(std::string_view key);

}  // namespace troupe
