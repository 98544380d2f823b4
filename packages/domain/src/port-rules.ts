/**
 * The rules a container's published ports obey on its node, whichever door it came in by
 * (`ovl run -p` or `docker run -p` on the network ovl): one host port per node and protocol
 * (an address-bound one clashes with the same port unbound), given once, on the node's own
 * LAN address if an address is given.
 */
import { OvlError, OvlErrorCodes as C } from "./errors.js";
import { formatPort, portsClash, type PortMapping } from "./names.js";
import type { NodeRecord } from "./state.js";

/** Throws INVALID_INPUT or PORT_IN_USE for the first port that breaks a rule; `except`: containers not counted (being replaced). */
export function checkPublish(node: NodeRecord, ports: readonly PortMapping[], except: ReadonlySet<string> = new Set()): void {
  for (const [i, p] of ports.entries()) {
    if (p.hostIp && p.hostIp !== node.underlayIp) {
      throw new OvlError(C.InvalidInput, `port ${formatPort(p)}: host address ${p.hostIp} is not node ${node.name}'s address ${node.underlayIp}`);
    }
    if (ports.slice(0, i).some((q) => portsClash(p, q))) throw new OvlError(C.PortInUse, `port ${formatPort(p)} is given twice`);
    const holder = Object.values(node.containers).find((c) => !except.has(c.name) && c.ports.some((q) => portsClash(p, q)));
    if (holder) throw new OvlError(C.PortInUse, `host port ${p.host}/${p.proto} on node ${node.name} is already published by container ${holder.name}`);
  }
}
