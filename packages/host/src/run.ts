/**
 * The one way ovl runs OS commands: execFile with an argument array, never a shell, with a
 * timeout so that a wedged command cannot wedge its caller. `run` throws a CommandError;
 * `tryRun` reports failure as a value for teardown paths that go on past "already gone".
 */
import { execFile } from "node:child_process";
import { CommandError, HostError, HostErrorCodes } from "./errors.js";

export interface RunOptions {
  /** What the command is for, named by the error message ("create bridge ovllan0"). */
  readonly action?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the command after this long. @default 60000 */
  readonly timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. */
  readonly input?: string;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new HostError(HostErrorCodes.InvalidInput, "run: empty argv");
  const timeout = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env: opts.env ?? process.env, timeout, maxBuffer: 64 << 20, encoding: "utf8" }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
      const said = e.killed && e.code == null ? `killed after ${timeout} ms${stderr ? `: ${stderr}` : ""}` : stderr || e.message;
      reject(new CommandError(argv, e.code ?? null, said, opts.action, { cause: err }));
    });
    // A command that exits before reading all its input (a refused script) closes the pipe:
    // the write's EPIPE is an error event that would end this process; its exit status says it.
    child.stdin?.on("error", () => undefined);
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export async function tryRun(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult & { ok: boolean }> {
  try {
    return { ...(await run(argv, opts)), ok: true };
  } catch (err) {
    return { stdout: "", stderr: err instanceof Error ? err.message : String(err), ok: false };
  }
}
