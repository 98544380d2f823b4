/**
 * The latest heartbeat of each node, in memory, for `ovl nodes`: read at start from
 * OVL_HEARTBEATS (the last message per node subject), then followed on core NATS.
 * Heartbeats are metrics, not history: they never touch the projection.
 */
import type { JetStreamManager, NatsConnection, Subscription } from "nats";
import { parseHeartbeat, subjects, type Heartbeat } from "@ovl/domain";

export class Heartbeats {
  readonly latest = new Map<string, Heartbeat>();
  #sub: Subscription | null = null;

  constructor(private readonly log: (line: string) => void) {}

  /** Keeps a heartbeat if it is valid, comes from its own node's subject and is newer. */
  accept(subject: string, data: Uint8Array): boolean {
    let hb: Heartbeat;
    try {
      hb = parseHeartbeat(data);
    } catch (err) {
      this.log(`heartbeat on ${subject} ignored: ${(err as Error).message}`);
      return false;
    }
    if (subject !== subjects.heartbeatSubject(hb.node)) {
      this.log(`heartbeat on ${subject} ignored: it names node ${hb.node}`);
      return false;
    }
    const known = this.latest.get(hb.node);
    if (known && known.time > hb.time) return false;
    this.latest.set(hb.node, hb);
    return true;
  }

  /** Loads the last stored beat of each known node, then subscribes. */
  async start(nc: NatsConnection, jsm: JetStreamManager, nodes: readonly string[]): Promise<void> {
    this.#sub = nc.subscribe(subjects.NODE_HEARTBEATS_WILDCARD, { callback: (err, m) => (err ? this.log(`heartbeats: ${err.message}`) : this.accept(m.subject, m.data)) });
    await Promise.all(
      nodes.map(async (node) => {
        const subject = subjects.heartbeatSubject(node);
        try {
          const m = await jsm.streams.getMessage(subjects.STREAM_HEARTBEATS, { last_by_subj: subject });
          this.accept(subject, m.data);
        } catch {
          // no stored heartbeat for this node (or no heartbeat stream): it shows as never seen
        }
      }),
    );
  }

  stop(): void {
    this.#sub?.unsubscribe();
    this.#sub = null;
  }
}
