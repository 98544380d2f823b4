/**
 * The wire contract as JSON Schema (TypeBox builds JSON Schema objects and derives the
 * TypeScript types from them, so the schema in docs/ and the types cannot drift apart).
 * `npm run schema` writes docs/events.schema.json from here; a test checks they are equal.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { ContainerOptionsSchema } from "./container-options.js";
import { MAX_CLUSTER_MTU, MIN_CLUSTER_MTU } from "./defaults.js";

export const NamePattern = "^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$";
const Ipv4Pattern = "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$";
const CidrPattern = Ipv4Pattern.slice(0, -1) + "/(3[0-2]|[12]?\\d)$";
const TimePattern = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$";

export const Name = Type.String({ pattern: NamePattern, maxLength: 32 });
/** Other names a container answers to (`ovl run --alias`), each a Name. */
export const MAX_ALIASES = 16;
export const Aliases = Type.Array(Name, { maxItems: MAX_ALIASES });
export const Ipv4 = Type.String({ pattern: Ipv4Pattern });
export const CidrString = Type.String({ pattern: CidrPattern });
export const Time = Type.String({ pattern: TimePattern, description: "ISO-8601 UTC" });
export const Reason = Type.String({ maxLength: 512 });
export const Mac = Type.String({ pattern: "^([0-9a-f]{2}:){5}[0-9a-f]{2}$" });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const PortMappingSchema = Type.Object(
  {
    hostIp: Type.Optional(Ipv4),
    host: Port,
    container: Port,
    proto: Type.Union([Type.Literal("tcp"), Type.Literal("udp")]),
  },
  { additionalProperties: false },
);

/** How nodes reach each other's blocks (routing.ts); absent in a ClusterCreated: `vxlan`. */
export const RoutingModeSchema = Type.Union([Type.Literal("vxlan"), Type.Literal("direct"), Type.Literal("auto")]);
/** Prefix length of a node's LAN subnet. */
export const LanPrefix = Type.Integer({ minimum: 0, maximum: 32 });
/**
 * Where a container came from when not `ovl run`: "docker" is a container Docker made on the
 * network ovl (`docker run --network ovl`, Compose), "docker-ipam" an address Docker's IPAM
 * asked for whose container is not known yet (docs/docker-plugin.md).
 */
export const OriginSchema = Type.Union([Type.Literal("docker"), Type.Literal("docker-ipam")]);

/** How many networks one container may be on (`ovl run --network`, repeated). */
export const MAX_CONTAINER_NETWORKS = 8;
/** One network a container is on and its address there. */
export const AttachmentSchema = Type.Object({ network: Name, ip: Ipv4, mac: Mac }, { additionalProperties: false });
/** A container's networks, the first one's address being its `ip`; absent: the network `ovl` only. */
export const AttachmentsSchema = Type.Array(AttachmentSchema, { minItems: 1, maxItems: MAX_CONTAINER_NETWORKS });

const strict = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, { additionalProperties: false });

export const EventDataSchemas = {
  ClusterCreated: strict({
    cidr: CidrString,
    blockPrefix: Type.Integer({ minimum: 8, maximum: 30 }),
    vni: Type.Integer({ minimum: 1, maximum: 16777215 }),
    vxlanPort: Port,
    mtu: Type.Integer({ minimum: MIN_CLUSTER_MTU, maximum: MAX_CLUSTER_MTU }),
    mode: Type.Optional(RoutingModeSchema),
  }),
  NodeJoined: strict({ node: Name, underlayIp: Ipv4, agentVersion: Type.String({ maxLength: 64 }), lanPrefix: Type.Optional(LanPrefix) }),
  /** `network` absent: the network `ovl`, the cluster's own. */
  SubnetAssigned: strict({ node: Name, subnet: CidrString, gateway: Ipv4, network: Type.Optional(Name) }),
  NodeLeaving: strict({ node: Name, reason: Reason }),
  NodeLeft: strict({ node: Name, reason: Reason }),
  NodeLost: strict({ node: Name, lastSeen: Type.Union([Time, Type.Null()]) }),
  NodeRecovered: strict({ node: Name, underlayIp: Ipv4, agentVersion: Type.String({ maxLength: 64 }), lanPrefix: Type.Optional(LanPrefix) }),
  ContainerStarted: strict({
    name: Name,
    node: Name,
    ip: Ipv4,
    mac: Mac,
    image: Type.String({ minLength: 1, maxLength: 255 }),
    cmd: Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 256 }),
    ports: Type.Array(PortMappingSchema, { maxItems: 64 }),
    options: Type.Optional(ContainerOptionsSchema),
    aliases: Type.Optional(Aliases),
    origin: Type.Optional(OriginSchema),
    networks: Type.Optional(AttachmentsSchema),
  }),
  ContainerRunning: strict({ name: Name, node: Name, ip: Ipv4 }),
  ContainerFailed: strict({ name: Name, node: Name, ip: Ipv4, reason: Reason }),
  ContainerExited: strict({ name: Name, node: Name, ip: Ipv4, exitCode: Type.Integer() }),
  ContainerStopped: strict({ name: Name, node: Name, ip: Ipv4, reason: Reason }),
  NetworkCreated: strict({
    network: Name,
    cidr: CidrString,
    blockPrefix: Type.Integer({ minimum: 8, maximum: 30 }),
    vni: Type.Integer({ minimum: 1, maximum: 16777215 }),
    internal: Type.Boolean(),
  }),
  NetworkRemoved: strict({ network: Name }),
} as const;

export type EventType = keyof typeof EventDataSchemas;
export const EVENT_TYPES = Object.keys(EventDataSchemas) as EventType[];
export type EventData<T extends EventType> = Static<(typeof EventDataSchemas)[T]>;

/** The current schema version of every payload. A reader skips versions it does not know. */
export const EVENT_SCHEMA_VERSION = 1;

export const EnvelopeSchema = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 64 }),
    v: Type.Integer({ minimum: 1 }),
    time: Time,
    req: Type.Optional(Type.String({ maxLength: 128, description: "id of the request that decided it" })),
    data: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

/** The JSON Schema document published in docs/events.schema.json. */
export function eventsJsonSchema(): object {
  const events = Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        ...EnvelopeSchema,
        properties: { ...EnvelopeSchema.properties, type: { const: type }, v: { const: EVENT_SCHEMA_VERSION }, data: EventDataSchemas[type] },
      },
    ]),
  );
  return JSON.parse(
    JSON.stringify({
      $schema: "http://json-schema.org/draft-07/schema#",
      $id: "https://ovl.invalid/events.schema.json",
      title: "ovl events (stream OVL_EVENTS, subjects ovl.evt.>)",
      oneOf: EVENT_TYPES.map((t) => ({ $ref: `#/definitions/${t}` })),
      definitions: { Envelope: EnvelopeSchema, ...events },
    }),
  );
}
