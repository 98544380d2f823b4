/**
 * The `ovl` command tree (commander). Each action loads its command module on demand, so
 * `ovl --help` loads only commander, and `ovl ps` never loads better-sqlite3, dockerode or
 * ink. Flags of a known shape (numbers, URLs) are checked here; names, images, ports and
 * CIDRs by the domain's parsers in the command modules, before anything is sent.
 */
import { Command, Option } from "commander";
import { versionLine } from "@ovl/domain/build"; // alone: `ovl --version` loads no schema
import * as defaults from "@ovl/domain/defaults";
import { onLabBroker } from "@ovl/domain/url-host"; // alone, like defaults: read before every command
import { collect, intIn, natsUrlArg, nonEmpty, secondsIn } from "./args.js";
import type { GlobalOptions } from "./context.js";
import type { RunOptions } from "./commands/run.js";
import { addRunFlags } from "./run-flags.js";

/** A command module's entry: the global options, then commander's arguments and options. */
type Action = (g: GlobalOptions, ...args: any[]) => Promise<number>;

/** Where the action that ran leaves its exit code (commander's own actions leave 0). */
export interface Outcome {
  code: number;
}

/** An action handler that loads its module only when its command runs. */
function lazy(outcome: Outcome, load: () => Promise<Action>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const action = await load();
    outcome.code = await action(cmd.optsWithGlobals<GlobalOptions>(), ...args.slice(0, -1));
  };
}

/** The credential and TLS flags, handed to connectNats (and to child processes) as its variables. */
function connectionEnv(o: { creds?: string; tlsCa?: string; tlsCert?: string; tlsKey?: string }): void {
  if (o.creds) process.env.OVL_NATS_CREDS = o.creds;
  if (o.tlsCa) process.env.OVL_NATS_CA = o.tlsCa;
  if (o.tlsCert) process.env.OVL_NATS_CERT = o.tlsCert;
  if (o.tlsKey) process.env.OVL_NATS_KEY = o.tlsKey;
}

/** A command aimed at the lab's locked brokers without credentials uses the lab's operator identity. */
async function labIdentity(g: GlobalOptions): Promise<void> {
  const { resolveNatsUrl } = await import("./context.js");
  let url: string;
  try {
    url = resolveNatsUrl(g);
  } catch {
    return; // the command that connects reports a malformed URL itself
  }
  if (process.env.OVL_NATS_CREDS || !onLabBroker(url)) return;
  Object.assign(process.env, (await import("@ovl/lab")).labClientEnv(url));
}

type Act = (load: () => Promise<Action>) => (...args: unknown[]) => Promise<void>;

export function buildProgram(outcome: Outcome = { code: 0 }): Command {
  const program = new Command("ovl")
    .description("ovl: an overlay network for Docker containers across the machines of one LAN")
    .version(versionLine(), "-V, --version", "print the version and the commit this ovl was built from")
    .addOption(new Option("--nats <url>", `NATS server URL (default: $OVL_NATS_URL or ${defaults.DEFAULT_NATS_URL})`).argParser(natsUrlArg))
    .addOption(new Option("--request-timeout <sec>", "how long a request to the coordinators may take").argParser(secondsIn(0.1, 600)).default(10))
    .addOption(new Option("--creds <file>", "NATS identity file from `ovl broker init` (default: $OVL_NATS_CREDS)").argParser(nonEmpty("file")))
    .addOption(new Option("--tls-ca <file>", "CA that signed the NATS servers' certificates: use TLS (default: $OVL_NATS_CA)").argParser(nonEmpty("file")))
    .addOption(new Option("--tls-cert <file>", "client certificate, when the servers verify clients (default: $OVL_NATS_CERT)").argParser(nonEmpty("file")))
    .addOption(new Option("--tls-key <file>", "key of the client certificate (default: $OVL_NATS_KEY)").argParser(nonEmpty("file")))
    .showSuggestionAfterError(true)
    .exitOverride();
  // Every command connects through connectNats, which reads these from the environment.
  program.hook("preAction", async (_root, action) => {
    connectionEnv(action.optsWithGlobals());
    await labIdentity(action.optsWithGlobals());
  });
  const act: Act = (load) => lazy(outcome, load);
  addServiceCommands(program, act);
  addContainerCommands(program, act);
  addViewCommands(program, act);
  addLabCommands(program, act);
  return program;
}

function addServiceCommands(program: Command, act: Act): void {
  const broker = program.command("broker").description("the NATS broker: start, streams, identities, TLS, backup");
  addBrokerCommands(broker, act);
  program
    .command("coordinator")
    .description("serve commands and queries, decide and append events (until SIGTERM/SIGINT)")
    .option("--db <path>", "SQLite projection file (default: $OVL_DATA_DIR/coordinator.db or ./.ovl/coordinator.db)", nonEmpty("path"))
    .option("--cidr <cidr>", `cluster network, fixed at creation (default ${defaults.DEFAULT_CLUSTER.cidr})`)
    .option("--block-prefix <n>", `prefix length of each node's block (default ${defaults.DEFAULT_CLUSTER.blockPrefix})`, intIn(8, 30))
    .option("--vni <n>", `VXLAN network identifier (default ${defaults.DEFAULT_CLUSTER.vni})`, intIn(1, 16777215))
    .option("--vxlan-port <n>", `VXLAN UDP port (default ${defaults.DEFAULT_CLUSTER.vxlanPort})`, intIn(1, 65535))
    .option("--mtu <n>", "overlay MTU, fixed at creation (default: the first node's LAN MTU minus 50, e.g. 1450; in a direct cluster, all of it)", intIn(defaults.MIN_CLUSTER_MTU, defaults.MAX_CLUSTER_MTU))
    .addOption(new Option("--mode <mode>", "routing between nodes, fixed at creation: auto (default: direct within this LAN subnet, VXLAN beyond), direct (one LAN subnet, no encapsulation) or vxlan (every peer encapsulated)").choices(["vxlan", "direct", "auto"]))
    .option("--lost-after <sec>", `a ready node silent this long is recorded lost (default ${defaults.DEFAULT_LOST_AFTER_MS / 1000}; 0: never)`, secondsIn(0, 86400))
    .action(act(async () => (await import("./commands/coordinator.js")).coordinatorCommand));
  program
    .command("agent")
    .description("run the node agent of this machine (until SIGTERM/SIGINT, or until the node leaves)")
    .requiredOption("--node <name>", "this node's name")
    .option("--ip <addr>", "this node's LAN address (default: the address toward the NATS server)")
    .option("--iface <if>", "this node's LAN interface")
    .option("--state-dir <dir>", "agent state (default: $OVL_DATA_DIR/agent-<node> or ./.ovl/agent-<node>)", nonEmpty("directory"))
    .option("--simulate", "SIMULATED node: record the desired state, touch no kernel and no Docker")
    .option("--no-fast-path", "keep cross-node packets on the bridge (and in iptables FORWARD / DOCKER-USER) instead of the tc redirects past it")
    .option("--dns-upstream <ip[:port]>", "where names outside the cluster go (repeatable; default: the nameservers of /etc/resolv.conf)", collect, [])
    .option("--docker-plugin <socket>", "where to serve the Docker network plugin ovl (default $OVL_DOCKER_PLUGIN or /run/docker/plugins/ovl.sock)", nonEmpty("socket path"))
    .option("--no-docker-plugin", "serve no Docker network plugin (no `docker run --network ovl` on this node)")
    .action(act(async () => (await import("./commands/agent.js")).agentCommand));
}

const STORE_HELP = `broker directory: store, config, identities, TLS (default: ${defaults.DEFAULT_BROKER_DIR})`;

function addBrokerCommands(broker: Command, act: Act): void {
  const load = (name: string) => act(async () => (await import("./commands/broker.js"))[name as "brokerStartCommand"]);
  broker
    .command("start")
    .description("run a local nats-server with JetStream (or a cluster of them) in the foreground (Ctrl-C stops it)")
    .option("--host <addr>", "address to listen on", defaults.DEFAULT_BROKER_HOST)
    .option("--port <n>", "port to listen on (server i of a cluster: port + i - 1)", intIn(1, 65535), defaults.DEFAULT_BROKER_PORT)
    .option("--store <dir>", STORE_HELP, nonEmpty("directory"))
    .option("--cluster-size <n>", "servers to start: 1, 3 or 5 (routed to each other)", intIn(1, 5), 1)
    .option("--route-port <n>", "route port (server 1's with --cluster-size)", intIn(1, 65535), defaults.DEFAULT_ROUTE_PORT)
    .option("--cluster-name <name>", "join a cluster across machines: the same name on every server", nonEmpty("name"))
    .option("--routes <urls>", "the cluster's servers, comma-separated: nats://A:6222,nats://B:6222,...", nonEmpty("route list"))
    .option("--server-name <name>", "this server's name, unique in the cluster (default: ovl-<host>)", nonEmpty("name"))
    .option("--insecure", "listen beyond loopback without identities and TLS (warned at every start)")
    .action(load("brokerStartCommand"));
  broker
    .command("setup")
    .description("create or update the streams OVL_EVENTS and OVL_HEARTBEATS")
    .option("--replicas <n>", "copies of each message (3 for a 3-server cluster)", intIn(1, 5), 1)
    .action(load("brokerSetupCommand"));
  broker
    .command("init")
    .description("create the identities (admin, coordinator, operator, viewer, one agent per --node); turns authentication on")
    .option("--store <dir>", STORE_HELP, nonEmpty("directory"))
    .option("--node <name>", "an agent identity for this node (repeatable)", collect, [])
    .action(load("brokerInitCommand"));
  broker
    .command("users")
    .description("list, add or remove identities; running servers reload without dropping anyone")
    .argument("<action>", "list | add <role> | rm <user>")
    .argument("[arg]", "the role to add (admin, coordinator, agent, operator, viewer) or the user to remove")
    .argument("[name]", "with add: the node of an agent, the name of a further coordinator, operator or viewer")
    .option("--store <dir>", STORE_HELP, nonEmpty("directory"))
    .option("--node <name>", "the node of an agent identity")
    .option("--name <name>", "a further coordinator, operator or viewer: <role>-<name>")
    .action(load("brokerUsersCommand"));
  broker
    .command("tls")
    .description("make a CA and the server (and client) certificates with openssl; servers then require TLS")
    .option("--store <dir>", STORE_HELP, nonEmpty("directory"))
    .option("--ip <addr>", "an address clients or peers dial the servers at (repeatable; 127.0.0.1 is always in)", collect, [])
    .option("--dns <name>", "a host name the servers are dialled at (repeatable)", collect, [])
    .option("--client <name>", "make a client certificate (repeatable)", collect, [])
    .option("--verify", "servers require a client certificate from every client")
    .action(load("brokerTlsCommand"));
  broker
    .command("backup")
    .description("save the history (OVL_EVENTS: every message with sequence, subject, headers, data) as NDJSON")
    .argument("<file>")
    .action(load("brokerBackupCommand"));
  broker
    .command("restore")
    .description("bring a backup back into an EMPTY OVL_EVENTS with the same sequences")
    .argument("<file>")
    .option("--replicas <n>", "replicas of the streams when restore creates them", intIn(1, 5), 1)
    .action(load("brokerRestoreCommand"));
}

function addContainerCommands(program: Command, act: Act): void {
  addRunFlags(program
    .command("run")
    .description("start a container on a node (the node with the most free addresses unless --node)")
    .argument("<name>", "container name")
    .argument("[cmd...]", "command and arguments, after --")
    .requiredOption("--image <image>", "Docker image (pulled when missing)")
    .option("--node <name>", "node to place it on")
    .option("-p, --publish <spec>", "publish a port: [HOST_IP:]HOST:CTR[/udp] (repeatable)", collect, [])
    .option("--alias <name>", "another name the container answers to in the cluster's DNS, like its name (repeatable)", collect, [])
    .option("--network <name>", "a network to attach it to, one interface each, the first one's address being its own (repeatable; default ovl)", collect, [])
    .option("-d, --detach", "return once placed; do not wait for the agent")
    .option("--timeout <sec>", "how long to wait for the agent's verdict", secondsIn(1, 3600), 60))
    .action(act(async () => {
      const { runCommand } = await import("./commands/run.js");
      return (g: GlobalOptions, name: string, cmd: string[], opts: RunOptions) => runCommand(g, name, opts, cmd);
    }));
  program.command("rm").description("remove a container").argument("<name>").action(act(async () => (await import("./commands/change.js")).rmCommand));
  program
    .command("leave")
    .description("make a node leave: its containers are removed and its network set-up torn down")
    .argument("<node>")
    .action(act(async () => (await import("./commands/change.js")).leaveCommand));
  program
    .command("release")
    .description("release a lost node's block and addresses (its agent is gone for good)")
    .argument("<node>")
    .action(act(async () => (await import("./commands/change.js")).releaseCommand));
}

function addContainerIoCommands(program: Command, act: Act): void {
  program.command("logs").description("a container's logs, from its node's agent").argument("<name>")
    .option("-f, --follow", "keep streaming until Ctrl-C").option("--tail <n>", "only the last N lines", intIn(0, 10_000_000))
    .action(act(async () => (await import("./commands/container-io.js")).logsCommand));
  program.command("exec").description("run a command in a container, through its node's agent (operator only)").argument("<name>").argument("<cmd...>", "command, after --")
    .option("-i, --interactive", "send standard input").option("-t, --tty", "a terminal (raw mode), e.g. ovl exec -it db -- sh")
    .action(act(async () => (await import("./commands/container-io.js")).execCommand));
  program.command("inspect").description("Docker's view of a container from its node's agent, with its own events from the history").argument("<name>")
    .option("--json", "print {name, node, docker: Docker's whole inspect, events: [{seq, subject, type, v, time, data, req?}]}")
    .action(act(async () => (await import("./commands/container-io.js")).inspectCommand));
}

function addNetworkCommands(program: Command, act: Act): void {
  const network = program.command("network").description("networks beside the cluster's own ovl: each its own VNI, range and blocks");
  const load = (name: "networkCreateCommand" | "networkLsCommand" | "networkRmCommand") => act(async () => (await import("./commands/network.js"))[name]);
  network
    .command("create")
    .description("make a network (refused when its range overlaps another's)")
    .argument("<name>")
    .option("--cidr <cidr>", "its address range (default: a free range at the top of the cluster network)")
    .option("--internal", "no way out of the cluster and no published port")
    .action(load("networkCreateCommand"));
  network.command("ls").description("list the networks, ovl first").option("--json", "print a JSON array of rows").action(load("networkLsCommand"));
  network.command("rm").description("remove a network no container is on").argument("<name>").action(load("networkRmCommand"));
}

function addViewCommands(program: Command, act: Act): void {
  addContainerIoCommands(program, act);
  addNetworkCommands(program, act);
  program
    .command("ps")
    .description("list containers")
    .option("--node <node>", "only the containers of this node")
    .option("--state <state>", "only containers in this state: pending, running, failed, exited or lost")
    .option("--network <name>", "only containers on this network (see `ovl network ls`)")
    .option("--json", "print a JSON array of rows")
    .option("--at <seq|time>", "as the cluster was right after event SEQ, or at TIME (ISO, UTC without a zone) or that long ago (10m, 2h, 3d)")
    .action(act(async () => (await import("./commands/listings.js")).psCommand));
  program
    .command("nodes")
    .description("list nodes with CPU, free memory and heartbeat age")
    .option("--all", "include nodes that left")
    .option("--json", "print a JSON array of rows")
    .option("--at <seq|time>", "as the cluster was right after event SEQ, or at TIME or that long ago (no metrics)")
    .action(act(async () => (await import("./commands/listings.js")).nodesCommand));
  program
    .command("events")
    .description("show the event history (seq, time, type, subject, summary)")
    .option("-f, --follow", "keep following new events")
    .option("--since <seq>", "first stream sequence to show", intIn(1, Number.MAX_SAFE_INTEGER), 1)
    .option("--type <type>", "only events of this type (repeatable, or comma-separated: NodeJoined,ContainerFailed)", collect, [])
    .option("--node <name>", "only events about this node and its containers")
    .option("--container <name>", "only events about this container")
    .option("--json", "one JSON object per line (NDJSON)")
    .action(act(async () => (await import("./commands/events.js")).eventsCommand));
  program
    .command("diff")
    .description("what changed between two points of the history: nodes and containers added, removed, changed")
    .argument("<a>", "a sequence (42), an ISO time (2026-01-02T03:04:05Z) or a time ago (10m)")
    .argument("<b>", "the same forms; B may be before A")
    .option("--json", "print the difference as JSON")
    .action(act(async () => (await import("./commands/diff.js")).diffCommand));
  program
    .command("status")
    .description("the cluster at a glance: each node's applied sequence and lag, the coordinators, the broker, convergence")
    .option("--json", "print the status as JSON")
    .action(act(async () => (await import("./commands/status.js")).statusCommand));
  program
    .command("check")
    .description("probe the overlay between every pair of nodes (ICMP, UDP, TCP, the cluster MTU unfragmented); exit 1 if any failed")
    .option("--containers", "also every container pair from inside their namespaces (a sample past 16 containers) and each published TCP port from another node")
    .option("--json", "one JSON row per direction (kind node), container pair (kind container) and published port (kind port)")
    .action(act(async () => (await import("./commands/check.js")).checkCommand));
  program.command("tui").description("open the terminal UI").action(act(async () => (await import("./commands/tui.js")).tuiCommand));
}

function addLabCommands(program: Command, act: Act): void {
  program
    .command("up")
    .description("bring a local lab cluster up (network namespaces, dockerd per node, control plane); needs root")
    .option("--nodes <n>", "number of nodes", intIn(1, 20), defaults.DEFAULT_LAB_NODES)
    .option("--brokers <n>", "NATS servers: 1, or a cluster of 3 or 5 with streams replicated 3 times", intIn(1, 5), 1)
    .option("--lan-mtu <bytes>", "MTU of the lab LAN (9000: jumbo frames); the overlay gets 50 bytes less (all of it with --mode direct)", intIn(1330, 9000), defaults.DEFAULT_LAB_LAN_MTU)
    .addOption(new Option("--mode <mode>", "the lab cluster's routing between nodes, fixed at creation: auto (default: direct within this LAN subnet, VXLAN beyond), direct (one LAN subnet, no encapsulation) or vxlan (every peer encapsulated)").choices(["vxlan", "direct", "auto"]))
    .option("--routed-nodes <n>", "put the last n nodes on a second LAN subnet (198.18.1.0/24) behind a router namespace: auto reaches them through VXLAN, direct refuses them", intIn(0, 19), 0)
    .option("--dir <dir>", `lab directory (default: ${defaults.DEFAULT_LAB_DIR})`, nonEmpty("directory"))
    .option("--no-tui", "print the nodes instead of opening the TUI")
    .action(act(async () => (await import("./commands/lab.js")).upCommand));
  program
    .command("down")
    .description("tear the local lab cluster down, leaving the machine as before")
    .option("--dir <dir>", `lab directory (default: ${defaults.DEFAULT_LAB_DIR})`, nonEmpty("directory"))
    .action(act(async () => (await import("./commands/lab.js")).downCommand));
}
