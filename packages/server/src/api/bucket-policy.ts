import { S3Error } from '@coffer/protocol';
import { cachedPolicy } from '../authz/policy-cache.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';

/** S3 limits bucket policies to 20 KB. */
const MAX_POLICY_BYTES = 20 * 1024;

/** PUT Bucket ?policy: COS (version 2.0) or S3 (2012-10-17) JSON, validated (MalformedPolicy), stored as sent. */
export async function putBucketPolicy(ctx: RequestContext): Promise<void> {
  const bucket = await ctx.engine.headBucket(ctx.bucket);
  const text = await ctx.readSmallBody(MAX_POLICY_BYTES, 'MalformedPolicy');
  if (text.trim() === '')
    throw new S3Error('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
  cachedPolicy(text, { bucket: bucket.name, appId: ctx.appIdOf(bucket.ownerId) }, 'bucket');
  const lockOut = ctx.header('x-amz-confirm-remove-self-bucket-access')?.toLowerCase() === 'true';
  await ctx.engine.putBucketPolicy(ctx.bucket, text, lockOut);
  sendEmpty(ctx, 204);
}

/**
 * GET Bucket ?policy: the document as it was put. COS clients get its top-level `statement` key as
 * `Statement`, which is how COS returns a CAM document (Tencent's SDK tests read `Policy.Statement`).
 */
export async function getBucketPolicy(ctx: RequestContext): Promise<void> {
  const stored = await ctx.engine.getBucketPolicy(ctx.bucket);
  const body = Buffer.from(ctx.flavor === 'cos' ? withStatementKey(stored) : stored);
  ctx.res.statusCode = 200;
  ctx.res.setHeader('content-type', 'application/json');
  ctx.res.setHeader('content-length', body.length);
  ctx.res.end(body);
}

function withStatementKey(text: string): string {
  const doc = JSON.parse(text) as Record<string, unknown>;
  const key = Object.keys(doc).find((k) => k.toLowerCase() === 'statement');
  if (key === undefined || key === 'Statement') return text;
  return JSON.stringify(Object.fromEntries(Object.entries(doc).map(([k, v]) => [k === key ? 'Statement' : k, v])));
}

export async function deleteBucketPolicy(ctx: RequestContext): Promise<void> {
  await ctx.engine.putBucketPolicy(ctx.bucket, null);
  sendEmpty(ctx, 204);
}

/**
 * GET Bucket ?policyStatus: whether the bucket policy makes the bucket public: an Allow statement for
 * every principal (`*`) with no condition narrowing it, as S3 judges it.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html
 */
export async function getBucketPolicyStatus(ctx: RequestContext): Promise<void> {
  const bucket = await ctx.engine.headBucket(ctx.bucket);
  const text = await ctx.engine.getBucketPolicy(ctx.bucket);
  const policy = cachedPolicy(text, { bucket: bucket.name, appId: ctx.appIdOf(bucket.ownerId) }, 'bucket');
  const isPublic = policy.statements.some(
    (s) => s.effect === 'allow' && s.principals?.includes('*') === true && s.conditions.length === 0,
  );
  sendXml(ctx, 'PolicyStatus', { IsPublic: isPublic });
}
