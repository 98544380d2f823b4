/**
 * detectUnderlay in a throwaway namespace: the interface toward the NATS server, --iface,
 * --ip, a server on this machine (its LAN address; the default route's interface for
 * localhost), and the clear errors (unknown interface, address not local).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { detectUnderlay, type Underlay } from "@ovl/node-agent";
import { Scope, inNetns } from "../support/netns.js";

const test = suite("node agent: underlay detection");
const ctx = {} as { scope: Scope; ns: string; detect: (url: string, o?: { ip?: string; iface?: string }) => Promise<Underlay> };

test.before(async () => {
  ctx.scope = new Scope();
  ctx.ns = await ctx.scope.netns("ul");
  const run = inNetns(ctx.ns);
  await run("ip", ["link", "add", "lan0", "mtu", "1500", "type", "veth", "peer", "name", "lan0p", "mtu", "1500"]);
  await run("ip", ["addr", "add", "198.18.9.2/24", "dev", "lan0"]);
  await run("ip", ["link", "set", "lan0", "up"]);
  await run("ip", ["link", "set", "lan0p", "up"]);
  ctx.detect = (url, o = {}) => detectUnderlay(url, { ...o, run });
});

test.after(() => ctx.scope?.close());

test("the interface and source address toward the NATS server", async () => {
  assert.equal(await ctx.detect("nats://198.18.9.1:4222"), { ip: "198.18.9.2", iface: "lan0", mtu: 1500, prefix: 24 });
});

test("--iface and --ip", async () => {
  assert.equal(await ctx.detect("nats://127.0.0.1:4222", { iface: "lan0" }), { ip: "198.18.9.2", iface: "lan0", mtu: 1500, prefix: 24 });
  assert.equal(await ctx.detect("nats://127.0.0.1:4222", { ip: "198.18.9.2" }), { ip: "198.18.9.2", iface: "lan0", mtu: 1500, prefix: 24 });
});

test("clear errors", async () => {
  const fails = async (p: Promise<unknown>, re: RegExp) => {
    try {
      await p;
      assert.unreachable("should fail");
    } catch (err) {
      assert.match((err as Error).message, re);
      assert.not.match((err as Error).message, /\n/);
    }
  };
  await fails(ctx.detect("nats://127.0.0.1:4222"), /on this machine.*--iface or --ip/);
  await fails(ctx.detect("nats://127.0.0.1:4222", { iface: "nope0" }), /no interface nope0/);
  await fails(ctx.detect("nats://127.0.0.1:4222", { ip: "198.18.9.99" }), /198\.18\.9\.99 is not on any interface/);
  await fails(ctx.detect("nats://127.0.0.1:4222", { ip: "300.1.1.1" }), /invalid --ip/);
  await fails(ctx.detect("nats://127.0.0.1:4222", { iface: "lan0", ip: "198.18.9.7" }), /198\.18\.9\.7 is not on interface lan0/);
  await fails(ctx.detect("nats://198.18.200.1:4222"), /no route to the NATS server 198\.18\.200\.1/);
});

test("the broker on this machine: its LAN address, or as localhost the default route's interface", async () => {
  assert.equal(await ctx.detect("nats://198.18.9.2:4222"), { ip: "198.18.9.2", iface: "lan0", mtu: 1500, prefix: 24 }, "reached by the node's own LAN address");
  await inNetns(ctx.ns)("ip", ["route", "add", "default", "via", "198.18.9.1", "dev", "lan0"]);
  assert.equal(await ctx.detect("nats://127.0.0.1:4222"), { ip: "198.18.9.2", iface: "lan0", mtu: 1500, prefix: 24 }, "reached as localhost");
});

test.run();
