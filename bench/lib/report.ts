/**
 * The report: report.json (everything, raw samples included) and report.md (tables, the
 * targets, the closing note of ratios), written beside chart.svg.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Machine } from "./machine.js";
import type { Row, Section } from "./report-types.js";
import { chartSvg } from "./chart.js";
import { describePaired } from "./paired.js";

export interface Report {
  readonly title: string;
  readonly startedAt: string;
  readonly durationS: number;
  readonly command: string;
  readonly quick: boolean;
  readonly machine: Machine;
  readonly sections: readonly Section[];
  /** Findings written by the benchmark from its own diagnostics. */
  readonly findings: readonly string[];
}

const f = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? "–" : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const r = (v: number | null): string => (v === null ? "–" : `${v.toFixed(2)}x`);

function rowMd(row: Row): string[] {
  const extras = [...new Set(row.variants.flatMap((v) => Object.keys(v.extra ?? {})))];
  const head = ["", `median ${row.unit}`, "min", "max", "p99", "n", ...extras];
  const lines = [`#### ${row.title}`, "", `| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const v of row.variants) {
    const s = v.summary;
    const cells = [v.name, f(s.median), f(s.min), f(s.max), f(s.p99), String(s.n), ...extras.map((k) => f(v.extra?.[k]))];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  lines.push("");
  const paired = Object.entries(row.paired ?? {});
  if (paired.length) {
    lines.push(`Median of the per-round ratios [95% interval, bootstrap over rounds]: ${paired.map(([k, p]) => `${k} ${describePaired(p)} (${p.rounds} rounds)`).join("; ")}.`, "");
  }
  const ratios = Object.entries(row.ratios).map(([k, v]) => `${k} ${r(v)}`).join(", ");
  if (ratios) lines.push(`${paired.length ? "Ratios of the pooled medians, for reference" : "Ratios of medians"}: ${ratios}.`, "");
  if (row.busy) lines.push(`WARNING: ${row.busy}; the row is kept.`, "");
  if (row.target) lines.push(`Target: ${row.target.text}: **${row.target.met === null ? "not measured" : row.target.met ? "met" : "NOT met"}**.`, "");
  if (row.note) lines.push(row.note, "");
  return lines;
}

function sectionMd(s: Section): string[] {
  return [
    `## ${s.title}`, "",
    ...(s.method ? [s.method, ""] : []),
    ...s.rows.flatMap(rowMd),
    ...(s.notes.length ? ["Notes:", "", ...s.notes.map((n) => `- ${n}`), ""] : []),
    ...(s.errors.length ? ["Errors met during the run (samples missing from the figures above):", "", ...s.errors.map((e) => `- ${e}`), ""] : []),
  ];
}

/** A ratio cell: the paired headline when the row has one, else the ratio of medians. */
function ratioCell(row: Row, key: string): string {
  const find = <T>(rec: Record<string, T> | undefined) => Object.entries(rec ?? {}).find(([n]) => n.toLowerCase() === key.toLowerCase())?.[1];
  const p = find(row.paired);
  if (p) return describePaired(p);
  return r(find(row.ratios) ?? null);
}

/** ovl's variants of a row: "ovl", or its paths "ovl direct" and "ovl VXLAN". */
const isOvl = (name: string): boolean => name === "ovl" || name.startsWith("ovl ");

function closingMd(rows: readonly Row[]): string[] {
  const lines = [
    "## Closing note: ovl against the LAN and Docker Swarm", "",
    "Paired rows: median of the per-round ratios [95% interval]; an interval that contains 1.00 shows no difference.", "",
    "| row | ovl | median | /LAN | /Swarm | other ratios |", "|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    for (const ovl of row.variants.filter((v) => isOvl(v.name))) {
      const mine = Object.keys(row.ratios).filter((k) => k.startsWith(`${ovl.name}/`));
      const other = mine.filter((k) => !/\/(lan|swarm)$/i.test(k)).map((k) => `${k} ${ratioCell(row, k)}`).join(", ");
      lines.push(`| ${row.title}${row.busy ? " (busy)" : ""} | ${ovl.name} | ${f(ovl.summary.median)} ${row.unit} | ${ratioCell(row, `${ovl.name}/LAN`)} | ${ratioCell(row, `${ovl.name}/Swarm`)} | ${other || "–"} |`);
    }
  }
  return [...lines, ""];
}

export function renderMarkdown(rep: Report): string {
  const m = rep.machine;
  const all = rep.sections.flatMap((s) => s.rows);
  return [
    `# ${rep.title}`, "",
    `Measured ${rep.startedAt} in ${(rep.durationS / 60).toFixed(1)} min${rep.quick ? " (QUICK run: fewer rounds and smaller scale)" : ""}, commit ${m.commit}.`, "",
    `Reproduce (as root, on a machine where no lab is up): \`${rep.command}\``, "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB; ${m.os}, kernel ${m.kernel}; ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join("; ")}.`, "",
    "![chart](chart.svg)", "",
    ...closingMd(all),
    ...(rep.findings.length ? ["## Findings", "", ...rep.findings.map((x) => `- ${x}`), ""] : []),
    ...rep.sections.flatMap(sectionMd),
  ].join("\n");
}

export function writeReport(dir: string, rep: Report): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "report.json"), JSON.stringify(rep, null, 1) + "\n");
  writeFileSync(join(dir, "report.md"), renderMarkdown(rep));
  const chartRows = rep.sections.flatMap((s) => s.rows).filter((row) => row.variants.some((v) => isOvl(v.name)) || row.id.startsWith("converge"));
  writeFileSync(join(dir, "chart.svg"), chartSvg(`ovl vs Docker Swarm overlay vs LAN (${rep.machine.cores} cores, ${rep.startedAt.slice(0, 10)})`, chartRows));
}
