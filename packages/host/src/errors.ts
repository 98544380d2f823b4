/**
 * Typed errors of the OS-process helpers, with stable codes: callers branch on `code` or
 * the class, never on text.
 */
import { CodedError } from "@ovl/domain";

export const HostErrorCodes = {
  InvalidInput: "INVALID_INPUT",
  CommandFailed: "COMMAND_FAILED",
} as const;
export type HostErrorCode = (typeof HostErrorCodes)[keyof typeof HostErrorCodes];

export class HostError extends CodedError<HostErrorCode> {
  override readonly name: string = "HostError";
}

/** The line(s) of stderr a message quotes: the first, and the last when there are more (a tool's final verdict). */
function gist(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  if (lines.length <= 2) return lines.join("; ");
  return `${lines[0]}; …; ${lines[lines.length - 1]}`;
}

/**
 * A command that exited non-zero, was killed, or could not start. `exitCode` is the exit
 * status, an errno name ("ENOENT") or null (killed); `stderr` is kept whole. The message
 * names the action when given, the command, and what it said.
 */
export class CommandError extends HostError {
  override readonly name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
    readonly action?: string,
    options?: ErrorOptions,
  ) {
    const failed = `\`${argv.join(" ")}\` failed: ${gist(stderr) || `exit ${exitCode}`}`;
    super(HostErrorCodes.CommandFailed, action ? `could not ${action}: ${failed}` : failed, options);
  }

  /** The same failure, its message naming the action ("add bridge ovl-br"). */
  withContext(action: string): CommandError {
    return new CommandError(this.argv, this.exitCode, this.stderr, action, { cause: this });
  }
}
