/**
 * Names, end to end on a 2-node lab (real dockerd per node, nats-server, coordinator, agents
 * and kernel). Run as root, under `flock /tmp/ovl-e2e.lock`.
 *
 * The agents forward names that are not the cluster's to a tiny resolver this test runs on
 * the lab LAN (198.18.0.1, a port of its own), given with `ovl agent --dns-upstream`.
 * Steps, in order (each a test; a later one needs the earlier ones):
 *   1. lab up, control plane, the resolver; db (alias pg) on n2, web on n1: running, and
 *      web's resolver is n1's gateway
 *   2. from web: `ping db` across nodes, `nslookup db.ovl`, the alias, an outside name
 *      answered by the test's resolver; a name taken as an alias is refused, nothing appended
 *   3. `ovl rm db`: web gets NXDOMAIN for db, db.ovl and pg, from ovl (the resolver never asked)
 *   4. the name service answers only the overlay: from n1's namespace itself, no answer
 *   5. a second network: names under it are ovl's (NXDOMAIN for a container not on it, the
 *      LAN resolver never asked) while names on `ovl` keep answering; once it is removed,
 *      its suffix goes to the resolver again
 *   6. names by the asker's networks: a container on front and ovl and one on front only
 *      answer each other by NAME and NAME.front across nodes; across networks NXDOMAIN
 * The lab (and every process this file started) comes down in test.after.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import dnsPacket from "dns-packet";
import { OvlClient, lastSequence } from "@ovl/client";
import { contains, ipToInt, isIpv4, parseCidr, type PsRow } from "@ovl/domain";
import { IMAGE, LAB_CLUSTER, LAN_GATEWAY, defaultOvlCommand, type ControlArgs, type LabInfo } from "@ovl/lab";
import { noRoot } from "../support/lab.js";
import { labControl } from "../support/lab-control.js";
import { runningLab } from "../support/running-lab.js";
import { pingStats, waitFor } from "../support/overlay.js";

const log = (l: string) => console.log(`    ${l}`);
/** What the test's resolver answers for its one name. */
const OUTSIDE_NAME = "outside.example";
const OUTSIDE_IP = "198.18.5.5";

const ctl = labControl("ovl-names-e2e-");
const { dir } = ctl;
let info: LabInfo | null = null;
let client: OvlClient | null = null;
const ctr = new Map<string, PsRow>();

/** A resolver on the lab LAN that knows one name, over UDP and TCP, and records what it was asked. */
class LanResolver {
  readonly asked: string[] = [];
  private readonly udp: Socket = createSocket("udp4");
  private readonly tcp: Server = createServer((c) => c.on("data", (d) => c.write(dnsPacket.streamEncode(dnsPacket.decode(this.respond(d.subarray(2)))))));
  port = 0;

  private respond(msg: Buffer): Buffer {
    const query = dnsPacket.decode(msg);
    const q = query.questions?.[0];
    this.asked.push(q?.name ?? "");
    const known = q?.name.toLowerCase() === OUTSIDE_NAME && q.type === "A";
    const rcode = q?.name.toLowerCase() === OUTSIDE_NAME ? 0 : 3;
    return dnsPacket.encode({
      type: "response", id: query.id, flags: dnsPacket.RECURSION_AVAILABLE | rcode, questions: query.questions,
      answers: known ? [{ type: "A", class: "IN", name: q!.name, ttl: 5, data: OUTSIDE_IP }] : [],
    });
  }

  async start(): Promise<void> {
    this.udp.on("message", (msg, from) => {
      try {
        this.udp.send(this.respond(msg), from.port, from.address);
      } catch {
        // not DNS: no answer
      }
    });
    await new Promise<void>((r) => this.udp.bind(0, LAN_GATEWAY, () => r()));
    this.port = this.udp.address().port;
    await new Promise<void>((r) => this.tcp.listen(this.port, LAN_GATEWAY, () => r()));
  }

  close(): Promise<void> {
    return Promise.all([new Promise<void>((r) => this.udp.close(() => r())), new Promise<void>((r) => this.tcp.close(() => r()))]).then(() => undefined);
  }
}

const resolver = new LanResolver();
let resolverUp = false;

const controlArgs = (): ControlArgs => ({
  ovlCommand: defaultOvlCommand(),
  coordinatorArgs: ctl.coordinatorArgs("coordinator", ["--mtu", String(LAB_CLUSTER.mtu)]),
  agentArgs: (n) => ["agent", "--node", n.name, "--ip", n.lanIp, "--state-dir", join(dir, n.name, "agent"), "--dns-upstream", `${LAN_GATEWAY}:${resolver.port}`],
});

const { lab, ovl, docker, inNs } = runningLab(() => info);
const inCtr = (name: string, ...argv: string[]) => docker(ctr.get(name)!.node, "exec", `ovl-${name}`, ...argv);
const nslookup = async (from: string, name: string) => {
  const r = await inCtr(from, "nslookup", name);
  return (r.stdout + r.stderr).trim();
};

test.after(async () => {
  await client?.close().catch(() => {});
  if (resolverUp) await resolver.close();
  await ctl.down();
});

test("1. lab up, a resolver on the LAN, db (alias pg) on n2 and web on n1: running; web's resolver is n1's gateway", async () => {
  if (noRoot()) return;
  info = await ctl.up({ nodes: 2 });
  await resolver.start();
  resolverUp = true;
  await ctl.startBroker();
  ctl.startCoordinator(controlArgs());
  for (const n of info.nodes) ctl.startAgent(n.name, controlArgs());
  client = await OvlClient.connect({ url: info.natsUrl, name: "names-e2e", reconnect: true, requestDefaults: { timeoutMs: 5000 } });
  await waitFor("2 nodes ready with a subnet", 90_000, async () => (await client!.nodes()).filter((x) => x.status === "ready" && x.subnet).length === 2, 500);
  for (const [name, node, extra] of [["db", "n2", ["--alias", "pg"]], ["web", "n1", []]] as const) {
    const r = await ovl("run", name, "--node", node, "--image", IMAGE, ...extra);
    assert.is(r.code, 0, `ovl run ${name}: ${r.stderr}`);
  }
  for (const row of await client.ps()) ctr.set(row.name, row);
  const gateway = (await client.nodes()).find((n) => n.name === "n1")!.gateway;
  const conf = (await inCtr("web", "cat", "/etc/resolv.conf")).stdout;
  assert.match(conf, new RegExp(`^nameserver ${gateway!.replaceAll(".", "\\.")}$`, "m"), conf);
  log(`db@n2=${ctr.get("db")!.ip} web@n1=${ctr.get("web")!.ip}; web's resolver ${gateway}`);
});

test("2. from web: ping db across nodes, db.ovl, the alias, an outside name through the LAN resolver", async () => {
  if (noRoot()) return;
  lab();
  const db = ctr.get("db")!.ip;
  const ping = await inCtr("web", "ping", "-c", "3", "-W", "1", "db");
  const stats = pingStats(ping.stdout);
  assert.ok(stats.sent === 3 && stats.received === 3, ping.stdout + ping.stderr);
  assert.match(ping.stdout, new RegExp(`PING db \\(${db.replaceAll(".", "\\.")}\\)`));
  for (const name of ["db", "db.ovl", "pg", "pg.ovl"]) {
    const out = await nslookup("web", name);
    assert.match(out, new RegExp(`Address:\\s+${db.replaceAll(".", "\\.")}\\s*$`, "m"), `${name}: ${out}`);
  }
  const outside = await nslookup("web", OUTSIDE_NAME);
  assert.match(outside, new RegExp(`Address:\\s+${OUTSIDE_IP.replaceAll(".", "\\.")}`), outside);
  assert.ok(resolver.asked.includes(OUTSIDE_NAME), "the LAN resolver was asked");
  assert.not.ok(resolver.asked.some((n) => ["db", "db.ovl", "pg", "pg.ovl"].includes(n)), `ovl's names stay in the cluster: ${resolver.asked.join(" ")}`);
  // An ambiguous alias is refused in decide, and nothing is appended.
  const before = await lastSeq();
  const refused = await ovl("run", "cache", "--node", "n1", "--image", IMAGE, "--alias", "db");
  assert.is(refused.code === 0, false, refused.stdout);
  assert.match(refused.stderr, /alias db would be ambiguous: container db already answers to it/);
  assert.is(await lastSeq(), before, "nothing appended");
});

const lastSeq = (): Promise<number> => lastSequence(client!.nc);

test("3. `ovl rm db`: db, db.ovl and pg answer NXDOMAIN from ovl, without asking the LAN resolver", async () => {
  if (noRoot()) return;
  lab();
  const asked = resolver.asked.length;
  const t0 = Date.now();
  const r = await ovl("rm", "db");
  assert.is(r.code, 0, r.stderr);
  await waitFor("db is NXDOMAIN from web", 10_000, async () => /NXDOMAIN/.test(await nslookup("web", "db")), 100);
  log(`db NXDOMAIN from web ${Date.now() - t0} ms after \`ovl rm\` was run (its CLI start-up and docker exec included)`);
  for (const name of ["db.ovl", "pg", "pg.ovl"]) assert.match(await nslookup("web", name), /NXDOMAIN/, name);
  const since = resolver.asked.slice(asked);
  assert.not.ok(since.some((n) => ["db", "db.ovl", "pg", "pg.ovl"].includes(n)), `asked upstream: ${since.join(" ")}`);
});

test("4. the name service answers the overlay only: from n1's namespace itself, no answer", async () => {
  if (noRoot()) return;
  lab();
  const gateway = (await client!.nodes()).find((n) => n.name === "n1")!.gateway!;
  // The host's busybox (lab/debian-packages.txt); nslookup gives up after its own retries.
  const fromNode = await inNs("n1", "timeout", "8", "busybox", "nslookup", "web", gateway);
  assert.not.match(fromNode.stdout, new RegExp(ctr.get("web")!.ip.replaceAll(".", "\\.")), fromNode.stdout + fromNode.stderr);
  // And the same question from a container is answered.
  assert.match(await nslookup("web", "web"), new RegExp(ctr.get("web")!.ip.replaceAll(".", "\\.")));
});

test("5. a network made: NAME.NETWORK is ovl's, NXDOMAIN to web (not on it); removed: forwarded again", async () => {
  if (noRoot()) return;
  lab();
  const made = await ovl("network", "create", "back");
  assert.is(made.code, 0, made.stderr);
  const asked = resolver.asked.length;
  await waitFor("web.back is NXDOMAIN from web", 10_000, async () => /NXDOMAIN/.test(await nslookup("web", "web.back")), 100);
  assert.match(await nslookup("web", "web"), new RegExp(ctr.get("web")!.ip.replaceAll(".", "\\.")), "names on ovl still answer");
  assert.not.ok(resolver.asked.slice(asked).includes("web.back"), `asked upstream: ${resolver.asked.slice(asked).join(" ")}`);
  const removed = await ovl("network", "rm", "back");
  assert.is(removed.code, 0, removed.stderr);
  await waitFor("web.back forwarded to the LAN resolver", 10_000, async () => (await nslookup("web", "web.back"), resolver.asked.includes("web.back")), 100);
});

test("6. names by the asker's networks: api on front (n2), ui on front and ovl (n1), web on ovl only", async () => {
  if (noRoot()) return;
  lab();
  assert.is((await ovl("network", "create", "front")).code, 0);
  for (const [name, node, nets] of [["api", "n2", ["front"]], ["ui", "n1", ["front", "ovl"]]] as const) {
    const r = await ovl("run", name, "--node", node, "--image", IMAGE, ...nets.flatMap((n) => ["--network", n]));
    assert.is(r.code, 0, `ovl run ${name}: ${r.stderr}`);
  }
  for (const row of await client!.ps()) ctr.set(row.name, row);
  const on = (name: string, network: string) => ctr.get(name)!.networks.find((n) => n.network === network)!.ip;
  const answers = async (from: string, name: string, ip: string) =>
    assert.match(await nslookup(from, name), new RegExp(`Address:\\s+${ip.replaceAll(".", "\\.")}\\s*$`, "m"), `${from} asks ${name}`);
  // api's resolver is its own network's gateway on n2 (the first address of n2's block of front).
  const front = parseCidr((await client!.networks()).find((n) => n.name === "front")!.cidr);
  const nameserver = /^nameserver (\S+)$/m.exec((await inCtr("api", "cat", "/etc/resolv.conf")).stdout)?.[1] ?? "";
  assert.ok(isIpv4(nameserver) && contains(front, ipToInt(nameserver)), `api's resolver ${nameserver} is on front`);
  await waitFor("api answers ui by name", 10_000, async () => !/NXDOMAIN|can't/.test(await nslookup("api", "ui")), 200);
  await answers("api", "ui", on("ui", "front"));
  await answers("api", "ui.front", on("ui", "front"));
  await answers("ui", "api", on("api", "front"));
  await answers("ui", "api.front", on("api", "front"));
  await answers("ui", "web", ctr.get("web")!.ip);
  const ping = pingStats((await inCtr("ui", "ping", "-c", "2", "-W", "1", "api")).stdout);
  assert.ok(ping.received === 2, "ui pings api by name across nodes");
  // No shared network: NXDOMAIN, from ovl, both ways.
  for (const [from, name] of [["web", "api"], ["web", "api.front"], ["api", "web"], ["api", "web.ovl"]] as const) {
    assert.match(await nslookup(from, name), /NXDOMAIN/, `${from} asks ${name}`);
  }
  for (const name of ["api", "ui"]) assert.is((await ovl("rm", name)).code, 0);
  await waitFor("front has no containers left", 10_000, async () => (await ovl("network", "rm", "front")).code === 0, 500);
});

test.run();
