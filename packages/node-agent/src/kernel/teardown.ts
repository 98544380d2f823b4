/**
 * teardown(): leaves the node as it was before ovl, whatever state it is in. Every part is
 * attempted even when another fails (a node that half-left must still be cleaned); the
 * failures are reported together at the end, and the state file (the original sysctls) is
 * kept until everything succeeded, so a retry can still restore them.
 *
 * Order: rules first (no NAT toward devices about to vanish), then links (deleting a link
 * takes its addresses, routes, neighbour and FDB entries with it), then the sysctls.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { KernelError, KernelErrorCodes, runAs, type Runner } from "./exec.js";
import { remove } from "./apply.js";
import { ownedRules, ruleLines } from "./iptables.js";
import type { StateStore } from "./state-file.js";
import { BRIDGE, DOCKER_USER, NET_BRIDGE, NET_VXLAN, NFT_TABLE, ROUTE_PROTO, VETH_NAME, VXLAN } from "./names.js";
import { readRoutes } from "./actual.js";

type Part = () => Promise<void>;

async function removeDockerUser(run: Runner, store: StateStore): Promise<void> {
  const iptables = (what: string, argv: string[]) => runAs(run, what, "iptables", ["-w", ...argv]);
  const listing = (await iptables("list iptables filter table", ["-S"])).stdout;
  const lines = ruleLines(listing);
  for (const rule of ownedRules(lines)) await remove(run, `remove rule ${rule.join(" ")} from ${DOCKER_USER}`, "iptables", ["-w", "-D", DOCKER_USER, ...rule]);
  const chains = listing.split("\n");
  const rest = lines.filter((l) => l.startsWith(`-A ${DOCKER_USER} `) && !/--comment "?ovl"?( |$)/.test(l));
  // Only a chain ovl made, that dockerd has not adopted (no DOCKER chain) and holds nothing else.
  const ours = store.read().createdDockerUser && chains.includes(`-N ${DOCKER_USER}`) && !chains.includes("-N DOCKER");
  if (ours && rest.every((l) => l === `-A ${DOCKER_USER} -j RETURN`)) {
    await remove(run, `remove FORWARD jump to ${DOCKER_USER}`, "iptables", ["-w", "-D", "FORWARD", "-j", DOCKER_USER]);
    await iptables(`flush ${DOCKER_USER}`, ["-F", DOCKER_USER]);
    await iptables(`delete chain ${DOCKER_USER}`, ["-X", DOCKER_USER]);
  }
  store.update((s) => ({ ...s, createdDockerUser: false }));
}

async function removeLinks(run: Runner): Promise<void> {
  const out = (await runAs(run, "list links", "ip", ["-j", "link", "show"])).stdout.trim();
  const names = (out ? (JSON.parse(out) as { ifname: string }[]) : []).map((l) => l.ifname);
  // Veths first, then the VXLAN devices, then the bridges they hang on (the networks' too).
  const doomed = [
    ...names.filter((n) => VETH_NAME.test(n)),
    ...[VXLAN].filter((n) => names.includes(n)),
    ...names.filter((n) => NET_VXLAN.test(n)),
    ...[BRIDGE].filter((n) => names.includes(n)),
    ...names.filter((n) => NET_BRIDGE.test(n)),
  ];
  const failures: Error[] = [];
  for (const name of doomed) await remove(run, `delete link ${name}`, "ip", ["link", "del", name]).catch((e: Error) => failures.push(e));
  if (failures.length) throw failures[0];
}

/** ovl's routes to peers' blocks (they usually went with the bridge's address, their source). */
async function removeRoutes(run: Runner): Promise<void> {
  for (const r of await readRoutes(run)) await remove(run, `remove route ${r.dst}`, "ip", ["route", "del", r.dst, "proto", String(ROUTE_PROTO)]);
}

async function restoreSysctls(run: Runner, store: StateStore): Promise<void> {
  for (const [key, value] of Object.entries(store.read().sysctls)) {
    await runAs(run, `restore sysctl ${key}=${value}`, "sysctl", ["-q", "-w", `${key}=${value}`]);
  }
}

export async function teardown(run: Runner, store: StateStore, stateDir: string, log: (line: string) => void): Promise<void> {
  const parts: [string, Part][] = [
    [`delete nftables table ip ${NFT_TABLE}`, () => remove(run, `delete nftables table ip ${NFT_TABLE}`, "nft", ["delete", "table", "ip", NFT_TABLE])],
    [`remove ovl rules from ${DOCKER_USER}`, () => removeDockerUser(run, store)],
    ["delete ovl links", () => removeLinks(run)],
    ["remove ovl routes", () => removeRoutes(run)],
    ["restore sysctls", () => restoreSysctls(run, store)],
  ];
  const failures: Error[] = [];
  for (const [what, part] of parts) {
    try {
      await part();
      log(what);
    } catch (err) {
      failures.push(err as Error);
      log(`failed: ${(err as Error).message}`);
    }
  }
  if (failures.length) {
    throw new KernelError(KernelErrorCodes.Teardown, `teardown incomplete: ${failures.map((e) => e.message).join("; ")}`, { cause: failures[0] });
  }
  store.remove();
  for (const f of ["ovl.nft", "ovl.batch"]) rmSync(join(stateDir, f), { force: true });
}
