/** @ovl/cli: the `ovl` command line, importable for tests and other tools. */
export { runCli } from "./cli.js";
export { buildProgram, type Outcome } from "./program.js";
export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, FailedError, UsageError, errorLine, exitCodeFor } from "./errors.js";
export { summaryValue, table } from "./format.js";
export { DEFAULT_URL, resolveNatsUrl, type GlobalOptions } from "./context.js";
