/**
 * A container's own events from the history: those on its own subject (its start, what
 * its agent reported, its stop), read with the shared reader. A name used again on the
 * same node shares the subject, so only the last life counts: from its last ContainerStarted.
 */
import type { NatsConnection } from "nats";
import { subjects, type StoredEvent } from "@ovl/domain";
import { readEvents } from "./events.js";

/** The events of the container's current life: from its last ContainerStarted on (all when none). Pure. */
export function lastLife(events: readonly StoredEvent[]): StoredEvent[] {
  let at = -1;
  events.forEach((e, i) => {
    if (e.type === "ContainerStarted") at = i;
  });
  return events.slice(Math.max(0, at));
}

/** The container's events up to now, oldest first (invalid ones skipped, as every reader does). */
export async function containerEvents(nc: NatsConnection, node: string, name: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const item of readEvents(nc, { filter: subjects.containerEventSubject(node, name) })) if (item.ok) events.push(item.event);
  return lastLife(events);
}
