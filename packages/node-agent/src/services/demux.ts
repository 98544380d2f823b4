/**
 * Docker's multiplexed stream (logs and exec without a TTY): frames of an 8-byte header
 * (stream 1 stdout, 2 stderr; bytes 4-7 the size, big-endian) and the payload. Chunks may
 * cut anywhere; pure, fed chunk by chunk.
 */
export interface DemuxFrame {
  readonly stream: "out" | "err";
  readonly data: Buffer;
}

export class Demuxer {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): DemuxFrame[] {
    this.buf = this.buf.byteLength === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: DemuxFrame[] = [];
    while (this.buf.byteLength >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.byteLength < 8 + size) break;
      out.push({ stream: this.buf[0] === 2 ? "err" : "out", data: this.buf.subarray(8, 8 + size) });
      this.buf = this.buf.subarray(8 + size);
    }
    return out;
  }
}
