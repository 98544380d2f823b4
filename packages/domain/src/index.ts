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
  parseAlias,
  parseNetworkName,
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
export type { Origin } from "./state.js";
export {
  MAX_EVENT_BYTES,
  encodeEnvelope,
  envelope,
  eventOf,
  parseEnvelope,
  subjectFor,
  aggregateOf,
  type Aggregate,
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
  type NodeRecovered,
  type NetworkCreated,
  type NetworkRemoved,
  type OvlEvent,
  type StoredEvent,
  type SubnetAssigned,
} from "./events.js";
export { evolve } from "./evolve.js";
export { StateDraft } from "./draft.js";
export { allContainers, findContainer, memberNodes } from "./queries.js";
export {
  emptyState,
  type ClusterConfig,
  type ClusterState,
  type ContainerRecord,
  type ContainerState,
  type NodeRecord,
  type NodeStatus,
  type Attachment,
  type NetworkBlock,
  type NetworkRecord,
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
export { VXLAN_OVERHEAD, decide, placeContainer, reportedContainer } from "./decide.js";
export { RESERVATION_IMAGE, TAKEN_BY_DOCKER, ovlNameForDocker } from "./docker-door.js";
export { checkPublish } from "./port-rules.js";
export * as subjects from "./subjects.js";
export { EVENT_SUBJECT_PREFIX } from "./subjects.js";
export { age, humanBytes, percent } from "./format.js";
export {
  ACK_EVERY,
  AGENT_REQUEST_KINDS,
  FRAME_HEADER,
  IDLE_TIMEOUT_MS,
  PING_MS,
  SEQ_HEADER,
  WINDOW,
  parseAgentEnd,
  parseAgentRequest,
  parseControl,
  parseFrameKind,
  parseSeq,
  type AgentEnd,
  type AgentRequest,
  type AgentRequestKind,
  type Control,
  type FrameKind,
} from "./agent-wire.js";
export { ContainerOptionsSchema, MAX_OPTIONS_BYTES, type ContainerOptions, type RestartPolicy, type VolumeMount } from "./container-options.js";
export {
  parseCpus,
  parseEntrypoint,
  parseEnv,
  parseEnvFile,
  parseHostname,
  parseLabel,
  parseMemory,
  parseRestart,
  parseRunOptions,
  parseUser,
  parseVolume,
  parseWorkdir,
  type RawRunOptions,
} from "./run-options.js";
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
export { nodeRows, psRow, psRows, rowAttachments, type ContainerView, type NodeRow, type PsRow } from "./views.js";
export {
  MAX_PIECES,
  MIN_MAX_PAYLOAD,
  PIECE_HEADERS,
  PIECE_HEADER_MARGIN,
  PieceAssembly,
  cutError,
  cutReply,
  parseMaxPayload,
  parsePieceMeta,
  pieceHeaders,
  pieceSize,
  type Piece,
  type PieceMeta,
} from "./pieces.js";
export { CONTAINER_VIEWS, DEFAULT_NETWORK, parsePsQuery, psRowsFor, type PsQuery } from "./ps-query.js";
export { foldEvents, applyStored } from "./fold.js";
export {
  DEFAULT_BROKER_DIR,
  DEFAULT_BROKER_HOST,
  DEFAULT_BROKER_PORT,
  DEFAULT_CLUSTER,
  DEFAULT_LAB_DIR,
  DEFAULT_LAB_LAN_MTU,
  DEFAULT_LAB_NODES,
  DEFAULT_LOST_AFTER_MS,
  DEFAULT_NATS_URL,
  DEFAULT_ROUTE_PORT,
  DEFAULT_ROUTING_MODE,
  LAB_BROKER_HOST,
  MAX_CLUSTER_MTU,
  MIN_CLUSTER_MTU,
} from "./defaults.js";
export { isLoopback, onLabBroker, urlHost, urlHosts } from "./url-host.js";
export { OVL_COMMIT, OVL_VERSION, buildVersion, versionLine } from "./build.js";
export {
  COORDINATOR_BEAT_MS,
  COORDINATOR_FRESH_MS,
  CoordinatorBeatSchema,
  coordinatorsLine,
  coordinatorsUnknownLine,
  liveCoordinators,
  parseCoordinatorBeat,
  versionCounts,
  versionsLine,
  type CoordinatorBeat,
} from "./presence.js";
export {
  SNAPSHOT_EVERY,
  SNAPSHOT_FORMAT,
  canonicalJson,
  decodeSnapshotState,
  encodeSnapshot,
  parseSnapshotHead,
  snapshotCandidates,
  snapshotMismatch,
  snapshotsToKeep,
  snapshotSpacing,
  snapshotsToWrite,
  SNAPSHOTS_SPREAD,
  type Snapshot,
  type SnapshotHead,
  type StreamFacts,
} from "./snapshot.js";
export { eventFilter, type EventFilter, type EventFilterInput } from "./event-filter.js";
export { applyLatencyOf, convergenceOf, lagOf, percentile, type ApplyLatency, type ApplyReport, type Convergence, type NodeLag } from "./convergence.js";
export { clusterMtuFor } from "./mtu.js";
export { ROUTING_MODES, isRoutingMode, lanSubnetOf, mtuOverhead, pathSummary, peerPath, routingModeOf, sameLan, type LanEnd, type PeerPath, type RoutingMode } from "./routing.js";
export { diffMaps, diffStates, isEmptyDiff, type Changed, type DiffOf, type FieldChange, type NodeSummary, type StateDiff } from "./diff.js";
export {
  CHECK_ANSWER_MS,
  CHECK_PORT,
  CHECK_PROBES,
  CHECK_PROBE_MS,
  CONTAINER_PAIRS_ALL,
  CONTAINER_SAMPLE,
  containerFailures,
  containerTargets,
  CheckReportSchema,
  UDP_OVERHEAD,
  checkLines,
  checkMatrix,
  failedPairs,
  parseCheckReport,
  type CheckAnswer,
  type CheckCell,
  type CheckProbe,
  type CheckReport,
  type PeerResult,
  type ProbeResult,
} from "./check.js";
export { ANSWERING_STATES, namesOf, normalizeQueryName, withAliases } from "./name-records.js";
export { holderOf, nameClash, type NameClash } from "./name-clash.js";
export { MAX_ALIASES } from "./schema.js";
export { lazyCheck, lazyChecks } from "./compile.js";
export {
  attachmentsOf,
  blockOf,
  defaultNetworkOf,
  findNetwork,
  isOn,
  networkRows,
  networksOf,
  type NetworkInfo,
  type NetworkRow,
} from "./networks.js";
export { MAX_CONTAINER_NETWORKS } from "./schema.js";
