import { parseXml, S3Error, xmlText } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty } from '../http-kit/respond.js';
import { requestedAcl } from './acl.js';

const SMALL_BODY_BYTES = 64 * 1024;

/** PUT Bucket. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html */
export async function createBucket(ctx: RequestContext): Promise<void> {
  const body = await ctx.readSmallBody(SMALL_BODY_BYTES);
  let region: string | undefined;
  if (body.trim() !== '') {
    const config = parseXml(body, 'CreateBucketConfiguration');
    region = xmlText(config, 'LocationConstraint');
  }
  const { acl } = requestedAcl(ctx, 'bucket', ctx.actor.ownerId, ctx.actor.ownerId);
  // An S3 client in S3's default region (us-east-1: SigV2, or SigV4 scoped to it, with no
  // LocationConstraint) re-creating its own bucket gets what S3 answers there: 200, the ACL reset.
  const defaultRegion = ctx.auth.kind === 'sigv2' || (ctx.auth.kind === 'sigv4' && ctx.auth.region === 'us-east-1');
  await ctx.engine.createBucket(ctx.actor, ctx.bucket, {
    ...(region !== undefined ? { region } : {}),
    ...(acl !== undefined ? { acl: JSON.stringify(acl) } : {}),
    objectLock: ctx.vendorHeader('bucket-object-lock-enabled')?.toLowerCase() === 'true',
    ownedAgain: defaultRegion && (region === undefined || region === '') ? 'reset-acl' : 'refuse',
  });
  sendEmpty(ctx, 200, { location: `/${ctx.bucket}` });
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
