/**
 * The audit log (docs/operations.md, "Audit log"): every admin change — users, keys, policies, ACLs,
 * bucket policies, lifecycle, object lock — is one structured pino line with who, what, when and
 * the request id, whether it was allowed or refused. Reads are not audited.
 */
import { Writable } from 'node:stream';
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  PutBucketAclCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, adminOk } from './helpers/access.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface AuditLine {
  audit: true;
  msg: string;
  time: string;
  requestId: string;
  who: { ownerId: string; accessKeyId?: string; root?: boolean; temporary?: boolean };
  operation: string;
  bucket?: string;
  path?: string;
  status: number;
  code?: string;
  outcome: 'allowed' | 'denied' | 'failed';
}

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
    done();
  },
});
const audit = () => lines.filter((l) => l.audit === true) as unknown as AuditLine[];

let t: TestServer;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestServer({ log: pino({ level: 'info' }, sink) });
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

describe('audit log', () => {
  it('records bucket configuration changes with who, what, when and the request id; not reads', async () => {
    const Bucket = t.bucketName('audit');
    await s3.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
    const startMs = Date.now();
    const acl = await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' }));
    await s3.send(new GetBucketAclCommand({ Bucket }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` },
          ],
        }),
      }),
    );
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [{ ID: 'r', Status: 'Enabled', Filter: { Prefix: 'x/' }, Expiration: { Days: 1 } }],
        },
      }),
    );
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
        },
      }),
    );
    const mine = audit().filter((l) => l.bucket === Bucket);
    expect(mine.map((l) => l.operation)).toEqual([
      'CreateBucket',
      'PutBucketAcl',
      'PutBucketPolicy',
      'PutBucketLifecycle',
      'PutObjectLockConfiguration',
    ]);
    const aclLine = mine[1]!;
    expect(aclLine.requestId).toBe(acl.$metadata.requestId);
    expect(aclLine).toMatchObject({
      msg: 'audit',
      who: { accessKeyId: t.secretId, root: true, temporary: false },
      status: 200,
      outcome: 'allowed',
    });
    expect(aclLine.who.ownerId).toContain(`uin/`);
    expect(Date.parse(aclLine.time)).toBeGreaterThanOrEqual(startMs - 1000);
  });

  it('records users, keys and policies changed over the admin API, and a refused attempt', async () => {
    const user = await adminOk<{ uin: string }>(t, 201, 'POST', '/admin/users', { name: 'audited' });
    const key = await adminOk<{ secretId: string; secretKey: string }>(t, 201, 'POST', `/admin/users/${user.uin}/keys`);
    await adminOk(t, 204, 'PUT', `/admin/users/${user.uin}/policies/p`, {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['*'] }],
    });
    await adminOk(t, 200, 'GET', `/admin/users/${user.uin}`);
    // The sub-user may not create users: refused, and recorded as such.
    const refused = await admin(
      t,
      'POST',
      '/admin/users',
      { name: 'sneaky' },
      {
        accessKeyId: key.secretId,
        secretKey: key.secretKey,
      },
    );
    expect(refused.status).toBe(403);
    await adminOk(t, 204, 'DELETE', `/admin/keys/${key.secretId}`);
    await adminOk(t, 204, 'DELETE', `/admin/users/${user.uin}`);

    const adminLines = audit().filter((l) => l.operation.startsWith('Admin'));
    expect(adminLines.map((l) => [l.operation, l.outcome])).toEqual([
      ['AdminCreateUser', 'allowed'],
      ['AdminCreateAccessKey', 'allowed'],
      ['AdminPutUserPolicy', 'allowed'],
      ['AdminCreateUser', 'denied'],
      ['AdminDeleteAccessKey', 'allowed'],
      ['AdminDeleteUser', 'allowed'],
    ]);
    expect(adminLines[2]!.path).toBe(`/-/admin/users/${user.uin}/policies/p`);
    expect(adminLines[3]!.who).toMatchObject({ accessKeyId: key.secretId, root: false });
    for (const line of adminLines) expect(line.requestId).toMatch(/^[0-9a-z]{20,}$/);
    // No secret ever reaches the log.
    expect(JSON.stringify(lines)).not.toContain(key.secretKey);
    expect(JSON.stringify(lines)).not.toContain(t.secretKey);
  });
});
