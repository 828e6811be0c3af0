/**
 * Whether a local file and an object hold the same bytes, as `sync` decides it: sizes first, then CRC-64/ECMA
 * (COS's `x-cos-hash-crc64ecma`, what COSCLI's sync compares), or the ETag (MD5, or MD5 of part MD5s for a
 * multipart object, recomputed with the part size its part count implies).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type COS from '@coffer/sdk';

export type CheckMode = 'crc64' | 'etag' | 'size';

export async function localCrc64(file: string): Promise<string> {
  // Loaded on first use: the native addon and its loader cost every other command (a `cp`, an `ls`) 20–80 ms of
  // startup, and only sync's comparison needs it.
  const { Crc64 } = await import('@coffer/native');
  const crc = new Crc64();
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) crc.update(chunk as Buffer);
  return crc.digest().toString();
}

/** The S3 ETag of a local file uploaded in parts of `partBytes` (or whole, when `partBytes` is 0). */
export async function localETag(file: string, sizeBytes: number, partBytes: number): Promise<string> {
  if (partBytes === 0) {
    const md5 = createHash('md5');
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) md5.update(chunk as Buffer);
    return md5.digest('hex');
  }
  const digests: Buffer[] = [];
  for (let start = 0; start < sizeBytes; start += partBytes) {
    const md5 = createHash('md5');
    for await (const chunk of fs.createReadStream(file, {
      start,
      end: Math.min(start + partBytes, sizeBytes) - 1,
      highWaterMark: 1024 * 1024,
    })) {
      md5.update(chunk as Buffer);
    }
    digests.push(md5.digest());
  }
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}`;
}

/** The part size a multipart ETag's part count implies under our power-of-two MiB sizes, if one fits. */
function partSizeFor(sizeBytes: number, parts: number, hint: number): number[] {
  const mib = 1024 * 1024;
  const sizes = [hint];
  for (let s = mib; s <= 5 * 1024 * mib; s *= 2) sizes.push(s);
  return sizes.filter((s) => Math.ceil(sizeBytes / s) === parts);
}

export async function sameContent(
  cos: COS,
  region: string,
  bucket: string,
  key: string,
  file: string,
  sizeBytes: number,
  remote: { sizeBytes: number; etag: string },
  mode: CheckMode,
  partSizeHint: number,
): Promise<boolean> {
  if (remote.sizeBytes !== sizeBytes) return false;
  if (mode === 'size') return true;
  if (mode === 'crc64') {
    const head = await cos.headObject({ Bucket: bucket, Region: region, Key: key });
    const remoteCrc = head.headers['x-cos-hash-crc64ecma'];
    if (remoteCrc) return remoteCrc === (await localCrc64(file));
  }
  const etag = remote.etag.replace(/"/g, '').toLowerCase();
  const dash = etag.indexOf('-');
  if (dash < 0) return etag === (await localETag(file, sizeBytes, 0));
  const parts = Number(etag.slice(dash + 1));
  for (const size of partSizeFor(sizeBytes, parts, partSizeHint)) {
    if (etag === (await localETag(file, sizeBytes, size))) return true;
  }
  return false;
}
