export { runAgent, type AgentHandle, type AgentOptions } from "./agent.js";
export { detectUnderlay, natsHost, type Underlay } from "./underlay.js";
export { heartbeatOf, hostMetrics, type Metrics } from "./heartbeat.js";
export { differs, localContainers, type ContainerReport, type NodeRuntime, type SyncOptions } from "./runtime.js";
export { RecordingRuntime, type RecordedSync } from "./recording-runtime.js";
export { AgentError, AgentErrorCodes, type AgentErrorCode } from "./errors.js";
export { AGENT_VERSION } from "./version.js";
export { LinuxDockerRuntime, type LinuxDockerRuntimeOptions } from "./linux-docker-runtime.js";
export { createLabels, dockerNameFor, nodeLabelFilter, ownedBy, LABELS } from "./docker/labels.js";
export { dockerContainers, type ContainerClient, type ContainerDetails, type ContainerSpec, type ContainerSummary } from "./docker/containers.js";
export { dockerImages, type ImageClient } from "./docker/images.js";
export { aboutAnotherNode, matters } from "./agent.js";
export { createScheduler, delayFor } from "./scheduler.js";
export { parseEventLines } from "./docker/events.js";
export {
  ApplyError,
  CommandError,
  KernelError,
  TC_BLOCK,
  apply,
  clashes,
  createKernelDataplane,
  desiredDataplane,
  dockerUserRules,
  firewallKey,
  fastPathSteps,
  parseClsact,
  parseFilters,
  parseSs,
  plan,
  renderNftTable,
  type ActualFastPath,
  type ActualState,
  type AttachSpec,
  type DesiredNode,
  type KernelDataplane,
  type Runner,
  type RunResult,
  type Step,
} from "./kernel/index.js";
export { blockPref, desiredFilters, fastPathFits, filterAddArgs, ipOfVeth, vxPrefFor } from "./kernel/fastpath.js";
export { ownedRules, specLine } from "./kernel/iptables.js";
export { stateStore } from "./kernel/state-file.js";
export { foreignDrops } from "./kernel/vxlan-filter.js";
export { parseBatchJson, parseJsonRows } from "./kernel/batch-read.js";
export { batchLines, batchToolOf, entriesByTool, onlyGoneFailed } from "./kernel/apply-batch.js";
export { linksOf, sysctlsOf } from "./kernel/actual.js";
export { preferredDefault, underlaySource } from "./underlay-route.js";
export { serveAgentRequests, type ServeOptions } from "./services/serve.js";
export { CheckResponder } from "./services/check-responder.js";
export { pingTime, probePayload, tcpEcho, udpEcho } from "./services/check-probes.js";
export { checkPlan } from "./services/check.js";
export { createBody } from "./docker/create-options.js";
export { AppliedTracker } from "./applied.js";
export { addressFor, answer, askerNetworks, dnsUpstreams, emptyNameIndex, gatewaysOf, isOurs, nameIndex, nameService, parseResolvConf, parseUpstream, resolverOf, startDnsServer, type Asker, type DnsServer, type NameIndex, type NameService, type Upstream } from "./dns/index.js";
export { openDockerDoor, DEFAULT_PLUGIN_SOCKET, type DockerDoor, type DockerDoorOptions } from "./docker-plugin/index.js";
export { DoorDriver, Serial, type DriverDeps, type DoorReply, type VethLinks } from "./docker-plugin/driver.js";
export { parsePluginRequest, portBindingsOf, PLUGIN_CALLS, type PluginCall } from "./docker-plugin/protocol.js";
export { portsFromBindings, portsFromInspect, peerNameFor } from "./docker-plugin/mapping.js";
export { poolFor, poolIdOf, networkOfPool, networkOfRange, networkOfDockerSubnet, placementOn, placementOf, doorAddressesOf, connectedContainer, NETWORK_OPTION, type Placement } from "./docker-plugin/pools.js";
export { releaseOnDisconnect, DISCONNECTED, type DisconnectRelease } from "./docker-plugin/disconnect.js";
export { servePlugin } from "./docker-plugin/server.js";
export { releasesAfterSweep, nameAfterRefusedClaim, idNameOf } from "./docker-plugin/watch.js";
export { FoldSignal } from "./docker-plugin/folded.js";
export { decider, foldedDecision, type Decide, type DecisionKind } from "./docker-plugin/decide.js";
