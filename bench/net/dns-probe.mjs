// Runs inside a container's network namespace (nsenter --net): for each line "a NAME",
// "nx NAME" or "gone NAME" on stdin, asks RESOLVER every INTERVAL ms until NAME answers an
// address (a), NXDOMAIN (nx) or any answer without an address (gone: Docker's embedded DNS
// answers an unknown name with an empty NOERROR when the container sets ndots), then prints
// "KIND NAME EPOCH_MS" (the time the answer arrived). After nx or gone it keeps asking for
// WATCH ms and prints "stale NAME COUNT ASKED": how many answers still gave an address
// after the resolver had already answered that the name is gone.
// Usage: dns-probe.mjs RESOLVER [INTERVAL_MS=2] [WATCH_MS=500]
import { createSocket } from "node:dgram";
import { createInterface } from "node:readline";
import dnsPacket from "dns-packet";

const resolver = process.argv[2];
const interval = Number(process.argv[3] ?? 2);
const watchMs = Number(process.argv[4] ?? 500);
const sock = createSocket("udp4");
let want = null;
let watch = null;
let id = 0;

const hasAddress = (r) => (r.answers ?? []).some((a) => a.type === "A");
const now = () => performance.timeOrigin + performance.now();

sock.on("message", (msg) => {
  let r;
  try {
    r = dnsPacket.decode(msg);
  } catch {
    return;
  }
  const name = r.questions?.[0]?.name;
  if (watch && name === watch.name) {
    watch.answered++;
    if (hasAddress(r)) watch.stale++;
    return;
  }
  if (!want || name !== want.name) return;
  const ok = want.kind === "a" ? hasAddress(r) : want.kind === "nx" ? r.rcode === "NXDOMAIN" : !hasAddress(r);
  if (!ok) return;
  const done = want;
  want = null;
  clearInterval(done.timer);
  process.stdout.write(`${done.kind} ${done.name} ${now()}\n`);
  if (done.kind !== "a") startWatch(done.name);
});

function send(name) {
  id = (id % 65535) + 1;
  sock.send(dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", class: "IN", name }] }), 53, resolver);
}

function startWatch(name) {
  const w = { name, stale: 0, answered: 0, timer: setInterval(() => send(name), interval) };
  watch = w;
  setTimeout(() => {
    clearInterval(w.timer);
    // Late answers to the last queries are still counted for a moment.
    setTimeout(() => {
      if (watch === w) watch = null;
      process.stdout.write(`stale ${name} ${w.stale} ${w.answered}\n`);
    }, 50);
  }, watchMs);
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const [kind, name] = line.trim().split(" ");
  if (!["a", "nx", "gone"].includes(kind) || !name) return;
  if (want) clearInterval(want.timer);
  want = { kind, name, timer: setInterval(() => send(name), interval) };
  send(name);
});
process.stdout.write("ready\n");
