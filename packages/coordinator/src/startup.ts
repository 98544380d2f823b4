/**
 * Checks before following the stream: the stream exists (created when allowed), and the
 * projection is not ahead of it (a projection from another stream would decide from a
 * history that is not this one).
 */
import { NatsError, type JetStreamManager } from "nats";
import { OvlError, OvlErrorCodes, subjects } from "@ovl/domain";

const API_STREAM_NOT_FOUND = 10059;

/** Returns the stream's last sequence. */
export async function checkStream(jsm: JetStreamManager, projected: number, setup: boolean, create: () => Promise<unknown>): Promise<number> {
  let info;
  try {
    info = await jsm.streams.info(subjects.STREAM_EVENTS);
  } catch (err) {
    if (!(err instanceof NatsError && err.api_error?.err_code === API_STREAM_NOT_FOUND)) throw err;
    if (!setup) throw new OvlError(OvlErrorCodes.Unavailable, `stream ${subjects.STREAM_EVENTS} does not exist: run \`ovl broker setup\` first`);
    await create();
    info = await jsm.streams.info(subjects.STREAM_EVENTS);
  }
  const { last_seq, first_seq } = info.state;
  if (projected > last_seq) {
    throw new OvlError(
      OvlErrorCodes.Conflict,
      `the projection is at seq ${projected} but stream ${subjects.STREAM_EVENTS} ends at ${last_seq}: it belongs to another stream; delete the file to rebuild it`,
    );
  }
  if (last_seq > 0 && first_seq > projected + 1) {
    throw new OvlError(OvlErrorCodes.Conflict, `stream ${subjects.STREAM_EVENTS} starts at seq ${first_seq}: events ${projected + 1}..${first_seq - 1} were removed, so the state cannot be rebuilt`);
  }
  return last_seq;
}

/** Waits until the follower has applied `last`; fails when it makes no progress for `stallMs`. */
export async function waitCaughtUp(applied: () => number, last: number, stallMs = 30_000): Promise<void> {
  let seen = applied();
  let since = Date.now();
  while (applied() < last) {
    await new Promise((r) => setTimeout(r, 10));
    if (applied() !== seen) {
      seen = applied();
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      throw new OvlError(OvlErrorCodes.Timeout, `catching up stalled at seq ${seen} of ${last}`);
    }
  }
}
