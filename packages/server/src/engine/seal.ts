import { createCipheriv, createDecipheriv, createHmac, type Decipher } from 'node:crypto';
import { Transform } from 'node:stream';
import { aes256CtrXor } from '@coffer/native';
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

export function blobKey(sealKey: Buffer, blobId: string): Buffer {
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

/**
 * Largest slice handed to one Decipher.update(): each call returns a fresh buffer, and one above
 * glibc's mmap threshold (128 KiB) is an mmap and munmap with page faults every time — decrypting
 * 512 KiB reads whole cost about twice the CPU of the same bytes in 64 KiB slices (bench/sse.js).
 */
export const UNSEAL_SLICE_BYTES = 64 * 1024;

/** Decrypts `stored` (the next bytes of a decipher's blob) into slices of at most UNSEAL_SLICE_BYTES. */
export function unsealSlices(decipher: Decipher, stored: Buffer): Buffer[] {
  if (stored.length <= UNSEAL_SLICE_BYTES) return [decipher.update(stored)];
  const out: Buffer[] = [];
  for (let at = 0; at < stored.length; at += UNSEAL_SLICE_BYTES) {
    out.push(decipher.update(stored.subarray(at, at + UNSEAL_SLICE_BYTES)));
  }
  return out;
}

/**
 * Decrypts in place, where the bytes were read (@coffer/native's AES-256-CTR through Node's OpenSSL):
 * `stored` holds the blob's bytes from `offset` on, `key` is blobKey(root, blobId). Undefined when the
 * addon is not there; callers then use unsealFrom / unsealSlices.
 */
export const unsealInPlace: ((key: Buffer, offset: number, stored: Buffer) => void) | undefined = aes256CtrXor;

/**
 * A Transform turning the stored bytes of blob `blobId` from byte `offset` on into plaintext. With the
 * native AES-CTR each chunk is decrypted where it lies and passed on (a blob store's read stream
 * hands out a fresh buffer per read, which nothing else holds); without it, a Decipher.
 */
export function unsealingStream(sealKey: Buffer, blobId: string, offset: number): Transform {
  const xor = unsealInPlace;
  if (xor === undefined) return unsealFrom(sealKey, blobId, offset);
  const key = blobKey(sealKey, blobId);
  let position = offset;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      xor(key, position, chunk);
      position += chunk.length;
      callback(null, chunk);
    },
  });
}
