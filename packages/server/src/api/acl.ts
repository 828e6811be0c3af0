import { buildXml, parseXml, S3_XMLNS, S3Error } from '@coffer/protocol';
import {
  type Acl,
  cannedAcl,
  cannedNameOf,
  type Grant,
  parseGrantHeaders,
  sameGrantee,
  type UinResolver,
} from '../authz/acl.js';
import { accountOf } from '../authz/authorize.js';
import { parseAclXml, renderAcl } from '../codecs/acl.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty } from '../http-kit/respond.js';
import { aclsDisabled, enforcedAcl, guardAclChange } from './acl-guards.js';

/**
 * A bare uin names an account's root when it is an account's uin (this one's or another's: S3's
 * canonical user id of an account), and otherwise a user of the bucket owner's account
 * (`uin="100000000011"`).
 */
function uinResolver(ctx: RequestContext, accountUin: string): UinResolver {
  return (uin) =>
    ctx.accounts.registry.isAccountUin(uin)
      ? `qcs::cam::uin/${uin}:uin/${uin}`
      : `qcs::cam::uin/${accountUin}:uin/${uin}`;
}

/**
 * The ACL a request sets, from exactly one of: a canned ACL header, grant headers, or (for ?acl)
 * an AccessControlPolicy body. `undefined` when the request sets none (or sets the object canned
 * ACL `default`, which means "inherit the bucket's").
 */
export function requestedAcl(
  ctx: RequestContext,
  kind: 'bucket' | 'object',
  owner: string,
  bucketOwner: string,
): { acl: Acl | undefined; given: boolean } {
  const canned = ctx.vendorHeader('acl');
  const account = accountOf(bucketOwner) ?? accountOf(owner) ?? '0';
  const grants = parseGrantHeaders((name) => ctx.header(name), uinResolver(ctx, account));
  if (canned !== undefined && grants !== undefined) {
    // S3 refuses the mix; COS applies both (Tencent's SDK tests send x-cos-acl with x-cos-grant-*).
    if (ctx.flavor === 's3') {
      throw new S3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed.');
    }
    // `default` cannot carry grants of its own: it becomes the owner's FULL_CONTROL plus the grants.
    const base = cannedAcl(canned, kind, owner, bucketOwner) ?? cannedAcl('private', kind, owner)!;
    const extra = grants.filter(
      (g) => !base.grants.some((b) => b.permission === g.permission && sameGrantee(b.grantee, g.grantee)),
    );
    return { acl: { owner, grants: [...base.grants, ...extra] }, given: true };
  }
  if (canned !== undefined) return { acl: cannedAcl(canned, kind, owner, bucketOwner), given: true };
  if (grants !== undefined) return { acl: { owner, grants }, given: true };
  return { acl: undefined, given: false };
}

/**
 * The JSON to store with a new object for the ACL headers of its PUT / copy / initiate; undefined =
 * COS's `default` (the bucket's ACL applies). A write that names no ACL gets the default of the API
 * its client speaks: COS clients `default`, as COS; S3 clients (SigV4/SigV2) `private`, as S3, where a
 * bucket's ACL never reaches its objects.
 */
export async function objectAclFromHeaders(ctx: RequestContext): Promise<string | undefined> {
  const owner = ctx.actor.ownerId;
  // bucket-owner-read / bucket-owner-full-control grant the bucket's owner: only they need it looked up.
  const bucketOwner = /^bucket-owner-/i.test(ctx.vendorHeader('acl') ?? '')
    ? (await ctx.engine.headBucket(ctx.bucket)).ownerId
    : owner;
  const { acl, given } = requestedAcl(ctx, 'object', owner, bucketOwner);
  if (!given && ctx.flavor === 's3') return privateAclJson(owner);
  return acl && JSON.stringify(acl);
}

/** The stored `private` ACL of an owner's object (every S3 PUT without ACL headers), by owner; a few owners at most. */
const PRIVATE_ACL_JSON = new Map<string, string>();

function privateAclJson(owner: string): string {
  let json = PRIVATE_ACL_JSON.get(owner);
  if (json === undefined) {
    json = JSON.stringify(cannedAcl('private', 'object', owner));
    if (PRIVATE_ACL_JSON.size >= 1024) PRIVATE_ACL_JSON.clear();
    PRIVATE_ACL_JSON.set(owner, json);
  }
  return json;
}

function sendAcl(ctx: RequestContext, acl: Acl, cannedHeader: string): void {
  const xml = buildXml(
    'AccessControlPolicy',
    renderAcl(acl, ctx.flavor, (id) => /uin\/(\d+)$/.exec(id)?.[1] ?? id),
    {
      xmlns: S3_XMLNS,
    },
  );
  const body = Buffer.from(xml);
  ctx.res.statusCode = 200;
  ctx.res.setHeader('x-cos-acl', cannedHeader);
  ctx.res.setHeader('content-type', 'application/xml');
  ctx.res.setHeader('content-length', body.length);
  ctx.res.end(body);
}

/** GET Bucket ?acl. */
export async function getBucketAcl(ctx: RequestContext): Promise<void> {
  const { acl, bucket } = await ctx.engine.getBucketAcl(ctx.bucket);
  if (await aclsDisabled(ctx)) return sendAcl(ctx, enforcedAcl(bucket.ownerId), 'private');
  sendAcl(ctx, acl, cannedNameOf(acl));
}

/** The ACL a PUT ?acl sets: headers, or an AccessControlPolicy body (s3cmd's GET-then-PUT round trip). */
async function aclFromPutRequest(
  ctx: RequestContext,
  kind: 'bucket' | 'object',
  owner: string,
  bucketOwner: string,
): Promise<Acl | undefined> {
  const fromHeaders = requestedAcl(ctx, kind, owner, bucketOwner);
  const body = await ctx.readSmallBody(64 * 1024);
  if (body.trim() === '') {
    if (!fromHeaders.given)
      throw new S3Error(
        'MissingRequestBodyError',
        'Give a canned ACL header, grant headers, or an AccessControlPolicy body.',
      );
    return fromHeaders.acl;
  }
  if (fromHeaders.given)
    throw new S3Error('UnexpectedContent', 'This request does not support content alongside ACL headers.');
  let doc: ReturnType<typeof parseXml>;
  try {
    doc = parseXml(body, 'AccessControlPolicy');
  } catch {
    throw new S3Error(
      'MalformedACLError',
      'The XML you provided was not well-formed or did not validate against our published schema.',
    );
  }
  const account = accountOf(bucketOwner) ?? '0';
  const parsed = parseAclXml(doc, uinResolver(ctx, account));
  const grants: Grant[] = parsed.grants;
  return { owner, grants };
}

/** PUT Bucket ?acl. */
export async function putBucketAcl(ctx: RequestContext): Promise<void> {
  const { bucket } = await ctx.engine.getBucketAcl(ctx.bucket);
  const acl = await aclFromPutRequest(ctx, 'bucket', bucket.ownerId, bucket.ownerId);
  await guardAclChange(ctx, 'bucket', acl ?? cannedAcl('private', 'bucket', bucket.ownerId));
  await ctx.engine.putBucketAcl(ctx.bucket, acl ?? cannedAcl('private', 'bucket', bucket.ownerId)!);
  sendEmpty(ctx, 200);
}

/** GET Object ?acl: the object's ACL; one left at `default` shows its owner's full control and x-cos-acl: default. */
export async function getObjectAcl(ctx: RequestContext): Promise<void> {
  const versionId = ctx.param('versionId');
  const { acl, ownerId, bucket } = await ctx.engine.getObjectAcl(ctx.bucket, ctx.key, versionId);
  // ACLs disabled (BucketOwnerEnforced): "requests to read ACLs always return … full control for the bucket owner".
  if (await aclsDisabled(ctx)) return sendAcl(ctx, enforcedAcl(bucket.ownerId), 'private');
  if (acl) sendAcl(ctx, acl, cannedNameOf(acl));
  else sendAcl(ctx, cannedAcl('private', 'object', ownerId)!, 'default');
}

/** PUT Object ?acl (COS canned ACLs include `default`: inherit the bucket's). */
export async function putObjectAcl(ctx: RequestContext): Promise<void> {
  const versionId = ctx.param('versionId');
  const { bucket, ownerId } = await ctx.engine.getObjectAcl(ctx.bucket, ctx.key, versionId);
  const acl = await aclFromPutRequest(ctx, 'object', ownerId, bucket.ownerId);
  await guardAclChange(ctx, 'object', acl);
  await ctx.engine.putObjectAcl(ctx.bucket, ctx.key, versionId, acl);
  sendEmpty(ctx, 200);
}
