/**
 * Following OVL_EVENTS from the start with an ordered consumer (the client library
 * recreates it after a reconnect or a gap). If the iterator ends with an error (stream not
 * created yet, server gone for long), it starts again after the last sequence seen, so no
 * event is applied twice and none is missed. Each message is validated: a bad one is
 * reported and skipped, never thrown (toItem).
 *
 * "Caught up" fires once the history that existed at start has been read: the agent must not
 * act on a half-replayed state (it would remove containers that a later event still holds).
 */
import { DeliverPolicy, type NatsConnection } from "nats";
import { subjects } from "@ovl/domain";
import { toItem, type EventItem } from "@ovl/client";

export interface FollowOptions {
  readonly nc: NatsConnection;
  readonly onItem: (item: EventItem) => void;
  readonly onCaughtUp: () => void;
  readonly log: (line: string) => void;
}

export interface Follower {
  stop(): void;
  readonly done: Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function followEvents(opts: FollowOptions): Follower {
  let stopped = false;
  let seen = 0;
  let caughtUp = false;
  let stopCurrent: (() => void) | null = null;
  const markCaughtUp = () => {
    if (!caughtUp) {
      caughtUp = true;
      opts.onCaughtUp();
    }
  };

  async function round(): Promise<void> {
    const js = opts.nc.jetstream();
    const stream = await js.streams.get(subjects.STREAM_EVENTS);
    const last = (await stream.info()).state.last_seq;
    if (last <= seen) markCaughtUp();
    // StartSequence, not DeliverPolicy.All: nats.js 2.29's ordered consumer always sends an
    // opt_start_seq, which the server refuses with "All", and then retries forever.
    const consumer = await js.consumers.get(subjects.STREAM_EVENTS, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seen + 1 });
    const messages = await consumer.consume({ expires: 5000 });
    stopCurrent = () => messages.stop();
    if (stopped) messages.stop();
    for await (const m of messages) {
      if (m.seq <= seen) continue;
      seen = m.seq;
      opts.onItem(toItem(m.seq, m.subject, m.data));
      // m.info parses the reply subject: read it only while catching up.
      if (!caughtUp && (m.seq >= last || m.info.pending === 0)) markCaughtUp();
    }
  }

  const done = (async () => {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await round();
      } catch (err) {
        if (stopped) break;
        opts.log(`following ${subjects.STREAM_EVENTS}: ${(err as Error).message}; retrying`);
      }
      if (!stopped) await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
    }
  })();

  return {
    stop() {
      stopped = true;
      stopCurrent?.();
    },
    done,
  };
}
