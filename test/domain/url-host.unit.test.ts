/** Hosts of server URLs, loopback or not, and the lab's broker recognized by its address. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LAB_BROKER_HOST, isLoopback, onLabBroker, urlHost, urlHosts } from "@ovl/domain";

test("urlHost: IPv4, IPv6 without brackets, names; with or without scheme and user", () => {
  assert.is(urlHost("nats://198.18.0.1:4222"), "198.18.0.1");
  assert.is(urlHost(" 198.18.0.1:4222 "), "198.18.0.1");
  assert.is(urlHost("tls://u:p@broker.lan:4222"), "broker.lan");
  assert.is(urlHost("nats://[fd00::1]:4222"), "fd00::1");
  assert.is(urlHost("nats-route://[::1]:6222"), "::1");
});

test("urlHost: no host is null, never a guess", () => {
  for (const bad of ["", "nats://:4222", "nats://", "nats://[::1:4222", "://x"]) assert.is(urlHost(bad), null, bad);
});

test("urlHosts: every server of a list, in order", () => {
  assert.equal(urlHosts("nats://a:4222,nats://[::1]:4223, b:4224"), ["a", "::1", "b"]);
  assert.equal(urlHosts("nats://a:4222,nats://:1"), ["a", null]);
});

test("isLoopback: 127.0.0.0/8, ::1 however written, localhost", () => {
  for (const h of ["127.0.0.1", "127.3.0.9", "127.255.255.255", "127.1", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost", "LOCALHOST"]) {
    assert.ok(isLoopback(h), h);
  }
});

test("isLoopback: any other address or name is not", () => {
  for (const h of ["0.0.0.0", "198.18.0.1", "128.0.0.1", "126.255.255.255", "::", "::2", "fe80::1", "::ffff:10.0.0.1", "localhost.lan", "my-localhost", "127.0.0.1.example", "", "not a host"]) {
    assert.not.ok(isLoopback(h), h);
  }
});

test("onLabBroker: every server on the lab's address, whatever the port", () => {
  assert.is(LAB_BROKER_HOST, "198.18.0.1");
  assert.ok(onLabBroker("nats://198.18.0.1:4222"));
  assert.ok(onLabBroker("nats://198.18.0.1:4222,nats://198.18.0.1:4223,tls://198.18.0.1:4224"));
  assert.not.ok(onLabBroker("nats://198.18.0.10:4222"), "a node's address that starts like it");
  assert.not.ok(onLabBroker("nats://198.18.0.1:4222,nats://10.0.0.1:4222"));
  assert.not.ok(onLabBroker("nats://127.0.0.1:4222/?x=198.18.0.1"));
});

test.run();
