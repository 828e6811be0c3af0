import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { crc64Combine } from '@coffer/native';
import { S3Error } from '@coffer/protocol';
import type { ObjectVersion } from '../stores/types.js';
import type { Actor } from './buckets.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import { writeEncryption } from './encryption.js';
import { normalizeStorageClass, validateKey, validateUserMeta } from './names.js';
import { eventRecorder, sourceOf } from './notifications/record.js';
import type { ObjectAttributes } from './objects.js';
import { unsealingRoot } from './sse.js';
import { taggingFromHeader } from './tagging.js';
import { type BodyExpectations, writeBlob } from './write-blob.js';

export interface AppendObjectInput extends ObjectAttributes {
  bucket: string;
  key: string;
  actor: Actor;
  /** Where the bytes go: must equal the object's current length (0 creates it). */
  position: number;
  body: Readable;
  expect: Omit<BodyExpectations, 'maxSize'>;
  signal?: AbortSignal;
}

/**
 * The ETag of an appendable object: MD5 over the previous ETag's digest and the new segment's MD5,
 * with `-<appends>` like a multipart ETag, so no client mistakes it for the MD5 of the bytes (which
 * would need the whole object re-read on every append).
 */
function appendedEtag(previous: ObjectVersion | undefined, segmentMd5Hex: string): string {
  if (!previous) return `${createHash('md5').update(Buffer.from(segmentMd5Hex, 'hex')).digest('hex')}-1`;
  const [digest, count] = previous.etag.split('-');
  return `${createHash('md5')
    .update(Buffer.from(digest!, 'hex'))
    .update(Buffer.from(segmentMd5Hex, 'hex'))
    .digest('hex')}-${Number(count ?? 1) + 1}`;
}

/** What makes `current` unfit for an append at `position`; throws the COS error. */
function checkAppendable(current: ObjectVersion | undefined, position: number): void {
  const exists = current !== undefined && !current.isDeleteMarker;
  if (exists && current.objectType !== 'appendable') {
    throw new S3Error('ObjectNotAppendable', 'The object is not appendable: it was not created by APPEND Object.');
  }
  const length = exists ? current.size : 0;
  if (position !== length) {
    throw new S3Error(
      'PositionNotEqualToLength',
      `The position (${position}) is not the object's current length (${length}).`,
      { headers: { 'x-cos-next-append-position': String(length) } },
    );
  }
}

/**
 * APPEND Object (COS): POST ?append&position=N writes the body after the object's last byte. The first
 * append (position 0 on an absent key) creates an appendable object with the request's headers; later
 * appends keep them. Zero-copy: the new version's manifest is the old one plus the new blob, its
 * CRC-64 is combined, not recomputed. The commit checks, inside its transaction, that the object is
 * still the version the append was planned on, so of two appends racing at one position exactly one
 * wins and the other is 409 PositionNotEqualToLength. Appendable objects are not versioned (COS), so
 * a bucket whose versioning was ever enabled refuses appends. Every encryption mode works: segments
 * are sealed under the root of the object's first append (sse.ts), so a read unseals them as one.
 * https://cloud.tencent.com/document/product/436/7741
 */
export async function appendObject(
  ctx: EngineContext,
  input: AppendObjectInput,
): Promise<{ version: ObjectVersion; segmentCrc64: bigint }> {
  validateKey(input.key);
  validateUserMeta(input.userMeta);
  const tagging = taggingFromHeader(input.tagging);
  const bucket = await requireBucket(ctx, input.bucket);
  // While versioning is Suspended a write replaces the 'null' version, which an append can extend.
  if (bucket.versioning === 'Enabled') {
    throw new S3Error(
      'InvalidBucketState',
      'APPEND Object is not supported in a bucket whose versioning is enabled: appendable objects are not versioned.',
    );
  }
  const current = await ctx.meta.getObject(bucket.id, input.key);
  checkAppendable(current, input.position);
  const base = current && !current.isDeleteMarker ? current : undefined;
  const storageClass = base ? base.storageClass : normalizeStorageClass(input.storageClass);
  if (storageClass === 'INTELLIGENT_TIERING') {
    throw new S3Error('InvalidArgument', 'APPEND Object does not support the INTELLIGENT_TIERING storage class.');
  }
  // The first append decides the object's encryption (the request's, else the bucket's default);
  // later appends keep it and seal their segment under the same root: for KMS the same key version
  // and context (a disabled key refuses the append, as it refuses a read), for SSE-C the key each
  // append must bring again (checked against the object's, 403 for another).
  let sse: ObjectVersion['sse'];
  let root: Buffer | undefined;
  if (base) {
    sse = base.sse;
    root = await unsealingRoot(ctx, base.sse, input.sse?.kind === 'customer' ? input.sse.key : undefined);
  } else {
    const sealing = await writeEncryption(ctx, bucket, input.sse);
    sse = sealing?.sse;
    root = sealing?.root;
  }
  const room = ctx.limits.maxPutSizeBytes - input.position;
  const blob = await writeBlob(ctx, input.body, { ...input.expect, maxSize: Math.max(room, 0) }, input.signal, {
    seal: root,
  });
  try {
    const size = input.position + blob.size;
    const crc64 =
      base === undefined
        ? blob.crc64
        : base.crc64 === undefined
          ? undefined
          : crc64Combine(BigInt(base.crc64), blob.crc64, blob.size);
    const events = await eventRecorder(ctx, bucket, sourceOf(input.actor), { created: 'Append' });
    const { version } = await ctx.meta.commitObject({
      ...(events ? { events } : {}),
      bucketId: bucket.id,
      key: input.key,
      newBlobs: blob.newBlobs,
      // The object must still be the version this append was planned on.
      precondition: (now) => {
        const same = base === undefined ? now === undefined || now.isDeleteMarker : now?.seq === base.seq;
        if (!same) checkAppendable(now, input.position);
        if (!same) throw new S3Error('PositionNotEqualToLength', 'The object changed while the append was in flight.');
      },
      version: {
        isDeleteMarker: false,
        size,
        etag: appendedEtag(base, blob.md5Hex),
        ...(crc64 !== undefined ? { crc64: crc64.toString() } : {}),
        lastModifiedMs: ctx.clock.nowMs(),
        storageClass,
        objectType: 'appendable',
        ownerId: base ? base.ownerId : input.actor.ownerId,
        contentHeaders: base ? base.contentHeaders : input.contentHeaders,
        userMeta: base ? base.userMeta : input.userMeta,
        // Additional checksums cover the whole object; they are not derived across appends.
        checksums: {},
        ...(base
          ? base.tagging !== undefined
            ? { tagging: base.tagging }
            : {}
          : tagging !== undefined
            ? { tagging }
            : {}),
        ...(base
          ? base.acl !== undefined
            ? { acl: base.acl }
            : {}
          : input.acl !== undefined
            ? { acl: input.acl }
            : {}),
        manifest: [...(base ? base.manifest : []), ...blob.manifest],
        ...(sse !== undefined ? { sse } : {}),
      },
    });
    return { version, segmentCrc64: blob.crc64 };
  } catch (err) {
    await blob.discard();
    throw err;
  }
}
