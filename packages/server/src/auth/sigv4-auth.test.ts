import type { IncomingHttpHeaders } from 'node:http';
import {
  EMPTY_SHA256_HEX,
  isS3Error,
  presignV4,
  signHex,
  signV4Headers,
  sigV4CanonicalHeaders,
  sigV4CanonicalRequest,
  sigV4CanonicalUri,
  sigV4Scope,
  sigV4Signature,
  sigV4SigningKey,
  sigV4StringToSign,
} from '@coffer/protocol';
import { describe, expect, it } from 'vitest';
import { authenticate } from './authenticate.js';
import { nodeCrypto } from './node-crypto.js';
import type { AuthContext, Credential, SignableRequest } from './types.js';

/** The AWS documentation's example credentials and time (20130524T000000Z). */
const CREDENTIAL: Credential = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  principal: { appId: '1250000000', ownerUin: '100000000001', uin: '100000000001', isRoot: true },
};
const DOC_TIME_MS = Date.UTC(2013, 4, 24);
const MINUTE_MS = 60_000;
const HOST = 'examplebucket.s3.amazonaws.com';

/** Paths whose wire spelling is not canonical: raw `(`, lower-case `%7e`, `+` (a plus in a path is a plus). */
const NON_CANONICAL_PATH = '/bucket/(x)%7e+y';

function context(nowMs = DOC_TIME_MS): AuthContext {
  return {
    lookupCredential: async (ak) => (ak === CREDENTIAL.accessKeyId ? CREDENTIAL : undefined),
    nowMs: () => nowMs,
    region: 'us-east-1',
  };
}

const credentials = { accessKeyId: CREDENTIAL.accessKeyId, secretKey: CREDENTIAL.secretKey };

interface Signed {
  req: SignableRequest;
  signature: string;
}

/** Signs with protocol's signV4Headers and returns the request as node would hand it to authenticate. */
function signed(opts: {
  method?: string;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  payloadHash?: string;
  region?: string;
  nowMs?: number;
  sessionToken?: string;
}): Signed {
  const s = signV4Headers(
    {
      method: opts.method ?? 'GET',
      path: opts.path ?? '/test.txt',
      query: opts.query ?? '',
      headers: { host: HOST, ...opts.headers },
      payloadHash: opts.payloadHash ?? EMPTY_SHA256_HEX,
    },
    {
      credentials: { ...credentials, sessionToken: opts.sessionToken },
      region: opts.region ?? 'us-east-1',
      nowMs: opts.nowMs ?? DOC_TIME_MS,
    },
    nodeCrypto,
  );
  return {
    req: { method: opts.method ?? 'GET', rawPath: opts.path ?? '/test.txt', rawQuery: s.query, headers: s.headers },
    signature: s.signature,
  };
}

/** An Authorization header computed by hand from the protocol primitives, for shapes signV4Headers never makes. */
function manualAuthorization(opts: {
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
  canonicalUri?: string;
}): string {
  const canonical = sigV4CanonicalRequest({
    method: 'GET',
    canonicalUri: opts.canonicalUri ?? '/test.txt',
    canonicalQuery: '',
    canonicalHeaders: sigV4CanonicalHeaders(opts.headers, opts.signedHeaders),
    signedHeaders: opts.signedHeaders,
    payloadHash: opts.payloadHash,
  });
  const scope = sigV4Scope('20130524', 'us-east-1', 's3');
  const key = sigV4SigningKey(nodeCrypto, CREDENTIAL.secretKey, '20130524', 'us-east-1', 's3');
  const sig = sigV4Signature(nodeCrypto, key, sigV4StringToSign(nodeCrypto, '20130524T000000Z', scope, canonical));
  return `AWS4-HMAC-SHA256 Credential=${CREDENTIAL.accessKeyId}/${scope}, SignedHeaders=${opts.signedHeaders.join(';')}, Signature=${sig}`;
}

function withHeaders(req: SignableRequest, headers: IncomingHttpHeaders): SignableRequest {
  return { ...req, headers: { ...req.headers, ...headers } };
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

describe('SigV4 header auth', () => {
  it('verifies the AWS "GET Object" example (Range, empty payload hash)', async () => {
    const req: SignableRequest = {
      method: 'GET',
      rawPath: '/test.txt',
      rawQuery: '',
      headers: {
        host: HOST,
        range: 'bytes=0-9',
        'x-amz-content-sha256': EMPTY_SHA256_HEX,
        'x-amz-date': '20130524T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
          'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
          'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      },
    };
    expect(await authenticate(req, context())).toEqual({
      kind: 'sigv4',
      accessKeyId: CREDENTIAL.accessKeyId,
      principal: CREDENTIAL.principal,
      presigned: false,
      region: 'us-east-1',
      payload: { kind: 'sha256', expectedHex: EMPTY_SHA256_HEX },
    });
  });

  it('verifies exactly the SignedHeaders; unsigned headers may change, a signed one that is absent is empty', async () => {
    const { req } = signed({ headers: { 'x-amz-meta-gone': '' } });
    expect(req.headers['authorization']).toContain('x-amz-meta-gone');
    const { 'x-amz-meta-gone': _gone, ...rest } = req.headers;
    const result = await authenticate({ ...req, headers: { ...rest, 'user-agent': 'anything' } }, context());
    expect(result.kind).toBe('sigv4');
  });

  it('rejects a changed signed header, query, path or method with SignatureDoesNotMatch and the StringToSign', async () => {
    const { req } = signed({ headers: { 'x-amz-meta-a': '1' }, query: 'prefix=a' });
    const cases: Array<[string, SignableRequest]> = [
      ['header', withHeaders(req, { 'x-amz-meta-a': '2' })],
      ['query', { ...req, rawQuery: 'prefix=b' }],
      ['path', { ...req, rawPath: '/other.txt' }],
      ['method', { ...req, method: 'DELETE' }],
    ];
    for (const [what, r] of cases) {
      const err = await rejection(authenticate(r, context()));
      expect(err.code, what).toBe('SignatureDoesNotMatch');
      expect(String(err.details['StringToSign'])).toMatch(/^AWS4-HMAC-SHA256\n20130524T000000Z\n/);
      expect(String(err.details['CanonicalRequest'])).toContain('\nhost:examplebucket.s3.amazonaws.com\n');
    }
  });

  it('accepts any region in the scope; rejects a service other than s3 with AuthorizationHeaderMalformed', async () => {
    expect((await authenticate(signed({ region: 'moon-base-1' }).req, context())).kind).toBe('sigv4');
    const { req } = signed({});
    const ec2 = String(req.headers['authorization']).replace('/s3/aws4_request', '/ec2/aws4_request');
    expect((await rejection(authenticate(withHeaders(req, { authorization: ec2 }), context()))).code).toBe(
      'AuthorizationHeaderMalformed',
    );
  });

  it('malformed headers: missing Signature, bad Credential, credential date not X-Amz-Date', async () => {
    const { req } = signed({});
    const auth = String(req.headers['authorization']);
    for (const bad of [
      auth.replace(/, Signature=.*/, ''),
      auth.replace('Credential=AKIAIOSFODNN7EXAMPLE/', 'Credential=AKIAIOSFODNN7EXAMPLE:'),
      auth.replace('/20130524/', '/20130525/'),
    ]) {
      expect((await rejection(authenticate(withHeaders(req, { authorization: bad }), context()))).code).toBe(
        'AuthorizationHeaderMalformed',
      );
    }
  });

  it('unknown access key: InvalidAccessKeyId', async () => {
    const { req } = signed({});
    const other = String(req.headers['authorization']).replace('AKIAIOSFODNN7EXAMPLE', 'AKIANOBODY');
    expect((await rejection(authenticate(withHeaders(req, { authorization: other }), context()))).code).toBe(
      'InvalidAccessKeyId',
    );
  });

  it('clock skew over 15 min either way is RequestTimeTooSkewed with ServerTime; within is fine', async () => {
    const { req } = signed({});
    for (const now of [DOC_TIME_MS + 16 * MINUTE_MS, DOC_TIME_MS - 16 * MINUTE_MS]) {
      const err = await rejection(authenticate(req, context(now)));
      expect(err.code).toBe('RequestTimeTooSkewed');
      expect(err.details['ServerTime']).toBe(new Date(now).toISOString());
    }
    expect((await authenticate(req, context(DOC_TIME_MS + 14 * MINUTE_MS))).kind).toBe('sigv4');
  });

  it('a skewed x-amz-date is RequestTimeTooSkewed even when the credential date no longer matches it', async () => {
    const { req } = signed({});
    for (const amzDate of ['20100707T215304Z', '20300707T215304Z']) {
      const err = await rejection(authenticate(withHeaders(req, { 'x-amz-date': amzDate }), context()));
      expect(err.code, amzDate).toBe('RequestTimeTooSkewed');
    }
    // On time but on another day than the credential's: AuthorizationHeaderMalformed.
    const err = await rejection(
      authenticate(withHeaders(req, { 'x-amz-date': '20130525T000500Z' }), context(Date.UTC(2013, 4, 25, 0, 5))),
    );
    expect(err.code).toBe('AuthorizationHeaderMalformed');
  });

  it('a Date header stands in for x-amz-date (converted to ISO basic in the string to sign)', async () => {
    const date = 'Fri, 24 May 2013 00:00:00 GMT';
    const headers = { date, host: HOST, 'x-amz-content-sha256': EMPTY_SHA256_HEX };
    const authorization = manualAuthorization({
      headers,
      signedHeaders: ['date', 'host', 'x-amz-content-sha256'],
      payloadHash: EMPTY_SHA256_HEX,
    });
    const req = { method: 'GET', rawPath: '/test.txt', rawQuery: '', headers: { ...headers, authorization } };
    expect((await authenticate(req, context())).kind).toBe('sigv4');
  });

  it('accepts a non-canonically spelled path whether the client signed the canonical or the verbatim form', async () => {
    const canonical = signed({ path: NON_CANONICAL_PATH });
    expect(sigV4CanonicalUri(NON_CANONICAL_PATH)).toBe('/bucket/%28x%29~%2By');
    expect((await authenticate(canonical.req, context())).kind).toBe('sigv4');
    // a client that signs exactly the bytes it sends (no re-encoding)
    const headers = { host: HOST, 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY_SHA256_HEX };
    const authorization = manualAuthorization({
      headers,
      signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date'],
      payloadHash: EMPTY_SHA256_HEX,
      canonicalUri: NON_CANONICAL_PATH,
    });
    const verbatim = {
      method: 'GET',
      rawPath: NON_CANONICAL_PATH,
      rawQuery: '',
      headers: { ...headers, authorization },
    };
    expect((await authenticate(verbatim, context())).kind).toBe('sigv4');
  });

  it('path-style: the bucket is part of the signed path', async () => {
    const { req } = signed({ path: '/my-bucket/a%20b' });
    expect((await authenticate({ ...req, pathStyleBucket: '/my-bucket' }, context())).kind).toBe('sigv4');
    expect(
      (await rejection(authenticate({ ...req, rawPath: '/a%20b', pathStyleBucket: '/my-bucket' }, context()))).code,
    ).toBe('SignatureDoesNotMatch');
  });

  it("a '+' in the query is a space, as S3 and MinIO decode it", async () => {
    const { req } = signed({ query: 'prefix=a%20b' });
    expect((await authenticate({ ...req, rawQuery: 'prefix=a+b' }, context())).kind).toBe('sigv4');
  });

  it('reports x-amz-security-token (header) without verifying it', async () => {
    const result = await authenticate(signed({ sessionToken: 'SESSION/TOKEN+=' }).req, context());
    expect(result.securityToken).toBe('SESSION/TOKEN+=');
  });
});

describe('SigV4 payload modes', () => {
  const sha = signHex(nodeCrypto.hash('sha256', 'body'));

  it('hex → sha256, UNSIGNED-PAYLOAD → none', async () => {
    expect((await authenticate(signed({ payloadHash: sha }).req, context())).payload).toEqual({
      kind: 'sha256',
      expectedHex: sha,
    });
    expect((await authenticate(signed({ payloadHash: 'UNSIGNED-PAYLOAD' }).req, context())).payload).toEqual({
      kind: 'none',
    });
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD → signed aws-chunked with the seed', async () => {
    const { req, signature } = signed({
      method: 'PUT',
      payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '66560' },
    });
    const result = await authenticate(req, context());
    expect(result.payload).toEqual({
      kind: 'aws-chunked',
      signed: true,
      trailer: false,
      decodedLength: 66560,
      trailerNames: [],
      seed: {
        signature,
        signingKey: Buffer.from(sigV4SigningKey(nodeCrypto, CREDENTIAL.secretKey, '20130524', 'us-east-1', 's3')),
        datetime: '20130524T000000Z',
        scope: '20130524/us-east-1/s3/aws4_request',
      },
    });
  });

  it('…-PAYLOAD-TRAILER and STREAMING-UNSIGNED-PAYLOAD-TRAILER carry the x-amz-trailer names', async () => {
    const signedTrailer = await authenticate(
      signed({
        method: 'PUT',
        payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        headers: { 'x-amz-trailer': 'X-Amz-Checksum-CRC32, x-amz-checksum-sha256' },
      }).req,
      context(),
    );
    expect(signedTrailer.payload).toMatchObject({
      kind: 'aws-chunked',
      signed: true,
      trailer: true,
      trailerNames: ['x-amz-checksum-crc32', 'x-amz-checksum-sha256'],
    });
    const unsigned = await authenticate(
      signed({
        method: 'PUT',
        payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        headers: { 'x-amz-trailer': 'x-amz-checksum-crc32' },
      }).req,
      context(),
    );
    expect(unsigned.payload).toEqual({
      kind: 'aws-chunked',
      signed: false,
      trailer: true,
      trailerNames: ['x-amz-checksum-crc32'],
    });
  });

  it('an unknown x-amz-content-sha256 is InvalidArgument', async () => {
    expect(
      (
        await rejection(
          authenticate(signed({ payloadHash: 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' }).req, context()),
        )
      ).code,
    ).toBe('InvalidArgument');
  });

  it('leniency: without x-amz-content-sha256, UNSIGNED-PAYLOAD or the empty hash is accepted', async () => {
    for (const [payloadHash, payload] of [
      ['UNSIGNED-PAYLOAD', { kind: 'none' }],
      [EMPTY_SHA256_HEX, { kind: 'sha256', expectedHex: EMPTY_SHA256_HEX }],
    ] as const) {
      const { req } = signed({ payloadHash });
      // re-sign without the header, as a generic SigV4 client would
      const { 'x-amz-content-sha256': _h, ...headers } = req.headers as Record<string, string>;
      headers['authorization'] = manualAuthorization({ headers, signedHeaders: ['host', 'x-amz-date'], payloadHash });
      expect((await authenticate({ ...req, headers }, context())).payload).toEqual(payload);
    }
  });
});

describe('SigV4 presigned URLs', () => {
  /** The AWS documentation's presigned GET (X-Amz-Expires=86400). */
  const DOC_PRESIGNED_QUERY =
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
    '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
    '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
  const docRequest: SignableRequest = {
    method: 'GET',
    rawPath: '/test.txt',
    rawQuery: DOC_PRESIGNED_QUERY,
    headers: { host: HOST },
  };

  it('verifies the AWS documentation example within its lifetime', async () => {
    expect(await authenticate(docRequest, context(DOC_TIME_MS + 3600_000))).toEqual({
      kind: 'sigv4',
      accessKeyId: CREDENTIAL.accessKeyId,
      principal: CREDENTIAL.principal,
      presigned: true,
      region: 'us-east-1',
      payload: { kind: 'none' },
    });
  });

  it('after X-Amz-Date + X-Amz-Expires: AccessDenied "Request has expired"', async () => {
    const err = await rejection(authenticate(docRequest, context(DOC_TIME_MS + 86_401_000)));
    expect(err).toMatchObject({ code: 'AccessDenied', message: 'Request has expired' });
  });

  it('X-Amz-Date beyond the skew in the future: RequestTimeTooSkewed', async () => {
    const err = await rejection(authenticate(docRequest, context(DOC_TIME_MS - 16 * MINUTE_MS)));
    expect(err.code).toBe('RequestTimeTooSkewed');
    expect(err.details['ServerTime']).toBeDefined();
  });

  it('X-Amz-Expires outside 1..604800, missing parameters, wrong algorithm: AuthorizationQueryParametersError', async () => {
    for (const q of [
      DOC_PRESIGNED_QUERY.replace('X-Amz-Expires=86400', 'X-Amz-Expires=0'),
      DOC_PRESIGNED_QUERY.replace('X-Amz-Expires=86400', 'X-Amz-Expires=604801'),
      DOC_PRESIGNED_QUERY.replace('X-Amz-Expires=86400', 'X-Amz-Expires=soon'),
      DOC_PRESIGNED_QUERY.replace('&X-Amz-SignedHeaders=host', ''),
      DOC_PRESIGNED_QUERY.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-HMAC-SHA1'),
      DOC_PRESIGNED_QUERY.replace('%2Fs3%2F', '%2Fsqs%2F'),
    ]) {
      expect((await rejection(authenticate({ ...docRequest, rawQuery: q }, context()))).code, q).toBe(
        'AuthorizationQueryParametersError',
      );
    }
  });

  it('presignV4 URLs verify, carry the session token, and reject tampering', async () => {
    const query = presignV4(
      {
        method: 'GET',
        path: '/bucket/a%20b',
        query: { 'response-content-type': 'text/plain' },
        headers: { host: HOST },
      },
      {
        credentials: { ...credentials, sessionToken: 'TOK' },
        region: 'somewhere',
        nowMs: DOC_TIME_MS,
        expiresSeconds: 60,
      },
      nodeCrypto,
    );
    const req = { method: 'GET', rawPath: '/bucket/a%20b', rawQuery: query, headers: { host: HOST } };
    expect(await authenticate(req, context(DOC_TIME_MS + 30_000))).toMatchObject({
      presigned: true,
      securityToken: 'TOK',
    });
    const tampered = { ...req, rawQuery: query.replace('text%2Fplain', 'text%2Fhtml') };
    expect((await rejection(authenticate(tampered, context(DOC_TIME_MS)))).code).toBe('SignatureDoesNotMatch');
    expect((await rejection(authenticate({ ...req, headers: { host: 'elsewhere' } }, context(DOC_TIME_MS)))).code).toBe(
      'SignatureDoesNotMatch',
    );
  });

  it('both a query signature and an Authorization header: InvalidArgument', async () => {
    const { req } = signed({});
    expect((await rejection(authenticate({ ...req, rawQuery: DOC_PRESIGNED_QUERY }, context()))).code).toBe(
      'InvalidArgument',
    );
  });
});
