import type { Readable, Writable } from 'node:stream';
import { S3Error } from '@coffer/protocol';
import {
  type BucketRecord,
  type CommitObjectInput,
  type DeleteObjectInput,
  type ObjectVersion,
  StoreError,
} from '../stores/types.js';
import { requireReadable } from './archive.js';
import type { Actor } from './buckets.js';
import { requireBucket } from './buckets.js';
import { checkPreconditions, etagListMatches, type Preconditions } from './conditions.js';
import type { EngineContext } from './context.js';
import { writeEncryption } from './encryption.js';
import { findObject } from './find-object.js';
import { noteAccess } from './intelligent-tiering.js';
import { normalizeStorageClass, validateKey, validateUserMeta } from './names.js';
import { type CreatedBy, eventRecorder, sourceOf } from './notifications/record.js';
import { lockedError, lockForWrite, type RequestedLock } from './object-lock.js';
import { openManifestStream, readManifestRange, sendManifestRange } from './read-stream.js';
import { type SseRequest, unsealingRoot } from './sse.js';
import { taggingFromHeader } from './tagging.js';
import { type BodyExpectations, writeBlob } from './write-blob.js';

/** The object fields a writer chooses (PUT, copy with REPLACE, multipart initiate). */
export interface ObjectAttributes {
  /** content-type, cache-control, content-disposition, content-encoding, content-language, expires. */
  contentHeaders: Record<string, string>;
  userMeta: Record<string, string>;
  storageClass?: string;
  /** The x-amz-tagging / x-cos-tagging header as sent: the engine validates it and stores it normalised. */
  tagging?: string;
  acl?: string;
  /** x-cos-/x-amz-server-side-encryption (AES256, KMS) or SSE-C: how to seal the bytes (else the bucket's default encryption decides). */
  sse?: SseRequest;
  /** x-amz-object-lock-*: retention and legal hold of the new version (else the bucket's default retention). */
  lock?: RequestedLock;
}

export interface PutObjectInput extends ObjectAttributes {
  bucket: string;
  key: string;
  actor: Actor;
  body: Readable;
  expect: Omit<BodyExpectations, 'maxSize'>;
  /** Conditional write: If-None-Match: * fails when the key exists; If-Match requires that ETag. */
  ifNoneMatch?: string;
  ifMatch?: string;
  /** COS x-cos-forbid-overwrite: true — refuse to replace an existing object. */
  forbidOverwrite?: boolean;
  signal?: AbortSignal;
  /** The notification event name: ObjectCreated:Put unless the object came by POST (a form upload). */
  createdBy?: CreatedBy;
}

export interface PutObjectResult {
  version: ObjectVersion;
  /** Whether the bucket has (or had) versioning, so version ids are worth reporting. */
  versioned: boolean;
}

/**
 * PUT Object: stream, hash, commit. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
 * Everything that can be validated is validated before the first byte is read, so a rejected
 * request changes nothing.
 */
export async function putObject(ctx: EngineContext, input: PutObjectInput): Promise<PutObjectResult> {
  validateKey(input.key);
  validateUserMeta(input.userMeta);
  const storageClass = normalizeStorageClass(input.storageClass);
  const tagging = taggingFromHeader(input.tagging);
  const bucket = await requireBucket(ctx, input.bucket);
  const sealing = await writeEncryption(ctx, bucket, input.sse);
  const lock = await lockForWrite(ctx, bucket, input.lock);
  const events = await eventRecorder(ctx, bucket, sourceOf(input.actor), { created: input.createdBy ?? 'Put' });
  const blob = await writeBlob(
    ctx,
    input.body,
    { ...input.expect, maxSize: ctx.limits.maxPutSizeBytes },
    input.signal,
    { seal: sealing?.root },
  );
  try {
    // Built member by member (every PUT): each `...(x ? { x } : {})` allocates and copies an object.
    const version: CommitObjectInput['version'] = {
      isDeleteMarker: false,
      size: blob.size,
      etag: blob.md5Hex,
      crc64: blob.crc64.toString(),
      lastModifiedMs: ctx.clock.nowMs(),
      storageClass,
      objectType: 'normal',
      ownerId: input.actor.ownerId,
      contentHeaders: input.contentHeaders,
      userMeta: input.userMeta,
      checksums: blob.checksums,
      manifest: blob.manifest,
    };
    if (tagging !== undefined) version.tagging = tagging;
    if (input.acl !== undefined) version.acl = input.acl;
    if (sealing !== undefined) version.sse = sealing.sse;
    if (lock !== undefined) version.lock = lock;
    const commit: CommitObjectInput = {
      bucketId: bucket.id,
      key: input.key,
      newBlobs: blob.newBlobs,
      version,
    };
    // Only when there is something to judge: a PUT without one needs no read of the previous version
    // (on PostgreSQL, such PUTs commit in one statement: stores/pg/objects.ts).
    if (input.forbidOverwrite || input.ifNoneMatch !== undefined || input.ifMatch !== undefined) {
      commit.precondition = (current) => checkWritePreconditions(input, current);
    }
    if (events) commit.events = events;
    const { version: committed } = await ctx.meta.commitObject(commit);
    return { version: committed, versioned: bucket.versioning !== '' };
  } catch (err) {
    await blob.discard();
    throw err;
  }
}

export function checkWritePreconditions(
  input: Pick<PutObjectInput, 'ifNoneMatch' | 'ifMatch' | 'forbidOverwrite'>,
  current: ObjectVersion | undefined,
): void {
  const exists = current !== undefined && !current.isDeleteMarker;
  if (input.forbidOverwrite && exists) {
    throw new S3Error('PreconditionFailed', 'The object already exists and x-cos-forbid-overwrite is true.');
  }
  if (input.ifNoneMatch !== undefined && exists && etagListMatches(input.ifNoneMatch, current.etag)) {
    throw new S3Error('PreconditionFailed');
  }
  if (input.ifMatch !== undefined && (!exists || !etagListMatches(input.ifMatch, current.etag))) {
    throw new S3Error(exists ? 'PreconditionFailed' : 'NoSuchKey');
  }
}

/** A Range header after parsing: `bytes=a-b`, `bytes=a-`, or `bytes=-n` (suffix). */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export interface GetObjectInput {
  bucket: string;
  key: string;
  versionId?: string;
  conditions?: Preconditions;
  range?: ByteRange;
  /**
   * GET/HEAD ?partNumber: serve that part of a multipart object; an object written in one piece is
   * its own part 1. Not with `range`.
   */
  partNumber?: number;
  /** HEAD: same checks, no body. */
  headOnly?: boolean;
  /** The SSE-C key the request sent (its MD5 already checked): required for, and only for, SSE-C objects. */
  customerKey?: Buffer;
}

export interface GetObjectResult {
  bucket: BucketRecord;
  version: ObjectVersion;
  /** The inclusive byte range served, when the request had a satisfiable Range or named a non-empty part. */
  range?: { start: number; end: number };
  /** Bytes the body holds: the range's, or the whole object's. */
  length: number;
  /** With `partNumber`, on a multipart object: how many parts it has (x-amz-mp-parts-count). */
  partsCount?: number;
  /** Opens the body (not for HEAD). The blobs stay pinned against GC until the stream closes. */
  openBody(): Readable;
  /** Reads the body into memory: for small bodies only. */
  readBody(): Promise<Buffer>;
  /** Writes the body to `out` without allocating per chunk (resolves when the last write completed). */
  sendBody(out: Writable): Promise<void>;
}

/** GET/HEAD Object. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html */
export async function getObject(ctx: EngineContext, input: GetObjectInput): Promise<GetObjectResult> {
  if (input.partNumber !== undefined && input.range !== undefined) {
    throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  }
  const bucket = await requireBucket(ctx, input.bucket);
  const version = await findObject(ctx, bucket, input.key, input.versionId);
  if (input.conditions) checkPreconditions(input.conditions, version, 'read');
  if (!input.headOnly) await requireReadable(ctx, version);
  const root = await unsealingRoot(ctx, version.sse, input.customerKey, { metadataOnly: input.headOnly === true });
  if (!input.headOnly) noteAccess(ctx, version);
  const part = input.partNumber !== undefined ? partRange(version, input.partNumber) : undefined;
  let range: { start: number; end: number } | undefined;
  // An empty part is an empty body, not a range (no Content-Range can describe it).
  if (part) range = part.end >= part.start ? part : undefined;
  else if (input.range) range = resolveRange(input.range, version.size);
  const start = part?.start ?? range?.start ?? 0;
  const end = part?.end ?? range?.end ?? version.size - 1;
  const result: GetObjectResult = {
    bucket,
    version,
    length: end - start + 1,
    openBody: () => openManifestStream(ctx, version.manifest, start, end, root),
    readBody: () => readManifestRange(ctx, version.manifest, start, end, root),
    sendBody: (out) => sendManifestRange(ctx, version.manifest, start, end, out, root),
  };
  if (range) result.range = { start: range.start, end: range.end };
  if (part?.count !== undefined) result.partsCount = part.count;
  return result;
}

/**
 * The bytes of part `partNumber` (1-based, in the order the parts were completed) and, for a
 * multipart object, its part count. An object written in one piece has one part: all of it. A
 * multipart object completed before part sizes were recorded cannot be split: 501.
 */
function partRange(version: ObjectVersion, partNumber: number): { start: number; end: number; count?: number } {
  const multipart = version.partSizes !== undefined;
  if (!multipart && version.etag.includes('-')) {
    throw new S3Error(
      'NotImplemented',
      'This multipart object was completed before Coffer recorded part sizes: it cannot be read by part number.',
    );
  }
  const sizes = version.partSizes ?? [version.size];
  if (partNumber > sizes.length) {
    // 400 InvalidPart, as S3 conformance suites (Ceph's s3-tests test_multipart_get_part,
    // test_non_multipart_get_part) expect; AWS itself has been seen to answer 416 InvalidPartNumber.
    throw new S3Error('InvalidPart', 'The requested partnumber is not satisfiable', {
      details: { PartNumberRequested: partNumber, ActualPartCount: sizes.length },
    });
  }
  let start = 0;
  for (let i = 0; i < partNumber - 1; i++) start += sizes[i]!;
  return { start, end: start + sizes[partNumber - 1]! - 1, ...(multipart ? { count: sizes.length } : {}) };
}

/** Maps a Range onto an object of `size` bytes; unsatisfiable → 416 InvalidRange (with Content-Range: bytes *\/size). */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  const unsatisfiable = () =>
    new S3Error('InvalidRange', 'The requested range is not satisfiable', {
      details: {
        RangeRequested: 'suffix' in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end ?? ''}`,
        ActualObjectSize: size,
      },
      headers: { 'content-range': `bytes */${size}` },
    });
  if ('suffix' in range) {
    if (range.suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  if (range.start >= size) throw unsatisfiable();
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/** DELETE Object. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html */
export async function deleteObject(
  ctx: EngineContext,
  input: { bucket: string; key: string; versionId?: string; actor: Actor; bypassGovernance?: boolean },
): Promise<{ versionId?: string; deleteMarker: boolean; versioned: boolean }> {
  const bucket = await requireBucket(ctx, input.bucket);
  validateKey(input.key);
  const events = await eventRecorder(ctx, bucket, sourceOf(input.actor), {});
  const result = await deleteUnlessLocked(ctx, {
    ...(events ? { events } : {}),
    bucketId: bucket.id,
    key: input.key,
    ...(input.versionId !== undefined ? { versionId: input.versionId } : {}),
    nowMs: ctx.clock.nowMs(),
    ownerId: input.actor.ownerId,
    ...(input.bypassGovernance ? { bypassGovernance: true } : {}),
  });
  return {
    ...(result.versionId !== undefined ? { versionId: result.versionId } : {}),
    deleteMarker: result.deleteMarker,
    versioned: bucket.versioning !== '',
  };
}

/** The store's delete, with a version an object lock protects reported as 403 AccessDenied. */
async function deleteUnlessLocked(ctx: EngineContext, input: DeleteObjectInput) {
  try {
    return await ctx.meta.deleteObject(input);
  } catch (err) {
    if (err instanceof StoreError && err.reason === 'locked') throw lockedError();
    throw err;
  }
}

export type DeleteObjectsResult =
  | { key: string; requestedVersionId?: string; versionId?: string; deleteMarker: boolean }
  | { key: string; versionId?: string; error: S3Error };

/**
 * DeleteObjects: every key is deleted on its own (one key's failure is reported for that key
 * alone), and all of them are issued at once so the store commits them in one group.
 */
export async function deleteObjects(
  ctx: EngineContext,
  bucketName: string,
  items: { key: string; versionId?: string }[],
  actor: Actor,
  bypassGovernance = false,
): Promise<DeleteObjectsResult[]> {
  const bucket = await requireBucket(ctx, bucketName);
  const nowMs = ctx.clock.nowMs();
  const events = await eventRecorder(ctx, bucket, sourceOf(actor), {});
  return Promise.all(
    items.map(async ({ key, versionId }): Promise<DeleteObjectsResult> => {
      try {
        validateKey(key);
        const r = await deleteUnlessLocked(ctx, {
          ...(events ? { events } : {}),
          bucketId: bucket.id,
          key,
          ...(versionId !== undefined ? { versionId } : {}),
          nowMs,
          ownerId: actor.ownerId,
          ...(bypassGovernance ? { bypassGovernance: true } : {}),
        });
        return {
          key,
          ...(versionId !== undefined ? { requestedVersionId: versionId } : {}),
          ...(r.versionId !== undefined && bucket.versioning !== '' ? { versionId: r.versionId } : {}),
          deleteMarker: r.deleteMarker,
        };
      } catch (err) {
        const error = err instanceof S3Error ? err : new S3Error('InternalError', undefined, { cause: err });
        if (!(err instanceof S3Error)) ctx.log.warn({ err, key }, 'delete failed');
        return { key, ...(versionId !== undefined ? { versionId } : {}), error };
      }
    }),
  );
}
