/**
 * Verifies AWS SigV2 (`Authorization: AWS AK:sig` and `AWSAccessKeyId`/`Signature`/`Expires` query auth).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
 */
import {
  parseAmzDate,
  parseRawQuery,
  type RawQueryParam,
  S3Error,
  sigV2CanonicalAmzHeaders,
  sigV2CanonicalResource,
  sigV2Signature,
  sigV2StringToSign,
} from '@coffer/protocol';
import {
  checkSkew,
  definedOnly,
  expiredError,
  headerValue,
  lookupCredential,
  queryValue,
  securityToken,
} from './common.js';
import { nodeCrypto, signaturesEqual } from './node-crypto.js';
import type { AuthContext, AuthResult, SignableRequest } from './types.js';

export async function verifySigV2Header(
  req: SignableRequest,
  ctx: AuthContext,
  authorization: string,
): Promise<AuthResult> {
  const rest = authorization.slice('AWS '.length).trim();
  const colon = rest.lastIndexOf(':');
  if (colon <= 0 || colon === rest.length - 1) {
    throw new S3Error('InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature', {
      details: { ArgumentName: 'Authorization', ArgumentValue: authorization },
    });
  }
  const accessKeyId = rest.slice(0, colon);
  const signature = rest.slice(colon + 1);
  const amzDate = headerValue(req.headers, 'x-amz-date');
  const date = headerValue(req.headers, 'date');
  const timeText = amzDate ?? date;
  const ms = timeText === undefined ? Number.NaN : (parseAmzDate(timeText) ?? Date.parse(timeText));
  if (!Number.isFinite(ms)) {
    throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  checkSkew(ms, ctx, ctx.nowMs());
  const params = parseRawQuery(req.rawQuery, { plusAsSpace: false });
  return verify(req, ctx, params, accessKeyId, signature, {
    // With x-amz-date present the Date line is empty and x-amz-date is signed among the amz headers (AWS's rule and
    // its DELETE example); MinIO-style signers keep the Date header's value there as well, so that is tried second.
    dates: amzDate === undefined ? [date ?? ''] : date === undefined ? [''] : ['', date],
    amzHeaders: sigV2CanonicalAmzHeaders(req.headers),
    contentMd5: headerValue(req.headers, 'content-md5') ?? '',
    contentType: headerValue(req.headers, 'content-type') ?? '',
    presigned: false,
  });
}

export async function verifySigV2Query(req: SignableRequest, ctx: AuthContext): Promise<AuthResult> {
  const params = parseRawQuery(req.rawQuery, { plusAsSpace: false });
  const accessKeyId = queryValue(params, 'AWSAccessKeyId');
  const signature = queryValue(params, 'Signature');
  const expires = queryValue(params, 'Expires');
  if (!accessKeyId || !signature || !expires) {
    throw new S3Error(
      'AccessDenied',
      'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters',
    );
  }
  if (!/^\d{1,12}$/.test(expires)) {
    throw new S3Error('AccessDenied', 'Invalid date (should be seconds since epoch): ' + expires);
  }
  const nowMs = ctx.nowMs();
  if (Number(expires) * 1000 < nowMs) throw expiredError(Number(expires) * 1000, nowMs);
  // botocore's HmacV1QueryAuth signs x-amz-* headers and then moves them (the security token too) into the query,
  // and sends Content-Type / Content-MD5 the same way.
  const amz: Record<string, string> = {};
  for (const [name, v] of Object.entries(req.headers))
    if (v !== undefined) amz[name] = Array.isArray(v) ? v.join(',') : v;
  for (const p of params) {
    const lower = p.name.toLowerCase();
    if (lower.startsWith('x-amz-') && amz[lower] === undefined) amz[lower] = p.value;
  }
  return verify(req, ctx, params, accessKeyId, signature, {
    dates: [expires],
    amzHeaders: sigV2CanonicalAmzHeaders(amz),
    contentMd5: headerValue(req.headers, 'content-md5') ?? queryValue(params, 'content-md5') ?? '',
    contentType: headerValue(req.headers, 'content-type') ?? queryValue(params, 'content-type') ?? '',
    presigned: true,
  });
}

async function verify(
  req: SignableRequest,
  ctx: AuthContext,
  params: readonly RawQueryParam[],
  accessKeyId: string,
  signature: string,
  parts: { dates: string[]; amzHeaders: string; contentMd5: string; contentType: string; presigned: boolean },
): Promise<AuthResult> {
  const credential = await lookupCredential(ctx, accessKeyId, securityToken(req, params));
  // A virtual-host request signs '/bucket' + path; a client that thought it was path-style signs the path alone.
  const resources = [sigV2CanonicalResource(req.rawPath, params, req.virtualHostBucket)];
  if (req.virtualHostBucket) resources.push(sigV2CanonicalResource(req.rawPath, params));
  // botocore signs a path-style bucket request (`PUT /bucket`) over `/bucket/`, with the slash.
  if (!req.virtualHostBucket && /^\/[^/]+$/.test(req.rawPath)) {
    resources.push(sigV2CanonicalResource(`${req.rawPath}/`, params));
  }
  let firstStringToSign: string | undefined;
  for (const resource of resources) {
    for (const date of parts.dates) {
      const stringToSign = sigV2StringToSign({
        method: req.method,
        contentMd5: parts.contentMd5,
        contentType: parts.contentType,
        date,
        amzHeaders: parts.amzHeaders,
        resource,
      });
      firstStringToSign ??= stringToSign;
      if (signaturesEqual(sigV2Signature(nodeCrypto, credential.secretKey, stringToSign), signature)) {
        return definedOnly({
          kind: 'sigv2',
          accessKeyId: credential.accessKeyId,
          principal: credential.principal,
          presigned: parts.presigned,
          securityToken: securityToken(req, params),
          payload: { kind: 'none' },
        });
      }
    }
  }
  throw new S3Error('SignatureDoesNotMatch', undefined, {
    details: { AWSAccessKeyId: accessKeyId, SignatureProvided: signature, StringToSign: firstStringToSign },
  });
}
