/**
 * Unmodified third-party clients (cos-nodejs-sdk-v5, @aws-sdk/client-s3) send requests to a bare node:http server
 * that runs `authenticate` and the payload verifier on exactly what arrived on the wire.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from './authenticate.js';
import { createPayloadVerifier } from './payload-verifier.js';
import type { AuthContext, AuthResult, Credential, SignableRequest } from './types.js';

const BUCKET = 'examplebucket-1250000000';
const CREDENTIAL: Credential = {
  accessKeyId: 'AKIDEXAMPLE',
  secretKey: 'EXAMPLEKEY+/with=odd~chars',
  principal: { appId: '1250000000', ownerUin: '100000000001', uin: '100000000001', isRoot: true },
};

/** Keys that exercise every client's path encoder (and S3's refusal to normalise `..` and `//`). */
const AWKWARD_KEYS = [
  'dir/hello world.txt',
  "bang!star*quote'(paren).txt",
  '腾讯云/文件+plus=eq&amp;.txt',
  'pct%25literal%',
  'a//double/../dots/./x',
  'tilde~under_score-dash.dot',
  'emoji😀 #hash ?question',
];

/** A node:crypto Hash in the shape @smithy/signature-v4 expects. */
class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  result?: AuthResult;
  error?: { code: string; message: string };
  body?: Buffer;
  trailers?: Record<string, string>;
}

const ctx: AuthContext = {
  lookupCredential: async (ak) => (ak === CREDENTIAL.accessKeyId ? CREDENTIAL : undefined),
  nowMs: () => Date.now(),
  region: 'ap-guangzhou',
};

let server: Server;
let port = 0;
const seen: Seen[] = [];

/** Routes like Coffer's http layer will: a `/{bucket}` first segment is path-style, a `{bucket}.cos.…` Host is vhost. */
function signable(req: IncomingMessage): SignableRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const host = req.headers.host ?? '';
  const vhost = /^([a-z0-9-]+-\d+)\.cos\./.exec(host)?.[1];
  return {
    method: req.method ?? 'GET',
    rawPath,
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    headers: req.headers,
    pathStyleBucket:
      !vhost && (rawPath === `/${BUCKET}` || rawPath.startsWith(`/${BUCKET}/`)) ? `/${BUCKET}` : undefined,
    virtualHostBucket: vhost,
  };
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const record: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
  seen.push(record);
  try {
    record.result = await authenticate(signable(req), ctx);
    const chunks: Buffer[] = [];
    const verifier = createPayloadVerifier(record.result.payload);
    await pipeline(
      req,
      verifier,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          chunks.push(chunk);
          cb();
        },
      }),
    );
    record.body = Buffer.concat(chunks);
    if ('trailers' in verifier) record.trailers = verifier.trailers();
  } catch (err) {
    const e = err as { code?: string; message: string };
    record.error = { code: e.code ?? 'InternalError', message: e.message };
    req.resume();
    res.writeHead(403, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0"?><Error><Code>${record.error.code}</Code><Message>x</Message></Error>`);
    return;
  }
  if (req.method === 'GET' && !record.url.includes('prefix') && !record.url.includes('list-type')) {
    res.writeHead(200, { etag: '"0"', 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0"?><ListBucketResult><Name>${BUCKET}</Name><KeyCount>0</KeyCount></ListBucketResult>`);
    return;
  }
  res.writeHead(200, { etag: '"0"', 'content-length': '0' });
  res.end();
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs `action` and returns what the server saw for it (client-side parse errors are irrelevant here). */
async function capture(action: () => Promise<unknown>): Promise<Seen[]> {
  const from = seen.length;
  try {
    await action();
  } catch {
    // The recording server's replies are minimal; only the server-side verdict matters.
  }
  return seen.slice(from);
}

function expectVerified(records: Seen[], kind: AuthResult['kind']): void {
  expect(records.length).toBeGreaterThan(0);
  for (const r of records) {
    expect(r.error, `${r.method} ${r.url}`).toBeUndefined();
    expect(r.result?.kind).toBe(kind);
    expect(r.result?.accessKeyId).toBe(CREDENTIAL.accessKeyId);
    expect(r.result?.principal).toEqual(CREDENTIAL.principal);
  }
}

describe('cos-nodejs-sdk-v5 against authenticate', () => {
  const pathStyle = () =>
    new COS({
      SecretId: CREDENTIAL.accessKeyId,
      SecretKey: CREDENTIAL.secretKey,
      Protocol: 'http:',
      Domain: `127.0.0.1:${port}/{Bucket}`,
      ServiceDomain: `http://127.0.0.1:${port}`,
    });
  const virtualHost = () =>
    new COS({
      SecretId: CREDENTIAL.accessKeyId,
      SecretKey: CREDENTIAL.secretKey,
      Protocol: 'http:',
      Ip: `127.0.0.1:${port}`,
    });
  const common = { Bucket: BUCKET, Region: 'ap-guangzhou' };

  for (const [shape, make] of [
    ['path-style (Domain: host/{Bucket}, bucket not signed)', pathStyle],
    ['virtual-host (Ip option, real COS Host header)', virtualHost],
  ] as const) {
    describe(shape, () => {
      for (const key of AWKWARD_KEYS) {
        it(`putObject / getObject / headObject / putObjectAcl / deleteObject for ${JSON.stringify(key)}`, async () => {
          const cos = make();
          const records = await capture(async () => {
            await cos.putObject({ ...common, Key: key, Body: 'hello' });
            await cos.getObject({ ...common, Key: key, ResponseContentType: 'text/plain; charset=utf-8' });
            await cos.headObject({ ...common, Key: key });
            await cos.putObjectAcl({ ...common, Key: key, ACL: 'public-read' });
            await cos.deleteObject({ ...common, Key: key });
          });
          expect(records.map((r) => r.method)).toEqual(['PUT', 'GET', 'HEAD', 'PUT', 'DELETE']);
          expectVerified(records, 'cos');
          expect(records[0]!.body?.toString()).toBe('hello');
        });
      }

      it('getBucket with an awkward prefix, and multipartInit (empty Cache-Control / Content-Type headers)', async () => {
        const cos = make();
        const records = await capture(async () => {
          await cos.getBucket({ ...common, Prefix: "a b+c/(d)!*'~", Delimiter: '/' });
          await cos.multipartInit({ ...common, Key: 'big.bin' });
        });
        expect(records).toHaveLength(2);
        expectVerified(records, 'cos');
      });

      it('temporary-key requests carry x-cos-security-token, reported but not signed', async () => {
        const cos = new COS({
          getAuthorization: (_opts, cb) =>
            cb({
              TmpSecretId: CREDENTIAL.accessKeyId,
              TmpSecretKey: CREDENTIAL.secretKey,
              SecurityToken: 'TOKEN123',
              StartTime: Math.floor(Date.now() / 1000) - 1,
              ExpiredTime: Math.floor(Date.now() / 1000) + 600,
            }),
          Protocol: 'http:',
          ...(make === pathStyle ? { Domain: `127.0.0.1:${port}/{Bucket}` } : { Ip: `127.0.0.1:${port}` }),
        });
        const records = await capture(() => cos.putObject({ ...common, Key: 't.txt', Body: 'x' }));
        expectVerified(records, 'cos');
        expect(records[0]!.result?.securityToken).toBe('TOKEN123');
      });

      it('presigned getObjectUrl, sync (raw q-url-param-list) and async (%3b-encoded) forms', async () => {
        const cos = make();
        const query = {
          'response-content-type': 'text/plain',
          'response-content-disposition': 'attachment; name="a b"',
        };
        const syncUrl = cos.getObjectUrl({ ...common, Key: AWKWARD_KEYS[0]!, Sign: true, Query: query }, () => {});
        const asyncUrl = await new Promise<string>((resolve, reject) =>
          cos.getObjectUrl({ ...common, Key: AWKWARD_KEYS[2]!, Sign: true, Query: query }, (err, data) =>
            err ? reject(err) : resolve(data.Url),
          ),
        );
        expect(asyncUrl).toContain('q-url-param-list=response-content-disposition%3bresponse-content-type');
        for (const url of [syncUrl, asyncUrl]) {
          const u = new URL(url);
          // Ip mode builds URLs on the real COS host; send them to the recording server with that Host header.
          const records = await capture(() =>
            fetchVia(u, make === virtualHost ? `${BUCKET}.cos.ap-guangzhou.myqcloud.com` : undefined),
          );
          expectVerified(records, 'cos');
          expect(records[0]!.result?.presigned).toBe(true);
        }
      });
    });
  }
});

/** GET a URL at the recording server, optionally presenting another Host (as the COS SDK's Ip option does). */
async function fetchVia(url: URL, host?: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'GET', path: url.pathname + url.search, headers: host ? { host } : {} },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('@aws-sdk/client-s3 against authenticate', () => {
  const client = () =>
    new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      region: 'any-region-1',
      credentials: { accessKeyId: CREDENTIAL.accessKeyId, secretAccessKey: CREDENTIAL.secretKey },
      maxAttempts: 1,
    });

  for (const key of AWKWARD_KEYS) {
    it(`PutObject (signed sha256 + CRC32) / GetObject with Range / ListObjectsV2 for ${JSON.stringify(key)}`, async () => {
      const s3 = client();
      const records = await capture(async () => {
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'hello world' }));
        await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: 'bytes=0-1' }));
        await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key, Delimiter: '/' }));
      });
      expect(records).toHaveLength(3);
      expectVerified(records, 'sigv4');
      expect(records[0]!.body?.toString()).toBe('hello world');
      expect(records[0]!.result?.payload.kind).toMatch(/^(sha256|aws-chunked|none)$/);
    });
  }

  it('a streamed PutObject arrives as aws-chunked with a CRC32 trailer and is decoded', async () => {
    const payload = Buffer.alloc(200_000, 7);
    const records = await capture(() =>
      client().send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'streamed.bin',
          Body: Readable.from([payload.subarray(0, 70_000), payload.subarray(70_000)]),
          ContentLength: payload.length,
        }),
      ),
    );
    expectVerified(records, 'sigv4');
    const r = records[0]!;
    expect(r.headers['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(r.result?.payload).toMatchObject({ kind: 'aws-chunked', signed: false, trailer: true });
    expect(r.body?.equals(payload)).toBe(true);
    expect(r.trailers?.['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });

  it('a presigned GET (as @aws-sdk/s3-request-presigner builds it) verifies', async () => {
    const signer = new SignatureV4({
      credentials: { accessKeyId: CREDENTIAL.accessKeyId, secretAccessKey: CREDENTIAL.secretKey },
      region: 'any-region-1',
      service: 's3',
      sha256: NodeSha256,
      uriEscapePath: false,
    });
    const path = '/' + BUCKET + '/dir/hello%20world.txt';
    const presigned = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port,
        path,
        query: { 'response-content-type': 'text/plain' },
        headers: { host: `127.0.0.1:${port}`, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      },
      { expiresIn: 300 },
    );
    const search = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const records = await capture(() => fetchVia(new URL(`http://127.0.0.1:${port}${path}?${search}`)));
    expectVerified(records, 'sigv4');
    expect(records[0]!.result?.presigned).toBe(true);
  });
});
