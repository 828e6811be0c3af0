/**
 * Authentication: works out which signature scheme a request uses, verifies it, and says what must still be
 * checked about the body. Authorization (ACLs, policies) happens later, on the returned principal.
 */
import { parseCosAuthorization, parseRawQuery, type RawQueryParam, S3Error } from '@coffer/protocol';
import { verifyCos } from './cos-verify.js';
import { verifySigV2Header, verifySigV2Query } from './sigv2-verify.js';
import { verifySigV4Header, verifySigV4Query } from './sigv4-verify.js';
import type { AuthContext, AuthResult, SignableRequest } from './types.js';

type Scheme = 'cos' | 'sigv4' | 'sigv2';

/**
 * Verifies the request's signature, if any. Throws S3Error (InvalidAccessKeyId, SignatureDoesNotMatch,
 * RequestTimeTooSkewed, AccessDenied "Request has expired", …); resolves with the principal and the body check to
 * apply (see `createPayloadVerifier`).
 *
 * @example
 * const auth = await authenticate(
 *   { method: req.method!, rawPath, rawQuery, headers: req.headers, pathStyleBucket: '/examplebucket-1250000000' },
 *   { lookupCredential: (ak) => keys.get(ak), nowMs: Date.now, region: 'ap-guangzhou' },
 * );
 * if (auth.kind === 'anonymous') { ... }
 */
export async function authenticate(req: SignableRequest, ctx: AuthContext): Promise<AuthResult> {
  const authorization = headerAuthorization(req);
  // COS and SigV4 decode '+' in the query as a space (form decoding, as COS, S3 and MinIO do).
  const params = parseRawQuery(req.rawQuery, { plusAsSpace: true });
  const headerScheme = authorization === undefined ? undefined : detectHeaderScheme(authorization);
  const queryScheme = detectQueryScheme(params);
  if (headerScheme !== undefined && queryScheme !== undefined) {
    throw new S3Error(
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter ' +
        'or the Authorization header should be specified',
      { details: { ArgumentName: 'Authorization' } },
    );
  }
  if (authorization !== undefined && headerScheme !== undefined) {
    switch (headerScheme) {
      case 'cos':
        return verifyCos(req, ctx, parseCosAuthorization(authorization), params, false);
      case 'sigv4':
        return verifySigV4Header(req, ctx, authorization, params);
      case 'sigv2':
        return verifySigV2Header(req, ctx, authorization);
    }
  }
  switch (queryScheme) {
    case 'cos': {
      // COS also takes the whole Authorization string as one `sign` parameter (Tencent's SDK tests use it).
      const sign = params.find((p) => p.name === 'sign' && /^q-sign-algorithm=/i.test(p.value));
      return verifyCos(req, ctx, parseCosAuthorization(sign ? sign.value : req.rawQuery), params, true);
    }
    case 'sigv4':
      return verifySigV4Query(req, ctx, params);
    case 'sigv2':
      return verifySigV2Query(req, ctx);
    case undefined:
      return { kind: 'anonymous', presigned: false, payload: { kind: 'none' } };
  }
}

function headerAuthorization(req: SignableRequest): string | undefined {
  const v = req.headers.authorization;
  if (v === undefined) return undefined;
  const s = v.trim();
  return s === '' ? undefined : s;
}

function detectHeaderScheme(authorization: string): Scheme {
  // COS: `q-sign-algorithm=sha1&q-ak=…`; any q-* field first counts, so a missing one gets COS's own error.
  if (/^q-[a-z-]+=/i.test(authorization)) return 'cos';
  if (/^AWS4-HMAC-SHA256\s/.test(authorization)) return 'sigv4';
  if (authorization.startsWith('AWS ')) return 'sigv2';
  // SigV4a (AWS4-ECDSA-P256-SHA256), Bearer, Basic, …
  throw new S3Error('InvalidArgument', 'Unsupported Authorization Type', {
    details: { ArgumentName: 'Authorization', ArgumentValue: authorization.split(/\s/)[0] },
  });
}

function detectQueryScheme(params: readonly RawQueryParam[]): Scheme | undefined {
  let sigv2 = false;
  for (const p of params) {
    const name = p.name.toLowerCase();
    if (name === 'q-sign-algorithm' || name === 'q-ak' || name === 'q-signature') return 'cos';
    if (p.name === 'sign' && /^q-sign-algorithm=/i.test(p.value)) return 'cos';
    if (name === 'x-amz-algorithm' || name === 'x-amz-credential') return 'sigv4';
    // SigV2 names are case-sensitive, and S3 reports a partial set (AccessDenied) rather than ignoring it.
    if (p.name === 'AWSAccessKeyId' || p.name === 'Signature') sigv2 = true;
  }
  return sigv2 ? 'sigv2' : undefined;
}
