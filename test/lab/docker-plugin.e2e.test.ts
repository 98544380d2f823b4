/**
 * Docker's door, end to end, on a 2-node lab with Docker's own CLI (`docker -H <node's
 * socket>`): every agent serves the network plugin ovl in its node's plugin directory and
 * makes the Docker network ovl. Run as root; about 1-2 minutes.
 *
 * Steps, in order (a later one needs the earlier ones):
 *   1. lab up, control plane, the network ovl (driver ovl, IPAM ovl) on both nodes
 *   2. `docker run --network ovl` on n1 and n2 and an `ovl run` container: in `ovl ps` under
 *      their Docker names (origin docker), pings both ways between the doors
 *   3. `docker rm` frees the address (ovl ps, the history)
 *   4. `docker run -p` reachable from another node's LAN address
 *   5. Compose (Debian's docker-compose): two services on n1, one on n2, on the external
 *      network ovl, reaching each other by address
 *   6. with no coordinator, `docker run --network ovl` fails within seconds, leaving no
 *      container, no veth and no event
 *   7. a Docker container named as an `ovl run` container is listed under its id's name
 *   8. another ovl network through Docker: `docker network create -d ovl --ipam-driver ovl
 *      --subnet <back's range> back` on both nodes (without --subnet, or for an ovl network that
 *      does not exist, refused with what to type), `docker run --network back` on n1 and n2 and
 *      `docker network connect back`: on back's blocks and bridge, pinging each other; a
 *      container on `ovl` reaches none of them
 *   9. a Docker container on two ovl networks (front, then `docker network connect back`): in
 *      `ovl ps` and the history on both, reached on both; on ovl, then back, Docker refuses
 *      (back's range lies inside ovl's, a route the container already has)
 *  10. `docker network disconnect back` of a container on front and back: back's address is
 *      released (the history, ovl ps, its veth, pings and the name on back),
 *      it stays on front; connected again it gets the address back; off front, back is its
 *      first network; off its last network it leaves ovl
 * The lab (and every process this file started) comes down in test.after.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { vethNameFor, type PsRow } from "@ovl/domain";
import { IMAGE, LAB_CLUSTER, defaultOvlCommand, type ControlArgs, type LabInfo } from "@ovl/lab";
import { noRoot } from "../support/lab.js";
import { labControl } from "../support/lab-control.js";
import { runningLab } from "../support/running-lab.js";
import { exec, httpGet, pingStats, waitFor } from "../support/overlay.js";

const log = (l: string) => console.log(`    ${l}`);

const ctl = labControl("ovl-docker-plugin-e2e-");
const { dir } = ctl;
let info: LabInfo | null = null;

const controlArgs: ControlArgs = {
  ovlCommand: defaultOvlCommand(),
  coordinatorArgs: ctl.coordinatorArgs("coordinator", ["--mtu", String(LAB_CLUSTER.mtu)]),
};

const { ovl, docker, inNs, nodeOf } = runningLab(() => info);

async function ps(): Promise<PsRow[]> {
  const r = await ovl("ps", "--json");
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as PsRow[];
}

const running = (name: string) => waitFor(`${name} running in ovl ps`, 30_000, async () => (await ps()).find((r) => r.name === name && r.state === "running"), 300);

async function assertPing(node: string, from: string, to: string): Promise<void> {
  const r = await docker(node, "exec", from, "ping", "-c", "3", "-W", "1", to);
  const p = pingStats(r.stdout);
  assert.ok(p.sent === 3 && p.received === 3, `${from} -> ${to}: ${r.stdout}${r.stderr}`);
  log(`ok  ${from} -> ${to}`);
}

const vethsOf = async (node: string): Promise<string> => (await inNs(node, "ip", "-o", "link", "show", "type", "veth")).stdout.split("\n").map((l) => l.split(":")[1]?.trim().split("@")[0]).filter(Boolean).sort().join(",");

async function eventCount(): Promise<number> {
  const r = await ovl("events", "--json");
  assert.is(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n").filter(Boolean).length;
}

test.after(() => ctl.down());

test("1. lab up; each agent makes the Docker network ovl (driver ovl, IPAM ovl) on its node", async () => {
  if (noRoot()) return;
  info = await ctl.up({ nodes: 2, locked: true });
  await ctl.startBroker();
  ctl.startCoordinator(controlArgs);
  for (const n of info.nodes) ctl.startAgent(n.name, controlArgs);
  for (const n of info.nodes) {
    const net = await waitFor(`network ovl on ${n.name}`, 60_000, async () => {
      const r = await docker(n.name, "network", "inspect", "ovl", "--format", "{{.Driver}} {{.IPAM.Driver}} {{(index .IPAM.Config 0).Subnet}}");
      return r.code === 0 && r.stdout.trim();
    }, 500);
    assert.is(net, `ovl ovl ${LAB_CLUSTER.cidr}`);
  }
});

test("2. docker run --network ovl on n1 and n2, and ovl run: in ovl ps by their Docker names; pings both ways", async () => {
  if (noRoot()) return;
  for (const [node, name] of [["n1", "d1"], ["n2", "d2"]] as const) {
    const r = await docker(node, "run", "-d", "--network", "ovl", "--name", name, IMAGE);
    assert.is(r.code, 0, r.stderr);
  }
  const o = await ovl("run", "o1", "--node", "n2", "--image", IMAGE);
  assert.is(o.code, 0, o.stderr);
  const d1 = await running("d1");
  const d2 = await running("d2");
  const o1 = await running("o1");
  assert.is(d1.node, "n1");
  assert.is(d1.origin, "docker");
  assert.is(d2.origin, "docker");
  assert.is(o1.origin, undefined);
  const inside = await docker("n1", "inspect", "d1", "--format", "{{.NetworkSettings.Networks.ovl.IPAddress}}");
  assert.is(inside.stdout.trim(), d1.ip, "Docker's address is ovl's");
  await assertPing("n1", "d1", d2.ip);
  await assertPing("n2", "d2", d1.ip);
  await assertPing("n1", "d1", o1.ip);
  await assertPing("n2", "ovl-o1", d1.ip);
});

test("3. docker stop keeps the address; docker rm frees it (ovl ps, the history)", async () => {
  if (noRoot()) return;
  const before = (await ps()).find((r) => r.name === "d2")!;
  assert.is((await docker("n2", "stop", "-t", "1", "d2")).code, 0);
  const stopped = await waitFor("d2 exited", 20_000, async () => (await ps()).find((r) => r.name === "d2" && r.state === "exited"), 300);
  assert.is(stopped.ip, before.ip, "a stopped container keeps its address");
  assert.is((await docker("n2", "rm", "d2")).code, 0);
  await waitFor("d2 gone from ovl ps", 20_000, async () => !(await ps()).some((r) => r.name === "d2"), 300);
  const ev = await ovl("events", "--container", "d2", "--json");
  const last = ev.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; data: { reason?: string } }).at(-1)!;
  assert.is(last.type, "ContainerStopped");
  assert.is(last.data.reason, "docker rm");
});

test("4. docker run -p 8081:80 on n2: reachable from n1 through n2's LAN address", async () => {
  if (noRoot()) return;
  const r = await docker("n2", "run", "-d", "--network", "ovl", "--name", "web", "-p", "8081:80", IMAGE, "httpd", "-f", "-p", "80", "-h", "/etc");
  assert.is(r.code, 0, r.stderr);
  const web = await running("web");
  assert.equal(web.ports, [{ host: 8081, container: 80, proto: "tcp" }]);
  const url = `http://${nodeOf("n2").lanIp}:8081/hostname`;
  const got = await waitFor("the published port answers", 15_000, async () => {
    const res = await httpGet(nodeOf("n1").ns, url).catch(() => null);
    return res?.status === 200 && res;
  }, 300);
  assert.is(got.status, 200);
  const clash = await docker("n2", "run", "-d", "--network", "ovl", "--name", "web2", "-p", "8081:80", IMAGE);
  assert.is.not(clash.code, 0, "a host port already published is refused");
  assert.match(clash.stderr, /8081/);
  await docker("n2", "rm", "-f", "web2");
});

/** A Compose project on one node: its services on the external network ovl. */
function composeFile(services: readonly string[]): string {
  const lines = ["version: \"3\"", "services:"];
  for (const s of services) lines.push(`  ${s}:`, `    image: ${IMAGE}`);
  lines.push("networks:", "  default:", "    external: true", "    name: ovl", "");
  return lines.join("\n");
}

async function compose(node: string, project: string, services: readonly string[], ...args: string[]) {
  const where = join(dir, "compose", project);
  mkdirSync(where, { recursive: true });
  writeFileSync(join(where, "docker-compose.yml"), composeFile(services));
  return exec(["docker-compose", "-f", join(where, "docker-compose.yml"), "-p", project, ...args], { timeoutMs: 120_000, env: { ...process.env, DOCKER_HOST: nodeOf(node).dockerHost } });
}

test("5. Compose: two services on n1 and one on n2 on the external network ovl reach each other by address", async () => {
  if (noRoot()) return;
  const up1 = await compose("n1", "shop", ["front", "back"], "up", "-d");
  assert.is(up1.code, 0, up1.stderr);
  const up2 = await compose("n2", "stock", ["db"], "up", "-d");
  assert.is(up2.code, 0, up2.stderr);
  // Compose 1.x names containers <project>_<service>_1; ovl's names turn '_' into '-'.
  const front = await running("shop-front-1");
  const back = await running("shop-back-1");
  const db = await running("stock-db-1");
  assert.equal([front.node, back.node, db.node], ["n1", "n1", "n2"]);
  await assertPing("n1", "shop_front_1", back.ip);
  await assertPing("n1", "shop_back_1", db.ip);
  await assertPing("n2", "stock_db_1", front.ip);
  assert.is((await compose("n1", "shop", ["front", "back"], "down")).code, 0);
  assert.is((await compose("n2", "stock", ["db"], "down")).code, 0);
  await waitFor("compose down frees the addresses", 20_000, async () => !(await ps()).some((r) => /^(shop|stock)-/.test(r.name)), 300);
});

test("6. with no coordinator, docker run --network ovl fails within seconds and leaves nothing behind", async () => {
  if (noRoot()) return;
  const events = await eventCount();
  const veths = await vethsOf("n1");
  assert.equal(await ctl.stop(ctl.control("coordinator")), []);
  const t0 = Date.now();
  const r = await docker("n1", "run", "-d", "--network", "ovl", "--name", "lonely", IMAGE);
  const took = Date.now() - t0;
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /coordinator/);
  assert.ok(took < 15_000, `failed after ${took} ms`);
  log(`docker run failed in ${took} ms: ${r.stderr.trim().split("\n").at(-1)}`);
  await docker("n1", "rm", "-f", "lonely"); // `docker run` leaves the created container; Docker's, not ovl's
  assert.is(await vethsOf("n1"), veths, "no veth left");
  ctl.startCoordinator(controlArgs);
  await waitFor("the coordinator answers", 30_000, async () => (await ovl("ps", "--json")).code === 0, 500);
  assert.is(await eventCount(), events, "no event appended");
  assert.not.ok((await ps()).some((r) => r.origin === "docker-ipam"), "no reservation left");
});

test("7. a Docker name that is an ovl container's: the container is on ovl under its id's name, not left on its reservation", async () => {
  if (noRoot()) return;
  const o = await ovl("run", "twin", "--node", "n2", "--image", IMAGE);
  assert.is(o.code, 0, o.stderr);
  const r = await docker("n1", "run", "-d", "--network", "ovl", "--name", "twin", IMAGE);
  assert.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  const row = await running(`docker-${id.slice(0, 12)}`);
  assert.is(row.origin, "docker");
  assert.is(row.node, "n1");
  assert.not.ok((await ps()).some((x) => x.origin === "docker-ipam"), "no reservation left");
  assert.is((await docker("n1", "rm", "-f", "twin")).code, 0);
  await waitFor("docker rm frees it", 20_000, async () => !(await ps()).some((x) => x.name === row.name), 300);
  assert.is((await ovl("rm", "twin")).code, 0);
});

async function assertNoPing(node: string, from: string, to: string): Promise<void> {
  const r = await docker(node, "exec", from, "ping", "-c", "2", "-W", "1", to);
  assert.is(pingStats(r.stdout).received, 0, `${from} -> ${to} must not answer: ${r.stdout}`);
  log(`ok  ${from} -/-> ${to}`);
}

test("8. another ovl network through Docker: its blocks and bridge, pings within it, nothing from ovl", async () => {
  if (noRoot()) return;
  const made = await ovl("network", "create", "back");
  assert.is(made.code, 0, made.stderr);
  const nets = JSON.parse((await ovl("network", "ls", "--json")).stdout) as { name: string; cidr: string; vni: number }[];
  const back = nets.find((n) => n.name === "back")!;
  // Without --subnet Docker would ask the plugin for ever (the node routes back's range): refused at once, with what to type.
  const bare = await docker("n1", "network", "create", "-d", "ovl", "--ipam-driver", "ovl", "--ipam-opt", "network=back", "back");
  assert.is.not(bare.code, 0);
  const told = `docker network create -d ovl --ipam-driver ovl --subnet ${back.cidr} back`;
  assert.ok(bare.stderr.includes(told), bare.stderr);
  log(`without --subnet: ${bare.stderr.trim()}`);
  for (const node of ["n1", "n2"]) {
    // The node's block of back comes with the network's decision; the plugin answers once its fold has it.
    const r = await waitFor(`docker network back on ${node}`, 20_000, async () => {
      const c = await docker(node, ...told.split(" ").slice(1));
      if (c.code !== 0) log(`docker network create back on ${node}: ${c.stderr.trim()}`);
      return c.code === 0 && c;
    }, 500);
    assert.is(r.code, 0);
  }
  for (const [node, name] of [["n1", "b1"], ["n2", "b2"]] as const) {
    const r = await docker(node, "run", "-d", "--network", "back", "--name", name, IMAGE);
    assert.is(r.code, 0, r.stderr);
  }
  const c = await docker("n2", "run", "-d", "--name", "c1", IMAGE); // Docker's bridge first
  assert.is(c.code, 0, c.stderr);
  const conn = await docker("n2", "network", "connect", "back", "c1");
  assert.is(conn.code, 0, conn.stderr);
  const a = await docker("n1", "run", "-d", "--network", "ovl", "--name", "a1", IMAGE);
  assert.is(a.code, 0, a.stderr);
  const rows = [await running("b1"), await running("b2"), await running("c1")];
  // The container's gateway on back is its node's: the resolver it names with --dns for ovl's names.
  const gw = (await docker("n1", "inspect", "b1", "--format", "{{.NetworkSettings.Networks.back.Gateway}}")).stdout.trim();
  assert.ok(gw !== "" && (await inNs("n1", "ip", "-4", "-o", "addr", "show", "dev", `ovlb-${back.vni}`)).stdout.includes(`inet ${gw}/`), `b1's gateway ${gw} is n1's on back`);
  log(`b1's gateway on back: ${gw}`);
  const a1 = await running("a1");
  for (const row of rows) {
    assert.equal(row.networks.map((n) => n.network), ["back"], `${row.name} is on back`);
    const link = await inNs(row.node, "ip", "-o", "link", "show", vethNameFor(row.ip));
    assert.match(link.stdout, new RegExp(`master ovlb-${back.vni} `), `${row.name}'s veth is on back's bridge`);
  }
  const [b1, b2, c1] = rows as [PsRow, PsRow, PsRow];
  await assertPing("n1", "b1", b2.ip);
  await assertPing("n2", "b2", b1.ip);
  await assertPing("n2", "c1", b1.ip);
  await assertNoPing("n1", "a1", b2.ip);
  await assertNoPing("n1", "a1", b1.ip);
  await assertNoPing("n1", "b1", a1.ip);
  for (const [node, name] of [["n1", "b1"], ["n2", "b2"], ["n2", "c1"], ["n1", "a1"]] as const) assert.is((await docker(node, "rm", "-f", name)).code, 0);
  await waitFor("docker rm frees them", 20_000, async () => !(await ps()).some((x) => ["b1", "b2", "c1", "a1"].includes(x.name)), 300);
  const nope = await docker("n1", "network", "create", "-d", "ovl", "--ipam-driver", "ovl", "--ipam-opt", "network=nope", "nope");
  assert.is.not(nope.code, 0, "a Docker network on an ovl network that does not exist is refused");
  assert.match(nope.stderr, /no ovl network named nope/);
});

test("9. a Docker container on two ovl networks (docker run --network front, then docker network connect back): recorded on both, reached on both", async () => {
  if (noRoot()) return;
  // back's range lies inside ovl's cluster range: Docker refuses an address whose range overlaps a route the container already has.
  const m0 = await docker("n1", "run", "-d", "--network", "ovl", "--name", "m0", IMAGE);
  assert.is(m0.code, 0, m0.stderr);
  await running("m0");
  const nested = await docker("n1", "network", "connect", "back", "m0");
  assert.is.not(nested.code, 0);
  assert.match(nested.stderr, /conflicts with existing route/);
  log(`ovl, then back: ${nested.stderr.trim()}`);
  await waitFor("no reservation left on n1", 10_000, async () => !(await ps()).some((x) => x.origin === "docker-ipam" && x.node === "n1"), 300);
  assert.equal((await running("m0")).networks.map((n) => n.network), ["ovl"]);

  assert.is((await ovl("network", "create", "front")).code, 0);
  const nets = JSON.parse((await ovl("network", "ls", "--json")).stdout) as { name: string; cidr: string; vni: number }[];
  const front = nets.find((n) => n.name === "front")!;
  for (const node of ["n1", "n2"]) {
    const r = await waitFor(`docker network front on ${node}`, 20_000, async () => {
      const c = await docker(node, "network", "create", "-d", "ovl", "--ipam-driver", "ovl", "--subnet", front.cidr, "front");
      return c.code === 0 && c;
    }, 500);
    assert.is(r.code, 0);
  }
  const m = await docker("n1", "run", "-d", "--network", "front", "--name", "m1", IMAGE);
  assert.is(m.code, 0, m.stderr);
  await running("m1");
  const conn = await docker("n1", "network", "connect", "back", "m1");
  assert.is(conn.code, 0, conn.stderr);
  // b3 names n2's gateway on back as its resolver (Docker's embedded one forwards to it); f3 names none.
  const backVni = nets.find((n) => n.name === "back")!.vni;
  const gw2 = /inet ([0-9.]+)\//.exec((await inNs("n2", "ip", "-4", "-o", "addr", "show", "dev", `ovlb-${backVni}`)).stdout)![1]!;
  for (const [name, net, dns] of [["b3", "back", ["--dns", gw2]], ["f3", "front", []]] as const) {
    const r = await docker("n2", "run", "-d", "--network", net, ...dns, "--name", name, IMAGE);
    assert.is(r.code, 0, r.stderr);
  }
  const m1 = await waitFor("m1 on front and back in ovl ps", 30_000, async () => (await ps()).find((r) => r.name === "m1" && r.state === "running" && r.networks.length === 2), 300);
  assert.equal(m1.networks.map((n) => n.network), ["front", "back"]);
  log(`m1: ${m1.networks.map((n) => `${n.network} ${n.ip}`).join(", ")}`);
  assert.not.ok((await ps()).some((x) => x.origin === "docker-ipam" && x.node === "n1"), "no reservation left on n1");
  const claims = (await ovl("events", "--container", "m1", "--json")).stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; data: { networks?: { network: string }[] } });
  assert.equal(claims.filter((e) => e.type === "ContainerStarted").map((e) => (e.data.networks ?? []).map((n) => n.network).join("+")), ["front", "front+back"], "the history records both attachments");
  const onBack = m1.networks[1]!.ip;
  const b3 = await running("b3");
  const f3 = await running("f3");
  await assertPing("n1", "m1", b3.ip);
  await assertPing("n1", "m1", f3.ip);
  await assertPing("n2", "b3", onBack);
  await assertPing("n2", "f3", m1.ip);
  await assertNoPing("n2", "f3", b3.ip);
  for (const [from, q] of [["b3", "m1.back"], ["b3", "m1"], ["f3", "m1"]] as const) {
    const r = await docker("n2", "exec", from, "nslookup", q);
    log(`${from}: nslookup ${q}: ${(r.stdout + r.stderr).replace(/\s+/g, " ").trim()}`);
  }
  const named = await docker("n2", "exec", "b3", "nslookup", "m1.back");
  assert.ok(named.stdout.includes(`Address: ${onBack}`), `b3 (--dns ${gw2}) resolves m1.back to ${onBack}: ${named.stdout}${named.stderr}`);
  const plain = await docker("n2", "exec", "f3", "nslookup", "m1");
  assert.not.ok(plain.stdout.includes(m1.ip), "without --dns, ovl's names are not asked");
  for (const [node, name] of [["n1", "m0"], ["n1", "m1"], ["n2", "b3"], ["n2", "f3"]] as const) assert.is((await docker(node, "rm", "-f", name)).code, 0);
  await waitFor("docker rm frees them", 20_000, async () => !(await ps()).some((x) => ["m0", "m1", "b3", "f3"].includes(x.name)), 300);
});

type Ev = { type: string; data: { reason?: string; networks?: { network: string }[] } };
const historyOf = async (name: string): Promise<Ev[]> => (await ovl("events", "--container", name, "--json")).stdout.trim().split("\n").map((l) => JSON.parse(l) as Ev);
/** The networks of each ContainerStarted of a container, in the history's order ("front+back"). */
const startsOf = (events: readonly Ev[]): string[] => events.filter((e) => e.type === "ContainerStarted").map((e) => (e.data.networks ?? []).map((n) => n.network).join("+"));
/** The container's row once it runs on exactly these networks. */
const runningOn = (name: string, networks: readonly string[]) =>
  waitFor(`${name} running on ${networks.join("+")}`, 30_000, async () => (await ps()).find((r) => r.name === name && r.state === "running" && r.networks.map((n) => n.network).join("+") === networks.join("+")), 300);
const permanentNeigh = async (node: string, ip: string): Promise<string> => (await inNs(node, "ip", "-4", "neigh", "show", "to", ip, "nud", "permanent")).stdout.trim();

test("10. docker network disconnect back: back's address is released, the container stays on front; connect again, disconnect front, then the last network", async () => {
  if (noRoot()) return;
  const nets = JSON.parse((await ovl("network", "ls", "--json")).stdout) as { name: string; vni: number }[];
  const backVni = nets.find((n) => n.name === "back")!.vni;
  const gw2 = /inet ([0-9.]+)\//.exec((await inNs("n2", "ip", "-4", "-o", "addr", "show", "dev", `ovlb-${backVni}`)).stdout)![1]!;
  assert.is((await docker("n1", "run", "-d", "--network", "front", "--name", "m2", IMAGE)).code, 0);
  await running("m2");
  const conn = await docker("n1", "network", "connect", "back", "m2");
  assert.is(conn.code, 0, conn.stderr);
  for (const [name, net, dns] of [["b4", "back", ["--dns", gw2]], ["f4", "front", []]] as const) {
    const r = await docker("n2", "run", "-d", "--network", net, ...dns, "--name", name, IMAGE);
    assert.is(r.code, 0, r.stderr);
  }
  const both = await runningOn("m2", ["front", "back"]);
  const onBack = both.networks[1]!.ip;
  const f4 = await running("f4");
  await running("b4");
  await assertPing("n2", "b4", onBack);
  assert.match((await docker("n2", "exec", "b4", "nslookup", "m2.back")).stdout, `Address: ${onBack}`);
  // The peer's wiring for the address: a neighbour entry through VXLAN; in the lab's mode (auto, one LAN) a route for n1's block instead, nothing per address.
  const neigh = await permanentNeigh("n2", onBack);
  log(neigh ? `n2 wires ${onBack} through VXLAN: ${neigh}` : `n2 routes n1's block of back directly: no entry per address`);
  assert.is((await inNs("n1", "ip", "-o", "link", "show", vethNameFor(onBack))).code, 0, `n1 has m2's veth on back`);

  const t0 = Date.now();
  const off = await docker("n1", "network", "disconnect", "back", "m2");
  assert.is(off.code, 0, off.stderr);
  const front = await runningOn("m2", ["front"]);
  log(`disconnect back: m2 on front only in ovl ps after ${Date.now() - t0} ms`);
  assert.is(front.ip, both.ip, "its first network and address stay");
  assert.not.ok((await ps()).some((r) => r.networks.some((n) => n.ip === onBack)), `no row holds ${onBack}`);
  assert.equal(startsOf(await historyOf("m2")), ["front", "front+back", "front"], "the history records the disconnect");
  if (neigh) await waitFor(`n2's neighbour entry for ${onBack} goes`, 15_000, async () => (await permanentNeigh("n2", onBack)) === "", 300);
  await waitFor(`m2's veth on back goes from n1`, 15_000, async () => (await inNs("n1", "ip", "-o", "link", "show", vethNameFor(onBack))).code !== 0, 300);
  await assertNoPing("n2", "b4", onBack);
  const gone = await docker("n2", "exec", "b4", "nslookup", "m2.back");
  log(`b4: nslookup m2.back: ${(gone.stdout + gone.stderr).replace(/\s+/g, " ").trim()}`);
  assert.not.ok(gone.stdout.includes(onBack), "m2.back no longer answers");
  await assertPing("n1", "m2", f4.ip);
  await assertPing("n2", "f4", front.ip);
  // Docker's calls for a second release, or an endpoint gone, change nothing: the record is as it was.
  assert.is.not((await docker("n1", "network", "disconnect", "back", "m2")).code, 0, "Docker refuses a second disconnect itself");
  assert.equal((await runningOn("m2", ["front"])).networks, front.networks);

  const again = await docker("n1", "network", "connect", "back", "m2");
  assert.is(again.code, 0, again.stderr);
  const back2 = await runningOn("m2", ["front", "back"]);
  assert.is(back2.networks[1]!.ip, onBack, "the address released is handed out again (lowest free)");
  await assertPing("n2", "b4", onBack);

  // Off its first network, back becomes its first; off its last, it leaves ovl (as at docker rm), still running in Docker.
  assert.is((await docker("n1", "network", "disconnect", "front", "m2")).code, 0);
  const onlyBack = await runningOn("m2", ["back"]);
  assert.is(onlyBack.ip, onBack);
  await assertPing("n2", "b4", onBack);
  await assertNoPing("n2", "f4", front.ip);
  assert.is((await docker("n1", "network", "disconnect", "back", "m2")).code, 0);
  await waitFor("m2 gone from ovl ps", 20_000, async () => !(await ps()).some((r) => r.name === "m2"), 300);
  const last = (await historyOf("m2")).at(-1)!;
  assert.is(last.type, "ContainerStopped");
  assert.is(last.data.reason, "docker network disconnect");
  assert.is((await docker("n1", "inspect", "-f", "{{.State.Running}}", "m2")).stdout.trim(), "true", "Docker's container runs on, outside ovl");
  for (const [node, name] of [["n1", "m2"], ["n2", "b4"], ["n2", "f4"]] as const) assert.is((await docker(node, "rm", "-f", name)).code, 0);
  await waitFor("docker rm frees them", 20_000, async () => !(await ps()).some((x) => ["m2", "b4", "f4"].includes(x.name)), 300);
});

test.run();
