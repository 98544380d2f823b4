/**
 * The events of ovl: one discriminated union, one named past-tense type per event, the
 * envelope they travel in, the subject each is stored under, and the one validating reader.
 *
 * Meanings (every part reads them the same way):
 * - ClusterCreated fixes the network (cidr, block size, VNI, port, MTU) once.
 * - NodeJoined then SubnetAssigned: a node is a member and owns a block of the cidr.
 * - NodeLeaving: `ovl leave` was decided; its containers were stopped in the same decision.
 *   The agent tears its node down and reports; NodeLeft then frees the block.
 * - NodeLost: heartbeats stopped; the node keeps its block and containers until it comes
 *   back or is released.
 * - NodeRecovered: a lost node's agent came back from the same LAN address: the node is ready
 *   again with the same block and its containers as last recorded (its agent reports them).
 * - ContainerStarted is the decision: the name and address are taken. The agent reports
 *   back and the coordinator records ContainerRunning / ContainerFailed / ContainerExited.
 * - ContainerStopped frees the name and address at once.
 * - NetworkCreated adds a network beside the cluster's own `ovl` (which no event creates: a
 *   history without network events has exactly that one); each member node then gets a block
 *   of it with a SubnetAssigned naming the network. NetworkRemoved frees the range and blocks.
 * - A ContainerStarted without `networks` is on `ovl` at its `ip`; with them, on each, the
 *   first one's address being its `ip`.
 */
import type { TSchema } from "@sinclair/typebox";
import { lazyCheck, lazyChecks } from "./compile.js";
import { EnvelopeSchema, EventDataSchemas, EVENT_SCHEMA_VERSION, type EventData, type EventType } from "./schema.js";
import { OvlError, OvlErrorCodes } from "./errors.js";
import { clusterEventSubject, containerEventSubject, nodeEventSubject } from "./subjects.js";

type Ev<T extends EventType> = { readonly type: T; readonly data: EventData<T> };
export type ClusterCreated = Ev<"ClusterCreated">;
export type NodeJoined = Ev<"NodeJoined">;
export type SubnetAssigned = Ev<"SubnetAssigned">;
export type NodeLeaving = Ev<"NodeLeaving">;
export type NodeLeft = Ev<"NodeLeft">;
export type NodeLost = Ev<"NodeLost">;
export type NodeRecovered = Ev<"NodeRecovered">;
export type ContainerStarted = Ev<"ContainerStarted">;
export type ContainerRunning = Ev<"ContainerRunning">;
export type ContainerFailed = Ev<"ContainerFailed">;
export type ContainerExited = Ev<"ContainerExited">;
export type ContainerStopped = Ev<"ContainerStopped">;
export type NetworkCreated = Ev<"NetworkCreated">;
export type NetworkRemoved = Ev<"NetworkRemoved">;

export type OvlEvent =
  | ClusterCreated
  | NodeJoined
  | SubnetAssigned
  | NodeLeaving
  | NodeLeft
  | NodeLost
  | NodeRecovered
  | ContainerStarted
  | ContainerRunning
  | ContainerFailed
  | ContainerExited
  | ContainerStopped
  | NetworkCreated
  | NetworkRemoved;

/**
 * What is stored in the stream: the event plus its version, time and deciding request.
 * Distributive, so `env.type === "ContainerFailed"` narrows `env.data`.
 */
export type Envelope<E extends OvlEvent = OvlEvent> = E extends OvlEvent
  ? {
      readonly type: E["type"];
      readonly v: number;
      readonly time: string;
      readonly req?: string;
      readonly data: E["data"];
    }
  : never;

/** An envelope as read back from the stream, with its position. */
export type StoredEvent<E extends OvlEvent = OvlEvent> = Envelope<E> & {
  readonly seq: number;
  readonly subject: string;
};

/** Which aggregate an event belongs to: the cluster, one node, or one container of a node. */
export type Aggregate =
  | { readonly kind: "cluster" }
  | { readonly kind: "node"; readonly node: string }
  | { readonly kind: "container"; readonly node: string; readonly name: string };

export function aggregateOf(event: OvlEvent): Aggregate {
  switch (event.type) {
    case "ClusterCreated":
    case "NetworkCreated":
    case "NetworkRemoved":
      return { kind: "cluster" };
    case "NodeJoined":
    case "SubnetAssigned":
    case "NodeLeaving":
    case "NodeLeft":
    case "NodeLost":
    case "NodeRecovered":
      return { kind: "node", node: event.data.node };
    case "ContainerStarted":
    case "ContainerRunning":
    case "ContainerFailed":
    case "ContainerExited":
    case "ContainerStopped":
      return { kind: "container", node: event.data.node, name: event.data.name };
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

/** The subject names the aggregate, so `nats sub 'ovl.evt.node.>'` reads one kind of history. */
export function subjectFor(event: OvlEvent): string {
  const a = aggregateOf(event);
  return a.kind === "cluster" ? clusterEventSubject() : a.kind === "node" ? nodeEventSubject(a.node) : containerEventSubject(a.node, a.name);
}

export function envelope<E extends OvlEvent>(event: E, time: string, req?: string): Envelope<E> {
  const env = req === undefined
    ? { type: event.type, v: EVENT_SCHEMA_VERSION, time, data: event.data }
    : { type: event.type, v: EVENT_SCHEMA_VERSION, time, req, data: event.data };
  return env as Envelope<E>;
}

export function eventOf<E extends OvlEvent>(env: Envelope<E>): E {
  return { type: env.type, data: env.data } as E;
}

/** Payloads above this size are refused before parsing. */
export const MAX_EVENT_BYTES = 64 * 1024;

const envelopeCheck = lazyCheck(EnvelopeSchema);
const dataCheck = lazyChecks(EventDataSchemas as Readonly<Record<EventType, TSchema>>);

/** One decoder for every read: a replay decodes each stored event, and making one per call costs more than the decoding. */
const utf8 = new TextDecoder();

function invalidEvent(why: string): OvlError {
  return new OvlError(OvlErrorCodes.InvalidEvent, why);
}

/**
 * Validates an envelope read from the wire. Throws OvlError(INVALID_EVENT) saying why
 * (malformed JSON, oversized, unknown type, future version, bad field); consumers report
 * and skip such a message, never crash.
 */
export function parseEnvelope(bytes: Uint8Array | string): Envelope {
  const size = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_EVENT_BYTES) throw invalidEvent(`event of ${size} bytes exceeds ${MAX_EVENT_BYTES}`);
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === "string" ? bytes : utf8.decode(bytes));
  } catch (cause) {
    throw new OvlError(OvlErrorCodes.InvalidEvent, `event is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (!envelopeCheck().Check(raw)) {
    const first = envelopeCheck().Errors(raw).First();
    throw invalidEvent(`malformed envelope: ${first ? `${first.path || "/"} ${first.message}` : "wrong shape"}`);
  }
  const env = raw as { type: string; v: number; data: unknown };
  if (!Object.hasOwn(EventDataSchemas, env.type)) throw invalidEvent(`unknown event type ${JSON.stringify(env.type)}`);
  if (env.v !== EVENT_SCHEMA_VERSION) throw invalidEvent(`${env.type} schema version ${env.v} is not supported (this reader knows ${EVENT_SCHEMA_VERSION})`);
  const check = dataCheck(env.type as EventType);
  if (!check.Check(env.data)) {
    const first = check.Errors(env.data).First();
    throw invalidEvent(`invalid ${env.type}: ${first ? `${first.path || "/"} ${first.message}` : "wrong shape"}`);
  }
  return raw as Envelope;
}

const utf8Out = new TextEncoder();

export function encodeEnvelope(env: Envelope): Uint8Array {
  return utf8Out.encode(JSON.stringify(env));
}
