/** Parsers for input from outside: names, images, ports, addresses, CIDRs; and the IP helpers. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  OvlError, OvlErrorCodes as C, blockAt, blockCount, contains, formatCidr, formatPort, intToIp, ipToInt, macFor, overlaps,
  parseCidr, parseCommandData, parseContainerName, parseImage, parseIpv4, parseNodeName, parsePortSpec, parseRequestId, portsClash,
  vethNameFor,
} from "@ovl/domain";

function refuses(parse: (raw: never) => unknown, raw: unknown, why: RegExp): void {
  try {
    parse(raw as never);
  } catch (err) {
    assert.instance(err, OvlError, `${JSON.stringify(raw)}: not an OvlError`);
    assert.is((err as OvlError).code, C.InvalidInput);
    assert.match((err as OvlError).message, why);
    assert.not.match((err as OvlError).message, /\n/);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(raw)}`);
}

const names = suite("names");
names("lower-case letters, digits and inner hyphens, 1 to 32 characters", () => {
  for (const ok of ["a", "n1", "web-1", "0", "a".repeat(32), "a-b-c"]) {
    assert.is(parseNodeName(ok), ok);
    assert.is(parseContainerName(ok), ok);
  }
});
names("refused: too long, empty, upper case, leading or trailing hyphen", () => {
  for (const bad of ["a".repeat(33), "", "Web", "-web", "web-"]) refuses(parseContainerName, bad, /invalid container name .*lower-case letters/);
  refuses(parseNodeName, "N1", /invalid node name "N1"/);
});
names("refused: characters unfit for a subject token, interface name, label or path", () => {
  for (const bad of ["a.b", "a*", "a>", "a b", "a/b", "..", "a_b", "a:b", "a\n", "ä", "a\u0000", "$x", "a;b"]) refuses(parseNodeName, bad, /invalid node name/);
  for (const bad of [null, 1, undefined, ["a"]]) refuses(parseNodeName, bad, /invalid node name/);
});
names("request ids: 8 to 64 of A-Z a-z 0-9 _ -", () => {
  assert.is(parseRequestId("AbC_12-x"), "AbC_12-x");
  for (const bad of ["short", "x".repeat(65), "has space!", "a.b.c.d.e"]) refuses(parseRequestId, bad, /invalid request id/);
});
names.run();

const images = suite("images");
images("Docker references: name, registry with port, path, tag, digest", () => {
  for (const ok of ["busybox", "busybox:1.36", "library/busybox:latest", "registry:5000/team/app:1.2", "ghcr.io/a/b_c:V1.0-rc", `app@sha256:${"a".repeat(64)}`]) {
    assert.is(parseImage(ok), ok);
  }
});
images("refused: upper case, shell characters, path escapes, spaces, too long", () => {
  for (const bad of ["BusyBox", "busybox;rm", "$(x)", "../etc", "/abs", "a b", "busybox:", "a".repeat(256), "", "app@sha256:xyz", 7]) {
    refuses(parseImage, bad, /invalid image/);
  }
});
images.run();

const ports = suite("ports");
ports("[HOST_IP:]HOST:CTR[/udp|/tcp]", () => {
  assert.equal(parsePortSpec("8080:80"), { host: 8080, container: 80, proto: "tcp" });
  assert.equal(parsePortSpec("53:53/udp"), { host: 53, container: 53, proto: "udp" });
  assert.equal(parsePortSpec("198.18.0.11:1:65535/tcp"), { hostIp: "198.18.0.11", host: 1, container: 65535, proto: "tcp" });
  assert.is(formatPort(parsePortSpec("198.18.0.11:80:8080/udp")), "198.18.0.11:80:8080/udp");
});
ports("refused: port 0 or 65536, other protocols, wrong shape, bad host address", () => {
  refuses(parsePortSpec, "0:80", /host port must be 1-65535/);
  refuses(parsePortSpec, "80:65536", /container port must be 1-65535/);
  refuses(parsePortSpec, "80:-1", /container port must be 1-65535/);
  for (const bad of ["80", "80/sctp", "1:2:3:4", "80:80/tcp/udp", "a:b", ":80"]) refuses(parsePortSpec, bad, /invalid port mapping/);
  refuses(parsePortSpec, "198.18.0.256:80:80", /invalid host address in port mapping/);
});
ports("clash: same protocol and host port, with overlapping host addresses", () => {
  const p = (host: number, proto: "tcp" | "udp" = "tcp", hostIp?: string) => ({ ...(hostIp ? { hostIp } : {}), host, container: 1, proto });
  assert.ok(portsClash(p(80), p(80)));
  assert.ok(portsClash(p(80, "tcp", "198.18.0.11"), p(80)));
  assert.ok(portsClash(p(80, "tcp", "198.18.0.11"), p(80, "tcp", "198.18.0.11")));
  assert.not.ok(portsClash(p(80, "tcp", "198.18.0.11"), p(80, "tcp", "198.18.0.12")));
  assert.not.ok(portsClash(p(80), p(80, "udp")));
  assert.not.ok(portsClash(p(80), p(81)));
});
ports.run();

const cidrs = suite("addresses and CIDRs");
cidrs("IPv4 addresses: four decimal octets, no leading zeros", () => {
  assert.is(parseIpv4("198.18.0.11"), "198.18.0.11");
  for (const bad of ["198.18.0.256", "198.18.0", "198.18.0.011", " 198.18.0.1", "::1", "1.2.3.4\n"]) refuses(parseIpv4, bad, /invalid address/);
  assert.is(ipToInt("255.255.255.255"), 2 ** 32 - 1);
  assert.is(intToIp(ipToInt("198.19.63.254")), "198.19.63.254");
});
cidrs("CIDRs: the network address and a prefix of 0-32", () => {
  assert.equal(parseCidr("198.19.0.0/18"), { base: ipToInt("198.19.0.0"), prefix: 18 });
  assert.is(formatCidr(parseCidr("0.0.0.0/0")), "0.0.0.0/0");
  assert.is(formatCidr(parseCidr("198.18.0.11/32")), "198.18.0.11/32");
  refuses(parseCidr, "198.19.0.1/18", /has host bits set \(did you mean 198\.19\.0\.0\/18\?\)/);
  refuses(parseCidr, "198.19.0.0/33", /prefix above 32/);
  for (const bad of ["198.19.0.0", "198.19.0.0/", "198.19.0.0/x", "198.19.0.0/18/1", "198.19.0.0/-1", "198.19.0.0/100"]) refuses(parseCidr, bad, /invalid CIDR/);
  refuses(parseCidr, 18, /invalid CIDR/);
});
cidrs("blocks, containment and overlap", () => {
  const net = parseCidr("198.19.0.0/18");
  assert.is(blockCount(net, 24), 64);
  assert.is(formatCidr(blockAt(net, 24, 63)), "198.19.63.0/24");
  assert.ok(contains(net, ipToInt("198.19.63.255")));
  assert.not.ok(contains(net, ipToInt("198.19.64.0")));
  assert.ok(overlaps(parseCidr("198.19.0.0/18"), parseCidr("198.19.8.0/24")));
  assert.not.ok(overlaps(parseCidr("198.19.0.0/18"), parseCidr("198.19.64.0/18")));
});
cidrs("MACs and veth names derive from the address", () => {
  assert.is(macFor("198.19.0.2"), "0a:58:c6:13:00:02");
  assert.is(macFor("255.255.255.255"), "0a:58:ff:ff:ff:ff");
  assert.is(vethNameFor("198.19.0.2"), "ovlc6130002");
  for (const ip of ["0.0.0.0", "198.19.63.254", "255.255.255.255"]) {
    const name = vethNameFor(ip);
    assert.ok(name.length <= 15, `${name} fits IFNAMSIZ`);
    assert.match(name, /^ovl[0-9a-f]{8}$/);
  }
  assert.is.not(vethNameFor("198.19.0.2"), vethNameFor("198.19.0.3"));
});
cidrs.run();

const commands = suite("command data from the wire");
commands("names the first bad field", () => {
  refuses((raw) => parseCommandData("StartContainer", raw), { name: "web", image: "busybox", cmd: [], ports: [{ host: 0, container: 1, proto: "tcp" }] }, /invalid StartContainer request: ports\.0\.host/);
  refuses((raw) => parseCommandData("JoinNode", raw), { node: "n1", underlayIp: "198.18.0.11", agentVersion: "1", extra: 1 }, /invalid JoinNode request/);
  refuses((raw) => parseCommandData("RemoveContainer", raw), "web", /invalid RemoveContainer request: request/);
  assert.equal(parseCommandData("RemoveContainer", { name: "web" }), { name: "web" });
});
commands.run();
