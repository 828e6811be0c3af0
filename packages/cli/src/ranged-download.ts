/**
 * One large object into one file as parallel ranged GETs, each streamed straight to its offset in the file with
 * positional writes (one descriptor, no seeking, nothing held beyond a stream's buffer): what rclone's
 * multi-thread download and s5cmd's parallel parts do. Every range carries `If-Match` with the object's ETag, so
 * an object replaced mid-download fails (412) instead of leaving a file stitched from two versions.
 */
import fs from 'node:fs';
import { Writable } from 'node:stream';
import type COS from '@coffer/sdk';

/** Chunks a range's writer gathers while a write is in flight, written together as one writev. */
const WRITE_BATCH_BYTES = 512 * 1024;
/** Attempts per range (network errors and 5xx; a 4xx is final). */
const RANGE_ATTEMPTS = 3;

/** Writes everything of `buffers` at `position`, however the kernel splits it. */
function writevAt(fd: number, buffers: Buffer[], position: number, callback: (err: Error | null) => void): void {
  fs.writev(fd, buffers, position, (err, written) => {
    if (err) return callback(err);
    let left = written;
    let at = 0;
    while (at < buffers.length && left >= buffers[at]!.length) left -= buffers[at++]!.length;
    if (at === buffers.length) return callback(null);
    const rest = [buffers[at]!.subarray(left), ...buffers.slice(at + 1)];
    writevAt(fd, rest, position + written, callback);
  });
}

/** A Writable that puts what it is given at `start`, `start + n`, … of an open file. */
export function positionalWriter(fd: number, start: number): Writable {
  let position = start;
  const put = (buffers: Buffer[], callback: (err?: Error | null) => void) => {
    const bytes = buffers.reduce((n, b) => n + b.length, 0);
    writevAt(fd, buffers, position, (err) => {
      if (!err) position += bytes;
      callback(err);
    });
  };
  return new Writable({
    highWaterMark: WRITE_BATCH_BYTES,
    write: (chunk: Buffer, _encoding, callback) => put([chunk], callback),
    writev: (chunks, callback) =>
      put(
        chunks.map((c) => c.chunk as Buffer),
        callback,
      ),
  });
}

export interface RangedDownload {
  bucket: string;
  region: string;
  key: string;
  /** The ETag the listing or HEAD saw; each range is sent with `If-Match` on it. */
  etag?: string;
  sizeBytes: number;
  /** The file to write (created or truncated). */
  file: string;
  rangeBytes: number;
  parallel: number;
  /** Bytes written so far, all ranges together. */
  onBytes(loaded: number): void;
}

function isFinal(err: unknown): boolean {
  const status = (err as { statusCode?: number }).statusCode;
  return status !== undefined && status < 500;
}

/**
 * Downloads `d.key` into `d.file`; resolves with the object's ETag.
 *
 * @example
 * await downloadRanges(cos, { bucket, region, key: 'disk.img', sizeBytes, file: '/tmp/disk.img.part',
 *   rangeBytes: 8 << 20, parallel: 8, onBytes: (n) => bar.update(n) });
 */
export async function downloadRanges(cos: COS, d: RangedDownload): Promise<string> {
  const handle = await fs.promises.open(d.file, 'w');
  const count = Math.max(1, Math.ceil(d.sizeBytes / d.rangeBytes));
  const loadedBy = new Map<number, number>();
  let finished = 0;
  const report = () => {
    let loaded = finished;
    for (const n of loadedBy.values()) loaded += n;
    d.onBytes(loaded);
  };
  let etag = d.etag ?? '';
  let next = 0;
  let failed = false;
  const one = async (index: number) => {
    const start = index * d.rangeBytes;
    const end = Math.min(d.sizeBytes, start + d.rangeBytes) - 1;
    for (let attempt = 1; ; attempt++) {
      loadedBy.set(index, 0);
      try {
        const res = await cos.getObject({
          Bucket: d.bucket,
          Region: d.region,
          Key: d.key,
          Headers: { Range: `bytes=${start}-${end}`, ...(d.etag ? { 'If-Match': d.etag } : {}) },
          Output: positionalWriter(handle.fd, start),
          onProgress: (p: { loaded: number }) => {
            loadedBy.set(index, p.loaded);
            report();
          },
        });
        if (!etag) etag = res.ETag ?? '';
        loadedBy.delete(index);
        finished += end - start + 1;
        report();
        return;
      } catch (err) {
        loadedBy.delete(index);
        if (failed || isFinal(err) || attempt >= RANGE_ATTEMPTS) throw err;
      }
    }
  };
  const worker = async () => {
    while (!failed && next < count) {
      try {
        await one(next++);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  try {
    // Every worker is waited for before the descriptor closes: none may write into a closed (or reused) fd.
    const settled = await Promise.allSettled(Array.from({ length: Math.min(d.parallel, count) }, worker));
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected) throw rejected.reason;
    return etag;
  } finally {
    await handle.close();
  }
}
