export { runCoordinator, type CoordinatorHandle, type CoordinatorOptions } from "./coordinator.js";
export { Projection, loadStateFromDb, type Snapshot, type StoredRequest } from "./projection/store.js";
export { openDb, PROJECTION_SCHEMA_VERSION } from "./projection/schema.js";
export { requestRow, type OpenDecision, type RequestRow } from "./projection/replies.js";
export { aggregateKey, msgIdFor } from "./optimistic-append.js";
export { AppendError } from "./appender.js";
export { CoordinatorErrorCodes, type CoordinatorErrorCode } from "./errors.js";
