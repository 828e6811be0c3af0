import { S3Error } from '@coffer/protocol';
import { actionOf, type Operation } from '../authz/actions.js';
import { type AuthorizeInput, accountOf, authorize, type Caller } from '../authz/authorize.js';
import type { ConditionContext } from '../authz/policy.js';
import { cachedPolicy } from '../authz/policy-cache.js';
import { decodePublicAccessBlock, effectiveBlock } from '../authz/public-access.js';
import type { BucketAccess } from '../engine/access.js';
import { decodeTagging, parseTaggingHeader } from '../engine/tagging.js';
import { parseCopySource } from './copy-source.js';
import type { RequestContext } from './request-context.js';

/** What authorization knows of a bucket, read once per request however often it is asked (DeleteObjects keys). */
export function bucketAccessOnce(
  ctx: RequestContext,
  bucketName: string,
): ReturnType<RequestContext['engine']['bucketAccess']> {
  let pending = ctx.bucketAccessCache.get(bucketName);
  if (!pending) ctx.bucketAccessCache.set(bucketName, (pending = ctx.engine.bucketAccess(bucketName)));
  return pending;
}

const POLICY_OPERATIONS = new Set<Operation>(['GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy']);

/** The values policy conditions can test, from the request (both header families). */
export function conditionContext(ctx: RequestContext): ConditionContext {
  const remote = ctx.req.socket.remoteAddress ?? '';
  const context: ConditionContext = {
    ip: remote.startsWith('::ffff:') ? remote.slice(7) : remote,
    secure: (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'true' : 'false',
    time: new Date(ctx.engine.nowMs()).toISOString(),
    epoch: String(Math.floor(ctx.engine.nowMs() / 1000)),
    referer: ctx.header('referer'),
    'user-agent': ctx.header('user-agent'),
    host: ctx.header('host'),
    prefix: ctx.param('prefix'),
    delimiter: ctx.param('delimiter'),
    'max-keys': ctx.param('max-keys'),
    versionid: ctx.param('versionId'),
    acl: ctx.vendorHeader('acl'),
    'storage-class': ctx.vendorHeader('storage-class'),
    'content-type': ctx.header('content-type'),
    'content-length': ctx.header('content-length'),
    'content-sha256': ctx.header('x-amz-content-sha256'),
    sse: ctx.vendorHeader('server-side-encryption'),
    'response-content-type': ctx.param('response-content-type'),
  };
  for (const name of Object.keys(ctx.req.headers)) {
    // An SSE-C key is never a condition value: it must not travel (nor be logged) beyond its handler.
    if (name.endsWith('server-side-encryption-customer-key')) continue;
    if (name.startsWith('x-cos-') || name.startsWith('x-amz-')) context[`header:${name}`] = ctx.header(name);
  }
  // s3:RequestObjectTag/<key>: the tags a write sets (x-amz-tagging / x-cos-tagging); a malformed
  // header is the handler's to refuse.
  const tagging = ctx.vendorHeader('tagging');
  if (tagging !== undefined) {
    try {
      for (const tag of parseTaggingHeader(tagging)) context[`requestobjecttag/${tag.key}`] = tag.value;
    } catch {
      // InvalidArgument from the handler.
    }
  }
  return context;
}

/** s3:ExistingObjectTag/<key>: the tags of the object the request acts on. */
function withExistingTags(context: ConditionContext, tagging: string | undefined): ConditionContext {
  if (!tagging) return context;
  const out = { ...context };
  for (const tag of decodeTagging(tagging)) out[`existingobjecttag/${tag.key}`] = tag.value;
  return out;
}

export interface AccessTarget {
  bucket: string;
  key?: string;
  versionId?: string;
}

/**
 * Decides whether the caller may perform `operation` on the target (by default what the request
 * addresses), with the one authorization function; throws AccessDenied when not. A bucket that does
 * not exist is left to the handler (NoSuchBucket), except for CreateBucket.
 */
export async function authorizeRequest(
  ctx: RequestContext,
  operation: Operation,
  target?: AccessTarget,
  contextOverrides: ConditionContext = {},
): Promise<void> {
  const caller: Caller = ctx.caller;
  const bucketName = target?.bucket ?? ctx.address.bucket;
  const key = target ? target.key : ctx.address.key;
  const spec = actionOf(operation);
  let access: Awaited<ReturnType<typeof ctx.engine.bucketAccess>>;
  if (bucketName !== undefined && operation !== 'CreateBucket') access = await bucketAccessOnce(ctx, bucketName);
  if (bucketName !== undefined && operation !== 'CreateBucket' && !access) return;
  const ownerAppId = ctx.appIdOf(access?.bucket.ownerId);
  const policy =
    access?.policy === undefined
      ? undefined
      : cachedPolicy(access.policy, { bucket: access.bucket.name, appId: ownerAppId }, 'bucket');
  // Another gateway may have suspended the owner's account: the registry re-reads on a short TTL.
  if (access) await ctx.accounts.registry.refresh();
  const ownerAccount = access && ctx.accounts.registry.byUin(accountOf(access.bucket.ownerId));
  if (ownerAccount?.suspended) {
    throw new S3Error('AllAccessDisabled', 'All access to this bucket has been disabled.');
  }
  const ownsBucket = caller.isRoot && access?.bucket.ownerId.startsWith(`qcs::cam::uin/${caller.accountUin}:`);
  let objectAcl: Awaited<ReturnType<typeof ctx.engine.objectAccess>>;
  // The owner's root needs the object's record only when another account may have written the object:
  // then the object's ACL decides whether the bucket's account may read it.
  const readsObjectAcl = spec.acl === 'READ' || spec.acl === 'READ_ACP' || spec.acl === 'WRITE_ACP';
  if (
    access &&
    key !== undefined &&
    spec.target === 'object' &&
    !spec.aclOnBucket &&
    (!ownsBucket || (readsObjectAcl && othersMayWrite(access)))
  ) {
    objectAcl = await ctx.engine.objectAccess(access.bucket.id, key, target?.versionId ?? ctx.param('versionId'));
  }
  const publicAccessBlock =
    access && effectiveBlock(access.publicAccessBlock, decodePublicAccessBlock(ownerAccount?.publicAccessBlock));
  // Built member by member: this runs on every request, and each `...(x ? { x } : {})` allocates and copies.
  const input: AuthorizeInput = {
    operation,
    caller,
    // Only policies read conditions: skip walking the headers when there is none to evaluate.
    context:
      policy || caller.userPolicies.length > 0 || caller.sessionPolicy
        ? { ...withExistingTags(conditionContext(ctx), objectAcl?.tagging), ...contextOverrides }
        : {},
  };
  if (access) {
    const bucket: NonNullable<AuthorizeInput['bucket']> = {
      name: access.bucket.name,
      ownerId: access.bucket.ownerId,
      acl: access.acl,
    };
    if (policy) bucket.policy = policy;
    if (access.ownership) bucket.ownership = access.ownership;
    if (publicAccessBlock) bucket.publicAccessBlock = publicAccessBlock;
    input.bucket = bucket;
  }
  if (key !== undefined) input.key = key;
  if (objectAcl?.acl) input.objectAcl = objectAcl.acl;
  if (objectAcl) input.objectOwnerId = objectAcl.ownerId;
  const decision = authorize(input);
  if (!decision.allowed && ownsBucket && POLICY_OPERATIONS.has(operation) && !caller.sessionPolicy) {
    // S3: the root of the account that owns the bucket can always read, replace and delete its policy,
    // whatever the policy denies, unless it was put with x-amz-confirm-remove-self-bucket-access: true.
    if (!(await ctx.engine.selfLockedOut(access!.bucket))) return;
  }
  if (!decision.allowed) {
    ctx.log.debug(
      { requestId: ctx.requestId, operation, caller: caller.id ?? 'anonymous', reason: decision.reason },
      'access denied',
    );
    throw new S3Error('AccessDenied', 'Access Denied.');
  }
}

/**
 * Whether anyone outside the bucket's account may have written into it: its ACL grants WRITE (or
 * FULL_CONTROL) beyond the account, or it has a policy (which may). Otherwise every object in it is
 * the account's own, and its root needs no object read to be allowed.
 */
function othersMayWrite(access: BucketAccess): boolean {
  if (access.policy !== undefined) return true;
  const account = accountOf(access.bucket.ownerId);
  return access.acl.grants.some(
    (g) =>
      (g.permission === 'WRITE' || g.permission === 'FULL_CONTROL') &&
      (g.grantee.type === 'group' || accountOf(g.grantee.id) !== account),
  );
}

/**
 * The dispatcher's check, before a handler runs: the operation on its target, and for copies also
 * GetObject on the source. DeleteObjects is checked key by key by its handler (S3 authorizes each
 * DeleteObject, and reports denied keys individually).
 */
export async function authorizeOperation(ctx: RequestContext, operation: Operation): Promise<void> {
  const bucketName = ctx.address.bucket;
  if (bucketName !== undefined && operation !== 'CreateBucket') {
    await checkExpectedOwner(ctx, bucketName, ctx.header('x-amz-expected-bucket-owner'));
  }
  if (operation === 'DeleteObjects') return;
  await authorizeRequest(ctx, operation);
  if (operation === 'CopyObject' || operation === 'UploadPartCopy') {
    const source = parseCopySource(ctx.vendorHeader('copy-source')!, ctx.config.domain);
    await checkExpectedOwner(ctx, source.bucket, ctx.header('x-amz-source-expected-bucket-owner'));
    await authorizeRequest(ctx, 'GetObject', source);
  }
}

/**
 * x-amz-expected-bucket-owner / x-amz-source-expected-bucket-owner: when the bucket's owner is not
 * the account named (its uin, or the owner id Coffer shows), 403 AccessDenied, as S3 answers. A bucket
 * that does not exist is left to the operation (NoSuchBucket).
 */
async function checkExpectedOwner(
  ctx: RequestContext,
  bucketName: string,
  expected: string | undefined,
): Promise<void> {
  if (expected === undefined) return;
  const access = await bucketAccessOnce(ctx, bucketName);
  if (!access) return;
  const owner = access.bucket.ownerId;
  if (expected === owner || expected === accountOf(owner)) return;
  throw new S3Error('AccessDenied', 'Access Denied: the bucket is not owned by the expected account.');
}

/**
 * GET or HEAD of a key that does not exist: S3 answers 404 NoSuchKey only to a caller allowed to list
 * the bucket (s3:ListBucket, with s3:prefix the key for conditions), and 403 AccessDenied to others, so
 * that a caller who may read objects but not list them cannot probe which keys exist.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Permissions)
 * Returns the error to answer with.
 */
export async function missingKeyError(ctx: RequestContext, operation: string, err: unknown): Promise<unknown> {
  if (!(err instanceof S3Error) || err.code !== 'NoSuchKey') return err;
  if (operation !== 'GetObject' && operation !== 'HeadObject') return err;
  if (ctx.flavor !== 's3' || ctx.param('versionId') !== undefined || ctx.address.key === undefined) return err;
  try {
    await authorizeRequest(ctx, 'ListObjects', { bucket: ctx.bucket }, { prefix: ctx.address.key });
    return err;
  } catch (denied) {
    return denied;
  }
}
