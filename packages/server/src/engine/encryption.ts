import { S3Error } from '@coffer/protocol';
import type { BucketRecord, ManifestEntry } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import { openManifestStream } from './read-stream.js';
import { type KmsMethod, type Sealing, type SseRequest, sealingFor } from './sse.js';
import { type WrittenBlob, writeBlob } from './write-blob.js';

/**
 * Server-side encryption: SSE-S3 / SSE-COS (AES256), SSE-KMS (aws:kms, cos/kms) and SSE-C (sse.ts
 * says how each seals). A version written with one has every blob sealed (seal.ts); a bucket's
 * default encryption (AES256 or a KMS key) applies to writes that ask for none.
 */
const ENCRYPTION = 'encryption';

/** A bucket's default encryption (PUT Bucket encryption). */
export interface BucketEncryption {
  /** As sent: COS's bucket encryption spells its KMS `KMS`, S3's `aws:kms`. */
  algorithm: 'AES256' | KmsMethod | 'KMS';
  /** KMSMasterKeyID with aws:kms / cos/kms: the registry key (kms.ts) writes use; else the default key. */
  kmsKeyId?: string;
  /** S3's BucketKeyEnabled, kept and returned as sent (it changes nothing here). */
  bucketKeyEnabled?: boolean;
}

export async function putBucketEncryption(
  ctx: EngineContext,
  name: string,
  config: BucketEncryption | null,
): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  // A key that does not exist (or is disabled) is refused now rather than on every later write.
  if (config !== null && config.algorithm !== 'AES256') await ctx.kms.keyForWrite(config.kmsKeyId);
  await ctx.meta.setBucketConfig(bucket.id, ENCRYPTION, config === null ? null : JSON.stringify(config));
}

/** The bucket's default encryption, or undefined when it has none. */
export async function getBucketEncryption(ctx: EngineContext, name: string): Promise<BucketEncryption | undefined> {
  const bucket = await requireBucket(ctx, name);
  return defaultEncryption(ctx, bucket);
}

async function defaultEncryption(ctx: EngineContext, bucket: BucketRecord): Promise<BucketEncryption | undefined> {
  const doc = await ctx.meta.getBucketConfig(bucket.id, ENCRYPTION);
  return doc === undefined ? undefined : (JSON.parse(doc) as BucketEncryption);
}

/**
 * How a write into `bucket` seals its bytes: as the request asked (x-amz-/x-cos-server-side-encryption
 * and its KMS headers, or SSE-C), else as the bucket's default encryption says, else in the clear.
 */
export async function writeEncryption(
  ctx: EngineContext,
  bucket: BucketRecord,
  requested: SseRequest | undefined,
): Promise<Sealing | undefined> {
  if (requested !== undefined) return sealingFor(ctx, requested);
  const config = await defaultEncryption(ctx, bucket);
  if (config === undefined) return undefined;
  return sealingFor(
    ctx,
    config.algorithm === 'AES256'
      ? { kind: 'AES256' }
      : {
          kind: 'kms',
          method: config.algorithm === 'KMS' ? 'cos/kms' : config.algorithm,
          ...(config.kmsKeyId !== undefined ? { keyId: config.kmsKeyId } : {}),
        },
  );
}

/**
 * Writes the bytes a manifest names (sealed under `sourceRoot`, if at all) into one new blob, sealed
 * under `root` when set: a copy that changes encryption. Streams (the bytes pass through once); the
 * caller commits or discards the blob.
 */
export function rewriteManifest(
  ctx: EngineContext,
  manifest: ManifestEntry[],
  sourceRoot: Buffer | undefined,
  root: Buffer | undefined,
  maxSize: number,
  signal?: AbortSignal,
): Promise<WrittenBlob> {
  const size = manifest.reduce((n, m) => n + m.length, 0);
  return writeBlob(ctx, openManifestStream(ctx, manifest, 0, size - 1, sourceRoot), { size, maxSize }, signal, {
    seal: root,
  });
}

/** Encryption methods S3 and COS define that Coffer does not serve (dual-layer KMS; COS's SM4). */
const UNSERVED_METHODS = new Set(['aws:kms:dsse', 'SM4']);

/**
 * Parses an x-cos-/x-amz-server-side-encryption value (or an SSEAlgorithm): AES256, aws:kms or cos/kms
 * (COS's KMS spelling; `KMS` is taken for it too); dual-layer KMS and SM4 are 501, anything else 400.
 */
export function parseSse(value: string | undefined, argumentName: string): 'AES256' | KmsMethod | undefined {
  if (value === undefined) return undefined;
  if (value === 'AES256') return 'AES256';
  if (value === 'aws:kms') return 'aws:kms';
  if (value === 'cos/kms' || value === 'KMS') return 'cos/kms';
  if (UNSERVED_METHODS.has(value)) {
    throw new S3Error(
      'NotImplemented',
      `Coffer does not serve server-side encryption with ${value}. Use AES256 or aws:kms.`,
    );
  }
  throw new S3Error('InvalidArgument', 'The encryption method specified is not supported', {
    details: { ArgumentName: argumentName, ArgumentValue: value },
  });
}
