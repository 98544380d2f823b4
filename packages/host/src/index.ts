/** @ovl/host: helpers for the processes of this machine. */
export { pidAlive, stopProcess, type StopOptions, type StopTarget } from "./stop.js";
export { CommandError, HostError, HostErrorCodes, type HostErrorCode } from "./errors.js";
export { run, tryRun, type RunOptions, type RunResult } from "./run.js";
