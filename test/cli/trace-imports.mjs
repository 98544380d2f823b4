// Loaded with `node --import`: records every module URL resolved (ESM and, through the
// CJS loader's require, CJS) and writes the list to $OVL_TRACE_FILE at exit.
import { register } from "node:module";
import Module from "node:module";
import { appendFileSync } from "node:fs";

const file = process.env.OVL_TRACE_FILE;
const { port1, port2 } = new MessageChannel();
port1.on("message", (url) => appendFileSync(file, `${url}\n`));
port1.unref();
register(
  "data:text/javascript," +
    encodeURIComponent(`let port; export function initialize(d) { port = d.port; }
export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }`),
  { data: { port: port2 }, transferList: [port2] },
);
const load = Module._load;
Module._load = function (request, ...rest) {
  appendFileSync(file, `cjs:${request}\n`);
  return load.call(this, request, ...rest);
};
