import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc64 } from '@coffer/native';
import type { ManifestEntry } from '../stores/types.js';
import type { EngineContext } from './context.js';
import { openManifestStream } from './read-stream.js';

/** Reads the bytes a manifest names once, for their MD5 and CRC-64 (UploadPartCopy's part ETag). */
export async function hashManifestRange(
  ctx: EngineContext,
  manifest: ManifestEntry[],
  root: Buffer | undefined,
  signal?: AbortSignal,
): Promise<{ size: number; md5Hex: string; crc64: bigint }> {
  const md5 = createHash('md5');
  let crc = 0n;
  let size = 0;
  const total = manifest.reduce((n, m) => n + m.length, 0);
  if (total > 0) {
    const sink = new Writable({
      highWaterMark: 1024 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        crc = crc64(chunk, crc);
        size += chunk.length;
        callback();
      },
    });
    await pipeline(openManifestStream(ctx, manifest, 0, total - 1, root), sink, signal ? { signal } : {});
  }
  return { size, md5Hex: md5.digest('hex'), crc64: crc };
}
