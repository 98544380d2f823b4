/**
 * A client command given no URL connects to the default, and only when no server answers
 * there does it look for the lab that is up (connectOrFallback); with no lab it fails with
 * the default's own hint. Real nats-servers; the lab stands in as a function naming one.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BrokerError, BrokerErrorCodes, OvlClient } from "@ovl/client";
import { connectOrFallback } from "@ovl/cli";
import { startNats, type TestNats } from "../support/nats.js";

const NOBODY = "nats://127.0.0.1:1";
let home: TestNats;
let lab: TestNats;

test.before(async () => {
  [home, lab] = await Promise.all([startNats(), startNats()]);
});

test.after(async () => {
  await Promise.all([home?.stop(), lab?.stop()]);
});

const connectTo = (url: string) => OvlClient.connect({ url, reconnect: false, connectTimeoutMs: 2000 });

/** The lab finder, counting how often it was asked. */
function finder(url: string | null) {
  const asked = { count: 0 };
  return { asked, find: async () => (asked.count++, url) };
}

test("nothing answers at the default: the lab's broker, connected and usable", async () => {
  const { asked, find } = finder(lab.url);
  const { client, url } = await connectOrFallback(NOBODY, find, connectTo);
  try {
    assert.is(url, lab.url);
    assert.is(asked.count, 1);
    assert.is(client.nc.getServer(), `127.0.0.1:${lab.port}`);
    await client.nc.flush();
  } finally {
    await client.close();
  }
});

test("a broker answers at the default: no lab looked for", async () => {
  const { asked, find } = finder(lab.url);
  const { client, url } = await connectOrFallback(home.url, find, connectTo);
  await client.close();
  assert.is(url, home.url);
  assert.is(asked.count, 0);
});

test("no lab up: the default's failure, with its hint", async () => {
  const { asked, find } = finder(null);
  const err = await connectOrFallback(NOBODY, find, connectTo).then(
    async (r) => (await r.client.close(), null),
    (e: unknown) => e,
  );
  assert.is(asked.count, 1);
  assert.instance(err, BrokerError);
  assert.is((err as BrokerError).code, BrokerErrorCodes.Unreachable);
  assert.match((err as Error).message, /^cannot reach NATS at nats:\/\/127\.0\.0\.1:1: .*ovl broker start/);
});

test("a URL was given (no fallback): its failure as it is", async () => {
  const err = await connectOrFallback(NOBODY, null, connectTo).then(
    async (r) => (await r.client.close(), null),
    (e: unknown) => e,
  );
  assert.instance(err, BrokerError);
  assert.is((err as BrokerError).code, BrokerErrorCodes.Unreachable);
});

test.run();
