/**
 * sliceUploadFile's integrity checks against a scripted multipart server: each part's CRC-64 is compared with the
 * server's x-cos-hash-crc64ecma (a wrong answer sends the part again, then fails with CRC64Mismatch), the whole
 * object's with Complete's, and Content-MD5 goes with the parts only under UploadCheckContentMd5.
 */
import { createHash, randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { crc64, crc64Combine } from '@coffer/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import COS, { S3ServiceError } from '../index.js';

const MIB = 1024 * 1024;
const Bucket = 'slices-1250000000';
const Region = 'ap-guangzhou';
/** Three parts of 1 MiB and a short fourth. */
const DATA = randomFillSync(Buffer.alloc(3 * MIB + 12345));

interface PartSeen {
  partNumber: number;
  contentMd5: string | undefined;
  bytes: Buffer;
}

/** What the fake server answers as a part's CRC (the true one by default), and as the completed object's. */
let partCrcAnswer: (partNumber: number, attempt: number, crc: bigint) => string | undefined;
let completeCrcAnswer: (crc: bigint) => string | undefined;
let partsSeen: PartSeen[];
/**
 * Milliseconds × part number the fake server waits before it reads a part's body: the client's sockets back up,
 * and drain at different times.
 */
let readDelayMs: number;
let completes: number;
let server: http.Server;
let port: number;
let dir: string;
let file: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-sdk-slices-'));
  file = path.join(dir, 'data.bin');
  fs.writeFileSync(file, DATA);
  server = http.createServer(async (req, res) => {
    if (readDelayMs > 0) {
      req.pause();
      const partNumber = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('partNumber') ?? 0);
      await new Promise((resolve) => setTimeout(resolve, readDelayMs * partNumber));
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    const xml = (text: string, headers: Record<string, string> = {}) =>
      res.writeHead(200, { 'content-type': 'application/xml', ...headers }).end(text);
    if (req.method === 'GET' && url.searchParams.has('uploads')) {
      xml(
        `<ListMultipartUploadsResult><Bucket>${Bucket}</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`,
      );
    } else if (req.method === 'POST' && url.searchParams.has('uploads')) {
      xml(
        `<InitiateMultipartUploadResult><Bucket>${Bucket}</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>`,
      );
    } else if (req.method === 'PUT' && url.searchParams.has('partNumber')) {
      const partNumber = Number(url.searchParams.get('partNumber'));
      const attempt = partsSeen.filter((p) => p.partNumber === partNumber).length;
      partsSeen.push({ partNumber, contentMd5: req.headers['content-md5'] as string | undefined, bytes: body });
      const answer = partCrcAnswer(partNumber, attempt, crc64(body));
      res.writeHead(200, {
        etag: `"${createHash('md5').update(body).digest('hex')}"`,
        ...(answer !== undefined ? { 'x-cos-hash-crc64ecma': answer } : {}),
      });
      res.end();
    } else if (req.method === 'POST' && url.searchParams.has('uploadId')) {
      completes++;
      // The object is the last body sent for each part, in part-number order.
      const last = new Map<number, Buffer>();
      for (const p of partsSeen) last.set(p.partNumber, p.bytes);
      let crc = 0n;
      for (const n of [...last.keys()].sort((a, b) => a - b))
        crc = crc64Combine(crc, crc64(last.get(n)!), last.get(n)!.length);
      const answer = completeCrcAnswer(crc);
      xml(
        `<CompleteMultipartUploadResult><Bucket>${Bucket}</Bucket><Key>k</Key><ETag>"e-4"</ETag></CompleteMultipartUploadResult>`,
        answer !== undefined ? { 'x-cos-hash-crc64ecma': answer } : {},
      );
    } else {
      res.writeHead(400).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  partCrcAnswer = (_n, _attempt, crc) => String(crc);
  completeCrcAnswer = (crc) => String(crc);
  partsSeen = [];
  completes = 0;
  readDelayMs = 0;
});

function client(options: Record<string, unknown> = {}): COS {
  return new COS({
    SecretId: 'AKIDEXAMPLE',
    SecretKey: 'EXAMPLEKEY',
    Protocol: 'http:',
    Domain: `127.0.0.1:${port}`,
    ForcePathStyle: true,
    RetryDelayMs: 1,
    ...options,
  });
}

const upload = (cos: COS, extra: Record<string, unknown> = {}) =>
  cos.sliceUploadFile({ Bucket, Region, Key: 'k', FilePath: file, SliceSize: MIB, SkipTask: true, ...extra } as never);

/** The part numbers sent, in the order they arrived. */
const sentParts = () => partsSeen.map((p) => p.partNumber).sort((a, b) => a - b);

describe('sliceUploadFile CRC-64 checks', () => {
  it('checks every part with the given Crc64 function, sends no Content-MD5 by default, and completes', async () => {
    let crcBytes = 0;
    const counting = (data: Uint8Array, prev?: bigint) => {
      crcBytes += data.length;
      return crc64(data, prev);
    };
    const res = await upload(client(), { Crc64: counting });
    expect(res.ETag).toBe('"e-4"');
    expect(sentParts()).toEqual([1, 2, 3, 4]);
    expect(partsSeen.every((p) => p.contentMd5 === undefined)).toBe(true);
    // (Buffer.equals: toEqual compares 3 MiB byte by byte for seconds.)
    const sent = Buffer.concat([1, 2, 3, 4].map((n) => partsSeen.find((p) => p.partNumber === n)!.bytes));
    expect(sent.equals(DATA)).toBe(true);
    // Every byte went through the CRC once, as it was sent.
    expect(crcBytes).toBe(DATA.length);
  });

  it('sends a part again when its answered CRC-64 is wrong', async () => {
    partCrcAnswer = (n, attempt, crc) => String(n === 2 && attempt === 0 ? crc ^ 1n : crc);
    await upload(client());
    expect(sentParts()).toEqual([1, 2, 2, 3, 4]);
    expect(completes).toBe(1);
  });

  it('fails with CRC64Mismatch, before Complete, when the part stays wrong after ChunkRetryTimes', async () => {
    partCrcAnswer = (n, _attempt, crc) => String(n === 3 ? crc + 1n : crc);
    const err = await upload(client({ ChunkRetryTimes: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3ServiceError);
    expect(err).toMatchObject({ code: 'CRC64Mismatch', UploadId: 'up-1' });
    expect((err as Error).message).toMatch(/^part 3: the server's x-cos-hash-crc64ecma is \d+, the local data's is/);
    expect(partsSeen.filter((p) => p.partNumber === 3)).toHaveLength(2);
    expect(completes).toBe(0);
  });

  it("fails with CRC64Mismatch when Complete's whole-object CRC-64 is not the parts' combined", async () => {
    completeCrcAnswer = (crc) => String(crc ^ (1n << 63n));
    await expect(upload(client())).rejects.toMatchObject({
      code: 'CRC64Mismatch',
      message: expect.stringMatching(/^the completed object: /),
    });
  });

  it('trusts a server that answers no CRC-64, and checks nothing with UploadCheckCrc64: false', async () => {
    partCrcAnswer = () => undefined;
    completeCrcAnswer = () => undefined;
    await expect(upload(client())).resolves.toMatchObject({ ETag: '"e-4"' });
    partCrcAnswer = () => '1';
    completeCrcAnswer = () => '1';
    partsSeen = [];
    await expect(upload(client({ UploadCheckCrc64: false }))).resolves.toMatchObject({ ETag: '"e-4"' });
    expect(sentParts()).toEqual([1, 2, 3, 4]);
  });

  it('sends each part with its Content-MD5 under UploadCheckContentMd5 (a file, bytes, a stream)', async () => {
    const bodies = [
      { FilePath: file },
      { Body: DATA },
      { Body: fs.createReadStream(file), ContentLength: DATA.length },
    ];
    for (const body of bodies) {
      partsSeen = [];
      await upload(client({ UploadCheckContentMd5: true }), { FilePath: undefined, ...body });
      expect(sentParts()).toEqual([1, 2, 3, 4]);
      for (const p of partsSeen) expect(p.contentMd5).toBe(createHash('md5').update(p.bytes).digest('base64'));
    }
  });

  it('sends every byte intact when the server reads slowly: a file buffer is reused only once the socket wrote it', async () => {
    // Parts larger than what the kernel's socket buffers take in while the server does not read (a few MiB here).
    const big = randomFillSync(Buffer.alloc(48 * MIB));
    const bigFile = path.join(dir, 'big.bin');
    fs.writeFileSync(bigFile, big);
    readDelayMs = 150;
    await upload(client({ UploadCheckCrc64: false }), { FilePath: bigFile, SliceSize: 16 * MIB, AsyncLimit: 3 });
    const sent = Buffer.concat([1, 2, 3].map((n) => partsSeen.find((p) => p.partNumber === n)!.bytes));
    expect(sent.equals(big)).toBe(true);
  });
});
