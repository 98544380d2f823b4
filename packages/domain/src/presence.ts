/**
 * Coordinators' presence beats: each coordinator says every few seconds that it serves, and
 * which code it runs, on ovl.hb.coord.<id> (kept by OVL_HEARTBEATS, last one per id). Not
 * history: nothing decides on them; `ovl nodes` and the TUI show them.
 */
import { Type, type Static } from "@sinclair/typebox";
import { checked, lazyCheck } from "./compile.js";
import { Time } from "./schema.js";
import { decodeJson } from "./wire.js";

export const CoordinatorBeatSchema = Type.Object(
  {
    /** Stable across restarts of the same coordinator (its machine and database), one subject token. */
    id: Type.String({ pattern: "^[a-z0-9-]{1,40}$" }),
    host: Type.String({ maxLength: 253 }),
    time: Time,
    /** buildVersion(): "0.1.0+<commit>". */
    version: Type.String({ maxLength: 64 }),
    /** The last sequence its projection has applied (`ovl status`: a coordinator behind). */
    seq: Type.Optional(Type.Integer({ minimum: 0 })),
    /** When this coordinator process started. */
    since: Type.Optional(Time),
  },
  { additionalProperties: false },
);
export type CoordinatorBeat = Static<typeof CoordinatorBeatSchema>;
const check = lazyCheck(CoordinatorBeatSchema);

export function parseCoordinatorBeat(bytes: Uint8Array): CoordinatorBeat {
  return checked(check(), decodeJson(bytes, "coordinator beat"), "coordinator beat");
}

/** How often a coordinator beats; one not heard from for three beats is not counted. */
export const COORDINATOR_BEAT_MS = 5000;
export const COORDINATOR_FRESH_MS = 3 * COORDINATOR_BEAT_MS;

/** The coordinators heard from within `freshMs` of `now`, by id. */
export function liveCoordinators(beats: readonly CoordinatorBeat[], now: number, freshMs = COORDINATOR_FRESH_MS): CoordinatorBeat[] {
  return beats.filter((b) => now - Date.parse(b.time) <= freshMs).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** "0.1.0+abc" when all run the same, else "0.1.0+abc: 1, 0.1.0+def: 1" (in order of first appearance). */
export function versionCounts(versions: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of versions) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts.size === 1 ? [...counts.keys()].join("") : [...counts].map(([v, n]) => `${v}: ${n}`).join(", ");
}

/** "coordinators: 2 (0.1.0+abc: 1, 0.1.0+def: 1)", or "(0.1.0+abc)" when they all run the same. */
export function coordinatorsLine(live: readonly { readonly version: string }[]): string {
  if (live.length === 0) return `coordinators: none heard from in the last ${COORDINATOR_FRESH_MS / 1000} s`;
  return `coordinators: ${live.length} (${versionCounts(live.map((b) => b.version))})`;
}

/** When the beats could not be read (a broker electing a leader): unknown, not "none". */
export function coordinatorsUnknownLine(why: string): string {
  return `coordinators: unknown (the beats could not be read: ${why})`;
}

/** The TUI's status line: the coordinators, then the agents of the nodes shown, with their code. */
export function versionsLine(live: readonly CoordinatorBeat[], agentVersions: readonly string[]): string {
  const agents = agentVersions.length ? `agents: ${agentVersions.length} (${versionCounts(agentVersions)})` : "agents: none";
  return `${coordinatorsLine(live)} · ${agents}`;
}
