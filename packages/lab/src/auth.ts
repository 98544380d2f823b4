/**
 * The lab's brokers listen on 198.18.0.1, beyond loopback, so they run locked like any
 * broker: identities and TLS made in <labDir>/nats/auth at `up`, one identity per process
 * (coordinator, one agent per node, operator for the CLI, viewer for the `nats` CLI).
 * Commands aimed at the lab's URL without credentials of their own get the operator's
 * (labClientEnv), so the README's tour works as written.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { addIdentity, credsFileFor, ensureLocked, loadIdentities, loadTls, type Identity, type ServerTls } from "@ovl/broker-setup";
import { onLabBroker } from "@ovl/domain";
import { claimHolder } from "./claim.js";
import { LAN_GATEWAY } from "./plan.js";

export const labAuthDir = (labDir: string): string => join(labDir, "nats", "auth");

/** Identities (admin, coordinator, operator, viewer, agent-<node> per node) and TLS for 198.18.0.1. */
export async function prepareLabAuth(labDir: string, nodes: readonly string[]): Promise<void> {
  const home = labAuthDir(labDir);
  await ensureLocked(home, [LAN_GATEWAY]);
  for (const n of nodes) addIdentity(home, "agent", n);
}

export interface LabAuth {
  readonly identities: readonly Identity[];
  readonly tls: ServerTls;
}

/** The lab's identities and TLS files; null when the lab dir has none (an open lab). */
export function labAuth(labDir: string): LabAuth | null {
  const home = labAuthDir(labDir);
  const tls = loadTls(home);
  const identities = loadIdentities(home);
  return tls && identities.length > 0 ? { identities, tls } : null;
}

/** The variables a process with this lab identity connects with ({} for an open lab). */
export function labIdentityEnv(labDir: string, user: string): Record<string, string> {
  const home = labAuthDir(labDir);
  const creds = credsFileFor(home, user);
  if (!existsSync(creds)) return {};
  return { OVL_NATS_CREDS: creds, OVL_NATS_CA: join(home, "tls", "ca.pem") };
}

/**
 * For a command that targets the lab's brokers (every URL on 198.18.0.1) and brought no
 * credentials: the operator identity and CA of the lab that is up; {} otherwise.
 */
export function labClientEnv(url: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.OVL_NATS_CREDS) return {};
  if (!onLabBroker(url)) return {};
  const dir = claimHolder();
  if (!dir) return {};
  const found = labIdentityEnv(dir, "operator");
  return env.OVL_NATS_CA && found.OVL_NATS_CREDS ? { OVL_NATS_CREDS: found.OVL_NATS_CREDS } : found;
}
