/**
 * The installed nats-server's version, and what durability it allows. nats-server 2.10
 * added `sync_interval: always` (fsync every write before the ack); 2.9 syncs the store
 * every 2 minutes and cannot be made to sync sooner, so an acknowledged message can be
 * lost if the machine (not only the process) dies before that. In a cluster of 3 the ack
 * comes once a majority holds the message in memory, which covers one machine's crash.
 */
import { OvlError, OvlErrorCodes } from "@ovl/domain";
import { run } from "@ovl/host";

export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly text: string;
}

/** Parses `nats-server --version` output, e.g. "nats-server: v2.9.10". */
export function parseServerVersion(output: string): ServerVersion {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(output);
  if (!m) throw new OvlError(OvlErrorCodes.Unavailable, `cannot read the nats-server version from ${JSON.stringify(output.trim().slice(0, 80))}`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text: `${m[1]}.${m[2]}.${m[3]}` };
}

export async function serverVersion(bin = "nats-server"): Promise<ServerVersion> {
  const { stdout, stderr } = await run([bin, "--version"], { timeoutMs: 10_000, action: "read the nats-server version" });
  return parseServerVersion(stdout || stderr);
}

/** Whether the server can fsync before acknowledging (`sync_interval: always`). */
export const canSyncAlways = (v: ServerVersion): boolean => v.major > 2 || (v.major === 2 && v.minor >= 10);

/** The warning `ovl broker` prints on a server that cannot promise an fsync before the ack; null on 2.10+. */
export function durabilityWarning(v: ServerVersion): string | null {
  if (canSyncAlways(v)) return null;
  return (
    `warning: nats-server ${v.text} cannot sync to disk before acknowledging (sync_interval: always needs 2.10 or later); ` +
    "a server whose machine loses power may lose events it acknowledged in the last 2 minutes; with 3 servers and --replicas 3 every acknowledged event is on 2 machines (docs/operations.md)"
  );
}
