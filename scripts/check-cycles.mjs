#!/usr/bin/env node
// Import cycles between the files of packages/*/src: reads the relative and @ovl/* imports
// (and re-exports) of every .ts/.tsx file, finds the strongly connected components of that
// graph and prints one cycle of each. Type-only imports count too: a cycle of types is
// still two files that cannot be read apart. Cycles listed in the allow-list file
// (scripts/cycles-allowed.txt: one a line, "a.ts -> b.ts -> a.ts", # comments) are
// reported but do not fail. Exit 1 when another cycle exists, 0 otherwise.
//   node scripts/check-cycles.mjs [--allow FILE]
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const allowFile = args.includes("--allow") ? resolve(args[args.indexOf("--allow") + 1]) : join(root, "scripts", "cycles-allowed.txt");

const rel = (f) => relative(root, f).split("\\").join("/");

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** The module specifiers of import/export ... from "x", import("x") and import "x". */
function specifiers(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const found = [];
  for (const re of [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /\bimport\s+["']([^"']+)["']/g]) {
    for (const m of code.matchAll(re)) found.push(m[1]);
  }
  return found;
}

/** @ovl/<pkg>[/<sub>] through the package's exports map. */
function resolvePackage(spec) {
  const m = /^@ovl\/([a-z-]+)(\/.*)?$/.exec(spec);
  if (!m) return null;
  const pkgDir = join(root, "packages", m[1]);
  const pkgJson = join(pkgDir, "package.json");
  if (!existsSync(pkgJson)) return null;
  const exportsMap = JSON.parse(readFileSync(pkgJson, "utf8")).exports ?? {};
  const target = typeof exportsMap === "string" ? exportsMap : exportsMap[m[2] ? `.${m[2]}` : "."];
  return typeof target === "string" ? join(pkgDir, target) : null;
}

function resolveRelative(from, spec) {
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(m?js|jsx)$/, "");
  for (const c of [base, `${stem}.ts`, `${stem}.tsx`, join(base, "index.ts"), join(base, "index.tsx")]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

function graph() {
  const files = readdirSync(join(root, "packages")).flatMap((p) => {
    const src = join(root, "packages", p, "src");
    return existsSync(src) ? sourceFiles(src) : [];
  });
  const edges = new Map();
  for (const f of files) {
    const to = new Set();
    for (const spec of specifiers(readFileSync(f, "utf8"))) {
      const target = spec.startsWith(".") ? resolveRelative(f, spec) : resolvePackage(spec);
      if (target) to.add(rel(target));
    }
    edges.set(rel(f), [...to].sort());
  }
  return edges;
}

/** Tarjan's strongly connected components with more than one file (or a file importing itself). */
function cyclicComponents(edges) {
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], onStack = new Set(), out = [];
  const visit = (v) => {
    idx.set(v, index), low.set(v, index++), stack.push(v), onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) visit(w), low.set(v, Math.min(low.get(v), low.get(w)));
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do (w = stack.pop()), onStack.delete(w), comp.push(w);
      while (w !== v);
      if (comp.length > 1 || (edges.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** One cycle through a component, from its first file: a breadth-first path back to it. */
function cycleIn(comp, edges) {
  const inComp = new Set(comp);
  const start = comp[0];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of edges.get(v) ?? []) {
      if (!inComp.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) prev.set(w, v), queue.push(w);
    }
  }
  return [start, start];
}

function allowed() {
  if (!existsSync(allowFile)) return [];
  return readFileSync(allowFile, "utf8").split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean)
    .map((l) => [...new Set(l.split("->").map((s) => s.trim()))].sort().join(" "));
}

const edges = graph();
const allow = allowed();
let failed = 0;
for (const comp of cyclicComponents(edges)) {
  const ok = allow.includes(comp.join(" "));
  if (!ok) failed++;
  console.log(`${ok ? "allowed" : "cycle"}: ${cycleIn(comp, edges).join(" -> ")}${comp.length > 2 ? ` (${comp.length} files in all: ${comp.join(", ")})` : ""}`);
}
console.log(failed ? `check-cycles: ${failed} import cycle(s) in packages/` : `check-cycles: no import cycle in packages/ beyond the allow-list (${edges.size} files)`);
process.exit(failed ? 1 : 0);
