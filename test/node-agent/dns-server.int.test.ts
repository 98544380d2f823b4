/**
 * The name service against real sockets on loopback: queries made with dns-packet over UDP
 * and TCP, names from a fold that moves (a container started, one removed), other names
 * forwarded to a tiny resolver this test runs on 127.0.0.2, SERVFAIL when it is silent.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createSocket, type Socket } from "node:dgram";
import { connect, createServer, type Server } from "node:net";
import dnsPacket from "dns-packet";
import { evolve, emptyState, macFor, type ClusterState, type OvlEvent } from "@ovl/domain";
import { nameService, startDnsServer, type NameService } from "@ovl/node-agent";

type Reply = dnsPacket.DecodedPacket & { rcode?: string };
const NOW = "2026-01-01T00:00:00.000Z";
const GATEWAY = "127.0.0.3"; // stands for the node's gateway: any 127/8 address is local
const UPSTREAM = "127.0.0.2";
const OUTSIDE = "198.18.5.5";

const q = (name: string, id: number, type: dnsPacket.RecordType = "A") =>
  ({ type: "query" as const, id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, class: "IN" as const, name }] });

function askUdp(host: string, port: number, name: string, type: dnsPacket.RecordType = "A", timeoutMs = 3000): Promise<Reply> {
  const id = Math.floor(Math.random() * 65535);
  const sock = createSocket("udp4");
  return new Promise<Reply>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no UDP answer for ${name}`)), timeoutMs);
    sock.on("message", (msg) => {
      const r = dnsPacket.decode(msg) as Reply;
      if (r.id === id) (clearTimeout(timer), resolve(r));
    });
    sock.send(dnsPacket.encode(q(name, id, type)), port, host);
  }).finally(() => sock.close());
}

/** Several queries pipelined on one TCP connection; answers in the order asked. */
function askTcp(host: string, port: number, names: readonly string[]): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = Buffer.alloc(0);
    const out: Reply[] = [];
    const timer = setTimeout(() => (sock.destroy(), reject(new Error("no TCP answer"))), 5000);
    sock.on("error", reject);
    sock.on("connect", () => sock.write(Buffer.concat(names.map((n, i) => dnsPacket.streamEncode(q(n, 100 + i))))));
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(dnsPacket.streamDecode(buf) as Reply);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === names.length) (clearTimeout(timer), sock.destroy(), resolve(out));
    });
  });
}

const addresses = (r: Reply) => (r.answers ?? []).map((a) => ("data" in a ? a.data : null));

/** A resolver that knows one name (over UDP and TCP) and answers NXDOMAIN otherwise. */
async function tinyResolver(): Promise<{ port: number; asked: string[]; close(): Promise<void> }> {
  const asked: string[] = [];
  const respond = (msg: Buffer): Buffer => {
    const query = dnsPacket.decode(msg);
    const name = query.questions?.[0]?.name ?? "";
    asked.push(name);
    const known = name === "outside.example";
    return dnsPacket.encode({
      type: "response", id: query.id, flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3), questions: query.questions,
      answers: known ? [{ type: "A", class: "IN", name, ttl: 60, data: OUTSIDE }] : [],
    });
  };
  const udp: Socket = createSocket("udp4");
  udp.on("message", (msg, from) => udp.send(respond(msg), from.port, from.address));
  await new Promise<void>((r) => udp.bind(0, UPSTREAM, () => r()));
  const port = udp.address().port;
  const tcp: Server = createServer((c) => c.on("data", (d) => c.write(dnsPacket.streamEncode(dnsPacket.decode(respond(d.subarray(2)))))));
  await new Promise<void>((r) => tcp.listen(port, UPSTREAM, () => r()));
  return { port, asked, close: () => Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]).then(() => undefined) };
}

/** The agent's fold, moved by hand. */
class Fold {
  seq = 0;
  state: ClusterState = emptyState;
  apply(...events: OvlEvent[]): void {
    for (const e of events) ((this.state = evolve(this.state, e, { time: NOW })), this.seq++);
  }
}
const started = (name: string, node: string, ip: string, aliases?: string[]): OvlEvent =>
  ({ type: "ContainerStarted", data: { name, node, ip, mac: macFor(ip), image: "busybox", cmd: [], ports: [], ...(aliases ? { aliases } : {}) } });

const it = suite("dns server");
let upstream: Awaited<ReturnType<typeof tinyResolver>>;
let fold: Fold;
let names: NameService;
let port = 0;

it.before(async () => {
  upstream = await tinyResolver();
  fold = new Fold();
  fold.apply(
    { type: "ClusterCreated", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 42, vxlanPort: 4789, mtu: 1450 } },
    { type: "NodeJoined", data: { node: "n1", underlayIp: "198.18.0.11", agentVersion: "t" } },
    { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.0.0/24", gateway: GATEWAY } },
    { type: "NodeJoined", data: { node: "n2", underlayIp: "198.18.0.12", agentVersion: "t" } },
    { type: "SubnetAssigned", data: { node: "n2", subnet: "198.19.1.0/24", gateway: "198.19.1.1" } },
    started("web", "n1", "198.19.0.2"),
    started("db", "n2", "198.19.1.2", ["pg"]),
  );
  names = nameService({ node: "n1", fold: () => fold, upstreams: () => [{ host: UPSTREAM, port: upstream.port }], port: 0 });
  names.synced(fold.state);
  for (let i = 0; i < 50 && !names.address(); i++) await new Promise((r) => setTimeout(r, 20));
  port = names.address()?.port ?? 0;
  assert.ok(port > 0, "listening on the gateway");
  assert.is(names.address()?.host, GATEWAY);
});
it.after(async () => {
  await names.stop();
  await upstream.close();
});

it("UDP: NAME, NAME.ovl and an alias answer the container's address, on another node too", async () => {
  assert.equal(addresses(await askUdp(GATEWAY, port, "db")), ["198.19.1.2"]);
  assert.equal(addresses(await askUdp(GATEWAY, port, "db.ovl")), ["198.19.1.2"]);
  assert.equal(addresses(await askUdp(GATEWAY, port, "pg")), ["198.19.1.2"]);
  assert.equal(addresses(await askUdp(GATEWAY, port, "web.ovl")), ["198.19.0.2"]);
  const aaaa = await askUdp(GATEWAY, port, "db", "AAAA");
  assert.is(aaaa.rcode, "NOERROR");
  assert.equal(aaaa.answers, []);
});
it("TCP: pipelined queries on one connection, answered in order, forwarding included", async () => {
  const [a, b, c] = await askTcp(GATEWAY, port, ["db.ovl", "nope.ovl", "outside.example"]);
  assert.equal(addresses(a!), ["198.19.1.2"]);
  assert.is(b!.rcode, "NXDOMAIN");
  assert.equal(addresses(c!), [OUTSIDE]);
});
it("another name is forwarded to the node's resolver and its answer comes back as it sent it", async () => {
  const r = await askUdp(GATEWAY, port, "outside.example");
  assert.equal(addresses(r), [OUTSIDE]);
  assert.is(r.answers?.[0] && "ttl" in r.answers[0] ? r.answers[0].ttl : null, 60);
  assert.is((await askUdp(GATEWAY, port, "missing.example")).rcode, "NXDOMAIN");
  assert.ok(upstream.asked.includes("missing.example"));
  assert.not.ok(upstream.asked.includes("db") || upstream.asked.includes("db.ovl"), "ovl's names never leave the node");
});
it("a container started is answered at the next query; a removed one is NXDOMAIN as soon as the fold holds the removal", async () => {
  assert.is((await askUdp(GATEWAY, port, "cache")).rcode, "NXDOMAIN");
  fold.apply(started("cache", "n2", "198.19.1.3"));
  assert.equal(addresses(await askUdp(GATEWAY, port, "cache")), ["198.19.1.3"]);
  fold.apply({ type: "ContainerStopped", data: { name: "db", node: "n2", ip: "198.19.1.2", reason: "removed" } });
  for (const name of ["db", "db.ovl", "pg", "pg.ovl"]) assert.is((await askUdp(GATEWAY, port, name)).rcode, "NXDOMAIN", name);
  assert.not.ok(upstream.asked.includes("db"), "NXDOMAIN from ovl, not from upstream");
});
it("a silent resolver gives SERVFAIL within the forward time limit", async () => {
  const silent = createSocket("udp4");
  await new Promise<void>((r) => silent.bind(0, UPSTREAM, () => r()));
  const server = await startDnsServer({ host: "127.0.0.4", port: 0, records: () => new Map(), upstreams: () => [{ host: UPSTREAM, port: silent.address().port }], forwardTimeoutMs: 200 });
  try {
    const t0 = Date.now();
    assert.is((await askUdp("127.0.0.4", server.port, "outside.example")).rcode, "SERVFAIL");
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    await server.close();
    silent.close();
  }
});
it("garbage is dropped and the server keeps answering", async () => {
  const sock = createSocket("udp4");
  await new Promise<void>((r) => sock.send(Buffer.from("not dns"), port, GATEWAY, () => r()));
  sock.close();
  assert.equal(addresses(await askUdp(GATEWAY, port, "web")), ["198.19.0.2"]);
});
it("the node's block gone (released): it stops listening", async () => {
  fold.apply({ type: "NodeLeft", data: { node: "n1", reason: "released by operator" } });
  names.synced(fold.state);
  for (let i = 0; i < 50 && names.address(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.is(names.address(), null);
  const after = await askUdp(GATEWAY, port, "web", "A", 300).then(() => "answered", () => "silent");
  assert.is(after, "silent");
});
it.run();
