/**
 * The HTTP side of the plugin: Docker POSTs `/<Call>` with a JSON body on the unix socket
 * and reads JSON back; a failure is a 500 with `{"Err": message}`, which Docker shows as
 * the reason `docker run` or `docker network create` failed.
 */
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { dirname } from "node:path";
import { AgentError, AgentErrorCodes } from "../errors.js";
import { isPluginCall, parsePluginRequest, PLUGIN_MEDIA_TYPE, type PluginCall } from "./protocol.js";

/** Request bodies above this are refused unread (Docker's are a few hundred bytes). */
const MAX_BODY = 1 << 20;

export type PluginHandler = (call: PluginCall, body: never) => Promise<object>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new AgentError(AgentErrorCodes.InvalidInput, `request body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function answer(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "Content-Type": PLUGIN_MEDIA_TYPE });
  res.end(JSON.stringify(body));
}

export interface PluginServer {
  stop(): Promise<void>;
}

/** Serves `handler` on the unix socket `path` (its directory made, a stale socket replaced). */
export async function servePlugin(path: string, handler: PluginHandler, log: (line: string) => void): Promise<PluginServer> {
  const server = createServer((req, res) => {
    const call = (req.url ?? "").replace(/^\//, "");
    void (async () => {
      if (req.method !== "POST" || !isPluginCall(call)) throw new AgentError(AgentErrorCodes.InvalidInput, `unknown plugin call ${req.method} ${req.url}`);
      const body = parsePluginRequest(call, await readBody(req));
      answer(res, 200, await handler(call, body as never));
    })().catch((err: Error) => {
      log(`docker plugin ${call}: ${err.message}`);
      if (!res.headersSent) answer(res, 500, { Err: err.message });
    });
  });
  // Docker keeps its connection to the plugin for the next call; Node's default closes an
  // idle one after 5 s, and a call Docker sent just then was reset and resent with an empty
  // body ("PoolID: Expected required property", a failed `docker run`, seen). The client
  // closes idle connections, never the server.
  server.keepAliveTimeout = 0;
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o660);
  log(`docker plugin: serving ${path}`);
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        rmSync(path, { force: true });
      }),
  };
}
