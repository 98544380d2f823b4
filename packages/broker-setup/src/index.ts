export { DEFAULT_NATS_URL, connectNats, natsUrl, type ConnectOptions } from "./connect.js";
