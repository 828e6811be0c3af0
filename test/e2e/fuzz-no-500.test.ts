/**
 * Random requests, most of them validly signed, mixing methods, buckets (real, missing, invalid),
 * awkward keys, sub-resources, headers with bad values and hostile bodies (broken XML, entity
 * declarations, 1,001-key deletes, fake aws-chunked framing): none may get a 5xx other than 501
 * NotImplemented, hang, or drop the connection, and the server must still be healthy afterwards.
 * Seeded, so a failure is reproducible.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { signV4Headers } from '@coffer/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../packages/server/src/auth/index.js';
import { startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

type Body = string | Buffer;
let seed = 1;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;

const buckets = ['fz-1250000000', 'fz2-1250000000', 'nosuch-1250000000', 'Bad_Name', 'a', '-'];
const keys = ['k', 'a/b/c', 'a/', '%E4%B8%AD', 'x%00y', '..', 'a//b', '%', 'k'.repeat(1100), '', '?', 'dir/', '%2F'];
const subs = [
  '',
  'acl',
  'cors',
  'lifecycle',
  'policy',
  'tagging',
  'versioning',
  'versions',
  'uploads',
  'delete',
  'location',
  'referer',
  'uploadId=zzz',
  'partNumber=1&uploadId=zzz',
  'partNumber=0',
  'partNumber=abc',
  'append&position=0',
  'append&position=x',
  'attributes',
  'list-type=2',
  'list-type=2&continuation-token=%%%',
  'max-keys=-5',
  'max-keys=99999999999999999999',
  'encoding-type=foo',
  'prefix=%FF',
  'delimiter=%00',
  'marker=zzz',
  'versionId=',
  'versionId=abc',
  'uploads&max-uploads=x',
  'versions&version-id-marker=x',
  'website',
  'restore',
  'select&select-type=2',
  'response-content-type=%0d%0a',
  'x-id=Foo',
  'torrent',
  'acl=&versionId=x',
  'encryption',
  'object-lock',
  'retention',
  'retention&versionId=x',
  'legal-hold',
];
const methods = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'];
const headerPool: [string, () => string][] = [
  [
    'content-md5',
    () => pick(['', 'xx', crypto.randomBytes(16).toString('base64'), '====', 'AAAAAAAAAAAAAAAAAAAAAA==']),
  ],
  [
    'x-amz-copy-source',
    () =>
      pick([
        '/fz-1250000000/k',
        'fz-1250000000',
        '/nosuch/x',
        '%',
        '/fz-1250000000/k?versionId=',
        'fz-1250000000.cos.ap-guangzhou.myqcloud.com/a/b/c',
      ]),
  ],
  ['x-amz-copy-source-range', () => pick(['bytes=0-0', 'bytes=5-1', 'bytes=x', 'bytes=0-99999999999'])],
  [
    'range',
    () => pick(['bytes=0-0', 'bytes=-0', 'bytes=5-', 'bytes=9999999-', 'bytes=0-1,2-3', 'items=0-1', 'bytes=']),
  ],
  ['x-amz-acl', () => pick(['private', 'public-read', 'bogus', ''])],
  ['x-cos-acl', () => pick(['default', 'public-read-write', 'x'])],
  [
    'x-amz-grant-read',
    () => pick(['id="1"', 'uri="http://acs.amazonaws.com/groups/global/AllUsers"', 'bogus', 'emailAddress="a@b"']),
  ],
  ['x-amz-storage-class', () => pick(['STANDARD', 'GLACIER', 'ARCHIVE', 'x', ''])],
  ['x-amz-tagging', () => pick(['a=b', 'a=b&a=c', '=', '%%', 'k'.repeat(200) + '=v'])],
  ['x-amz-metadata-directive', () => pick(['COPY', 'REPLACE', 'Replaced', 'x'])],
  ['if-match', () => pick(['*', '"x"', '', 'abc'])],
  ['if-none-match', () => pick(['*', '"x"'])],
  ['if-modified-since', () => pick(['garbage', 'Sat, 01 Jan 2000 00:00:00 GMT', ''])],
  ['x-amz-checksum-crc32', () => pick(['AAAAAA==', 'zz', ''])],
  ['x-amz-checksum-sha256', () => pick(['AAAA', crypto.randomBytes(32).toString('base64')])],
  ['x-amz-sdk-checksum-algorithm', () => pick(['CRC32', 'MD5', 'crc64nvme', ''])],
  ['x-amz-object-attributes', () => pick(['ETag', 'Foo', '', 'ObjectParts,ObjectSize'])],
  ['x-amz-max-parts', () => pick(['1', '-1', 'x'])],
  ['origin', () => pick(['http://a.com', '', 'null'])],
  ['access-control-request-method', () => pick(['GET', 'FOO', ''])],
  [
    'content-type',
    () => pick(['application/xml', 'multipart/form-data', 'multipart/form-data; boundary=xyz', 'text/plain', '']),
  ],
  ['x-amz-decoded-content-length', () => pick(['5', 'x', '-1'])],
  ['content-encoding', () => pick(['aws-chunked', 'gzip', ''])],
  ['x-cos-forbid-overwrite', () => pick(['true', 'x'])],
  ['x-amz-bucket-object-lock-enabled', () => pick(['true'])],
  ['x-amz-server-side-encryption', () => pick(['AES256', 'aws:kms', 'SM4', 'x', ''])],
  ['x-cos-server-side-encryption-customer-algorithm', () => pick(['AES256', ''])],
  ['x-amz-object-lock-mode', () => pick(['GOVERNANCE', 'COMPLIANCE', 'x', ''])],
  ['x-amz-object-lock-retain-until-date', () => pick(['2099-01-01T00:00:00Z', '2000-01-01T00:00:00Z', 'x', ''])],
  ['x-amz-object-lock-legal-hold', () => pick(['ON', 'OFF', 'x'])],
  ['x-amz-bypass-governance-retention', () => pick(['true', 'x'])],
  ['expect', () => pick(['100-continue'])],
];
const bodies: (() => Body)[] = [
  () => '',
  () => crypto.randomBytes(Math.floor(rand() * 300)),
  () => '<?xml version="1.0"?><Delete><Object><Key>k</Key></Object></Delete>',
  () => '<Delete>' + '<Object><Key>x</Key></Object>'.repeat(1001) + '</Delete>',
  () => '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>',
  () =>
    '<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>',
  () =>
    '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>',
  () => '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>',
  () => '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
  () =>
    '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::fz-1250000000/*"}]}',
  () => '{"Statement":',
  () =>
    '<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>',
  () => '<a><b>' + '<c>'.repeat(5000),
  () => '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><Tagging>&a;&a;&a;</Tagging>',
  () =>
    '--xyz\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\ndata\r\n--xyz--\r\n',
  () => '5;chunk-signature=abc\r\nhello\r\n0;chunk-signature=def\r\n\r\n',
  () =>
    '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>',
  () => '<ServerSideEncryptionConfiguration><Rule/><Rule/></ServerSideEncryptionConfiguration>',
  () =>
    '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>',
  () =>
    '<ObjectLockConfiguration><Rule><DefaultRetention><Years>-1</Years></DefaultRetention></Rule></ObjectLockConfiguration>',
  () => '<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2099-01-01T00:00:00Z</RetainUntilDate></Retention>',
  () => '<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>never</RetainUntilDate></Retention>',
  () => '<LegalHold><Status>ON</Status></LegalHold>',
  () => '<RestoreRequest><Days>1</Days><CASJobParameters><Tier>Bulk</Tier></CASJobParameters></RestoreRequest>',
  () => '<RestoreRequest><Days>99999999999999999999</Days></RestoreRequest>',
];

describe('random requests never get a 500', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { logLevel: 'silent' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  function send(method: string, path: string, query: string, headers: Record<string, string>, body?: Body) {
    const base: Record<string, string> = { host: `127.0.0.1:${t.port}`, ...headers };
    if (body !== undefined) base['content-length'] = String(Buffer.byteLength(body));
    let signed = base;
    if (rand() < 0.9) {
      const payloadHash =
        rand() < 0.7
          ? crypto
              .createHash('sha256')
              .update(body ?? '')
              .digest('hex')
          : pick([
              'UNSIGNED-PAYLOAD',
              'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
              'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
              'bogus',
            ]);
      try {
        signed = signV4Headers(
          { method, path, query, headers: base, payloadHash },
          { credentials: { accessKeyId: t.secretId, secretKey: t.secretKey }, region: TEST_REGION, nowMs: Date.now() },
          nodeCrypto,
        ).headers;
      } catch {
        // A path or query the signer cannot parse goes unsigned.
      }
    }
    return new Promise<{ status: number; body: string }>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: t.port,
          method,
          path: query ? `${path}?${query}` : path,
          headers: signed,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on('error', (e) => resolve({ status: -1, body: String(e) }));
        },
      );
      req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve({ status: -1, body: String(e) }));
      req.end(body);
    });
  }

  it.each([1, 2, 3])('seed %i: 600 requests, no 5xx but 501, no hang, no dropped connection', async (s) => {
    seed = s;
    await send('PUT', '/fz-1250000000', '', {});
    await send('PUT', '/fz-1250000000/k', '', {}, 'hello');
    await send('PUT', '/fz-1250000000/a/b/c', '', {}, 'x');
    const bad: unknown[] = [];
    const statuses = new Set<number>();
    for (let i = 0; i < 600; i++) {
      const method = pick(methods);
      const b = pick(buckets);
      const target = rand();
      const path = target < 0.1 ? '/' : target < 0.35 ? `/${b}` : `/${b}/${pick(keys)}`;
      const query = pick(subs);
      const headers: Record<string, string> = {};
      const n = Math.floor(rand() * 4);
      for (let j = 0; j < n; j++) {
        const [name, value] = pick(headerPool);
        headers[name] = value();
      }
      const body = method === 'GET' || method === 'HEAD' ? (rand() < 0.9 ? undefined : pick(bodies)()) : pick(bodies)();
      const r = await send(method, path, query, headers, body);
      statuses.add(r.status);
      if ((r.status >= 500 && r.status !== 501) || r.status < 0) {
        bad.push({ method, path: path.slice(0, 80), query, headers, status: r.status, body: r.body.slice(0, 300) });
      }
    }
    expect(bad).toEqual([]);
    // The mix reached the handlers, not only the authenticator.
    expect([...statuses].filter((x) => x >= 200 && x < 300).length).toBeGreaterThan(0);
    expect([...statuses].filter((x) => x >= 400 && x < 500).length).toBeGreaterThan(3);
    const health = await send('GET', '/-/health', '', {});
    expect(health.status).toBe(200);
  });
});
