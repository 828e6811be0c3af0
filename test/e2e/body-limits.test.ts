/**
 * Oversized and malformed bodies get a clear answer the client can read, decided before the body is
 * read: an XML body over its limit is a 400 the client reads (not a reset mid-upload, EPIPE), XML that
 * is not UTF-8 is MalformedXML, a Content-Length above the largest PUT is EntityTooLarge at once.
 */
import net from 'node:net';
import {
  CreateBucketCommand,
  GetBucketVersioningCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
