// ioredis's Cluster client against a running cluster (issue 8), for
// tests/e2e/test_cluster_clients.py: from one seed node it discovers the
// others (CLUSTER SLOTS), writes and reads keys across all slots, checks that
// they landed on every master, runs a multi-slot flow without MGET (one
// command per key, routed per slot), a hash-tagged pipeline and MULTI,
// expects CROSSSLOT for a cross-slot MSET, and reads everything back from
// the replicas (scaleReads: "slave", READONLY). It empties the cluster
// first (FLUSHALL on every master). Exits 0 when every check
// passes, 1 on a mismatch, 2 on an error or when the whole run takes over
// the time limit.
//
//   node ioredis_cluster.js <host:port> [keys=1000] [time-limit-s=120]
"use strict";

const Redis = require("ioredis");
const keySlot = require("cluster-key-slot"); // the CRC16 slot ioredis itself uses

const [seed, keysArg, limitArg] = process.argv.slice(2);
if (!seed || !/^[^:]+:\d+$/.test(seed)) {
  console.error("usage: node ioredis_cluster.js <host:port> [keys] [time-limit-s]");
  process.exit(2);
}
const [host, portText] = seed.split(":");
const KEYS = Number(keysArg || 1000);
const LIMIT_S = Number(limitArg || 120);

const watchdog = setTimeout(() => {
  console.error(`FAIL: not done within ${LIMIT_S} s`);
  process.exit(2);
}, LIMIT_S * 1000);

let mismatches = 0;
function check(what, ok, detail) {
  if (ok) {
    console.log(`ok   ${what}`);
  } else {
    mismatches++;
    console.log(`FAIL ${what}${detail === undefined ? "" : ": " + detail}`);
  }
}

function connect(extra) {
  return new Redis.Cluster([{ host, port: Number(portText) }], {
    // Bounded: give up on the cluster after a few attempts instead of
    // retrying for ever.
    clusterRetryStrategy: (times) => (times > 5 ? null : 200),
    redisOptions: { connectTimeout: 5000, maxRetriesPerRequest: 3 },
    slotsRefreshTimeout: 5000,
    ...extra,
  });
}

// The address of the master serving each key, from the client's slot map.
function masterOf(cluster, key) {
  const owners = cluster.slots[keySlot(key)];
  return owners ? owners[0] : undefined;
}

// Redis lists a replica in CLUSTER SLOTS only once the node asked knows it
// has a replication offset (from gossip), so the replicas of a fresh cluster
// may show up a little later: refresh the slot map (bounded) until they do.
async function untilThreeReplicas(client) {
  for (let i = 0; i < 40 && client.nodes("slave").length < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    await new Promise((resolve) => client.refreshSlotsCache(() => resolve()));
  }
}

async function main() {
  const cluster = connect();
  await new Promise((resolve, reject) => {
    cluster.once("ready", resolve);
    cluster.once("error", reject);
  });

  // 1. The topology ioredis learnt from the seed.
  await untilThreeReplicas(cluster);
  const masters = cluster.nodes("master");
  const replicas = cluster.nodes("slave");
  check("3 masters discovered", masters.length === 3, masters.length);
  check("3 replicas discovered", replicas.length === 3, replicas.length);
  const covered = cluster.slots.filter((s) => s && s.length > 0).length;
  check("all 16384 slots mapped", covered === 16384, covered);

  // Start from empty masters (the replicas follow).
  for (const m of masters) await m.flushall();

  // 2. Write and read KEYS keys across slots, one command per key.
  const keys = Array.from({ length: KEYS }, (_, i) => `key:${i}`);
  const sets = await Promise.all(keys.map((k, i) => cluster.set(k, `value-${i}`)));
  check(`${KEYS} SETs answered OK`, sets.every((r) => r === "OK"),
    sets.filter((r) => r !== "OK").slice(0, 3));
  const gets = await Promise.all(keys.map((k) => cluster.get(k)));
  const wrong = gets.map((v, i) => [i, v]).filter(([i, v]) => v !== `value-${i}`);
  check(`${KEYS} GETs read back`, wrong.length === 0, JSON.stringify(wrong.slice(0, 3)));

  // The keys are spread over the three masters, each holding those the
  // client routed to it.
  const expected = new Map();
  for (const k of keys) {
    const owner = masterOf(cluster, k);
    expected.set(owner, (expected.get(owner) || 0) + 1);
  }
  for (const m of masters) {
    const addr = `${m.options.host}:${m.options.port}`;
    const size = await m.dbsize();
    check(`master ${addr} holds its ${expected.get(addr) || 0} keys`,
      size === (expected.get(addr) || 0) && size > 0, size);
  }

  // 3. A multi-slot flow without MGET: a user's record in keys of different
  // slots, each command routed on its own, then read back key by key.
  const user = "user:42";
  const flow = await Promise.all([
    cluster.set(`${user}:name`, "Ada"),
    cluster.incrby(`${user}:visits`, 3),
    cluster.hset(`${user}:profile`, "lang", "js", "city", "Paris"),
    cluster.rpush(`${user}:history`, "a", "b", "c"),
    cluster.sadd(`${user}:tags`, "x", "y"),
    cluster.zadd(`${user}:scores`, 1, "one", 2, "two"),
  ]);
  check("multi-slot writes", JSON.stringify(flow) === JSON.stringify(["OK", 3, 2, 3, 2, 2]),
    JSON.stringify(flow));
  const slots = new Set(["name", "visits", "profile", "history", "tags", "scores"]
    .map((f) => keySlot(`${user}:${f}`)));
  check("the flow's keys are in several slots", slots.size > 1, slots.size);
  const back = await Promise.all([
    cluster.get(`${user}:name`),
    cluster.incr(`${user}:visits`),
    cluster.hgetall(`${user}:profile`),
    cluster.lrange(`${user}:history`, 0, -1),
    cluster.smembers(`${user}:tags`),
    cluster.zrange(`${user}:scores`, 0, -1, "WITHSCORES"),
  ]);
  back[4].sort();
  check("multi-slot reads", JSON.stringify(back) === JSON.stringify(
    ["Ada", 4, { lang: "js", city: "Paris" }, ["a", "b", "c"], ["x", "y"], ["one", "1", "two", "2"]]),
  JSON.stringify(back));

  // 4. Same-slot batches: a pipeline and MULTI/EXEC on hash-tagged keys.
  const tag = "{order:7}";
  const piped = await cluster.pipeline()
    .set(`${tag}:status`, "new").hset(`${tag}:items`, "apple", 2).incr(`${tag}:rev`).exec();
  check("hash-tagged pipeline", piped.every(([err]) => err === null) &&
    JSON.stringify(piped.map(([, r]) => r)) === JSON.stringify(["OK", 1, 1]), JSON.stringify(piped));
  const tx = await cluster.multi()
    .set(`${tag}:status`, "paid").hincrby(`${tag}:items`, "apple", 1).incr(`${tag}:rev`).exec();
  check("hash-tagged MULTI/EXEC", JSON.stringify(tx) === JSON.stringify([[null, "OK"], [null, 3], [null, 2]]),
    JSON.stringify(tx));

  // 5. Keys of two slots in one command: the server's CROSSSLOT error.
  let crossslot = null;
  try {
    await cluster.mset("a", "1", "b", "2");
  } catch (e) {
    crossslot = e.message;
  }
  check("cross-slot MSET refused with CROSSSLOT",
    crossslot === "CROSSSLOT Keys in request don't hash to the same slot", crossslot);

  // 6. Reads from the replicas: once every master's writes reached its
  // replica (WAIT), a client reading from replicas sees all the keys.
  for (const m of masters) {
    const acked = await m.call("WAIT", 1, 5000);
    check(`WAIT 1 on ${m.options.port}`, acked >= 1, acked);
  }
  const reader = connect({ scaleReads: "slave" });
  await new Promise((resolve, reject) => {
    reader.once("ready", resolve);
    reader.once("error", reject);
  });
  await untilThreeReplicas(reader);
  const getCalls = async () => {
    let calls = 0;
    for (const r of reader.nodes("slave")) {
      const m = /cmdstat_get:calls=(\d+)/.exec(await r.info("commandstats"));
      calls += m ? Number(m[1]) : 0;
    }
    return calls;
  };
  const before = await getCalls();
  const replicaGets = await Promise.all(keys.map((k) => reader.get(k)));
  const stale = replicaGets.map((v, i) => [i, v]).filter(([i, v]) => v !== `value-${i}`);
  check(`${KEYS} GETs from the replicas`, stale.length === 0, JSON.stringify(stale.slice(0, 3)));
  const served = (await getCalls()) - before;
  check("the replicas served those GETs", served === KEYS, served);

  await reader.quit();
  await cluster.quit();
}

main().then(() => {
  clearTimeout(watchdog);
  console.log(mismatches === 0 ? "PASS" : `FAIL: ${mismatches} check(s) failed`);
  process.exit(mismatches === 0 ? 0 : 1);
}, (err) => {
  console.error(`FAIL: ${err && err.stack ? err.stack : err}`);
  process.exit(2);
});
