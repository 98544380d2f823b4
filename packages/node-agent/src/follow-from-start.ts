/**
 * Following OVL_EVENTS from the start (the client's followStream: in order, each event
 * once, resumed after a reconnect or a broker restart). Each message is validated: a bad
 * one is reported and skipped, never thrown (toItem).
 *
 * "Caught up" fires once the history that existed at start has been read: the agent must not
 * act on a half-replayed state (it would remove containers that a later event still holds).
 */
import type { NatsConnection } from "nats";
import { subjects } from "@ovl/domain";
import { followStream, lastSequence, toItem, type EventItem, type StreamFollower } from "@ovl/client";

export interface FollowOptions {
  readonly nc: NatsConnection;
  /** The first sequence to read (after a snapshot's). @default 1 */
  readonly from?: number;
  readonly onItem: (item: EventItem) => void;
  readonly onCaughtUp: () => void;
  readonly log: (line: string) => void;
}

export interface Follower {
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function followEvents(opts: FollowOptions): Follower {
  let stopped = false;
  let caughtUp = false;
  let follower: StreamFollower | null = null;
  const markCaughtUp = () => {
    if (!caughtUp) {
      caughtUp = true;
      opts.onCaughtUp();
    }
  };

  /** The stream's last sequence at start, asked until the stream answers (it may not exist yet). */
  async function lastAtStart(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await lastSequence(opts.nc);
      } catch (err) {
        if (stopped) return 0;
        opts.log(`reading ${subjects.STREAM_EVENTS}: ${(err as Error).message}; retrying`);
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
      }
    }
  }

  const started = (async () => {
    const last = await lastAtStart();
    if (stopped) return;
    const from = opts.from ?? 1;
    if (last < from) markCaughtUp();
    follower = followStream({
      nc: opts.nc,
      stream: subjects.STREAM_EVENTS,
      from,
      log: opts.log,
      onMessage: (m) => {
        opts.onItem(toItem(m.seq, m.subject, m.data));
        // m.info parses the reply subject: read it only while catching up.
        if (!caughtUp && (m.seq >= last || m.info.pending === 0)) markCaughtUp();
      },
    });
  })();

  return {
    async stop() {
      stopped = true;
      await started;
      await follower?.stop();
    },
  };
}
