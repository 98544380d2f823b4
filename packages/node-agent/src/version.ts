import { buildVersion } from "@ovl/domain";

/** Sent in JoinNode and every heartbeat ("0.1.0+<commit>"), so `ovl nodes` shows which agents run what. */
export const AGENT_VERSION = buildVersion();
