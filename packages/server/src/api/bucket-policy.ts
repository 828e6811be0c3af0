import { S3Error } from '@coffer/protocol';
import { cachedPolicy } from '../authz/policy-cache.js';
import { isPublicPolicy } from '../authz/public-access.js';
import { bucketAccessOnce } from '../http-kit/authorize-request.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty } from '../http-kit/respond.js';
import { blockOf, publicPolicyBlocked } from './acl-guards.js';

/** S3 limits bucket policies to 20 KB. */
const MAX_POLICY_BYTES = 20 * 1024;

/** PUT Bucket ?policy: COS (version 2.0) or S3 (2012-10-17) JSON, validated (MalformedPolicy), stored as sent. */
export async function putBucketPolicy(ctx: RequestContext): Promise<void> {
  const bucket = await ctx.engine.headBucket(ctx.bucket);
  const text = await ctx.readSmallBody(MAX_POLICY_BYTES, 'MalformedPolicy');
  if (text.trim() === '')
    throw new S3Error('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
  const parsed = cachedPolicy(text, { bucket: bucket.name, appId: ctx.appIdOf(bucket.ownerId) }, 'bucket');
  const access = await bucketAccessOnce(ctx, ctx.bucket);
  if (access && isPublicPolicy(parsed) && blockOf(ctx, access)?.blockPublicPolicy) throw publicPolicyBlocked();
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

// GET ?policyStatus (whether the policy is public) is with Block Public Access: api/public-access.ts.
