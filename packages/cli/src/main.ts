/** The `ovl` executable's entry (bundled into dist/ovl.mjs by build.mjs). */
import { runCli } from "./cli.js";

// `ovl events | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const code = await runCli(process.argv);
// Every command has closed what it opened; exiting here also ends any client timer left
// behind (stdout and stderr are synchronous for files and pipes on Linux).
process.exit(code);
