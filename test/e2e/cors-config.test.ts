/**
 * Bucket CORS configuration (PUT/GET/DELETE ?cors) through cos-nodejs-sdk-v5 and
 * @aws-sdk/client-s3: round trips, the 404 the COS SDK turns into `CORSRules: []`, and validation.
 */
import { DeleteBucketCorsCommand, GetBucketCorsCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosError, REGION } from './helpers/cos.js';
import { rawRequest } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe('cos-nodejs-sdk-v5', () => {
  const Bucket = `corscos${process.pid}-1250000000`;
  beforeAll(async () => {
    await t.cos().putBucket({ Bucket, Region: REGION });
  });

  it('getBucketCors on a bucket without CORS resolves to CORSRules: [] (404 NoSuchCORSConfiguration)', async () => {
    const data = await t.cos().getBucketCors({ Bucket, Region: REGION });
    expect(data.statusCode).toBe(404);
    expect(data.CORSRules).toEqual([]);
  });

  it('putBucketCors then getBucketCors round-trips every field (the SDK reads them back with plural names)', async () => {
    // ID is COS XML the SDK passes through, though its typings leave it out.
    const web = {
      ID: 'web',
      AllowedOrigin: ['https://app.example.com', 'http://*.example.com'],
      AllowedMethod: ['GET', 'PUT', 'POST'],
      AllowedHeader: ['*'],
      ExposeHeader: ['ETag', 'x-cos-request-id'],
      MaxAgeSeconds: 600,
    };
    await t.cos().putBucketCors({
      Bucket,
      Region: REGION,
      CORSRules: [web, { AllowedOrigin: ['*'], AllowedMethod: ['HEAD'] }],
    });
    const data = await t.cos().getBucketCors({ Bucket, Region: REGION });
    expect(data.CORSRules).toEqual([
      {
        ID: 'web',
        AllowedOrigins: ['https://app.example.com', 'http://*.example.com'],
        AllowedMethods: ['GET', 'PUT', 'POST'],
        AllowedHeaders: ['*'],
        ExposeHeaders: ['ETag', 'x-cos-request-id'],
        MaxAgeSeconds: '600',
      },
      { AllowedOrigins: ['*'], AllowedMethods: ['HEAD'], AllowedHeaders: [], ExposeHeaders: [] },
    ]);
  });

  it('deleteBucketCors removes it', async () => {
    await t.cos().deleteBucketCors({ Bucket, Region: REGION });
    expect((await t.cos().getBucketCors({ Bucket, Region: REGION })).CORSRules).toEqual([]);
  });

  it('an unknown method is InvalidArgument', async () => {
    const err = await cosError(
      t
        .cos()
        .putBucketCors({ Bucket, Region: REGION, CORSRules: [{ AllowedOrigin: ['*'], AllowedMethod: ['PATCH'] }] }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('InvalidArgument');
  });
});

describe('@aws-sdk/client-s3', () => {
  const Bucket = `corss3${process.pid}-1250000000`;
  beforeAll(async () => {
    await t.cos().putBucket({ Bucket, Region: REGION });
  });

  it('GetBucketCors without a configuration is NoSuchCORSConfiguration', async () => {
    await expect(t.s3().send(new GetBucketCorsCommand({ Bucket }))).rejects.toMatchObject({
      name: 'NoSuchCORSConfiguration',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('PutBucketCors, GetBucketCors, DeleteBucketCors', async () => {
    const rules = [
      {
        ID: 'uploads',
        AllowedOrigins: ['http://localhost:3000'],
        AllowedMethods: ['PUT', 'POST', 'DELETE'],
        AllowedHeaders: ['content-type', 'x-amz-*'],
        ExposeHeaders: ['ETag'],
        MaxAgeSeconds: 3000,
      },
      { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
    ];
    await t.s3().send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: rules } }));
    const got = await t.s3().send(new GetBucketCorsCommand({ Bucket }));
    expect(got.CORSRules).toEqual(rules);
    await t.s3().send(new DeleteBucketCorsCommand({ Bucket }));
    await expect(t.s3().send(new GetBucketCorsCommand({ Bucket }))).rejects.toMatchObject({
      name: 'NoSuchCORSConfiguration',
    });
  });

  it('validation: no rules or a rule without an origin is MalformedXML; two wildcards in an origin InvalidArgument', async () => {
    const put = (xml: string) =>
      rawRequest(t, {
        method: 'PUT',
        path: `/${Bucket}`,
        query: 'cors',
        body: xml,
        headers: { 'content-type': 'application/xml' },
      });
    const codeOf = (text: string) => /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    let res = await put('<CORSConfiguration></CORSConfiguration>');
    expect([res.status, codeOf(res.text)]).toEqual([400, 'MalformedXML']);
    res = await put('<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>');
    expect([res.status, codeOf(res.text)]).toEqual([400, 'MalformedXML']);
    res = await put(
      '<CORSConfiguration><CORSRule><AllowedOrigin>http://*.*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>',
    );
    expect([res.status, codeOf(res.text)]).toEqual([400, 'InvalidArgument']);
    res = await put(
      '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule></CORSConfiguration>',
    );
    expect([res.status, codeOf(res.text)]).toEqual([400, 'MalformedXML']);
  });
});
