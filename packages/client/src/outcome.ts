/**
 * `ovl run` waits for the agent's verdict: ContainerRunning or ContainerFailed (or the
 * container gone) on the container's own subject, after the ContainerStarted it caused.
 */
import type { NatsConnection } from "nats";
import { OvlError, OvlErrorCodes, subjectFor, type StoredEvent } from "@ovl/domain";
import { readEvents } from "./events.js";

export type Outcome =
  | { readonly state: "running"; readonly event: StoredEvent }
  | { readonly state: "failed" | "exited" | "stopped"; readonly event: StoredEvent; readonly reason: string };

export async function waitForOutcome(
  nc: NatsConnection,
  c: { name: string; node: string; ip: string; seq: number },
  timeoutMs: number,
): Promise<Outcome> {
  const filter = subjectFor({ type: "ContainerRunning", data: { name: c.name, node: c.node, ip: c.ip } });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    for await (const item of readEvents(nc, { since: c.seq + 1, follow: true, filter, signal: abort.signal })) {
      if (!item.ok) continue;
      const e = item.event;
      if (e.type === "ContainerRunning") return { state: "running", event: e };
      if (e.type === "ContainerFailed") return { state: "failed", event: e, reason: e.data.reason };
      if (e.type === "ContainerExited") return { state: "exited", event: e, reason: `exited with code ${e.data.exitCode}` };
      if (e.type === "ContainerStopped") return { state: "stopped", event: e, reason: e.data.reason };
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  throw new OvlError(OvlErrorCodes.Timeout, `container ${c.name} was placed on node ${c.node} (${c.ip}) but its agent did not report within ${timeoutMs} ms; check the node with \`ovl nodes\` (it stays pending until the agent reports)`);
}
