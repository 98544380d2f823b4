/**
 * Typed errors of the lab, with stable codes: callers branch on `code`, never on text.
 * Messages name the thing, what went wrong, and what to do.
 */
import { CodedError } from "@ovl/domain";

export const LabErrorCodes = {
  InvalidInput: "INVALID_INPUT",
  NotRoot: "NOT_ROOT",
  LabExists: "LAB_EXISTS",
  CommandFailed: "COMMAND_FAILED",
  Timeout: "TIMEOUT",
  MissingPackages: "MISSING_PACKAGES",
} as const;

export type LabErrorCode = (typeof LabErrorCodes)[keyof typeof LabErrorCodes];

export class LabError extends CodedError<LabErrorCode> {
  override readonly name = "LabError";
}

export const invalidLab = (message: string): LabError => new LabError(LabErrorCodes.InvalidInput, message);
