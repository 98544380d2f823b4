export { CodedError, OvlError, OvlErrorCodes, invalid, isOvlErrorCode, type OvlErrorCode } from "./errors.js";
export {
  blockAt,
  blockCount,
  contains,
  formatCidr,
  gatewayOf,
  intToIp,
  ipToInt,
  isIpv4,
  macFor,
  overlaps,
  parseCidr,
  size as cidrSize,
  vethNameFor,
  type Cidr,
} from "./ip.js";
export {
  NAME_RULE,
  formatPort,
  isName,
  parseContainerName,
  parseImage,
  parseIpv4,
  parseNodeName,
  parsePortSpec,
  parseRequestId,
  portsClash,
  type PortMapping,
  type Proto,
} from "./names.js";
export { EVENT_SCHEMA_VERSION, EVENT_TYPES, eventsJsonSchema, type EventData, type EventType } from "./schema.js";
export {
  EVENT_SUBJECT_PREFIX,
  MAX_EVENT_BYTES,
  encodeEnvelope,
  envelope,
  eventOf,
  parseEnvelope,
  subjectFor,
  type ClusterCreated,
  type ContainerExited,
  type ContainerFailed,
  type ContainerRunning,
  type ContainerStarted,
  type ContainerStopped,
  type Envelope,
  type NodeJoined,
  type NodeLeaving,
  type NodeLeft,
  type NodeLost,
  type OvlEvent,
  type StoredEvent,
  type SubnetAssigned,
} from "./events.js";
export {
  allContainers,
  emptyState,
  evolve,
  StateDraft,
  findContainer,
  memberNodes,
  type ClusterConfig,
  type ClusterState,
  type ContainerRecord,
  type ContainerState,
  type NodeRecord,
  type NodeStatus,
} from "./state.js";
export { blockCapacity, freeAddresses, lowestFreeAddress, lowestFreeBlock, type Block } from "./ipam.js";
export {
  CommandSchemas,
  parseCommandData,
  type CommandData,
  type CommandMetadata,
  type CommandType,
  type OvlCommand,
} from "./commands.js";
export { VXLAN_OVERHEAD, decide, placeContainer } from "./decide.js";
export * as subjects from "./subjects.js";
export {
  HeartbeatSchema,
  MAX_REPLY_BYTES,
  MAX_REQUEST_BYTES,
  decodeJson,
  encodeJson,
  errorReply,
  okReply,
  parseHeartbeat,
  parseRequest,
  type Heartbeat,
  type Reply,
  type Request,
} from "./wire.js";
export { nodeRows, psRow, psRows, type ContainerView, type NodeRow, type PsRow } from "./views.js";
export { foldEvents, applyStored } from "./fold.js";
export { DEFAULT_CLUSTER } from "./defaults.js";
export { eventFilter, type EventFilter, type EventFilterInput } from "./event-filter.js";
export { applyLatencyOf, convergenceOf, lagOf, percentile, type ApplyLatency, type ApplyReport, type Convergence, type NodeLag } from "./convergence.js";
export { MAX_CLUSTER_MTU, MIN_CLUSTER_MTU, clusterMtuFor } from "./mtu.js";
export { diffMaps, diffStates, isEmptyDiff, type Changed, type DiffOf, type FieldChange, type NodeSummary, type StateDiff } from "./diff.js";
