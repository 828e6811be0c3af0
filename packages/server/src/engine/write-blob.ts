import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ChecksumAlgorithm, S3Error } from '@coffer/protocol';
import type { ManifestEntry } from '../stores/types.js';
import type { EngineContext } from './context.js';
import { HashingSink } from './hashing-sink.js';
import { sealingWriter } from './seal.js';

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
  /** Deletes the blob again when the metadata commit that should reference it fails. */
  discard(): Promise<void>;
}

/**
 * Steps 1–3 of the write protocol (docs/ARCHITECTURE.md, "Write protocol"): record the pending-blob intent, stream the
 * body to a temporary file while hashing it, then make the file durable under its blob id. The
 * caller performs step 4 (the metadata commit) and calls `discard()` if that fails. On any failure
 * here — client gone, digest mismatch, size limit — nothing is left behind. With `seal`, the file
 * holds the bytes encrypted (seal.ts).
 */
export async function writeBlob(
  ctx: EngineContext,
  body: Readable,
  expect: BodyExpectations,
  signal?: AbortSignal,
  options: { seal?: boolean } = {},
): Promise<WrittenBlob> {
  if (expect.size !== undefined && expect.size > expect.maxSize) {
    throw new S3Error(
      'EntityTooLarge',
      `Your proposed upload of ${expect.size} bytes exceeds the maximum allowed size of ${expect.maxSize} bytes.`,
    );
  }
  const blobId = ctx.blobs.newBlobId();
  // The intent only has to be durable before the blob leaves tmp/ (a crash before that leaves a file
  // in tmp/, which start-up clears anyway), so it is written while the body streams.
  const intent = ctx.meta.addPendingBlob(blobId, ctx.clock.nowMs());
  intent.catch(() => {});
  const stored = await ctx.blobs.createWriter(blobId);
  // Hashes and checksums are of the plaintext; only the file holds ciphertext.
  const writer = options.seal ? sealingWriter(stored, ctx.sealKey) : stored;
  const sink = new HashingSink({
    writer,
    maxBytes: expect.maxSize,
    checksums: (expect.checksums ?? []).map((c) => c.algorithm),
  });
  try {
    await pipeline(body, sink, signal ? { signal } : {});
    const result = sink.result();
    if (expect.size !== undefined && result.size !== expect.size) {
      throw new S3Error(
        'IncompleteBody',
        `You did not provide the number of bytes specified by the Content-Length HTTP header (${result.size} of ${expect.size}).`,
      );
    }
    if (expect.contentMd5 !== undefined && result.md5.toString('base64') !== expect.contentMd5) {
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    for (const { algorithm, expected } of expect.checksums ?? []) {
      const value = typeof expected === 'function' ? expected() : expected;
      if (value !== undefined && value !== result.checksums[algorithm]) {
        throw new S3Error('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
      }
    }
    await intent;
    await writer.commit();
    return {
      blobId,
      size: result.size,
      md5Hex: result.md5.toString('hex'),
      crc64: result.crc64,
      checksums: result.checksums,
      manifest:
        result.size === 0
          ? []
          : [{ blobId, offset: 0, length: result.size, ...(options.seal ? { sealed: true as const } : {}) }],
      discard: async () => {
        await ctx.blobs.delete(blobId);
        await ctx.meta.dropPendingBlobs([blobId]);
      },
    };
  } catch (err) {
    await writer.abort();
    await intent.then(
      () => ctx.meta.dropPendingBlobs([blobId]),
      () => {},
    );
    throw err;
  }
}
