/**
 * Is a host port already taken by a process of the node? Read from `ss` (listening TCP
 * sockets, bound UDP sockets), so the agent can refuse a published port that would
 * silently shadow, or be shadowed by, a local service. ovl's own DNAT rules hold no socket
 * and are not seen here.
 */
import { isIpv4 } from "@ovl/domain";
import { KernelError, KernelErrorCodes, runAs, type Runner } from "./exec.js";

export interface Listener {
  readonly proto: "tcp" | "udp";
  /** Bound address: "*" for every address (0.0.0.0, ::, *), else the address. */
  readonly addr: string;
  readonly port: number;
}

const WILDCARD = new Set(["*", "0.0.0.0", "::", "[::]"]);

/** Parses `ss -Hlntu` lines: "tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:*" (with an optional %iface after the address). */
export function parseSs(text: string): Listener[] {
  return text.split("\n").flatMap((line): Listener[] => {
    const cols = line.trim().split(/\s+/);
    const proto = cols[0];
    const local = cols[4];
    if ((proto !== "tcp" && proto !== "udp") || !local) return [];
    const cut = local.lastIndexOf(":");
    const port = Number(local.slice(cut + 1));
    const host = local.slice(0, cut).replace(/%[^\]]*/, "").replace(/^\[(.*)\]$/, "$1");
    if (!Number.isInteger(port) || port < 1) return [];
    return [{ proto, addr: WILDCARD.has(host) || WILDCARD.has(`[${host}]`) ? "*" : host, port }];
  });
}

/** True when a listener clashes with a mapping on hostIp (or on every address when absent). */
export function clashes(listeners: readonly Listener[], proto: "tcp" | "udp", port: number, hostIp?: string): boolean {
  return listeners.some((l) => l.proto === proto && l.port === port && (!hostIp || l.addr === "*" || l.addr === hostIp));
}

export async function isHostPortInUse(run: Runner, proto: "tcp" | "udp", port: number, hostIp?: string): Promise<boolean> {
  if (proto !== "tcp" && proto !== "udp") throw new KernelError(KernelErrorCodes.InvalidInput, `invalid protocol ${JSON.stringify(proto)}: tcp or udp`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new KernelError(KernelErrorCodes.InvalidInput, `invalid port ${JSON.stringify(port)}: 1-65535`);
  if (hostIp !== undefined && !isIpv4(hostIp)) throw new KernelError(KernelErrorCodes.InvalidInput, `invalid host address ${JSON.stringify(hostIp)}`);
  const { stdout } = await runAs(run, "list listening sockets", "ss", ["-Hlntu"]);
  return clashes(parseSs(stdout), proto, port, hostIp);
}
