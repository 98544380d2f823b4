/**
 * Identities: one NKey pair per role (and per agent node). Why NKeys rather than user and
 * password: the server config then holds only public keys (nothing secret at rest on the
 * broker, no "plaintext passwords" warning), the client proves it holds the seed by
 * signing the server's nonce (the seed never crosses the wire), and nats 2.29 with
 * nats-server 2.9 support it without an operator/JWT set-up.
 *
 * Files, in the broker's home directory:
 *   identities.json     the registry: user, role, node, public key (no secret)
 *   creds/<user>.creds  the identity file handed to one process: JSON with the seed,
 *                       created with mode 0600 in a 0700 directory, never logged
 *   creds/<user>.nk     the same seed alone, the form the nats CLI takes (`--nkey FILE`)
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nkeys } from "nats";
import { OvlError, OvlErrorCodes } from "@ovl/domain";
import { CREDS_KIND, parseCredentials, parseRole, type Role } from "@ovl/client";
import { permissionsFor, userFor, type Permissions } from "./permissions.js";

export interface Identity {
  readonly user: string;
  readonly role: Role;
  readonly node?: string;
  /** The public NKey (U...). */
  readonly nkey: string;
}

export const IDENTITIES_FILE = "identities.json";
export const CREDS_DIR = "creds";

const invalid = (message: string): OvlError => new OvlError(OvlErrorCodes.InvalidInput, message);

export const credsFileFor = (home: string, user: string): string => join(home, CREDS_DIR, `${user}.creds`);
/** The seed file of an identity, for the nats CLI's `--nkey` (and any NATS client's NKey option). */
export const nkeyFileFor = (home: string, user: string): string => join(home, CREDS_DIR, `${user}.nk`);

function validUserKey(key: string): boolean {
  try {
    return key.startsWith("U") && nkeys.fromPublic(key).getPublicKey() === key;
  } catch {
    return false;
  }
}

function checkIdentity(raw: unknown, where: string): Identity {
  const o = raw as Record<string, unknown>;
  if (typeof o !== "object" || o === null || typeof o.user !== "string" || typeof o.role !== "string" || typeof o.nkey !== "string") {
    throw invalid(`${where}: an entry is not {user, role, nkey}`);
  }
  const role = parseRole(o.role);
  const node = typeof o.node === "string" ? o.node : undefined;
  if (o.user !== userFor(role, role === "agent" ? node : (o.user as string).slice(role.length + 1) || undefined)) throw invalid(`${where}: user ${o.user} does not fit role ${role}`);
  if (!validUserKey(o.nkey)) throw invalid(`${where}: ${o.user} has no valid public user NKey`);
  return { user: o.user, role, ...(node ? { node } : {}), nkey: o.nkey };
}

/** The registry; [] when there is none (authentication off). */
export function loadIdentities(home: string): Identity[] {
  const file = join(home, IDENTITIES_FILE);
  if (!existsSync(file)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw invalid(`${file} is not JSON: ${(err as Error).message}`);
  }
  const users = (raw as { users?: unknown }).users;
  if (!Array.isArray(users)) throw invalid(`${file}: expected {"users": [...]}`);
  return users.map((u) => checkIdentity(u, file));
}

function saveIdentities(home: string, list: readonly Identity[]): void {
  mkdirSync(home, { recursive: true });
  const file = join(home, IDENTITIES_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify({ v: 1, users: list }, null, 2) + "\n", { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Writes a file that only its owner can read, atomically (no moment with wider rights). */
function writeSecret(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  chmodSync(`${file}.tmp`, 0o600); // the umask cannot widen it, but an existing .tmp could be wider
  renameSync(`${file}.tmp`, file);
}

export interface AddedIdentity {
  readonly identity: Identity;
  /** Path of the new credentials file (mode 0600). */
  readonly credsFile: string;
  readonly created: boolean;
}

/**
 * Adds an identity (a new key pair, its credentials file) unless the user exists; an
 * existing one is returned as is, so running `ovl broker init` twice changes nothing.
 */
export function addIdentity(home: string, role: Role, nameOrNode?: string): AddedIdentity {
  const user = userFor(role, nameOrNode);
  const list = loadIdentities(home);
  const credsFile = credsFileFor(home, user);
  const existing = list.find((i) => i.user === user);
  if (existing && existsSync(credsFile)) {
    // Identities made before seed files existed get theirs now.
    if (!existsSync(nkeyFileFor(home, user))) writeSecret(nkeyFileFor(home, user), `${parseCredentials(readFileSync(credsFile, "utf8"), credsFile).seed}\n`);
    return { identity: existing, credsFile, created: false };
  }
  const kp = nkeys.createUser();
  const identity: Identity = { user, role, ...(role === "agent" ? { node: nameOrNode! } : {}), nkey: kp.getPublicKey() };
  mkdirSync(join(home, CREDS_DIR), { recursive: true, mode: 0o700 });
  chmodSync(join(home, CREDS_DIR), 0o700);
  const seed = new TextDecoder().decode(kp.getSeed());
  writeSecret(credsFile, JSON.stringify({ kind: CREDS_KIND, v: 1, user, role, seed }) + "\n");
  writeSecret(nkeyFileFor(home, user), `${seed}\n`);
  saveIdentities(home, [...list.filter((i) => i.user !== user), identity]);
  return { identity, credsFile, created: true };
}

/** Removes an identity from the registry and deletes nothing else (the caller reloads). */
export function removeIdentity(home: string, user: string): boolean {
  const list = loadIdentities(home);
  const rest = list.filter((i) => i.user !== user);
  if (rest.length === list.length) return false;
  saveIdentities(home, rest);
  return true;
}

/** The users block of the server config: one entry per identity. */
export const identityPermissions = (i: Identity): Permissions | null => permissionsFor(i.role, i.user, i.node);
