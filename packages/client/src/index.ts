export { OvlClient, type NodeChangeResult, type RemoveResult, type RunResult, type StateSnapshot } from "./client.js";
export { newRequestId, request, type RequestOptions } from "./request.js";
export { lastSequence, readEvents, toItem, type EventItem, type ReadEventsOptions } from "./events.js";
export { waitForOutcome, type Outcome } from "./outcome.js";
export { followStream, roundDelayMs, type StreamFollowOptions, type StreamFollower } from "./follow.js";
export { openSession, type Session, type SessionOutput } from "./agent-session.js";
export { type ExecOptions, type LogsOptions } from "./agent-requests.js";
