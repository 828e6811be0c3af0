import { PassThrough, pipeline, Readable, type Writable } from 'node:stream';
import type { ManifestEntry } from '../stores/types.js';
import { type EngineContext, pin } from './context.js';
import { blobKey, unsealFrom, unsealInPlace, unsealingStream, unsealSlices } from './seal.js';

/** A run of one blob's bytes, [start, end] inclusive, and whether the blob is sealed (encrypted). */
interface Piece {
  blobId: string;
  start: number;
  end: number;
  sealed: boolean;
  /** An inline blob (bytes in the metadata store), with its stored bytes when the store attached them. */
  inline: boolean;
  body: Buffer | undefined;
  /** The root key of the version's sealed blobs (sse.ts), when it has any. */
  root: Buffer | undefined;
}

/** Maps bytes [start, end] of an object onto runs of its blobs. */
function piecesOf(manifest: ManifestEntry[], start: number, end: number, root: Buffer | undefined): Piece[] {
  const pieces: Piece[] = [];
  let offset = 0;
  for (const entry of manifest) {
    const entryStart = offset;
    const entryEnd = offset + entry.length - 1;
    offset += entry.length;
    if (entryEnd < start || entryStart > end) continue;
    const from = Math.max(start, entryStart) - entryStart;
    const to = Math.min(end, entryEnd) - entryStart;
    pieces.push({
      blobId: entry.blobId,
      start: entry.offset + from,
      end: entry.offset + to,
      sealed: entry.sealed === true,
      inline: entry.inline === true,
      body: entry.body,
      root,
    });
  }
  return pieces;
}

/** The key a sealed piece is unsealed with; a sealed piece with none is a bug of the caller. */
function sealRoot(piece: Piece): Buffer {
  if (!piece.root) throw new Error(`blob ${piece.blobId} is sealed and no key was resolved for it`);
  return piece.root;
}

/**
 * The plaintext of an inline piece: from the body the store attached to the manifest, else read from
 * the store (the bytes stay there until the GC forgets the blob, which pinning holds off).
 */
async function inlineBytes(ctx: EngineContext, piece: Piece): Promise<Buffer> {
  const body = piece.body ?? (await ctx.meta.readInlineBlob(piece.blobId));
  if (body === undefined) throw new Error(`inline blob ${piece.blobId} is missing from the metadata`);
  if (piece.end >= body.length) throw new Error(`inline blob ${piece.blobId} is shorter than its manifest says`);
  const stored = body.subarray(piece.start, piece.end + 1);
  return piece.sealed ? unsealFrom(sealRoot(piece), piece.blobId, piece.start).update(stored) : stored;
}

/**
 * Reads bytes [start, end] of an object into one buffer: the path for small GETs, where a stream's
 * machinery costs more than the bytes (callers keep it to small ranges).
 */
export async function readManifestRange(
  ctx: EngineContext,
  manifest: ManifestEntry[],
  start: number,
  end: number,
  root: Buffer | undefined,
): Promise<Buffer> {
  const pieces = end < start ? [] : piecesOf(manifest, start, end, root);
  if (pieces.length === 0) return Buffer.alloc(0);
  const release = pin(
    ctx,
    pieces.map((p) => p.blobId),
  );
  try {
    const buffers = await Promise.all(
      pieces.map(async (p) => {
        if (p.inline) return inlineBytes(ctx, p);
        const stored = await ctx.blobs.read(p.blobId, p.start, p.end);
        return p.sealed ? unsealFrom(sealRoot(p), p.blobId, p.start).update(stored) : stored;
      }),
    );
    return buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers);
  } finally {
    release();
  }
}

/**
 * Streams bytes [start, end] (inclusive) of an object by mapping the range onto its manifest
 * (docs/ARCHITECTURE.md, "Blobs": a manifest lists (blob, offset, length) runs). One blob at a time is open;
 * every blob of the range is pinned until the stream closes, so GC cannot delete a blob this
 * reader has yet to reach.
 */
export function openManifestStream(
  ctx: EngineContext,
  manifest: ManifestEntry[],
  start: number,
  end: number,
  root: Buffer | undefined,
): Readable {
  const pieces = end < start ? [] : piecesOf(manifest, start, end, root);
  if (pieces.length === 0) return Readable.from([]);
  const release = pin(
    ctx,
    pieces.map((p) => p.blobId),
  );
  if (pieces.length === 1) {
    const stream = pieceStream(ctx, pieces[0]!);
    stream.once('close', release);
    return stream;
  }
  // Several blobs (multipart, appended or copied objects): feed them one after another into one
  // stream, honouring backpressure; destroying the output stops the blob being read.
  const out = new PassThrough({ highWaterMark: 512 * 1024 });
  out.once('close', release);
  let current: Readable | undefined;
  out.once('close', () => current?.destroy());
  const next = (i: number): void => {
    if (out.destroyed) return;
    if (i === pieces.length) {
      out.end();
      return;
    }
    const piece = pieces[i]!;
    current = pieceStream(ctx, piece);
    current.on('error', (err) => out.destroy(err));
    current.on('end', () => next(i + 1));
    current.pipe(out, { end: false });
  };
  next(0);
  return out;
}

/** The plaintext of one piece as a stream: the blob's bytes, decrypted on the way if it is sealed. */
function pieceStream(ctx: EngineContext, piece: Piece): Readable {
  if (piece.inline) {
    return Readable.from(
      (async function* () {
        yield await inlineBytes(ctx, piece);
      })(),
      { objectMode: false },
    );
  }
  const stored = ctx.blobs.createReadStream(piece.blobId, piece.start, piece.end);
  if (!piece.sealed) return stored;
  // pipeline() destroys the file stream when the decipher is destroyed (client gone), and vice versa.
  return pipeline(stored, unsealingStream(sealRoot(piece), piece.blobId, piece.start), () => {});
}

/** Read buffers for sendManifestRange, reused across requests (a pair per GET in flight). */
const READ_BUFFER_BYTES = 512 * 1024;
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 32;

function takeBuffer(): Buffer {
  return spareBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
}

function returnBuffer(buffer: Buffer): void {
  if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
}

/**
 * Sends bytes [start, end] of an object to `out` through two reused buffers: one is read into while
 * the other is being written, and a buffer is read into again only once its write has completed.
 * Unlike a read stream, nothing is allocated per chunk, so a long GET puts no pressure on the
 * garbage collector (fresh 512 KiB buffers per read made V8 run full collections back to back).
 * Rejects if `out` is destroyed (client gone) or a write fails.
 */
export async function sendManifestRange(
  ctx: EngineContext,
  manifest: ManifestEntry[],
  start: number,
  end: number,
  out: Writable,
  root: Buffer | undefined,
): Promise<void> {
  const pieces = end < start ? [] : piecesOf(manifest, start, end, root);
  if (pieces.length === 0) return;
  const release = pin(
    ctx,
    pieces.map((p) => p.blobId),
  );
  const buffers = [takeBuffer(), takeBuffer()];
  let written: Promise<void> = Promise.resolve();
  let turn = 0;
  try {
    for (const piece of pieces) {
      if (piece.inline) {
        const chunk = await inlineBytes(ctx, piece);
        await written;
        if (out.destroyed) throw new Error('the client closed the connection');
        written = new Promise<void>((resolve, reject) => {
          out.write(chunk, (err) => (err ? reject(err) : resolve()));
        });
        written.catch(() => {});
        continue;
      }
      // A sealed piece is decrypted in the read buffer itself when the native AES-CTR is there (no
      // allocation, no copy: bench/sse.js), else through a Decipher into fresh slices.
      const inPlaceKey = piece.sealed && unsealInPlace ? blobKey(sealRoot(piece), piece.blobId) : undefined;
      const decipher =
        piece.sealed && inPlaceKey === undefined ? unsealFrom(sealRoot(piece), piece.blobId, piece.start) : undefined;
      await ctx.blobs.withHandle(piece.blobId, async (handle) => {
        for (let position = piece.start; position <= piece.end; ) {
          const buffer = buffers[turn]!;
          turn ^= 1;
          const { bytesRead } = await handle.read(
            buffer,
            0,
            Math.min(buffer.length, piece.end - position + 1),
            position,
          );
          if (bytesRead === 0) throw new Error(`blob ${piece.blobId} is shorter than its manifest says`);
          if (inPlaceKey !== undefined) unsealInPlace!(inPlaceKey, position, buffer.subarray(0, bytesRead));
          position += bytesRead;
          // The other buffer's write must be done before this one is written (and, next turn, reused).
          await written;
          if (out.destroyed) throw new Error('the client closed the connection');
          // A sealed piece is decrypted into fresh buffers, in slices (seal.ts: UNSEAL_SLICE_BYTES), so
          // the read buffer is free again at once; the last slice's write callback settles the turn.
          const chunks = decipher
            ? unsealSlices(decipher, buffer.subarray(0, bytesRead))
            : [buffer.subarray(0, bytesRead)];
          written = new Promise<void>((resolve, reject) => {
            for (let i = 0; i < chunks.length - 1; i++) out.write(chunks[i]);
            out.write(chunks[chunks.length - 1], (err) => (err ? reject(err) : resolve()));
          });
          // Awaited on the next turn; until then a failed write (client gone) must not count as an
          // unhandled rejection, which would end the process.
          written.catch(() => {});
        }
      });
    }
    await written;
  } finally {
    // A write still in flight (after an error) may still read its buffer: do not reuse it then.
    await written.catch(() => {});
    release();
    for (const buffer of buffers) returnBuffer(buffer);
  }
}
