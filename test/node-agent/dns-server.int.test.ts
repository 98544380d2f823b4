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
import { emptyNameIndex, nameService, startDnsServer, type NameService } from "@ovl/node-agent";

type Reply = dnsPacket.DecodedPacket & { rcode?: string };
const NOW = "2026-01-01T00:00:00.000Z";
const GATEWAY = "127.0.0.3"; // stands for the node's gateway: any 127/8 address is local
const UPSTREAM = "127.0.0.2";
const OUTSIDE = "198.18.5.5";

const q = (name: string, id: number, type: dnsPacket.RecordType = "A") =>
  ({ type: "query" as const, id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, class: "IN" as const, name }] });

/** `from`: the source address to ask from (the asker a container address stands for). */
function askUdp(host: string, port: number, name: string, type: dnsPacket.RecordType = "A", timeoutMs = 3000, from?: string): Promise<Reply> {
  const id = Math.floor(Math.random() * 65535);
  const sock = createSocket("udp4");
  return new Promise<Reply>((resolve, reject) => {
    if (from) sock.bind(0, from);
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
  for (let i = 0; i < 50 && names.addresses().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  port = names.addresses()[0]?.port ?? 0;
  assert.ok(port > 0, "listening on the gateway");
  assert.equal(names.addresses().map((a) => [a.network, a.host]), [["ovl", GATEWAY]]);
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
  const server = await startDnsServer({ host: "127.0.0.4", port: 0, network: "ovl", index: () => emptyNameIndex, upstreams: () => [{ host: UPSTREAM, port: silent.address().port }], forwardTimeoutMs: 200 });
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
  for (let i = 0; i < 50 && names.addresses().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(names.addresses(), []);
  const after = await askUdp(GATEWAY, port, "web", "A", 300).then(() => "answered", () => "silent");
  assert.is(after, "silent");
});
it.run();

/**
 * One service, one socket per network: the node's gateways of three networks are loopback
 * addresses, and each container address too, so a query sent from 127.21.0.2 is a query
 * from the container that holds that address.
 */
const nets = suite("dns server, per network");
const NET = { ovl: "127.20.0.1", back: "127.21.0.1", vault: "127.22.0.1", late: "127.23.0.1" } as const;
let nfold: Fold;
let nnames: NameService;
let nport = 0;
let blocker: Socket | null = null;
const onNets = (name: string, node: string, pairs: readonly (readonly [string, string])[]): OvlEvent => ({
  type: "ContainerStarted",
  data: { name, node, ip: pairs[0]![1], mac: macFor(pairs[0]![1]), image: "busybox", cmd: [], ports: [], networks: pairs.map(([network, ip]) => ({ network, ip, mac: macFor(ip) })) },
});
const netBlock = (node: string, network: string, subnet: string, gateway: string): OvlEvent => ({ type: "SubnetAssigned", data: { node, subnet, gateway, network } });
const listening = () => nnames.addresses().map((a) => `${a.network}@${a.host}`).join(" ");
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error(`not ${what}: ${listening()}`);
}

nets.before(async () => {
  // A port free on loopback, the same on every gateway (as 53 is).
  const probe = createSocket("udp4");
  await new Promise<void>((r) => probe.bind(0, "127.0.0.1", () => r()));
  nport = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));
  nfold = new Fold();
  nfold.apply(
    { type: "ClusterCreated", data: { cidr: "127.20.0.0/16", blockPrefix: 24, vni: 42, vxlanPort: 4789, mtu: 1450 } },
    { type: "NodeJoined", data: { node: "n1", underlayIp: "198.18.0.11", agentVersion: "t" } },
    { type: "SubnetAssigned", data: { node: "n1", subnet: "127.20.0.0/24", gateway: NET.ovl } },
    { type: "NodeJoined", data: { node: "n2", underlayIp: "198.18.0.12", agentVersion: "t" } },
    { type: "SubnetAssigned", data: { node: "n2", subnet: "127.20.1.0/24", gateway: "127.20.1.1" } },
    { type: "NetworkCreated", data: { network: "back", cidr: "127.21.0.0/16", blockPrefix: 24, vni: 43, internal: false } },
    netBlock("n1", "back", "127.21.0.0/24", NET.back), netBlock("n2", "back", "127.21.1.0/24", "127.21.1.1"),
    { type: "NetworkCreated", data: { network: "vault", cidr: "127.22.0.0/16", blockPrefix: 24, vni: 44, internal: true } },
    netBlock("n1", "vault", "127.22.0.0/24", NET.vault),
    started("web", "n1", "127.20.0.2"),
    onNets("api", "n2", [["ovl", "127.20.1.2"], ["back", "127.21.1.2"]]),
    onNets("cache", "n1", [["back", "127.21.0.2"]]),
    onNets("safe", "n1", [["vault", "127.22.0.2"]]),
  );
  nnames = nameService({ node: "n1", fold: () => nfold, upstreams: () => [{ host: UPSTREAM, port: upstream.port }], port: nport, retryMs: 50 });
  upstream = await tinyResolver();
  nnames.synced(nfold.state);
  await until("listening on three gateways", () => nnames.addresses().length === 3);
});
nets.after(async () => {
  await nnames.stop();
  await upstream.close();
  blocker?.close();
});

nets("it listens on the node's gateway of every network, ovl first", () => {
  assert.is(listening(), `ovl@${NET.ovl} back@${NET.back} vault@${NET.vault}`);
});
nets("each container is answered the names of the containers it shares a network with", async () => {
  const ask = (gw: string, name: string, from: string) => askUdp(gw, nport, name, "A", 3000, from);
  // web (ovl only) sees api at its ovl address; cache (back only) is not its to see.
  assert.equal(addresses(await ask(NET.ovl, "api", "127.20.0.2")), ["127.20.1.2"]);
  assert.is((await ask(NET.ovl, "cache", "127.20.0.2")).rcode, "NXDOMAIN");
  assert.is((await ask(NET.ovl, "api.back", "127.20.0.2")).rcode, "NXDOMAIN");
  // cache (back only), asking back's gateway: api at its back address, web not at all.
  assert.equal(addresses(await ask(NET.back, "api", "127.21.0.2")), ["127.21.1.2"]);
  assert.equal(addresses(await ask(NET.back, "api.back", "127.21.0.2")), ["127.21.1.2"]);
  assert.is((await ask(NET.back, "web", "127.21.0.2")).rcode, "NXDOMAIN");
  // An address no container holds is on the network of the gateway it asked.
  assert.equal(addresses(await ask(NET.back, "cache", "127.21.0.99")), ["127.21.0.2"]);
  assert.is((await ask(NET.back, "web", "127.21.0.99")).rcode, "NXDOMAIN");
  assert.not.ok(upstream.asked.some((n) => ["cache", "web", "api.back"].includes(n)), "ovl's names never leave the node");
});
nets("a container only on an internal network: its names answer, outside names are refused, not forwarded", async () => {
  const before = upstream.asked.length;
  assert.equal(addresses(await askUdp(NET.vault, nport, "safe", "A", 3000, "127.22.0.2")), ["127.22.0.2"]);
  assert.is((await askUdp(NET.vault, nport, "outside.example", "A", 3000, "127.22.0.2")).rcode, "REFUSED");
  assert.is(upstream.asked.length, before);
  // web, on ovl, is forwarded.
  assert.equal(addresses(await askUdp(NET.ovl, nport, "outside.example", "A", 3000, "127.20.0.2")), [OUTSIDE]);
});
nets("a gateway that cannot be bound yet is taken as soon as it can be; a removed network's is closed", async () => {
  blocker = createSocket("udp4");
  await new Promise<void>((r) => blocker!.bind(nport, NET.late, () => r()));
  nfold.apply(
    { type: "NetworkCreated", data: { network: "late", cidr: "127.23.0.0/16", blockPrefix: 24, vni: 45, internal: false } },
    netBlock("n1", "late", "127.23.0.0/24", NET.late),
    { type: "ContainerStopped", data: { name: "safe", node: "n1", ip: "127.22.0.2", reason: "removed" } },
    { type: "NetworkRemoved", data: { network: "vault" } },
  );
  nnames.synced(nfold.state);
  await until("closed on vault", () => !listening().includes("vault@"));
  await new Promise((r) => setTimeout(r, 200));
  assert.is(listening(), `ovl@${NET.ovl} back@${NET.back}`, "late's gateway is taken");
  await new Promise<void>((r) => blocker!.close(() => r()));
  blocker = null;
  await until("listening on late", () => listening().includes(`late@${NET.late}`), 3000);
  assert.is((await askUdp(NET.vault, nport, "web", "A", 300).then(() => "answered", () => "silent")), "silent");
  // Answering there: an unknown asker on late shares no network with web.
  assert.is((await askUdp(NET.late, nport, "web")).rcode, "NXDOMAIN");
});
nets.run();
