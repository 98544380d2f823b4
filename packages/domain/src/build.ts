/**
 * Which code a process runs: the release version and the git commit it was built from.
 * The commit is written into the CLI bundle by packages/cli/build.mjs (esbuild `define`);
 * a process started from the TypeScript sources (tsx, the tests) has no build and says
 * "source". Agents send it in their heartbeats and coordinators in their presence beats,
 * so `ovl nodes` shows which machines run which code during a rolling upgrade.
 */
declare const __OVL_COMMIT__: string | undefined;

/** The release version; the same in every package.json of the workspace. */
export const OVL_VERSION = "0.1.0";

/** The commit of this build (12 hex digits, "+dirty" when built from a changed tree), or "source". */
export const OVL_COMMIT: string = typeof __OVL_COMMIT__ === "string" ? __OVL_COMMIT__ : "source";

/** "0.1.0+3f2a1b9c0d1e": what heartbeats carry (at most 64 characters). */
export const buildVersion = (version = OVL_VERSION, commit = OVL_COMMIT): string => `${version}+${commit}`.slice(0, 64);

/** `ovl --version`: "ovl 0.1.0 (commit 3f2a1b9c0d1e)". */
export const versionLine = (version = OVL_VERSION, commit = OVL_COMMIT): string => `ovl ${version} (commit ${commit})`;
