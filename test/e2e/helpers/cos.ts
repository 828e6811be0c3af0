import { createHash } from 'node:crypto';
import dc from 'node:diagnostics_channel';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { TEST_REGION, type TestServer } from './server.js';

/** The three ways a cos-nodejs-sdk-v5 client can reach Coffer (see TestServer.cos). */
export const COS_MODES = ['path', 'vhost', 'ip'] as const;
export type CosMode = (typeof COS_MODES)[number];

export const REGION = TEST_REGION;

/**
 * What cos-nodejs-sdk-v5 rejects with when the server answers with an error
 * (https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/base.js).
 */
export interface CosCallError {
  code: string;
  message: string;
  statusCode: number;
  headers: Record<string, string>;
  RequestId?: string;
  error: { Code?: string; Message?: string; Resource?: string; RequestId?: string; TraceId?: string } & Record<
    string,
    unknown
  >;
}

/** Awaits a COS SDK call that must fail and returns its error. */
export async function cosError(call: Promise<unknown>): Promise<CosCallError> {
  try {
    await call;
  } catch (err) {
    return err as CosCallError;
  }
  throw new Error('expected the COS SDK call to fail, but it succeeded');
}

/**
 * Asserts the whole COS error shape: status, code, and the error XML's RequestId (equal to the
 * x-cos-request-id header) and Resource.
 */
export function expectCosError(
  err: CosCallError,
  expected: { statusCode: number; code: string; resource?: string; message?: string },
): void {
  const problems: string[] = [];
  if (err.statusCode !== expected.statusCode) problems.push(`statusCode ${err.statusCode} ≠ ${expected.statusCode}`);
  if (err.code !== expected.code) problems.push(`code ${err.code} ≠ ${expected.code}`);
  if (err.error?.Code !== expected.code) problems.push(`error.Code ${err.error?.Code} ≠ ${expected.code}`);
  const requestId = err.headers?.['x-cos-request-id'];
  if (!requestId || err.error?.RequestId !== requestId) {
    problems.push(`error.RequestId ${err.error?.RequestId} ≠ x-cos-request-id ${requestId}`);
  }
  if (expected.resource !== undefined && err.error?.Resource !== expected.resource) {
    problems.push(`error.Resource ${err.error?.Resource} ≠ ${expected.resource}`);
  }
  if (expected.message !== undefined && err.message !== expected.message) {
    problems.push(`message ${JSON.stringify(err.message)} ≠ ${JSON.stringify(expected.message)}`);
  }
  if (problems.length > 0) {
    throw new Error(`unexpected COS error (${problems.join('; ')}): ${JSON.stringify(err.error ?? err)}`);
  }
}

/** The CopySource form the SDK insists on: `<bucket-appid>.cos.<region>.myqcloud.com/<key>`. */
export function copySource(bucket: string, key: string, versionId?: string): string {
  const encoded = encodeURIComponent(key).replace(/%2F/g, '/');
  return `${bucket}.cos.${REGION}.myqcloud.com/${encoded}${versionId !== undefined ? `?versionId=${versionId}` : ''}`;
}

export function md5Hex(body: string | Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

const CRC64_XZ_POLY = 0xc96c5795d7870f42n;
const CRC64_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = BigInt(n);
  for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ CRC64_XZ_POLY : c >> 1n;
  return c;
});

/** CRC-64/XZ (what COS calls crc64ecma) as the unsigned decimal COS prints; an independent reference. */
export function crc64ecma(body: string | Buffer): string {
  let crc = 0xffffffffffffffffn;
  for (const byte of Buffer.from(body)) crc = CRC64_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)]! ^ (crc >> 8n);
  return (crc ^ 0xffffffffffffffffn).toString();
}

/**
 * Where a presigned URL made in `mode` really goes: with the `Ip` option the URL names the real COS
 * host, which fetch cannot override (Host is a forbidden header there), so those are sent with
 * node:http to the test server with the URL's host in Host, as the SDK itself does.
 */
export async function fetchUrl(
  t: TestServer,
  mode: CosMode,
  url: string,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  if (mode !== 'ip') {
    const res = await fetch(url);
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: t.port, path: target.pathname + target.search, headers: { host: target.host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

export interface RecordedExchange {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The response status, once the response has finished. */
  status?: number;
  /** The headers the server answered with, once the response has finished. */
  responseHeaders?: Record<string, unknown>;
}

/**
 * Records every request the in-process server receives (from `http.server.request.start`, so it
 * sees exactly what the client put on the wire) until `stop()`. Only requests whose Host or URL
 * mention `match` are kept, so concurrent test files do not interfere.
 */
export function recordRequests(match: string): { exchanges: RecordedExchange[]; stop(): void } {
  const exchanges: RecordedExchange[] = [];
  const onStart = (message: unknown) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const url = request.url ?? '';
    if (!url.includes(match) && !(request.headers.host ?? '').includes(match)) return;
    const exchange: RecordedExchange = { method: request.method ?? '', url, headers: { ...request.headers } };
    exchanges.push(exchange);
    response.once('finish', () => {
      exchange.status = response.statusCode;
      exchange.responseHeaders = response.getHeaders();
    });
  };
  dc.subscribe('http.server.request.start', onStart);
  return { exchanges, stop: () => dc.unsubscribe('http.server.request.start', onStart) };
}
