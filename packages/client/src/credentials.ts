/**
 * What a process reads to prove who it is: an ovl credentials file (written by
 * `ovl broker init`, see broker-setup's identities.ts) and the roles it may name. Here,
 * beside connect.ts, because every client reads it; the broker side writes it.
 */
import { nkeys } from "nats";
import { invalid } from "@ovl/domain";

export const ROLES = ["admin", "coordinator", "agent", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** What a process reads from its credentials file. */
export interface Credentials {
  readonly user: string;
  readonly role: Role;
  readonly seed: string;
}

/** The `kind` of an ovl credentials file. */
export const CREDS_KIND = "ovl-nats-identity";

export function parseRole(raw: string): Role {
  if (!(ROLES as readonly string[]).includes(raw)) throw invalid(`invalid role ${JSON.stringify(raw)}: one of ${ROLES.join(", ")}`);
  return raw as Role;
}

/** Whether the text is an ovl identity file (else it may be a NATS JWT .creds file). */
export const isOvlCredentials = (text: string): boolean => text.trimStart().startsWith("{");

/** Parses an ovl credentials file; the message never contains the seed. */
export function parseCredentials(text: string, where: string): Credentials {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw invalid(`${where} is not an ovl credentials file (not JSON)`);
  }
  if (raw?.kind !== CREDS_KIND || typeof raw.user !== "string" || typeof raw.role !== "string" || typeof raw.seed !== "string") {
    throw invalid(`${where} is not an ovl credentials file (expected kind, user, role, seed)`);
  }
  try {
    nkeys.fromSeed(new TextEncoder().encode(raw.seed));
  } catch {
    throw invalid(`${where}: the seed is not a valid NKey seed`);
  }
  return { user: raw.user, role: parseRole(raw.role), seed: raw.seed };
}
