/**
 * Oversized and malformed bodies get a clear answer the client can read, decided before the body is
 * read: an XML body over its limit is a 400 the client reads (not a reset mid-upload, EPIPE), XML that
 * is not UTF-8 is MalformedXML, a Content-Length above the largest PUT is EntityTooLarge at once.
 */
import net from 'node:net';
import {
  CreateBucketCommand,
  GetBucketVersioningCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './helpers/clients.js';
import { errorOf, rawRequest, sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MiB = 1024 * 1024;
const TEN_MIB_XML = Buffer.from(`<Delete>${'<Object><Key>k</Key></Object>'.repeat((10 * MiB) / 28)}</Delete>`);

let t: TestServer;
let Bucket: string;
beforeAll(async () => {
  t = await startTestServer();
  Bucket = t.bucketName('limits');
  await t.s3().send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  await t.close();
});

describe('an XML body over its limit', () => {
  it.each([
    ['POST', 'delete'],
    ['PUT', 'lifecycle'],
    ['PUT', 'cors'],
    ['PUT', 'versioning'],
    ['PUT', 'acl'],
    ['PUT', 'tagging'],
  ])('node:http writes all 10 MiB of %s ?%s, then reads a 400 MaxMessageLengthExceeded', async (method, sub) => {
    const res = await rawRequest(t, {
      method,
      path: `/${Bucket}`,
      query: sub,
      body: TEN_MIB_XML,
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('MaxMessageLengthExceeded');
    expect(res.headers.connection).toBe('close');
  });

  it('@aws-sdk/client-s3: a CORS configuration over 64 KiB is a 400 the SDK reads', async () => {
    const CORSRules = Array.from({ length: 3000 }, (_, i) => ({
      AllowedMethods: ['GET'],
      AllowedOrigins: [`https://site-${i}.example.com`],
    }));
    const err = await sdkError(t.s3().send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules } })));
    expect(err).toMatchObject({ status: 400, code: 'MaxMessageLengthExceeded' });
  });
});

describe('XML that is not UTF-8', () => {
  it('is MalformedXML, and nothing changes', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('<VersioningConfiguration><Status>Enabled</Status><MfaDelete>'),
      Buffer.from([0xe9, 0xff, 0xfe]),
      Buffer.from('</MfaDelete></VersioningConfiguration>'),
    ]);
    const res = await rawRequest(t, { method: 'PUT', path: `/${Bucket}`, query: 'versioning', body: latin1 });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('MalformedXML');
    expect((await t.s3().send(new GetBucketVersioningCommand({ Bucket }))).Status).toBeUndefined();

    const tagging = Buffer.concat([
      Buffer.from('<Tagging><TagSet><Tag><Key>k</Key><Value>'),
      Buffer.from([0xc3]),
      Buffer.from('</Value></Tag></TagSet></Tagging>'),
    ]);
    const tagged = await rawRequest(t, { method: 'PUT', path: `/${Bucket}`, query: 'tagging', body: tagging });
    expect(errorOf(tagged).code).toBe('MalformedXML');
  });
});

/** Writes a raw request on a fresh connection (the rest later when `laterMs` is given); resolves with all it read once the server closes. */
async function rawExchange(head: string, rest: string, laterMs?: number): Promise<string> {
  const socket = net.connect(t.port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk;
  });
  const closed = new Promise((resolve) => socket.once('close', resolve));
  if (laterMs === undefined) socket.write(head + rest);
  else {
    socket.write(head);
    setTimeout(() => socket.writable && socket.write(rest), laterMs);
  }
  await closed;
  return received;
}

describe('a PUT without Content-Length (and not chunked)', () => {
  it.each([
    ['whose body follows at once', undefined],
    ['whose body follows a moment later', 300],
  ])('%s is 411 MissingContentLength, the only answer, then the connection closes', async (_name, laterMs) => {
    const Key = `no-length-${laterMs ?? 0}.txt`;
    const url = new URL(await getSignedUrl(t.s3(), new PutObjectCommand({ Bucket, Key })));
    const received = await rawExchange(
      `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`,
      'hello, a body nobody announced',
      laterMs,
    );
    expect(received).toMatch(/^HTTP\/1\.1 411 /);
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
    expect(received).toContain('<Code>MissingContentLength</Code>');
    expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(await sdkError(t.s3().send(new HeadObjectCommand({ Bucket, Key })))).toMatchObject({ status: 404 });
  });

  it('curl with its Content-Length header removed gets the 411', async () => {
    const url = await getSignedUrl(t.s3(), new PutObjectCommand({ Bucket, Key: 'curl-no-length.txt' }));
    const out = await run(
      'curl',
      ['-sS', '-X', 'PUT', '-H', 'Content-Length:', '--data-binary', 'hello', '-w', '\n%{http_code}', url],
      { env: process.env },
    );
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('<Code>MissingContentLength</Code>');
    expect(out.stdout.trim().endsWith('411')).toBe(true);
  });

  it('garbage on a connection with nothing in flight still gets a bare 400', async () => {
    const received = await rawExchange('NOT HTTP AT ALL\r\n\r\n', '');
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('a Content-Length above the largest PUT', () => {
  it('is EntityTooLarge at once, from the header, with 100 bytes of a declared 6 GiB sent; then the connection closes', async () => {
    const url = new URL(await getSignedUrl(t.s3(), new PutObjectCommand({ Bucket, Key: 'huge.bin' })));
    const startMs = performance.now();
    const socket = net.connect(t.port, '127.0.0.1');
    socket.write(
      `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${6 * 1024 * MiB}\r\n\r\n${'x'.repeat(100)}`,
    );
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
    });
    await new Promise((resolve) => socket.once('close', resolve));
    expect(performance.now() - startMs).toBeLessThan(3000);
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
    expect(received).toContain('<Code>EntityTooLarge</Code>');
  });
});
