/**
 * The permission matrix: who may do what to a private bucket, over raw HTTP signed with Coffer's
 * own signers (COS q-sign and SigV4, header and presigned). One table holds the expected outcome of
 * every (subject × operation) cell, allowed or the exact status and Code; every cell is asserted,
 * and a denial that came back as a success is counted separately and must be zero.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  type Creds,
  createSubUser,
  getSts,
  type Reply,
  rootCreds,
  type Signing,
  send,
  type WireRequest,
  xmlError,
} from './helpers/access.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const OPS = ['readObject', 'writeObject', 'listBucket', 'deleteObject', 'readAcl', 'writeAcl', 'putPolicy'] as const;
type Op = (typeof OPS)[number];

/** A cell: allowed (with the operation's success status) or denied with exactly this status and Code. */
type Outcome = 'allow' | { status: number; code: string };
const DENIED = { status: 403, code: 'AccessDenied' };
const BAD_SIGNATURE = { status: 403, code: 'SignatureDoesNotMatch' };
const EXPIRED_TOKEN = { status: 403, code: 'ExpiredToken' };
const INVALID_TOKEN = { status: 400, code: 'InvalidToken' };
const UNKNOWN_KEY = { status: 403, code: 'InvalidAccessKeyId' };
const SUCCESS_STATUS: Record<Op, number> = {
  readObject: 200,
  writeObject: 200,
  listBucket: 200,
  deleteObject: 204,
  readAcl: 200,
  writeAcl: 200,
  putPolicy: 204,
};
const all = (outcome: Outcome): Record<Op, Outcome> =>
  Object.fromEntries(OPS.map((op) => [op, outcome])) as Record<Op, Outcome>;

/** Sub-user policy (COS syntax): read, write, list and read the ACL; deleting explicitly denied. */
const USER_POLICY = (bucket: string, appId: string) => ({
  version: '2.0',
  statement: [
    {
      effect: 'allow',
      action: ['name/cos:GetObject', 'name/cos:PutObject', 'name/cos:GetBucket', 'name/cos:GetBucketACL'],
      resource: [`qcs::cos:ap-guangzhou:uid/${appId}:${bucket}/*`],
    },
    { effect: 'deny', action: ['name/cos:DeleteObject'], resource: ['*'] },
  ],
});
/** Session policy for the root's STS credentials (S3 syntax): read-only. */
const ROOT_SESSION_POLICY = (bucket: string) => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketAcl'], Resource: [`arn:aws:s3:::${bucket}`] },
  ],
});
/**
 * Session policy for the sub-user's STS credentials: object reads, writes and deletes, and the
 * bucket ACL write its user policy does not grant. A session can only narrow: the result is the
 * intersection (read, write), with the user policy's explicit deny still in force.
 */
const USER_SESSION_POLICY = (bucket: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: [`arn:aws:s3:::${bucket}/*`],
    },
    { Effect: 'Allow', Action: ['s3:PutBucketAcl'], Resource: [`arn:aws:s3:::${bucket}`] },
  ],
});

const SUB_USER_WITH_POLICY: Record<Op, Outcome> = {
  readObject: 'allow',
  writeObject: 'allow',
  listBucket: 'allow',
  deleteObject: DENIED,
  readAcl: 'allow',
  writeAcl: DENIED,
  putPolicy: DENIED,
};
const ROOT_STS_READ_ONLY: Record<Op, Outcome> = {
  readObject: 'allow',
  writeObject: DENIED,
  listBucket: 'allow',
  deleteObject: DENIED,
  readAcl: 'allow',
  writeAcl: DENIED,
  putPolicy: DENIED,
};

/** THE expected-outcome table: one row per subject. */
const EXPECTED: Record<string, Record<Op, Outcome>> = {
  anonymous: all(DENIED),
  root: all('allow'),
  'sub-user, no policy': all(DENIED),
  'sub-user with a policy': SUB_USER_WITH_POLICY,
  'STS of the root, narrowed (SigV4 + x-amz-security-token)': ROOT_STS_READ_ONLY,
  'STS of the sub-user, narrowed (q-sign + x-cos-security-token)': {
    readObject: 'allow',
    writeObject: 'allow',
    listBucket: DENIED,
    deleteObject: DENIED,
    readAcl: DENIED,
    writeAcl: DENIED,
    putPolicy: DENIED,
  },
  'STS, expired': all(EXPIRED_TOKEN),
  'STS without its token': all(UNKNOWN_KEY),
  "STS with another session's token": all(INVALID_TOKEN),
  'STS with a tampered token': all(INVALID_TOKEN),
  'presigned q-sign URL of the sub-user, valid': SUB_USER_WITH_POLICY,
  'presigned SigV4 URL of the root STS, valid (X-Amz-Security-Token)': ROOT_STS_READ_ONLY,
  'presigned URL, expired': all(DENIED),
  'presigned URL, wrong method': all(BAD_SIGNATURE),
  'presigned URL, wrong key': all(BAD_SIGNATURE),
  'forged signature (root id, wrong secret)': all(BAD_SIGNATURE),
  'deleted access key': all(UNKNOWN_KEY),
};

describe('permission matrix', () => {
  let t: TestServer;
  const bucket = `matrix${process.pid}-1250000000`;
  const signings: Record<string, Signing> = {};

  beforeAll(async () => {
    let offsetMs = 0;
    // The auth clock is moved once, to issue credentials that have already expired; the skew limit
    // is widened so that request (signed with the real clock) is accepted.
    t = await startTestServer({ authClock: { nowMs: () => Date.now() + offsetMs }, config: { maxSkewMs: '3600000' } });
    const root = rootCreds(t);
    const created = await send(t, { method: 'PUT', path: `/${bucket}/` }, { kind: 'v4', creds: root });
    expect(created.status).toBe(200);
    const seeded = await send(
      t,
      { method: 'PUT', path: `/${bucket}/readable.txt`, body: 'hello' },
      { kind: 'v4', creds: root },
    );
    expect(seeded.status).toBe(200);

    const plain = await createSubUser(t, 'plain');
    const user = await createSubUser(t, 'policied', { rw: USER_POLICY(bucket, t.appId) });
    const doomed = await createSubUser(t, 'doomed', { rw: USER_POLICY(bucket, t.appId) });
    expect((await admin(t, 'DELETE', `/admin/keys/${doomed.creds.accessKeyId}`)).status).toBe(204);

    const rootSts = (await getSts(t, root, { Policy: ROOT_SESSION_POLICY(bucket) })).creds;
    const userSts = (await getSts(t, user.creds, { Policy: USER_SESSION_POLICY(bucket) })).creds;
    const other = (await getSts(t, root)).creds;
    offsetMs = -960_000;
    const expired = (await getSts(t, root, { DurationSeconds: 900 })).creds;
    offsetMs = 0;
    // The MAC's second-to-last character: every bit of it is data (the last one's low bits are not).
    const token = rootSts.token!;
    const at = token.length - 2;
    const tampered: Creds = {
      ...rootSts,
      token: `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`,
    };

    Object.assign(signings, {
      anonymous: { kind: 'none' },
      root: { kind: 'cos', creds: root },
      'sub-user, no policy': { kind: 'v4', creds: plain.creds },
      'sub-user with a policy': { kind: 'cos', creds: user.creds },
      'STS of the root, narrowed (SigV4 + x-amz-security-token)': { kind: 'v4', creds: rootSts },
      'STS of the sub-user, narrowed (q-sign + x-cos-security-token)': { kind: 'cos', creds: userSts },
      'STS, expired': { kind: 'cos', creds: expired },
      'STS without its token': {
        kind: 'v4',
        creds: { accessKeyId: rootSts.accessKeyId, secretKey: rootSts.secretKey },
      },
      "STS with another session's token": { kind: 'cos', creds: { ...rootSts, token: other.token! } },
      'STS with a tampered token': { kind: 'v4', creds: tampered },
      'presigned q-sign URL of the sub-user, valid': { kind: 'cos-presign', creds: user.creds },
      'presigned SigV4 URL of the root STS, valid (X-Amz-Security-Token)': { kind: 'v4-presign', creds: rootSts },
      'presigned URL, expired': { kind: 'cos-presign', creds: root, ageSeconds: 1200, expiresSeconds: 600 },
      'presigned URL, wrong method': { kind: 'v4-presign', creds: root, signMethod: 'HEAD' },
      'presigned URL, wrong key': { kind: 'cos-presign', creds: root, signPath: `/${bucket}/another-object.txt` },
      'forged signature (root id, wrong secret)': {
        kind: 'v4',
        creds: {
          accessKeyId: root.accessKeyId,
          secretKey: `${root.secretKey.slice(0, -1)}${root.secretKey.endsWith('x') ? 'y' : 'x'}`,
        },
      },
      'deleted access key': { kind: 'cos', creds: doomed.creds },
    } satisfies Record<string, Signing>);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The request of each operation; `row` keeps writes of different subjects apart. */
  function request(op: Op, row: number): WireRequest {
    // A harmless policy: it denies a principal that does not exist, so granting it changes nothing.
    const neutralPolicy = JSON.stringify({
      Statement: [
        {
          Effect: 'Deny',
          Principal: { qcs: ['qcs::cam::uin/1:uin/1'] },
          Action: ['name/cos:GetObject'],
          Resource: [`qcs::cos:ap-guangzhou:uid/${t.appId}:${bucket}/*`],
        },
      ],
    });
    switch (op) {
      case 'readObject':
        return { method: 'GET', path: `/${bucket}/readable.txt` };
      case 'writeObject':
        return {
          method: 'PUT',
          path: `/${bucket}/written-${row}.txt`,
          body: 'written',
          headers: { 'content-type': 'text/plain' },
        };
      case 'listBucket':
        return { method: 'GET', path: `/${bucket}/`, query: { prefix: '' } };
      case 'deleteObject':
        return { method: 'DELETE', path: `/${bucket}/victim-${row}.txt` };
      case 'readAcl':
        return { method: 'GET', path: `/${bucket}/`, query: { acl: '' } };
      case 'writeAcl':
        return { method: 'PUT', path: `/${bucket}/`, query: { acl: '' }, headers: { 'x-cos-acl': 'private' } };
      case 'putPolicy':
        return {
          method: 'PUT',
          path: `/${bucket}/`,
          query: { policy: '' },
          body: neutralPolicy,
          headers: { 'content-type': 'application/json' },
        };
    }
  }

  function outcomeOf(op: Op, res: Reply): Outcome {
    if (res.status >= 200 && res.status < 300)
      return res.status === SUCCESS_STATUS[op] ? 'allow' : { status: res.status, code: '' };
    return { status: res.status, code: xmlError(res.text).code };
  }

  it('every cell is as the table says, and no denied cell succeeds', async () => {
    const actual: Record<string, Record<string, Outcome>> = {};
    let unexpectedSuccesses = 0;
    let cells = 0;
    const rows = Object.keys(EXPECTED);
    expect(Object.keys(signings).sort()).toEqual([...rows].sort());
    for (const [row, subject] of rows.entries()) {
      actual[subject] = {};
      for (const op of OPS) {
        const res = await send(t, request(op, row), signings[subject]!);
        const outcome = outcomeOf(op, res);
        actual[subject][op] = outcome;
        cells++;
        if (EXPECTED[subject]![op] !== 'allow' && res.status < 300) unexpectedSuccesses++;
        if (outcome !== 'allow') {
          // Every denial is a complete error document whose RequestId matches the response header.
          expect(res.text, `${subject} / ${op}`).toContain(`<RequestId>${res.headers['x-cos-request-id']}</RequestId>`);
          if (subject === 'presigned URL, expired') expect(xmlError(res.text).message).toBe('Request has expired');
          if (subject === 'STS, expired') expect(xmlError(res.text).message).toMatch(/token has expired/);
        }
      }
    }
    expect(cells).toBe(rows.length * OPS.length);
    expect(unexpectedSuccesses).toBe(0);
    expect(actual).toEqual(EXPECTED);
  });
});
