import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { crc64 } from '@coffer/native';
import { signV4Headers } from '@coffer/protocol';
import { nodeCrypto } from '../../../packages/server/src/auth/index.js';
import { storedBlobSizes } from './blobs.js';
import { rawRequest } from './s3.js';
import { TEST_REGION, type TestServer } from './server.js';

export const MiB = 1024 * 1024;

/** What GET /-/admin/usage?bucket=NAME answers (api/admin.ts). */
export interface UsageReport {
  bucket: string;
  objects: { count: number; bytes: number; byStorageClass: Record<string, { count: number; bytes: number }> };
  noncurrentVersions: { count: number; bytes: number };
  deleteMarkers: number;
  incompleteUploads: { count: number; parts: number; bytes: number };
}

/** The operator's view of a bucket, asked for with a SigV4-signed request like any other. */
export async function adminUsage(t: TestServer, bucket: string): Promise<UsageReport> {
  const res = await rawRequest(t, {
    method: 'GET',
    path: '/-/admin/usage',
    query: `bucket=${encodeURIComponent(bucket)}`,
  });
  if (res.status !== 200) throw new Error(`usage: ${res.status} ${res.text}`);
  expectJson(res.headers['content-type']);
  return JSON.parse(res.text) as UsageReport;
}

function expectJson(contentType: string | undefined): void {
  if (contentType !== 'application/json') throw new Error(`usage content-type is ${contentType}`);
}

/** Stored blobs with their sizes: files on disk and inline bodies in the metadata (helpers/blobs.ts). */
export async function blobFiles(dataDir: string): Promise<Map<string, number>> {
  return storedBlobSizes(dataDir);
}

export function totalBytes(files: Map<string, number>): number {
  let sum = 0;
  for (const size of files.values()) sum += size;
  return sum;
}

/** Files in `<dataDir>/tmp` (writes in progress). */
export async function tmpFiles(dataDir: string): Promise<string[]> {
  // A shared data directory (a cluster's) keeps each gateway's in tmp/<gateway>/: the files count, not those folders.
  const entries = await fs.readdir(path.join(dataDir, 'tmp'), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(path.join(dataDir, 'tmp'), path.join(e.parentPath, e.name)));
}

/** Runs GC now (the server's own worker runs every 5 s; the test server's grace period is 0). */
export async function collectGarbage(t: TestServer): Promise<void> {
  await t.server.engine.collectGarbage();
}

/** Random bytes of a given size (parts are small enough to hold). */
export function partBody(sizeBytes: number): Buffer {
  return randomBytes(sizeBytes);
}

export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** The ETag S3 and COS give a multipart object: MD5 of the parts' binary MD5s, then `-N`. */
export function multipartEtag(parts: Buffer[]): string {
  const md5s = parts.map((p) => createHash('md5').update(p).digest());
  return `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${parts.length}"`;
}

/** CRC-64/XZ (x-cos-hash-crc64ecma) of several buffers in order, as the unsigned decimal COS prints. */
export function crc64Decimal(...buffers: Buffer[]): string {
  let crc = 0n;
  for (const b of buffers) crc = crc64(b, crc);
  return crc.toString();
}

/**
 * A body of `sizeBytes` generated on the fly (never held whole), hashed (MD5, CRC-64/XZ, and MD5 per
 * `partBytes` slice) as it is consumed.
 */
export function generatedBody(sizeBytes: number, partBytes: number) {
  const md5 = createHash('md5');
  const partMd5s: Buffer[] = [];
  let crc = 0n;
  let partHash = createHash('md5');
  let inPart = 0;
  async function* chunks() {
    const chunkBytes = 256 * 1024;
    for (let sent = 0; sent < sizeBytes; ) {
      const chunk = randomBytes(Math.min(chunkBytes, sizeBytes - sent));
      sent += chunk.length;
      md5.update(chunk);
      crc = crc64(chunk, crc);
      for (let at = 0; at < chunk.length; ) {
        const take = Math.min(partBytes - inPart, chunk.length - at);
        partHash.update(chunk.subarray(at, at + take));
        inPart += take;
        at += take;
        if (inPart === partBytes) {
          partMd5s.push(partHash.digest());
          partHash = createHash('md5');
          inPart = 0;
        }
      }
      yield chunk;
    }
    if (inPart > 0) partMd5s.push(partHash.digest());
  }
  return {
    stream: Readable.from(chunks(), { objectMode: false }),
    /** Valid once the stream has been read to the end. */
    digests: () => ({
      md5: md5.copy().digest('hex'),
      crc64: crc.toString(),
      etag: `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${partMd5s.length}"`,
      parts: partMd5s.length,
    }),
  };
}

/** MD5 and length of a streamed body without holding it. */
export async function digestStream(body: AsyncIterable<Uint8Array>): Promise<{ md5: string; size: number }> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { md5: hash.digest('hex'), size };
}

/**
 * A SigV4-signed request (UNSIGNED-PAYLOAD) whose body the caller writes piece by piece, so a test can
 * act while the server is in the middle of reading it. `response` settles with the server's answer; a
 * connection cut without one rejects it.
 */
export function streamingRequest(
  t: TestServer,
  /** contentLength < 0: no Content-Length, the body goes chunked. */
  req: { method: string; path: string; query: string; contentLength: number },
): {
  write(chunk: Buffer): Promise<void>;
  end(): void;
  response: Promise<{ status: number; text: string }>;
} {
  const host = `127.0.0.1:${t.port}`;
  const { headers } = signV4Headers(
    {
      method: req.method,
      path: req.path,
      query: req.query,
      headers:
        req.contentLength >= 0
          ? { host, 'content-length': String(req.contentLength) }
          : { host, 'transfer-encoding': 'chunked' },
      payloadHash: 'UNSIGNED-PAYLOAD',
    },
    { credentials: { accessKeyId: t.secretId, secretKey: t.secretKey }, region: TEST_REGION, nowMs: Date.now() },
    nodeCrypto,
  );
  const request = http.request({
    host: '127.0.0.1',
    port: t.port,
    method: req.method,
    path: req.query ? `${req.path}?${req.query}` : req.path,
    headers,
    agent: false,
  });
  let answered = false;
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // Writing after the server has answered and closed is expected (EPIPE/ECONNRESET); only a
    // connection cut before any answer is a failure.
    request.on('error', (err) => {
      if (!answered) reject(new Error(`connection failed before a response: ${err.message}`));
    });
  });
  response.catch(() => {});
  request.flushHeaders();
  return {
    write: (chunk) =>
      new Promise<void>((resolve) => {
        if (request.destroyed) return resolve();
        request.write(chunk, () => resolve());
      }),
    end: () => request.end(),
    response,
  };
}

/** Polls `check` until it returns true (or fails after `timeoutMs`). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
