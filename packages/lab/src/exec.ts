/**
 * The one way the lab runs OS commands: execFile with an argument array, never a shell.
 * `run` throws a CommandError naming the action; `tryRun` reports failure as a value for
 * teardown paths that must go on past "already gone".
 */
import { execFile } from "node:child_process";
import { CommandError } from "./errors.js";

export interface RunOptions {
  /** What the command is for, used in the error message ("create bridge ovllan0"). */
  readonly action?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** @default 60_000 */
  readonly timeoutMs?: number;
  readonly input?: string;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error("run: empty argv");
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
        reject(new CommandError(argv, code, stderr || err.message, opts.action ?? "run", { cause: err }));
      },
    );
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
