// Bundles the `ovl` command into one ESM file so that a person's command starts in
// node's own time, not tsx's (tsx compiles every module on each start). Native and
// heavy runtime packages stay external and load from node_modules as usual.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(here, "dist/ovl.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  jsx: "automatic",
  external: ["better-sqlite3", "dockerode", "ink", "react", "react/jsx-runtime", "nats", "yoga-layout"],
  banner: { js: "import { createRequire as __ovlRequire } from 'node:module'; const require = __ovlRequire(import.meta.url);" },
  logLevel: "warning",
});
