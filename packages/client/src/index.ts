export { OvlClient, type NodeChangeResult, type RemoveResult, type RunResult, type StateSnapshot } from "./client.js";
export { newRequestId, request, type RequestOptions } from "./request.js";
export { lastSequence, readEvents, toItem, type EventItem, type ReadEventsOptions } from "./events.js";
export { waitForOutcome, type Outcome } from "./outcome.js";
export { DEFAULT_NATS_URL, clientTls, connectNats, credentialsAuth, natsUrl, type ClientTls, type ConnectOptions } from "./connect.js";
export { CREDS_KIND, ROLES, isOvlCredentials, parseCredentials, parseRole, type Credentials, type Role } from "./credentials.js";
export { followStream, roundDelayMs, type StreamFollowOptions, type StreamFollower } from "./follow.js";
