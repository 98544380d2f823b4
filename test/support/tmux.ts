/**
 * A private tmux server for end-to-end TUI tests and the benchmark: its own socket, a
 * fixed-size window, keys sent with send-keys, the screen read with capture-pane, and
 * the server ended by its PID. Every tmux call is execFile with an argument array.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "@ovl/host";

const run = promisify(execFile);

export class Tmux {
  readonly dir = mkdtempSync(join(tmpdir(), "ovl-tmux-"));
  readonly socket = join(this.dir, "tmux.sock");
  private serverPid: number | undefined;

  private async tmux(...args: string[]): Promise<string> {
    const { stdout } = await run("tmux", ["-S", this.socket, ...args], { env: this.env });
    return stdout;
  }

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** Starts `argv` (run directly, no shell) in a detached session of `columns` x `rows`. */
  async start(argv: readonly string[], columns = 120, rows = 40): Promise<void> {
    await this.tmux("new-session", "-d", "-x", String(columns), "-y", String(rows), ...argv);
    await this.tmux("set-option", "-g", "remain-on-exit", "on");
    this.serverPid = Number((await this.tmux("display-message", "-p", "#{pid}")).trim());
  }

  /** The pane's process (the TUI itself, as it is started without a shell). */
  async panePid(): Promise<number> {
    return Number((await this.tmux("display-message", "-p", "#{pane_pid}")).trim());
  }

  /**
   * Key names (Enter, Tab, Left, Escape, ...) as tmux knows them, one at a time with a
   * pause like a fast typist's: a key handled before the previous one is drawn would act
   * on what the screen showed before it.
   */
  async keys(...names: string[]): Promise<void> {
    for (const name of names) {
      await this.tmux("send-keys", name);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Literal text, typed as is. */
  async type(text: string): Promise<void> {
    await this.tmux("send-keys", "-l", text);
  }

  async resize(columns: number, rows: number): Promise<void> {
    await this.tmux("resize-window", "-x", String(columns), "-y", String(rows));
  }

  async capture(): Promise<string> {
    return this.tmux("capture-pane", "-p");
  }

  async pane(format: string): Promise<string> {
    return (await this.tmux("display-message", "-p", format)).trim();
  }

  /** Polls the screen until `test` passes; throws with the last screen after `timeoutMs`. */
  async waitFor(test: RegExp | ((screen: string) => boolean), timeoutMs = 15_000, what = String(test)): Promise<string> {
    const until = Date.now() + timeoutMs;
    let screen = "";
    for (;;) {
      screen = await this.capture().catch(() => screen);
      if (typeof test === "function" ? test(screen) : test.test(screen)) return screen;
      if (Date.now() > until) throw new Error(`screen never showed ${what} within ${timeoutMs} ms; last screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ends the tmux server by its PID and removes the socket directory. */
  async kill(): Promise<void> {
    if (this.serverPid) await stopProcess(this.serverPid, { graceMs: 2000 });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The environment for a TUI under test: no CI flag (ink would print only the last frame). */
export function tuiEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm-256color", ...extra };
  for (const k of ["CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID"]) delete env[k];
  return env;
}
