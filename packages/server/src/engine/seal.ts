import { createCipheriv, createDecipheriv, createHmac, type Decipher } from 'node:crypto';
import type { BlobWriter } from '../stores/types.js';

/**
 * Encryption at rest of sealed blobs (SSE-S3 / SSE-COS, "AES256"). Each blob has its own key,
 * HMAC-SHA256(seal key, blob id), the seal key being derived from the data directory's master key;
 * the bytes are AES-256-CTR with the counter starting at 0 at the blob's first byte. Blob ids are
 * random and blobs are written once and never rewritten, so no key and counter ever encrypt two
 * different plaintexts; CTR lets a range read start decrypting at any byte.
 */
const ALGORITHM = 'aes-256-ctr';
const BLOCK = 16;

function blobKey(sealKey: Buffer, blobId: string): Buffer {
  return createHmac('sha256', sealKey).update(blobId).digest();
}

/** The counter block of the 16-byte block holding byte `offset`. */
function counterAt(offset: number): Buffer {
  const counter = Buffer.alloc(BLOCK);
  counter.writeBigUInt64BE(BigInt(Math.floor(offset / BLOCK)), 8);
  return counter;
}

/** A writer that encrypts what it is given before handing it to `writer` (bytes are written from offset 0). */
export function sealingWriter(writer: BlobWriter, sealKey: Buffer): BlobWriter {
  const cipher = createCipheriv(ALGORITHM, blobKey(sealKey, writer.blobId), counterAt(0));
  return {
    blobId: writer.blobId,
    write: (chunks) => writer.write(chunks.map((chunk) => cipher.update(chunk))),
    commit: () => writer.commit(),
    abort: () => writer.abort(),
  };
}

/** The sealed form of a whole blob's bytes (an inline blob, written in one piece). */
export function sealBytes(sealKey: Buffer, blobId: string, bytes: Uint8Array): Buffer {
  const cipher = createCipheriv(ALGORITHM, blobKey(sealKey, blobId), counterAt(0));
  return Buffer.concat([cipher.update(bytes), cipher.final()]);
}

/**
 * A decipher for the bytes of blob `blobId` from byte `offset` on: feed it the stored bytes read
 * from that offset, in order (with update(), or as a Transform stream).
 */
export function unsealFrom(sealKey: Buffer, blobId: string, offset: number): Decipher {
  const decipher = createDecipheriv(ALGORITHM, blobKey(sealKey, blobId), counterAt(offset));
  const skip = offset % BLOCK;
  if (skip > 0) decipher.update(Buffer.alloc(skip));
  return decipher;
}
