#!/usr/bin/env node
// The installed `ovl` command: the bundle built at install time (fast start), or the
// TypeScript sources through tsx when the bundle is missing (a fresh checkout in development).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, "..", "dist", "ovl.mjs");
if (existsSync(bundle) && !process.env.OVL_FROM_SOURCE) {
  await import(pathToFileURL(bundle).href);
} else {
  await import("tsx/esm");
  await import(pathToFileURL(join(here, "..", "src", "main.ts")).href);
}
