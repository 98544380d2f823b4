/**
 * Hosts of server URLs and whether a host is this machine's own, for the broker's lock
 * decision, the agent's underlay detection and the CLI's lab identity. Loadable alone
 * (`@ovl/domain/url-host`): the CLI reads it before every command.
 */
import { LAB_BROKER_HOST } from "./defaults.js";

/** The host of one server URL ("nats://u:p@h:4222", "h:4222", "tls://[::1]:4222"), without IPv6 brackets; null when there is none. */
export function urlHost(url: string): string | null {
  const u = url.trim();
  try {
    const host = new URL(u.includes("://") ? u : `nats://${u}`).hostname;
    return host ? host.replace(/^\[(.*)\]$/, "$1") : null;
  } catch {
    return null;
  }
}

/** The hosts of a comma-separated server list, in order (null for a malformed entry). */
export const urlHosts = (urls: string): (string | null)[] => urls.split(",").map(urlHost);

/**
 * Whether a host (an address or a name) is reachable from this machine only: 127.0.0.0/8,
 * ::1 (also written in full or IPv4-mapped), localhost. The WHATWG URL parser canonicalizes
 * it first, as a resolver reads it ("127.1", "0:0:0:0:0:0:0:1", "LOCALHOST").
 */
export function isLoopback(host: string): boolean {
  const h = host.trim().replace(/^\[(.*)\]$/, "$1");
  if (!h) return false;
  let canonical: string;
  try {
    canonical = new URL(`http://${h.includes(":") ? `[${h}]` : h}`).hostname;
  } catch {
    return false;
  }
  return canonical === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(canonical) || canonical === "[::1]" || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/** Whether every server of a URL list is the lab's broker address (the lab's own identities apply). */
export const onLabBroker = (urls: string): boolean => urlHosts(urls).every((h) => h === LAB_BROKER_HOST);
