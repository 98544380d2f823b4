/**
 * The parsing of the kernel's batched JSON answers (`ip -j -d -batch`, `tc -j -batch`: one
 * array per listing, one line each), and the sysctls read out of `ip -j netconf show`.
 * Samples taken from iproute2 6.1 on this machine's kernel.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { KernelError, linksOf, parseBatchJson, parseJsonRows, sysctlsOf } from "@ovl/node-agent";

const codeOf = (f: () => unknown): string | null => {
  try {
    f();
    return null;
  } catch (err) {
    return err instanceof KernelError ? err.code : `not a KernelError: ${String(err)}`;
  }
};

const LINKS = '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536}]';
const NEIGH = '[{"dst":"198.19.1.5","dev":"ovl-vx","lladdr":"02:42:c6:13:01:05","state":["PERMANENT"]}]';

test("a batch answers one array per listing, in order, empty ones included", () => {
  const rows = parseBatchJson(`${LINKS}\n${NEIGH}\n[]\n`, 3, "read");
  assert.is(rows.length, 3);
  assert.is(rows[0]![0]!.ifname, "lo");
  assert.is(rows[1]![0]!.lladdr, "02:42:c6:13:01:05");
  assert.equal(rows[2], []);
});

test("a batch with an answer missing or one too many is refused (every answer after it would shift)", () => {
  assert.is(codeOf(() => parseBatchJson(`${LINKS}\n[]\n`, 3, "read")), "INVALID_INPUT");
  assert.is(codeOf(() => parseBatchJson(`${LINKS}\n[]\n[]\n[]\n`, 3, "read")), "INVALID_INPUT");
});

test("an answer that is not a JSON array of objects is refused", () => {
  assert.is(codeOf(() => parseJsonRows("Error: something", "read")), "INVALID_INPUT");
  assert.is(codeOf(() => parseJsonRows('{"ifname":"lo"}', "read")), "INVALID_INPUT");
  assert.is(codeOf(() => parseJsonRows("[1,2]", "read")), "INVALID_INPUT");
  assert.is(codeOf(() => parseBatchJson(`${LINKS}\n[null]\n`, 2, "read")), "INVALID_INPUT");
  assert.equal(parseJsonRows("  \n", "read"), []);
});

test("links need a name", () => {
  assert.is(linksOf(parseJsonRows(LINKS, "read"))[0]!.ifname, "lo");
  assert.is(codeOf(() => linksOf([{ ifindex: 3 }])), "INVALID_INPUT");
});

const NETCONF = [
  { family: "inet", interface: "ovl-br", forwarding: true, proxy_neigh: true },
  { family: "inet", interface: "ovlbr3", forwarding: true, proxy_neigh: false },
  { family: "inet", interface: "all", forwarding: false, proxy_neigh: false },
  { family: "inet6", interface: "all", forwarding: true, proxy_neigh: true },
];

test("netconf: ip_forward is the IPv4 'all' entry, a bridge's proxy_arp its proxy_neigh, a missing device none", () => {
  assert.equal(sysctlsOf(NETCONF, ["ovl-br", "ovlbr3", "ovlbr9"]), {
    "net.ipv4.ip_forward": "0",
    "net.ipv4.conf.ovl-br.proxy_arp": "1",
    "net.ipv4.conf.ovlbr3.proxy_arp": "0",
  });
  assert.equal(sysctlsOf([{ family: "inet", interface: "all", forwarding: 1 }], []), { "net.ipv4.ip_forward": "1" });
});

test.run();
