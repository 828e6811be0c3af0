import { S3Error } from '@coffer/protocol';
import type { AclPermission } from './actions.js';

/**
 * Access control lists, as COS and S3 define them: an owner and grants of READ, WRITE, READ_ACP,
 * WRITE_ACP or FULL_CONTROL to users (by id) or groups (everyone, every authenticated user).
 * https://www.tencentcloud.com/document/product/436/30583 ; https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
 */
export type Group = 'AllUsers' | 'AuthenticatedUsers' | 'LogDelivery';
export type Grantee = { type: 'user'; id: string } | { type: 'group'; group: Group };
export interface Grant {
  grantee: Grantee;
  permission: AclPermission;
}
export interface Acl {
  owner: string;
  grants: Grant[];
}

export const PERMISSIONS: readonly AclPermission[] = ['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL'];
export const ANYONE_ID = 'qcs::cam::anyone:anyone';
const GROUP_URIS: Record<string, Group> = {
  'http://cam.qcloud.com/groups/global/allusers': 'AllUsers',
  'http://cam.qcloud.com/groups/global/authenticatedusers': 'AuthenticatedUsers',
  'http://acs.amazonaws.com/groups/global/allusers': 'AllUsers',
  'http://acs.amazonaws.com/groups/global/authenticatedusers': 'AuthenticatedUsers',
  'http://acs.amazonaws.com/groups/s3/logdelivery': 'LogDelivery',
};

export const BUCKET_CANNED_ACLS = ['private', 'public-read', 'public-read-write', 'authenticated-read'] as const;
export const OBJECT_CANNED_ACLS = [
  'default',
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;

/** Turns a grantee id as clients write it into the id Coffer compares with principals. */
export type UinResolver = (uin: string) => string;

/**
 * A canned ACL as grants. For objects, `default` means "inherit the bucket's ACL" (COS) and is
 * returned as `undefined`. https://www.tencentcloud.com/document/product/436/30583#canned-acl
 */
export function cannedAcl(
  name: string,
  kind: 'bucket' | 'object',
  owner: string,
  bucketOwner = owner,
): Acl | undefined {
  const allowed: readonly string[] = kind === 'bucket' ? BUCKET_CANNED_ACLS : OBJECT_CANNED_ACLS;
  const canned = name.toLowerCase();
  if (!allowed.includes(canned)) {
    throw new S3Error(
      'InvalidArgument',
      `The canned ACL "${name}" is not valid for a ${kind}; use one of ${allowed.join(', ')}.`,
      {
        details: { ArgumentName: 'x-cos-acl', ArgumentValue: name },
      },
    );
  }
  if (canned === 'default') return undefined;
  // Group grants first, the owner's last: the order S3 tools (and Ceph's conformance tests) read them in.
  const grants: Grant[] = [];
  const all: Grantee = { type: 'group', group: 'AllUsers' };
  if (canned === 'public-read') grants.push({ grantee: all, permission: 'READ' });
  if (canned === 'public-read-write')
    grants.push({ grantee: all, permission: 'READ' }, { grantee: all, permission: 'WRITE' });
  if (canned === 'authenticated-read')
    grants.push({ grantee: { type: 'group', group: 'AuthenticatedUsers' }, permission: 'READ' });
  grants.push({ grantee: { type: 'user', id: owner }, permission: 'FULL_CONTROL' });
  // Listed even when the writer owns the bucket (then one id holds both grants), as S3 lists it.
  if (canned === 'bucket-owner-read') grants.push({ grantee: { type: 'user', id: bucketOwner }, permission: 'READ' });
  if (canned === 'bucket-owner-full-control' && bucketOwner !== owner) {
    grants.push({ grantee: { type: 'user', id: bucketOwner }, permission: 'FULL_CONTROL' });
  }
  return { owner, grants };
}

/** Parses one grantee as a grant header writes it: `id="…"`, `uin="…"`, `uri="…"` (emailAddress is not supported). */
function parseHeaderGrantee(part: string, resolve: UinResolver): Grantee {
  const m = /^\s*(id|uin|uri|emailaddress)\s*=\s*"?([^"]*)"?\s*$/i.exec(part);
  if (!m)
    throw new S3Error('InvalidArgument', `Cannot parse grantee "${part.trim()}": use id="…", uin="…" or uri="…".`);
  const kind = m[1]!.toLowerCase();
  const value = m[2]!.trim();
  if (kind === 'uri') return groupOf(value);
  if (kind === 'emailaddress') throw unresolvableEmail(value);
  return userGrantee(value, resolve);
}

/** Coffer's users have no email addresses, so no grant by email can be resolved (S3's error for an unknown one). */
export function unresolvableEmail(email: string): S3Error {
  return new S3Error(
    'UnresolvableGrantByEmailAddress',
    'The email address you provided does not match any account on record.',
    { details: { EmailAddress: email } },
  );
}

export function groupOf(uri: string): Grantee {
  const group = GROUP_URIS[uri.toLowerCase()];
  if (!group) throw new S3Error('InvalidArgument', `Unknown grantee group "${uri}".`);
  return { type: 'group', group };
}

export function userGrantee(id: string, resolve: UinResolver): Grantee {
  if (id === ANYONE_ID || id === '*') return { type: 'group', group: 'AllUsers' };
  if (/^qcs::cam::uin\/\d+:uin\/\d+$/.test(id)) return { type: 'user', id };
  if (/^\d+$/.test(id)) return { type: 'user', id: resolve(id) };
  // Every id Coffer hands out (Owner.ID, grantee IDs) has one of the forms above; anything else names nobody.
  throw new S3Error('InvalidArgument', `Invalid id: "${id}" is not a user of this server.`, {
    details: { ArgumentName: 'CanonicalUser/ID', ArgumentValue: id },
  });
}

/** Each permission's grant header names, made once (every PUT looks all ten up). */
const GRANT_HEADERS = PERMISSIONS.map((permission) => {
  const suffix = permission.toLowerCase().replace('_', '-');
  return [permission, { cos: `x-cos-grant-${suffix}`, amz: `x-amz-grant-${suffix}` }] as const;
});

/**
 * The x-cos-grant-* / x-amz-grant-* headers of a request as grants, or undefined when none was
 * sent. Each header lists grantees separated by commas.
 */
export function parseGrantHeaders(
  header: (name: string) => string | undefined,
  resolve: UinResolver,
): Grant[] | undefined {
  const grants: Grant[] = [];
  let any = false;
  for (const [permission, names] of GRANT_HEADERS) {
    const value = header(names.cos) ?? header(names.amz);
    if (value === undefined) continue;
    any = true;
    for (const part of value.split(',')) {
      if (part.trim() === '') continue;
      const grantee = parseHeaderGrantee(part, resolve);
      if (!grants.some((g) => g.permission === permission && sameGrantee(g.grantee, grantee)))
        grants.push({ grantee, permission });
    }
  }
  return any ? grants : undefined;
}

export function sameGrantee(a: Grantee, b: Grantee): boolean {
  return a.type === 'user' ? b.type === 'user' && a.id === b.id : b.type === 'group' && a.group === b.group;
}

/** The canned name an ACL corresponds to, for COS's x-cos-acl response header. */
export function cannedNameOf(acl: Acl): string {
  const public_ = acl.grants
    .filter((g) => g.grantee.type === 'group' && g.grantee.group === 'AllUsers')
    .map((g) => g.permission);
  if (public_.includes('FULL_CONTROL') || (public_.includes('READ') && public_.includes('WRITE')))
    return 'public-read-write';
  if (public_.includes('READ')) return 'public-read';
  if (acl.grants.some((g) => g.grantee.type === 'group' && g.grantee.group === 'AuthenticatedUsers'))
    return 'authenticated-read';
  return 'private';
}

/** Does the ACL give `permission` to this caller (undefined id = anonymous)? FULL_CONTROL implies every permission. */
export function aclGrants(acl: Acl, principalId: string | undefined, permission: AclPermission): boolean {
  return acl.grants.some((g) => {
    if (g.permission !== permission && g.permission !== 'FULL_CONTROL') return false;
    if (g.grantee.type === 'user') return principalId !== undefined && g.grantee.id === principalId;
    if (g.grantee.group === 'AllUsers') return true;
    return g.grantee.group === 'AuthenticatedUsers' && principalId !== undefined;
  });
}
