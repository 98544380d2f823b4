/**
 * The filters of `ovl ps` (`--node`, `--state`, `--network`), applied by the coordinator so
 * that a script asking about one node does not fetch the whole cluster. The query body is
 * outside input: every field is checked, an unknown one refused.
 */
import { OvlError, OvlErrorCodes, invalid } from "./errors.js";
import { findNetwork } from "./networks.js";
import { isName, NAME_RULE } from "./names.js";
import { allContainers } from "./queries.js";
import type { ClusterState } from "./state.js";
import { psRow, type ContainerView, type PsRow } from "./views.js";

export const CONTAINER_VIEWS: readonly ContainerView[] = ["pending", "running", "failed", "exited", "lost"];
import { DEFAULT_NETWORK } from "./defaults.js";
export { DEFAULT_NETWORK };

export interface PsQuery {
  readonly node?: string;
  readonly state?: ContainerView;
  readonly network?: string;
}

const FIELDS = ["node", "state", "network"];

export function parsePsQuery(raw: unknown): PsQuery {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalid("invalid ps query: expected an object");
  const body = raw as Record<string, unknown>;
  const unknown = Object.keys(body).find((k) => !FIELDS.includes(k));
  if (unknown !== undefined) throw invalid(`invalid ps query: unknown field ${JSON.stringify(unknown)} (expected ${FIELDS.join(", ")})`);
  const q: { -readonly [K in keyof PsQuery]: PsQuery[K] } = {};
  if (body.node !== undefined) {
    if (!isName(body.node)) throw invalid(`invalid node name ${JSON.stringify(body.node)}: use ${NAME_RULE}`);
    q.node = body.node;
  }
  if (body.state !== undefined) {
    if (!CONTAINER_VIEWS.includes(body.state as ContainerView)) throw invalid(`invalid state ${JSON.stringify(body.state)}: expected one of ${CONTAINER_VIEWS.join(", ")}`);
    q.state = body.state as ContainerView;
  }
  if (body.network !== undefined) {
    if (!isName(body.network)) throw invalid(`invalid network name ${JSON.stringify(body.network)}: use ${NAME_RULE}`);
    q.network = body.network;
  }
  return q;
}

/** The rows of `ovl ps` that match the query, in the order of psRows. */
export function psRowsFor(state: ClusterState, q: PsQuery): PsRow[] {
  // hasOwn: "constructor" is a valid node name, and an inherited key of a plain object.
  const node = q.node !== undefined && Object.hasOwn(state.nodes, q.node) ? state.nodes[q.node] : undefined;
  if (q.node !== undefined && !node) return [];
  const records = node ? Object.keys(node.containers).sort().map((c) => node.containers[c]!) : allContainers(state);
  const rows = records.map((c) => psRow(c, state.nodes[c.node]?.status));
  const network = q.network;
  if (network !== undefined && state.cluster && !findNetwork(state, network)) {
    throw new OvlError(OvlErrorCodes.NetworkNotFound, `unknown network ${JSON.stringify(network)} (see \`ovl network ls\`)`);
  }
  const onNetwork = network === undefined ? rows : rows.filter((r) => r.networks.some((a) => a.network === network));
  return q.state === undefined ? onNetwork : onNetwork.filter((r) => r.state === q.state);
}
