/** Whether a server certificate covers the names asked for, from node's subjectAltName text. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { missingSans, parseSubjectAltName } from "@ovl/broker-setup";
import { unionSans, wantedSans } from "@ovl/broker-setup";

test("subjectAltName text as lists", () => {
  assert.equal(parseSubjectAltName("IP Address:127.0.0.1, IP Address:192.168.1.10, DNS:localhost, DNS:broker.lan"), { ips: ["127.0.0.1", "192.168.1.10"], dns: ["localhost", "broker.lan"] });
  assert.equal(parseSubjectAltName(undefined), { ips: [], dns: [] });
});

test("what is missing: new addresses and names only; host names without case", () => {
  const have = parseSubjectAltName("IP Address:127.0.0.1, IP Address:192.168.1.10, DNS:localhost, DNS:Broker.lan");
  assert.equal(missingSans(have, wantedSans(["192.168.1.10"], ["broker.lan"])), { ips: [], dns: [] });
  assert.equal(missingSans(have, wantedSans(["192.168.1.11"], [])), { ips: ["192.168.1.11"], dns: [] });
});

test("re-issued for the old names and the new ones, old first", () => {
  assert.equal(unionSans({ ips: ["127.0.0.1", "10.0.0.1"], dns: ["localhost"] }, wantedSans(["10.0.0.2"], [])), { ips: ["127.0.0.1", "10.0.0.1", "10.0.0.2"], dns: ["localhost"] });
});

test.run();
