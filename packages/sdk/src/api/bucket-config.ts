/**
 * Bucket configuration sub-resources: versioning, lifecycle, CORS, policy, default encryption (docs/sdk.md), with
 * Tencent's
 * special cases (a missing lifecycle or CORS configuration is an empty success; a missing policy is annotated).
 */
import type { ClientCore } from '../core.js';
import { invalidParameter, S3ServiceError } from '../errors.js';
import { bodyText, submitRequest } from '../request.js';
import type { ApiMethod, BucketParams, GeneralResult } from '../types.js';
import { asArray, type JsonObject, type JsonValue, jsonToXml } from '../xml.js';
import { defineApi, type Formatted } from './define.js';
import { child, dataObject, hexToBase64, result } from './shared.js';

/** A config body with the Content-Type and Content-MD5 Tencent's SDK sends with it. */
export function configBody(
  core: ClientCore,
  text: string,
  contentType: string,
  headers: Record<string, unknown>,
): { body: string; bodySizeBytes: number; headers: Record<string, unknown> } {
  const md5 = core.platform.createMd5();
  md5.update(text);
  return {
    body: text,
    bodySizeBytes: new TextEncoder().encode(text).length,
    headers: { ...headers, 'Content-Type': contentType, 'Content-MD5': hexToBase64(md5.hex()) },
  };
}

function bucketRequest(params: BucketParams, action: string, method: string, subresource: string) {
  return {
    action,
    method,
    bucket: params.Bucket,
    region: params.Region,
    headers: params.Headers,
    subresource,
  };
}

/** A GET of a configuration whose 404 `code` means "none": `{ ...empty, statusCode: 404, headers }`. */
async function getOr404<T extends object>(
  core: ClientCore,
  spec: ReturnType<typeof bucketRequest>,
  code: string,
  empty: T,
): Promise<{ data: JsonObject; res: { statusCode: number; headers: Record<string, string> } } | (T & GeneralResult)> {
  try {
    const res = await submitRequest(core, spec);
    return { data: dataObject(res), res };
  } catch (err) {
    if (err instanceof S3ServiceError && err.statusCode === 404 && err.error?.Code === code) {
      return { ...empty, statusCode: 404, headers: err.headers ?? {} };
    }
    throw err;
  }
}

export interface PutBucketVersioningParams extends BucketParams {
  VersioningConfiguration: { Status: 'Enabled' | 'Suspended' | string; MFADelete?: string };
}

export interface GetBucketVersioningResult extends GeneralResult {
  /** `{}` when versioning was never enabled. */
  VersioningConfiguration: { Status?: string; MFADelete?: string };
}

export interface LifecycleRule {
  ID?: string;
  Status: 'Enabled' | 'Disabled' | string;
  Filter?: JsonObject;
  [element: string]: unknown;
}

export interface PutBucketLifecycleParams extends BucketParams {
  Rules?: LifecycleRule[];
  LifecycleConfiguration?: { Rules: LifecycleRule[] };
}

export interface GetBucketLifecycleResult extends GeneralResult {
  Rules: LifecycleRule[];
}

export interface CorsRule {
  ID?: string;
  AllowedOrigins?: string[];
  AllowedMethods?: string[];
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: string | number;
  [element: string]: unknown;
}

export interface PutBucketCorsParams extends BucketParams {
  CORSRules?: CorsRule[];
  CORSConfiguration?: { CORSRules: CorsRule[] };
  ResponseVary?: string;
}

export interface GetBucketCorsResult extends GeneralResult {
  CORSRules: CorsRule[];
  ResponseVary?: string;
}

/** One default-encryption rule: `{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }`. */
export interface EncryptionRule {
  ApplyServerSideEncryptionByDefault: { SSEAlgorithm: string; KMSMasterKeyID?: string; [element: string]: unknown };
  [element: string]: unknown;
}

export interface PutBucketEncryptionParams extends BucketParams {
  /** Tencent's parameter shape: `{ Rule: [rule] }` (`Rules` is accepted too). */
  ServerSideEncryptionConfiguration: { Rule?: EncryptionRule | EncryptionRule[]; Rules?: EncryptionRule[] };
}

export interface GetBucketEncryptionResult extends GeneralResult {
  /** `{ Rules: [] }` when the bucket has no default encryption. */
  EncryptionConfiguration: { Rules: EncryptionRule[] };
}

export interface PutBucketPolicyParams extends BucketParams {
  /** The policy document, as an object or a JSON string. */
  Policy: Record<string, unknown> | string;
}

export interface GetBucketPolicyResult extends GeneralResult {
  Policy: Record<string, unknown>;
}

async function putBucketVersioning(
  core: ClientCore,
  params: Formatted<PutBucketVersioningParams>,
): Promise<GeneralResult> {
  if (!params.VersioningConfiguration) throw invalidParameter('missing param VersioningConfiguration');
  const xml = jsonToXml('VersioningConfiguration', params.VersioningConfiguration);
  const res = await submitRequest(core, {
    ...bucketRequest(params, 'name/cos:PutBucketVersioning', 'PUT', 'versioning'),
    ...configBody(core, xml, 'application/xml', params.Headers),
  });
  return result(res, {});
}

async function getBucketVersioning(
  core: ClientCore,
  params: Formatted<BucketParams>,
): Promise<GetBucketVersioningResult> {
  const res = await submitRequest(core, bucketRequest(params, 'name/cos:GetBucketVersioning', 'GET', 'versioning'));
  const data = dataObject(res);
  return result(res, { ...data, VersioningConfiguration: child(data, 'VersioningConfiguration') });
}

async function putBucketLifecycle(
  core: ClientCore,
  params: Formatted<PutBucketLifecycleParams>,
): Promise<GeneralResult> {
  const rules = params.LifecycleConfiguration?.Rules ?? params.Rules ?? [];
  const xml = jsonToXml('LifecycleConfiguration', { Rule: rules });
  const res = await submitRequest(core, {
    ...bucketRequest(params, 'name/cos:PutBucketLifecycle', 'PUT', 'lifecycle'),
    ...configBody(core, xml, 'application/xml', params.Headers),
  });
  return result(res, {});
}

async function getBucketLifecycle(
  core: ClientCore,
  params: Formatted<BucketParams>,
): Promise<GetBucketLifecycleResult> {
  const got = await getOr404(
    core,
    bucketRequest(params, 'name/cos:GetBucketLifecycle', 'GET', 'lifecycle'),
    'NoSuchLifecycleConfiguration',
    { Rules: [] as LifecycleRule[] },
  );
  if (!('data' in got)) return got;
  const rules = asArray(child(got.data, 'LifecycleConfiguration').Rule) as unknown as LifecycleRule[];
  return { Rules: rules, statusCode: got.res.statusCode, headers: got.res.headers };
}

async function deleteConfig(
  core: ClientCore,
  params: Formatted<BucketParams>,
  action: string,
  subresource: string,
): Promise<GeneralResult> {
  const res = await submitRequest(core, bucketRequest(params, action, 'DELETE', subresource));
  return result(res, {});
}

const CORS_LISTS = ['AllowedOrigin', 'AllowedHeader', 'AllowedMethod', 'ExposeHeader'];

async function putBucketEncryption(
  core: ClientCore,
  params: Formatted<PutBucketEncryptionParams>,
): Promise<GeneralResult> {
  const conf = params.ServerSideEncryptionConfiguration ?? {};
  const xml = jsonToXml('ServerSideEncryptionConfiguration', {
    Rule: asArray((conf.Rule ?? conf.Rules ?? []) as JsonValue),
  } as JsonObject);
  const res = await submitRequest(core, {
    ...bucketRequest(params, 'name/cos:PutBucketEncryption', 'PUT', 'encryption'),
    ...configBody(core, xml, 'application/xml', params.Headers),
  });
  return result(res, {});
}

/**
 * The rules of the ServerSideEncryptionConfiguration COS and S3 return. (Tencent's SDK reads them from an
 * `EncryptionConfiguration` element, which neither sends, so it answers `Rules: []` even when one is set.)
 */
async function getBucketEncryption(
  core: ClientCore,
  params: Formatted<BucketParams>,
): Promise<GetBucketEncryptionResult> {
  const got = await getOr404(
    core,
    bucketRequest(params, 'name/cos:GetBucketEncryption', 'GET', 'encryption'),
    'NoSuchEncryptionConfiguration',
    { EncryptionConfiguration: { Rules: [] as EncryptionRule[] } },
  );
  if (!('data' in got)) return got;
  const conf = child(got.data, 'ServerSideEncryptionConfiguration');
  const rules = asArray(conf.Rule as JsonValue) as unknown as EncryptionRule[];
  return { EncryptionConfiguration: { Rules: rules }, statusCode: got.res.statusCode, headers: got.res.headers };
}

async function putBucketCors(core: ClientCore, params: Formatted<PutBucketCorsParams>): Promise<GeneralResult> {
  const rules = asArray(params.CORSConfiguration?.CORSRules ?? params.CORSRules ?? []).map((rule) => {
    const out: Record<string, unknown> = { ...rule };
    for (const name of CORS_LISTS) {
      const value = out[`${name}s`] ?? out[name] ?? [];
      delete out[`${name}s`];
      out[name] = Array.isArray(value) ? value : [value];
    }
    return out;
  });
  const conf: Record<string, unknown> = { CORSRule: rules };
  if (params.ResponseVary) conf.ResponseVary = params.ResponseVary;
  const xml = jsonToXml('CORSConfiguration', conf);
  const res = await submitRequest(core, {
    ...bucketRequest(params, 'name/cos:PutBucketCORS', 'PUT', 'cors'),
    ...configBody(core, xml, 'application/xml', params.Headers),
  });
  return result(res, {});
}

async function getBucketCors(core: ClientCore, params: Formatted<BucketParams>): Promise<GetBucketCorsResult> {
  const got = await getOr404(
    core,
    bucketRequest(params, 'name/cos:GetBucketCORS', 'GET', 'cors'),
    'NoSuchCORSConfiguration',
    { CORSRules: [] as CorsRule[] },
  );
  if (!('data' in got)) return got;
  const conf = child(got.data, 'CORSConfiguration');
  const rules = asArray((conf.CORSRules ?? conf.CORSRule) as JsonValue).map((rule) => {
    const out: Record<string, unknown> = typeof rule === 'object' ? { ...rule } : {};
    for (const name of CORS_LISTS) {
      const value = (out[`${name}s`] ?? out[name] ?? []) as JsonValue;
      delete out[name];
      out[`${name}s`] = Array.isArray(value) ? value : [value];
    }
    return out as CorsRule;
  });
  return {
    CORSRules: rules,
    ResponseVary: conf.ResponseVary as string | undefined,
    statusCode: got.res.statusCode,
    headers: got.res.headers,
  };
}

async function putBucketPolicy(core: ClientCore, params: Formatted<PutBucketPolicyParams>): Promise<GeneralResult> {
  let policy: unknown = params.Policy;
  if (typeof policy === 'string') {
    try {
      policy = JSON.parse(policy);
    } catch {
      // Reported below.
    }
  }
  if (!policy || typeof policy !== 'object') throw invalidParameter('Policy format error');
  const res = await submitRequest(core, {
    ...bucketRequest(params, 'name/cos:PutBucketPolicy', 'PUT', 'policy'),
    ...configBody(core, JSON.stringify(policy), 'application/json', params.Headers),
  });
  return result(res, {});
}

async function getBucketPolicy(core: ClientCore, params: Formatted<BucketParams>): Promise<GetBucketPolicyResult> {
  try {
    const res = await submitRequest(core, {
      ...bucketRequest(params, 'name/cos:GetBucketPolicy', 'GET', 'policy'),
      rawBody: true,
    });
    let policy: Record<string, unknown> = {};
    try {
      policy = JSON.parse(bodyText(res.body)) as Record<string, unknown>;
    } catch {
      // Tencent's SDK returns {} for a body that is not JSON.
    }
    return result(res, { Policy: policy });
  } catch (err) {
    if (err instanceof S3ServiceError) {
      if (err.statusCode === 403) err.ErrorStatus = 'Access Denied';
      if (err.statusCode === 405) err.ErrorStatus = 'Method Not Allowed';
      if (err.statusCode === 404) {
        if (err.error?.Code === 'NoSuchPolicy' || err.error?.Code === 'NoSuchPolicyVersion') {
          err.code = '404';
          err.message = 'Policy Not found';
        }
        err.ErrorStatus = 'Policy Not Found';
      }
    }
    throw err;
  }
}

export interface BucketConfigMethods {
  /**
   * Enables or suspends versioning.
   *
   * @example
   * await cos.putBucketVersioning({ Bucket, Region, VersioningConfiguration: { Status: 'Enabled' } });
   */
  putBucketVersioning: ApiMethod<PutBucketVersioningParams, GeneralResult>;
  /**
   * The versioning state (`VersioningConfiguration.Status`; `{}` if never enabled).
   *
   * @example
   * const { VersioningConfiguration } = await cos.getBucketVersioning({ Bucket, Region });
   */
  getBucketVersioning: ApiMethod<BucketParams, GetBucketVersioningResult>;
  /**
   * Replaces the lifecycle rules.
   *
   * @example
   * await cos.putBucketLifecycle({ Bucket, Region, Rules: [{ ID: 'abort', Status: 'Enabled', Filter: {},
   *   AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }] });
   */
  putBucketLifecycle: ApiMethod<PutBucketLifecycleParams, GeneralResult>;
  /**
   * The lifecycle rules (`Rules: []` when there are none).
   *
   * @example
   * const { Rules } = await cos.getBucketLifecycle({ Bucket, Region });
   */
  getBucketLifecycle: ApiMethod<BucketParams, GetBucketLifecycleResult>;
  /**
   * Removes the lifecycle configuration.
   *
   * @example
   * await cos.deleteBucketLifecycle({ Bucket, Region });
   */
  deleteBucketLifecycle: ApiMethod<BucketParams, GeneralResult>;
  /**
   * Replaces the CORS rules.
   *
   * @example
   * await cos.putBucketCors({ Bucket, Region, CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PUT'],
   *   AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: '600' }] });
   */
  putBucketCors: ApiMethod<PutBucketCorsParams, GeneralResult>;
  /**
   * The CORS rules (`CORSRules: []` when there are none).
   *
   * @example
   * const { CORSRules } = await cos.getBucketCors({ Bucket, Region });
   */
  getBucketCors: ApiMethod<BucketParams, GetBucketCorsResult>;
  /**
   * Removes the CORS configuration.
   *
   * @example
   * await cos.deleteBucketCors({ Bucket, Region });
   */
  deleteBucketCors: ApiMethod<BucketParams, GeneralResult>;
  /**
   * Sets the bucket's default server-side encryption (SSEAlgorithm AES256).
   *
   * @example
   * await cos.putBucketEncryption({ Bucket, Region, ServerSideEncryptionConfiguration: {
   *   Rule: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
   */
  putBucketEncryption: ApiMethod<PutBucketEncryptionParams, GeneralResult>;
  /**
   * The default-encryption rules (`EncryptionConfiguration: { Rules: [] }` when there are none).
   *
   * @example
   * const { EncryptionConfiguration } = await cos.getBucketEncryption({ Bucket, Region });
   */
  getBucketEncryption: ApiMethod<BucketParams, GetBucketEncryptionResult>;
  /**
   * Removes the default encryption (what is stored stays encrypted).
   *
   * @example
   * await cos.deleteBucketEncryption({ Bucket, Region });
   */
  deleteBucketEncryption: ApiMethod<BucketParams, GeneralResult>;
  /**
   * Sets the bucket policy.
   *
   * @example
   * await cos.putBucketPolicy({ Bucket, Region, Policy: { version: '2.0', Statement: [{ Effect: 'allow',
   *   Principal: { qcs: ['qcs::cam::anyone:anyone'] }, Action: ['name/cos:GetObject'],
   *   Resource: [`qcs::cos:${Region}:uid/1250000000:${Bucket}/*`] }] } });
   */
  putBucketPolicy: ApiMethod<PutBucketPolicyParams, GeneralResult>;
  /**
   * The bucket policy as an object (a 404 rejects with `ErrorStatus: 'Policy Not Found'`).
   *
   * @example
   * const { Policy } = await cos.getBucketPolicy({ Bucket, Region });
   */
  getBucketPolicy: ApiMethod<BucketParams, GetBucketPolicyResult>;
  /**
   * Removes the bucket policy.
   *
   * @example
   * await cos.deleteBucketPolicy({ Bucket, Region });
   */
  deleteBucketPolicy: ApiMethod<BucketParams, GeneralResult>;
}

export const bucketConfigMethods: BucketConfigMethods = {
  putBucketVersioning: defineApi('putBucketVersioning', putBucketVersioning),
  getBucketVersioning: defineApi('getBucketVersioning', getBucketVersioning),
  putBucketLifecycle: defineApi('putBucketLifecycle', putBucketLifecycle),
  getBucketLifecycle: defineApi('getBucketLifecycle', getBucketLifecycle),
  deleteBucketLifecycle: defineApi('deleteBucketLifecycle', (core, p: Formatted<BucketParams>) =>
    deleteConfig(core, p, 'name/cos:DeleteBucketLifecycle', 'lifecycle'),
  ),
  putBucketCors: defineApi('putBucketCors', putBucketCors),
  getBucketCors: defineApi('getBucketCors', getBucketCors),
  deleteBucketCors: defineApi('deleteBucketCors', (core, p: Formatted<BucketParams>) =>
    deleteConfig(core, p, 'name/cos:DeleteBucketCORS', 'cors'),
  ),
  putBucketEncryption: defineApi('putBucketEncryption', putBucketEncryption),
  getBucketEncryption: defineApi('getBucketEncryption', getBucketEncryption),
  deleteBucketEncryption: defineApi('deleteBucketEncryption', (core, p: Formatted<BucketParams>) =>
    deleteConfig(core, p, 'name/cos:DeleteBucketEncryption', 'encryption'),
  ),
  putBucketPolicy: defineApi('putBucketPolicy', putBucketPolicy),
  getBucketPolicy: defineApi('getBucketPolicy', getBucketPolicy),
  deleteBucketPolicy: defineApi('deleteBucketPolicy', (core, p: Formatted<BucketParams>) =>
    deleteConfig(core, p, 'name/cos:DeleteBucketPolicy', 'policy'),
  ),
};
