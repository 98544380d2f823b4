// Runs inside a container's network namespace (nsenter --net): for each line "a NAME" or
// "nx NAME" on stdin, asks the node's gateway every 2 ms until NAME answers an address (a)
// or NXDOMAIN (nx), then prints "KIND NAME EPOCH_MS" (the time the answer arrived).
import { createSocket } from "node:dgram";
import { createInterface } from "node:readline";
import dnsPacket from "dns-packet";

const gateway = process.argv[2];
const sock = createSocket("udp4");
let want = null;
let id = 0;

sock.on("message", (msg) => {
  if (!want) return;
  let r;
  try {
    r = dnsPacket.decode(msg);
  } catch {
    return;
  }
  if (r.questions?.[0]?.name !== want.name) return;
  const ok = want.kind === "a" ? (r.answers ?? []).some((a) => a.type === "A") : r.rcode === "NXDOMAIN";
  if (!ok) return;
  const done = want;
  want = null;
  clearInterval(done.timer);
  process.stdout.write(`${done.kind} ${done.name} ${performance.timeOrigin + performance.now()}\n`);
});

function ask() {
  if (!want) return;
  id = (id % 65535) + 1;
  sock.send(dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", class: "IN", name: want.name }] }), 53, gateway);
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const [kind, name] = line.trim().split(" ");
  if ((kind !== "a" && kind !== "nx") || !name) return;
  if (want) clearInterval(want.timer);
  want = { kind, name, timer: setInterval(ask, 2) };
  ask();
});
process.stdout.write("ready\n");
