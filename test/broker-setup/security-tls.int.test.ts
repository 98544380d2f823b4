/**
 * TLS made by `setupTls` (openssl) on a real nats-server: a client with the CA connects,
 * a plain one and one trusting another CA are refused; with `verify`, a client without a
 * certificate is refused and one with its certificate gets in. Together with identities.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as netConnect } from "node:net";
import { addIdentity, credsFileFor, ensureStreams, reloadAll, setupTls, startBroker, type Broker } from "@ovl/broker-setup";
import { BrokerError, BrokerErrorCodes, connectNats } from "@ovl/client";
import { freePort } from "../support/nats.js";

let dir: string;
let other: string;
let broker: Broker;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "ovl-tls-"));
  other = mkdtempSync(join(tmpdir(), "ovl-tls-other-"));
  addIdentity(dir, "admin");
  addIdentity(dir, "viewer");
  await setupTls(dir, { ips: ["198.18.0.1"], clients: ["viewer"] });
  await setupTls(other);
  broker = await startBroker({ port: await freePort(), storeDir: dir, serverName: "tls" });
});
test.after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(other, { recursive: true, force: true });
});

const as = (user: string, tls?: { caFile?: string; certFile?: string; keyFile?: string }) =>
  connectNats({ url: broker.url, name: user, credsFile: credsFileFor(dir, user), connectTimeoutMs: 3000, reconnect: false, ...(tls ? { tls } : {}) });

test("keys are 0600 and the server certificate names the given addresses", () => {
  for (const f of ["ca-key.pem", "server-key.pem", "client-viewer-key.pem"]) assert.is(statSync(join(dir, "tls", f)).mode & 0o777, 0o600, f);
  assert.match(readFileSync(broker.configFile, "utf8"), /tls \{\n  cert_file: ".*server\.pem"/);
});

test("a client trusting the CA connects over TLS and uses JetStream", async () => {
  const nc = await as("admin", { caFile: join(dir, "tls", "ca.pem") });
  try {
    assert.ok((nc as unknown as { protocol: { transport: { isEncrypted(): boolean } } }).protocol.transport.isEncrypted());
    const result = await ensureStreams(await nc.jetstreamManager());
    assert.is(result.OVL_EVENTS, "created");
  } finally {
    await nc.close();
  }
});

/** Connects over TCP, sends CONNECT and PING in clear text, returns what came back (and "closed"). */
function plainExchange(url: string): Promise<string> {
  const { hostname, port } = new URL(url.replace("nats://", "http://"));
  return new Promise((resolve) => {
    let got = "";
    const sock = netConnect({ host: hostname, port: Number(port) });
    const end = (why: string) => (clearTimeout(timer), sock.destroy(), resolve(got + why));
    const timer = setTimeout(() => end("timeout"), 3000);
    sock.on("data", (b) => {
      if (!got) sock.write('CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n');
      got += b.toString();
    });
    sock.on("close", () => end("closed"));
    sock.on("error", () => end("closed"));
  });
}

test("a plain connection and one trusting another CA are refused", async () => {
  // A client speaking plain NATS (no TLS handshake): the server must never answer PONG.
  const plain = await plainExchange(broker.url);
  assert.not.match(plain, /PONG/);
  assert.match(plain, /tls_required":true/);
  assert.match(plain, /closed|-ERR/);
  const wrong = await as("admin", { caFile: join(other, "tls", "ca.pem") }).then(
    async (nc) => (await nc.close(), null),
    (err: unknown) => err,
  );
  assert.ok(wrong instanceof BrokerError && wrong.code === BrokerErrorCodes.TlsFailed, String(wrong));
  assert.match(wrong.message, /certificate|self[- ]signed|verify/i);
  const plainClient = await connectNats({ url: broker.url, name: "admin", credsFile: credsFileFor(dir, "admin"), tls: {}, connectTimeoutMs: 3000, reconnect: false }).then(
    async (nc) => (await nc.close(), null),
    (err: unknown) => err,
  );
  assert.ok(plainClient instanceof BrokerError && plainClient.code === BrokerErrorCodes.TlsFailed, String(plainClient));
});

test("with verify on, a client without a certificate is refused, one with it connects", async () => {
  await setupTls(dir, { verify: true });
  assert.equal((await reloadAll(dir)).map((r) => r.outcome), ["reloaded"]);
  const ca = join(dir, "tls", "ca.pem");
  const bare = await as("viewer", { caFile: ca }).then(
    async (nc) => {
      // The server may accept the handshake and close right after: a round trip tells.
      const ok = await nc.flush().then(() => "connected", (e: Error) => e.message);
      await nc.close().catch(() => {});
      return ok;
    },
    (err: Error) => err.message,
  );
  assert.not.equal(bare, "connected");
  const nc = await as("viewer", { caFile: ca, certFile: join(dir, "tls", "client-viewer.pem"), keyFile: join(dir, "tls", "client-viewer-key.pem") });
  await nc.flush();
  await nc.close();
});

test("TLS files from the environment; a certificate without its key is a usage error", async () => {
  process.env.OVL_NATS_CA = join(dir, "tls", "ca.pem");
  process.env.OVL_NATS_CERT = join(dir, "tls", "client-viewer.pem");
  try {
    await as("viewer").then(
      () => assert.unreachable("accepted a cert without a key"),
      (err: Error) => assert.match(err.message, /a client certificate needs its key/),
    );
    process.env.OVL_NATS_KEY = join(dir, "tls", "client-viewer-key.pem");
    const nc = await as("viewer");
    await nc.flush();
    await nc.close();
  } finally {
    delete process.env.OVL_NATS_CA;
    delete process.env.OVL_NATS_CERT;
    delete process.env.OVL_NATS_KEY;
  }
});

test.run();
