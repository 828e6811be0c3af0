/**
 * Retries, errors, clock-skew correction and diagnostics against a scripted HTTP server: network errors and 5xx
 * are retried with growing delays, a 4xx never is, a stream body never is.
 */
import dc from 'node:diagnostics_channel';
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import COS, { DIAGNOSTICS_CHANNELS, S3ServiceError, SDK_ERROR_CODES } from './index.js';

type Step = (req: IncomingMessage, res: ServerResponse) => void;

interface Seen {
  at: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

let server: http.Server;
let port: number;
let script: Step[] = [];
let seen: Seen[] = [];

const errorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><Resource>/b/k</Resource><RequestId>req-${code}</RequestId></Error>`;

const reply =
  (status: number, body = '', headers: Record<string, string> = {}): Step =>
  (_req, res) => {
    res.writeHead(status, { 'x-cos-request-id': `rid-${seen.length}`, ...headers });
    res.end(body);
  };
const dropConnection: Step = (req) => req.socket.destroy();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ at: Date.now(), method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => (script.shift() ?? reply(200))(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  script = [];
  seen = [];
});

function client(options: Record<string, unknown> = {}): COS {
  return new COS({
    SecretId: 'AKIDEXAMPLE',
    SecretKey: 'EXAMPLEKEY',
    Protocol: 'http:',
    Domain: `127.0.0.1:${port}`,
    ForcePathStyle: true,
    RetryDelayMs: 20,
    KeepAlive: false,
    ...options,
  });
}

const Bucket = 'retry-1250000000';
const Region = 'ap-guangzhou';

describe('retries', () => {
  it('retries 5xx with growing delays, re-signs, marks retries, and succeeds', async () => {
    script = [
      reply(503, errorXml('SlowDown', 'slow')),
      reply(500, errorXml('InternalError', 'oops')),
      reply(503),
      reply(200),
    ];
    const data = await client().putObject({ Bucket, Region, Key: 'k', Body: 'hello' });
    expect(data.statusCode).toBe(200);
    expect(seen).toHaveLength(4);
    expect(seen[0]!.headers['x-cos-sdk-retry']).toBeUndefined();
    for (const retry of seen.slice(1)) {
      expect(retry.headers['x-cos-sdk-retry']).toBe('true');
      expect(retry.headers.authorization).toContain('x-cos-sdk-retry');
    }
    // Delays: base 20 ms doubling, each scaled by 0.5–1 → at least 10, 20, 40 ms.
    const gaps = seen.slice(1).map((s, i) => s.at - seen[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[1]).toBeGreaterThanOrEqual(19);
    expect(gaps[2]).toBeGreaterThanOrEqual(39);
  });

  it('retries a dropped connection', async () => {
    script = [dropConnection, reply(200, '', { etag: '"abc"' })];
    const data = await client().headObject({ Bucket, Region, Key: 'k' });
    expect(data.ETag).toBe('"abc"');
    expect(seen).toHaveLength(2);
  });

  it.each([400, 403, 404, 409, 412])('never retries a %i', async (status) => {
    script = [reply(status, errorXml(`Code${status}`, `message ${status}`))];
    const err = await client()
      .getObject({ Bucket, Region, Key: 'k' })
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(err).toBeInstanceOf(S3ServiceError);
    expect(err).toMatchObject({
      statusCode: status,
      code: `Code${status}`,
      message: `message ${status}`,
      requestId: 'rid-1',
      RequestId: 'rid-1',
      error: { Code: `Code${status}`, RequestId: `req-Code${status}` },
    });
  });

  it('gives up after MaxRetries and reports the last error', async () => {
    script = [reply(500), reply(500), reply(502, errorXml('BadGateway', 'bg'))];
    const err = await client({ MaxRetries: 2 })
      .getBucket({ Bucket, Region })
      .catch((e: S3ServiceError) => e);
    expect(seen).toHaveLength(3);
    expect(err).toMatchObject({ statusCode: 502, code: 'BadGateway' });
  });

  it('does not retry a stream body (it cannot be sent twice)', async () => {
    script = [reply(503)];
    const err = await client()
      .putObject({ Bucket, Region, Key: 'k', Body: Readable.from([Buffer.from('abc')]), ContentLength: 3 })
      .catch((e: S3ServiceError) => e);
    expect(seen).toHaveLength(1);
    expect(err).toMatchObject({ statusCode: 503, code: '503' });
  });

  it('a network error with no retries left is NetworkError, without a statusCode', async () => {
    script = [dropConnection];
    const err = await client({ MaxRetries: 0 })
      .headBucket({ Bucket, Region })
      .catch((e: S3ServiceError) => e);
    expect(err).toBeInstanceOf(S3ServiceError);
    expect(err.code).toBe(SDK_ERROR_CODES.network);
    expect(err.statusCode).toBeUndefined();
  });

  it('retries 200 + <Error> InternalError on copy, and fails on other codes in a 200', async () => {
    const source = `${Bucket}.cos.${Region}.myqcloud.com/src`;
    script = [
      reply(200, errorXml('InternalError', 'later')),
      reply(200, '<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>'),
    ];
    const copied = await client().putObjectCopy({ Bucket, Region, Key: 'dst', CopySource: source });
    expect(copied.ETag).toBe('"e"');
    expect(seen).toHaveLength(2);
    script = [reply(200, errorXml('AccessDenied', 'no'))];
    seen = [];
    const err = await client()
      .putObjectCopy({ Bucket, Region, Key: 'dst', CopySource: source })
      .catch((e: S3ServiceError) => e);
    expect(err).toMatchObject({ statusCode: 200, code: 'AccessDenied' });
    expect(seen).toHaveLength(1);
  });
});

describe('clock skew', () => {
  it('adopts the server clock from RequestTimeTooSkewed and sends once more', async () => {
    const serverNow = Date.now() + 3_600_000;
    script = [
      reply(403, errorXml('RequestTimeTooSkewed', 'skewed'), { date: new Date(serverNow).toUTCString() }),
      reply(200),
    ];
    const cos = client();
    await cos.getBucket({ Bucket, Region });
    expect(seen).toHaveLength(2);
    expect(Math.abs(cos.options.SystemClockOffset - 3_600_000)).toBeLessThan(2000);
    const signedStart = Number(/q-sign-time=(\d+);/.exec(seen[1]!.headers.authorization!)![1]);
    expect(Math.abs(signedStart - serverNow / 1000)).toBeLessThan(3);
  });
});

describe('diagnostics_channel', () => {
  it('publishes start, end and retry events (the SDK never logs)', async () => {
    const events: [string, Record<string, unknown>][] = [];
    const subscriptions = Object.values(DIAGNOSTICS_CHANNELS).map((name) => {
      const fn = (message: unknown) => events.push([name, message as Record<string, unknown>]);
      dc.subscribe(name, fn);
      return () => dc.unsubscribe(name, fn);
    });
    try {
      script = [reply(500), reply(200)];
      await client().headBucket({ Bucket, Region });
    } finally {
      for (const unsubscribe of subscriptions) unsubscribe();
    }
    expect(events.map(([name]) => name)).toEqual([
      DIAGNOSTICS_CHANNELS.requestStart,
      DIAGNOSTICS_CHANNELS.requestEnd,
      DIAGNOSTICS_CHANNELS.requestRetry,
      DIAGNOSTICS_CHANNELS.requestStart,
      DIAGNOSTICS_CHANNELS.requestEnd,
    ]);
    expect(events[1]![1]).toMatchObject({ method: 'HEAD', statusCode: 500, attempt: 1 });
    expect(events[4]![1]).toMatchObject({ statusCode: 200, attempt: 2 });
  });
});

describe('parameter checks (no request is sent)', () => {
  it.each([
    [{ Region, Key: 'k' }, 'missing param Bucket'],
    [{ Bucket, Key: 'k' }, 'missing param Region'],
    [{ Bucket, Region }, 'missing param Key'],
    [{ Bucket: 'NoAppId', Region, Key: 'k' }, 'Bucket should format as "test-1250000000".'],
    [{ Bucket, Region: 'cos.ap-beijing', Key: 'k' }, 'param Region should not be start with "cos."'],
  ])('%j → %s', async (params, message) => {
    const err = await client()
      .headObject(params as never)
      .catch((e: S3ServiceError) => e);
    expect(err).toMatchObject({ code: SDK_ERROR_CODES.invalidParameter, message });
    expect(seen).toHaveLength(0);
  });

  it('works with a callback too, and the callback gets (err, data)', async () => {
    const result = await new Promise<[unknown, unknown]>((resolve) => {
      client().headObject({ Bucket, Region } as never, (err, data) => resolve([err, data]));
    });
    expect(result[0]).toMatchObject({ message: 'missing param Key' });
    expect(result[1]).toBeUndefined();
  });
});

describe('file bodies', () => {
  it('a server that answers before reading a file body, and hangs up, ends the call with its error and closes the file', async () => {
    // 32 MiB: more than the kernel's socket buffers take in, so the body's writer is waiting for a drain.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-sdk-early-'));
    const file = path.join(dir, 'body.bin');
    fs.writeFileSync(file, Buffer.alloc(32 * 1024 * 1024, 1));
    const early = http.createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/xml', connection: 'close' });
      res.end(errorXml('AccessDenied', 'no'), () => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
    // Whether this process holds `file` open (by its descriptors' links: other test files share the process).
    const isOpen = () =>
      fs.readdirSync('/proc/self/fd').some((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
        } catch {
          return false;
        }
      });
    try {
      const cos = client({ Domain: `127.0.0.1:${(early.address() as AddressInfo).port}` });
      await expect(cos.putObject({ Bucket, Region, Key: 'k', FilePath: file } as never)).rejects.toMatchObject({
        code: 'AccessDenied',
        statusCode: 403,
      });
      // The body's writer stops too (the request closed under it) and closes the file it was reading.
      for (let i = 0; i < 50 && isOpen(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(isOpen()).toBe(false);
    } finally {
      early.closeAllConnections();
      await new Promise<void>((resolve) => early.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
