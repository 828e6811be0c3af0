import { S3Error } from '@coffer/protocol';
import type { BucketRecord, ManifestEntry, Sse } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import { openManifestStream } from './read-stream.js';
import { type WrittenBlob, writeBlob } from './write-blob.js';

/**
 * Server-side encryption with keys Coffer manages: SSE-S3 (x-amz-server-side-encryption: AES256) and
 * SSE-COS (x-cos-server-side-encryption: AES256). A version written with it has every blob sealed
 * (seal.ts); a bucket's default encryption applies it to writes that do not ask for it.
 */
const ENCRYPTION = 'encryption';

/** A bucket's default encryption (PUT Bucket encryption). */
export interface BucketEncryption {
  algorithm: Sse;
  /** S3's BucketKeyEnabled, kept and returned as sent (it changes nothing here). */
  bucketKeyEnabled?: boolean;
}

export async function putBucketEncryption(
  ctx: EngineContext,
  name: string,
  config: BucketEncryption | null,
): Promise<void> {
  const bucket = await requireBucket(ctx, name);
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

/** The encryption a write into `bucket` gets: what the request asked for, else the bucket's default. */
export async function writeEncryption(
  ctx: EngineContext,
  bucket: BucketRecord,
  requested: Sse | undefined,
): Promise<Sse | undefined> {
  return requested ?? (await defaultEncryption(ctx, bucket))?.algorithm;
}

/**
 * Whether a manifest's blobs can be referenced by a version or part with encryption `sse` as they
 * are (zero-copy): every blob sealed when `sse` is set, none when it is not. Otherwise the bytes are
 * rewritten, as S3 rewrites them when a copy changes an object's encryption.
 */
export function manifestMatches(manifest: ManifestEntry[], sse: Sse | undefined): boolean {
  const sealed = sse !== undefined;
  return manifest.every((entry) => (entry.sealed === true) === sealed);
}

/**
 * Writes the bytes a manifest names into one new blob, sealed when `sse` is set: a copy that changes
 * encryption. Streams (the bytes pass through once); the caller commits or discards the blob.
 */
export function rewriteManifest(
  ctx: EngineContext,
  manifest: ManifestEntry[],
  sse: Sse | undefined,
  maxSize: number,
  signal?: AbortSignal,
): Promise<WrittenBlob> {
  const size = manifest.reduce((n, m) => n + m.length, 0);
  return writeBlob(ctx, openManifestStream(ctx, manifest, 0, size - 1), { size, maxSize }, signal, {
    seal: sse !== undefined,
  });
}

/** Encryption methods S3 and COS define that Coffer cannot honour (no key management service; no SM4). */
const UNSERVED_METHODS = new Set(['aws:kms', 'aws:kms:dsse', 'cos/kms', 'KMS', 'SM4']);

/**
 * Parses an x-cos-/x-amz-server-side-encryption value (or an SSEAlgorithm): only AES256 is served;
 * the KMS modes of S3 and COS and COS's SM4 are 501, anything else 400.
 */
export function parseSse(value: string | undefined, argumentName: string): Sse | undefined {
  if (value === undefined) return undefined;
  if (value === 'AES256') return 'AES256';
  if (UNSERVED_METHODS.has(value)) {
    throw new S3Error(
      'NotImplemented',
      `Coffer does not serve server-side encryption with ${value}: it has no key management service. Use AES256.`,
    );
  }
  throw new S3Error('InvalidArgument', 'The encryption method specified is not supported', {
    details: { ArgumentName: argumentName, ArgumentValue: value },
  });
}
