/**
 * Appending one event under optimistic concurrency: the expected last sequence of the
 * stream is the last one the deciding state includes, and, when the previous event is one
 * of ours still in flight, its Nats-Msg-Id is expected as the last message id too. The
 * second expectation keeps a pipeline sound: if event k fails, event k+1 cannot land on a
 * slot another coordinator's event filled. The Nats-Msg-Id is derived from the request id,
 * the event type and its aggregate, so deciding the same request again yields the same id.
 */
import { aggregateOf, subjectFor, type OvlEvent } from "@ovl/domain";
import { JsApiErrorCodes, jsApiErrorCode } from "@ovl/client";
import { AppendError, type AckCallback, type Appender } from "./appender.js";

/** The part of a Nats-Msg-Id that names what the event is about: "cluster", the node, or the container. */
export function aggregateKey(event: OvlEvent): string {
  const a = aggregateOf(event);
  return a.kind === "cluster" ? "cluster" : a.kind === "node" ? a.node : a.name;
}

/** A decision may hold one SubnetAssigned per network for a node: the network tells them apart (none: `ovl`, as always). */
const networkKey = (event: OvlEvent): string => (event.type === "SubnetAssigned" && event.data.network !== undefined ? `:${event.data.network}` : "");

export const msgIdFor = (requestId: string, event: OvlEvent): string => `${requestId}:${event.type}:${aggregateKey(event)}${networkKey(event)}`;

export interface AppendOptions {
  readonly expectSeq: number;
  readonly prevMsgId: string | null;
  readonly msgId: string;
}

/** Appends the event's envelope, already encoded (the follower compares its copy with it). */
export function append(appender: Appender, event: OvlEvent, data: Uint8Array, o: AppendOptions, done: AckCallback): void {
  appender.append(subjectFor(event), data, { msgId: o.msgId, lastSequence: o.expectSeq, lastMsgId: o.prevMsgId }, done);
}

/** Why an append did not land where expected, for the log. */
export function describeFailure(err: unknown): string {
  const code = err instanceof AppendError ? err.errCode : jsApiErrorCode(err);
  if (code === JsApiErrorCodes.WrongLastSequence) return `another writer appended first (${(err as Error).message})`;
  if (code === JsApiErrorCodes.WrongLastMsgId) return `the previous append did not land (${(err as Error).message})`;
  return (err as Error)?.message ?? String(err);
}
