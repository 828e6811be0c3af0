import { parseXml, S3Error, xmlText } from '@coffer/protocol';
import { accountOf } from '../authz/authorize.js';
import { decodePublicAccessBlock, isPublicAcl } from '../authz/public-access.js';
import { parseObjectOwnership } from '../codecs/ownership-controls.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty } from '../http-kit/respond.js';
import { requestedAcl } from './acl.js';
import { grantsBeyondOwner, publicAclBlocked } from './acl-guards.js';

const SMALL_BODY_BYTES = 64 * 1024;

/** PUT Bucket. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html */
export async function createBucket(ctx: RequestContext): Promise<void> {
  const body = await ctx.readSmallBody(SMALL_BODY_BYTES);
  let region: string | undefined;
  if (body.trim() !== '') {
    const config = parseXml(body, 'CreateBucketConfiguration');
    region = xmlText(config, 'LocationConstraint');
  }
  checkAppIdSuffix(ctx);
  const { acl } = requestedAcl(ctx, 'bucket', ctx.actor.ownerId, ctx.actor.ownerId);
  const ownershipHeader = ctx.vendorHeader('object-ownership');
  const ownership = ownershipHeader === undefined ? undefined : parseObjectOwnership(ownershipHeader);
  if (ownership === 'BucketOwnerEnforced' && acl && grantsBeyondOwner(acl.grants, ctx.actor.ownerId)) {
    throw new S3Error('InvalidBucketAclWithObjectOwnership');
  }
  // A new bucket has no Block Public Access of its own yet: its account's applies.
  const account = ctx.accounts.registry.byUin(accountOf(ctx.actor.ownerId));
  if (isPublicAcl(acl) && decodePublicAccessBlock(account?.publicAccessBlock)?.blockPublicAcls) {
    throw publicAclBlocked();
  }
  // An S3 client in S3's default region (us-east-1: SigV2, or SigV4 scoped to it, with no
  // LocationConstraint) re-creating its own bucket gets what S3 answers there: 200, the ACL reset.
  const defaultRegion = ctx.auth.kind === 'sigv2' || (ctx.auth.kind === 'sigv4' && ctx.auth.region === 'us-east-1');
  await ctx.engine.createBucket(ctx.actor, ctx.bucket, {
    ...(region !== undefined ? { region } : {}),
    ...(acl !== undefined ? { acl: JSON.stringify(acl) } : {}),
    objectLock: ctx.vendorHeader('bucket-object-lock-enabled')?.toLowerCase() === 'true',
    ...(ownership !== undefined ? { ownership } : {}),
    ownedAgain: defaultRegion && (region === undefined || region === '') ? 'reset-acl' : 'refuse',
  });
  sendEmpty(ctx, 200, { location: `/${ctx.bucket}` });
}

/**
 * COS bucket names are `<name>-<APPID>` of the account that owns them, so two accounts' names never
 * collide: a name ending in another account's APPID is refused (403, as COS refuses a bucket in an
 * APPID that is not the caller's). Plain S3 names are first come, first served across the deployment.
 */
function checkAppIdSuffix(ctx: RequestContext): void {
  const suffix = /-(\d{6,})$/.exec(ctx.bucket)?.[1];
  if (suffix === undefined) return;
  const own = ctx.accounts.registry.byUin(accountOf(ctx.actor.ownerId));
  if (own?.appId === suffix) return;
  if (ctx.accounts.registry.list().some((a) => a.appId === suffix)) {
    throw new S3Error(
      'AccessDenied',
      `Access Denied: the bucket name ends with APPID ${suffix}, which is another account's; use -${own?.appId ?? 'your APPID'}.`,
    );
  }
}

/** HEAD Bucket: COS answers with x-cos-bucket-region (https://intl.cloud.tencent.com/document/product/436/10687). */
export async function headBucket(ctx: RequestContext): Promise<void> {
  const bucket = await ctx.engine.headBucket(ctx.bucket);
  sendEmpty(ctx, 200, { 'x-cos-bucket-region': bucket.region, 'x-amz-bucket-region': bucket.region });
}

/**
 * DELETE Bucket: 409 BucketNotEmpty while objects remain. Incomplete multipart uploads refuse it for
 * COS clients, as COS does; S3 clients get S3's answer, the uploads aborted with the bucket.
 */
export async function deleteBucket(ctx: RequestContext): Promise<void> {
  await ctx.engine.deleteBucket(ctx.bucket, { abortUploads: ctx.flavor === 's3' });
  sendEmpty(ctx, 204);
}

/** GET Bucket location. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html */
export async function getBucketLocation(ctx: RequestContext): Promise<void> {
  const bucket = await ctx.engine.headBucket(ctx.bucket);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${bucket.region}</LocationConstraint>`;
  ctx.res.statusCode = 200;
  ctx.res.setHeader('content-type', 'application/xml');
  ctx.res.setHeader('content-length', Buffer.byteLength(xml));
  ctx.res.end(xml);
}

/**
 * A configuration body that must be present: an empty one is MissingRequestBodyError, or `emptyCode`
 * where S3 answers otherwise (an empty CompleteMultipartUpload is MalformedXML).
 */
export async function requireXmlBody(
  ctx: RequestContext,
  root: string,
  maxBytes = SMALL_BODY_BYTES,
  emptyCode: 'MissingRequestBodyError' | 'MalformedXML' = 'MissingRequestBodyError',
) {
  const body = await ctx.readSmallBody(maxBytes);
  if (body.trim() === '') {
    throw new S3Error(
      emptyCode,
      emptyCode === 'MalformedXML'
        ? 'The XML you provided was not well-formed or did not validate against our published schema: the body is empty.'
        : 'Request Body is empty.',
    );
  }
  return parseXml(body, root);
}
