export { OvlClient, type NodeChangeResult, type RemoveResult, type RunResult, type StateSnapshot } from "./client.js";
export { newRequestId, request, type RequestOptions } from "./request.js";
export { askWhole, replyDigest, type AttemptOptions } from "./request-pieces.js";
export { lastSequence, readEvents, toItem, type EventItem, type ReadEventsOptions } from "./events.js";
export { waitForOutcome, type Outcome } from "./outcome.js";
export { followStream, roundDelayMs, type StreamFollowOptions, type StreamFollower } from "./follow-stream.js";
export { readCoordinatorBeats } from "./presence.js";
export { eventHashAt, listSnapshots, loadSnapshot, removeSnapshots, sha256, snapshotProblem, streamFacts, writeSnapshot, type LoadOptions } from "./snapshots.js";
export { readRange, stateAt, type StateAt } from "./state-at.js";
