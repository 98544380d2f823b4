/**
 * The check's responder and its UDP/TCP probes over loopback (real sockets, a port of the
 * test's own): echoes for an open check only, a responder opened late still found by the
 * retries, the port free again once the last check closed.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import dgram from "node:dgram";
import { CheckResponder, pingTime, probePayload, tcpEcho, udpEcho } from "@ovl/node-agent";

const PORT = 20000 + (process.pid % 20000);
const at = (id: string) => ({ id, from: "127.0.0.1", to: "127.0.0.1", port: PORT });

test("an open check's UDP, full-size UDP and TCP probes are echoed; another id's are not", async () => {
  const r = new CheckResponder(PORT);
  try {
    assert.equal(await r.open("check-aaaa", "127.0.0.1"), { ok: true });
    const [udp, big, tcp] = await Promise.all([udpEcho(at("check-aaaa"), 64), udpEcho(at("check-aaaa"), 1422), tcpEcho(at("check-aaaa"))]);
    assert.ok(udp.ok && big.ok && tcp.ok, JSON.stringify({ udp, big, tcp }));
    assert.ok(typeof udp.ms === "number" && typeof tcp.ms === "number");
    const [strangerUdp, strangerTcp] = await Promise.all([udpEcho(at("check-bbbb"), 64, 500), tcpEcho(at("check-bbbb"), 500)]);
    assert.equal(strangerUdp, { ok: false, reason: "no 64-byte echo in 500 ms" });
    assert.not.ok(strangerTcp.ok, "the TCP echo closes on a stranger");
  } finally {
    r.close("check-aaaa");
  }
});

test("a responder opened 300 ms after the probes started is still found (refusals retried)", async () => {
  const r = new CheckResponder(PORT);
  const probes = Promise.all([udpEcho(at("check-late"), 64), tcpEcho(at("check-late"))]);
  await new Promise((res) => setTimeout(res, 300));
  await r.open("check-late", "127.0.0.1");
  try {
    const [udp, tcp] = await probes;
    assert.ok(udp.ok && tcp.ok, JSON.stringify({ udp, tcp }));
  } finally {
    r.close("check-late");
  }
});

test("overlapping checks share the sockets; the last close frees the port; a busy port is a reason", async () => {
  const r = new CheckResponder(PORT);
  await r.open("check-one1", "127.0.0.1");
  await r.open("check-two2", "127.0.0.1");
  r.close("check-one1");
  assert.ok((await udpEcho(at("check-two2"), 64)).ok, "still open for the second check");
  r.close("check-two2");
  await new Promise((res) => setTimeout(res, 50));
  const probe = dgram.createSocket("udp4");
  await new Promise<void>((res, rej) => probe.once("error", rej).bind({ address: "127.0.0.1", port: PORT, exclusive: true }, () => res()));
  try {
    const busy = await new CheckResponder(PORT).open("check-busy", "127.0.0.1");
    assert.equal(busy, { ok: false, reason: `cannot listen on 127.0.0.1:${PORT}: EADDRINUSE` });
  } finally {
    probe.close();
  }
});

test("probe payloads and ping's round trip", () => {
  const p = probePayload("check-aaaa", "0011", 40);
  assert.is(p.byteLength, 40);
  assert.is(p.toString("latin1"), "ovl-check check-aaaa 0011 ..............");
  assert.is(pingTime("64 bytes from 10.0.2.1: seq=0 ttl=64 time=0.123 ms"), 0.123);
  assert.is(pingTime("64 bytes from 10.0.2.1: icmp_seq=1 ttl=64 time=12.5 ms"), 12.5);
  assert.is(pingTime("1 packets transmitted, 0 received"), undefined);
});

test.run();
