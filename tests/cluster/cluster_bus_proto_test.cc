// The cluster bus schema (proto/cluster_bus.proto) compiles and its
// messages round-trip; nothing sends them yet.
#include <gtest/gtest.h>

#include <string>

#include "proto/cluster_bus.pb.h"

namespace troupe {
namespace {

TEST(ClusterBusProto, PingRoundTrip) {
  troupe::cluster::bus::BusMessage m;
  m.mutable_header()->set_sender_id(std::string(40, 'a'));
  m.mutable_header()->set_current_epoch(7);
  m.mutable_header()->set_slots(std::string(2048, '\xff'));
  auto* g = m.mutable_ping()->add_gossip();
  g->set_node_id(std::string(40, 'b'));
  g->set_flags(troupe::cluster::bus::NODE_FLAG_PFAIL);
  std::string wire;
  ASSERT_TRUE(m.SerializeToString(&wire));
  troupe::cluster::bus::BusMessage back;
  ASSERT_TRUE(back.ParseFromString(wire));
  EXPECT_EQ(back.body_case(), troupe::cluster::bus::BusMessage::kPing);
  EXPECT_EQ(back.header().current_epoch(), 7u);
  EXPECT_EQ(back.header().slots().size(), 2048u);
  ASSERT_EQ(back.ping().gossip_size(), 1);
  EXPECT_EQ(back.ping().gossip(0).flags(), 8u);
}

}  // namespace
}  // namespace troupe
