/**
 * The one door to the OS: `run(cmd, argv)` through execFile (argument arrays, never a shell).
 * Everything in kernel/ takes a Runner, so tests pass one that prefixes `ip netns exec <ns>`
 * and production runs in the node's own namespace.
 */
import { execFile } from "node:child_process";

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export type Runner = (cmd: string, argv: readonly string[]) => Promise<RunResult>;

export const KernelErrorCodes = {
  CommandFailed: "COMMAND_FAILED",
  InvalidInput: "INVALID_INPUT",
  Conflict: "CONFLICT",
  Teardown: "TEARDOWN_INCOMPLETE",
} as const;
export type KernelErrorCode = (typeof KernelErrorCodes)[keyof typeof KernelErrorCodes];

export class KernelError extends Error {
  override readonly name: string = "KernelError";
  constructor(
    readonly code: KernelErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A command that exited non-zero (or could not start). `code` is the exit status, or an errno name. */
export class CommandError extends KernelError {
  override readonly name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
    what?: string,
    options?: ErrorOptions,
  ) {
    const detail = stderr.trim().split("\n")[0] || `exit ${exitCode}`;
    super(KernelErrorCodes.CommandFailed, `${what ? `could not ${what}` : argv.join(" ")}: ${detail}`, options);
  }

  /** The same failure, its message naming the object and the action. */
  withContext(what: string): CommandError {
    return new CommandError(this.argv, this.exitCode, this.stderr, what, { cause: this });
  }
}

/** Kills a command that hangs (a wedged netlink call must not wedge the agent). */
const TIMEOUT_MS = 30_000;

/** The default Runner: execFile, no shell, 30 s timeout, 16 MiB of output. */
export const run: Runner = (cmd, argv) =>
  new Promise((resolve, reject) => {
    execFile(cmd, [...argv], { timeout: TIMEOUT_MS, maxBuffer: 16 << 20, encoding: "utf8" }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: number | string };
      reject(new CommandError([cmd, ...argv], e.code ?? null, String(stderr || e.message), undefined, { cause: err }));
    });
  });

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
