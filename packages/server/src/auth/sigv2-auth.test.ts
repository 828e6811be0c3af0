import { createHmac } from 'node:crypto';
import { isS3Error } from '@coffer/protocol';
import { describe, expect, it } from 'vitest';
import { authenticate } from './authenticate.js';
import type { AuthContext, Credential, SignableRequest } from './types.js';

const CREDENTIAL: Credential = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  principal: { appId: '1250000000', ownerUin: '100000000001', uin: '100000000001', isRoot: true },
};
const NOW_MS = Date.UTC(2024, 0, 2, 3, 4, 5);
const NOW_HTTP_DATE = 'Tue, 02 Jan 2024 03:04:05 GMT';
const MINUTE_MS = 60_000;

function context(nowMs = NOW_MS): AuthContext {
  return {
    lookupCredential: async (ak) => (ak === CREDENTIAL.accessKeyId ? CREDENTIAL : undefined),
    nowMs: () => nowMs,
    region: 'us-east-1',
  };
}

/** HMAC-SHA1 base64, written out here rather than taken from protocol: the independent computation. */
function hmacV2(stringToSign: string): string {
  return createHmac('sha1', CREDENTIAL.secretKey).update(stringToSign, 'utf8').digest('base64');
}

async function rejection(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (isS3Error(err)) return { code: err.code, message: err.message, details: err.details };
    throw err;
  }
  throw new Error('expected a rejection');
}

/** s3cmd --signature-v2 style: path-style, x-amz-date and no Date, sub-resources in the resource. */
function s3cmdStyle(): SignableRequest {
  const sts = `PUT\nMD5SUM==\ntext/plain\n\nx-amz-date:${NOW_HTTP_DATE}\nx-amz-meta-s3cmd-attrs:uid:0/gid:0\n/bucket/dir/a%20b.txt?partNumber=2&uploadId=up+id`;
  return {
    method: 'PUT',
    rawPath: '/bucket/dir/a%20b.txt',
    rawQuery: 'partNumber=2&uploadId=up%2Bid&x-id=ignored',
    headers: {
      host: '127.0.0.1:9000',
      'content-md5': 'MD5SUM==',
      'content-type': 'text/plain',
      'x-amz-date': NOW_HTTP_DATE,
      'x-amz-meta-s3cmd-attrs': 'uid:0/gid:0',
      authorization: `AWS ${CREDENTIAL.accessKeyId}:${hmacV2(sts)}`,
    },
    pathStyleBucket: '/bucket',
  };
}

describe('SigV2 header auth', () => {
  it('verifies a path-style request (x-amz-date, sub-resources, metadata)', async () => {
    expect(await authenticate(s3cmdStyle(), context())).toEqual({
      kind: 'sigv2',
      accessKeyId: CREDENTIAL.accessKeyId,
      principal: CREDENTIAL.principal,
      presigned: false,
      payload: { kind: 'none' },
    });
  });

  it('verifies a virtual-host request (the bucket is signed but not in the path) with a Date header', async () => {
    const sts = `GET\n\n\n${NOW_HTTP_DATE}\n/awsexamplebucket1/photos/puppy.jpg?acl`;
    const req: SignableRequest = {
      method: 'GET',
      rawPath: '/photos/puppy.jpg',
      rawQuery: 'acl',
      headers: {
        host: 'awsexamplebucket1.s3.amazonaws.com',
        date: NOW_HTTP_DATE,
        authorization: `AWS ${CREDENTIAL.accessKeyId}:${hmacV2(sts)}`,
      },
      virtualHostBucket: 'awsexamplebucket1',
    };
    expect((await authenticate(req, context())).kind).toBe('sigv2');
  });

  it('rejects tampering with a signed header, the resource or a sub-resource', async () => {
    const req = s3cmdStyle();
    for (const [what, r] of [
      ['amz header', { ...req, headers: { ...req.headers, 'x-amz-meta-s3cmd-attrs': 'uid:1' } }],
      ['content-type', { ...req, headers: { ...req.headers, 'content-type': 'text/html' } }],
      ['path', { ...req, rawPath: '/bucket/dir/other' }],
      ['sub-resource', { ...req, rawQuery: 'partNumber=3&uploadId=up%2Bid' }],
    ] as const) {
      expect((await rejection(authenticate(r, context()))).code, what).toBe('SignatureDoesNotMatch');
    }
    // a non-sub-resource parameter is not signed
    expect(
      (await authenticate({ ...req, rawQuery: 'partNumber=2&uploadId=up%2Bid&x-id=changed' }, context())).kind,
    ).toBe('sigv2');
  });

  it('clock skew beyond 15 min is RequestTimeTooSkewed; a missing date is AccessDenied; malformed is InvalidArgument', async () => {
    const err = await rejection(authenticate(s3cmdStyle(), context(NOW_MS + 16 * MINUTE_MS)));
    expect(err.code).toBe('RequestTimeTooSkewed');
    expect(err.details['ServerTime']).toBe(new Date(NOW_MS + 16 * MINUTE_MS).toISOString());
    const { 'x-amz-date': _d, ...noDate } = s3cmdStyle().headers;
    expect((await rejection(authenticate({ ...s3cmdStyle(), headers: noDate }, context()))).code).toBe('AccessDenied');
    const malformed = { ...s3cmdStyle(), headers: { ...s3cmdStyle().headers, authorization: 'AWS nocolon' } };
    expect((await rejection(authenticate(malformed, context()))).code).toBe('InvalidArgument');
  });

  it('unknown access key: InvalidAccessKeyId', async () => {
    const req = s3cmdStyle();
    const auth = String(req.headers['authorization']).replace(CREDENTIAL.accessKeyId, 'AKIANOBODY');
    expect(
      (await rejection(authenticate({ ...req, headers: { ...req.headers, authorization: auth } }, context()))).code,
    ).toBe('InvalidAccessKeyId');
  });
});

describe('SigV2 query auth (awscli v1 `s3 presign`)', () => {
  const expires = Math.floor(NOW_MS / 1000) + 3600;
  function presigned(extraQuery = '', extraSts = ''): SignableRequest {
    const sig = hmacV2(`GET\n\n\n${expires}\n${extraSts}/bucket/key%2B1.txt?response-content-type=text/plain`);
    return {
      method: 'GET',
      rawPath: '/bucket/key%2B1.txt',
      rawQuery: `response-content-type=text%2Fplain${extraQuery}&AWSAccessKeyId=${CREDENTIAL.accessKeyId}&Signature=${encodeURIComponent(sig)}&Expires=${expires}`,
      headers: { host: '127.0.0.1:9000' },
    };
  }

  it('verifies, and reports x-amz-security-token moved into the query (signed as an amz header)', async () => {
    expect(await authenticate(presigned(), context())).toMatchObject({ kind: 'sigv2', presigned: true });
    const withToken = presigned('&x-amz-security-token=TOK%2B1', 'x-amz-security-token:TOK+1\n');
    expect(await authenticate(withToken, context())).toMatchObject({ kind: 'sigv2', securityToken: 'TOK+1' });
  });

  it('after Expires: AccessDenied "Request has expired"', async () => {
    expect(await rejection(authenticate(presigned(), context((expires + 1) * 1000)))).toMatchObject({
      code: 'AccessDenied',
      message: 'Request has expired',
    });
  });

  it('a partial parameter set is AccessDenied; a tampered override is SignatureDoesNotMatch', async () => {
    const req = presigned();
    const partial = { ...req, rawQuery: req.rawQuery.replace(/&Expires=\d+/, '') };
    expect((await rejection(authenticate(partial, context()))).code).toBe('AccessDenied');
    const tampered = { ...req, rawQuery: req.rawQuery.replace('text%2Fplain', 'text%2Fhtml') };
    expect((await rejection(authenticate(tampered, context()))).code).toBe('SignatureDoesNotMatch');
  });
});
