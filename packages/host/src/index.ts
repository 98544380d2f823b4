/** @ovl/host: helpers for the processes of this machine. */
export { pidAlive, stopProcess, type StopOptions, type StopTarget } from "./stop.js";
