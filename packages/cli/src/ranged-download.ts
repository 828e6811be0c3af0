/**
 * One large object into one file as parallel ranged GETs, each streamed straight to its offset in the file with
 * positional writes (one descriptor, no seeking, nothing held beyond a stream's buffer): what rclone's
 * multi-thread download and s5cmd's parallel parts do. Every range carries `If-Match` with the object's ETag, so
 * an object replaced mid-download fails (412) instead of leaving a file stitched from two versions.
 */
import fs from 'node:fs';
import net from 'node:net';
import { Writable } from 'node:stream';
import type COS from '@coffer/sdk';
import type { ResolvedProfile } from './config.js';
import { parseResponseHead, requestText, signHead } from './signed-request.js';

/** Chunks a range's writer gathers while a write is in flight, written together as one writev. */
const WRITE_BATCH_BYTES = 512 * 1024;
/** Attempts per range (network errors and 5xx; a 4xx is final). */
const RANGE_ATTEMPTS = 3;
/** The buffer each direct range reads into, over and over. */
const READ_BUFFER_BYTES = 1024 * 1024;
/**
 * The most one positional write hands the kernel at once, however much a socket read brought. See body() in
 * fetchRangeDirect for why a download writes in pieces this small.
 */
const WRITE_PIECE_BYTES = 32 * 1024;
/** A response head longer than this is not one a direct range understands. */
const MAX_HEAD_BYTES = 64 * 1024;

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

/** The direct path met an answer it leaves to the sdk (an error status, an unexpected framing). */
class NotDirect extends Error {}

/**
 * One range as one GET on its own plain-HTTP connection, read into one reused buffer (net's `onread`) and written
 * at its offset with a synchronous positional write before the buffer is read into again.
 *
 * Why not node:http: receiving 256 MiB with `http.get` and discarding it cost 0.9–1.2 s of CPU on the bench
 * machine (a fresh 64 KiB Buffer per socket read, the parser's slices, a stream per response, their GC), a bare
 * `net` socket emitting 'data' 0.6 s, and the same socket with `onread` into one buffer 0.25 s, against curl's
 * 0.15 s; undici measured worse than node:http here. So the hot loop of a large download is a socket, a buffer
 * and `fs.writeSync`. Only the plainest answer is taken this way: `206` (or `200` for a range that is the whole
 * object) with a Content-Length equal to the range and no Transfer-Encoding. Anything else (an error status, a
 * redirect, chunked framing) rejects with NotDirect and the range is fetched again through the sdk, which reads
 * errors (Code, Message, RequestId) and retries as it always does. Signed as the profile says (signHead).
 */
export function fetchRangeDirect(
  profile: ResolvedProfile,
  r: { bucket: string; key: string; etag?: string; start: number; end: number; wholeObject: boolean },
  fd: number,
  onLoaded: (loaded: number) => void,
): Promise<string> {
  const head = signHead(
    profile,
    'GET',
    `/${r.bucket}/${r.key}`,
    {},
    {
      range: `bytes=${r.start}-${r.end}`,
      ...(r.etag ? { 'if-match': r.etag } : {}),
    },
  );
  const request = requestText('GET', head, { connection: 'close' });
  const expected = r.end - r.start + 1;
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  return new Promise<string>((resolve, reject) => {
    let headBytes: Buffer[] = [];
    let headLength = 0;
    let inBody = false;
    let received = 0;
    let etag = '';
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else resolve(etag);
    };
    // Written in pieces of WRITE_PIECE_BYTES, not one write per read: the page cache sizes the folio it allocates by
    // the write (ext4 with large folios, Linux 6.x), and on the bench VM a 1 MiB folio, which bypasses the kernel's
    // per-CPU free lists, tended to land in memory the hypervisor had taken back (virtio-balloon free page
    // reporting): the copy into it then cost 1.5-3 s of system time per GiB instead of 0.25 s, in one run out of
    // two or three. 32 KiB folios (order 3, per-CPU lists; also what rclone's 32 KiB writes get) did not.
    // Pieces end on WRITE_PIECE_BYTES boundaries of the file: a socket read ends anywhere, and a write that
    // covers part of a new folio makes the kernel zero the rest first (0.15-0.2 s more system time per GiB
    // measured unaligned). So the bytes of a read short of the next boundary wait in `carry` for the next read.
    // docs/performance.md (#13) has the measurements.
    const carry = Buffer.allocUnsafe(WRITE_PIECE_BYTES);
    let carried = 0;
    const rangeEnd = r.end + 1;
    const writeAt = (source: Buffer, from: number, length: number, position: number) => {
      let at = 0;
      while (at < length) at += fs.writeSync(fd, source, from + at, length - at, position + at);
    };
    const body = (from: number, to: number) => {
      if (received + (to - from) > expected) {
        finish(new Error(`range ${r.start}-${r.end}: more bytes than announced`));
        return;
      }
      let at = from;
      // File offset of buffer[at].
      let position = r.start + received;
      received += to - from;
      while (at < to) {
        // The piece being filled started at position - carried; it ends at the next boundary or the range's end.
        const pieceEnd = Math.min(
          rangeEnd,
          position - carried - ((position - carried) % WRITE_PIECE_BYTES) + WRITE_PIECE_BYTES,
        );
        const n = Math.min(pieceEnd - position, to - at);
        if (carried === 0 && position + n === pieceEnd) writeAt(buffer, at, n, position);
        else {
          buffer.copy(carry, carried, at, at + n);
          carried += n;
          if (position + n === pieceEnd) {
            writeAt(carry, 0, carried, pieceEnd - carried);
            carried = 0;
          }
        }
        at += n;
        position += n;
      }
      onLoaded(received);
      if (received === expected) finish();
    };
    const onHead = (text: string): void => {
      const { status, headers } = parseResponseHead(text);
      const length = Number(headers.get('content-length'));
      const statusOk = status === 206 || (status === 200 && r.wholeObject);
      if (!statusOk || headers.has('transfer-encoding') || length !== expected)
        throw new NotDirect(`range ${r.start}-${r.end}: HTTP ${status}, left to the sdk`);
      etag = headers.get('etag') ?? '';
    };
    const socket = net.connect({
      host: head.url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(head.url.port || 80),
      onread: {
        buffer,
        callback: (n: number) => {
          if (settled) return false;
          try {
            if (inBody) {
              body(0, n);
              return true;
            }
            // The head: gathered (copied out of the reused buffer) until its blank line.
            headBytes.push(Buffer.from(buffer.subarray(0, n)));
            headLength += n;
            const gathered = Buffer.concat(headBytes, headLength);
            const blank = gathered.indexOf('\r\n\r\n');
            if (blank < 0) {
              if (headLength > MAX_HEAD_BYTES) throw new NotDirect('response head too long');
              headBytes = [gathered];
              return true;
            }
            onHead(gathered.subarray(0, blank).toString('latin1'));
            inBody = true;
            // Body bytes that came with the head: they are still at the end of the reused buffer.
            const extra = gathered.length - (blank + 4);
            if (extra > 0) body(n - extra, n);
            else if (expected === 0) finish();
          } catch (err) {
            finish(err as Error);
            return false;
          }
          return true;
        },
      },
    });
    socket.on('connect', () => socket.write(request));
    socket.on('error', (err) => finish(err));
    socket.on('end', () => finish(new Error(`range ${r.start}-${r.end}: connection closed after ${received} bytes`)));
    socket.on('close', () => finish(new Error(`range ${r.start}-${r.end}: connection closed after ${received} bytes`)));
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
  /** With a plain-HTTP endpoint, ranges are fetched directly (fetchRangeDirect) as this profile signs. */
  profile?: ResolvedProfile;
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
  // The direct path speaks plain HTTP only; an https endpoint goes through the sdk (node:https).
  const direct = d.profile && new URL(d.profile.endpoint).protocol === 'http:' ? d.profile : undefined;
  let next = 0;
  let failed = false;
  const one = async (index: number) => {
    const start = index * d.rangeBytes;
    const end = Math.min(d.sizeBytes, start + d.rangeBytes) - 1;
    for (let attempt = 1; ; attempt++) {
      loadedBy.set(index, 0);
      try {
        if (direct && attempt === 1) {
          const got = await fetchRangeDirect(
            direct,
            { bucket: d.bucket, key: d.key, ...(d.etag ? { etag: d.etag } : {}), start, end, wholeObject: count === 1 },
            handle.fd,
            (loaded) => {
              loadedBy.set(index, loaded);
              report();
            },
          );
          if (!etag) etag = got;
          loadedBy.delete(index);
          finished += end - start + 1;
          report();
          return;
        }
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
        // A direct attempt that failed for any reason is tried again through the sdk (its errors are the sdk's).
        if (direct && attempt === 1 && !failed) continue;
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
