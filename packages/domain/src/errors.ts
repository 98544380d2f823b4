/**
 * Typed errors with stable codes. Callers branch on `code` (or `instanceof`), never on
 * message text; the message names the thing and the rule it broke.
 */
export const OvlErrorCodes = {
  InvalidInput: "INVALID_INPUT",
  InvalidEvent: "INVALID_EVENT",
  ClusterNotCreated: "CLUSTER_NOT_CREATED",
  ClusterMismatch: "CLUSTER_MISMATCH",
  NodeExists: "NODE_EXISTS",
  AddressInUse: "ADDRESS_IN_USE",
  NodeNotFound: "NODE_NOT_FOUND",
  NodeNotReady: "NODE_NOT_READY",
  MtuTooSmall: "MTU_TOO_SMALL",
  /** A node of a direct cluster that is not on the LAN subnet of the others. */
  NotOnLan: "NOT_ON_LAN",
  BlocksExhausted: "BLOCKS_EXHAUSTED",
  AddressesExhausted: "ADDRESSES_EXHAUSTED",
  ContainerExists: "CONTAINER_EXISTS",
  /** A name or alias another container answers to: DNS would be ambiguous. */
  NameInUse: "NAME_IN_USE",
  ContainerNotFound: "CONTAINER_NOT_FOUND",
  NetworkExists: "NETWORK_EXISTS",
  NetworkNotFound: "NETWORK_NOT_FOUND",
  /** `ovl network rm` of a network some container is on. */
  NetworkInUse: "NETWORK_IN_USE",
  /** A network range that overlaps another network's range or a block in use. */
  NetworkOverlap: "NETWORK_OVERLAP",
  /** No free range or VNI left for a new network. */
  NetworksExhausted: "NETWORKS_EXHAUSTED",
  PortInUse: "PORT_IN_USE",
  NoNodes: "NO_NODES",
  Conflict: "CONFLICT",
  Timeout: "TIMEOUT",
  /** A session (logs -f, exec) ended because its client closed it: Ctrl-C, not a failure. */
  Closed: "CLOSED",
  Unavailable: "UNAVAILABLE",
  Forbidden: "FORBIDDEN",
  ReplyIncomplete: "REPLY_INCOMPLETE",
  Internal: "INTERNAL",
} as const;

export type OvlErrorCode = (typeof OvlErrorCodes)[keyof typeof OvlErrorCodes];

/**
 * The one shape of every ovl error class (domain, agent, lab): an Error with a stable code
 * from its package's list. Each package keeps its own list, so a code says where it came from.
 */
export class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class OvlError extends CodedError<OvlErrorCode> {
  override readonly name = "OvlError";

  toJSON(): { code: OvlErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export const invalid = (message: string): OvlError => new OvlError(OvlErrorCodes.InvalidInput, message);

export function isOvlErrorCode(value: unknown): value is OvlErrorCode {
  return typeof value === "string" && (Object.values(OvlErrorCodes) as string[]).includes(value);
}
