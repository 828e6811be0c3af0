import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, adminOk, createSubUser, getSts } from './helpers/access.js';
import { createAccount, type TestAccount } from './helpers/accounts.js';
import { settled } from './helpers/cluster.js';
import { sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Two accounts on one deployment, driven with @aws-sdk/client-s3: account B (made by the operator
 * through POST /-/admin/accounts) is refused every bucket, object, ACL, policy and multipart
 * operation on account A's resources and A's admin API, until an ACL or a bucket policy names B;
 * then the granted operations work, as on S3 (issue 16).
 */
describe('accounts: isolation between two accounts (aws-sdk)', () => {
  let t: TestServer;
  let a: S3Client;
  let b: TestAccount;
  let bucketA: string;
  let bucketB: string;
  let uploadId: string;
  const body = 'A’s data';

  beforeAll(async () => {
    t = await startTestServer();
    a = t.s3();
    b = await createAccount(t, 'team-b');
    bucketA = `iso${process.pid}-${t.appId}`;
    bucketB = b.bucketName('isob');
    await a.send(new CreateBucketCommand({ Bucket: bucketA }));
    await a.send(new PutObjectCommand({ Bucket: bucketA, Key: 'k', Body: body }));
    uploadId = (await a.send(new CreateMultipartUploadCommand({ Bucket: bucketA, Key: 'mp' }))).UploadId!;
    await b.s3.send(new CreateBucketCommand({ Bucket: bucketB }));
  });
  afterAll(async () => {
    await t?.close();
  });

  const denied = async (call: Promise<unknown>) => {
    const err = await sdkError(call);
    expect({ status: err.status, code: err.code }).toEqual({ status: 403, code: 'AccessDenied' });
  };
  /** HEAD answers carry no body: the SDK sees only the status. */
  const headDenied = async (call: Promise<unknown>) => {
    expect((await sdkError(call)).status).toBe(403);
  };

  it('the account has its own APPID, root uin and keys; ListBuckets shows only the caller’s account', async () => {
    expect(b.appId).not.toBe(t.appId);
    expect(b.ownerId).toBe(`qcs::cam::uin/${b.uin}:uin/${b.uin}`);
    const listedB = (await b.s3.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name);
    expect(listedB).toEqual([bucketB]);
    const listedA = (await a.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name);
    expect(listedA).toContain(bucketA);
    expect(listedA).not.toContain(bucketB);
    const owner = (await b.s3.send(new ListBucketsCommand({}))).Owner!;
    expect(owner.ID).toBe(b.ownerId);
  });

  it('bucket names stay unique: a plain name A holds is taken, and names ending in A’s APPID are A’s', async () => {
    const plain = `plain${process.pid}`;
    await a.send(new CreateBucketCommand({ Bucket: plain }));
    expect((await sdkError(b.s3.send(new CreateBucketCommand({ Bucket: plain })))).code).toBe('BucketAlreadyExists');
    await denied(b.s3.send(new CreateBucketCommand({ Bucket: bucketA })));
    await denied(b.s3.send(new CreateBucketCommand({ Bucket: `other${process.pid}-${t.appId}` })));
    await a.send(new DeleteBucketCommand({ Bucket: plain }));
  });

  it('refuses every bucket operation of B on A’s bucket', async () => {
    const s3 = b.s3;
    const Bucket = bucketA;
    await headDenied(s3.send(new HeadBucketCommand({ Bucket })));
    await denied(s3.send(new ListObjectsV2Command({ Bucket })));
    await denied(s3.send(new GetBucketLocationCommand({ Bucket })));
    await denied(s3.send(new GetBucketAclCommand({ Bucket })));
    await denied(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })));
    await denied(s3.send(new GetBucketPolicyCommand({ Bucket })));
    await denied(
      s3.send(
        new PutBucketPolicyCommand({
          Bucket,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` },
            ],
          }),
        }),
      ),
    );
    await denied(s3.send(new DeleteBucketPolicyCommand({ Bucket })));
    await denied(s3.send(new GetBucketVersioningCommand({ Bucket })));
    await denied(s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } })));
    await denied(s3.send(new GetBucketCorsCommand({ Bucket })));
    await denied(s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } })));
    await denied(s3.send(new GetPublicAccessBlockCommand({ Bucket })));
    await denied(
      s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true } })),
    );
    await denied(s3.send(new ListMultipartUploadsCommand({ Bucket })));
    await denied(s3.send(new DeleteBucketCommand({ Bucket })));
    expect((await a.send(new HeadBucketCommand({ Bucket }))).$metadata.httpStatusCode).toBe(200);
  });

  it('refuses every object, ACL and multipart operation of B on A’s objects', async () => {
    const s3 = b.s3;
    const Bucket = bucketA;
    await denied(s3.send(new GetObjectCommand({ Bucket, Key: 'k' })));
    await headDenied(s3.send(new HeadObjectCommand({ Bucket, Key: 'k' })));
    await denied(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'overwritten' })));
    await denied(s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' })));
    const batch = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'k' }] } }));
    expect(batch.Errors?.map((e) => e.Code)).toEqual(['AccessDenied']);
    await denied(s3.send(new GetObjectAclCommand({ Bucket, Key: 'k' })));
    await denied(s3.send(new PutObjectAclCommand({ Bucket, Key: 'k', ACL: 'public-read' })));
    await denied(s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k' })));
    // A copy out of a bucket B may not read, into B's own bucket; and a copy into A's bucket.
    await denied(s3.send(new CopyObjectCommand({ Bucket: bucketB, Key: 'stolen', CopySource: `${Bucket}/k` })));
    await denied(s3.send(new CopyObjectCommand({ Bucket, Key: 'planted', CopySource: `${bucketB}/none` })));
    await denied(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp2' })));
    await denied(s3.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId: uploadId, PartNumber: 1, Body: 'x' })));
    await denied(s3.send(new ListPartsCommand({ Bucket, Key: 'mp', UploadId: uploadId })));
    await denied(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: 'mp',
          UploadId: uploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] },
        }),
      ),
    );
    await denied(s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'mp', UploadId: uploadId })));
    const upB = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucketB, Key: 'copy' }))).UploadId!;
    await denied(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: bucketB,
          Key: 'copy',
          UploadId: upB,
          PartNumber: 1,
          CopySource: `${Bucket}/k`,
        }),
      ),
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucketB, Key: 'copy', UploadId: upB }));
    // Nothing of A's changed.
    const got = await a.send(new GetObjectCommand({ Bucket, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe(body);
  });

  it('refuses B the operator’s admin API and A’s sub-users; B’s root manages only its own', async () => {
    const userA = await createSubUser(t, 'alice');
    const listB = await admin(t, 'GET', '/admin/users', undefined, b.creds);
    expect(listB.status).toBe(200);
    expect(listB.json).toEqual({ users: [] });
    expect((await admin(t, 'GET', `/admin/users/${userA.uin}`, undefined, b.creds)).status).toBe(404);
    expect((await admin(t, 'DELETE', `/admin/users/${userA.uin}`, undefined, b.creds)).status).toBe(404);
    expect((await admin(t, 'POST', `/admin/users/${userA.uin}/keys`, undefined, b.creds)).status).toBe(404);
    expect((await admin(t, 'DELETE', `/admin/keys/${userA.creds.accessKeyId}`, undefined, b.creds)).status).toBe(404);
    expect(
      (await admin(t, 'PUT', `/admin/users/${userA.uin}/policies/p`, { version: '2.0', statement: [] }, b.creds))
        .status,
    ).toBe(404);
    for (const [method, path] of [
      ['GET', '/admin/accounts'],
      ['POST', '/admin/accounts'],
      ['GET', `/admin/accounts/${t.appId}`],
      ['POST', `/admin/accounts/${t.appId}/suspend`],
      ['DELETE', `/admin/accounts/${b.appId}`],
      ['GET', '/admin/metrics'],
      ['POST', '/admin/lifecycle/run'],
      ['GET', `/admin/usage?bucket=${bucketA}`],
    ] as const) {
      const res = await admin(t, method, path, method === 'POST' ? { name: 'x' } : undefined, b.creds);
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    // B's root has its own sub-users, which A does not see.
    const made = await admin(t, 'POST', '/admin/users', { name: 'bob' }, b.creds);
    expect(made.status).toBe(201);
    const bob = made.json as { uin: string; ownerId: string };
    expect(bob.ownerId).toBe(`qcs::cam::uin/${b.uin}:uin/${bob.uin}`);
    const listA = (await adminOk<{ users: { uin: string }[] }>(t, 200, 'GET', '/admin/users')).users.map((u) => u.uin);
    expect(listA).toContain(userA.uin);
    expect(listA).not.toContain(bob.uin);
    expect((await admin(t, 'GET', `/admin/users/${bob.uin}`)).status).toBe(404);
  });

  it('an ACL naming B lets B in for what it grants, and bucket-owner-full-control gives A objects B writes', async () => {
    const Bucket = `acl${process.pid}-${t.appId}`;
    await a.send(new CreateBucketCommand({ Bucket }));
    await a.send(new PutObjectCommand({ Bucket, Key: 'shared', Body: 'for B' }));
    await a.send(new PutBucketAclCommand({ Bucket, GrantRead: `id="${b.ownerId}"`, GrantWrite: `id="${b.ownerId}"` }));
    const listed = await b.s3.send(new ListObjectsV2Command({ Bucket }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['shared']);
    // S3 objects are private to their owner: the bucket ACL does not reach them.
    await denied(b.s3.send(new GetObjectCommand({ Bucket, Key: 'shared' })));
    await a.send(new PutObjectAclCommand({ Bucket, Key: 'shared', GrantRead: `id="${b.ownerId}"` }));
    expect(await (await b.s3.send(new GetObjectCommand({ Bucket, Key: 'shared' }))).Body!.transformToString()).toBe(
      'for B',
    );
    await denied(b.s3.send(new PutObjectAclCommand({ Bucket, Key: 'shared', ACL: 'public-read' })));

    // B writes (WRITE on the bucket). Without bucket-owner-full-control the object is B's alone.
    await b.s3.send(new PutObjectCommand({ Bucket, Key: 'from-b', Body: 'B wrote this' }));
    await denied(a.send(new GetObjectCommand({ Bucket, Key: 'from-b' })));
    const aclB = await b.s3.send(new GetObjectAclCommand({ Bucket, Key: 'from-b' }));
    expect(aclB.Owner?.ID).toBe(b.ownerId);
    // A may still delete what is in its bucket.
    await b.s3.send(new PutObjectAclCommand({ Bucket, Key: 'from-b', ACL: 'bucket-owner-full-control' }));
    expect(await (await a.send(new GetObjectCommand({ Bucket, Key: 'from-b' }))).Body!.transformToString()).toBe(
      'B wrote this',
    );
    await b.s3.send(new PutObjectCommand({ Bucket, Key: 'from-b-2', Body: 'again', ACL: 'bucket-owner-full-control' }));
    expect((await a.send(new HeadObjectCommand({ Bucket, Key: 'from-b-2' }))).ContentLength).toBe(5);
    await a.send(new DeleteObjectCommand({ Bucket, Key: 'from-b' }));

    // Revoked: B is out again.
    await a.send(new PutBucketAclCommand({ Bucket, ACL: 'private' }));
    await denied(b.s3.send(new ListObjectsV2Command({ Bucket })));
    await denied(b.s3.send(new PutObjectCommand({ Bucket, Key: 'late', Body: 'x' })));
  });

  it('a bucket policy naming B grants B objects, copies and multipart; B’s sub-users need their own policy too', async () => {
    const Bucket = `pol${process.pid}-${t.appId}`;
    await a.send(new CreateBucketCommand({ Bucket }));
    await a.send(new PutObjectCommand({ Bucket, Key: 'src', Body: 'copy me' }));
    await a.send(
      new PutBucketPolicyCommand({
        Bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: [`arn:aws:iam::${b.uin}:root`] },
              Action: [
                's3:GetObject',
                's3:PutObject',
                's3:ListBucket',
                's3:AbortMultipartUpload',
                's3:ListMultipartUploadParts',
              ],
              Resource: [`arn:aws:s3:::${Bucket}`, `arn:aws:s3:::${Bucket}/*`],
            },
          ],
        }),
      }),
    );
    expect(await (await b.s3.send(new GetObjectCommand({ Bucket, Key: 'src' }))).Body!.transformToString()).toBe(
      'copy me',
    );
    await b.s3.send(new CopyObjectCommand({ Bucket: bucketB, Key: 'copied', CopySource: `${Bucket}/src` }));
    expect(
      await (await b.s3.send(new GetObjectCommand({ Bucket: bucketB, Key: 'copied' }))).Body!.transformToString(),
    ).toBe('copy me');
    const up = (await b.s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp-b' }))).UploadId!;
    const part = await b.s3.send(
      new UploadPartCommand({ Bucket, Key: 'mp-b', UploadId: up, PartNumber: 1, Body: 'parts' }),
    );
    expect((await b.s3.send(new ListPartsCommand({ Bucket, Key: 'mp-b', UploadId: up }))).Parts).toHaveLength(1);
    await b.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'mp-b',
        UploadId: up,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
      }),
    );
    expect((await b.s3.send(new HeadObjectCommand({ Bucket, Key: 'mp-b' }))).ContentLength).toBe(5);
    // Not granted: the bucket's configuration, its ACL, its deletion.
    await denied(b.s3.send(new GetBucketPolicyCommand({ Bucket })));
    await denied(b.s3.send(new DeleteBucketCommand({ Bucket })));
    await denied(b.s3.send(new DeleteObjectCommand({ Bucket, Key: 'src' })));

    // A sub-user of B: the grant names its account, so its own user policy must allow it too.
    const plain = await admin(t, 'POST', '/admin/users', { name: 'no-policy' }, b.creds);
    const plainUin = (plain.json as { uin: string }).uin;
    const plainKey = (await admin(t, 'POST', `/admin/users/${plainUin}/keys`, undefined, b.creds)).json as {
      secretId: string;
      secretKey: string;
    };
    const plainS3 = t.s3({ credentials: { accessKeyId: plainKey.secretId, secretAccessKey: plainKey.secretKey } });
    await denied(plainS3.send(new GetObjectCommand({ Bucket, Key: 'src' })));
    const readAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
    expect((await admin(t, 'PUT', `/admin/users/${plainUin}/policies/read`, readAll, b.creds)).status).toBe(204);
    expect(await (await plainS3.send(new GetObjectCommand({ Bucket, Key: 'src' }))).Body!.transformToString()).toBe(
      'copy me',
    );
    // Its user policy says "*": that still does not reach A's buckets the grant leaves out.
    await denied(plainS3.send(new GetObjectCommand({ Bucket: bucketA, Key: 'k' })));

    await a.send(new DeleteBucketPolicyCommand({ Bucket }));
    await denied(b.s3.send(new GetObjectCommand({ Bucket, Key: 'src' })));
  });

  it('B’s STS credentials act as B: its buckets, none of A’s; a suspension stops them too', async () => {
    const { creds } = await getSts(t, b.creds);
    const temp = t.s3({
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretKey, sessionToken: creds.token! },
    });
    expect((await temp.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name)).toEqual([bucketB]);
    await denied(temp.send(new GetObjectCommand({ Bucket: bucketA, Key: 'k' })));
    await adminOk(t, 200, 'POST', `/admin/accounts/${b.appId}/suspend`);
    await settled(async () =>
      expect((await sdkError(temp.send(new ListBucketsCommand({})))).code).toBe('AllAccessDisabled'),
    );
    await adminOk(t, 200, 'POST', `/admin/accounts/${b.appId}/resume`);
    await settled(async () => expect((await temp.send(new ListBucketsCommand({}))).Buckets).toHaveLength(1));
  });

  it('suspends and resumes an account, and deletes it only once it owns no bucket', async () => {
    await a.send(new PutBucketAclCommand({ Bucket: bucketA, ACL: 'public-read' }));
    const c = await createAccount(t, 'team-c');
    const bucketC = c.bucketName('susp');
    await c.s3.send(new CreateBucketCommand({ Bucket: bucketC, ACL: 'public-read' }));
    const suspended = await adminOk<{ suspended: boolean }>(t, 200, 'POST', `/admin/accounts/${c.appId}/suspend`);
    expect(suspended.suspended).toBe(true);
    await settled(async () => {
      const err = await sdkError(c.s3.send(new ListBucketsCommand({})));
      expect({ status: err.status, code: err.code }).toEqual({ status: 403, code: 'AllAccessDisabled' });
    });
    // Its buckets are closed to everyone, even through a public ACL.
    await settled(async () => {
      const anon = await fetch(`${t.url}/${bucketC}`);
      expect(anon.status).toBe(403);
      expect(await anon.text()).toContain('<Code>AllAccessDisabled</Code>');
    });
    await adminOk(t, 200, 'POST', `/admin/accounts/${c.appId}/resume`);
    await settled(async () =>
      expect((await c.s3.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name)).toEqual([bucketC]),
    );

    const busy = await admin(t, 'DELETE', `/admin/accounts/${c.appId}`);
    expect(busy.status).toBe(409);
    expect((busy.json as { error: string }).error).toBe('AccountNotEmpty');
    await c.s3.send(new DeleteBucketCommand({ Bucket: bucketC }));
    expect((await admin(t, 'DELETE', `/admin/accounts/${c.appId}`)).status).toBe(204);
    await settled(async () =>
      expect((await sdkError(c.s3.send(new ListBucketsCommand({})))).code).toBe('InvalidAccessKeyId'),
    );
    expect((await admin(t, 'GET', `/admin/accounts/${c.appId}`)).status).toBe(404);
    // The operator's own account can be neither suspended nor deleted.
    expect((await admin(t, 'POST', `/admin/accounts/${t.appId}/suspend`)).status).toBe(409);
    expect((await admin(t, 'DELETE', `/admin/accounts/${t.appId}`)).status).toBe(409);
    const listed = await adminOk<{ accounts: { appId: string; operator: boolean }[] }>(
      t,
      200,
      'GET',
      '/admin/accounts',
    );
    expect(listed.accounts[0]).toMatchObject({ appId: t.appId, operator: true });
    expect(listed.accounts.map((x) => x.appId)).toContain(b.appId);
  });
});
