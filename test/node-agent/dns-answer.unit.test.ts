/** The answer to one query (pure): ovl's names with authority by who asks, other names forwarded; the node's resolvers from resolv.conf. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import dnsPacket from "dns-packet";
import { macFor, type OvlEvent } from "@ovl/domain";
import { addressFor, answer, askerNetworks, gatewaysOf, isOurs, nameIndex, parseResolvConf, parseUpstream, resolverOf, type Asker, type NameIndex } from "@ovl/node-agent";
import { fold } from "../support/given.js";
import { NOW, cluster, networkBlock, networkCreated, networkRemoved, started, stopped, failed } from "../domain/builders.js";

/** Started on several networks: `[network, ip]` pairs, the first being its `ip`. */
const on = (name: string, node: string, nets: readonly (readonly [string, string])[], aliases?: string[]): OvlEvent => ({
  type: "ContainerStarted",
  data: {
    name, node, ip: nets[0]![1], mac: macFor(nets[0]![1]), image: "busybox", cmd: [], ports: [],
    ...(aliases ? { aliases } : {}),
    ...(nets.length === 1 && nets[0]![0] === "ovl" ? {} : { networks: nets.map(([network, ip]) => ({ network, ip, mac: macFor(ip) })) }),
  },
});

/**
 * ovl (198.19.0.0/18), back (198.19.48.0/20), db (10.99.0.0/16, internal). n1 and n2 hold a
 * block of each. web on ovl only; api on ovl and back; pg on back then db (alias primary);
 * vault on db only; cache on back only.
 */
const history: OvlEvent[] = [
  ...cluster("n1", "n2"),
  networkCreated("back", "198.19.48.0/20", 43),
  networkBlock("n1", "back", "198.19.48.0/24"), networkBlock("n2", "back", "198.19.49.0/24"),
  networkCreated("db", "10.99.0.0/16", 44, { internal: true }),
  networkBlock("n1", "db", "10.99.0.0/24"), networkBlock("n2", "db", "10.99.1.0/24"),
  started("web", "n1", "198.19.0.2"),
  on("api", "n2", [["ovl", "198.19.1.2"], ["back", "198.19.49.2"]], ["gw"]),
  on("pg", "n2", [["back", "198.19.49.3"], ["db", "10.99.1.2"]], ["primary"]),
  on("vault", "n1", [["db", "10.99.0.2"]]),
  on("cache", "n1", [["back", "198.19.48.2"]]),
];
const index: NameIndex = nameIndex(fold(history, NOW));
const from = (ip: string, via = "ovl"): Asker => ({ ip, via });
const WEB = from("198.19.0.2");
const API = from("198.19.1.2");
const API_ON_BACK = from("198.19.49.2", "back");
const PG = from("198.19.49.3", "back");
const VAULT = from("10.99.0.2", "db");
const CACHE = from("198.19.48.2", "back");

const query = (name: string, type: dnsPacket.RecordType = "A", id = 7) =>
  dnsPacket.decode(dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, class: "IN", name }] }));
/** As a client reads it: through the wire form. */
const answered = (name: string, type: dnsPacket.RecordType = "A", asker: Asker = WEB, idx: NameIndex = index) => {
  const v = answer(query(name, type), idx, asker);
  if (v.kind !== "answer") throw new Error(`${name} was forwarded`);
  return dnsPacket.decode(dnsPacket.encode(v.packet)) as dnsPacket.DecodedPacket & { rcode: string };
};
const ips = (name: string, asker: Asker) => {
  const r = answered(name, "A", asker);
  return r.rcode === "NOERROR" ? (r.answers ?? []).map((a) => ("data" in a ? a.data : null)) : r.rcode;
};

test("a container's name and NAME.ovl answer its address, authoritative, TTL 0, any case, with the id and question", () => {
  for (const name of ["api", "api.ovl", "API.Ovl", "api.ovl."]) {
    const r = answered(name);
    assert.is(r.rcode, "NOERROR");
    assert.is(r.id, 7);
    assert.ok(r.flag_aa && r.flag_rd && r.flag_ra && r.flag_qr);
    assert.equal(r.questions?.[0]?.name, name.replace(/\.$/, ""));
    assert.equal(r.answers?.map((a) => [a.type, "data" in a ? a.data : null, "ttl" in a ? a.ttl : null]), [["A", "198.19.1.2", 0]]);
  }
});
test("an unknown single-label name or NAME.ovl is NXDOMAIN from ovl, never forwarded", () => {
  assert.is(answered("gone").rcode, "NXDOMAIN");
  assert.is(answered("gone.ovl").rcode, "NXDOMAIN");
  assert.ok(answered("gone").flag_aa);
});
test("another type for a name that exists is an empty answer (NODATA), not NXDOMAIN", () => {
  const r = answered("api", "AAAA");
  assert.is(r.rcode, "NOERROR");
  assert.equal(r.answers, []);
});
test("multi-label names under no network of the cluster are forwarded", () => {
  assert.equal(answer(query("example.com"), index, WEB), { kind: "forward" });
  assert.equal(answer(query("db.lan"), index, WEB), { kind: "forward" });
  assert.is(isOurs("ovl.example", index.networks), false);
  assert.is(isOurs("x.ovl", index.networks), true);
  assert.is(isOurs("x.back", index.networks), true);
  assert.is(isOurs("x.y.back", index.networks), true);
  assert.is(answered("x.y.back", "A", CACHE).rcode, "NXDOMAIN");
});
test("a response, or several questions, is refused with FORMERR", () => {
  const resp = dnsPacket.decode(dnsPacket.encode({ type: "response", id: 1, questions: [{ type: "A", class: "IN", name: "db" }] }));
  const v = answer(resp, index, WEB);
  assert.ok(v.kind === "answer" && ((v.packet.flags ?? 0) & 0xf) === 1);
  const two = dnsPacket.decode(dnsPacket.encode({ type: "query", id: 1, questions: [{ type: "A", class: "IN", name: "db" }, { type: "A", class: "IN", name: "x" }] }));
  const w = answer(two, index, WEB);
  assert.ok(w.kind === "answer" && ((w.packet.flags ?? 0) & 0xf) === 1);
});
test("NAME answers the containers that share a network with the asker, and only those", () => {
  assert.equal(ips("api", WEB), ["198.19.1.2"]); // on ovl together
  assert.equal(ips("cache", WEB), "NXDOMAIN"); // cache is on back only: ours, never forwarded
  assert.equal(ips("pg", WEB), "NXDOMAIN");
  assert.equal(ips("cache", API), ["198.19.48.2"]); // api is on back too
  assert.equal(ips("web", CACHE), "NXDOMAIN");
  assert.equal(ips("vault", PG), ["10.99.0.2"]); // internal networks answer within
  assert.equal(ips("vault", API), "NXDOMAIN");
  assert.equal(ips("primary", VAULT), ["10.99.1.2"]); // an alias, on the one network they share
  assert.equal(ips("gw", CACHE), ["198.19.49.2"]);
});
test("NAME on several shared networks: the target's address on the first of its own networks the asker is on", () => {
  // pg is on back, then db; vault's only network is db, api's ovl and back.
  assert.equal(ips("pg", API), ["198.19.49.3"]);
  assert.equal(ips("pg", VAULT), ["10.99.1.2"]);
  // A container on every network gets the target's first one (its `ip`), whatever its own order.
  const both = [...history, on("ops", "n1", [["db", "10.99.0.9"], ["back", "198.19.48.9"], ["ovl", "198.19.0.9"]])];
  const idx = nameIndex(fold(both, NOW));
  assert.equal(addressFor(idx, "pg", askerNetworks(idx, from("10.99.0.9", "db"))), "198.19.49.3");
  assert.equal(addressFor(idx, "api", askerNetworks(idx, from("198.19.0.9"))), "198.19.1.2");
});
test("NAME.NETWORK answers only when the asker is on NETWORK, at the target's address there", () => {
  assert.equal(ips("api.back", CACHE), ["198.19.49.2"]);
  assert.equal(ips("api.ovl", CACHE), "NXDOMAIN"); // cache is not on ovl, though it shares back with api
  assert.equal(ips("pg.back", API), ["198.19.49.3"]);
  assert.equal(ips("pg.db", API), "NXDOMAIN");
  assert.equal(ips("pg.db", VAULT), ["10.99.1.2"]);
  assert.equal(ips("primary.back", CACHE), ["198.19.49.3"]);
  assert.equal(ips("web.back", CACHE), "NXDOMAIN"); // web is not on back
});
test("an asker is its container whichever of its addresses it asks from; an unknown address is on the network of the gateway it asked", () => {
  assert.equal(askerNetworks(index, API_ON_BACK), ["ovl", "back"]);
  assert.equal(ips("web", API_ON_BACK), ["198.19.0.2"]);
  assert.equal(askerNetworks(index, from("198.19.48.77", "back")), ["back"]);
  assert.equal(ips("cache", from("198.19.48.77", "back")), ["198.19.48.2"]);
  assert.equal(ips("web", from("127.0.0.1", "ovl")), ["198.19.0.2"]);
  assert.equal(ips("web", from("127.0.0.1", "back")), "NXDOMAIN");
});
test("a container only on internal networks gets REFUSED for outside names; one also on another network is forwarded", () => {
  const r = answered("example.com", "A", VAULT);
  assert.is(r.rcode, "REFUSED");
  assert.equal(r.answers, []);
  assert.equal(answer(query("example.com"), index, PG), { kind: "forward" });
  assert.is(answered("example.com", "A", from("10.99.0.77", "db")).rcode, "REFUSED");
});
test("a removed, failed or stopped target is NXDOMAIN on every network; the asker's own state does not matter", () => {
  const idx = nameIndex(fold([...history, stopped("pg", "n2", "198.19.49.3"), failed("cache", "n1", "198.19.48.2")], NOW));
  for (const name of ["pg", "pg.back", "primary", "primary.db"]) assert.is(answered(name, "A", VAULT, idx).rcode, "NXDOMAIN", name);
  assert.is(answered("cache", "A", API, idx).rcode, "NXDOMAIN");
  // cache failed but still holds its address: asking from it, it is still on back.
  assert.equal(askerNetworks(idx, CACHE), ["back"]);
});
test("a network removed: its suffix is no longer ovl's", () => {
  const h = history.filter((e) => !(e.type === "ContainerStarted" && (e.data.name === "cache" || e.data.name === "pg" || e.data.name === "api")));
  const idx = nameIndex(fold([...h, networkRemoved("back")], NOW));
  assert.is(isOurs("x.back", idx.networks), false);
  assert.equal(answer(query("x.back"), idx, WEB), { kind: "forward" });
});
test("the node's gateways: one per network it holds a block of, ovl first; a container's resolver is its first network's gateway", () => {
  const state = fold(history, NOW);
  assert.equal(gatewaysOf(state, "n2"), [
    { network: "ovl", gateway: "198.19.1.1" },
    { network: "back", gateway: "198.19.49.1" },
    { network: "db", gateway: "10.99.1.1" },
  ]);
  assert.equal(gatewaysOf(state, "n9"), []);
  const n2 = state.nodes["n2"]!;
  assert.is(resolverOf(n2, n2.containers["pg"]!), "198.19.49.1");
  assert.is(resolverOf(n2, n2.containers["api"]!), "198.19.1.1");
  assert.is(resolverOf(state.nodes["n1"]!, { ip: "198.19.0.5", mac: "x", networks: [{ network: "gone", ip: "198.19.0.5", mac: "x" }] }), null);
});
test("resolv.conf: IPv4 nameservers in order; comments, options and IPv6 skipped", () => {
  const text = "# generated\nsearch lan\nnameserver 192.0.2.53\nnameserver ::1\n  nameserver   198.18.0.1  \noptions edns0\n";
  assert.equal(parseResolvConf(text), [{ host: "192.0.2.53", port: 53 }, { host: "198.18.0.1", port: 53 }]);
  assert.equal(parseUpstream("198.18.0.1:5353"), { host: "198.18.0.1", port: 5353 });
  assert.is(parseUpstream("198.18.0.1:70000"), null);
  assert.is(parseUpstream("resolver.lan"), null);
});
test.run();
