/**
 * The node's own resolvers, where names that are not ovl's go: the `nameserver` lines of
 * the agent's /etc/resolv.conf (read again when the file changes, as a DHCP client rewrites
 * it), or those given to the agent (`--dns-upstream`).
 */
import { readFileSync, statSync } from "node:fs";
import { invalid, isIpv4 } from "@ovl/domain";

export interface Upstream {
  readonly host: string;
  readonly port: number;
}

/** IPv4 `nameserver` lines, in order (IPv6 ones are skipped: the agent forwards over IPv4). */
export function parseResolvConf(text: string): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key === "nameserver" && isIpv4(value)) out.push({ host: value, port: 53 });
  }
  return out;
}

/** `IP` or `IP:PORT` as given on the command line; null when it is neither. */
export function parseUpstream(raw: string): Upstream | null {
  const m = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(raw);
  if (!m || !isIpv4(m[1])) return null;
  const port = m[2] === undefined ? 53 : Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : null;
}

/** Reads `path` again only when its modification time or size changed. */
export function resolvConfUpstreams(path = "/etc/resolv.conf", log: (line: string) => void = () => undefined): () => readonly Upstream[] {
  let seen = "";
  let upstreams: Upstream[] = [];
  return () => {
    try {
      const st = statSync(path);
      const key = `${st.mtimeMs}:${st.size}`;
      if (key !== seen) {
        seen = key;
        upstreams = parseResolvConf(readFileSync(path, "utf8"));
        if (upstreams.length === 0) log(`dns: no IPv4 nameserver in ${path}: names outside the cluster answer SERVFAIL`);
      }
    } catch (err) {
      if (seen !== "missing") log(`dns: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      seen = "missing";
      upstreams = [];
    }
    return upstreams;
  };
}

/** The upstreams given (`--dns-upstream`), else the nameservers of /etc/resolv.conf as it is at each query. */
export function dnsUpstreams(given: readonly string[], log?: (line: string) => void): () => readonly Upstream[] {
  if (given.length === 0) return resolvConfUpstreams("/etc/resolv.conf", log);
  const fixed = given.map((g) => parseUpstream(g) ?? invalidUpstream(g));
  return () => fixed;
}

function invalidUpstream(raw: string): never {
  throw invalid(`invalid DNS upstream ${JSON.stringify(raw)}: an IPv4 address, optionally with :PORT`);
}
