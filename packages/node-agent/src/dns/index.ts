export { answer, isOurs, RCODE, type Verdict } from "./answer.js";
export { forward, FORWARD_TIMEOUT_MS } from "./forward.js";
export { dnsUpstreams, parseResolvConf, parseUpstream, resolvConfUpstreams, type Upstream } from "./resolv-conf.js";
export { startDnsServer, type DnsServer, type DnsServerOptions } from "./server.js";
export { nameService, type NameService, type NameServiceOptions } from "./service.js";
