/**
 * Requests an agent serves for the containers of its node (logs, exec, inspect) and the
 * frames of their sessions, validated on both ends.
 *
 * How a session runs: the client subscribes to a fresh inbox of its own and sends the
 * request to `ovl.agent.<node>.<kind>` with that inbox as the reply subject. The agent
 * answers with frames on the inbox: headers `Ovl-Frame` (out, err, end) and `Ovl-Seq`
 * (1, 2, ...), the payload raw bytes of at most the server's max_payload; `end` carries an
 * AgentEnd as JSON. The client sends control messages (acks, stdin, resize, pings) to
 * `ovl.agent.<node>.<kind>.<session>`, each with the inbox as its reply subject: that keeps
 * the agent's permission to answer on it alive (allow_responses) and tells the agent the
 * client is still there (idle timeout). The agent stops reading Docker while more than
 * WINDOW frames are unacknowledged, so a slow client slows the source instead of losing
 * frames; a gap in Ovl-Seq (frames lost anyway) ends the session with an error.
 */
import { Type, type Static } from "@sinclair/typebox";
import { checked, lazyCheck } from "./compile.js";
import { invalid } from "./errors.js";
import { decodeJson } from "./wire.js";
import { Name } from "./schema.js";

export const AGENT_REQUEST_KINDS = ["logs", "exec", "inspect", "check"] as const;
export type AgentRequestKind = (typeof AGENT_REQUEST_KINDS)[number];

/** Frames in flight before the agent waits for an ack; the client acks every ACK_EVERY. */
export const WINDOW = 64;
export const ACK_EVERY = 16;
/** A session without any message from its client for this long is ended by the agent. */
export const IDLE_TIMEOUT_MS = 30_000;
/** How often a client pings a session that has nothing else to say. */
export const PING_MS = 10_000;

const Session = Type.String({ pattern: "^[A-Za-z0-9_-]{8,64}$" });
const closed = { additionalProperties: false } as const;

export const AgentRequestSchemas = {
  logs: Type.Object({ session: Session, name: Name, follow: Type.Boolean(), tail: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })) }, closed),
  exec: Type.Object(
    {
      session: Session,
      name: Name,
      cmd: Type.Array(Type.String({ maxLength: 4096, pattern: "^[^\\u0000]*$" }), { minItems: 1, maxItems: 256 }),
      tty: Type.Boolean(),
      stdin: Type.Boolean(),
      rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      cols: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    },
    closed,
  ),
  inspect: Type.Object({ session: Session, name: Name }, closed),
  /** `check`: the id every node's responder answers to during one `ovl check` (check.ts). */
  check: Type.Object({ session: Session, check: Session, containers: Type.Optional(Type.Boolean()) }, closed),
} as const;
export type AgentRequest<K extends AgentRequestKind> = Static<(typeof AgentRequestSchemas)[K]>;

export const ControlSchema = Type.Union([
  Type.Object({ t: Type.Literal("ack"), seq: Type.Integer({ minimum: 0 }) }, closed),
  Type.Object({ t: Type.Literal("in"), data: Type.String({ maxLength: 65536, pattern: "^[A-Za-z0-9+/=]*$" }) }, closed),
  Type.Object({ t: Type.Literal("eof") }, closed),
  Type.Object({ t: Type.Literal("resize"), rows: Type.Integer({ minimum: 1, maximum: 10_000 }), cols: Type.Integer({ minimum: 1, maximum: 10_000 }) }, closed),
  Type.Object({ t: Type.Literal("ping") }, closed),
  Type.Object({ t: Type.Literal("close") }, closed),
]);
export type Control = Static<typeof ControlSchema>;

export const AgentEndSchema = Type.Object(
  {
    exitCode: Type.Optional(Type.Integer()),
    error: Type.Optional(Type.Object({ code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 2048 }) }, closed)),
  },
  closed,
);
export type AgentEnd = Static<typeof AgentEndSchema>;

export type FrameKind = "out" | "err" | "end";
export const FRAME_HEADER = "Ovl-Frame";
export const SEQ_HEADER = "Ovl-Seq";

const requestChecks = {
  logs: lazyCheck(AgentRequestSchemas.logs),
  exec: lazyCheck(AgentRequestSchemas.exec),
  inspect: lazyCheck(AgentRequestSchemas.inspect),
  check: lazyCheck(AgentRequestSchemas.check),
};
const controlCheck = lazyCheck(ControlSchema);
const endCheck = lazyCheck(AgentEndSchema);

export const parseAgentRequest = <K extends AgentRequestKind>(kind: K, bytes: Uint8Array): AgentRequest<K> =>
  checked(requestChecks[kind](), decodeJson(bytes, `${kind} request`), `${kind} request`);
export const parseControl = (bytes: Uint8Array): Control => checked(controlCheck(), decodeJson(bytes, "session control"), "session control");
export const parseAgentEnd = (bytes: Uint8Array): AgentEnd => checked(endCheck(), decodeJson(bytes, "session end"), "session end");

export function parseFrameKind(raw: string | undefined): FrameKind {
  if (raw === "out" || raw === "err" || raw === "end") return raw;
  throw invalid(`invalid session frame kind ${JSON.stringify(raw)}`);
}
export function parseSeq(raw: string | undefined): number {
  if (!raw || !/^\d{1,15}$/.test(raw)) throw invalid(`invalid session frame sequence ${JSON.stringify(raw)}`);
  return Number(raw);
}
