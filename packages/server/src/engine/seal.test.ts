import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeManifest, encodeManifest } from '../stores/sqlite/rows.js';
import type { BlobWriter } from '../stores/types.js';
import { sealingWriter, unsealFrom } from './seal.js';

/** A BlobWriter that keeps what it is given. */
function memoryWriter(blobId: string): BlobWriter & { bytes(): Buffer } {
  const chunks: Buffer[] = [];
  return {
    blobId,
    write: async (parts) => {
      for (const part of parts) chunks.push(Buffer.from(part));
    },
    commit: async () => {},
    abort: async () => {},
    bytes: () => Buffer.concat(chunks),
  };
}

describe('sealed blobs (AES-256-CTR, a key per blob)', () => {
  const sealKey = randomBytes(32);
  const plain = randomBytes(100_003);

  async function seal(blobId: string, chunkSizes: number[]): Promise<Buffer> {
    const stored = memoryWriter(blobId);
    const writer = sealingWriter(stored, sealKey);
    let at = 0;
    for (const size of chunkSizes) {
      await writer.write([plain.subarray(at, at + size)]);
      at += size;
    }
    await writer.write([plain.subarray(at)]);
    return stored.bytes();
  }

  it('stores ciphertext of the same length, independent of how the body was chunked', async () => {
    const a = await seal('00'.repeat(16), [1, 15, 16, 17, 4096]);
    const b = await seal('00'.repeat(16), [65_536]);
    expect(a.length).toBe(plain.length);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(plain)).toBe(false);
    expect(a.includes(plain.subarray(0, 32))).toBe(false);
  });

  it('decrypts from any offset, block-aligned or not', async () => {
    const blobId = 'ab'.repeat(16);
    const stored = await seal(blobId, [7]);
    for (const offset of [0, 1, 15, 16, 17, 4095, 65_536, 99_999, plain.length - 1]) {
      const decipher = unsealFrom(sealKey, blobId, offset);
      const out = Buffer.concat([
        decipher.update(stored.subarray(offset, offset + 3)),
        decipher.update(stored.subarray(offset + 3)),
      ]);
      expect(out.equals(plain.subarray(offset))).toBe(true);
    }
  });

  it('gives every blob its own key stream, and needs the seal key', async () => {
    const one = await seal('01'.repeat(16), []);
    const two = await seal('02'.repeat(16), []);
    expect(one.equals(two)).toBe(false);
    const wrongKey = unsealFrom(randomBytes(32), '01'.repeat(16), 0).update(one);
    expect(wrongKey.equals(plain)).toBe(false);
  });

  it('manifest entries keep their sealed flag through the store encoding', () => {
    const manifest = [
      { blobId: 'aa'.repeat(16), offset: 0, length: 10, sealed: true as const },
      { blobId: 'bb'.repeat(16), offset: 5, length: 7 },
    ];
    expect(decodeManifest(encodeManifest(manifest))).toEqual(manifest);
  });
});
