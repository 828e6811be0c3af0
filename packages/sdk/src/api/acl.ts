/**
 * Bucket and object ACLs (PUT/GET ?acl): canned ACL headers, grant headers or an AccessControlPolicy body; the GET
 * result carries `Grants` and a derived `ACL`, as Tencent's `decodeAcl` computes them.
 */
import type { ClientCore } from '../core.js';
import { submitRequest } from '../request.js';
import type { ApiMethod, BucketParams, GeneralResult, ObjectParams, Owner } from '../types.js';
import { asArray, type JsonObject, jsonToXml } from '../xml.js';
import { configBody } from './bucket-config.js';
import { defineApi, type Formatted } from './define.js';
import { child, dataObject, result } from './shared.js';

export interface Grant {
  Grantee: { ID?: string; URI?: string; DisplayName?: string };
  Permission: 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP' | 'FULL_CONTROL' | string;
}

export interface AccessControlPolicy {
  Owner: Owner;
  Grants?: Grant[] | Grant;
  Grant?: Grant[] | Grant;
}

export interface PutAclParams {
  /** private, public-read, public-read-write (buckets), default (objects: inherit the bucket's), … */
  ACL?: string;
  /** `id="100000000001"` or `id="qcs::cam::uin/…:uin/…"`, comma-separated. */
  GrantRead?: string;
  GrantWrite?: string;
  GrantFullControl?: string;
  GrantReadAcp?: string;
  GrantWriteAcp?: string;
  AccessControlPolicy?: AccessControlPolicy;
}

export type PutBucketAclParams = BucketParams & PutAclParams;
export type PutObjectAclParams = ObjectParams & PutAclParams & { VersionId?: string };
export type GetObjectAclParams = ObjectParams & { VersionId?: string };

export interface GetAclResult extends GeneralResult {
  /** private | public-read | public-read-write (or the x-cos-acl response header). */
  ACL: string;
  Owner: Owner;
  Grants: Grant[];
  /** Grantees other than the owner, `id="…"` comma-separated. */
  GrantRead: string;
  GrantWrite?: string;
  GrantFullControl: string;
  GrantReadAcp: string;
  GrantWriteAcp: string;
}

const PERMISSION_FIELD: Record<
  string,
  'GrantFullControl' | 'GrantWrite' | 'GrantRead' | 'GrantReadAcp' | 'GrantWriteAcp'
> = {
  FULL_CONTROL: 'GrantFullControl',
  WRITE: 'GrantWrite',
  READ: 'GrantRead',
  READ_ACP: 'GrantReadAcp',
  WRITE_ACP: 'GrantWriteAcp',
};

/** Removes repeated entries of a comma-separated grant list. */
function uniqGrant(list: string): string {
  return [...new Set(list.split(',').map((s) => s.trim()))].join(',');
}

function decodeAcl(policy: JsonObject): Omit<GetAclResult, keyof GeneralResult | 'Owner' | 'Grants'> {
  const lists: Record<string, string[]> = {
    GrantFullControl: [],
    GrantWrite: [],
    GrantRead: [],
    GrantReadAcp: [],
    GrantWriteAcp: [],
  };
  const ownerId = child(policy, 'Owner').ID;
  const publicAcl: Record<string, boolean> = {};
  for (const grant of asArray(child(policy, 'AccessControlList').Grant) as unknown as Grant[]) {
    const grantee = grant.Grantee ?? {};
    if (grantee.ID === 'qcs::cam::anyone:anyone' || grantee.URI === 'http://cam.qcloud.com/groups/global/AllUsers') {
      publicAcl[grant.Permission] = true;
    } else if (grantee.ID !== ownerId) {
      const field = PERMISSION_FIELD[grant.Permission];
      if (field) lists[field]!.push(`id="${grantee.ID}"`);
    }
  }
  const acl =
    publicAcl.FULL_CONTROL || (publicAcl.WRITE && publicAcl.READ)
      ? 'public-read-write'
      : publicAcl.READ
        ? 'public-read'
        : 'private';
  return {
    GrantFullControl: uniqGrant(lists.GrantFullControl!.join(',')),
    GrantWrite: uniqGrant(lists.GrantWrite!.join(',')),
    GrantRead: uniqGrant(lists.GrantRead!.join(',')),
    GrantReadAcp: uniqGrant(lists.GrantReadAcp!.join(',')),
    GrantWriteAcp: uniqGrant(lists.GrantWriteAcp!.join(',')),
    ACL: acl,
  };
}

function aclRequestBody(core: ClientCore, params: Formatted<PutAclParams>) {
  const headers: Record<string, unknown> = { ...params.Headers };
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-cos-grant-')) headers[name] = uniqGrant(String(value));
  }
  if (!params.AccessControlPolicy) return { headers };
  const { Grants, Grant: grantAlias, ...rest } = params.AccessControlPolicy;
  const xml = jsonToXml('AccessControlPolicy', {
    ...rest,
    AccessControlList: { Grant: asArray(Grants ?? grantAlias) },
  });
  return configBody(core, xml, 'application/xml', headers);
}

async function putAcl(
  core: ClientCore,
  params: Formatted<PutAclParams & BucketParams & { Key?: string }>,
  action: string,
): Promise<GeneralResult> {
  const res = await submitRequest(core, {
    action,
    method: 'PUT',
    bucket: params.Bucket,
    region: params.Region,
    ...(params.Key !== undefined ? { key: params.Key } : {}),
    subresource: 'acl',
    ...aclRequestBody(core, params),
  });
  return result(res, {});
}

async function getAcl(
  core: ClientCore,
  params: Formatted<BucketParams & { Key?: string; VersionId?: string }>,
  action: string,
): Promise<GetAclResult> {
  const res = await submitRequest(core, {
    action,
    method: 'GET',
    bucket: params.Bucket,
    region: params.Region,
    ...(params.Key !== undefined ? { key: params.Key } : {}),
    headers: params.Headers,
    subresource: 'acl',
    query: { versionId: params.VersionId },
  });
  const policy = child(dataObject(res), 'AccessControlPolicy');
  const decoded = decodeAcl(policy);
  if (params.Key !== undefined) delete decoded.GrantWrite;
  if (res.headers['x-cos-acl']) decoded.ACL = res.headers['x-cos-acl'];
  return result(res, {
    ...decoded,
    Owner: child(policy, 'Owner') as unknown as Owner,
    Grants: asArray(child(policy, 'AccessControlList').Grant) as unknown as Grant[],
  });
}

export interface AclMethods {
  /**
   * Sets a bucket's ACL.
   *
   * @example
   * await cos.putBucketAcl({ Bucket, Region, ACL: 'public-read' });
   */
  putBucketAcl: ApiMethod<PutBucketAclParams, GeneralResult>;
  /**
   * A bucket's ACL.
   *
   * @example
   * const { ACL, Grants } = await cos.getBucketAcl({ Bucket, Region });
   */
  getBucketAcl: ApiMethod<BucketParams, GetAclResult>;
  /**
   * Sets an object's ACL (canned, grant header, or AccessControlPolicy:
   * https://intl.cloud.tencent.com/document/product/436/31710).
   *
   * @example
   * cos.putObjectAcl({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'picture.jpg',
   *   ACL: 'public-read' }, (err, data) => console.log(err || data));
   */
  putObjectAcl: ApiMethod<PutObjectAclParams, GeneralResult>;
  /**
   * An object's ACL.
   *
   * @example
   * cos.getObjectAcl({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'picture.jpg' },
   *   (err, data) => console.log(err || data.Grants));
   */
  getObjectAcl: ApiMethod<GetObjectAclParams, GetAclResult>;
}

export const aclMethods: AclMethods = {
  putBucketAcl: defineApi('putBucketAcl', (core, p: Formatted<PutBucketAclParams>) =>
    putAcl(core, p, 'name/cos:PutBucketACL'),
  ),
  getBucketAcl: defineApi('getBucketAcl', (core, p: Formatted<BucketParams>) =>
    getAcl(core, p, 'name/cos:GetBucketACL'),
  ),
  putObjectAcl: defineApi('putObjectAcl', (core, p: Formatted<PutObjectAclParams>) =>
    putAcl(core, p, 'name/cos:PutObjectACL'),
  ),
  getObjectAcl: defineApi('getObjectAcl', (core, p: Formatted<GetObjectAclParams>) =>
    getAcl(core, p, 'name/cos:GetObjectACL'),
  ),
};
