/**
 * IPv4 arithmetic on 32-bit unsigned integers. Only what IPAM and the dataplane need:
 * parse and format addresses and CIDRs, split a CIDR into blocks, derive MACs and names.
 */
import { invalid } from "./errors.js";

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefix: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(raw: unknown): raw is string {
  return typeof raw === "string" && IPV4.test(raw);
}

export function ipToInt(ip: string): number {
  if (!isIpv4(ip)) throw invalid(`invalid IPv4 address: ${JSON.stringify(ip)}`);
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

export function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** Parses "a.b.c.d/p"; the address must be the network address (no host bits set). */
export function parseCidr(raw: unknown): Cidr {
  if (typeof raw !== "string") throw invalid(`invalid CIDR: expected a string like 10.240.0.0/16`);
  const [addr, len, extra] = raw.split("/");
  if (extra !== undefined || addr === undefined || len === undefined || !/^\d{1,2}$/.test(len)) {
    throw invalid(`invalid CIDR: ${JSON.stringify(raw)} (expected a.b.c.d/prefix)`);
  }
  const prefix = Number(len);
  if (prefix > 32) throw invalid(`invalid CIDR: ${raw} (prefix above 32)`);
  const base = ipToInt(addr);
  if ((base & maskOf(prefix)) >>> 0 !== base) {
    throw invalid(`invalid CIDR: ${raw} has host bits set (did you mean ${intToIp((base & maskOf(prefix)) >>> 0)}/${prefix}?)`);
  }
  return { base, prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${intToIp(cidr.base)}/${cidr.prefix}`;
}

export function contains(cidr: Cidr, ip: number): boolean {
  return (ip & maskOf(cidr.prefix)) >>> 0 === cidr.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return (a.base & maskOf(prefix)) >>> 0 === (b.base & maskOf(prefix)) >>> 0;
}

/** The index-th block of `blockPrefix` inside `cidr`. */
export function blockAt(cidr: Cidr, blockPrefix: number, index: number): Cidr {
  return { base: (cidr.base + index * 2 ** (32 - blockPrefix)) >>> 0, prefix: blockPrefix };
}

export function blockCount(cidr: Cidr, blockPrefix: number): number {
  return 2 ** (blockPrefix - cidr.prefix);
}

/** The gateway of a block is its first host address; the bridge of the node holds it. */
export function gatewayOf(block: Cidr): number {
  return block.base + 1;
}

/** Addresses a container may get in a block: not the network, gateway or broadcast address. */
export function firstContainerIp(block: Cidr): number {
  return block.base + 2;
}
export function lastContainerIp(block: Cidr): number {
  return block.base + size(block) - 2;
}

/**
 * MACs derive from the address (locally administered prefix 0a:58, as CNI does), so a
 * replay gives the same MAC and a peer can compute it without asking.
 */
export function macFor(ip: string): string {
  const n = ipToInt(ip);
  const bytes = [0x0a, 0x58, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Host-side veth name for a container address: "ovl" + 8 hex digits (11 of 15 chars). */
export function vethNameFor(ip: string): string {
  return `ovl${ipToInt(ip).toString(16).padStart(8, "0")}`;
}
