/**
 * COS hotlink protection configuration (PUT/GET ?referer) through cos-nodejs-sdk-v5: the 404 the
 * SDK turns into an empty result, round trips, and validation.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cosError, REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let Bucket: string;
beforeAll(async () => {
  t = await startTestServer();
  Bucket = t.bucketName('refcfg');
  await t.cos().putBucket({ Bucket, Region: REGION });
});
afterAll(async () => {
  await t?.close();
});

it('getBucketReferer without a configuration: 404 NoSuchRefererConfiguration, which the SDK resolves', async () => {
  const data = await t.cos().getBucketReferer({ Bucket, Region: REGION });
  expect(data.statusCode).toBe(404);
  expect(data.RefererConfiguration).toBeUndefined();
  const raw = await fetch(`${t.url}/${Bucket}?referer`);
  expect(raw.status).toBe(403); // anonymous: authorization comes before the lookup
});

it('putBucketReferer then getBucketReferer round-trips the configuration', async () => {
  await t.cos().putBucketReferer({
    Bucket,
    Region: REGION,
    RefererConfiguration: {
      Status: 'Enabled',
      RefererType: 'White-List',
      DomainList: { Domains: ['*.example.com', 'www.example.org/app', '127.0.0.1:8080'] },
      EmptyReferConfiguration: 'Allow',
    },
  });
  const data = await t.cos().getBucketReferer({ Bucket, Region: REGION });
  expect(data.RefererConfiguration).toEqual({
    Status: 'Enabled',
    RefererType: 'White-List',
    DomainList: { Domains: ['*.example.com', 'www.example.org/app', '127.0.0.1:8080'] },
    EmptyReferConfiguration: 'Allow',
  });
});

it('EmptyReferConfiguration defaults to Deny; a disabled list may be put', async () => {
  await t.cos().putBucketReferer({
    Bucket,
    Region: REGION,
    RefererConfiguration: { Status: 'Disabled', RefererType: 'Black-List', DomainList: { Domains: ['bad.test'] } },
  });
  const data = await t.cos().getBucketReferer({ Bucket, Region: REGION });
  expect(data.RefererConfiguration).toMatchObject({
    Status: 'Disabled',
    RefererType: 'Black-List',
    EmptyReferConfiguration: 'Deny',
  });
});

it('an unknown RefererType is InvalidArgument; a missing Status MalformedXML', async () => {
  let err = await cosError(
    t.cos().putBucketReferer({
      Bucket,
      Region: REGION,
      RefererConfiguration: {
        Status: 'Enabled',
        RefererType: 'Grey-List' as 'White-List',
        DomainList: { Domains: ['a.test'] },
      },
    }),
  );
  expect([err.statusCode, err.code]).toEqual([400, 'InvalidArgument']);
  err = await cosError(
    t.cos().putBucketReferer({
      Bucket,
      Region: REGION,
      // No Status: what the typings forbid, the server must still refuse.
      RefererConfiguration: { RefererType: 'White-List', DomainList: { Domains: ['a.test'] } } as never,
    }),
  );
  expect([err.statusCode, err.code]).toEqual([400, 'MalformedXML']);
});
