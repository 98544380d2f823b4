export { CommandError, HostError, HostErrorCodes, type HostErrorCode } from "./errors.js";
export { run, tryRun, type RunOptions, type RunResult } from "./run.js";
