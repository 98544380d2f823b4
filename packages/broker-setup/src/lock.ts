/**
 * Locked by default: a broker that listens beyond loopback runs with identities and TLS.
 * At its first start it makes what is missing in its home directory (the role identities,
 * a CA and a server certificate for every address it and its route peers are dialled at);
 * only an explicit `insecure` runs it open, with a warning at every start. A broker bound
 * to loopback only is reachable from this machine alone and may stay open.
 */
import { OvlError, OvlErrorCodes, isLoopback, urlHost } from "@ovl/domain";
import { addIdentity, loadIdentities } from "./identities.js";
import { loadTls, setupTls } from "./tls.js";
import type { Role } from "@ovl/client";

export type LockMode = "open" | "locked" | "insecure";

/** The decision, pure: loopback stays open (unless already locked), anything else is locked unless `insecure`. */
export function lockMode(hosts: readonly string[], insecure: boolean): LockMode {
  if (hosts.every(isLoopback)) return "open";
  return insecure ? "insecure" : "locked";
}

export const insecureWarning = (where: string): string =>
  `warning: --insecure: the broker on ${where} lets anyone who reaches it in, without TLS or identities (run \`ovl broker init\` and \`ovl broker tls\`, or start without --insecure)`;

/** The hosts of route URLs (nats-route://H:P or nats://H:P). */
export const routeHosts = (routes: readonly string[]): string[] => routes.map(urlHost).filter((h): h is string => h !== null);

const LOCK_ROLES: readonly Role[] = ["admin", "coordinator", "operator", "viewer"];

/**
 * Makes the identities and TLS files a locked broker needs, unless they exist; returns the
 * paths it created (files 0600; nothing secret is returned or logged).
 */
export async function ensureLocked(home: string, ips: readonly string[]): Promise<string[]> {
  const created: string[] = [];
  if (loadIdentities(home).length === 0) {
    for (const role of LOCK_ROLES) {
      const r = addIdentity(home, role);
      if (r.created) created.push(r.credsFile);
    }
  }
  const had = loadTls(home);
  const v4 = ips.filter((ip) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) && ip !== "0.0.0.0");
  if (v4.length !== ips.filter((ip) => ip !== "0.0.0.0").length) {
    if (had) return created; // a host name: the certificate made with `ovl broker tls --dns` stays
    throw new OvlError(OvlErrorCodes.InvalidInput, `TLS for ${ips.join(", ")}: give IPv4 addresses (or run \`ovl broker tls --dns NAME\` first)`);
  }
  // Also when TLS exists: a broker restarted on a new address (or with new route peers) gets
  // its certificate re-issued for it instead of one its clients would refuse.
  const files = await setupTls(home, { ips: v4 });
  if (!had) created.push(files.caFile);
  if (files.server.kind !== "kept") created.push(files.certFile);
  return created;
}
