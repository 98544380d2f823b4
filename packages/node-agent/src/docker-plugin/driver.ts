/**
 * The network driver and IPAM driver Docker calls for its networks of driver ovl on this node,
 * each one an ovl network (pools.ts says which). Every
 * address is decided by the coordinators (ReserveDockerAddress, via `decide`) before Docker
 * gets it; the driver itself only answers from the node's folded state and makes the veth
 * Docker moves into the container (from CreateEndpoint on, while Docker prepares the
 * container's sandbox; Join waits for it). Calls that change addresses run one at a time, with the
 * container watcher's (watch.ts), so a release never overtakes the claim it would undo.
 */
import { DEFAULT_NETWORK, OvlError, attachmentsOf, checkPublish, macFor, vethNameFor, type ClusterState, type NodeRecord, type PortMapping } from "@ovl/domain";
import { AgentError, AgentErrorCodes } from "../errors.js";
import { addressOf, GATEWAY_REQUEST, newReservationName, peerNameFor, portsFromBindings } from "./mapping.js";
import { networkOfPool, networkOfRange, placementOf, placementOn, poolFor, type Placement } from "./pools.js";
import { portBindingsOf, type PluginCall, type PluginRequest } from "./protocol.js";
import { noTrace, type Trace } from "./trace.js";

export type DoorReport = "docker-reserve" | "docker-claim" | "docker-release";

/** A decision's reply: the row of the container it started (when it did) and its sequence. */
export interface DoorReply {
  readonly ip?: string;
  readonly seq: number;
}

export interface VethLinks {
  /** The host end on `bridge` (the network's) and up, the peer (moved by Docker later) with the container's MAC. */
  create(host: string, peer: string, mac: string, mtu: number, bridge: string): Promise<void>;
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
  /** The network's gateway on this node, which Join answers. */
  readonly gateway: string;
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

/** The address a ReleaseAddress gives back, or null when its pool or address is not one ovl hands out. */
function releasedAddress(b: PluginRequest<"IpamDriver.ReleaseAddress">): string | null {
  try {
    networkOfPool(b.PoolID);
    return addressOf(b.Address);
  } catch (err) {
    if (err instanceof AgentError) return null;
    throw err;
  }
}

export class DoorDriver {
  /** Endpoints Docker created on this node since the agent started, by endpoint id. */
  readonly endpoints = new Map<string, Endpoint>();

  private readonly trace: Trace;

  constructor(private readonly deps: DriverDeps, readonly serial: Serial = new Serial()) {
    this.trace = deps.trace ?? noTrace;
  }

  /** The node's record and the cluster's MTU; an agent not joined yet refuses. */
  private self(): { node: NodeRecord; mtu: number } {
    const s = this.deps.state();
    const node = s.nodes[this.deps.node];
    if (!s.cluster || !node || node.status !== "ready" || !node.subnet || !node.gateway) {
      return fail(AgentErrorCodes.Docker, `node ${this.deps.node} has not joined the ovl cluster (or is leaving): start \`ovl agent\` and wait for it to join`);
    }
    return { node, mtu: s.cluster.mtu };
  }

  async call<C extends PluginCall>(call: C, body: PluginRequest<C>): Promise<object> {
    switch (call) {
      case "Plugin.Activate":
        return { Implements: ["NetworkDriver", "IpamDriver"] };
      case "NetworkDriver.GetCapabilities":
        return { Scope: "local", ConnectivityScope: "local" };
      case "NetworkDriver.CreateNetwork":
        this.self();
        networkOfRange(this.deps.state(), (body as PluginRequest<"NetworkDriver.CreateNetwork">).IPv4Data);
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
    this.self();
    return poolFor(this.deps.state(), b);
  }

  /** The node's place on the pool's network; a node without a block of it refuses. */
  private placeOf(poolId: string, node: NodeRecord): Placement {
    const network = networkOfPool(poolId);
    return placementOn(this.deps.state(), node, network) ?? fail(AgentErrorCodes.NetworkNotWired, `node ${node.name} holds no block of the ovl network ${network} (removed, or not given to the node yet)`);
  }

  private async requestAddress(b: PluginRequest<"IpamDriver.RequestAddress">): Promise<object> {
    const { node } = this.self();
    const place = this.placeOf(b.PoolID, node);
    if (b.Options?.["RequestAddressType"] === GATEWAY_REQUEST) return { Address: `${place.gateway}/${place.prefix}`, Data: {} };
    const preferred = b.Address ? addressOf(b.Address) : undefined;
    // Docker starting a stopped container again asks for its address: it still holds it.
    const kept = preferred ? Object.values(node.containers).find((c) => c.origin === "docker" && c.state !== "running" && attachmentsOf(c).some((a) => a.ip === preferred && a.network === place.network)) : undefined;
    if (kept) return { Address: `${preferred}/${place.prefix}`, Data: {} };
    const on = place.network === DEFAULT_NETWORK ? {} : { network: place.network };
    const reply = await this.deps.decide("docker-reserve", { node: node.name, name: newReservationName(), ...(preferred ? { preferred } : {}), ...on });
    if (!reply.ip) fail(AgentErrorCodes.Docker, "the coordinator reserved no address");
    this.deps.log(`docker: reserved ${reply.ip} on ${place.network} (seq ${reply.seq})`);
    return { Address: `${reply.ip}/${place.prefix}`, Data: {} };
  }

  /**
   * Gives back a reservation no container took. A release of anything else changes nothing and
   * answers Docker all the same: a Docker container's address (stop, `docker network
   * disconnect`: the watcher follows those), a second release, an address or pool not ovl's.
   */
  private async releaseAddress(b: PluginRequest<"IpamDriver.ReleaseAddress">): Promise<object> {
    const ip = releasedAddress(b);
    if (!ip) {
      this.deps.log(`docker: ReleaseAddress of ${JSON.stringify(b.Address)} in pool ${JSON.stringify(b.PoolID)}: not ovl's, nothing to release`);
      return {};
    }
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
    if (!given) return fail(AgentErrorCodes.InvalidInput, "CreateEndpoint without an address: a Docker network of driver ovl must use the IPAM driver ovl");
    const ip = addressOf(given);
    const place = placementOf(this.deps.state(), node, ip) ?? fail(AgentErrorCodes.InvalidInput, `address ${ip} is in none of node ${node.name}'s blocks`);
    const veth = this.makeVeth(ip, mtu, place.bridge);
    veth.catch(() => undefined); // Join reports a failure; an endpoint deleted before Join does not
    this.endpoints.set(b.EndpointID, { ip, gateway: place.gateway, ports: [], veth });
    return b.Interface?.MacAddress ? {} : { Interface: { MacAddress: macFor(ip) } };
  }

  private async makeVeth(ip: string, mtu: number, bridge: string): Promise<void> {
    const host = vethNameFor(ip);
    await this.trace("veth: remove a left-over", () => this.deps.links.remove(host)); // a pair left by a container Docker killed with the agent down
    await this.trace("veth: create", () => this.deps.links.create(host, peerNameFor(ip), macFor(ip), mtu, bridge));
  }

  private async join(b: PluginRequest<"NetworkDriver.Join">): Promise<object> {
    const ep = this.endpoints.get(b.EndpointID) ?? fail(AgentErrorCodes.InvalidInput, `unknown endpoint ${b.EndpointID}`);
    this.self();
    await ep.veth;
    return { InterfaceName: { SrcName: peerNameFor(ep.ip), DstPrefix: "eth" }, Gateway: ep.gateway };
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
