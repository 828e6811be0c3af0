/**
 * Temporary credentials from POST /-/sts used by the real SDKs: cos-nodejs-sdk-v5 through its
 * getAuthorization callback (TmpSecretId/TmpSecretKey/SecurityToken/StartTime/ExpiredTime; the
 * token travels as x-cos-security-token, header or presigned query), and @aws-sdk/client-s3 with a
 * sessionToken (x-amz-security-token, header or X-Amz-Security-Token). The session policy narrows
 * what they may do, and presigned URLs made with them stop working when the token expires.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Creds, createSubUser, getSts, rootCreds, type StsReply, xmlError } from './helpers/access.js';
import { cosError, expectCosError, REGION, recordRequests } from './helpers/cos.js';
import { sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
/** Added to the server's signature clock: moving it past ExpiredTime expires the tokens. */
let offsetMs = 0;
const Bucket = `sts${process.pid}-1250000000`;
const clients: S3Client[] = [];

/** Uploads under uploads/ only (COS syntax). */
const uploadsOnly = (appId: string) => ({
  version: '2.0',
  statement: [
    {
      effect: 'allow',
      action: ['name/cos:PutObject', 'name/cos:GetObject', 'name/cos:HeadObject'],
      resource: [`qcs::cos:${REGION}:uid/${appId}:${Bucket}/uploads/*`],
    },
  ],
});

function s3With(creds: Creds): S3Client {
  const client = new S3Client({
    endpoint: t.url,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretKey, sessionToken: creds.token! },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

/** A COS SDK client that gets its keys from STS, as a browser or app would from its own backend. */
function cosWithSts(reply: () => StsReply, calls: { count: number }): COS {
  return new COS({
    Protocol: 'http:',
    Domain: `127.0.0.1:${t.port}/{Bucket}`,
    ServiceDomain: t.url,
    getAuthorization: (_options, callback) => {
      calls.count++;
      const r = reply();
      callback({
        TmpSecretId: r.Credentials.TmpSecretId,
        TmpSecretKey: r.Credentials.TmpSecretKey,
        SecurityToken: r.Credentials.Token,
        StartTime: r.StartTime,
        ExpiredTime: r.ExpiredTime,
      });
    },
  });
}

beforeAll(async () => {
  t = await startTestServer({ authClock: { nowMs: () => Date.now() + offsetMs }, config: { maxSkewMs: '3600000' } });
  await t.s3().send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await t?.close();
});

describe('cos-nodejs-sdk-v5 with getAuthorization and STS credentials', () => {
  let reply: StsReply;
  const calls = { count: 0 };
  beforeAll(async () => {
    // A sub-user with full access to the bucket asks for credentials narrowed to uploads/.
    const app = await createSubUser(t, 'cos-app', {
      all: {
        version: '2.0',
        statement: [
          { effect: 'allow', action: ['name/cos:*'], resource: [`qcs::cos:${REGION}:uid/${t.appId}:${Bucket}/*`] },
        ],
      },
    });
    reply = (await getSts(t, app.creds, { Policy: JSON.stringify(uploadsOnly(t.appId)) })).reply;
  });

  it('STS answers in the COS shape (10-digit times, Token) with the S3 names alongside', () => {
    expect(String(reply.StartTime)).toMatch(/^\d{10}$/);
    expect(reply.ExpiredTime - reply.StartTime).toBe(1800);
    expect(reply.Expiration).toBe(new Date(reply.ExpiredTime * 1000).toISOString());
    expect(reply.Credentials.AccessKeyId).toBe(reply.Credentials.TmpSecretId);
    expect(reply.Credentials.SecretAccessKey).toBe(reply.Credentials.TmpSecretKey);
    expect(reply.Credentials.SessionToken).toBe(reply.Credentials.Token);
  });

  it('putObject and getObject inside the session policy work; the token goes as x-cos-security-token', async () => {
    const cos = cosWithSts(() => reply, calls);
    const recorder = recordRequests(Bucket);
    try {
      await cos.putObject({ Bucket, Region: REGION, Key: 'uploads/a.txt', Body: 'from cos sts' });
      const got = await cos.getObject({ Bucket, Region: REGION, Key: 'uploads/a.txt' });
      expect(got.Body.toString()).toBe('from cos sts');
    } finally {
      recorder.stop();
    }
    expect(recorder.exchanges.map((e) => e.headers['x-cos-security-token'])).toEqual([
      reply.Credentials.Token,
      reply.Credentials.Token,
    ]);
    expect(
      recorder.exchanges.every((e) =>
        String(e.headers.authorization).includes(`q-ak=${reply.Credentials.TmpSecretId}`),
      ),
    ).toBe(true);
    // The SDK caches STS data until it is about to expire.
    expect(calls.count).toBe(1);
  });

  it('outside the session policy: 403 AccessDenied (writing elsewhere, listing)', async () => {
    const cos = cosWithSts(() => reply, { count: 0 });
    expectCosError(await cosError(cos.putObject({ Bucket, Region: REGION, Key: 'other/b.txt', Body: 'x' })), {
      statusCode: 403,
      code: 'AccessDenied',
    });
    expectCosError(await cosError(cos.getBucket({ Bucket, Region: REGION })), {
      statusCode: 403,
      code: 'AccessDenied',
    });
  });

  it('getObjectUrl (Sign: true) puts x-cos-security-token in the URL, and the URL works', async () => {
    const cos = cosWithSts(() => reply, { count: 0 });
    const url = await new Promise<string>((resolve, reject) =>
      cos.getObjectUrl({ Bucket, Region: REGION, Key: 'uploads/a.txt', Sign: true }, (err, data) =>
        err ? reject(err) : resolve(data.Url),
      ),
    );
    expect(new URL(url).searchParams.get('x-cos-security-token')).toBe(reply.Credentials.Token);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('from cos sts');
    // Without the token the temporary key is unknown.
    const stripped = url.replace(/&x-cos-security-token=[^&]*/, '');
    const denied = await fetch(stripped);
    expect(denied.status).toBe(403);
    expect(xmlError(await denied.text()).code).toBe('InvalidAccessKeyId');
  });
});

describe('@aws-sdk/client-s3 with sessionToken credentials', () => {
  let creds: Creds;
  beforeAll(async () => {
    creds = (
      await getSts(t, rootCreds(t), {
        Policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:PutObject', 's3:GetObject'],
              Resource: [`arn:aws:s3:::${Bucket}/uploads/*`],
            },
          ],
        },
      })
    ).creds;
  });

  it('PutObject and GetObject inside the session policy work', async () => {
    const s3 = s3With(creds);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'uploads/s3.txt', Body: 'from s3 sts' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'uploads/s3.txt' }));
    expect(await got.Body!.transformToString()).toBe('from s3 sts');
  });

  it('outside it, 403 AccessDenied, even for the root’s own bucket', async () => {
    const s3 = s3With(creds);
    expect(await sdkError(s3.send(new ListObjectsV2Command({ Bucket })))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });
    expect(await sdkError(s3.send(new DeleteObjectCommand({ Bucket, Key: 'uploads/s3.txt' })))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });
  });

  it('a token from another session is 400 InvalidToken; a permanent key with a token too', async () => {
    const other = (await getSts(t, rootCreds(t))).creds;
    const mixed = s3With({ ...creds, token: other.token! });
    expect(await sdkError(mixed.send(new GetObjectCommand({ Bucket, Key: 'uploads/s3.txt' })))).toMatchObject({
      status: 400,
      code: 'InvalidToken',
    });
    const rootWithToken = s3With({ ...rootCreds(t), token: other.token! });
    expect(await sdkError(rootWithToken.send(new GetObjectCommand({ Bucket, Key: 'uploads/s3.txt' })))).toMatchObject({
      status: 400,
      code: 'InvalidToken',
    });
  });

  it('a presigned URL carries X-Amz-Security-Token and works', async () => {
    const url = await getSignedUrl(s3With(creds), new GetObjectCommand({ Bucket, Key: 'uploads/s3.txt' }), {
      expiresIn: 3600,
    });
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe(creds.token);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('from s3 sts');
  });
});

describe('expiry', () => {
  it('SDK calls and presigned URLs (COS and SigV4) stop with 403 ExpiredToken once the token expires', async () => {
    const { reply, creds } = await getSts(t, rootCreds(t), { DurationSeconds: 900 });
    const s3 = s3With(creds);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'expiring.txt', Body: 'soon gone' }));
    const v4Url = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: 'expiring.txt' }), { expiresIn: 3600 });
    const cos = cosWithSts(() => reply, { count: 0 });
    const cosUrl = await new Promise<string>((resolve, reject) =>
      cos.getObjectUrl({ Bucket, Region: REGION, Key: 'expiring.txt', Sign: true, Expires: 3600 }, (err, data) =>
        err ? reject(err) : resolve(data.Url),
      ),
    );
    for (const url of [v4Url, cosUrl]) expect((await fetch(url)).status).toBe(200);

    offsetMs = 901_000;
    try {
      for (const url of [v4Url, cosUrl]) {
        const res = await fetch(url);
        expect(res.status, url).toBe(403);
        const error = xmlError(await res.text());
        expect(error.code).toBe('ExpiredToken');
        expect(error.message).toMatch(/token has expired/);
      }
      expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'expiring.txt' })))).toMatchObject({
        status: 403,
        code: 'ExpiredToken',
      });
    } finally {
      offsetMs = 0;
    }
  });
});
