// TCP request/response, one connection, one byte each way, strictly sequential (netperf's
// TCP_RR in miniature). Plain JavaScript so that it starts without a compiler.
//   node rr.mjs server <ip> <port>        (serves one connection, then exits)
//   node rr.mjs client <ip> <port> <count> (prints {"medianMs":..,"p99Ms":..,"count":..})
import { createConnection, createServer } from "node:net";

const [mode, ip, portRaw, countRaw] = process.argv.slice(2);
const port = Number(portRaw);
if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip ?? "") || !(port > 0 && port < 65536)) {
  process.stderr.write("usage: rr.mjs server|client <ipv4> <port> [count]\n");
  process.exit(2);
}

if (mode === "server") {
  const srv = createServer({ noDelay: true }, (sock) => {
    sock.setNoDelay(true);
    sock.on("data", (d) => sock.write(d));
    sock.on("close", () => srv.close());
    sock.on("error", () => srv.close());
  });
  srv.listen(port, ip, () => process.stdout.write("listening\n"));
  setTimeout(() => process.exit(1), 60_000).unref();
} else {
  const count = Math.min(100_000, Math.max(1, Number(countRaw) || 1000));
  const times = [];
  const sock = createConnection({ host: ip, port, noDelay: true }, () => {
    let t0 = process.hrtime.bigint();
    sock.on("data", () => {
      const t1 = process.hrtime.bigint();
      times.push(Number(t1 - t0) / 1e6);
      if (times.length >= count + 10) return finish();
      t0 = process.hrtime.bigint();
      sock.write("x");
    });
    sock.write("x");
  });
  sock.on("error", (e) => (process.stderr.write(`rr: ${e.message}\n`), process.exit(1)));
  setTimeout(() => (process.stderr.write("rr: timed out\n"), process.exit(1)), 25_000).unref();
  function finish() {
    const s = times.slice(10).sort((a, b) => a - b); // the first 10 warm up
    process.stdout.write(JSON.stringify({ medianMs: s[s.length >> 1], p99Ms: s[Math.ceil(0.99 * s.length) - 1], count: s.length }) + "\n");
    sock.end();
    process.exit(0);
  }
}
