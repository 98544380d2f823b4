/** The machine a report was measured on: CPU, cores, memory, kernel, OS and tool versions. */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { readFileSync } from "node:fs";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memGiB: number;
  readonly kernel: string;
  readonly os: string;
  readonly versions: Record<string, string>;
  readonly commit: string;
}

const first = (argv: string[], re = /.*/): string => {
  try {
    const out = execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
    return (re.exec(out)?.[0] ?? out.split("\n")[0] ?? "").trim();
  } catch {
    return "unknown";
  }
};

export function machine(): Machine {
  const os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "unknown";
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: first(["uname", "-r"]),
    os,
    versions: {
      node: process.version,
      "nats-server": first(["nats-server", "--version"]),
      dockerd: first(["dockerd", "--version"]),
      iperf3: first(["iperf3", "--version"]),
      iproute2: first(["ip", "-V"]),
    },
    commit: first(["git", "rev-parse", "--short", "HEAD"]),
  };
}
