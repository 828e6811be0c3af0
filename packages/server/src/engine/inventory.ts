import { S3Error } from '@coffer/protocol';
import type { BucketRecord } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';

/**
 * Optional fields of an inventory report, in the order S3 writes its columns
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory.html#storage-inventory-contents),
 * then COS's own (`Tag`, `Crc64`: https://www.tencentcloud.com/document/product/436/30625).
 */
export const INVENTORY_FIELDS = [
  'Size',
  'LastModifiedDate',
  'ETag',
  'StorageClass',
  'IsMultipartUploaded',
  'ReplicationStatus',
  'EncryptionStatus',
  'ObjectLockRetainUntilDate',
  'ObjectLockMode',
  'ObjectLockLegalHoldStatus',
  'IntelligentTieringAccessTier',
  'BucketKeyStatus',
  'ChecksumAlgorithm',
  'ObjectOwner',
  'Tag',
  'Crc64',
] as const;
export type InventoryField = (typeof INVENTORY_FIELDS)[number];

/** One inventory configuration of a bucket (PUT Bucket ?inventory&id=). */
export interface InventoryConfiguration {
  id: string;
  enabled: boolean;
  /** The destination bucket's name, and the form it was given in (an S3 ARN, a COS qcs name), to answer with. */
  destinationBucket: string;
  destinationBucketRef: string;
  destinationPrefix: string;
  destinationAccountId?: string;
  /** Reports encrypted at rest (SSE-S3 / SSE-COS) in the destination. */
  encrypted: boolean;
  format: 'CSV';
  filterPrefix?: string;
  includedVersions: 'All' | 'Current';
  fields: InventoryField[];
  frequency: 'Daily' | 'Weekly';
  /** Which element named the destination: S3BucketDestination or COSBucketDestination (rendered back the same). */
  dialect: 's3' | 'cos';
}

const CONFIG_KIND = 'inventory';
/** S3's limit of inventory configurations per bucket. */
const MAX_CONFIGURATIONS = 1000;
/** Configurations per page of List (S3 answers up to 100). */
export const LIST_PAGE = 100;
const DAY_MS = 86_400_000;

export async function readConfigs(ctx: EngineContext, bucket: BucketRecord): Promise<InventoryConfiguration[]> {
  const doc = await ctx.meta.getBucketConfig(bucket.id, CONFIG_KIND);
  return doc === undefined ? [] : (JSON.parse(doc) as InventoryConfiguration[]);
}

async function writeConfigs(ctx: EngineContext, bucket: BucketRecord, configs: InventoryConfiguration[]) {
  configs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await ctx.meta.setBucketConfig(bucket.id, CONFIG_KIND, configs.length > 0 ? JSON.stringify(configs) : null);
}

export function noSuchConfiguration(id: string): S3Error {
  return new S3Error('NoSuchConfiguration', `The specified inventory configuration does not exist: ${id}`);
}

/**
 * PUT Bucket inventory: adds or replaces one configuration
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketInventoryConfiguration.html). The
 * destination must exist and belong to the source's owner.
 */
export async function putBucketInventory(ctx: EngineContext, name: string, config: InventoryConfiguration) {
  const bucket = await requireBucket(ctx, name);
  const destination = await ctx.meta.getBucket(config.destinationBucket);
  if (!destination || destination.ownerId !== bucket.ownerId) {
    throw new S3Error(
      'InvalidArgument',
      `The inventory destination bucket does not exist or is not owned by you: ${config.destinationBucketRef}`,
      { details: { ArgumentName: 'Destination', ArgumentValue: config.destinationBucketRef } },
    );
  }
  const configs = (await readConfigs(ctx, bucket)).filter((c) => c.id !== config.id);
  if (configs.length >= MAX_CONFIGURATIONS) throw new S3Error('TooManyConfigurations');
  configs.push(config);
  await writeConfigs(ctx, bucket, configs);
}

export async function getBucketInventory(ctx: EngineContext, name: string, id: string) {
  const bucket = await requireBucket(ctx, name);
  const config = (await readConfigs(ctx, bucket)).find((c) => c.id === id);
  if (!config) throw noSuchConfiguration(id);
  return config;
}

export async function deleteBucketInventory(ctx: EngineContext, name: string, id: string) {
  const bucket = await requireBucket(ctx, name);
  const configs = await readConfigs(ctx, bucket);
  if (!configs.some((c) => c.id === id)) throw noSuchConfiguration(id);
  await writeConfigs(
    ctx,
    bucket,
    configs.filter((c) => c.id !== id),
  );
}

/** A page of configurations in id order after `continuationToken` (the last id of the previous page). */
export async function listBucketInventory(ctx: EngineContext, name: string, continuationToken?: string) {
  const bucket = await requireBucket(ctx, name);
  const all = await readConfigs(ctx, bucket);
  const rest = continuationToken === undefined ? all : all.filter((c) => c.id > continuationToken);
  const page = rest.slice(0, LIST_PAGE);
  return {
    configurations: page,
    ...(rest.length > LIST_PAGE ? { nextContinuationToken: page[page.length - 1]!.id } : {}),
  };
}

/** Whether a configuration's report is due: daily after midnight UTC, weekly 7 days after the last. */
export function inventoryDue(
  frequency: InventoryConfiguration['frequency'],
  lastFinishedMs: number | undefined,
  nowMs: number,
): boolean {
  if (lastFinishedMs === undefined) return true;
  if (frequency === 'Daily') return lastFinishedMs < Math.floor(nowMs / DAY_MS) * DAY_MS;
  return nowMs - lastFinishedMs >= 7 * DAY_MS;
}
