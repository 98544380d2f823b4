export {
  ACCOUNT,
  DEFAULT_BROKER_HOST,
  DEFAULT_BROKER_PORT,
  DEFAULT_SERVER_NAME,
  renderServerConfig,
  type ClusterRoutes,
  type ServerConfigOptions,
  type ServerTls,
} from "./config.js";
export {
  DEFAULT_STORE_DIR,
  configFileOf,
  findOnPath,
  logTail,
  natsAnswers,
  pidFileOf,
  renderForStore,
  startBroker,
  type Broker,
  type BrokerOptions,
} from "./server.js";
export { clusterSize, startCluster, type ClusterOptions, type LocalCluster } from "./cluster.js";
export { reloadAll, reloadBroker, storeDirsOf, type ReloadResult } from "./reload.js";
export {
  StreamConfigError,
  differences,
  ensureStreams,
  ensureSnapshotStream,
  snapshotStreamConfig,
  streamInfoOrNull,
  streamConfigs,
  subjectsOverlap,
  type OvlStreamConfig,
  type StreamOptions,
} from "./streams.js";
export { permissionsFor, userFor, type Permissions } from "./permissions.js";
export {
  CREDS_DIR,
  IDENTITIES_FILE,
  addIdentity,
  credsFileFor,
  nkeyFileFor,
  loadIdentities,
  removeIdentity,
  type AddedIdentity,
  type Identity,
} from "./identities.js";
export { ensureLocked, insecureWarning, lockMode, routeHosts, type LockMode } from "./lock.js";
export { TLS_DIR, loadTls, setupTls, type ServerCertOutcome, type TlsFiles, type TlsSetupOptions } from "./tls.js";
export { formatSans, missingSans, parseSubjectAltName, unionSans, wantedSans, type Sans } from "./tls-sans.js";
export { canSyncAlways, durabilityWarning, parseServerVersion, serverVersion, type ServerVersion } from "./version.js";
export { backupStream, checkBackup, lineOf, parseHeader, parseLine, restoreStream, type BackupHeader, type BackupLine, type BackupResult, type RestoreOptions } from "./backup.js";
export { NoAnswerError, isTransient, whenAnswered } from "./retry.js";
export { BrokerError, BrokerErrorCodes, connectFailure, type BrokerErrorCode, JsApiErrorCodes, jsApiErrorCode, type JsApiErrorCode } from "@ovl/client";
