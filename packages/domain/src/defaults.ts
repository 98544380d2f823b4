import type { ClusterConfig } from "./state.js";

/** DESIGN.md section 4: a /16 in /24 blocks (256 nodes), VNI 1 on 4789, MTU 1450 (1500 - 50). */
export const DEFAULT_CLUSTER: ClusterConfig = Object.freeze({
  cidr: "10.240.0.0/16",
  blockPrefix: 24,
  vni: 1,
  vxlanPort: 4789,
  mtu: 1450,
});
