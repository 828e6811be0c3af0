import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { rawRequest } from './s3.js';
import type { TestServer } from './server.js';

/**
 * What the SSE tests share: recognisable plaintext, SSE-C keys in the forms clients send them, and a
 * scan of the whole data directory (every file under it: blob files, the database, its WAL, logs,
 * master.key aside) for bytes that must never be stored.
 */

/** Recognisable plaintext: a marker repeated, so any 4 KiB stored in the clear contains it whole. */
export const MARKER = Buffer.from('COFFER-SSE-C-KMS-PLAINTEXT|');

export function plaintext(size: number, marker = MARKER): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += marker.length) marker.copy(out, i);
  return out;
}

/** An SSE-C key: 32 random bytes, with the base64 and MD5 forms the headers carry. */
export interface CustomerKey {
  raw: Buffer;
  base64: string;
  md5: string;
}

export function customerKey(): CustomerKey {
  const raw = randomBytes(32);
  return { raw, base64: raw.toString('base64'), md5: createHash('md5').update(raw).digest('base64') };
}

/** The SSE-C request headers (x-amz- family, or x-cos- with `cos`), or their copy-source form. */
export function customerHeaders(key: CustomerKey, options: { copySource?: boolean; cos?: boolean } = {}) {
  const p = `${options.cos ? 'x-cos' : 'x-amz'}-${options.copySource ? 'copy-source-' : ''}server-side-encryption-customer-`;
  return { [`${p}algorithm`]: 'AES256', [`${p}key`]: key.base64, [`${p}key-MD5`]: key.md5 };
}

/** Every file of the data directory except master.key, read whole. */
async function dataFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name === 'master.key') continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(file, await fs.readFile(file).catch(() => Buffer.alloc(0)));
  }
  return out;
}

/** The data directory's files that contain any of `needles`. */
export async function filesContaining(dataDir: string, needles: Buffer[]): Promise<string[]> {
  const hits: string[] = [];
  for (const [file, bytes] of await dataFiles(dataDir)) {
    if (needles.some((n) => bytes.includes(n))) hits.push(path.relative(dataDir, file));
  }
  return hits;
}

/** What an SSE-C key looks like where it could leak: raw, base64 (as sent), hex. */
export function keyForms(key: CustomerKey): Buffer[] {
  return [key.raw, Buffer.from(key.base64), Buffer.from(key.raw.toString('hex'))];
}

/** The admin API of the KMS key registry (docs/admin-api.md), signed with the root key. */
export async function kmsAdmin(
  t: TestServer,
  method: 'GET' | 'POST',
  suffix = '',
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await rawRequest(t, {
    method,
    path: `/-/admin/kms/keys${suffix}`,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: res.status, json: res.text === '' ? {} : (JSON.parse(res.text) as Record<string, unknown>) };
}

export async function createKmsKey(t: TestServer, description = 'test'): Promise<{ keyId: string; arn: string }> {
  const res = await kmsAdmin(t, 'POST', '', { description });
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json as { keyId: string; arn: string };
}
