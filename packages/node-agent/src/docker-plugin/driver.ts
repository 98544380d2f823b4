/**
 * The network driver and IPAM driver Docker calls for the network ovl on this node. Every
 * address is decided by the coordinators (ReserveDockerAddress, via `decide`) before Docker
 * gets it; the driver itself only answers from the node's folded state and makes the veth
 * Docker moves into the container (from CreateEndpoint on, while Docker prepares the
 * container's sandbox; Join waits for it). Calls that change addresses run one at a time, with the
 * container watcher's (watch.ts), so a release never overtakes the claim it would undo.
 */
import { OvlError, checkPublish, contains, ipToInt, macFor, parseCidr, vethNameFor, type ClusterState, type NodeRecord, type PortMapping } from "@ovl/domain";
import { AgentError, AgentErrorCodes } from "../errors.js";
import { addressOf, GATEWAY_REQUEST, newReservationName, peerNameFor, POOL_ID, portsFromBindings } from "./mapping.js";
import { portBindingsOf, type PluginCall, type PluginRequest } from "./protocol.js";
import { noTrace, type Trace } from "./trace.js";

export type DoorReport = "docker-reserve" | "docker-claim" | "docker-release";

/** A decision's reply: the row of the container it started (when it did) and its sequence. */
export interface DoorReply {
  readonly ip?: string;
  readonly seq: number;
}

export interface VethLinks {
  /** The host end on ovl-br and up, the peer (moved by Docker later) with the container's MAC. */
  create(host: string, peer: string, mac: string, mtu: number): Promise<void>;
  /** Deletes a link; one already gone is no error. */
  remove(name: string): Promise<void>;
}

export interface DriverDeps {
  readonly node: string;
  /** The node's folded view of the cluster. */
  readonly state: () => ClusterState;
  /** Asks the coordinators on ovl.rpt.<node>.<kind> and waits until the fold holds the answer. */
  readonly decide: (kind: DoorReport, body: Record<string, unknown>) => Promise<DoorReply>;
  readonly links: VethLinks;
  readonly hostPortInUse: (proto: "tcp" | "udp", port: number, hostIp?: string) => Promise<boolean>;
  readonly log: (line: string) => void;
  /** Times the steps inside the calls (trace.ts). */
  readonly trace?: Trace;
}

interface Endpoint {
  readonly ip: string;
  ports: PortMapping[];
  /** The veth pair, begun at CreateEndpoint so that it is made while Docker prepares the sandbox; Join awaits it. */
  readonly veth: Promise<void>;
}

const fail = (code: (typeof AgentErrorCodes)[keyof typeof AgentErrorCodes], msg: string): never => {
  throw new AgentError(code, msg);
};

/** One queue for everything that changes addresses; a failure does not block the next. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(op: () => Promise<T>): Promise<T> {
    const next = this.tail.then(op, op);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class DoorDriver {
  /** Endpoints Docker created on this node since the agent started, by endpoint id. */
  readonly endpoints = new Map<string, Endpoint>();

  private readonly trace: Trace;

  constructor(private readonly deps: DriverDeps, readonly serial: Serial = new Serial()) {
    this.trace = deps.trace ?? noTrace;
  }

  /** The node's record and the cluster's prefix and MTU; an agent not joined yet refuses. */
  private self(): { node: NodeRecord; prefix: number; mtu: number; cidr: string } {
    const s = this.deps.state();
    const node = s.nodes[this.deps.node];
    if (!s.cluster || !node || node.status !== "ready" || !node.subnet || !node.gateway) {
      return fail(AgentErrorCodes.Docker, `node ${this.deps.node} has not joined the ovl cluster (or is leaving): start \`ovl agent\` and wait for it to join`);
    }
    return { node, prefix: parseCidr(s.cluster.cidr).prefix, mtu: s.cluster.mtu, cidr: s.cluster.cidr };
  }

  async call<C extends PluginCall>(call: C, body: PluginRequest<C>): Promise<object> {
    switch (call) {
      case "Plugin.Activate":
        return { Implements: ["NetworkDriver", "IpamDriver"] };
      case "NetworkDriver.GetCapabilities":
        return { Scope: "local", ConnectivityScope: "local" };
      case "NetworkDriver.CreateNetwork":
        this.self();
        return {};
      case "NetworkDriver.DeleteNetwork":
      case "NetworkDriver.Leave":
      case "NetworkDriver.RevokeExternalConnectivity":
      case "NetworkDriver.DiscoverNew":
      case "NetworkDriver.DiscoverDelete":
      case "IpamDriver.ReleasePool":
        return {};
      case "NetworkDriver.EndpointOperInfo":
        return { Value: {} };
      case "NetworkDriver.CreateEndpoint":
        return this.createEndpoint(body as PluginRequest<"NetworkDriver.CreateEndpoint">);
      case "NetworkDriver.DeleteEndpoint":
        return this.deleteEndpoint(body as PluginRequest<"NetworkDriver.DeleteEndpoint">);
      case "NetworkDriver.Join":
        return this.join(body as PluginRequest<"NetworkDriver.Join">);
      case "NetworkDriver.ProgramExternalConnectivity":
        return this.publish(body as PluginRequest<"NetworkDriver.ProgramExternalConnectivity">);
      case "IpamDriver.GetCapabilities":
        return { RequiresMACAddress: false, RequiresRequestReplay: false };
      case "IpamDriver.GetDefaultAddressSpaces":
        return { LocalDefaultAddressSpace: "ovl-local", GlobalDefaultAddressSpace: "ovl-global" };
      case "IpamDriver.RequestPool":
        return this.requestPool(body as PluginRequest<"IpamDriver.RequestPool">);
      case "IpamDriver.RequestAddress":
        return this.serial.run(() => this.trace("RequestAddress: in the queue", () => this.requestAddress(body as PluginRequest<"IpamDriver.RequestAddress">)));
      case "IpamDriver.ReleaseAddress":
        return this.serial.run(() => this.releaseAddress(body as PluginRequest<"IpamDriver.ReleaseAddress">));
      default:
        return fail(AgentErrorCodes.InvalidInput, `unknown plugin call ${String(call)}`);
    }
  }

  private requestPool(b: PluginRequest<"IpamDriver.RequestPool">): object {
    if (b.V6) fail(AgentErrorCodes.InvalidInput, "the network ovl has no IPv6: create it without --ipv6");
    const { cidr } = this.self();
    if (b.Pool && b.Pool !== cidr) fail(AgentErrorCodes.InvalidInput, `the network ovl uses the cluster's cidr ${cidr}, not ${b.Pool}: create it without --subnet`);
    return { PoolID: POOL_ID, Pool: cidr, Data: {} };
  }

  private checkPool(poolId: string): void {
    if (poolId !== POOL_ID) fail(AgentErrorCodes.InvalidInput, `unknown pool ${JSON.stringify(poolId)}: ovl's pool is ${POOL_ID}`);
  }

  private async requestAddress(b: PluginRequest<"IpamDriver.RequestAddress">): Promise<object> {
    this.checkPool(b.PoolID);
    const { node, prefix } = this.self();
    if (b.Options?.["RequestAddressType"] === GATEWAY_REQUEST) return { Address: `${node.gateway}/${prefix}`, Data: {} };
    const preferred = b.Address ? addressOf(b.Address) : undefined;
    // Docker starting a stopped container again asks for its address: it still holds it.
    const kept = preferred ? Object.values(node.containers).find((c) => c.ip === preferred && c.origin === "docker" && c.state !== "running") : undefined;
    if (kept) return { Address: `${kept.ip}/${prefix}`, Data: {} };
    const reply = await this.deps.decide("docker-reserve", { node: node.name, name: newReservationName(), ...(preferred ? { preferred } : {}) });
    if (!reply.ip) fail(AgentErrorCodes.Docker, "the coordinator reserved no address");
    this.deps.log(`docker: reserved ${reply.ip} (seq ${reply.seq})`);
    return { Address: `${reply.ip}/${prefix}`, Data: {} };
  }

  private async releaseAddress(b: PluginRequest<"IpamDriver.ReleaseAddress">): Promise<object> {
    this.checkPool(b.PoolID);
    const ip = addressOf(b.Address);
    const node = this.deps.state().nodes[this.deps.node];
    const holders = node ? Object.values(node.containers).filter((c) => c.ip === ip) : [];
    // A named container keeps its address while Docker has it (stopped): `docker rm` frees it (watch.ts).
    const held = holders.length === 1 ? holders[0] : undefined;
    if (held?.origin === "docker-ipam") await this.deps.decide("docker-release", { node: this.deps.node, name: held.name, ip, reason: "docker released the address unused" });
    return {};
  }

  private createEndpoint(b: PluginRequest<"NetworkDriver.CreateEndpoint">): object {
    const { node, mtu } = this.self();
    const given = b.Interface?.Address;
    if (!given) return fail(AgentErrorCodes.InvalidInput, "CreateEndpoint without an address: the network ovl must use the IPAM driver ovl");
    const ip = addressOf(given);
    if (!contains(parseCidr(node.subnet!), ipToInt(ip))) fail(AgentErrorCodes.InvalidInput, `address ${ip} is not in node ${node.name}'s block ${node.subnet}`);
    const veth = this.makeVeth(ip, mtu);
    veth.catch(() => undefined); // Join reports a failure; an endpoint deleted before Join does not
    this.endpoints.set(b.EndpointID, { ip, ports: [], veth });
    return b.Interface?.MacAddress ? {} : { Interface: { MacAddress: macFor(ip) } };
  }

  private async makeVeth(ip: string, mtu: number): Promise<void> {
    const host = vethNameFor(ip);
    await this.trace("veth: remove a left-over", () => this.deps.links.remove(host)); // a pair left by a container Docker killed with the agent down
    await this.trace("veth: create", () => this.deps.links.create(host, peerNameFor(ip), macFor(ip), mtu));
  }

  private async join(b: PluginRequest<"NetworkDriver.Join">): Promise<object> {
    const ep = this.endpoints.get(b.EndpointID) ?? fail(AgentErrorCodes.InvalidInput, `unknown endpoint ${b.EndpointID}`);
    const { node } = this.self();
    await ep.veth;
    return { InterfaceName: { SrcName: peerNameFor(ep.ip), DstPrefix: "eth" }, Gateway: node.gateway };
  }

  private async deleteEndpoint(b: PluginRequest<"NetworkDriver.DeleteEndpoint">): Promise<object> {
    const ep = this.endpoints.get(b.EndpointID);
    this.endpoints.delete(b.EndpointID);
    if (ep) {
      await ep.veth.catch(() => undefined); // what it made, it made: delete it after
      await this.deps.links.remove(vethNameFor(ep.ip));
      await this.deps.links.remove(peerNameFor(ep.ip));
    }
    return {};
  }

  /** Checks `-p` against ovl's rules and the node's other processes; the DNAT follows the claim (watch.ts). */
  private async publish(b: PluginRequest<"NetworkDriver.ProgramExternalConnectivity">): Promise<object> {
    const ep = this.endpoints.get(b.EndpointID) ?? fail(AgentErrorCodes.InvalidInput, `unknown endpoint ${b.EndpointID}`);
    const ports = portsFromBindings(portBindingsOf(b.Options));
    if (ports.length === 0) return {};
    const { node } = this.self();
    const mine = new Set(Object.values(node.containers).filter((c) => c.ip === ep.ip).map((c) => c.name));
    try {
      checkPublish(node, ports, mine);
    } catch (err) {
      if (err instanceof OvlError) fail(AgentErrorCodes.PortInUse, err.message);
      throw err;
    }
    for (const p of ports) {
      if (await this.deps.hostPortInUse(p.proto, p.host, p.hostIp)) fail(AgentErrorCodes.PortInUse, `host port ${p.host}/${p.proto} is already in use on node ${node.name} by another process`);
    }
    ep.ports = ports;
    return {};
  }
}
