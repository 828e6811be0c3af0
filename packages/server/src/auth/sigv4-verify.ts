/**
 * Verifies AWS SigV4 for S3: the Authorization header and presigned (X-Amz-*) query forms.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
import {
  EMPTY_SHA256_HEX,
  formatAmzDate,
  parseAmzDate,
  type RawQueryParam,
  S3Error,
  type S3ErrorCode,
  SIGV4_ALGORITHM,
  SIGV4_MAX_EXPIRES_SECONDS,
  SIGV4_TERMINATOR,
  STREAMING_SIGNED_PAYLOAD,
  STREAMING_SIGNED_PAYLOAD_TRAILER,
  STREAMING_UNSIGNED_PAYLOAD_TRAILER,
  sigV4CanonicalHeaders,
  sigV4CanonicalQuery,
  sigV4CanonicalRequest,
  sigV4CanonicalUri,
  sigV4Scope,
  sigV4Signature,
  sigV4SigningKey,
  sigV4StringToSign,
  UNSIGNED_PAYLOAD,
} from '@coffer/protocol';
import {
  checkSkew,
  definedOnly,
  expiredError,
  headerValue,
  lookupCredential,
  maxSkewMs,
  queryValue,
  securityToken,
  skewedError,
} from './common.js';
import { nodeCrypto, signaturesEqual } from './node-crypto.js';
import type { AuthContext, AuthResult, PayloadVerification, SignableRequest } from './types.js';

/** The only service a credential scope may name here. */
const SIGV4_SERVICE = 's3';

/** What the header and query forms have in common once parsed. */
interface SigV4Claim {
  accessKeyId: string;
  /** yyyymmdd from the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

type MalformedCode = Extract<S3ErrorCode, 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'>;

function parseCredential(
  value: string,
  code: MalformedCode,
  ctx: AuthContext,
): Omit<SigV4Claim, 'signedHeaders' | 'signature'> {
  const parts = value.split('/');
  const n = parts.length;
  const expectation = 'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';
  if (n < 5 || parts[n - 1] !== SIGV4_TERMINATOR || !/^\d{8}$/.test(parts[n - 4]!) || parts[n - 3] === '') {
    throw new S3Error(code, `The Credential is mal-formed; ${expectation}`, { details: { Region: ctx.region } });
  }
  const accessKeyId = parts.slice(0, n - 4).join('/');
  if (accessKeyId === '') throw new S3Error(code, `The Credential is mal-formed; ${expectation}`);
  const service = parts[n - 2]!;
  if (service !== SIGV4_SERVICE) {
    throw new S3Error(
      code,
      `The Credential is mal-formed; incorrect service "${service}". This endpoint belongs to "s3".`,
    );
  }
  return { accessKeyId, date: parts[n - 4]!, region: parts[n - 3]!, service };
}

function parseSignedHeaders(value: string | undefined, code: MalformedCode): string[] {
  const list = (value ?? '')
    .split(';')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  if (list.length === 0) throw new S3Error(code, 'SignedHeaders is missing or empty.');
  return list;
}

/**
 * `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (commas with or without spaces).
 * Parsed on every signed request: no Map and no object spread (a spread of the credential's fields cost
 * more than the rest of the parse together; bench/micro/small-request.js).
 */
export function parseSigV4Header(authorization: string, ctx: AuthContext): SigV4Claim {
  const rest = authorization.slice(SIGV4_ALGORITHM.length).trim();
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  for (const part of rest.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    // A repeated field: the last one counts.
    if (name === 'credential') credential = part.slice(eq + 1).trim();
    else if (name === 'signedheaders') signedHeaders = part.slice(eq + 1).trim();
    else if (name === 'signature') signature = part.slice(eq + 1).trim();
  }
  const code = 'AuthorizationHeaderMalformed';
  if (!credential || !signature || signedHeaders === undefined) {
    throw new S3Error(code, 'The authorization header is malformed; it needs Credential, SignedHeaders and Signature.');
  }
  const scope = parseCredential(credential, code, ctx);
  return {
    accessKeyId: scope.accessKeyId,
    date: scope.date,
    region: scope.region,
    service: scope.service,
    signedHeaders: parseSignedHeaders(signedHeaders, code),
    signature: signature.toLowerCase(),
  };
}

/** The request time for header auth: x-amz-date, else Date (RFC 1123), both as `yyyymmddThhmmssZ` + ms. */
function headerDatetime(req: SignableRequest): { datetime: string; ms: number } {
  const amz = headerValue(req.headers, 'x-amz-date');
  if (amz !== undefined) {
    const ms = parseAmzDate(amz);
    if (ms !== undefined) return { datetime: amz, ms };
  } else {
    const date = headerValue(req.headers, 'date');
    const ms = date === undefined ? Number.NaN : Date.parse(date);
    if (Number.isFinite(ms)) {
      return { datetime: formatAmzDate(ms), ms };
    }
  }
  throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
}

export async function verifySigV4Header(
  req: SignableRequest,
  ctx: AuthContext,
  authorization: string,
  params: readonly RawQueryParam[],
): Promise<AuthResult> {
  const claim = parseSigV4Header(authorization, ctx);
  const { datetime, ms } = headerDatetime(req);
  // The time first: a request from a skewed clock is RequestTimeTooSkewed (with the server's time, so
  // clients can correct themselves) before any comparison of its dates.
  const nowMs = ctx.nowMs();
  checkSkew(ms, ctx, nowMs);
  if (datetime.slice(0, 8) !== claim.date) {
    throw new S3Error(
      'AuthorizationHeaderMalformed',
      `Invalid credential date "${claim.date}". This date is not the same as X-Amz-Date: "${datetime.slice(0, 8)}".`,
    );
  }
  const sent = headerValue(req.headers, 'x-amz-content-sha256');
  // S3 requires x-amz-content-sha256 with header auth; generic SigV4 clients omit it. Be lenient: such a
  // request signed either UNSIGNED-PAYLOAD or the empty body's hash (GET/HEAD/DELETE).
  const hashes = sent === undefined ? [UNSIGNED_PAYLOAD, EMPTY_SHA256_HEX] : [sent];
  return verifyClaim(req, ctx, claim, datetime, params, hashes, false);
}

export async function verifySigV4Query(
  req: SignableRequest,
  ctx: AuthContext,
  params: readonly RawQueryParam[],
): Promise<AuthResult> {
  const code = 'AuthorizationQueryParametersError';
  const get = (name: string) => queryValue(params, name);
  const algorithm = get('X-Amz-Algorithm');
  const credential = get('X-Amz-Credential');
  const signature = get('X-Amz-Signature');
  const datetime = get('X-Amz-Date');
  const signedHeaders = get('X-Amz-SignedHeaders');
  const expires = get('X-Amz-Expires');
  if (!algorithm || !credential || !signature || !datetime || !signedHeaders || expires === undefined) {
    throw new S3Error(
      code,
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ' +
        'X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (algorithm !== SIGV4_ALGORITHM) throw new S3Error(code, 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const expiresS = /^\d{1,7}$/.test(expires) ? Number(expires) : Number.NaN;
  if (!(expiresS >= 1 && expiresS <= SIGV4_MAX_EXPIRES_SECONDS)) {
    throw new S3Error(code, `X-Amz-Expires must be between 1 and ${SIGV4_MAX_EXPIRES_SECONDS} seconds.`);
  }
  const ms = parseAmzDate(datetime);
  if (ms === undefined) {
    throw new S3Error(code, `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  }
  const scope = parseCredential(credential, code, ctx);
  const claim: SigV4Claim = {
    accessKeyId: scope.accessKeyId,
    date: scope.date,
    region: scope.region,
    service: scope.service,
    signedHeaders: parseSignedHeaders(signedHeaders, code),
    signature: signature.toLowerCase(),
  };
  if (datetime.slice(0, 8) !== claim.date) {
    throw new S3Error(code, `Invalid credential date "${claim.date}". This date is not the same as X-Amz-Date.`);
  }
  const nowMs = ctx.nowMs();
  if (ms + expiresS * 1000 < nowMs) throw expiredError(ms + expiresS * 1000, nowMs);
  if (ms - nowMs > maxSkewMs(ctx)) throw skewedError(ms, ctx, nowMs);
  // @aws-sdk/s3-request-presigner hoists the payload hash into the query; others send the header or nothing.
  const hash = get('X-Amz-Content-Sha256') ?? headerValue(req.headers, 'x-amz-content-sha256') ?? UNSIGNED_PAYLOAD;
  return verifyClaim(req, ctx, claim, datetime, params, [hash], true);
}

async function verifyClaim(
  req: SignableRequest,
  ctx: AuthContext,
  claim: SigV4Claim,
  datetime: string,
  params: readonly RawQueryParam[],
  payloadHashes: readonly string[],
  presigned: boolean,
): Promise<AuthResult> {
  // Classify before the key lookup: an invalid x-amz-content-sha256 is a 400 whatever the signature.
  const payloads = payloadHashes.map((h) => classifyPayload(h));
  const token = securityToken(req, params);
  const credential = await lookupCredential(ctx, claim.accessKeyId, token);
  const scope = sigV4Scope(claim.date, claim.region, claim.service);
  const signingKey = cachedSigningKey(credential.secretKey, claim.date, claim.region, claim.service);
  const canonicalQuery = sigV4CanonicalQuery(params, { excludeSignature: presigned });
  const canonicalHeaders = sigV4CanonicalHeaders(req.headers, claim.signedHeaders);
  // The S3 canonical form first; the path verbatim second, for clients that sign exactly what they send even when
  // it is not canonically encoded.
  const uris = [sigV4CanonicalUri(req.rawPath)];
  if (req.rawPath !== '' && req.rawPath !== uris[0]) uris.push(req.rawPath);

  let first: { canonicalRequest: string; stringToSign: string } | undefined;
  for (const canonicalUri of uris) {
    for (const [i, payloadHash] of payloadHashes.entries()) {
      const canonicalRequest = sigV4CanonicalRequest({
        method: req.method,
        canonicalUri,
        canonicalQuery,
        canonicalHeaders,
        signedHeaders: claim.signedHeaders,
        payloadHash,
      });
      const stringToSign = sigV4StringToSign(nodeCrypto, datetime, scope, canonicalRequest);
      first ??= { canonicalRequest, stringToSign };
      if (!signaturesEqual(sigV4Signature(nodeCrypto, signingKey, stringToSign), claim.signature)) continue;
      // Built member by member rather than through definedOnly: deleting members of an object drops it into
      // V8's slow dictionary mode, on every signed request.
      const result: AuthResult = {
        kind: 'sigv4',
        accessKeyId: credential.accessKeyId,
        principal: credential.principal,
        presigned,
        region: claim.region,
        payload: payloadVerification(payloads[i]!, req, claim.signature, signingKey, datetime, scope),
      };
      if (token !== undefined) result.securityToken = token;
      return result;
    }
  }
  throw new S3Error('SignatureDoesNotMatch', undefined, {
    details: {
      AWSAccessKeyId: claim.accessKeyId,
      SignatureProvided: claim.signature,
      StringToSign: first?.stringToSign,
      CanonicalRequest: first?.canonicalRequest,
    },
  });
}

type PayloadClass =
  | { kind: 'none' }
  | { kind: 'sha256'; expectedHex: string }
  | { kind: 'aws-chunked'; signed: boolean; trailer: boolean };

function classifyPayload(hash: string): PayloadClass {
  if (/^[0-9a-fA-F]{64}$/.test(hash)) return { kind: 'sha256', expectedHex: hash.toLowerCase() };
  switch (hash) {
    case UNSIGNED_PAYLOAD:
      return { kind: 'none' };
    case STREAMING_SIGNED_PAYLOAD:
      return { kind: 'aws-chunked', signed: true, trailer: false };
    case STREAMING_SIGNED_PAYLOAD_TRAILER:
      return { kind: 'aws-chunked', signed: true, trailer: true };
    case STREAMING_UNSIGNED_PAYLOAD_TRAILER:
      return { kind: 'aws-chunked', signed: false, trailer: true };
    default:
      throw new S3Error(
        'InvalidArgument',
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, ' +
          'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER or a valid sha256 value.',
        { details: { ArgumentName: 'x-amz-content-sha256', ArgumentValue: hash } },
      );
  }
}

function payloadVerification(
  payload: PayloadClass,
  req: SignableRequest,
  signature: string,
  signingKey: Uint8Array,
  datetime: string,
  scope: string,
): PayloadVerification {
  if (payload.kind !== 'aws-chunked') return payload;
  const seed = { signature, signingKey: Buffer.from(signingKey), datetime, scope };
  const decoded = headerValue(req.headers, 'x-amz-decoded-content-length');
  if (decoded !== undefined && !/^\d{1,15}$/.test(decoded)) {
    throw new S3Error('InvalidArgument', 'x-amz-decoded-content-length must be a non-negative integer.', {
      details: { ArgumentName: 'x-amz-decoded-content-length', ArgumentValue: decoded },
    });
  }
  const trailerNames = (headerValue(req.headers, 'x-amz-trailer') ?? '')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  return definedOnly({
    kind: 'aws-chunked',
    signed: payload.signed,
    trailer: payload.trailer,
    decodedLength: decoded === undefined ? undefined : Number(decoded),
    trailerNames,
    seed: payload.signed ? seed : undefined,
  });
}

/** Signing keys by (secret, date, region, service): they change once a day per key, and cost four HMACs. */
const signingKeys = new Map<string, Uint8Array>();
const MAX_SIGNING_KEYS = 1024;

function cachedSigningKey(secretKey: string, date: string, region: string, service: string): Uint8Array {
  const cacheKey = `${secretKey}\n${date}\n${region}\n${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = sigV4SigningKey(nodeCrypto, secretKey, date, region, service);
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(cacheKey, key);
  }
  return key;
}
