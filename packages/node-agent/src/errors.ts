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
} as const;
export type AgentErrorCode = (typeof AgentErrorCodes)[keyof typeof AgentErrorCodes];

export class AgentError extends CodedError<AgentErrorCode> {
  override readonly name = "AgentError";
}
