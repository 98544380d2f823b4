// Bundles the `ovl` command so that a person's command starts in node's own time, not
// tsx's (tsx compiles every module on each start). Code splitting keeps each subcommand's
// module in its own chunk, loaded by its dynamic import only when that subcommand runs:
// `ovl ps` never parses the coordinator, the agent, the lab or the TUI. Native and heavy
// runtime packages stay external and load from node_modules as usual. nats is bundled:
// loaded from node_modules it is ~60 CommonJS files resolved and read one by one, which
// cost ~50 ms of every command's start (`ovl run` until its request leaves: ~360 -> ~300 ms
// on the 2-core test machine); bundled it is one chunk.
//
// This runs as the root postinstall, so it must not fail an install: a workspace package
// whose sources are missing becomes a stub that says so when its subcommand runs. The new
// bundle is written beside dist/ and swapped in, so a reader never sees half a bundle
// (and bin/ovl.mjs falls back to the sources during the instant dist/ is absent).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const packages = join(here, "..");
const outdir = join(here, "dist");
const fresh = `${outdir}.new-${process.pid}`;

/** The checkout's commit ("-dirty" when tracked files differ from it), or "unknown" outside git: `ovl --version`. */
function commitOf(root) {
  const git = (...args) => execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
  try {
    const head = git("rev-parse", "--short=12", "HEAD");
    return git("status", "--porcelain", "--untracked-files=no") ? `${head}-dirty` : head;
  } catch {
    return "unknown";
  }
}

/** `@ovl/x` whose packages/x/src/index.ts does not exist yet: a module that throws a clear error. */
const missingWorkspacePackages = {
  name: "ovl-missing-workspace",
  setup(b) {
    b.onResolve({ filter: /^@ovl\/[a-z-]+$/ }, (args) => {
      const dir = args.path.slice("@ovl/".length);
      if (existsSync(join(packages, dir, "src", "index.ts"))) return undefined;
      console.warn(`build: ${args.path} has no sources yet; its subcommands will say so`);
      return { path: args.path, namespace: "ovl-missing" };
    });
    b.onLoad({ filter: /.*/, namespace: "ovl-missing" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not part of this build of ovl: rebuild with \`npm run build\` once packages/${args.path.slice(5)} exists`)});`,
      loader: "js",
    }));
  },
};

await build({
  entryPoints: { ovl: join(here, "src/main.ts") },
  outdir: fresh,
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  jsx: "automatic",
  plugins: [missingWorkspacePackages],
  define: { __OVL_COMMIT__: JSON.stringify(commitOf(join(packages, ".."))), "process.env.NODE_ENV": JSON.stringify("production") },
  external: ["better-sqlite3", "dockerode", "react-devtools-core", "tsx", "tsx/*"],
  banner: { js: "import { createRequire as __ovlRequire } from 'node:module'; const require = __ovlRequire(import.meta.url);" },
  logLevel: "warning",
  // production.ts sets NODE_ENV when the TUI runs from its sources; in the bundle it is fixed above.
  logOverride: { "assign-to-define": "silent" },
});
const old = `${outdir}.old-${process.pid}`;
if (existsSync(outdir)) renameSync(outdir, old);
renameSync(fresh, outdir);
rmSync(old, { recursive: true, force: true });
