export { OvlClient, type NodeChangeResult, type RemoveResult, type RunResult, type StateSnapshot } from "./client.js";
export { newRequestId, request, type RequestOptions } from "./request.js";
export { lastSequence, readEvents, toItem, type EventItem, type ReadEventsOptions } from "./events.js";
export { waitForOutcome, type Outcome } from "./outcome.js";
export { followStream, roundDelayMs, type StreamFollowOptions, type StreamFollower } from "./follow.js";
export { firstSequenceAtOrAfter, parseAt, sequenceAt, type AtTarget } from "./at.js";
export { statesAt } from "./history.js";
export { coordinatorsSeen, readStatus, PRESENCE_WAIT_MS, type BrokerStatus, type ClusterStatus, type CoordinatorSeen, type NodeConvergence, type ReplicaStatus } from "./status.js";
