/**
 * @ovl/lab: a cluster of ovl nodes on one machine, in network namespaces (README.md, "A tour of the lab").
 * `labUp`/`labDown` are `ovl up`/`ovl down`; the pieces are exported too, so tests and
 * benchmarks can build only what they need.
 */
export { labUp, labUpWhenFree, defaultOvlCommand, type LabOptions } from "./up.js";
export { labDown, type DownOptions, type DownReport } from "./down.js";
export { claimHolder } from "./claim.js";
export { labAuth, labAuthDir, labClientEnv, labIdentityEnv, prepareLabAuth, type LabAuth } from "./auth.js";
export { labInfo, labStatus, inNode, type LabInfo, type LabNodeInfo, type LabStatus } from "./info.js";
export { LabError, LabErrorCodes, type LabErrorCode } from "./errors.js";
export { CommandError, run, tryRun, type RunOptions, type RunResult } from "@ovl/host";
export {
  DEFAULT_LAB_DIR,
  DEFAULT_NODES,
  IMAGE,
  LAB_CLUSTER,
  LAN_BRIDGE,
  LAN_GATEWAY,
  LAB_REGISTRY,
  LAN_MTU,
  VXLAN_OVERHEAD,
  labClusterFor,
  type LabCluster,
  parseLanMtu,
  MAX_NODES,
  RUN_DIR,
  brokerPlan,
  labPlan,
  natsUrlOf,
  nodePlan,
  parseBrokerCount,
  parseLabDir,
  parseNodeCount,
  parseNodeRef,
  parseRoutedCount,
  ROUTER,
  ROUTED_PREFIX,
  type NodePlan,
} from "./plan.js";
export { createLan, createNodeNs, createRouter, removeLan, removeNodeNs, listLabLinks, listLabNamespaces, pidsInNs } from "./netns.js";
export { startNodeDocker } from "./node-docker.js";
export { startDockerNode, waitDockerNode, pingDocker, dockerdArgv, supervisorScript, containerdConfig, pluginDirOf, pluginSocketOf } from "./docker-node.js";
export { cgroupMountLines, hostCgroupMountLines, parseMounts } from "./cgroups.js";
export { busyboxTarball, loadImage, hasImage, IMAGE_CMD } from "./image.js";
export { startBroker, waitBroker, startBrokers, waitBrokers, brokerRecordFor, clusterNatsConfig, startCoordinator, startAgent, defaultAgentArgs, natsConfig, agentLogPath, type ControlArgs } from "./control.js";
export { ensureHostPackages, missingPackages, requireRoot } from "./host.js";
export { DEBIAN_PACKAGES_FILE, debianPackages, packagesFileFrom, parsePackageList, type PackagePurpose } from "./debian.js";
export { isAlive, procStart, spawnDetached, stopProcs, type SpawnSpec } from "./procs.js";
export { loadState, stateFile, type LabState, type ProcRecord, type ProcRole } from "./state.js";
