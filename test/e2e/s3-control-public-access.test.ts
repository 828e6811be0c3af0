/**
 * Account-level Block Public Access through the S3 Control API, as @aws-sdk/client-s3-control sends
 * it (GET/PUT/DELETE /v20180820/configuration/publicAccessBlock, x-amz-account-id, the account id as
 * a host prefix): the same configuration the admin API sets, enforced on the account's buckets; an
 * account's root configures its own account only, the operator any.
 */
import { CreateBucketCommand, PutBucketAclCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DeletePublicAccessBlockCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminOk } from './helpers/access.js';
import { createAccount, type TestAccount } from './helpers/accounts.js';
import { settledOnEveryGateway } from './helpers/cluster.js';
import { sdkError } from './helpers/s3.js';
import { startTestServer, TEST_DOMAIN, TEST_REGION, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
let other: TestAccount;
const controls: S3ControlClient[] = [];

function control(credentials: { accessKeyId: string; secretAccessKey: string }): S3ControlClient {
  // The client sends to `<AccountId>.<endpoint host>`: *.localhost resolves to 127.0.0.1 in tests.
  const client = new S3ControlClient({
    endpoint: `http://s3-control.${TEST_DOMAIN}:${t.port}`,
    region: TEST_REGION,
    credentials,
    maxAttempts: 1,
  });
  controls.push(client);
  return client;
}

beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
  other = await createAccount(t, 'control-other');
});
afterAll(async () => {
  for (const c of controls) c.destroy();
  await t?.close();
});

describe('S3 Control account-level Block Public Access', () => {
  it('PUT, GET and DELETE round-trip, agree with the admin API, and are enforced', async () => {
    const operator = control({ accessKeyId: t.secretId, secretAccessKey: t.secretKey });
    const AccountId = t.appId;
    expect(await sdkError(operator.send(new GetPublicAccessBlockCommand({ AccountId })))).toMatchObject({
      status: 404,
      code: 'NoSuchPublicAccessBlockConfiguration',
    });
    await operator.send(
      new PutPublicAccessBlockCommand({
        AccountId,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true },
      }),
    );
    const got = await operator.send(new GetPublicAccessBlockCommand({ AccountId }));
    expect(got.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
    // In a cluster the other gateways hear of it by LISTEN/NOTIFY, right after the response.
    await settledOnEveryGateway(async () =>
      expect(await adminOk(t, 200, 'GET', '/admin/public-access-block')).toMatchObject({ blockPublicAcls: true }),
    );
    const Bucket = t.bucketName('ctl');
    await s3.send(new CreateBucketCommand({ Bucket }));
    expect(await sdkError(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });

    await operator.send(new DeletePublicAccessBlockCommand({ AccountId }));
    await settledOnEveryGateway(async () =>
      expect(await sdkError(operator.send(new GetPublicAccessBlockCommand({ AccountId })))).toMatchObject({
        status: 404,
      }),
    );
    await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' }));
  });

  it("an account's root configures its own account, not another; the operator configures any", async () => {
    const own = control({ accessKeyId: other.creds.accessKeyId, secretAccessKey: other.creds.secretKey });
    await own.send(
      new PutPublicAccessBlockCommand({
        AccountId: other.appId,
        PublicAccessBlockConfiguration: { IgnorePublicAcls: true },
      }),
    );
    expect(
      (await own.send(new GetPublicAccessBlockCommand({ AccountId: other.appId }))).PublicAccessBlockConfiguration,
    ).toMatchObject({ IgnorePublicAcls: true, BlockPublicAcls: false });
    for (const AccountId of [t.appId, '1299999999']) {
      expect(await sdkError(own.send(new GetPublicAccessBlockCommand({ AccountId }))), AccountId).toMatchObject({
        status: 403,
        code: 'AccessDenied',
      });
    }
    const operator = control({ accessKeyId: t.secretId, secretAccessKey: t.secretKey });
    expect(
      (await operator.send(new GetPublicAccessBlockCommand({ AccountId: other.appId }))).PublicAccessBlockConfiguration,
    ).toMatchObject({ IgnorePublicAcls: true });
    await operator.send(new DeletePublicAccessBlockCommand({ AccountId: other.appId }));
    expect(await sdkError(own.send(new GetPublicAccessBlockCommand({ AccountId: other.appId })))).toMatchObject({
      status: 404,
    });
    // Unsigned: refused.
    const res = await fetch(`http://127.0.0.1:${t.port}/v20180820/configuration/publicAccessBlock`, {
      headers: { 'x-amz-account-id': t.appId },
    });
    expect(res.status).toBe(403);
  });
});
