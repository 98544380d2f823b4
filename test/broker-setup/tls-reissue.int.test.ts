/**
 * `ovl broker tls --ip NEW` on a broker that already has its certificates: the CA is kept,
 * the server certificate is re-issued for its old names plus NEW (read back with node's
 * X509Certificate, signed by the same CA), and kept as it is when it already covers them.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSubjectAltName, setupTls } from "@ovl/broker-setup";
import { buildBundle, ovl } from "../support/ovl.js";

const dir = mkdtempSync(join(tmpdir(), "ovl-tls-reissue-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const cert = (name: string) => new X509Certificate(readFileSync(join(dir, "tls", name)));

test("a new address re-issues the server certificate for the old names and the new one", async () => {
  const first = await setupTls(dir, { ips: ["198.18.0.1"], dnsNames: ["broker.lan"] });
  assert.is(first.server.kind, "made");
  const ca = cert("ca.pem").fingerprint256;
  const before = cert("server.pem");
  assert.equal(parseSubjectAltName(before.subjectAltName), { ips: ["127.0.0.1", "198.18.0.1"], dns: ["localhost", "broker.lan"] });

  const same = await setupTls(dir, { ips: ["198.18.0.1"] });
  assert.is(same.server.kind, "kept");
  assert.is(cert("server.pem").fingerprint256, before.fingerprint256, "nothing new asked: the same certificate");

  const again = await setupTls(dir, { ips: ["198.18.0.2"] });
  assert.equal(again.server, { kind: "reissued", added: { ips: ["198.18.0.2"], dns: [] } });
  const after = cert("server.pem");
  assert.is.not(after.fingerprint256, before.fingerprint256);
  assert.equal(parseSubjectAltName(after.subjectAltName), { ips: ["127.0.0.1", "198.18.0.1", "198.18.0.2"], dns: ["localhost", "broker.lan"] });
  assert.is(cert("ca.pem").fingerprint256, ca, "the CA is kept: clients keep trusting it");
  assert.ok(after.checkIssued(cert("ca.pem")) && after.verify(cert("ca.pem").publicKey), "signed by that CA");
});

test("ovl broker tls --ip says the certificate was re-issued", async () => {
  await buildBundle();
  const r = await ovl(["broker", "tls", "--store", dir, "--ip", "198.18.0.3"], { timeoutMs: 60_000 });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /server certificate \S+server\.pem \(re-issued for IP:198\.18\.0\.3 as well\)/);
  assert.ok(parseSubjectAltName(cert("server.pem").subjectAltName).ips.includes("198.18.0.3"));
});

test.run();
