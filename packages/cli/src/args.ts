/**
 * Parsers for the numeric and path-like flags, used as commander argParsers so that a bad
 * value is a usage error (exit 2) before anything connects. Names, images, ports and CIDRs
 * are checked by the domain's parsers in the command modules (loading the domain costs
 * start-up time that `ovl --help` should not pay).
 */
import { InvalidArgumentError } from "commander";

export function intIn(min: number, max: number): (raw: string) => number {
  return (raw: string) => {
    if (!/^\d{1,10}$/.test(raw.trim())) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const n = Number(raw.trim());
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

export function secondsIn(min: number, max: number): (raw: string) => number {
  return (raw: string) => {
    const n = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`expected seconds from ${min} to ${max}.`);
    return n;
  };
}

export function nonEmpty(what: string): (raw: string) => string {
  return (raw: string) => {
    if (raw.trim() === "" || raw.includes("\0")) throw new InvalidArgumentError(`expected a ${what}.`);
    return raw;
  };
}

export function natsUrlArg(raw: string): string {
  for (const part of raw.split(",")) {
    const url = part.trim();
    if (!/^(nats|tls|ws|wss):\/\/[^\s/]+(:\d{1,5})?\/?$/.test(url) && !/^[^\s:/]+(:\d{1,5})?$/.test(url)) {
      throw new InvalidArgumentError("expected a NATS URL like nats://127.0.0.1:4222 (comma-separated for several).");
    }
  }
  return raw;
}

export const collect = (value: string, previous: string[]): string[] => [...previous, value];
