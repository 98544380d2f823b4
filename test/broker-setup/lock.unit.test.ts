/**
 * Locked by default: which brokers must run with identities and TLS, how `--routes` is
 * read, and when a command aimed at the lab borrows the lab's operator identity.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { lockMode, routeHosts } from "@ovl/broker-setup";
import { parseRoutes } from "@ovl/cli";
import { labClientEnv } from "@ovl/lab";

test("loopback may stay open; any other address is locked unless --insecure", () => {
  assert.is(lockMode(["127.3.0.9", "::1", "localhost"], false), "open");
  assert.is(lockMode(["127.0.0.1"], false), "open");
  assert.is(lockMode(["192.168.1.10"], false), "locked");
  assert.is(lockMode(["127.0.0.1", "0.0.0.0"], false), "locked", "a route listener on every address locks it");
  assert.is(lockMode(["192.168.1.10"], true), "insecure");
});

test("--routes takes nats:// or nats-route:// URLs and renders nats-route://", () => {
  assert.equal(parseRoutes("nats://192.168.1.10:6222, nats-route://192.168.1.11:6222"), ["nats-route://192.168.1.10:6222", "nats-route://192.168.1.11:6222"]);
  assert.equal(routeHosts(["nats-route://192.168.1.10:6222", "nats://10.0.0.2:6222"]), ["192.168.1.10", "10.0.0.2"]);
  assert.equal(routeHosts(["nats-route://[fd00::2]:6222", "junk://"]), ["fd00::2"], "IPv6 without brackets; a URL without a host left out");
  for (const bad of ["", "192.168.1.10:6222", "nats://host.example:6222", "nats://300.1.1.1:6222", "tls://1.2.3.4:6222"]) {
    assert.throws(() => parseRoutes(bad), /route|--routes/, bad);
  }
});

test("only a command aimed at the lab's brokers, with no credentials of its own, borrows the lab's", () => {
  assert.equal(labClientEnv("nats://127.0.0.1:4222", {}), {});
  assert.equal(labClientEnv("nats://198.18.0.1:4222,nats://10.0.0.1:4222", {}), {});
  assert.equal(labClientEnv("nats://198.18.0.1:4222", { OVL_NATS_CREDS: "/mine.creds" }), {});
});

test.run();
