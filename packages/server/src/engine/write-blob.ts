import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ChecksumAlgorithm, S3Error } from '@coffer/protocol';
import type { BlobWriter, ManifestEntry, NewBlob } from '../stores/types.js';
import type { EngineContext } from './context.js';
import { BodyHashes, HashingSink } from './hashing-sink.js';
import { sealBytes, sealingWriter } from './seal.js';

/** What a caller knows about the body before it arrives, and what the bytes must prove. */
export interface BodyExpectations {
  /** Content-Length (or x-amz-decoded-content-length): fewer bytes than this is IncompleteBody. */
  size?: number;
  /** Content-MD5, base64, verified → BadDigest. */
  contentMd5?: string;
  /** Checksums to compute; a value given (header) or resolved after the body (trailer) is verified → BadDigest. */
  checksums?: { algorithm: ChecksumAlgorithm; expected?: string | (() => string | undefined) }[];
  /** Largest body accepted. */
  maxSize: number;
}

export interface WrittenBlob {
  blobId: string;
  size: number;
  md5Hex: string;
  crc64: bigint;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  /** The blob as an object's (or part's) manifest: one entry, none when the body was empty. */
  manifest: ManifestEntry[];
  /** What the commit that references the blob records (with the bytes when the blob is inline). */
  newBlobs: NewBlob[];
  /** Deletes the blob again when the metadata commit that should reference it fails. */
  discard(): Promise<void>;
}

/**
 * Where a body's bytes go while they stream: kept in memory as long as they fit the inline threshold,
 * then — from the first byte past it — into a blob file, the bytes already kept written first, so
 * nothing is lost and at most threshold + one chunk is ever held. A body that ends within the
 * threshold is an inline blob: no file, no intent, no fsync of its own (the commit's WAL fsync
 * covers it). The blob id is chosen up front so a sealed body is encrypted the same either way.
 */
class InlineOrFileWriter implements BlobWriter {
  readonly blobId: string;
  readonly #ctx: EngineContext;
  readonly #limit: number;
  #kept: Uint8Array[] = [];
  #keptBytes = 0;
  #file: BlobWriter | undefined;
  #intent: Promise<void> | undefined;

  constructor(ctx: EngineContext, blobId: string, limit: number) {
    this.#ctx = ctx;
    this.blobId = blobId;
    this.#limit = limit;
  }

  /** The whole body when it stayed within the threshold (valid after the last write). */
  get inlineBody(): Buffer | undefined {
    return this.#file ? undefined : Buffer.concat(this.#kept, this.#keptBytes);
  }

  async write(chunks: Uint8Array[]): Promise<void> {
    if (this.#file) return this.#file.write(chunks);
    for (const chunk of chunks) {
      this.#kept.push(chunk);
      this.#keptBytes += chunk.length;
    }
    if (this.#keptBytes <= this.#limit) return;
    // Past the threshold: the write protocol of a file blob, starting with what was kept.
    this.#intent = this.#ctx.meta.addPendingBlob(this.blobId, this.#ctx.clock.nowMs());
    this.#intent.catch(() => {});
    this.#file = await this.#ctx.blobs.createWriter(this.blobId);
    const kept = this.#kept;
    this.#kept = [];
    await this.#file.write(kept);
  }

  async commit(): Promise<void> {
    if (!this.#file) return;
    await this.#intent;
    await this.#file.commit();
  }

  async abort(): Promise<void> {
    this.#kept = [];
    if (!this.#file) return;
    await this.#file.abort();
    await this.#intent?.then(
      () => this.#ctx.meta.dropPendingBlobs([this.blobId]),
      () => {},
    );
  }
}

/**
 * Steps 1–3 of the write protocol (docs/ARCHITECTURE.md, "Write protocol"): record the pending-blob intent, stream the
 * body to a temporary file while hashing it, then make the file durable under its blob id. The
 * caller performs step 4 (the metadata commit, with `newBlobs`) and calls `discard()` if that fails.
 * On any failure here — client gone, digest mismatch, size limit — nothing is left behind. With
 * `seal`, the file holds the bytes encrypted (seal.ts). A body of at most `limits.inlineMaxBytes`
 * becomes an inline blob instead (InlineOrFileWriter): steps 1–3 vanish, step 4 stores the bytes.
 */
export async function writeBlob(
  ctx: EngineContext,
  body: Readable,
  expect: BodyExpectations,
  signal?: AbortSignal,
  options: { seal?: Buffer | undefined } = {},
): Promise<WrittenBlob> {
  if (expect.size !== undefined && expect.size > expect.maxSize) {
    throw new S3Error(
      'EntityTooLarge',
      `Your proposed upload of ${expect.size} bytes exceeds the maximum allowed size of ${expect.maxSize} bytes.`,
    );
  }
  const blobId = ctx.blobs.newBlobId();
  const inlineMax = ctx.limits.inlineMaxBytes ?? 0;
  if (inlineMax > 0 && expect.size !== undefined && expect.size <= inlineMax) {
    return writeInlineBlob(ctx, blobId, body, { ...expect, size: expect.size }, signal, options);
  }
  // A body announced as larger than the threshold goes straight to a file; any other is kept in
  // memory until it proves larger (aws-chunked and chunked bodies announce nothing).
  const deferred =
    inlineMax > 0 && (expect.size === undefined || expect.size <= inlineMax)
      ? new InlineOrFileWriter(ctx, blobId, inlineMax)
      : undefined;
  let intent: Promise<void> | undefined;
  let stored: BlobWriter;
  if (deferred) stored = deferred;
  else {
    // The intent only has to be durable before the blob leaves tmp/ (a crash before that leaves a file
    // in tmp/, which start-up clears anyway), so it is written while the body streams.
    intent = ctx.meta.addPendingBlob(blobId, ctx.clock.nowMs());
    intent.catch(() => {});
    stored = await ctx.blobs.createWriter(blobId);
  }
  // Hashes and checksums are of the plaintext; only the file (or the inline body) holds ciphertext.
  const writer = options.seal ? sealingWriter(stored, options.seal) : stored;
  const sink = new HashingSink({
    writer,
    maxBytes: expect.maxSize,
    checksums: (expect.checksums ?? []).map((c) => c.algorithm),
  });
  try {
    await pipeline(body, sink, signal ? { signal } : {});
    const result = sink.result();
    verifyBody(expect, result);
    await intent;
    await writer.commit();
    const inlineBody = deferred?.inlineBody;
    const hashes = {
      blobId,
      size: result.size,
      md5Hex: result.md5.toString('hex'),
      crc64: result.crc64,
      checksums: result.checksums,
    };
    const sealed = options.seal ? { sealed: true as const } : {};
    if (inlineBody !== undefined) {
      // An empty body needs no blob at all.
      const empty = result.size === 0;
      return {
        ...hashes,
        manifest: empty ? [] : [{ blobId, offset: 0, length: result.size, ...sealed, inline: true }],
        newBlobs: empty ? [] : [{ id: blobId, size: result.size, body: inlineBody }],
        discard: async () => {},
      };
    }
    return {
      ...hashes,
      manifest: result.size === 0 ? [] : [{ blobId, offset: 0, length: result.size, ...sealed }],
      newBlobs: [{ id: blobId, size: result.size }],
      discard: async () => {
        await ctx.blobs.delete(blobId);
        await ctx.meta.dropPendingBlobs([blobId]);
      },
    };
  } catch (err) {
    await writer.abort();
    await intent?.then(
      () => ctx.meta.dropPendingBlobs([blobId]),
      () => {},
    );
    throw err;
  }
}

/** Checks what the bytes must prove: the announced length, Content-MD5, the given S3 checksums. */
function verifyBody(expect: BodyExpectations, result: ReturnType<BodyHashes['result']>): void {
  if (expect.size !== undefined && result.size !== expect.size) throw incompleteBody(result.size, expect.size);
  if (expect.contentMd5 !== undefined && result.md5.toString('base64') !== expect.contentMd5) {
    throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  for (const { algorithm, expected } of expect.checksums ?? []) {
    const value = typeof expected === 'function' ? expected() : expected;
    if (value !== undefined && value !== result.checksums[algorithm]) {
      throw new S3Error('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
    }
  }
}

function incompleteBody(received: number, announced: number): S3Error {
  return new S3Error(
    'IncompleteBody',
    `You did not provide the number of bytes specified by the Content-Length HTTP header (${received} of ${announced}).`,
  );
}

/**
 * A body announced at most the inline threshold long: read whole (it is at most that big, and a
 * body that goes on past its announced length fails at once), hashed, sealed if asked, and handed
 * back as an inline blob. No stream pipeline and no Writable: for a few kilobytes their machinery
 * (pipeline's AbortController, whose abort() at the end builds a DOMException, stream state, extra
 * ticks) cost more CPU than the bytes (docs/performance.md, issue 17).
 */
async function writeInlineBlob(
  _ctx: EngineContext,
  blobId: string,
  body: Readable,
  expect: BodyExpectations & { size: number },
  signal: AbortSignal | undefined,
  options: { seal?: Buffer | undefined },
): Promise<WrittenBlob> {
  const hashes = new BodyHashes((expect.checksums ?? []).map((c) => c.algorithm));
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) {
    hashes.update(chunk);
    if (hashes.size > expect.size) {
      body.destroy();
      throw incompleteBody(hashes.size, expect.size);
    }
    chunks.push(chunk);
  }
  signal?.throwIfAborted();
  const result = hashes.result();
  verifyBody(expect, result);
  const plain = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, result.size);
  const empty = result.size === 0;
  return {
    blobId,
    size: result.size,
    md5Hex: result.md5.toString('hex'),
    crc64: result.crc64,
    checksums: result.checksums,
    manifest: empty
      ? []
      : [{ blobId, offset: 0, length: result.size, ...(options.seal ? { sealed: true as const } : {}), inline: true }],
    newBlobs: empty
      ? []
      : [{ id: blobId, size: result.size, body: options.seal ? sealBytes(options.seal, blobId, plain) : plain }],
    discard: async () => {},
  };
}
