/**
 * Service and bucket basics: GET Service, PUT/HEAD/DELETE Bucket, GET Bucket (List Objects), location,
 * List Object Versions (docs/sdk.md).
 */
import type { ClientCore } from '../core.js';
import { submitRequest } from '../request.js';
import type { ApiMethod, BucketParams, GeneralResult, Headers, Owner } from '../types.js';
import { objectUrl, serviceUrl } from '../url.js';
import { asArray, type JsonObject, jsonToXml } from '../xml.js';
import { defineApi, type Formatted } from './define.js';
import { child, dataObject, result } from './shared.js';

export interface GetServiceParams {
  /** Only buckets in this region (and the request goes to `cos.<Region>.myqcloud.com`). */
  Region?: string;
  Headers?: Headers;
  TagKey?: string;
  TagValue?: string;
  CreateTime?: number;
  CreateRange?: string;
  Marker?: string;
  MaxKeys?: number | string;
}

export interface BucketEntry {
  Name: string;
  Location: string;
  CreationDate: string;
  [field: string]: unknown;
}

export interface GetServiceResult extends GeneralResult {
  Buckets: BucketEntry[];
  Owner: Owner | Record<string, never>;
}

export interface PutBucketParams extends BucketParams {
  ACL?: string;
  GrantRead?: string;
  GrantWrite?: string;
  GrantFullControl?: string;
  /** 'MAZ' for a multi-AZ bucket (COS). */
  BucketAZConfig?: string;
  BucketArchConfig?: string;
}

export interface PutBucketResult extends GeneralResult {
  /** `<bucket host>/`, without the scheme. */
  Location: string;
}

export interface GetBucketParams extends BucketParams {
  Prefix?: string;
  Delimiter?: string;
  Marker?: string;
  MaxKeys?: number | string;
  /** 'url': keys come back percent-encoded. */
  EncodingType?: string;
}

export interface ObjectEntry {
  Key: string;
  LastModified: string;
  /** Quoted. */
  ETag: string;
  /** Bytes, as a string. */
  Size: string;
  Owner?: Owner;
  StorageClass: string;
  StorageTier?: string;
}

export interface GetBucketResult extends GeneralResult {
  Name: string;
  Prefix: string;
  Marker: string;
  MaxKeys: string;
  Delimiter?: string;
  /** 'true' | 'false'. */
  IsTruncated: string;
  NextMarker?: string;
  EncodingType?: string;
  Contents: ObjectEntry[];
  CommonPrefixes: { Prefix: string }[];
}

export interface ListObjectVersionsParams extends BucketParams {
  Prefix?: string;
  Delimiter?: string;
  KeyMarker?: string;
  VersionIdMarker?: string;
  MaxKeys?: number | string;
  EncodingType?: string;
}

export interface VersionEntry {
  Key: string;
  VersionId: string;
  IsLatest: string;
  LastModified: string;
  ETag?: string;
  Size?: string;
  StorageClass?: string;
  Owner?: Owner;
}

export interface ListObjectVersionsResult extends GeneralResult {
  Name: string;
  Prefix: string;
  KeyMarker: string;
  VersionIdMarker: string;
  MaxKeys: string;
  IsTruncated: string;
  NextKeyMarker?: string;
  NextVersionIdMarker?: string;
  Versions: VersionEntry[];
  DeleteMarkers: VersionEntry[];
  CommonPrefixes?: { Prefix: string } | { Prefix: string }[];
}

export interface GetBucketLocationResult extends GeneralResult {
  LocationConstraint: string;
}

/** A HEAD/raw result: whatever the body held, plus statusCode and headers. */
export type RawResult = GeneralResult & Record<string, unknown>;

async function getService(core: ClientCore, params: Formatted<GetServiceParams>): Promise<GetServiceResult> {
  const res = await submitRequest(core, {
    action: 'name/cos:GetService',
    method: 'GET',
    url: serviceUrl(core.options, core.platform.defaultProtocol(), params.Region),
    headers: params.Headers,
    query: {
      tagkey: params.TagKey,
      tagvalue: params.TagValue,
      'create-time': params.CreateTime,
      range: params.CreateRange,
      marker: params.Marker,
      'max-keys': params.MaxKeys,
    },
  });
  const list = child(dataObject(res), 'ListAllMyBucketsResult');
  const buckets = asArray(child(list, 'Buckets').Bucket) as unknown as BucketEntry[];
  return result(res, { Buckets: buckets, Owner: child(list, 'Owner') as unknown as Owner });
}

async function putBucket(core: ClientCore, params: Formatted<PutBucketParams>): Promise<PutBucketResult> {
  const conf: JsonObject = {};
  if (params.BucketAZConfig) conf.BucketAZConfig = params.BucketAZConfig;
  if (params.BucketArchConfig) conf.BucketArchConfig = params.BucketArchConfig;
  const xml = Object.keys(conf).length > 0 ? jsonToXml('CreateBucketConfiguration', conf) : undefined;
  const res = await submitRequest(core, {
    action: 'name/cos:PutBucket',
    method: 'PUT',
    bucket: params.Bucket,
    region: params.Region,
    headers: params.Headers,
    ...(xml !== undefined ? { body: xml, bodySizeBytes: new TextEncoder().encode(xml).length } : {}),
  });
  const location = objectUrl(
    core.options,
    core.platform.defaultProtocol(),
    params.Bucket,
    params.Region,
    undefined,
    true,
  );
  return result(res, { Location: location });
}

async function headBucket(core: ClientCore, params: Formatted<BucketParams>): Promise<RawResult> {
  const res = await submitRequest(core, {
    action: 'name/cos:HeadBucket',
    method: 'HEAD',
    bucket: params.Bucket,
    region: params.Region,
    headers: params.Headers,
  });
  return result(res, dataObject(res));
}

async function getBucket(core: ClientCore, params: Formatted<GetBucketParams>): Promise<GetBucketResult> {
  const res = await submitRequest(core, {
    action: 'name/cos:GetBucket',
    method: 'GET',
    bucket: params.Bucket,
    region: params.Region,
    headers: params.Headers,
    query: {
      prefix: params.Prefix || '',
      delimiter: params.Delimiter,
      marker: params.Marker,
      'max-keys': params.MaxKeys,
      'encoding-type': params.EncodingType,
    },
  });
  const list = child(dataObject(res), 'ListBucketResult');
  return result(res, {
    ...(list as unknown as GetBucketResult),
    Contents: asArray(list.Contents) as unknown as ObjectEntry[],
    CommonPrefixes: asArray(list.CommonPrefixes) as unknown as { Prefix: string }[],
  });
}

async function deleteBucket(core: ClientCore, params: Formatted<BucketParams>): Promise<GeneralResult> {
  const res = await submitRequest(core, {
    action: 'name/cos:DeleteBucket',
    method: 'DELETE',
    bucket: params.Bucket,
    region: params.Region,
    headers: params.Headers,
  });
  return result(res, {});
}

async function getBucketLocation(core: ClientCore, params: Formatted<BucketParams>): Promise<GetBucketLocationResult> {
  const res = await submitRequest(core, {
    action: 'name/cos:GetBucketLocation',
    method: 'GET',
    bucket: params.Bucket,
    region: params.Region,
    headers: params.Headers,
    subresource: 'location',
  });
  return result(res, dataObject(res) as unknown as GetBucketLocationResult);
}

async function listObjectVersions(
  core: ClientCore,
  params: Formatted<ListObjectVersionsParams>,
): Promise<ListObjectVersionsResult> {
  const res = await submitRequest(core, {
    action: 'name/cos:GetBucketObjectVersions',
    method: 'GET',
    bucket: params.Bucket,
    region: params.Region,
    headers: params.Headers,
    subresource: 'versions',
    query: {
      prefix: params.Prefix || '',
      delimiter: params.Delimiter,
      'key-marker': params.KeyMarker,
      'version-id-marker': params.VersionIdMarker,
      'max-keys': params.MaxKeys,
      'encoding-type': params.EncodingType,
    },
  });
  const { DeleteMarker, Version, ...rest } = child(dataObject(res), 'ListVersionsResult');
  return result(res, {
    ...(rest as unknown as ListObjectVersionsResult),
    DeleteMarkers: asArray(DeleteMarker) as unknown as VersionEntry[],
    Versions: asArray(Version) as unknown as VersionEntry[],
  });
}

export interface BucketMethods {
  /**
   * Lists the buckets of the account (GET Service).
   *
   * @example
   * const { Buckets } = await cos.getService({});
   */
  getService: ApiMethod<GetServiceParams, GetServiceResult>;
  /**
   * Creates a bucket.
   *
   * @example
   * await cos.putBucket({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing' });
   */
  putBucket: ApiMethod<PutBucketParams, PutBucketResult>;
  /**
   * Whether the bucket exists and may be accessed (404 / 403 reject).
   *
   * @example
   * await cos.headBucket({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing' });
   */
  headBucket: ApiMethod<BucketParams, RawResult>;
  /**
   * Lists objects (GET Bucket, v1).
   *
   * @example
   * // COS JS SDK docs, example 2: list directory a/ without recursing
   * cos.getBucket({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Prefix: 'a/', Delimiter: '/' },
   *   (err, data) => console.log(err || data.CommonPrefixes));
   */
  getBucket: ApiMethod<GetBucketParams, GetBucketResult>;
  /**
   * Deletes an empty bucket.
   *
   * @example
   * await cos.deleteBucket({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing' });
   */
  deleteBucket: ApiMethod<BucketParams, GeneralResult>;
  /**
   * The bucket's region.
   *
   * @example
   * const { LocationConstraint } = await cos.getBucketLocation({ Bucket, Region });
   */
  getBucketLocation: ApiMethod<BucketParams, GetBucketLocationResult>;
  /**
   * Lists object versions and delete markers.
   *
   * @example
   * const { Versions, DeleteMarkers } = await cos.listObjectVersions({ Bucket, Region, Prefix: 'a/' });
   */
  listObjectVersions: ApiMethod<ListObjectVersionsParams, ListObjectVersionsResult>;
}

export const bucketMethods: BucketMethods = {
  getService: defineApi('getService', getService),
  putBucket: defineApi('putBucket', putBucket),
  headBucket: defineApi('headBucket', headBucket),
  getBucket: defineApi('getBucket', getBucket),
  deleteBucket: defineApi('deleteBucket', deleteBucket),
  getBucketLocation: defineApi('getBucketLocation', getBucketLocation),
  listObjectVersions: defineApi('listObjectVersions', listObjectVersions),
};
