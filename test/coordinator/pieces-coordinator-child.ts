/**
 * Run by pieces.int.test.ts: a coordinator in a process of its own, so that the test can
 * kill it (SIGKILL, by PID) halfway through a reply in pieces; `pieceGapMs` spaces the
 * pieces out so that "halfway" lasts long enough to hit. Prints "serving" when it serves.
 *   node --import tsx pieces-coordinator-child.ts <nats url> <db path> <gap ms>
 */
import { connect } from "nats";
import { runCoordinator } from "@ovl/coordinator";

const [url, dbPath, gap] = process.argv.slice(2);
const nc = await connect({ servers: url! });
await runCoordinator({ nc, dbPath: dbPath!, lostAfterMs: 0, pieceGapMs: Number(gap), log: (l) => process.stderr.write(`${l}\n`) });
process.stdout.write("serving\n");
