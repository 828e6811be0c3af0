/**
 * Access logging and inventory configurations of a bucket (docs/sdk.md), in the shapes of Tencent's SDK
 * (cos-nodejs-sdk-v5 `putBucketLogging`, `putBucketInventory`, …): OptionalFields as a plain array, the
 * destination's SSE-COS encryption as `SSECOS`.
 */
import type { ClientCore } from '../core.js';
import { submitRequest } from '../request.js';
import type { ApiMethod, BucketParams, GeneralResult } from '../types.js';
import { asArray, type JsonObject, type JsonValue, jsonToXml } from '../xml.js';
import { configBody } from './bucket-config.js';
import { defineApi, type Formatted } from './define.js';
import { dataObject, result } from './shared.js';

export interface BucketLoggingStatus {
  LoggingEnabled?: { TargetBucket: string; TargetPrefix?: string };
}

export interface PutBucketLoggingParams extends BucketParams {
  /** `{}` (or no LoggingEnabled) turns logging off. */
  BucketLoggingStatus?: BucketLoggingStatus;
}

export interface GetBucketLoggingResult extends GeneralResult {
  BucketLoggingStatus: BucketLoggingStatus;
}

/** An inventory configuration as Tencent's SDK takes and returns it. */
export interface InventoryConfiguration {
  Id: string;
  IsEnabled: 'true' | 'false' | string;
  Destination: {
    COSBucketDestination?: InventoryDestination;
    S3BucketDestination?: InventoryDestination;
  };
  Schedule: { Frequency: 'Daily' | 'Weekly' | string };
  Filter?: { Prefix?: string };
  IncludedObjectVersions: 'All' | 'Current' | string;
  OptionalFields?: string[];
}

export interface InventoryDestination {
  Format: 'CSV' | string;
  AccountId?: string;
  /** `qcs::cos:<Region>::<bucket-appid>` (or an S3 ARN). */
  Bucket: string;
  Prefix?: string;
  Encryption?: { SSECOS?: string };
}

export interface PutBucketInventoryParams extends BucketParams {
  Id: string;
  InventoryConfiguration: InventoryConfiguration;
}

export interface InventoryIdParams extends BucketParams {
  Id: string;
}

export interface GetBucketInventoryResult extends GeneralResult {
  InventoryConfiguration: InventoryConfiguration;
}

export interface ListBucketInventoryParams extends BucketParams {
  /** NextContinuationToken of the previous page. */
  ContinuationToken?: string;
}

export interface ListBucketInventoryResult extends GeneralResult {
  InventoryConfigurations: InventoryConfiguration[];
  IsTruncated: 'true' | 'false' | string;
  ContinuationToken?: string;
  NextContinuationToken?: string;
}

function spec(params: BucketParams, action: string, method: string, subresource: string) {
  return { action, method, bucket: params.Bucket, region: params.Region, headers: params.Headers, subresource };
}

async function putBucketLogging(core: ClientCore, params: Formatted<PutBucketLoggingParams>): Promise<GeneralResult> {
  const xml = jsonToXml('BucketLoggingStatus', (params.BucketLoggingStatus ?? {}) as Record<string, unknown>);
  const res = await submitRequest(core, {
    ...spec(params, 'name/cos:PutBucketLogging', 'PUT', 'logging'),
    ...configBody(core, xml, 'application/xml', params.Headers),
  });
  return result(res, {});
}

async function getBucketLogging(core: ClientCore, params: Formatted<BucketParams>): Promise<GetBucketLoggingResult> {
  const res = await submitRequest(core, spec(params, 'name/cos:GetBucketLogging', 'GET', 'logging'));
  const status = dataObject(res).BucketLoggingStatus;
  return result(res, {
    BucketLoggingStatus: (typeof status === 'object' && status !== null ? status : {}) as BucketLoggingStatus,
  });
}

/** The wire form of a configuration: OptionalFields → `{ Field: [...] }`, `SSECOS` → `SSE-COS`. */
function toWire(config: InventoryConfiguration): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...config };
  if (config.OptionalFields) wire.OptionalFields = { Field: config.OptionalFields };
  const cos = config.Destination?.COSBucketDestination;
  if (cos?.Encryption && 'SSECOS' in cos.Encryption) {
    const { SSECOS, ...rest } = cos.Encryption;
    wire.Destination = { COSBucketDestination: { ...cos, Encryption: { ...rest, 'SSE-COS': SSECOS ?? '' } } };
  }
  return wire;
}

/** A configuration as parsed from the XML, in Tencent's shape. */
function fromWire(node: JsonValue | undefined): InventoryConfiguration {
  const config = { ...(node as JsonObject) } as unknown as InventoryConfiguration & {
    OptionalFields?: unknown;
  };
  const fields = (config.OptionalFields as { Field?: JsonValue } | undefined)?.Field;
  if (fields !== undefined) config.OptionalFields = asArray(fields) as string[];
  const cos = config.Destination?.COSBucketDestination as
    | (InventoryDestination & { Encryption?: JsonObject })
    | undefined;
  if (cos?.Encryption && 'SSE-COS' in cos.Encryption) {
    const { 'SSE-COS': sse, ...rest } = cos.Encryption;
    cos.Encryption = { ...rest, SSECOS: typeof sse === 'string' ? sse : '' };
  }
  return config;
}

async function putBucketInventory(
  core: ClientCore,
  params: Formatted<PutBucketInventoryParams>,
): Promise<GeneralResult> {
  const xml = jsonToXml('InventoryConfiguration', toWire(params.InventoryConfiguration));
  const res = await submitRequest(core, {
    ...spec(params, 'name/cos:PutBucketInventory', 'PUT', 'inventory'),
    query: { id: params.Id },
    ...configBody(core, xml, 'application/xml', params.Headers),
  });
  return result(res, {});
}

async function getBucketInventory(
  core: ClientCore,
  params: Formatted<InventoryIdParams>,
): Promise<GetBucketInventoryResult> {
  const res = await submitRequest(core, {
    ...spec(params, 'name/cos:GetBucketInventory', 'GET', 'inventory'),
    query: { id: params.Id },
  });
  return result(res, { InventoryConfiguration: fromWire(dataObject(res).InventoryConfiguration) });
}

async function deleteBucketInventory(core: ClientCore, params: Formatted<InventoryIdParams>): Promise<GeneralResult> {
  const res = await submitRequest(core, {
    ...spec(params, 'name/cos:DeleteBucketInventory', 'DELETE', 'inventory'),
    query: { id: params.Id },
  });
  return result(res, {});
}

async function listBucketInventory(
  core: ClientCore,
  params: Formatted<ListBucketInventoryParams>,
): Promise<ListBucketInventoryResult> {
  const res = await submitRequest(core, {
    ...spec(params, 'name/cos:ListBucketInventory', 'GET', 'inventory'),
    ...(params.ContinuationToken ? { query: { 'continuation-token': params.ContinuationToken } } : {}),
  });
  const data = dataObject(res);
  // COS names the root in the singular, S3 (answering a SigV4 client) in the plural.
  const list = (data.ListInventoryConfigurationResult ?? data.ListInventoryConfigurationsResult ?? {}) as JsonObject;
  const { InventoryConfiguration, ...rest } = list;
  return result(res, {
    ...(rest as Omit<ListBucketInventoryResult, 'InventoryConfigurations' | 'statusCode' | 'headers'>),
    IsTruncated: (rest.IsTruncated as string | undefined) ?? 'false',
    InventoryConfigurations: asArray(InventoryConfiguration as JsonValue).map(fromWire),
  });
}

export interface BucketLoggingInventoryMethods {
  /**
   * Turns access logging on (records delivered to TargetBucket under TargetPrefix) or, with `{}`, off.
   *
   * @example
   * await cos.putBucketLogging({ Bucket, Region, BucketLoggingStatus: { LoggingEnabled: {
   *   TargetBucket: 'logs-1250000000', TargetPrefix: 'access/' } } });
   */
  putBucketLogging: ApiMethod<PutBucketLoggingParams, GeneralResult>;
  /**
   * The logging configuration (`BucketLoggingStatus: {}` when off).
   *
   * @example
   * const { BucketLoggingStatus } = await cos.getBucketLogging({ Bucket, Region });
   */
  getBucketLogging: ApiMethod<BucketParams, GetBucketLoggingResult>;
  /**
   * Adds or replaces an inventory configuration.
   *
   * @example
   * await cos.putBucketInventory({ Bucket, Region, Id: 'daily', InventoryConfiguration: { Id: 'daily',
   *   IsEnabled: 'true', Destination: { COSBucketDestination: { Format: 'CSV',
   *   Bucket: 'qcs::cos:ap-beijing::reports-1250000000', Prefix: 'inventory' } },
   *   Schedule: { Frequency: 'Daily' }, IncludedObjectVersions: 'Current', OptionalFields: ['Size', 'ETag'] } });
   */
  putBucketInventory: ApiMethod<PutBucketInventoryParams, GeneralResult>;
  /**
   * One inventory configuration (rejects with NoSuchConfiguration when absent).
   *
   * @example
   * const { InventoryConfiguration } = await cos.getBucketInventory({ Bucket, Region, Id: 'daily' });
   */
  getBucketInventory: ApiMethod<InventoryIdParams, GetBucketInventoryResult>;
  /**
   * Removes an inventory configuration.
   *
   * @example
   * await cos.deleteBucketInventory({ Bucket, Region, Id: 'daily' });
   */
  deleteBucketInventory: ApiMethod<InventoryIdParams, GeneralResult>;
  /**
   * A page of the bucket's inventory configurations (100 at most; then NextContinuationToken).
   *
   * @example
   * const { InventoryConfigurations, NextContinuationToken } = await cos.listBucketInventory({ Bucket, Region });
   */
  listBucketInventory: ApiMethod<ListBucketInventoryParams, ListBucketInventoryResult>;
}

export const bucketLoggingInventoryMethods: BucketLoggingInventoryMethods = {
  putBucketLogging: defineApi('putBucketLogging', putBucketLogging),
  getBucketLogging: defineApi('getBucketLogging', getBucketLogging),
  putBucketInventory: defineApi('putBucketInventory', putBucketInventory),
  getBucketInventory: defineApi('getBucketInventory', getBucketInventory),
  deleteBucketInventory: defineApi('deleteBucketInventory', deleteBucketInventory),
  listBucketInventory: defineApi('listBucketInventory', listBucketInventory),
};
