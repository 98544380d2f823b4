/**
 * A private CA and the certificates NATS needs, made with openssl (argument arrays, never a
 * shell): ECDSA P-256 keys, mode 0600. Files in <home>/tls/:
 *   ca.pem, ca-key.pem              the CA (its key signs; keep it on the broker machine)
 *   server.pem, server-key.pem      the servers' certificate: every address clients and
 *                                   peers dial (IP SANs), for serverAuth and clientAuth
 *                                   (routes present it to each other)
 *   client-<name>.pem, -key.pem     client certificates, for when clients must present one
 *   tls.json                        {verify}: whether the servers require client certificates
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { X509Certificate, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { OvlError, OvlErrorCodes, isIpv4, isName } from "@ovl/domain";
import { CommandError, run } from "@ovl/host";
import type { ServerTls } from "./config.js";
import { formatSans, isEmptySans, missingSans, parseSubjectAltName, unionSans, wantedSans, type Sans } from "./tls-sans.js";

export const TLS_DIR = "tls";

export interface TlsSetupOptions {
  /** Addresses the servers are dialled at (127.0.0.1 is always added). */
  readonly ips?: readonly string[];
  /** Host names the servers are dialled at (localhost is always added). */
  readonly dnsNames?: readonly string[];
  /** Client certificates to make, by name. */
  readonly clients?: readonly string[];
  /** Servers require a client certificate. @default false */
  readonly verify?: boolean;
  /** Certificate lifetime. @default 825 */
  readonly days?: number;
}

export interface TlsFiles extends ServerTls {
  readonly dir: string;
  readonly clients: Record<string, { certFile: string; keyFile: string }>;
}

const invalid = (m: string): OvlError => new OvlError(OvlErrorCodes.InvalidInput, m);

async function openssl(args: string[]): Promise<void> {
  try {
    await run(["openssl", ...args], { timeoutMs: 30_000 });
  } catch (err) {
    if (err instanceof CommandError && err.exitCode === "ENOENT") throw new OvlError(OvlErrorCodes.Unavailable, "openssl is not installed: apt-get install openssl", { cause: err });
    const said = err instanceof CommandError ? err.stderr : String((err as Error)?.message ?? err);
    throw new OvlError(OvlErrorCodes.Internal, `openssl ${args[0]} failed: ${said.trim().split("\n")[0]}`, { cause: err });
  }
}

const keyArgs = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(dir: string, days: number): Promise<void> {
  const ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"];
  await openssl(["req", "-x509", ...keyArgs, "-keyout", join(dir, "ca-key.pem"), "-out", join(dir, "ca.pem"), "-days", String(days), "-subj", "/CN=ovl NATS CA", ...ext]);
  chmodSync(join(dir, "ca-key.pem"), 0o600);
}

/** A key and a certificate signed by the CA, with the given extensions. */
async function makeCert(dir: string, base: string, cn: string, extensions: string, days: number): Promise<void> {
  const csr = join(dir, `${base}.csr`);
  const extFile = join(dir, `${base}.ext`);
  const keyFile = join(dir, `${base}-key.pem`);
  try {
    await openssl(["req", ...keyArgs, "-keyout", keyFile, "-out", csr, "-subj", `/CN=${cn}`]);
    chmodSync(keyFile, 0o600);
    writeFileSync(extFile, extensions);
    const serial = `0x${randomBytes(16).toString("hex")}`;
    await openssl(["x509", "-req", "-in", csr, "-CA", join(dir, "ca.pem"), "-CAkey", join(dir, "ca-key.pem"), "-set_serial", serial, "-days", String(days), "-out", join(dir, `${base}.pem`), "-extfile", extFile]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(extFile, { force: true });
  }
}

const serverExtensions = (sans: Sans): string =>
  `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${formatSans(sans)}\n`;

/** What happened to the server certificate: made, re-issued for names it lacked (listed), or kept. */
export type ServerCertOutcome = { readonly kind: "made" | "kept" } | { readonly kind: "reissued"; readonly added: Sans };

/** Makes the server certificate, or re-issues it for the old names plus the missing ones. */
async function ensureServerCert(dir: string, want: Sans, days: number): Promise<ServerCertOutcome> {
  const file = join(dir, "server.pem");
  if (!existsSync(file)) {
    await makeCert(dir, "server", "ovl NATS server", serverExtensions(want), days);
    return { kind: "made" };
  }
  const have = parseSubjectAltName(new X509Certificate(readFileSync(file)).subjectAltName);
  const added = missingSans(have, want);
  if (isEmptySans(added)) return { kind: "kept" };
  await makeCert(dir, "server", "ovl NATS server", serverExtensions(unionSans(have, want)), days);
  return { kind: "reissued", added };
}

function checkOptions(o: TlsSetupOptions): void {
  for (const ip of o.ips ?? []) if (!isIpv4(ip)) throw invalid(`invalid address ${JSON.stringify(ip)} for the server certificate: expected IPv4`);
  for (const d of o.dnsNames ?? []) if (!/^[A-Za-z0-9.-]{1,253}$/.test(d)) throw invalid(`invalid host name ${JSON.stringify(d)} for the server certificate`);
  for (const c of o.clients ?? []) if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(c) && !isName(c)) throw invalid(`invalid client name ${JSON.stringify(c)}`);
}

/**
 * Makes what is missing and returns the paths. An existing CA is kept, and so is the server
 * certificate while it covers every address and name asked for; else it is re-issued.
 */
export async function setupTls(home: string, o: TlsSetupOptions = {}): Promise<TlsFiles & { readonly server: ServerCertOutcome }> {
  checkOptions(o);
  const days = o.days ?? 825;
  const dir = join(home, TLS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(join(dir, "ca.pem"))) await makeCa(dir, days);
  const server = await ensureServerCert(dir, wantedSans(o.ips ?? [], o.dnsNames ?? []), days);
  const clientExt = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n";
  for (const c of o.clients ?? []) if (!existsSync(join(dir, `client-${c}.pem`))) await makeCert(dir, `client-${c}`, c, clientExt, days);
  const prev = loadTls(home);
  writeFileSync(join(dir, "tls.json"), JSON.stringify({ verify: o.verify ?? prev?.verify ?? false }) + "\n");
  return { ...loadTls(home)!, server };
}

/** The TLS files of a home directory; null when TLS was never set up there. */
export function loadTls(home: string): TlsFiles | null {
  const dir = join(home, TLS_DIR);
  if (!existsSync(join(dir, "tls.json"))) return null;
  const { verify } = JSON.parse(readFileSync(join(dir, "tls.json"), "utf8")) as { verify?: unknown };
  const clients: TlsFiles["clients"] = {};
  for (const f of readdirSync(dir)) {
    const m = /^client-(.+)\.pem$/.exec(f);
    if (m && !m[1]!.endsWith("-key")) clients[m[1]!] = { certFile: join(dir, f), keyFile: join(dir, `client-${m[1]}-key.pem`) };
  }
  return { dir, certFile: join(dir, "server.pem"), keyFile: join(dir, "server-key.pem"), caFile: join(dir, "ca.pem"), verify: verify === true, clients };
}
