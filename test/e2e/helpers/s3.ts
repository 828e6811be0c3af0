import { createHash } from 'node:crypto';
import http from 'node:http';
import type { S3Client } from '@aws-sdk/client-s3';
import { EMPTY_SHA256_HEX, presignV2, signV2Headers, signV4Headers } from '@coffer/protocol';
import { nodeCrypto } from '../../../packages/server/src/auth/index.js';
import { TEST_REGION, type TestServer } from './server.js';

/**
 * Keys that break naive encoders, decoders and XML writers. Each round-trips through PUT, GET, LIST
 * and DELETE exactly.
 */
export const AWKWARD_KEYS = {
  space: 'dir with space/file name.txt',
  unicode: 'ünïcødé/日本語/😀.bin',
  plus: 'a+b+c.txt',
  percent: '100%/50%25.txt',
  question: 'what?x=1&y=2',
  hash: 'issue#42',
  doubleSlash: 'a//b',
  dots: 'x/../y/./z',
  xmlSpecials: '<tag attr="v">&amp;\'</tag>',
  leadingSpace: ' padded ',
  /** Control characters: only listable as XML with encoding-type=url (or as numeric references). */
  control: 'ctl\u0001\u0002\u001f\u007f.txt',
  tabNewline: 'line1\nline2\tend\r',
  folder: 'folder/',
} as const;

/** A response read whole, for raw-HTTP tests. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RawRequest {
  method: string;
  /** Path as sent on the wire, percent-encoded (`/bucket/a%20b`). */
  path: string;
  /** Query as sent (no '?'). */
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** How to sign: SigV4 header (default), SigV2 header, or not at all. */
  sign?: 'v4' | 'v2' | 'none';
  /** Signing time (default now). */
  nowMs?: number;
  accessKeyId?: string;
  secretKey?: string;
  /** x-amz-content-sha256 for SigV4 (default: the body's hex SHA-256). */
  payloadHash?: string;
}

/**
 * Sends one request with node:http (nothing normalises the path or adds headers behind our back),
 * signed with Coffer's own signers: for what @aws-sdk/client-s3 cannot send.
 */
export async function rawRequest(t: TestServer, req: RawRequest): Promise<RawResponse> {
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const host = `127.0.0.1:${t.port}`;
  const credentials = { accessKeyId: req.accessKeyId ?? t.secretId, secretKey: req.secretKey ?? t.secretKey };
  const nowMs = req.nowMs ?? Date.now();
  const base: Record<string, string> = { host, ...req.headers };
  if (body !== undefined && base['content-length'] === undefined) base['content-length'] = String(body.length);
  let headers = base;
  const sign = req.sign ?? 'v4';
  if (sign === 'v4') {
    const payloadHash = req.payloadHash ?? (body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256_HEX);
    headers = signV4Headers(
      { method: req.method, path: req.path, query: req.query ?? '', headers: base, payloadHash },
      { credentials, region: TEST_REGION, nowMs },
      nodeCrypto,
    ).headers;
  } else if (sign === 'v2') {
    headers = signV2Headers(
      { method: req.method, path: req.path, query: req.query ?? '', headers: base },
      { credentials, nowMs },
      nodeCrypto,
    ).headers;
  }
  const target = req.query ? `${req.path}?${req.query}` : req.path;
  return new Promise<RawResponse>((resolve, reject) => {
    const r = http.request(
      { host: '127.0.0.1', port: t.port, method: req.method, path: target, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const all = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text: all.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

/** A SigV2 presigned URL (what awscli v1 `s3 presign` makes). */
export function presignV2Url(
  t: TestServer,
  req: { method: string; path: string; query?: string; expiresAtSeconds: number; secretKey?: string },
): string {
  const query = presignV2(
    { method: req.method, path: req.path, ...(req.query ? { query: req.query } : {}) },
    {
      credentials: { accessKeyId: t.secretId, secretKey: req.secretKey ?? t.secretKey },
      expiresAtSeconds: req.expiresAtSeconds,
    },
    nodeCrypto,
  );
  return `${t.url}${req.path}?${query}`;
}

/** The fields of an error document (or of any flat XML document), by element name. */
export function xmlFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of text.matchAll(/<([A-Za-z]+)>([^<]*)<\/\1>/g)) fields[m[1]!] ??= m[2]!;
  return fields;
}

/** Every text value of element `name` in document order. */
export function xmlValues(text: string, name: string): string[] {
  return [...text.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);
}

/**
 * Asserts a complete S3 error document: status, Code, a non-empty Message, Resource (when given) and a
 * RequestId that matches the response headers.
 */
export function errorOf(res: RawResponse): { status: number; code: string; message: string; resource: string } {
  const f = xmlFields(res.text);
  const requestId = res.headers['x-amz-request-id'];
  if (!res.text.startsWith('<?xml') || f['RequestId'] !== requestId || requestId !== res.headers['x-cos-request-id']) {
    throw new Error(`not a complete error document (status ${res.status}): ${res.text}`);
  }
  if (res.headers['content-type'] !== 'application/xml') {
    throw new Error(`error content-type is ${res.headers['content-type']}`);
  }
  return { status: res.status, code: f['Code'] ?? '', message: f['Message'] ?? '', resource: f['Resource'] ?? '' };
}

/** What an SDK call rejected with: HTTP status and the S3 Code (the SDK names the error after it). */
export async function sdkError(
  promise: Promise<unknown>,
): Promise<{ status: number | undefined; code: string; message: string; requestId: string | undefined }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
    return { status: e.$metadata?.httpStatusCode, code: e.name, message: e.message, requestId: e.$metadata?.requestId };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** The last request the client put on the wire and the raw response headers it got. */
export interface WireRecord {
  method: string;
  hostname: string;
  port: number | undefined;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  status: number;
  responseHeaders: Record<string, string>;
}

/**
 * Records every request a client sends, as signed (the deserialize step sees the final request)
 * and the raw response headers the SDK's output does not surface (x-cos-*).
 */
export function recordWire(client: S3Client): WireRecord[] {
  const log: WireRecord[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as {
        method: string;
        hostname: string;
        port?: number;
        path: string;
        query: Record<string, unknown>;
        headers: Record<string, string>;
      };
      const entry: WireRecord = {
        method: request.method,
        hostname: request.hostname,
        port: request.port,
        path: request.path,
        query: { ...request.query },
        headers: { ...request.headers },
        status: 0,
        responseHeaders: {},
      };
      log.push(entry);
      const out = await next(args).catch(
        (err: { $response?: { statusCode: number; headers: Record<string, string> } }) => {
          if (err.$response) {
            entry.status = err.$response.statusCode;
            entry.responseHeaders = { ...err.$response.headers };
          }
          throw err;
        },
      );
      const response = out.response as { statusCode: number; headers: Record<string, string> };
      entry.status = response.statusCode;
      entry.responseHeaders = { ...response.headers };
      return out;
    },
    { step: 'deserialize', name: 'cofferWireRecorder' },
  );
  return log;
}

/** Base64 MD5, as Content-MD5 carries it. */
export function md5Base64(data: string | Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Encodes a key for a raw request path as the SDK does (each segment, '/' kept). */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}
