/**
 * `ovl run`'s Docker options, named as `docker run` names them. Their values are checked by
 * the domain's parsers in commands/run.ts (before anything connects); here only their shape.
 */
import type { Command } from "commander";
import type { RawRunOptions } from "@ovl/domain";
import { collect } from "./args.js";

/** As commander collects them: the domain's RawRunOptions, with the env files' names instead of their text. */
export type RunFlags = Omit<RawRunOptions, "envFiles"> & { readonly envFile?: readonly string[] };

export function addRunFlags(cmd: Command): Command {
  return cmd
    .option("-e, --env <KEY=VALUE>", "set an environment variable (repeatable); stored in the cluster's history IN CLEAR, readable by every identity that reads it: no secrets", collect, [])
    .option("--env-file <file>", "read KEY=VALUE lines from a file (repeatable; stored in clear like -e)", collect, [])
    .option("-v, --volume <SRC:DST[:ro]>", "mount a host path or a named volume of the node (repeatable)", collect, [])
    .option("--restart <policy>", "no, on-failure[:N], always or unless-stopped (default: unless-stopped)")
    .option("-m, --memory <size>", "memory limit, e.g. 512m or 1g")
    .option("--cpus <n>", "number of CPUs, e.g. 0.5")
    .option("-l, --label <KEY[=VALUE]>", "set a Docker label (repeatable; ovl.* are ovl's)", collect, [])
    .option("--entrypoint <cmd>", "override the image's entrypoint (\"\" clears it)")
    .option("-w, --workdir <dir>", "working directory inside the container")
    .option("-u, --user <user>", "NAME|UID[:GROUP|GID] to run as")
    .option("--hostname <name>", "host name inside the container (default: the container's name)");
}
