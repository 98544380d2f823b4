/**
 * One lab per machine: its namespace names, links and addresses are fixed. `labUp` takes
 * a machine-wide claim (a file created with O_EXCL, so two `up`s racing cannot both win)
 * before it creates anything, and `labDown` releases it last. /run is a tmpfs, so a reboot
 * clears a claim together with everything it guarded.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { LabError, LabErrorCodes } from "./errors.js";

export const CLAIM_FILE = "/run/ovl-lab.claim";

/** The lab dir that holds the claim, or null when the machine has no lab. */
export function claimHolder(): string | null {
  try {
    return readFileSync(CLAIM_FILE, "utf8").trim() || null;
  } catch {
    return null;
  }
}

export function takeClaim(dir: string): void {
  let fd: number;
  try {
    fd = openSync(CLAIM_FILE, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    throw new LabError(LabErrorCodes.LabExists, `a lab is already up on this machine (state in ${claimHolder() ?? "?"}): run \`ovl down\` first`);
  }
  try {
    writeSync(fd, `${dir}\n`);
  } finally {
    closeSync(fd);
  }
}

/** Refuses to take down a lab that another lab dir brought up. */
export function checkClaimFor(dir: string): void {
  const holder = claimHolder();
  if (holder !== null && holder !== dir) {
    throw new LabError(LabErrorCodes.LabExists, `the lab on this machine was brought up from ${holder}, not ${dir}: take it down from there`);
  }
}

export function releaseClaim(dir: string): void {
  if (claimHolder() === dir) rmSync(CLAIM_FILE, { force: true });
}
