#!/usr/bin/env node
// The installed `ovl` command: the bundle built at install time (fast start), or the
// TypeScript sources through tsx when the bundle is missing (a fresh checkout in development).
// Started by `./ovl` (OVL_ENSURE_BUNDLE=1), it first rebuilds a bundle older than the sources.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, "..", "dist", "ovl.mjs");
let fromSource = Boolean(process.env.OVL_FROM_SOURCE);
if (!fromSource && process.env.OVL_ENSURE_BUNDLE === "1") {
  const { ensureFreshBundle } = await import("../bundle.mjs");
  fromSource = ensureFreshBundle(join(here, "..", "..", "..")) === "failed";
}
delete process.env.OVL_ENSURE_BUNDLE; // checked once: the processes this one starts need not
if (existsSync(bundle) && !fromSource) {
  await import(pathToFileURL(bundle).href);
} else {
  await import("tsx/esm");
  await import(pathToFileURL(join(here, "..", "src", "main.ts")).href);
}
