export { addressFor, answer, askerNetworks, isOurs, mayForward, RCODE, type Asker, type Verdict } from "./answer.js";
export { forward, FORWARD_TIMEOUT_MS } from "./forward.js";
export { gatewaysOf, resolverOf, type Listening } from "./gateways.js";
export { emptyNameIndex, nameIndex, type NameIndex } from "./name-index.js";
export { dnsUpstreams, parseResolvConf, parseUpstream, resolvConfUpstreams, type Upstream } from "./resolv-conf.js";
export { startDnsServer, type DnsServer, type DnsServerOptions } from "./server.js";
export { nameService, type Listener, type NameService, type NameServiceOptions } from "./service.js";
