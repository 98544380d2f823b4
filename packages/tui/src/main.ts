/**
 * A small entry to run the TUI on its own (tests, benchmarks, development):
 *   node --import tsx packages/tui/src/main.ts [--nats URL]
 * `ovl tui` is the command for people; this avoids the CLI bundle in tests.
 */
import "./production.js";
import { openTui } from "./open.js";

function natsArg(argv: readonly string[]): string | undefined {
  const at = argv.indexOf("--nats");
  if (at < 0) return undefined;
  const url = argv[at + 1];
  if (!url || !/^(nats|tls|ws|wss):\/\/[^\s]+$/.test(url)) {
    process.stderr.write(`ovl tui: --nats needs a URL like nats://127.0.0.1:4222, got ${JSON.stringify(url ?? "")}\n`);
    process.exit(2);
  }
  return url;
}

try {
  const url = natsArg(process.argv.slice(2));
  await openTui(url ? { natsUrl: url } : {});
  process.exit(0);
} catch (err) {
  process.stderr.write(`ovl tui: ${(err as Error).message}\n`);
  process.exit(1);
}
