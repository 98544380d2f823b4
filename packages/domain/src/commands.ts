/**
 * Commands: what a client asks for. The wire form of each is validated by a JSON Schema
 * (below) before it becomes a typed command; time and request id travel beside it, so
 * `decide` stays pure.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { lazyChecks } from "./compile.js";
import { Aliases, MAX_CONTAINER_NETWORKS, CidrString, Ipv4, LanPrefix, Name, PortMappingSchema, Reason, RoutingModeSchema, Time } from "./schema.js";
import { OvlError, OvlErrorCodes } from "./errors.js";
import { ContainerOptionsSchema } from "./container-options.js";
import { MAX_CLUSTER_MTU, MIN_CLUSTER_MTU } from "./defaults.js";

const strict = Type.Object;
const closed = { additionalProperties: false } as const;

export const CommandSchemas = {
  CreateCluster: strict(
    {
      cidr: CidrString,
      blockPrefix: Type.Integer({ minimum: 8, maximum: 30 }),
      vni: Type.Integer({ minimum: 1, maximum: 16777215 }),
      vxlanPort: Type.Integer({ minimum: 1, maximum: 65535 }),
      mtu: Type.Integer({ minimum: MIN_CLUSTER_MTU, maximum: MAX_CLUSTER_MTU }),
      mode: Type.Optional(RoutingModeSchema),
    },
    closed,
  ),
  JoinNode: strict(
    {
      node: Name,
      underlayIp: Ipv4,
      agentVersion: Type.String({ maxLength: 64 }),
      /** MTU of the node's LAN interface, checked against the cluster MTU plus VXLAN's 50 bytes. */
      lanMtu: Type.Optional(Type.Integer({ minimum: 68, maximum: 65535 })),
      /** Prefix length of the node's LAN subnet: which peers it reaches directly (routing.ts). */
      lanPrefix: Type.Optional(LanPrefix),
    },
    closed,
  ),
  LeaveNode: strict({ node: Name }, closed),
  CompleteLeave: strict({ node: Name }, closed),
  ReleaseNode: strict({ node: Name }, closed),
  LoseNode: strict({ node: Name, lastSeen: Type.Union([Time, Type.Null()]) }, closed),
  StartContainer: strict(
    {
      name: Name,
      node: Type.Optional(Name),
      image: Type.String({ minLength: 1, maxLength: 255 }),
      cmd: Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 256 }),
      ports: Type.Array(PortMappingSchema, { maxItems: 64 }),
      options: Type.Optional(ContainerOptionsSchema),
      aliases: Type.Optional(Aliases),
      /** Its networks, one interface each, the first one's address being its `ip`; absent: `ovl`. */
      networks: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: MAX_CONTAINER_NETWORKS })),
    },
    closed,
  ),
  /** `cidr` absent: a free range of the cluster cidr. */
  CreateNetwork: strict({ network: Name, cidr: Type.Optional(CidrString), internal: Type.Optional(Type.Boolean()) }, closed),
  RemoveNetwork: strict({ network: Name }, closed),
  RemoveContainer: strict({ name: Name }, closed),
  ReportContainer: strict(
    {
      node: Name,
      name: Name,
      ip: Ipv4,
      state: Type.Union([Type.Literal("running"), Type.Literal("failed"), Type.Literal("exited")]),
      reason: Type.Optional(Reason),
      exitCode: Type.Optional(Type.Integer()),
    },
    closed,
  ),
  /** Docker's IPAM asked the node's agent for an address; `name` is the agent's name for the reservation. */
  ReserveDockerAddress: strict({ node: Name, name: Name, preferred: Type.Optional(Ipv4), network: Type.Optional(Name) }, closed),
  /** The container Docker started on the reserved address is known: it takes the address under its name. */
  ClaimDockerAddress: strict(
    {
      node: Name,
      reservation: Name,
      name: Name,
      image: Type.String({ minLength: 1, maxLength: 255 }),
      ports: Type.Array(PortMappingSchema, { maxItems: 64 }),
      /** Every address the container has on ovl networks now: its record's other attachments kept (`docker network connect`). */
      ips: Type.Optional(Type.Array(Ipv4, { maxItems: MAX_CONTAINER_NETWORKS })),
    },
    closed,
  ),
  /**
   * Docker released the address (no container took it) or removed the container; with
   * `network`, Docker disconnected the container from that network only (`docker network
   * disconnect`): `ip` is its address there, and the container keeps its other networks.
   */
  ReleaseDockerAddress: strict({ node: Name, name: Name, ip: Ipv4, reason: Reason, network: Type.Optional(Name) }, closed),
} as const;

export type CommandType = keyof typeof CommandSchemas;
export type CommandData<T extends CommandType> = Static<(typeof CommandSchemas)[T]>;

export interface CommandMetadata {
  /** ISO-8601 time of the decision: the time every resulting event carries. */
  readonly now: string;
  readonly requestId: string;
}

type Cmd<T extends CommandType> = { readonly type: T; readonly data: CommandData<T>; readonly metadata: CommandMetadata };
export type CreateCluster = Cmd<"CreateCluster">;
export type JoinNode = Cmd<"JoinNode">;
export type LeaveNode = Cmd<"LeaveNode">;
export type CompleteLeave = Cmd<"CompleteLeave">;
export type ReleaseNode = Cmd<"ReleaseNode">;
export type LoseNode = Cmd<"LoseNode">;
export type StartContainer = Cmd<"StartContainer">;
export type RemoveContainer = Cmd<"RemoveContainer">;
export type CreateNetwork = Cmd<"CreateNetwork">;
export type RemoveNetwork = Cmd<"RemoveNetwork">;
export type ReportContainer = Cmd<"ReportContainer">;
export type ReserveDockerAddress = Cmd<"ReserveDockerAddress">;
export type ClaimDockerAddress = Cmd<"ClaimDockerAddress">;
export type ReleaseDockerAddress = Cmd<"ReleaseDockerAddress">;

export type OvlCommand =
  | CreateCluster
  | JoinNode
  | LeaveNode
  | CompleteLeave
  | ReleaseNode
  | LoseNode
  | StartContainer
  | RemoveContainer
  | CreateNetwork
  | RemoveNetwork
  | ReportContainer
  | ReserveDockerAddress
  | ClaimDockerAddress
  | ReleaseDockerAddress;

const checkOf = lazyChecks(CommandSchemas as Readonly<Record<CommandType, TSchema>>);

/** Validates a command's data from the wire; throws INVALID_INPUT naming the first bad field. */
export function parseCommandData<T extends CommandType>(type: T, raw: unknown): CommandData<T> {
  const check = checkOf(type);
  if (!check.Check(raw)) {
    const first = check.Errors(raw).First();
    const where = first?.path ? first.path.slice(1).replaceAll("/", ".") : "request";
    throw new OvlError(OvlErrorCodes.InvalidInput, `invalid ${type} request: ${where}: ${first?.message ?? "wrong shape"}`);
  }
  return raw as CommandData<T>;
}
