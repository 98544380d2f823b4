export { runCoordinator, type CoordinatorHandle, type CoordinatorOptions } from "./coordinator.js";
export { Projection, loadStateFromDb, type Snapshot, type StoredRequest } from "./projection/store.js";
export { openDb, PROJECTION_SCHEMA_VERSION } from "./projection/schema.js";
export { requestRow, type OpenDecision, type RequestRow } from "./projection/replies.js";
export { API_WRONG_LAST_MSG_ID, API_WRONG_LAST_SEQUENCE, aggregateKey, msgIdFor } from "./append.js";
export { AppendError, Appender, parseAck, type Ack, type Expect } from "./appender.js";
export { catchUp } from "./startup.js";
export { lostRequestId, watchLiveness } from "./liveness.js";
export type { JobSpec } from "./pipeline.js";
