/**
 * Published ports on the node's own 127.0.0.1, as Docker's answer there. The output chain
 * DNATs a connection to 127.0.0.1:PORT to the container; three things make that work:
 * - route_localnet=1 on ovl-br: the kernel routes a packet whose source is 127.0.0.1 out
 *   of a device only where this is set (Docker sets it on docker0 without its userland proxy);
 * - an SNAT of such packets to the node's LAN address as they leave on ovl-br: the container
 *   answers an ordinary address, and its reply (LAN address, outside the cluster) is
 *   tracked, so conntrack turns it back into 127.0.0.1 (masquerading to the gateway would
 *   not work: cluster-to-cluster packets are not tracked, see nft.ts);
 * - a guard: with route_localnet on, a container could send to 127.0.0.1 and reach the
 *   node's loopback services, so anything arriving on ovl-br for 127.0.0.0/8 is dropped at
 *   the raw priority, before conntrack turns a legitimate reply back into 127.0.0.1
 *   (kube-proxy drops the same, CVE-2020-8558).
 * route_localnet belongs to ovl-br, so it goes with the device; it is set when the bridge is
 * made or fixed and whenever ovl's nft table is loaded (an agent upgraded over an older
 * bridge loads a new table, hence sets it).
 */
import { isAlreadyGone, runAs, type Runner } from "./exec.js";
import type { DesiredNode } from "./types.js";

const LOOPBACK = "127.0.0.0/8";

/** `bridge`: ovl-br, or the networks' bridges as one wildcard (every bridge ovl makes has route_localnet on). */
export const localnetGuard = (d: DesiredNode, bridge = d.bridge.name): string => `\t\tiifname "${bridge}" ip daddr ${LOOPBACK} drop`;

export const localnetSnat = (d: DesiredNode, bridge = d.bridge.name): string => `\t\tip saddr ${LOOPBACK} oifname "${bridge}" snat to ${d.node.underlayIp}`;

export const routeLocalnetKey = (dev: string): string => `net.ipv4.conf.${dev}.route_localnet`;

/** Sets route_localnet=1 on the bridge; a bridge not made yet is no error (its making sets it). */
export async function setRouteLocalnet(run: Runner, dev: string): Promise<void> {
  try {
    await runAs(run, `set ${routeLocalnetKey(dev)}=1`, "sysctl", ["-q", "-w", `${routeLocalnetKey(dev)}=1`]);
  } catch (err) {
    if (!isAlreadyGone(err)) throw err;
  }
}
