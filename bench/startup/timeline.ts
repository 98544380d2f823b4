/**
 * `npx tsx bench/startup/timeline.ts [--samples N]`: where the time of one `ovl run` goes,
 * until the container answers a ping from another node. On a fresh 2-node lab (brought up
 * and down here; it waits for someone else's lab to go), with a probe container on n1
 * pinging (every 10 ms) the address the next container on n2 gets, each sample spawns
 * `ovl run --node n2` and collects, in ms from the spawn:
 * - what a plain NATS subscription sees: the request on ovl.cmd.run, ContainerStarted,
 *   the agent's report, ContainerRunning;
 * - the agents' own log lines of n2 and n1 (ISO timestamps, ms) inside the sample's window:
 *   docker create/start, wired, report, dataplane steps of the peer;
 * - the first ping reply and the CLI's exit.
 * Then `docker run -d --network none` on n2 (the floor) the same number of times, interleaved.
 * A figure, never pass/fail.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnvelope, subjects } from "@ovl/domain";
import { tryRun } from "@ovl/lab";
import { dockerArgv, docker } from "../net/docker.js";
import { withLab } from "../net/lab.js";
import { connectClient, nextIp, ovlContainer, ovlRmArgv, ovlRunArgv, waitNodesReady } from "../net/ovl.js";
import { inPidNet } from "../net/probes.js";
import { prepareProbe } from "../net/start.js";
import { startChild, stopAll, timeCommand } from "../lib/proc.js";
import { epochMs, summarize } from "../lib/stats.js";

const samples = Number(process.argv[process.argv.indexOf("--samples") + 1] ?? 5) || 5;
const log = (l: string): void => void process.stderr.write(`${l}\n`);

/** Agent log lines (ISO timestamp first) between from and to, as [ms from t0, text]. */
function logLines(file: string, t0: number, to: number): [number, string][] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((l): [number, string][] => {
    const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (.*)$/.exec(l);
    if (!m) return [];
    const at = Date.parse(m[1]!);
    return at >= t0 - 1 && at <= to ? [[at - t0, m[2]!]] : [];
  });
}

async function main(): Promise<void> {
  await withLab(2, true, log, async (lab) => {
    const [n1, n2] = lab.nodes as [typeof lab.nodes[0], typeof lab.nodes[0]];
    const client = await connectClient(lab);
    const seen: [number, string][] = [];
    const subs = ["ovl.cmd.run", subjects.containerEventSubject("n2", ">"), "ovl.rpt.n2.container"].map((s) => client.nc.subscribe(s, {
      callback: (_e, m) => {
        let what = m.subject;
        try {
          if (subjects.isEventSubject(m.subject)) what = `event ${parseEnvelope(m.data).type}`;
        } catch { /* keep the subject */ }
        seen.push([epochMs(), `nats: ${what}`]);
      },
    }));
    const ovl: number[] = [], cli: number[] = [], floor: number[] = [];
    try {
      await waitNodesReady(client, ["n1", "n2"], 60_000);
      const p = await ovlContainer(client, n1, "tl-probe", lab.image);
      const probe = inPidNet("probe on n1", p.pid, p.ip);
      await prepareProbe(probe);
      for (let k = 0; k < samples; k++) {
        const name = `tl-${k}`;
        const ip = await nextIp(client, "n2");
        await tryRun([...probe.enter, "ip", "neigh", "flush", "all"]);
        const pinger = startChild([...probe.enter, "busybox", "ping", "-i", "0.01", "-w", "30", ip]);
        await new Promise((r) => setTimeout(r, 150));
        seen.length = 0;
        const t0 = epochMs();
        const cmd = timeCommand(ovlRunArgv(lab, name, "n2"), 30_000);
        const reply = await pinger.waitLine(/bytes from/, 30_000);
        const { ms: cmdMs } = await cmd;
        await pinger.stop();
        const end = t0 + cmdMs + 50;
        const lines: [number, string][] = [
          ...seen.map(([at, w]): [number, string] => [at - t0, w]),
          ...logLines(join(lab.dir, "logs", "agent-n2.log"), t0, end).map(([at, w]): [number, string] => [at, `n2: ${w}`]),
          ...logLines(join(lab.dir, "logs", "agent-n1.log"), t0, end).map(([at, w]): [number, string] => [at, `n1: ${w}`]),
          [reply.at - t0, "first ping reply on n1"],
          [cmdMs, "ovl run exited"],
        ];
        lines.sort((a, b) => a[0] - b[0]);
        log(`--- sample ${k}: ${name} ${ip}`);
        for (const [at, w] of lines) log(`${at.toFixed(0).padStart(6)} ms  ${w}`);
        ovl.push(reply.at - t0), cli.push(cmdMs);
        await timeCommand(ovlRmArgv(lab, name), 30_000);
        const fname = `tl-none-${k}`;
        const f = await timeCommand(dockerArgv(n2, "run", "-d", "--network", "none", "--name", fname, lab.image), 30_000);
        floor.push(f.ms);
        await docker(n2, "rm", "-f", fname);
      }
    } finally {
      subs.forEach((s) => s.unsubscribe());
      await client.close();
      await stopAll();
    }
    const med = (xs: number[]) => summarize(xs).median.toFixed(0);
    log(`start-to-ping ovl median ${med(ovl)} ms [${ovl.map((x) => x.toFixed(0)).join(" ")}]; ovl run exits ${med(cli)} ms; floor (docker run --network none) ${med(floor)} ms [${floor.map((x) => x.toFixed(0)).join(" ")}]`);
  });
}

main().catch((err) => {
  log(`timeline failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
});
