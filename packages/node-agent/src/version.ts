/** Sent in JoinNode and every heartbeat, so `ovl nodes` shows which agents run what. */
export const AGENT_VERSION = "ovl-agent/0.1.0";
