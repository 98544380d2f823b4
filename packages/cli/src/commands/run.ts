/**
 * `ovl run`: validate everything locally (the same parsers the coordinator uses), send the
 * StartContainer command, then, unless --detach, wait for the agent's verdict recorded in
 * the stream (ContainerRunning or ContainerFailed) and exit non-zero on failure.
 */
import { readFileSync } from "node:fs";
import { parseAlias, parseContainerName, parseNetworkName, MAX_CONTAINER_NETWORKS, parseImage, parseNodeName, parsePortSpec, parseRunOptions, portsClash, formatPort, MAX_ALIASES, type CommandData, type PortMapping } from "@ovl/domain";
import { waitForOutcome, type RunResult } from "@ovl/client";
import { out, withClient, type GlobalOptions } from "../context.js";
import { FailedError, UsageError, asUsage } from "../errors.js";
import type { RunFlags } from "../run-flags.js";

export interface RunOptions extends RunFlags {
  readonly node?: string;
  readonly image: string;
  readonly publish: readonly string[];
  /** --alias, repeatable. */
  readonly alias?: readonly string[];
  /** --network, repeatable: its networks in order (eth0 on the first); none: `ovl`. */
  readonly network?: readonly string[];
  readonly detach?: boolean;
  /** Seconds to wait for the agent's verdict. @default 60 */
  readonly timeout?: number;
}

function parsePorts(specs: readonly string[]): PortMapping[] {
  const ports = specs.map((s) => asUsage(() => parsePortSpec(s)));
  ports.forEach((p, i) => {
    const other = ports.slice(0, i).find((q) => portsClash(p, q));
    if (other) throw new UsageError(`port mappings ${formatPort(other)} and ${formatPort(p)} use the same host port: publish each host port once`);
  });
  return ports;
}

/** --network names, each once; whether each exists is the coordinator's to say (NETWORK_NOT_FOUND). */
function parseNetworks(raw: readonly string[]): string[] {
  const names = raw.map((n) => asUsage(() => parseNetworkName(n)));
  if (names.length > MAX_CONTAINER_NETWORKS) throw new UsageError(`at most ${MAX_CONTAINER_NETWORKS} networks`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UsageError(`network ${twice} given twice: a container has one interface per network`);
  return names;
}

function readEnvFile(file: string, read: (f: string) => string): { file: string; text: string } {
  try {
    return { file, text: read(file) };
  } catch (err) {
    throw new UsageError(`cannot read env file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The command's data, validated; throws UsageError naming the first bad argument. `read` reads --env-file files. */
export function runSpec(rawName: string, opts: RunOptions, cmd: readonly string[], read = (f: string) => readFileSync(f, "utf8")): CommandData<"StartContainer"> {
  const name = asUsage(() => parseContainerName(rawName));
  const image = asUsage(() => parseImage(opts.image));
  const ports = parsePorts(opts.publish);
  if (cmd.length > 256 || cmd.some((a) => a.length > 4096 || a.includes("\0"))) {
    throw new UsageError("invalid command: at most 256 arguments of at most 4096 characters, without NUL bytes");
  }
  const envFiles = (opts.envFile ?? []).map((f) => readEnvFile(f, read));
  const options = asUsage(() => parseRunOptions({ ...opts, envFiles }));
  const aliases = (opts.alias ?? []).map((a) => asUsage(() => parseAlias(a)));
  if (aliases.length > MAX_ALIASES) throw new UsageError(`at most ${MAX_ALIASES} aliases`);
  const networks = parseNetworks(opts.network ?? []);
  const spec = { name, image, cmd: [...cmd], ports, ...(options ? { options } : {}), ...(aliases.length > 0 ? { aliases } : {}), ...(networks.length > 0 ? { networks } : {}) };
  return opts.node === undefined ? spec : { ...spec, node: asUsage(() => parseNodeName(opts.node)) };
}

const placed = (r: RunResult): string => `${r.name} on node ${r.node} at ${r.ip}`;

export async function runCommand(g: GlobalOptions, rawName: string, opts: RunOptions, cmd: readonly string[]): Promise<number> {
  const spec = runSpec(rawName, opts, cmd);
  return withClient(g, async (client) => {
    const r = await client.run(spec);
    if (opts.detach) {
      await out(`${placed(r)} (pending; follow it with \`ovl ps\`)\n`);
      return 0;
    }
    const outcome = await waitForOutcome(client.nc, r, Math.round((opts.timeout ?? 60) * 1000));
    if (outcome.state !== "running") {
      throw new FailedError(`container ${r.name} on node ${r.node} ${outcome.state}: ${outcome.reason}; see \`ovl events\`, then \`ovl rm ${r.name}\``);
    }
    await out(`${placed(r)} running\n`);
    return 0;
  });
}
