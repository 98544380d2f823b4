/**
 * The names a server certificate is valid for (its subject alternative names), and whether
 * an existing one covers the addresses asked for: `ovl broker tls --ip NEW` re-issues the
 * server certificate for the old names plus the new ones, instead of keeping a certificate
 * that clients dialling NEW would refuse. Pure.
 */
export interface Sans {
  readonly ips: readonly string[];
  readonly dns: readonly string[];
}

/** What the servers must answer to: 127.0.0.1 and localhost always, then the given ones. */
export const wantedSans = (ips: readonly string[], dns: readonly string[]): Sans => ({
  ips: [...new Set(["127.0.0.1", ...ips])],
  dns: [...new Set(["localhost", ...dns])],
});

/** Node's X509Certificate.subjectAltName ("DNS:localhost, IP Address:127.0.0.1") as lists. */
export function parseSubjectAltName(text: string | undefined): Sans {
  const ips: string[] = [];
  const dns: string[] = [];
  for (const part of (text ?? "").split(",").map((p) => p.trim())) {
    if (part.startsWith("IP Address:")) ips.push(part.slice("IP Address:".length));
    else if (part.startsWith("DNS:")) dns.push(part.slice("DNS:".length));
  }
  return { ips, dns };
}

/** The wanted names the certificate lacks (host names compare without case). */
export function missingSans(have: Sans, want: Sans): Sans {
  const dnsHave = new Set(have.dns.map((d) => d.toLowerCase()));
  return { ips: want.ips.filter((ip) => !have.ips.includes(ip)), dns: want.dns.filter((d) => !dnsHave.has(d.toLowerCase())) };
}

/** The old names and the new ones, old first. */
export const unionSans = (a: Sans, b: Sans): Sans => ({ ips: [...new Set([...a.ips, ...b.ips])], dns: [...new Set([...a.dns, ...b.dns])] });

export const isEmptySans = (s: Sans): boolean => s.ips.length === 0 && s.dns.length === 0;

export const formatSans = (s: Sans): string => [...s.ips.map((ip) => `IP:${ip}`), ...s.dns.map((d) => `DNS:${d}`)].join(",");
