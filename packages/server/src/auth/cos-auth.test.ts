import type { IncomingHttpHeaders } from 'node:http';
import { cosExpectedSignature, cosListedEntries, isS3Error } from '@coffer/protocol';
import COS from 'cos-nodejs-sdk-v5';
import { describe, expect, it } from 'vitest';
import { authenticate } from './authenticate.js';
import { nodeCrypto } from './node-crypto.js';
import type { AuthContext, Credential, SignableRequest } from './types.js';

const BUCKET = 'examplebucket-1250000000';
const HOST = `${BUCKET}.cos.ap-guangzhou.myqcloud.com`;
const CREDENTIAL: Credential = {
  accessKeyId: 'AKIDEXAMPLE',
  secretKey: 'EXAMPLEKEY',
  principal: { appId: '1250000000', ownerUin: '100000000001', uin: '100000000001', isRoot: true },
};
/** A fixed server clock (unix seconds) so signature windows are exact. */
const NOW_S = 1_700_000_000;

/** A key with a space, parentheses and non-ASCII: the URL carries it encoded, the signature covers it decoded. */
const KEY = 'dir/hello world (腾讯云).txt';
const KEY_WIRE = '/dir/hello%20world%20%28%E8%85%BE%E8%AE%AF%E4%BA%91%29.txt';

function context(nowS = NOW_S): AuthContext {
  return {
    lookupCredential: async (ak) => (ak === CREDENTIAL.accessKeyId ? CREDENTIAL : undefined),
    nowMs: () => nowS * 1000,
    region: 'ap-guangzhou',
  };
}

interface SdkSignInput {
  method?: COS.Method;
  pathname?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  keyTime?: string;
}

/** The Authorization the official SDK computes for these inputs. */
function sdkSign({
  method = 'GET',
  pathname = '/' + KEY,
  query = {},
  headers = { Host: HOST },
  keyTime,
}: SdkSignInput) {
  return COS.getAuthorization({
    SecretId: CREDENTIAL.accessKeyId,
    SecretKey: CREDENTIAL.secretKey,
    Method: method,
    Pathname: pathname,
    Query: query,
    Headers: headers,
    KeyTime: keyTime ?? `${NOW_S - 1};${NOW_S + 899}`,
  });
}

function request(
  rawPath: string,
  rawQuery: string,
  headers: IncomingHttpHeaders,
  extra: Partial<SignableRequest> = {},
) {
  return { method: 'GET', rawPath, rawQuery, headers: { host: HOST, ...headers }, ...extra };
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

describe('COS header auth', () => {
  const query = { prefix: 'a/b c', versionId: 'v+1' };
  const rawQuery = 'prefix=a%2Fb%20c&versionId=v%2B1';
  const headers = { Host: HOST, 'x-cos-meta-a': 'v a', 'Content-Type': 'text/plain' };
  const wireHeaders = { 'x-cos-meta-a': 'v a', 'content-type': 'text/plain' };

  it('verifies a virtual-host request signed by COS.getAuthorization', async () => {
    const authorization = sdkSign({ query, headers });
    const result = await authenticate(request(KEY_WIRE, rawQuery, { ...wireHeaders, authorization }), context());
    expect(result).toEqual({
      kind: 'cos',
      accessKeyId: 'AKIDEXAMPLE',
      principal: CREDENTIAL.principal,
      presigned: false,
      payload: { kind: 'none' },
    });
  });

  it('verifies a path-style request whose signature leaves the bucket out (Domain: host/{Bucket})', async () => {
    const authorization = sdkSign({ query, headers: { ...headers, Host: '127.0.0.1:9000' } });
    const req = request(
      `/${BUCKET}${KEY_WIRE}`,
      rawQuery,
      { ...wireHeaders, host: '127.0.0.1:9000', authorization },
      {
        pathStyleBucket: `/${BUCKET}`,
      },
    );
    expect((await authenticate(req, context())).kind).toBe('cos');
  });

  it('verifies a path-style request that signed the full path too, and a bucket-level path-style request', async () => {
    const full = sdkSign({ pathname: `/${BUCKET}/${KEY}`, headers: { Host: '127.0.0.1:9000' } });
    const req = request(
      `/${BUCKET}${KEY_WIRE}`,
      '',
      { host: '127.0.0.1:9000', authorization: full },
      {
        pathStyleBucket: BUCKET,
      },
    );
    expect((await authenticate(req, context())).kind).toBe('cos');
    const bucketLevel = sdkSign({
      pathname: '/',
      query: { uploads: '', prefix: 'k' },
      headers: { Host: '127.0.0.1:9000' },
    });
    for (const rawPath of [`/${BUCKET}`, `/${BUCKET}/`]) {
      const r = request(
        rawPath,
        'uploads=&prefix=k',
        { host: '127.0.0.1:9000', authorization: bucketLevel },
        {
          pathStyleBucket: `/${BUCKET}`,
        },
      );
      expect((await authenticate(r, context())).kind).toBe('cos');
    }
  });

  it('signs exactly the listed headers: unlisted ones (empty Cache-Control, User-Agent, x-cos-security-token) are ignored', async () => {
    const authorization = sdkSign({ headers });
    const req = request(KEY_WIRE, '', {
      ...wireHeaders,
      'cache-control': '',
      'user-agent': 'cos-nodejs-sdk-v5-3.0.0',
      'x-cos-security-token': 'TOKEN',
      authorization,
    });
    const result = await authenticate(req, context());
    expect(result.securityToken).toBe('TOKEN');
  });

  it('a listed header that is absent signs as empty', async () => {
    // getAuthorization (unlike the request path) keeps empty-valued headers in the list
    const authorization = sdkSign({ headers: { ...headers, 'x-cos-absent': '' } });
    expect(authorization).toContain('x-cos-absent');
    const result = await authenticate(request(KEY_WIRE, '', { ...wireHeaders, authorization }), context());
    expect(result.kind).toBe('cos');
  });

  it('accepts pair strings ordered by encoded name (COS docs, Go/Python SDKs) as well as the JS SDK order', async () => {
    // `a_` and `a\`` sort differently raw vs encoded (the COS signature page sorts encoded names,
    // https://intl.cloud.tencent.com/document/product/436/7778; the JS SDK's obj2str sorts raw ones)
    const keyTime = `${NOW_S};${NOW_S + 60}`;
    const params = [
      { name: 'a_', value: '1' },
      { name: 'a`', value: '2' },
    ];
    const headerEntries = [{ name: 'host', value: HOST }];
    const signature = cosExpectedSignature(nodeCrypto, {
      secretKey: CREDENTIAL.secretKey,
      keyTime,
      signTime: keyTime,
      method: 'get',
      pathname: '/k',
      params: cosListedEntries(['a%60', 'a_'], params),
      headers: headerEntries,
      order: 'encoded',
    });
    const authorization = `q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE&q-sign-time=${keyTime}&q-key-time=${keyTime}&q-header-list=host&q-url-param-list=a%60;a_&q-signature=${signature}`;
    const result = await authenticate(request('/k', 'a_=1&a%60=2', { authorization }), context());
    expect(result.kind).toBe('cos');
  });

  it('rejects tampering with a listed header, a listed param, or the path', async () => {
    const authorization = sdkSign({ query, headers });
    const cases: Array<[string, SignableRequest]> = [
      ['header', request(KEY_WIRE, rawQuery, { ...wireHeaders, 'x-cos-meta-a': 'other', authorization })],
      ['param', request(KEY_WIRE, 'prefix=a%2Fb&versionId=v%2B1', { ...wireHeaders, authorization })],
      ['path', request('/dir/other.txt', rawQuery, { ...wireHeaders, authorization })],
      ['method', { ...request(KEY_WIRE, rawQuery, { ...wireHeaders, authorization }), method: 'DELETE' }],
    ];
    for (const [what, req] of cases) {
      expect((await rejection(authenticate(req, context()))).code, what).toBe('SignatureDoesNotMatch');
    }
  });

  it('expired: AccessDenied "Request has expired"', async () => {
    const authorization = sdkSign({ headers, keyTime: `${NOW_S - 1000};${NOW_S - 1}` });
    const err = await rejection(authenticate(request(KEY_WIRE, '', { ...wireHeaders, authorization }), context()));
    expect(err).toMatchObject({ code: 'AccessDenied', message: 'Request has expired' });
  });

  it('a start more than 15 min ahead is RequestTimeTooSkewed with ServerTime; less is accepted', async () => {
    const ahead = sdkSign({ headers, keyTime: `${NOW_S + 901};${NOW_S + 2000}` });
    const err = await rejection(
      authenticate(request(KEY_WIRE, '', { ...wireHeaders, authorization: ahead }), context()),
    );
    expect(err.code).toBe('RequestTimeTooSkewed');
    expect(err.details['ServerTime']).toBe(new Date(NOW_S * 1000).toISOString());
    const near = sdkSign({ headers, keyTime: `${NOW_S + 899};${NOW_S + 2000}` });
    expect((await authenticate(request(KEY_WIRE, '', { ...wireHeaders, authorization: near }), context())).kind).toBe(
      'cos',
    );
  });

  it('unknown key, unsupported algorithm, malformed fields, two auth mechanisms', async () => {
    const authorization = sdkSign({ headers });
    const unknown = authorization.replace('q-ak=AKIDEXAMPLE', 'q-ak=AKIDNOBODY');
    expect(
      (await rejection(authenticate(request(KEY_WIRE, '', { ...wireHeaders, authorization: unknown }), context())))
        .code,
    ).toBe('InvalidAccessKeyId');
    const sha256 = authorization.replace('q-sign-algorithm=sha1', 'q-sign-algorithm=sha256');
    expect(
      (await rejection(authenticate(request(KEY_WIRE, '', { ...wireHeaders, authorization: sha256 }), context()))).code,
    ).toBe('InvalidArgument');
    const noSig = authorization.replace(/&q-signature=.*/, '');
    expect(
      (await rejection(authenticate(request(KEY_WIRE, '', { ...wireHeaders, authorization: noSig }), context()))).code,
    ).toBe('AccessDenied');
    const both = request(KEY_WIRE, authorization, { ...wireHeaders, authorization });
    expect((await rejection(authenticate(both, context()))).code).toBe('InvalidArgument');
  });
});

describe('COS presigned URLs', () => {
  const userQuery = {
    'response-content-type': 'text/plain',
    'response-content-disposition': 'attachment; filename="a b.txt"',
  };
  const userQueryWire =
    'response-content-type=text%2Fplain&response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22';

  it('verifies the sync form (raw q-url-param-list) with a security token', async () => {
    const auth = sdkSign({ query: userQuery, headers: { Host: HOST } });
    const rawQuery = `${auth}&x-cos-security-token=TOK&${userQueryWire}`;
    const result = await authenticate(request(KEY_WIRE, rawQuery, {}), context());
    expect(result).toMatchObject({ kind: 'cos', presigned: true, securityToken: 'TOK' });
  });

  it('verifies the async form (q-url-param-list %3b-encoded, as getObjectUrl builds it)', async () => {
    const auth = sdkSign({ query: userQuery, headers: { Host: HOST } });
    const list = /q-url-param-list=([^&]*)/.exec(auth)![1]!;
    const encoded = auth.replace(list, encodeURIComponent(list).toLowerCase());
    expect(encoded).toContain('%3b');
    const result = await authenticate(request(KEY_WIRE, `${encoded}&${userQueryWire}`, {}), context());
    expect(result).toMatchObject({ kind: 'cos', presigned: true });
  });

  it('rejects an expired URL and a tampered response override', async () => {
    const expired = sdkSign({ query: userQuery, headers: { Host: HOST }, keyTime: `${NOW_S - 100};${NOW_S - 10}` });
    expect(
      await rejection(authenticate(request(KEY_WIRE, `${expired}&${userQueryWire}`, {}), context())),
    ).toMatchObject({
      code: 'AccessDenied',
      message: 'Request has expired',
    });
    const auth = sdkSign({ query: userQuery, headers: { Host: HOST } });
    const tampered = `${auth}&${userQueryWire.replace('text%2Fplain', 'text%2Fhtml')}`;
    expect((await rejection(authenticate(request(KEY_WIRE, tampered, {}), context()))).code).toBe(
      'SignatureDoesNotMatch',
    );
  });
});

describe('anonymous requests', () => {
  it('have no principal and nothing to verify', async () => {
    expect(await authenticate(request('/k', 'prefix=a', {}), context())).toEqual({
      kind: 'anonymous',
      presigned: false,
      payload: { kind: 'none' },
    });
  });

  it('an unsupported Authorization scheme is InvalidArgument', async () => {
    const err = await rejection(authenticate(request('/k', '', { authorization: 'Bearer abc' }), context()));
    expect(err.code).toBe('InvalidArgument');
  });
});
