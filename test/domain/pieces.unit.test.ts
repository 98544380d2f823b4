/** A reply cut into pieces and joined again: whole, or an error, never a shorter reply. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import {
  MIN_MAX_PAYLOAD,
  OvlError,
  PIECE_HEADERS,
  PieceAssembly,
  cutReply,
  parseMaxPayload,
  parsePieceMeta,
  pieceHeaders,
  pieceSize,
  type Piece,
} from "@ovl/domain";

const digestOf = (d: Uint8Array): string => createHash("sha256").update(d).digest("base64url");
const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) % 251);
const cut = (data: Uint8Array, size: number): Piece[] => cutReply(data, size, digestOf(data));

function joinAll(pieces: readonly Piece[]): Uint8Array {
  const a = new PieceAssembly();
  for (const p of pieces) a.add(p.meta, p.data);
  return a.join(digestOf);
}

function throwsIncomplete(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, OvlError);
    assert.is((err as OvlError).code, "REPLY_INCOMPLETE");
    assert.match((err as Error).message, message);
    return;
  }
  assert.unreachable("expected REPLY_INCOMPLETE");
}

const cutting = suite("cutting a reply");
cutting("pieces of at most the given size, in order, that add up to the whole", () => {
  const data = bytes(10_001);
  const pieces = cut(data, 1000);
  assert.is(pieces.length, 11);
  assert.equal(pieces.map((p) => p.meta.index), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.ok(pieces.every((p) => p.data.byteLength <= 1000 && p.meta.count === 11 && p.meta.bytes === 10_001));
  assert.is(pieces[10]!.data.byteLength, 1);
  assert.equal(joinAll(pieces), data);
});
cutting("a reply of exactly one piece's size is one piece", () => {
  assert.is(cut(bytes(1000), 1000).length, 1);
});
cutting("the piece size leaves room for the headers; a tiny max_payload is refused", () => {
  assert.is(pieceSize(64 * 1024), 64 * 1024 - 1024);
  assert.throws(() => pieceSize(MIN_MAX_PAYLOAD - 1), (e: OvlError) => e.code === "INVALID_INPUT");
  assert.is(parseMaxPayload(undefined), null);
  assert.is(parseMaxPayload("1048576"), 1048576);
  assert.throws(() => parseMaxPayload("1e6"), (e: OvlError) => e.code === "INVALID_INPUT");
  assert.throws(() => parseMaxPayload("100"), (e: OvlError) => e.code === "INVALID_INPUT");
});
cutting("a reply that would take more pieces than allowed is refused before anything is sent", () => {
  assert.throws(() => cut(bytes(20_001), 2), (e: OvlError) => e.code === "UNAVAILABLE" && /narrow it down/.test(e.message));
});

const headers = suite("piece headers");
headers("written and read back", () => {
  const [p] = cut(bytes(3000), 1000);
  const h = new Map(pieceHeaders(p!.meta, "req-12345678"));
  assert.is(h.get(PIECE_HEADERS.piece), "1/3");
  assert.is(h.get(PIECE_HEADERS.requestId), "req-12345678");
  assert.equal(parsePieceMeta((k) => h.get(k)), p!.meta);
});
headers("a message without them is not a piece", () => {
  assert.is(parsePieceMeta(() => undefined), null);
});
headers("malformed or out-of-bounds headers are refused", () => {
  const good = new Map(pieceHeaders(cut(bytes(3000), 1000)[0]!.meta, "r"));
  for (const [k, v] of [[PIECE_HEADERS.piece, "4/3"], [PIECE_HEADERS.piece, "0/3"], [PIECE_HEADERS.piece, "x"], [PIECE_HEADERS.bytes, "-1"], [PIECE_HEADERS.digest, "short"]] as const) {
    const h = new Map(good).set(k, v);
    throwsIncomplete(() => parsePieceMeta((name) => h.get(name)), /piece/);
  }
});

const joining = suite("joining pieces");
joining("out of order pieces join in index order", () => {
  const data = bytes(5000);
  const pieces = cut(data, 1000);
  assert.equal(joinAll([pieces[3]!, pieces[0]!, pieces[4]!, pieces[2]!, pieces[1]!]), data);
});
joining("a missing piece: not complete, and joining says how far it got", () => {
  const pieces = cut(bytes(5000), 1000);
  const a = new PieceAssembly();
  for (const p of [pieces[0]!, pieces[1]!, pieces[3]!]) a.add(p.meta, p.data);
  assert.not.ok(a.complete);
  assert.is(a.received, 3);
  throwsIncomplete(() => a.join(digestOf), /cut after 3 of 5 pieces/);
});
joining("a digest mismatch: bytes changed on the way", () => {
  const pieces = cut(bytes(3000), 1000);
  const bad = Uint8Array.from(pieces[1]!.data);
  bad[0] = bad[0]! ^ 1;
  throwsIncomplete(() => joinAll([pieces[0]!, { meta: pieces[1]!.meta, data: bad }, pieces[2]!]), /digest/);
});
joining("a piece of another reply (another digest) is refused", () => {
  const mine = cut(bytes(3000), 1000);
  const other = cut(bytes(3001).reverse().subarray(0, 3000), 1000);
  const a = new PieceAssembly();
  a.add(mine[0]!.meta, mine[0]!.data);
  throwsIncomplete(() => a.add(other[1]!.meta, other[1]!.data), /another reply/);
});
joining("a piece that comes twice is refused", () => {
  const pieces = cut(bytes(3000), 1000);
  const a = new PieceAssembly();
  a.add(pieces[0]!.meta, pieces[0]!.data);
  throwsIncomplete(() => a.add(pieces[0]!.meta, pieces[0]!.data), /twice/);
});
joining("pieces holding more bytes than announced are refused", () => {
  const pieces = cut(bytes(3000), 1000);
  const a = new PieceAssembly();
  a.add(pieces[0]!.meta, pieces[0]!.data);
  throwsIncomplete(() => a.add(pieces[1]!.meta, bytes(2001)), /more than/);
});
joining("pieces holding fewer bytes than announced are refused", () => {
  const pieces = cut(bytes(3000), 1000);
  throwsIncomplete(() => joinAll([pieces[0]!, { meta: pieces[1]!.meta, data: bytes(10) }, pieces[2]!]), /not the 3000 announced/);
});

cutting.run();
headers.run();
joining.run();
