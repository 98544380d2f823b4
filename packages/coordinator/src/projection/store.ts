/**
 * The projection: the in-memory ClusterState the coordinator decides from, and its SQLite
 * mirror. `apply` folds one stored event with the shared `applyStored` and buffers the rows
 * it touched; `flush` writes the buffered rows, the requests and `last_seq` in ONE
 * transaction, so the file is always the fold of a prefix of the stream. Events that do
 * not validate are logged and skipped, and still advance `last_seq`.
 */
import { applyStored, emptyState, eventOf, type ClusterState, type ContainerRecord, type Envelope } from "@ovl/domain";
import { openDb, type Db } from "./schema.js";
import { containerToRow, nodeToRow, rowChangesFor, rowToContainer, rowToNode, type ContainerRow, type NodeRow, type RowOp } from "./rows.js";
import { requestRow, type OpenDecision, type RequestRow } from "./replies.js";

export interface Snapshot {
  readonly state: ClusterState;
  readonly seq: number;
}

/** Reads the state and last applied sequence back from the rows. */
export function loadSnapshot(db: Db): Snapshot {
  const seq = Number((db.prepare("SELECT value FROM meta WHERE key = 'last_seq'").get() as { value: string } | undefined)?.value ?? 0);
  const c = db.prepare("SELECT * FROM cluster WHERE id = 1").get() as Record<string, number | string> | undefined;
  const cluster = c ? { cidr: String(c.cidr), blockPrefix: Number(c.block_prefix), vni: Number(c.vni), vxlanPort: Number(c.vxlan_port), mtu: Number(c.mtu) } : null;
  const byNode = new Map<string, Record<string, ContainerRecord>>();
  for (const row of db.prepare("SELECT * FROM containers").iterate() as Iterable<ContainerRow>) {
    const map = byNode.get(row.node) ?? {};
    map[row.name] = rowToContainer(row);
    byNode.set(row.node, map);
  }
  const nodes: Record<string, ReturnType<typeof rowToNode>> = {};
  for (const row of db.prepare("SELECT * FROM nodes").iterate() as Iterable<NodeRow>) {
    nodes[row.name] = rowToNode(row, byNode.get(row.name) ?? {});
  }
  return { state: cluster === null && Object.keys(nodes).length === 0 ? emptyState : { cluster, nodes }, seq };
}

/** Opens a projection file read-only and returns its state: what a rebuild must reproduce. */
export function loadStateFromDb(path: string): Snapshot {
  const db = openDb(path, { readonly: true });
  try {
    return loadSnapshot(db);
  } finally {
    db.close();
  }
}

export interface StoredRequest {
  readonly seq: number;
  readonly reply: unknown;
  readonly open: OpenDecision | null;
}

export class Projection {
  #state: ClusterState;
  #seq: number;
  #flushedSeq: number;
  #ops: RowOp[] = [];
  #requests: RequestRow[] = [];
  readonly #write: (ops: RowOp[], requests: RequestRow[], seq: number) => void;
  readonly #getRequest;
  readonly #openRequests;

  constructor(
    private readonly db: Db,
    private readonly log: (line: string) => void = () => {},
  ) {
    ({ state: this.#state, seq: this.#seq } = loadSnapshot(db));
    this.#flushedSeq = this.#seq;
    this.#write = writer(db);
    this.#getRequest = db.prepare("SELECT seq, reply, open FROM requests WHERE id = ?");
    this.#openRequests = db.prepare("SELECT id, seq, open FROM requests WHERE open IS NOT NULL ORDER BY seq");
  }

  static open(path: string, log?: (line: string) => void): Projection {
    return new Projection(openDb(path), log);
  }

  get state(): ClusterState {
    return this.#state;
  }
  /** The last stream sequence applied in memory. */
  get seq(): number {
    return this.#seq;
  }
  get dirty(): boolean {
    return this.#flushedSeq !== this.#seq;
  }

  /**
   * Folds the event stored at `seq`; `env` null for a message that did not validate.
   * `known` is the state after this event as the decider already computed it from this
   * very state (same event, same time): taking it saves folding the event twice.
   */
  apply(seq: number, env: Envelope | null, known?: { before: ClusterState; after: ClusterState }): void {
    if (seq <= this.#seq) return;
    this.#seq = seq;
    if (!env) return;
    const before = this.#state;
    const after = known && known.before === before ? known.after : applyStored(before, env);
    this.#state = after;
    for (const op of rowChangesFor(eventOf(env), before, after)) this.#ops.push(op);
    const req = requestRow(env, seq, after);
    if (req) this.#requests.push(req);
  }

  /** Writes what was applied since the last flush, and the sequence, in one transaction. */
  flush(): void {
    if (!this.dirty) return;
    this.#write(this.#ops, this.#requests, this.#seq);
    this.#ops = [];
    this.#requests = [];
    this.#flushedSeq = this.#seq;
  }

  /** The committed row of a request, if any event of it was applied and flushed. */
  request(id: string): StoredRequest | undefined {
    const row = this.#getRequest.get(id) as { seq: number; reply: string | null; open: string | null } | undefined;
    if (!row) return undefined;
    return { seq: row.seq, reply: row.reply === null ? null : JSON.parse(row.reply), open: row.open === null ? null : JSON.parse(row.open) };
  }

  /** Decisions cut between their events, oldest first. */
  openDecisions(): { id: string; seq: number; open: OpenDecision }[] {
    return (this.#openRequests.all() as { id: string; seq: number; open: string }[]).map((r) => ({ ...r, open: JSON.parse(r.open) as OpenDecision }));
  }

  close(): void {
    try {
      this.flush();
    } catch (err) {
      this.log(`projection: final flush failed: ${(err as Error).message}`);
    }
    this.db.close();
  }
}

function writer(db: Db): (ops: RowOp[], requests: RequestRow[], seq: number) => void {
  const cluster = db.prepare("INSERT OR REPLACE INTO cluster (id, cidr, block_prefix, vni, vxlan_port, mtu) VALUES (1, @cidr, @blockPrefix, @vni, @vxlanPort, @mtu)");
  const node = db.prepare(
    "INSERT OR REPLACE INTO nodes VALUES (@name, @underlay_ip, @agent_version, @status, @subnet, @gateway, @since, @reason, @has_last_seen, @last_seen)",
  );
  const ctr = db.prepare(
    "INSERT OR REPLACE INTO containers VALUES (@node, @name, @ip, @mac, @image, @cmd, @ports, @state, @reason, @exit_code, @since)",
  );
  const ctrDel = db.prepare("DELETE FROM containers WHERE node = ? AND name = ?");
  const request = db.prepare("INSERT OR REPLACE INTO requests (id, seq, reply, open) VALUES (?, ?, ?, ?)");
  const lastSeq = db.prepare("UPDATE meta SET value = ? WHERE key = 'last_seq'");
  return db.transaction((ops: RowOp[], requests: RequestRow[], seq: number) => {
    for (const op of ops) {
      if (op.op === "cluster") cluster.run(op.cfg);
      else if (op.op === "node") node.run(nodeToRow(op.rec));
      else if (op.op === "ctr") ctr.run(containerToRow(op.rec));
      else ctrDel.run(op.node, op.name);
    }
    for (const r of requests) request.run(r.id, r.seq, r.reply === null ? null : JSON.stringify(r.reply), r.open === null ? null : JSON.stringify(r.open));
    lastSeq.run(String(seq));
  });
}
