/**
 * How `ovl` ends: exactly one line on stderr for an expected error, and an exit code that
 * tells scripts what kind of failure it was. 2 = the command line itself is wrong (usage,
 * an invalid name, image, port or number); 1 = a well-formed request was refused or failed
 * (unknown container, no coordinator, broker unreachable, the container failed to start).
 */
import { CommanderError } from "commander";
// The errors module alone: the whole domain (its schemas) would load with every command.
import { CodedError, OvlError, OvlErrorCodes } from "@ovl/domain/errors";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export const CliErrorCodes = {
  Usage: "USAGE",
  Failed: "FAILED",
} as const;
export type CliErrorCode = (typeof CliErrorCodes)[keyof typeof CliErrorCodes];

/** A bad command line found by ovl itself (after commander accepted its shape). */
export class UsageError extends CodedError<CliErrorCode> {
  override readonly name = "UsageError";
  constructor(message: string, options?: ErrorOptions) {
    super(CliErrorCodes.Usage, message, options);
  }
}

/** A refused or failed operation whose message is already the whole story. */
export class FailedError extends CodedError<CliErrorCode> {
  override readonly name = "FailedError";
  constructor(message: string, options?: ErrorOptions) {
    super(CliErrorCodes.Failed, message, options);
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (err instanceof UsageError) return EXIT_USAGE;
  // INVALID_INPUT from the domain's parsers (local) or a coordinator (remote: the client rebuilds it).
  if (err instanceof OvlError && err.code === OvlErrorCodes.InvalidInput) return EXIT_USAGE;
  return EXIT_FAILED;
}

/** One line: the message with newlines folded, never a stack (OVL_DEBUG=1 adds it). */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split(/\r?\n/).map((s) => s.trim()).filter(Boolean).join("; ");
  return `error: ${line || "unknown error"}`;
}

export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  const code = exitCodeFor(err);
  // commander has already printed its own one-line message (or the help text).
  if (!(err instanceof CommanderError)) {
    stderr.write(`${errorLine(err)}\n`);
    if (process.env.OVL_DEBUG && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`);
  }
  return code;
}

/** Runs a local validation; its error (a domain INVALID_INPUT) becomes a usage error. */
export function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
}
