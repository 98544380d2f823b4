/**
 * Typed errors of the agent and its Docker side. Callers branch on `code`, never on text;
 * messages name the thing and what to do.
 */
import { CodedError } from "@ovl/domain";

export const AgentErrorCodes = {
  InvalidInput: "INVALID_INPUT",
  Underlay: "UNDERLAY",
  JoinRefused: "JOIN_REFUSED",
  Docker: "DOCKER",
  ImageNotFound: "IMAGE_NOT_FOUND",
  PortInUse: "PORT_IN_USE",
  NameTaken: "NAME_TAKEN",
  /** A container on a network this node holds no block of (removed meanwhile, or never given to the node). */
  NetworkNotWired: "NETWORK_NOT_WIRED",
  /** A request given up because the agent is stopping. */
  Abandoned: "ABANDONED",
  /** The NATS connection closed for good: the agent cannot go on. */
  ConnectionClosed: "CONNECTION_CLOSED",
} as const;
export type AgentErrorCode = (typeof AgentErrorCodes)[keyof typeof AgentErrorCodes];

export class AgentError extends CodedError<AgentErrorCode> {
  override readonly name: string = "AgentError";
}
