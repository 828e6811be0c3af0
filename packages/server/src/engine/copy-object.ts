import { S3Error } from '@coffer/protocol';
import { type BucketRecord, type ObjectVersion, StoreError } from '../stores/types.js';
import { requireReadable } from './archive.js';
import type { Actor } from './buckets.js';
import { requireBucket } from './buckets.js';
import { checkPreconditions, type Preconditions } from './conditions.js';
import type { EngineContext } from './context.js';
import { rewriteManifest, writeEncryption } from './encryption.js';
import { findObject } from './find-object.js';
import { noteAccess } from './intelligent-tiering.js';
import { normalizeStorageClass, validateKey, validateUserMeta } from './names.js';
import { eventRecorder, sourceOf } from './notifications/record.js';
import { lockForWrite } from './object-lock.js';
import type { ObjectAttributes } from './objects.js';
import { manifestMatches, unsealingRoot } from './sse.js';
import { taggingFromHeader } from './tagging.js';

export interface CopyObjectInput {
  source: { bucket: string; key: string; versionId?: string };
  /** x-cos-copy-source-If-* / x-amz-copy-source-if-*. */
  sourceConditions: Preconditions;
  bucket: string;
  key: string;
  actor: Actor;
  /** COPY keeps the source's content headers and metadata; REPLACE takes them from the request. */
  metadataDirective: 'COPY' | 'REPLACE';
  taggingDirective: 'COPY' | 'REPLACE';
  /** The request's attributes (used for REPLACE; storage class, ACL and encryption always come from the request). */
  attributes: ObjectAttributes;
  /** x-amz-copy-source-server-side-encryption-customer-key: the SSE-C key of the source (its MD5 checked). */
  sourceCustomerKey?: Buffer;
}

export interface CopyObjectResult {
  source: ObjectVersion;
  version: ObjectVersion;
  versioned: boolean;
}

/**
 * The version a copy reads. A delete marker named by version id is 400, not GET's 405: S3 and COS
 * refuse a delete marker as x-amz-copy-source / x-cos-copy-source ("InvalidRequest").
 */
async function findCopySource(
  ctx: EngineContext,
  bucket: BucketRecord,
  source: CopyObjectInput['source'],
): Promise<ObjectVersion> {
  try {
    return await findObject(ctx, bucket, source.key, source.versionId);
  } catch (err) {
    if (err instanceof S3Error && err.code === 'MethodNotAllowed') {
      throw new S3Error('InvalidRequest', 'The source of a copy cannot be a delete marker.');
    }
    throw err;
  }
}

/**
 * PUT Object - Copy. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 * Zero-copy: the new version's manifest names the source's blobs (blobs are immutable and
 * reference-counted), so a copy costs one metadata transaction whatever the object's size — unless
 * it changes the encryption at rest (encryption.ts), which rewrites the bytes.
 */
export async function copyObject(ctx: EngineContext, input: CopyObjectInput): Promise<CopyObjectResult> {
  validateKey(input.key);
  const sourceBucket = await requireBucket(ctx, input.source.bucket);
  const bucket = input.bucket === input.source.bucket ? sourceBucket : await requireBucket(ctx, input.bucket);
  const source = await findCopySource(ctx, sourceBucket, input.source);
  checkPreconditions(input.sourceConditions, source, 'copy');
  await requireReadable(ctx, source);
  const sourceRoot = await unsealingRoot(ctx, source.sse, input.sourceCustomerKey, { what: 'source' });
  const storageClass = normalizeStorageClass(input.attributes.storageClass);
  const replace = input.metadataDirective === 'REPLACE';
  const sameObject =
    sourceBucket.id === bucket.id &&
    input.source.key === input.key &&
    (input.source.versionId === undefined || source.isLatest);
  const changesClass = input.attributes.storageClass !== undefined && storageClass !== source.storageClass;
  // Asking for encryption is a change too: S3 encrypts an existing object by copying it onto itself.
  if (sameObject && !replace && !changesClass && input.attributes.sse === undefined) {
    throw new S3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const userMeta = replace ? input.attributes.userMeta : source.userMeta;
  validateUserMeta(userMeta);
  // With COPY (the default) the request's tagging header is ignored, as S3 ignores it.
  const tagging = input.taggingDirective === 'REPLACE' ? taggingFromHeader(input.attributes.tagging) : source.tagging;
  const sealing = await writeEncryption(ctx, bucket, input.attributes.sse);
  // The copy's lock comes from the request or the destination's default, never from the source.
  const lock = await lockForWrite(ctx, bucket, input.attributes.lock);
  // Zero-copy unless the copy changes the encryption of the bytes: then they are rewritten once.
  const blob = manifestMatches(source.manifest, sourceRoot, sealing?.root)
    ? undefined
    : await rewriteManifest(ctx, source.manifest, sourceRoot, sealing?.root, ctx.limits.maxPutSizeBytes);
  noteAccess(ctx, source);
  const events = await eventRecorder(ctx, bucket, sourceOf(input.actor), { created: 'Copy' });
  try {
    const { version } = await ctx.meta.commitObject({
      ...(events ? { events } : {}),
      bucketId: bucket.id,
      key: input.key,
      newBlobs: blob ? blob.newBlobs : [],
      version: {
        isDeleteMarker: false,
        size: source.size,
        ...(blob
          ? // Rewritten bytes make a single-part object: a plain MD5 ETag and CRC-64, no part sizes; the
            // checksums of the source still hold unless they were composed from parts.
            {
              etag: blob.md5Hex,
              crc64: blob.crc64.toString(),
              checksums: source.partSizes === undefined ? source.checksums : {},
              manifest: blob.manifest,
            }
          : {
              etag: source.etag,
              ...(source.crc64 !== undefined ? { crc64: source.crc64 } : {}),
              checksums: source.checksums,
              manifest: source.manifest,
              // The same bytes and the same ETag (md5-of-md5s-N): the same parts.
              ...(source.partSizes !== undefined ? { partSizes: source.partSizes } : {}),
              ...(source.partChecksums !== undefined ? { partChecksums: source.partChecksums } : {}),
            }),
        ...(sealing !== undefined ? { sse: sealing.sse } : {}),
        ...(lock !== undefined ? { lock } : {}),
        lastModifiedMs: ctx.clock.nowMs(),
        storageClass,
        objectType: 'normal',
        ownerId: input.actor.ownerId,
        contentHeaders: replace ? input.attributes.contentHeaders : source.contentHeaders,
        userMeta,
        ...(tagging !== undefined ? { tagging } : {}),
        ...(input.attributes.acl !== undefined ? { acl: input.attributes.acl } : {}),
      },
    });
    return { source, version, versioned: bucket.versioning !== '' };
  } catch (err) {
    await blob?.discard();
    if (err instanceof StoreError && err.reason === 'not-found') {
      throw new S3Error('NoSuchKey', 'The copy source was deleted while it was being copied.');
    }
    throw err;
  }
}
