/**
 * The labels that say ovl owns a Docker container, defined once. Every list and event
 * filter of the agent asks for `ovl.managed=true` AND `ovl.node=<node>`, so a container
 * without them is never seen, let alone touched.
 *
 * Docker name: `ovl-<name>` (an ovl name is at most 32 characters, so at most 36). The
 * prefix keeps ovl's containers apart from the operator's own in `docker ps`; the agent
 * never looks a container up by name, only by labels.
 */
import { isIpv4, isName } from "@ovl/domain";

export const LABELS = {
  managed: "ovl.managed",
  cluster: "ovl.cluster",
  node: "ovl.node",
  name: "ovl.name",
  ip: "ovl.ip",
} as const;

export const dockerNameFor = (name: string): string => `ovl-${name}`;

export function createLabels(cluster: string | undefined, node: string, name: string, ip: string): Record<string, string> {
  return {
    [LABELS.managed]: "true",
    ...(cluster ? { [LABELS.cluster]: cluster } : {}),
    [LABELS.node]: node,
    [LABELS.name]: name,
    [LABELS.ip]: ip,
  };
}

/** The label filter for Docker lists and events: ovl's containers of this node only. */
export const nodeLabelFilter = (node: string): string[] => [`${LABELS.managed}=true`, `${LABELS.node}=${node}`];

export interface Owned {
  readonly node: string;
  readonly name: string;
  readonly ip: string;
}

/** The ovl identity of a container from its labels; null when they are not ovl's (or are malformed). */
export function ownedBy(labels: Readonly<Record<string, string>> | undefined): Owned | null {
  if (!labels || labels[LABELS.managed] !== "true") return null;
  const node = labels[LABELS.node];
  const name = labels[LABELS.name];
  const ip = labels[LABELS.ip];
  if (!isName(node) || !isName(name) || !isIpv4(ip)) return null;
  return { node, name, ip };
}
