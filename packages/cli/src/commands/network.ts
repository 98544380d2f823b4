/** `ovl network create|ls|rm`: the networks beside the cluster's own `ovl`, validated here before sending. */
import { parseCidr, parseNetworkName, type NetworkRow } from "@ovl/domain";
import { out, withClient, type GlobalOptions } from "../context.js";
import { table } from "../format.js";
import { asUsage as usage } from "../errors.js";

export interface NetworkCreateOptions {
  readonly cidr?: string;
  readonly internal?: boolean;
}

export async function networkCreateCommand(g: GlobalOptions, rawName: string, opts: NetworkCreateOptions): Promise<number> {
  const network = usage(() => parseNetworkName(rawName));
  if (opts.cidr !== undefined) usage(() => parseCidr(opts.cidr));
  const spec = { network, ...(opts.cidr !== undefined ? { cidr: opts.cidr } : {}), ...(opts.internal ? { internal: true } : {}) };
  const r = await withClient(g, (c) => c.networkCreate(spec));
  const row = r.network;
  await out(row ? `network ${row.name}: ${row.cidr}, vni ${row.vni}${row.internal ? ", internal" : ""}, blocks on ${row.nodes} node(s)\n` : `network ${network} created\n`);
  return 0;
}

export async function networkRmCommand(g: GlobalOptions, rawName: string): Promise<number> {
  const network = usage(() => parseNetworkName(rawName));
  const r = await withClient(g, (c) => c.networkRm(network));
  await out(`removed network ${r.network}: its range and blocks are free\n`);
  return 0;
}

export function networksTable(rows: readonly NetworkRow[]): string {
  return table(
    ["NAME", "CIDR", "VNI", "INTERNAL", "NODES", "CONTAINERS", "EXCEPT"],
    // EXCEPT: the other networks' ranges inside this one (ovl's blocks go around them); older coordinators do not send it.
    rows.map((r) => [r.name, r.cidr, String(r.vni), r.internal ? "yes" : "no", String(r.nodes), String(r.containers), r.excludes?.length ? r.excludes.join(",") : "-"]),
  );
}

export async function networkLsCommand(g: GlobalOptions, opts: { readonly json?: boolean }): Promise<number> {
  const rows = await withClient(g, (c) => c.networks());
  await out(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : rows.length ? networksTable(rows) : "no networks: the cluster is not created yet\n");
  return 0;
}
