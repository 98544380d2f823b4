/**
 * Parsers for every name and value that comes from outside. Each returns the typed value
 * or throws an OvlError(INVALID_INPUT) that names the value and the rule.
 */
import { invalid } from "./errors.js";
import { isIpv4 } from "./ip.js";

/** Node and container names: safe as a NATS subject token, a Docker name, a label and a path. */
const NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
export const NAME_RULE = "lower-case letters, digits and inner hyphens, 1 to 32 characters";

export function isName(raw: unknown): raw is string {
  return typeof raw === "string" && NAME.test(raw);
}

function parseName(kind: string, raw: unknown): string {
  if (!isName(raw)) throw invalid(`invalid ${kind} name ${JSON.stringify(raw)}: use ${NAME_RULE}`);
  return raw;
}
export const parseNodeName = (raw: unknown): string => parseName("node", raw);
export const parseContainerName = (raw: unknown): string => parseName("container", raw);
/** `--alias`: another name the container answers to, by the same rule as names. */
export const parseAlias = (raw: unknown): string => parseName("alias", raw);
/** A network's name, by the same rule: it is the last label of `NAME.NETWORK` in the cluster's DNS. */
export const parseNetworkName = (raw: unknown): string => parseName("network", raw);

export function parseIpv4(raw: unknown, what = "address"): string {
  if (!isIpv4(raw)) throw invalid(`invalid ${what} ${JSON.stringify(raw)}: expected an IPv4 address like 198.18.0.11`);
  return raw;
}

/**
 * Docker image references: [registry[:port]/]path[:tag][@digest]. Checked loosely for shape
 * and length, strictly for characters that could escape into a shell, path or label.
 */
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
export function parseImage(raw: unknown): string {
  if (typeof raw !== "string" || raw.length > 255 || !IMAGE.test(raw)) {
    throw invalid(`invalid image ${JSON.stringify(raw)}: expected a Docker reference like busybox or registry:5000/team/app:1.2`);
  }
  return raw;
}

export type Proto = "tcp" | "udp";
export interface PortMapping {
  /** Host address to listen on; absent means every address of the node. */
  readonly hostIp?: string;
  readonly host: number;
  readonly container: number;
  readonly proto: Proto;
}

function parsePortNumber(raw: string, what: string, spec: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    throw invalid(`invalid port mapping ${JSON.stringify(spec)}: ${what} port must be 1-65535`);
  }
  return Number(raw);
}

/** Parses `-p [HOST_IP:]HOST:CTR[/udp|/tcp]`. */
export function parsePortSpec(spec: string): PortMapping {
  const [mapping, proto = "tcp", extra] = spec.split("/");
  if (extra !== undefined || (proto !== "tcp" && proto !== "udp") || mapping === undefined) {
    throw invalid(`invalid port mapping ${JSON.stringify(spec)}: expected [HOST_IP:]HOST:CTR[/udp]`);
  }
  const parts = mapping.split(":");
  if (parts.length < 2 || parts.length > 3) {
    throw invalid(`invalid port mapping ${JSON.stringify(spec)}: expected [HOST_IP:]HOST:CTR[/udp]`);
  }
  const [hostIp, hostPort, ctrPort] = parts.length === 3 ? parts : [undefined, ...parts];
  if (hostIp !== undefined) parseIpv4(hostIp, `host address in port mapping ${JSON.stringify(spec)}:`);
  const host = parsePortNumber(hostPort!, "host", spec);
  const container = parsePortNumber(ctrPort!, "container", spec);
  return hostIp === undefined ? { host, container, proto } : { hostIp, host, container, proto };
}

export function formatPort(p: PortMapping): string {
  return `${p.hostIp ? `${p.hostIp}:` : ""}${p.host}:${p.container}/${p.proto}`;
}

/** Two mappings clash on a node when they share protocol and host port and their host addresses overlap. */
export function portsClash(a: PortMapping, b: PortMapping): boolean {
  return a.proto === b.proto && a.host === b.host && (!a.hostIp || !b.hostIp || a.hostIp === b.hostIp);
}

/** Parses a request id: what the client made up to make retries idempotent. */
const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;
export function parseRequestId(raw: unknown): string {
  if (typeof raw !== "string" || !REQUEST_ID.test(raw)) {
    throw invalid(`invalid request id ${JSON.stringify(raw)}: 8-64 characters of A-Z a-z 0-9 _ -`);
  }
  return raw;
}
