import { test } from "uvu";
import * as assert from "uvu/assert";
import { floorSide, floorSideArgv, floorSideDownArgv } from "../../bench/net/floor.js";

const n1 = { ns: "ovl-lab-n1" }, n2 = { ns: "ovl-lab-n2" };

test("floor: each side a namespace on its own /24 of the test range, named after its node", () => {
  assert.equal(floorSide(n1, 0), { ns: "ovl-lab-n1f", block: "198.18.64.0/24", gateway: "198.18.64.1", ip: "198.18.64.2" });
  assert.is(floorSide(n2, 1).ip, "198.18.65.2");
});

test("floor: a side is a veth to its node, a route to the peer's block via the peer's LAN address, one accept and one notrack", () => {
  const argv = floorSideArgv(n1, floorSide(n1, 0), floorSide(n2, 1), "198.18.0.12", 1450);
  assert.ok(argv.some((a) => a.join(" ") === "ip -n ovl-lab-n1 link add bflr0 mtu 1450 type veth peer name eth0 mtu 1450 netns ovl-lab-n1f"));
  assert.ok(argv.some((a) => a.join(" ") === "ip -n ovl-lab-n1 route add 198.18.65.0/24 via 198.18.0.12 dev eth0"));
  assert.ok(argv.some((a) => a.join(" ") === "ip -n ovl-lab-n1f route add default via 198.18.64.1"));
  assert.is(argv.filter((a) => a.includes("iptables")).length, 1);
  assert.is(argv.filter((a) => a.includes("notrack")).length, 1);
  assert.not.ok(argv.some((a) => a.some((w) => w.startsWith("ovl-br") || w === "tc")), "nothing of ovl's");
});

test("floor: taking a side down undoes each thing it made (the route first: it outlives the veth)", () => {
  const down = floorSideDownArgv(n1, floorSide(n1, 0), floorSide(n2, 1)).map((a) => a.join(" "));
  assert.is(down[0], "ip -n ovl-lab-n1 route del 198.18.65.0/24");
  assert.ok(down.includes("ip netns del ovl-lab-n1f"));
  assert.ok(down.includes("ip netns exec ovl-lab-n1 iptables -D DOCKER-USER -s 198.18.64.0/23 -d 198.18.64.0/23 -j ACCEPT"));
  assert.ok(down.includes("ip netns exec ovl-lab-n1 nft delete table ip ovlbenchfloor"));
});

test.run();
