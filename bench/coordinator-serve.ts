/**
 * A coordinator in its own process, for bench/coordinator.ts:
 *   npx tsx bench/coordinator-serve.ts <nats-url> <db-path> [cidr] [blockPrefix]
 * Prints "ready <seq>" once serving; stops on SIGTERM.
 */
import { connect } from "nats";
import { runCoordinator } from "@ovl/coordinator";

const [url, dbPath, cidr = "198.19.0.0/18", blockPrefix = "24"] = process.argv.slice(2);
if (!url || !dbPath) {
  process.stderr.write("usage: coordinator-serve.ts <nats-url> <db-path> [cidr] [blockPrefix]\n");
  process.exit(2);
}
const nc = await connect({ servers: url });
const t0 = performance.now();
const h = await runCoordinator({ nc, dbPath, cluster: { cidr, blockPrefix: Number(blockPrefix) }, lostAfterMs: 0, log: (l) => process.stderr.write(`${l}\n`) });
process.stdout.write(`ready ${h.seq()} ${Math.round(performance.now() - t0)}\n`);
process.once("SIGTERM", () => {
  void h.stop().then(() => nc.close()).then(() => process.exit(0));
});
