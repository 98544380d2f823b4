/**
 * A SIMULATED agent as a process of its own, so a fault test can kill -9 it: the real agent
 * code (join, heartbeats, follow, fold, reconcile, reports) with the RecordingRuntime in
 * place of Docker and the kernel.
 *   node --import tsx test/faults/sim-agent.ts <nats-url> <node> <lan-ip> <state-dir>
 */
import { connectNats } from "@ovl/client";
import { RecordingRuntime, runAgent } from "@ovl/node-agent";

const [url, node, ip, stateDir] = process.argv.slice(2);
if (!url || !node || !ip || !stateDir) {
  process.stderr.write("usage: sim-agent.ts <nats-url> <node> <lan-ip> <state-dir>\n");
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${node}: ${line}\n`);
const nc = await connectNats({ url, name: `sim-agent-${node}`, connectTimeoutMs: 10_000 });
const handle = await runAgent({ nc, node, underlayIp: ip, lanMtu: 1500, stateDir, runtime: new RecordingRuntime(), heartbeatMs: 1000, reconcileMs: 2000, log });
process.stdout.write(`agent ${node} running\n`);
const stop = async () => {
  await handle.stop();
  await nc.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
setInterval(() => process.stdout.write(`rss ${process.memoryUsage().rss}\n`), 5000).unref();
const how = await handle.done.catch((err: Error) => (log(`ended: ${err.message}`), "failed"));
process.exit(how === "failed" ? 1 : 0);
