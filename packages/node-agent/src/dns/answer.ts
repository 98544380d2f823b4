/**
 * The answer to one DNS query, pure: from the decoded question and the name records of the
 * fold to a response packet, or "forward" for a name that is not ovl's. ovl answers for
 * single-label names (`db`: a person's search domains make other names multi-label before
 * they are asked) and for names under the network (`db.ovl`); it answers those with
 * authority, so a removed container's name is NXDOMAIN at once, never an upstream's answer.
 * TTL 0: a client asks again each time, so no cache holds a removed container's address.
 */
import dnsPacket from "dns-packet";
import { DEFAULT_NETWORK, normalizeQueryName } from "@ovl/domain";

/** RFC 1035 section 4.1.1 response codes. */
export const RCODE = { NoError: 0, FormErr: 1, ServFail: 2, NxDomain: 3, NotImp: 4 } as const;

export type Verdict = { readonly kind: "answer"; readonly packet: dnsPacket.Packet } | { readonly kind: "forward" };

/** Whether ovl answers for `name` (normalized): one label, or under the network. */
export function isOurs(name: string, network = DEFAULT_NETWORK): boolean {
  return name !== "" && (!name.includes(".") || name.endsWith(`.${network}`));
}

/** A response to `query` with its id, question and recursion-desired bit, and this rcode in the low bits. */
export function reply(query: dnsPacket.DecodedPacket, rcode: number, answers: dnsPacket.Answer[] = [], authoritative = false): dnsPacket.Packet {
  const flags = (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | rcode;
  return { type: "response", id: query.id ?? 0, flags, questions: query.questions ?? [], answers };
}

export function answer(query: dnsPacket.DecodedPacket, records: ReadonlyMap<string, string>): Verdict {
  const questions = query.questions ?? [];
  // A response has nothing to answer; opcode other than QUERY is not ours to serve.
  if (query.type !== "query") return { kind: "answer", packet: reply(query, RCODE.FormErr) };
  if ((query as { opcode?: string }).opcode !== "QUERY") return { kind: "answer", packet: reply(query, RCODE.NotImp) };
  if (questions.length !== 1) return { kind: "answer", packet: reply(query, RCODE.FormErr) };
  const q = questions[0]!;
  const name = normalizeQueryName(q.name);
  if (!isOurs(name)) return { kind: "forward" };
  const ip = records.get(name);
  if (ip === undefined) return { kind: "answer", packet: reply(query, RCODE.NxDomain, [], true) };
  // The name exists: A (or ANY) gets its address, any other type an empty answer (NODATA), not NXDOMAIN.
  const wantsA = (q.class === "IN" || q.class === "ANY" || q.class === undefined) && (q.type === "A" || (q.type as string) === "ANY");
  const answers: dnsPacket.Answer[] = wantsA ? [{ type: "A", class: "IN", name: q.name, ttl: 0, data: ip }] : [];
  return { kind: "answer", packet: reply(query, RCODE.NoError, answers, true) };
}
