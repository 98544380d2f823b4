/**
 * The answer to one DNS query, pure: from the decoded question, who asks and the name index
 * of the fold (name-index.ts) to a response packet, or "forward" for a name that is not
 * ovl's. ovl answers for single-label names (`db`: a person's search domains make other
 * names multi-label before they are asked) and for names under one of the cluster's networks
 * (`db.back`); it answers those with authority, so a removed container's name is NXDOMAIN at
 * once, never an upstream's answer. TTL 0: a client asks again each time, so no cache holds
 * a removed container's address.
 *
 * An asker sees the containers it shares a network with: `NAME` answers the target's address
 * on the first of the target's networks that the asker is on (the target's own order, so a
 * container on every network answers its `ip`), `NAME.NETWORK` its address on NETWORK if the
 * asker is on NETWORK. Anything else under ovl's names is NXDOMAIN.
 */
import dnsPacket from "dns-packet";
import { normalizeQueryName } from "@ovl/domain";
import type { NameIndex } from "./name-index.js";

/** RFC 1035 section 4.1.1 response codes. */
export const RCODE = { NoError: 0, FormErr: 1, ServFail: 2, NxDomain: 3, NotImp: 4, Refused: 5 } as const;

export type Verdict = { readonly kind: "answer"; readonly packet: dnsPacket.Packet } | { readonly kind: "forward" };

/** Who sent a query: its source address, and the network of the gateway it was sent to. */
export interface Asker {
  readonly ip: string;
  readonly via: string;
}

/**
 * The networks of the asker: its container's, found by its source address (addresses name
 * one container, ranges never overlap). An address no container holds (a Docker-door
 * container not recorded yet, the node itself in a test) is taken to be on the network of
 * the gateway it asked, the only segment its query can have come from.
 */
export const askerNetworks = (index: NameIndex, asker: Asker): readonly string[] => index.askers.get(asker.ip) ?? [asker.via];

/** Whether ovl answers for `name` (normalized): one label, or under one of the cluster's networks. */
export function isOurs(name: string, networks: ReadonlySet<string>): boolean {
  if (name === "") return false;
  const dot = name.lastIndexOf(".");
  return dot < 0 || networks.has(name.slice(dot + 1));
}

/** The address `name` (ours, normalized) answers for an asker on networks `on`, or null (NXDOMAIN). */
export function addressFor(index: NameIndex, name: string, on: readonly string[]): string | null {
  const dot = name.lastIndexOf(".");
  const network = dot < 0 ? null : name.slice(dot + 1);
  if (network !== null && !on.includes(network)) return null;
  // Names are one label: `a.b.net` has a base with a dot, which names nothing.
  const target = index.names.get(dot < 0 ? name : name.slice(0, dot));
  const hit = target?.find((a) => (network === null ? on.includes(a.network) : a.network === network));
  return hit?.ip ?? null;
}

/** Outside names are forwarded for an asker on at least one network that is not `--internal`: an internal network has no way out, DNS included. */
export const mayForward = (index: NameIndex, on: readonly string[]): boolean => on.some((n) => !index.internal.has(n));

/** A response to `query` with its id, question and recursion-desired bit, and this rcode in the low bits. */
export function reply(query: dnsPacket.DecodedPacket, rcode: number, answers: dnsPacket.Answer[] = [], authoritative = false): dnsPacket.Packet {
  const flags = (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | rcode;
  return { type: "response", id: query.id ?? 0, flags, questions: query.questions ?? [], answers };
}

export function answer(query: dnsPacket.DecodedPacket, index: NameIndex, asker: Asker): Verdict {
  const questions = query.questions ?? [];
  // A response has nothing to answer; opcode other than QUERY is not ours to serve.
  if (query.type !== "query") return { kind: "answer", packet: reply(query, RCODE.FormErr) };
  if ((query as { opcode?: string }).opcode !== "QUERY") return { kind: "answer", packet: reply(query, RCODE.NotImp) };
  if (questions.length !== 1) return { kind: "answer", packet: reply(query, RCODE.FormErr) };
  const q = questions[0]!;
  const name = normalizeQueryName(q.name);
  const on = askerNetworks(index, asker);
  if (!isOurs(name, index.networks)) return mayForward(index, on) ? { kind: "forward" } : { kind: "answer", packet: reply(query, RCODE.Refused) };
  const ip = addressFor(index, name, on);
  if (ip === null) return { kind: "answer", packet: reply(query, RCODE.NxDomain, [], true) };
  // The name exists: A (or ANY) gets its address, any other type an empty answer (NODATA), not NXDOMAIN.
  const wantsA = (q.class === "IN" || q.class === "ANY" || q.class === undefined) && (q.type === "A" || (q.type as string) === "ANY");
  const answers: dnsPacket.Answer[] = wantsA ? [{ type: "A", class: "IN", name: q.name, ttl: 0, data: ip }] : [];
  return { kind: "answer", packet: reply(query, RCODE.NoError, answers, true) };
}
