/**
 * The kernel's door to the OS: a Runner over `@ovl/host`'s `run` (execFile, argument
 * arrays, never a shell). Everything in kernel/ takes a Runner, so tests pass one that
 * prefixes `ip netns exec <ns>` and production runs in the node's own namespace.
 */
import { CodedError } from "@ovl/domain";
import { CommandError, run as runHost, type RunResult } from "@ovl/host";

export { CommandError, type RunResult };

export type Runner = (cmd: string, argv: readonly string[]) => Promise<RunResult>;

export const KernelErrorCodes = {
  CommandFailed: "COMMAND_FAILED",
  InvalidInput: "INVALID_INPUT",
  Conflict: "CONFLICT",
  Teardown: "TEARDOWN_INCOMPLETE",
} as const;
export type KernelErrorCode = (typeof KernelErrorCodes)[keyof typeof KernelErrorCodes];

export class KernelError extends CodedError<KernelErrorCode> {
  override readonly name: string = "KernelError";
}

/** Kills a command that hangs (a wedged netlink call must not wedge the agent). */
const TIMEOUT_MS = 30_000;

/** The default Runner: `@ovl/host`'s run with a 30 s timeout; rejects with a CommandError. */
export const run: Runner = (cmd, argv) => runHost([cmd, ...argv], { timeoutMs: TIMEOUT_MS });

/** Runs and, on failure, rethrows with a message that says what was being done ("add bridge ovl-br"). */
export async function runAs(runner: Runner, what: string, cmd: string, argv: readonly string[]): Promise<RunResult> {
  try {
    return await runner(cmd, argv);
  } catch (err) {
    if (err instanceof CommandError) throw err.withContext(what);
    throw new CommandError([cmd, ...argv], null, String((err as Error)?.message ?? err), what, { cause: err });
  }
}

/**
 * True when a removal failed because the object is already gone. iproute2, nft and iptables
 * exit 1 for every error, so the kernel's ENODEV/ENOENT text is the only signal there is;
 * this is the one place that reads it.
 */
export function isAlreadyGone(err: unknown): boolean {
  if (!(err instanceof CommandError)) return false;
  return /Cannot find device|does not exist|No such file or directory|No such process|No chain\/target\/match|Bad rule|RTNETLINK answers: No such|Cannot assign requested address/i.test(
    err.stderr,
  );
}
