/**
 * `openTui`: the entry the CLI calls (`ovl tui`, the end of `ovl up`). It enters the
 * alternate screen, draws the app at once (the header says "connecting" until NATS
 * answers), connects when given a URL, and resolves when the user quits, with the
 * terminal restored. A connection it made is closed; one it was given is left open.
 */
import { setFlagsFromString } from "node:v8";
import React from "react";
import { render } from "ink";
import type { NatsConnection } from "nats";
import { connectNats, timing } from "@ovl/client";
import { App } from "./app.js";
import { enterAltScreen } from "./screen.js";
import { ClusterStore } from "./store/cluster-store.js";

export interface OpenTuiOptions {
  /** A connection to use (left open on quit). */
  readonly nc?: NatsConnection;
  /** Where to connect when no `nc` is given. @default --nats / OVL_NATS_URL / nats://127.0.0.1:4222 */
  readonly natsUrl?: string;
  /** Alias of natsUrl. */
  readonly url?: string;
  /** A connection already under way (closed on quit), started while this module loaded. */
  readonly connecting?: Promise<NatsConnection>;
  /** @default process.stdout */
  readonly stdout?: NodeJS.WriteStream;
  /** @default process.stdin */
  readonly stdin?: NodeJS.ReadStream;
}

/**
 * V8's heap grows well ahead of what is live when a process allocates fast, and time
 * travel does: each read parses and folds thousands of events it then drops. Measured
 * travelling to the first of 100,000 events: 190 MiB of heap at the peak for 50-70 MiB
 * live; with V8 optimizing for size, 89 MiB, at about the same speed (docs/tui.md). The
 * flag is read at each collection, so it takes effect here; the TUI owns its process.
 */
function favourSmallHeap(): void {
  setFlagsFromString("--optimize-for-size");
}

export async function openTui(opts: OpenTuiOptions = {}): Promise<void> {
  favourSmallHeap();
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const store = new ClusterStore();
  // For OVL_TUI_TIMING: the first frame drawn after the store told the screen it is live.
  let liveShown = false;
  let liveDrawn = false;
  const unwatch = store.subscribe(() => {
    if (store.link.phase !== "live") return;
    unwatch();
    liveShown = true;
  });
  const onRender = () => {
    if (!liveShown || liveDrawn) return;
    liveDrawn = true;
    timing("tui: first live frame drawn");
  };
  let nc: NatsConnection | null = opts.nc ?? null;
  let ownConnection = false;
  const screen = enterAltScreen(stdout, process, () => instance.unmount());
  const tree = () => <App nc={nc} store={store} />;
  const instance = render(tree(), { stdout, stdin, exitOnCtrlC: true, patchConsole: true, maxFps: 20, onRender });
  timing("tui: first frame drawn");
  let failure: Error | undefined;
  if (!nc) {
    const url = opts.natsUrl ?? opts.url;
    store.setLink("connecting", url ?? "");
    (opts.connecting ?? connectNats({ name: "ovl-tui", ...(url ? { url } : {}) }))
      .then((conn) => {
        timing("tui: connected");
        nc = conn;
        ownConnection = true;
        instance.rerender(tree());
      })
      .catch((err: Error) => {
        failure = err;
        instance.unmount();
      });
  }
  try {
    await instance.waitUntilExit();
  } finally {
    screen.leave();
    store.dispose();
    // Bounded: a close racing a consumer's pull after a broker restart was seen to hang,
    // and quitting must never hang.
    if (ownConnection && nc) await Promise.race([nc.close().catch(() => undefined), new Promise((r) => setTimeout(r, 1500).unref())]);
  }
  if (failure) throw failure;
}
