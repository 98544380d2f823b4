export { DEFAULT_NATS_URL, connectNats, natsUrl, type ConnectOptions } from "./connect.js";
export {
  DEFAULT_BROKER_HOST,
  DEFAULT_BROKER_PORT,
  DEFAULT_SERVER_NAME,
  renderServerConfig,
  type ClusterRoutes,
  type ServerConfigOptions,
} from "./config.js";
export { DEFAULT_STORE_DIR, findOnPath, startBroker, type Broker, type BrokerOptions } from "./server.js";
export {
  StreamConfigError,
  differences,
  ensureStreams,
  streamConfigs,
  subjectsOverlap,
  type OvlStreamConfig,
  type StreamOptions,
} from "./streams.js";
