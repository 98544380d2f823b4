/** The answer to one query (pure): ovl's names with authority, other names forwarded; the node's resolvers from resolv.conf. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import dnsPacket from "dns-packet";
import { answer, isOurs, parseResolvConf, parseUpstream } from "@ovl/node-agent";

const records = new Map([["db", "198.19.1.2"], ["db.ovl", "198.19.1.2"]]);
const query = (name: string, type: dnsPacket.RecordType = "A", id = 7) =>
  dnsPacket.decode(dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, class: "IN", name }] }));
/** As a client reads it: through the wire form. */
const answered = (name: string, type: dnsPacket.RecordType = "A") => {
  const v = answer(query(name, type), records);
  if (v.kind !== "answer") throw new Error(`${name} was forwarded`);
  return dnsPacket.decode(dnsPacket.encode(v.packet)) as dnsPacket.DecodedPacket & { rcode: string };
};

test("a container's name and NAME.ovl answer its address, authoritative, TTL 0, any case, with the id and question", () => {
  for (const name of ["db", "db.ovl", "DB.Ovl", "db.ovl."]) {
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
  const r = answered("db", "AAAA");
  assert.is(r.rcode, "NOERROR");
  assert.equal(r.answers, []);
});
test("multi-label names outside .ovl are forwarded", () => {
  assert.equal(answer(query("example.com"), records), { kind: "forward" });
  assert.equal(answer(query("db.lan"), records), { kind: "forward" });
  assert.is(isOurs("ovl.example"), false);
  assert.is(isOurs("x.ovl"), true);
});
test("a response, or several questions, is refused with FORMERR", () => {
  const resp = dnsPacket.decode(dnsPacket.encode({ type: "response", id: 1, questions: [{ type: "A", class: "IN", name: "db" }] }));
  const v = answer(resp, records);
  assert.ok(v.kind === "answer" && ((v.packet.flags ?? 0) & 0xf) === 1);
  const two = dnsPacket.decode(dnsPacket.encode({ type: "query", id: 1, questions: [{ type: "A", class: "IN", name: "db" }, { type: "A", class: "IN", name: "x" }] }));
  const w = answer(two, records);
  assert.ok(w.kind === "answer" && ((w.packet.flags ?? 0) & 0xf) === 1);
});
test("resolv.conf: IPv4 nameservers in order; comments, options and IPv6 skipped", () => {
  const text = "# generated\nsearch lan\nnameserver 192.0.2.53\nnameserver ::1\n  nameserver   198.18.0.1  \noptions edns0\n";
  assert.equal(parseResolvConf(text), [{ host: "192.0.2.53", port: 53 }, { host: "198.18.0.1", port: 53 }]);
  assert.equal(parseUpstream("198.18.0.1:5353"), { host: "198.18.0.1", port: 5353 });
  assert.is(parseUpstream("198.18.0.1:70000"), null);
  assert.is(parseUpstream("resolver.lan"), null);
});
test.run();
