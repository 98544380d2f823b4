/** Where the LAN address comes from, given the kernel's route toward the NATS server. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { preferredDefault, underlaySource } from "@ovl/node-agent";

test("a route through an interface: that interface and the source address the kernel picks", () => {
  assert.equal(underlaySource("192.168.1.10", { dev: "eth0", prefsrc: "192.168.1.21" }), { kind: "iface", iface: "eth0", ip: "192.168.1.21" });
  assert.equal(underlaySource("192.168.1.10", { dev: "eth0" }), { kind: "iface", iface: "eth0" });
});

test("the broker on this machine by its LAN address: that address is the node's", () => {
  assert.equal(underlaySource("192.168.1.10", { dev: "lo", prefsrc: "192.168.1.10" }), { kind: "ip", ip: "192.168.1.10" });
});

test("the broker on this machine as localhost: the default route's interface", () => {
  assert.equal(underlaySource("127.0.0.1", { dev: "lo", prefsrc: "127.0.0.1" }), { kind: "default" });
  assert.equal(underlaySource("127.0.1.1", { dev: "lo" }), { kind: "default" });
});

test("no route: none", () => {
  assert.equal(underlaySource("10.9.9.9", undefined), { kind: "none" });
  assert.equal(underlaySource("10.9.9.9", {}), { kind: "none" });
});

test("the preferred default route: lowest metric, first on a tie, never the loopback", () => {
  assert.equal(preferredDefault([{ dev: "wlan0", metric: 600 }, { dev: "eth0", metric: 100, prefsrc: "192.168.1.21" }]), { iface: "eth0", ip: "192.168.1.21" });
  assert.equal(preferredDefault([{ dev: "eth0" }, { dev: "eth1" }]), { iface: "eth0" });
  assert.equal(preferredDefault([{ dev: "lo" }, {}]), null);
  assert.equal(preferredDefault([]), null);
});

test.run();
