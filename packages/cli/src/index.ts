/** @ovl/cli: the `ovl` command line, importable for tests and other tools. */
export { runCli } from "./cli.js";
export { buildProgram, type Outcome } from "./program.js";
export { CliErrorCodes, EXIT_FAILED, EXIT_OK, EXIT_USAGE, FailedError, UsageError, asUsage, errorLine, exitCodeFor, type CliErrorCode } from "./errors.js";
export { summaryValue, table } from "./format.js";
export { DEFAULT_URL, connectOrFallback, resolveNatsUrl, type GlobalOptions } from "./context.js";
export { intIn } from "./args.js";
export { runSpec } from "./commands/run.js";
export { clusterFlags, dbPathOf } from "./commands/coordinator.js";
export { agentFlags } from "./commands/agent.js";
export { eventJson, eventLine, eventObject, eventSummary } from "./commands/events.js";
export { dockerLines, inspectText } from "./commands/inspect-text.js";
export { nodesTable, psTable, shortReason } from "./commands/listings.js";
export { lastErrorLine, notJoinedMessage } from "./commands/lab.js";
export { statusText } from "./commands/status.js";
export { parseRoutes } from "./commands/broker.js";
