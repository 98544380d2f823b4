/** Stored events for in-process TUI tests: the envelopes the stream would hold, with sequences. */
import { envelope, subjectFor, type OvlEvent, type StoredEvent } from "@ovl/domain";
import type { EventItem } from "@ovl/client";
import type { ClusterStore } from "@ovl/tui";

export const T0 = Date.parse("2025-03-01T12:00:00.000Z");

export function stored(events: readonly OvlEvent[], firstSeq = 1): EventItem[] {
  return events.map((e, i) => ({
    ok: true as const,
    event: { ...envelope(e, new Date(T0 + i * 1000).toISOString()), seq: firstSeq + i, subject: subjectFor(e) } as StoredEvent,
  }));
}

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The frame's lines without colours (uvu's runner may force them on) and without trailing
 * spaces (the selected row is padded to the width).
 */
export const lines = (frame: string | undefined): string[] =>
  (frame ?? "").replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trimEnd());

/** Moves the store's focus (null: live) and waits until the window holds its state and no read runs. */
export async function settleFocus(store: ClusterStore, focus: number | null, ms = 10_000): Promise<void> {
  store.focusOn(focus);
  const until = Date.now() + ms;
  while (store.paging || store.history.stateAt(focus ?? store.history.lastSeq) === null) {
    if (Date.now() > until) throw new Error(`the window did not reach seq ${focus ?? "live"} in ${ms} ms`);
    await wait(1);
  }
  await wait(3);
}
