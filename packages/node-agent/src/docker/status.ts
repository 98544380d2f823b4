/**
 * Docker API errors by status code, never by message text (testcontainers' rule):
 * 304 = already so (success), 404 = gone / not found, 409 = conflict.
 */
import { AgentError, AgentErrorCodes, type AgentErrorCode } from "../errors.js";

export const statusOf = (err: unknown): number | undefined => {
  const code = (err as { statusCode?: unknown })?.statusCode;
  return typeof code === "number" ? code : undefined;
};

/** The server's own message (dockerode puts the JSON body's `message` in `json`). */
export function dockerMessage(err: unknown): string {
  const json = (err as { json?: { message?: unknown } })?.json;
  if (json && typeof json.message === "string") return json.message;
  return (err as Error)?.message ?? String(err);
}

export function dockerError(what: string, err: unknown, code: AgentErrorCode = AgentErrorCodes.Docker): AgentError {
  return new AgentError(code, `could not ${what}: ${dockerMessage(err)}`, { cause: err });
}
