/**
 * Pure translations between Docker's plugin calls and ovl's records: addresses as Docker
 * wants them, published ports in ovl's form, the names ovl gives what Docker makes.
 */
import { randomBytes } from "node:crypto";
import { ipToInt, isIpv4, type PortMapping } from "@ovl/domain";
import { AgentError, AgentErrorCodes } from "../errors.js";
import type { PortBinding } from "./protocol.js";

/** The one pool the IPAM hands out: the cluster's cidr (one L2 segment, as `ovl run` containers have it). */
export const POOL_ID = "ovl";
/** Docker's option marking a RequestAddress for the network's gateway. */
export const GATEWAY_REQUEST = "com.docker.network.gateway";

const invalid = (msg: string) => new AgentError(AgentErrorCodes.InvalidInput, msg);

/** "10.0.1.5/16" -> "10.0.1.5"; an address Docker passes must be IPv4. */
export function addressOf(cidrOrIp: string): string {
  const ip = cidrOrIp.split("/")[0]!;
  if (!isIpv4(ip)) throw invalid(`invalid address ${JSON.stringify(cidrOrIp)}: expected IPv4`);
  return ip;
}

/** The name the driver gives the container end of a veth until Docker renames it to eth<N>; never VETH_NAME's form. */
export const peerNameFor = (ip: string): string => `ovp${ipToInt(ip).toString(16).padStart(8, "0")}`;

/** A fresh name for an address reserved before its container is known. */
export const newReservationName = (): string => `ipam-${randomBytes(5).toString("hex")}`;

const PROTO: Readonly<Record<number, "tcp" | "udp">> = { 6: "tcp", 17: "udp" };

/** A host address Docker gives that means "any": none in ovl's form. */
const anyAddress = (ip: string | undefined): boolean => !ip || ip === "0.0.0.0" || ip === "::";

function mapping(proto: "tcp" | "udp", host: number, container: number, hostIp: string | undefined): PortMapping {
  if (!(host >= 1 && host <= 65535)) throw invalid(`port ${container}/${proto}: ovl publishes only a given host port (-p HOST:${container}), not a random one`);
  if (!(container >= 1 && container <= 65535)) throw invalid(`invalid container port ${container}`);
  if (!anyAddress(hostIp) && !isIpv4(hostIp!)) throw invalid(`port ${host}/${proto}: host address ${hostIp} is not IPv4`);
  return { host, container, proto, ...(anyAddress(hostIp) ? {} : { hostIp: hostIp! }) };
}

/** ProgramExternalConnectivity's bindings as ovl's ports; a range or an unknown protocol is refused. */
export function portsFromBindings(bindings: readonly PortBinding[]): PortMapping[] {
  return bindings.map((b) => {
    const proto = PROTO[b.Proto] ?? (() => { throw invalid(`port ${b.Port}: protocol ${b.Proto} is not tcp or udp`); })();
    if (b.HostPortEnd && b.HostPortEnd !== b.HostPort) throw invalid(`port ${b.Port}/${proto}: a host port range is not published by ovl`);
    return mapping(proto, b.HostPort, b.Port, b.HostIP);
  });
}

/** A container's HostConfig.PortBindings ({"80/tcp": [{HostIp, HostPort}]}) as ovl's ports; unparsable entries are skipped. */
export function portsFromInspect(bindings: Readonly<Record<string, readonly { HostIp?: string; HostPort?: string }[] | null>> | null | undefined): PortMapping[] {
  const out: PortMapping[] = [];
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const m = /^(\d+)\/(tcp|udp)$/.exec(key);
    if (!m || !list) continue;
    for (const b of list) {
      try {
        out.push(mapping(m[2] as "tcp" | "udp", Number(b.HostPort), Number(m[1]), b.HostIp));
      } catch {
        /* refused at ProgramExternalConnectivity already */
      }
    }
  }
  return out;
}
