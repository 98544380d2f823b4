/**
 * The names of everything ovl makes in the kernel (devices, the nft table, the iptables
 * chain and rule comment, the tc block) and the settings it puts on them: every object
 * ovl creates carries one of these, so it can be found and removed.
 */

export const BRIDGE = "ovl-br";
export const VXLAN = "ovl-vx";
/**
 * The bridge and VXLAN device of a network made with `ovl network create`, named by its VNI:
 * unique among the cluster's networks, fixed for the network's life, and at most 8 digits
 * (VNIs are 24 bits), so a name is at most 13 characters (IFNAMSIZ leaves 15). A network's
 * name could be 63 characters and is not used.
 */
export const netBridgeName = (vni: number): string => `ovlb-${vni}`;
export const netVxlanName = (vni: number): string => `ovlx-${vni}`;
export const NET_BRIDGE = /^ovlb-\d{1,8}$/;
export const NET_VXLAN = /^ovlx-\d{1,8}$/;
/** Every network bridge, as an nftables wildcard and an iptables one. */
export const NET_BRIDGES_NFT = "ovlb-*";
/** Host ends of container veths: "ovl" + 8 hex digits (vethNameFor in @ovl/domain). */
export const VETH_NAME = /^ovl[0-9a-f]{8}$/;
export const NFT_TABLE = "ovl";
export const DOCKER_USER = "DOCKER-USER";
export const RULE_COMMENT = "ovl";
/**
 * ARP retransmit time on the overlay's segment (ovl-br on the node, eth0 in each container),
 * instead of the kernel's 1 s. An address asked for just before its neighbour entry lands (a
 * peer pinging a container that is being started) is then answered ~100 ms after the entry is
 * programmed instead of up to 1 s later. ARP for an address ovl does not know never leaves the
 * node (ovl-vx answers from its neighbour table or drops), so the extra probes stay local.
 */
export const ARP_RETRANS_MS = 100;
/** `ip` arguments that set ARP_RETRANS_MS on a device. */
export const arpRetransArgs = (dev: string): string[] => ["ntable", "change", "name", "arp_cache", "dev", dev, "retrans", String(ARP_RETRANS_MS)];
/** The sysctls ovl may change; their original values are recorded and restored on teardown. */
export const SYSCTLS = { ipForward: "net.ipv4.ip_forward" } as const;

/** The protocol of ovl's routes (direct paths to peers' blocks): `ip route show proto 111` lists them ("o" in ASCII). */
export const ROUTE_PROTO = 111;
/** The sysctl that makes a device answer ARP for addresses routed out of another one. */
export const proxyArpKey = (dev: string): string => `net.ipv4.conf.${dev}.proxy_arp`;

/** ovl's shared tc block on container veths ("ovl" in ASCII). */
export const TC_BLOCK = 0x6f766c;
