import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { crc32, crc32c, crc64Combine } from '@coffer/native';
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumBase64,
  crc32Combine,
  crc32cCombine,
  crc64nvmeCombine,
  S3Error,
} from '@coffer/protocol';
import {
  type ChecksumType,
  type ListUploadsQuery,
  type ManifestEntry,
  type NewBlob,
  type NewObjectVersion,
  type ObjectLock,
  type ObjectVersion,
  type PartRecord,
  type Sse,
  StoreError,
  type UploadRecord,
} from '../stores/types.js';
import { requireReadable } from './archive.js';
import type { Actor } from './buckets.js';
import { requireBucket } from './buckets.js';
import { checkPreconditions, type Preconditions } from './conditions.js';
import type { EngineContext } from './context.js';
import { rewriteManifest, writeEncryption } from './encryption.js';
import { findObject } from './find-object.js';
import { hashManifestRange } from './hash-range.js';
import { noteAccess } from './intelligent-tiering.js';
import { normalizeStorageClass, validateKey, validateUserMeta } from './names.js';
import { type EventSource, eventRecorder } from './notifications/record.js';
import { asksForLock, bucketLockConfiguration, lockForWrite, resolveLock } from './object-lock.js';
import { type ByteRange, checkWritePreconditions, type ObjectAttributes } from './objects.js';
import { manifestMatches, unsealingRoot } from './sse.js';
import { taggingFromHeader } from './tagging.js';
import { type BodyExpectations, type WrittenBlob, writeBlob } from './write-blob.js';

/**
 * The checksum type an upload asks for, checked against its algorithm as S3 does: FULL_OBJECT for
 * the CRCs only (they combine), COMPOSITE for all but CRC64NVME (which is full-object only).
 */
function parseChecksumType(
  value: string | undefined,
  algorithm: ChecksumAlgorithm | undefined,
): ChecksumType | undefined {
  if (value === undefined) return undefined;
  const type = value.toUpperCase();
  if (type !== 'COMPOSITE' && type !== 'FULL_OBJECT') {
    throw new S3Error('InvalidRequest', `Value for x-amz-checksum-type header is invalid: ${value}.`);
  }
  if (algorithm === undefined) {
    throw new S3Error('InvalidRequest', 'x-amz-checksum-type needs an x-amz-checksum-algorithm.');
  }
  const full = algorithm === 'CRC32' || algorithm === 'CRC32C' || algorithm === 'CRC64NVME';
  if ((type === 'FULL_OBJECT' && !full) || (type === 'COMPOSITE' && algorithm === 'CRC64NVME')) {
    throw new S3Error('InvalidRequest', `The ${type} checksum type cannot be used with the ${algorithm} algorithm.`);
  }
  return type;
}

/** The checksum type of an upload: what it asked for, else its algorithm's default. */
export function uploadChecksumType(upload: UploadRecord): ChecksumType | undefined {
  if (upload.checksumAlgorithm === undefined) return undefined;
  return upload.checksumType ?? (upload.checksumAlgorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
}

/** The type of a stored object-level checksum: composite values end in `-<part count>`. */
export function checksumTypeOf(value: string): ChecksumType {
  return /-\d+$/.test(value) ? 'COMPOSITE' : 'FULL_OBJECT';
}

/** Smallest part other than the last (COS: 1 MB). */
export const MIN_PART_SIZE_BYTES = 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;
/** Largest part (COS and S3: 5 GB). */
export const MAX_PART_SIZE_BYTES = 5 * 1024 ** 3;

const NO_SUCH_UPLOAD =
  'The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.';

let lastUploadStamp = 0n;

/**
 * Upload ids sort in initiation order (a hex time stamp, strictly increasing within the process,
 * then randomness), so ListMultipartUploads can continue after an upload-id-marker whose upload has
 * been aborted or completed meanwhile: the next uploads of that key are those with greater ids.
 */
function newUploadId(): string {
  const now = BigInt(Date.now()) * 4096n;
  lastUploadStamp = now > lastUploadStamp ? now : lastUploadStamp + 1n;
  return `${lastUploadStamp.toString(16).padStart(14, '0')}${randomBytes(16).toString('base64url')}`;
}

/** The upload an UploadId names, if it belongs to this bucket and key; NoSuchUpload otherwise. */
async function requireUpload(
  ctx: EngineContext,
  bucketName: string,
  key: string,
  uploadId: string,
): Promise<UploadRecord> {
  const bucket = await requireBucket(ctx, bucketName);
  const upload = await ctx.meta.getUpload(uploadId);
  if (!upload || upload.bucketId !== bucket.id || upload.key !== key) throw new S3Error('NoSuchUpload', NO_SUCH_UPLOAD);
  return upload;
}

function validatePartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, {
      details: { ArgumentName: 'partNumber', ArgumentValue: String(partNumber) },
    });
  }
}

/** CreateMultipartUpload (Initiate). https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html */
export async function createMultipartUpload(
  ctx: EngineContext,
  input: {
    bucket: string;
    key: string;
    actor: Actor;
    attributes: ObjectAttributes;
    checksumAlgorithm?: string;
    /** x-amz-checksum-type: COMPOSITE or FULL_OBJECT (with an algorithm that allows it). */
    checksumType?: string;
  },
): Promise<UploadRecord> {
  validateKey(input.key);
  validateUserMeta(input.attributes.userMeta);
  const storageClass = normalizeStorageClass(input.attributes.storageClass);
  const tagging = taggingFromHeader(input.attributes.tagging);
  let checksumAlgorithm: ChecksumAlgorithm | undefined;
  if (input.checksumAlgorithm !== undefined) {
    checksumAlgorithm = input.checksumAlgorithm.toUpperCase() as ChecksumAlgorithm;
    if (!CHECKSUM_ALGORITHMS.includes(checksumAlgorithm)) {
      throw new S3Error('InvalidRequest', `Checksum algorithm ${input.checksumAlgorithm} is not supported.`);
    }
  }
  const checksumType = parseChecksumType(input.checksumType, checksumAlgorithm);
  const bucket = await requireBucket(ctx, input.bucket);
  const sealing = await writeEncryption(ctx, bucket, input.attributes.sse);
  // Validated now (a bucket without object lock refuses it); the default retention is applied at Complete.
  const requestedLock = input.attributes.lock;
  await lockForWrite(ctx, bucket, requestedLock);
  const upload: UploadRecord = {
    uploadId: newUploadId(),
    bucketId: bucket.id,
    key: input.key,
    initiatedMs: ctx.clock.nowMs(),
    ownerId: input.actor.ownerId,
    storageClass,
    contentHeaders: input.attributes.contentHeaders,
    userMeta: input.attributes.userMeta,
    ...(tagging !== undefined ? { tagging } : {}),
    ...(input.attributes.acl !== undefined ? { acl: input.attributes.acl } : {}),
    ...(checksumAlgorithm !== undefined ? { checksumAlgorithm } : {}),
    ...(checksumType !== undefined ? { checksumType } : {}),
    ...(sealing !== undefined ? { sse: sealing.sse } : {}),
    ...(asksForLock(requestedLock) ? { lock: requestedLock } : {}),
  };
  await ctx.meta.createUpload(upload);
  return upload;
}

/**
 * Runs a part write under the upload's in-flight registry, so AbortMultipartUpload can stop a part
 * that is still streaming: that UploadPart then fails with NoSuchUpload and leaves nothing behind.
 */
async function withUploadAbort<T>(
  ctx: EngineContext,
  uploadId: string,
  signal: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const local = new AbortController();
  let inFlight = ctx.uploadsInFlight.get(uploadId);
  if (!inFlight) ctx.uploadsInFlight.set(uploadId, (inFlight = new Set()));
  inFlight.add(local);
  try {
    return await work(signal ? AbortSignal.any([signal, local.signal]) : local.signal);
  } catch (err) {
    if (local.signal.aborted) throw new S3Error('NoSuchUpload', NO_SUCH_UPLOAD, { cause: err });
    throw err;
  } finally {
    inFlight.delete(local);
    if (inFlight.size === 0) ctx.uploadsInFlight.delete(uploadId);
  }
}

async function commitPart(ctx: EngineContext, uploadId: string, part: PartRecord, newBlobs: NewBlob[]) {
  try {
    await ctx.meta.putPart({ uploadId, part, newBlobs });
  } catch (err) {
    if (err instanceof StoreError && err.reason === 'not-found') {
      // Either the upload was aborted or completed meanwhile, or a copied source blob vanished.
      const upload = await ctx.meta.getUpload(uploadId);
      if (!upload) throw new S3Error('NoSuchUpload', NO_SUCH_UPLOAD);
      throw new S3Error('NoSuchKey', 'The copy source was deleted while it was being copied.');
    }
    throw err;
  }
}

/** UploadPart. https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html */
export async function uploadPart(
  ctx: EngineContext,
  input: {
    bucket: string;
    key: string;
    uploadId: string;
    partNumber: number;
    body: Readable;
    expect: Omit<BodyExpectations, 'maxSize'>;
    /** The SSE-C key the part was sent with: the upload's, when it was initiated with one. */
    customerKey?: Buffer;
    signal?: AbortSignal;
  },
): Promise<{ part: PartRecord; sse?: Sse }> {
  validatePartNumber(input.partNumber);
  // A part is dated when its send began: of two sends of one part number, the later one wins, even
  // when the earlier finishes last (the store keeps the part with the later date).
  const startedMs = ctx.clock.nowMs();
  const upload = await requireUpload(ctx, input.bucket, input.key, input.uploadId);
  const root = await unsealingRoot(ctx, upload.sse, input.customerKey, { what: 'upload' });
  const checksums = [...(input.expect.checksums ?? [])];
  const algorithm = upload.checksumAlgorithm as ChecksumAlgorithm | undefined;
  if (algorithm && !checksums.some((c) => c.algorithm === algorithm)) checksums.push({ algorithm });
  return withUploadAbort(ctx, input.uploadId, input.signal, async (signal) => {
    const blob = await writeBlob(
      ctx,
      input.body,
      { ...input.expect, checksums, maxSize: MAX_PART_SIZE_BYTES },
      signal,
      { seal: root },
    );
    const part = await commitWrittenPart(ctx, input.uploadId, input.partNumber, blob, signal, startedMs);
    return { part, ...(upload.sse !== undefined ? { sse: upload.sse } : {}) };
  });
}

/** Commits a part whose bytes were written to a new blob; the blob is discarded if that fails. */
async function commitWrittenPart(
  ctx: EngineContext,
  uploadId: string,
  partNumber: number,
  blob: WrittenBlob,
  signal: AbortSignal,
  startedMs: number,
): Promise<PartRecord> {
  const part: PartRecord = {
    partNumber,
    size: blob.size,
    etag: blob.md5Hex,
    crc64: blob.crc64.toString(),
    checksums: blob.checksums,
    lastModifiedMs: startedMs,
    manifest: blob.manifest,
  };
  try {
    if (signal.aborted) throw new S3Error('NoSuchUpload', NO_SUCH_UPLOAD);
    await commitPart(ctx, uploadId, part, blob.newBlobs);
  } catch (err) {
    await blob.discard();
    throw err;
  }
  return part;
}

/** The slice of a manifest covering bytes [start, end] of an object. */
export function sliceManifest(manifest: ManifestEntry[], start: number, end: number): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  let offset = 0;
  for (const entry of manifest) {
    const entryEnd = offset + entry.length - 1;
    if (entryEnd >= start && offset <= end) {
      const from = Math.max(start, offset) - offset;
      const to = Math.min(end, entryEnd) - offset;
      out.push({ ...entry, offset: entry.offset + from, length: to - from + 1 });
    }
    offset += entry.length;
  }
  return out;
}

/**
 * The bytes an x-cos-copy-source-range names. Unlike a GET Range, whose end is clamped to the object,
 * a copy range must lie inside the source, or the part would be shorter than the client asked for. A
 * range outside it is InvalidRange, as S3 conformance suites expect (Ceph's s3-tests
 * test_multipart_copy_invalid_range); the message keeps the words AWS uses.
 */
function copyRange(range: ByteRange, sourceSize: number): { start: number; end: number } {
  if ('suffix' in range || range.end === undefined || range.start > range.end) {
    throw new S3Error('InvalidArgument', `Range specified is not valid for source object of size: ${sourceSize}`, {
      details: {
        ArgumentName: 'x-amz-copy-source-range',
        ArgumentValue: 'suffix' in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end ?? ''}`,
      },
    });
  }
  if (range.end >= sourceSize) {
    throw new S3Error('InvalidRange', `Range specified is not valid for source object of size: ${sourceSize}`, {
      details: { RangeRequested: `bytes=${range.start}-${range.end}`, ActualObjectSize: sourceSize },
    });
  }
  return { start: range.start, end: range.end };
}

/**
 * UploadPartCopy. https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
 * Zero-copy like CopyObject: the part references the source's blobs; the range is read once to
 * compute the part's MD5 (its ETag) and CRC-64, nothing is written.
 */
export async function uploadPartCopy(
  ctx: EngineContext,
  input: {
    bucket: string;
    key: string;
    uploadId: string;
    partNumber: number;
    source: { bucket: string; key: string; versionId?: string };
    sourceConditions: Preconditions;
    range?: ByteRange;
    /** SSE-C keys: the upload's (the part's destination) and the source's. */
    customerKey?: Buffer;
    sourceCustomerKey?: Buffer;
    signal?: AbortSignal;
  },
) {
  validatePartNumber(input.partNumber);
  const startedMs = ctx.clock.nowMs();
  const upload = await requireUpload(ctx, input.bucket, input.key, input.uploadId);
  const sourceBucket = await requireBucket(ctx, input.source.bucket);
  const source = await findObject(ctx, sourceBucket, input.source.key, input.source.versionId);
  checkPreconditions(input.sourceConditions, source, 'copy');
  await requireReadable(ctx, source);
  const sourceRoot = await unsealingRoot(ctx, source.sse, input.sourceCustomerKey, { what: 'source' });
  const root = await unsealingRoot(ctx, upload.sse, input.customerKey, { what: 'upload' });
  noteAccess(ctx, source);
  const { start, end } = input.range ? copyRange(input.range, source.size) : { start: 0, end: source.size - 1 };
  if (end - start + 1 > MAX_PART_SIZE_BYTES) {
    throw new S3Error('EntityTooLarge', `A part can be at most ${MAX_PART_SIZE_BYTES} bytes.`);
  }
  return withUploadAbort(ctx, input.uploadId, input.signal, async (signal) => {
    const manifest = source.size === 0 ? [] : sliceManifest(source.manifest, start, end);
    if (!manifestMatches(manifest, sourceRoot, root)) {
      // The upload and the source are sealed differently (or one of them not at all): the range is rewritten.
      const blob = await rewriteManifest(ctx, manifest, sourceRoot, root, MAX_PART_SIZE_BYTES, signal);
      const part = await commitWrittenPart(ctx, input.uploadId, input.partNumber, blob, signal, startedMs);
      return { part, source, sse: upload.sse };
    }
    const hashed = await hashManifestRange(ctx, manifest, sourceRoot, signal);
    const part: PartRecord = {
      partNumber: input.partNumber,
      size: hashed.size,
      etag: hashed.md5Hex,
      crc64: hashed.crc64.toString(),
      checksums: {},
      lastModifiedMs: startedMs,
      manifest,
    };
    await commitPart(ctx, input.uploadId, part, []);
    return { part, source, sse: upload.sse };
  });
}

/** ListParts. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html */
export async function listParts(
  ctx: EngineContext,
  input: { bucket: string; key: string; uploadId: string; partNumberMarker: number; maxParts: number },
) {
  const upload = await requireUpload(ctx, input.bucket, input.key, input.uploadId);
  const page = await ctx.meta.listParts(input.uploadId, input.partNumberMarker, input.maxParts);
  return { upload, page };
}

/** AbortMultipartUpload: frees the parts (their files leave the disk at the next GC) and stops parts in flight. */
export async function abortMultipartUpload(
  ctx: EngineContext,
  input: { bucket: string; key: string; uploadId: string },
) {
  await requireUpload(ctx, input.bucket, input.key, input.uploadId);
  try {
    await ctx.meta.abortUpload(input.uploadId, ctx.clock.nowMs());
  } catch (err) {
    if (err instanceof StoreError && err.reason === 'not-found') throw new S3Error('NoSuchUpload', NO_SUCH_UPLOAD);
    throw err;
  }
  stopPartsInFlight(ctx, input.uploadId);
}

/**
 * Stops the parts of an aborted upload still streaming into this gateway (withUploadAbort): they end
 * NoSuchUpload. Called by AbortMultipartUpload here and, in a cluster, for an abort another gateway
 * announced on the change feed (engine.ts).
 */
export function stopPartsInFlight(ctx: EngineContext, uploadId: string): void {
  for (const controller of ctx.uploadsInFlight.get(uploadId) ?? []) controller.abort();
}

/** ListMultipartUploads. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html */
export async function listMultipartUploads(ctx: EngineContext, bucketName: string, query: ListUploadsQuery) {
  const bucket = await requireBucket(ctx, bucketName);
  return { bucket, page: await ctx.meta.listUploads(bucket.id, query) };
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
  /** ChecksumCRC32 etc. the client lists for the part: verified against what was stored. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/** Normalises an ETag from a Complete body: quotes (and &quot; entities, already decoded) removed. */
function bareEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^"+|"+$/g, '')
    .toLowerCase();
}

const INVALID_PART =
  "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.";

/**
 * The object a Complete makes: the chosen parts' manifests concatenated (no data moves), the ETag
 * `md5(md5s)-N`, the CRC-64 combined from the parts' CRCs, S3 checksums composed from the parts'.
 */
function composeObject(
  upload: UploadRecord,
  parts: Map<number, PartRecord>,
  chosen: CompletedPart[],
  nowMs: number,
  lock: ObjectLock | undefined,
  expected: { algorithm: ChecksumAlgorithm; value: string } | undefined,
): NewObjectVersion {
  const manifest: ManifestEntry[] = [];
  const md5s: Buffer[] = [];
  const partSizes: number[] = [];
  let size = 0;
  let crc64: bigint | undefined = 0n;
  const algorithm = upload.checksumAlgorithm as ChecksumAlgorithm | undefined;
  const partChecksums: string[] = [];
  chosen.forEach((wanted, i) => {
    const part = parts.get(wanted.partNumber);
    if (!part || bareEtag(wanted.etag) !== part.etag) {
      throw new S3Error('InvalidPart', INVALID_PART, {
        details: { PartNumber: wanted.partNumber, ETag: wanted.etag },
      });
    }
    for (const [alg, value] of Object.entries(wanted.checksums)) {
      if (part.checksums[alg] !== undefined && part.checksums[alg] !== value) {
        throw new S3Error('InvalidPart', `The ${alg} checksum of part ${wanted.partNumber} does not match the part's.`);
      }
    }
    if (i < chosen.length - 1 && part.size < MIN_PART_SIZE_BYTES) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
        details: {
          ProposedSize: part.size,
          MinSizeAllowed: MIN_PART_SIZE_BYTES,
          PartNumber: wanted.partNumber,
          ETag: part.etag,
        },
      });
    }
    manifest.push(...part.manifest);
    md5s.push(Buffer.from(part.etag, 'hex'));
    crc64 =
      crc64 === undefined || part.crc64 === undefined
        ? undefined
        : i === 0
          ? BigInt(part.crc64)
          : crc64Combine(crc64, BigInt(part.crc64), part.size);
    size += part.size;
    partSizes.push(part.size);
    if (algorithm && part.checksums[algorithm] !== undefined) partChecksums.push(part.checksums[algorithm]!);
  });
  const etag = `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${chosen.length}`;
  const checksums: Record<string, string> = {};
  if (algorithm && partChecksums.length === chosen.length) {
    checksums[algorithm] = multipartChecksum(
      algorithm,
      uploadChecksumType(upload) ?? 'COMPOSITE',
      chosen.map((c) => parts.get(c.partNumber)!),
      partChecksums,
    );
  }
  // The object-level checksum a Complete may send (x-amz-checksum-<algorithm>) must be the one computed.
  if (expected) {
    if (upload.checksumAlgorithm !== expected.algorithm) {
      throw new S3Error(
        'InvalidRequest',
        `The upload was created with the ${upload.checksumAlgorithm ?? 'null'} checksum algorithm, not ${expected.algorithm}.`,
      );
    }
    if (checksums[expected.algorithm] !== expected.value) {
      throw new S3Error('BadDigest', `The ${expected.algorithm} you specified did not match the calculated checksum.`);
    }
  }
  return {
    isDeleteMarker: false,
    size,
    etag,
    ...(crc64 !== undefined ? { crc64: (crc64 as bigint).toString() } : {}),
    lastModifiedMs: nowMs,
    storageClass: upload.storageClass,
    objectType: 'normal',
    ownerId: upload.ownerId,
    contentHeaders: upload.contentHeaders,
    userMeta: upload.userMeta,
    checksums,
    ...(upload.tagging !== undefined ? { tagging: upload.tagging } : {}),
    ...(upload.acl !== undefined ? { acl: upload.acl } : {}),
    manifest,
    partSizes,
    ...partChecksumsOf(chosen.map((c) => parts.get(c.partNumber)!)),
    ...(upload.sse !== undefined ? { sse: upload.sse } : {}),
    ...(lock !== undefined ? { lock } : {}),
  };
}

/**
 * The object-level S3 checksum of a multipart upload: CRC64NVME is a full-object CRC (combined from
 * the parts'), the others are "composite": the checksum of the parts' checksums, suffixed `-N`.
 */
function multipartChecksum(
  algorithm: ChecksumAlgorithm,
  type: ChecksumType,
  parts: PartRecord[],
  values: string[],
): string {
  if (algorithm === 'CRC64NVME') {
    let crc = 0n;
    parts.forEach((part, i) => {
      const value = Buffer.from(values[i]!, 'base64').readBigUInt64BE();
      crc = i === 0 ? value : crc64nvmeCombine(crc, value, part.size);
    });
    return checksumBase64('CRC64NVME', crc);
  }
  if (type === 'FULL_OBJECT' && (algorithm === 'CRC32' || algorithm === 'CRC32C')) {
    // The CRC of the whole object, combined from the parts' CRCs: no byte is read again.
    const combine = algorithm === 'CRC32' ? crc32Combine : crc32cCombine;
    let crc = 0;
    parts.forEach((part, i) => {
      const value = Buffer.from(values[i]!, 'base64').readUInt32BE();
      crc = i === 0 ? value : combine(crc, value, part.size);
    });
    return checksumBase64(algorithm, crc);
  }
  const joined = Buffer.concat(values.map((v) => Buffer.from(v, 'base64')));
  const digest =
    algorithm === 'CRC32'
      ? checksumBase64('CRC32', crc32(joined))
      : algorithm === 'CRC32C'
        ? checksumBase64('CRC32C', crc32c(joined))
        : createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256')
            .update(joined)
            .digest('base64');
  return `${digest}-${values.length}`;
}

/**
 * CompleteMultipartUpload. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 * One metadata transaction whatever the object's size: its time does not grow with the data. A
 * retried Complete of an upload that already completed returns that completion's result.
 */
export async function completeMultipartUpload(
  ctx: EngineContext,
  input: {
    bucket: string;
    key: string;
    uploadId: string;
    parts: CompletedPart[];
    /** x-amz-checksum-<algorithm> of the whole object, when the client sends one: verified. */
    expectedChecksum?: { algorithm: ChecksumAlgorithm; value: string };
    /** Conditional write, as on PUT: If-None-Match: * fails when the key exists; If-Match needs that ETag. */
    ifNoneMatch?: string;
    ifMatch?: string;
    /** Who completes it, from where (the notification's userIdentity…); the bucket owner when not given. */
    source?: EventSource;
    /** SSE-C headers on Complete are optional (nothing is sealed); when sent they must name the upload's key. */
    customerKey?: Buffer;
  },
) {
  const bucket = await requireBucket(ctx, input.bucket);
  if (input.customerKey !== undefined) {
    const upload = await ctx.meta.getUpload(input.uploadId);
    if (upload) await unsealingRoot(ctx, upload.sse, input.customerKey, { what: 'upload' });
  }
  if (input.parts.length === 0) {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed: you must specify at least one part.');
  }
  for (let i = 1; i < input.parts.length; i++) {
    if (input.parts[i]!.partNumber <= input.parts[i - 1]!.partNumber) {
      throw new S3Error(
        'InvalidPartOrder',
        'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
      );
    }
  }
  const nowMs = ctx.clock.nowMs();
  // The object's lock: what Initiate asked for, else the bucket's default retention from now (resolved
  // inside the transaction, from the upload it reads anyway).
  const lockConfig = await bucketLockConfiguration(ctx, bucket);
  const events = await eventRecorder(ctx, bucket, input.source ?? { principalId: bucket.ownerId }, {
    created: 'CompleteMultipartUpload',
  });
  try {
    const result = await ctx.meta.completeUpload({
      ...(events ? { events } : {}),
      uploadId: input.uploadId,
      bucketId: bucket.id,
      key: input.key,
      nowMs,
      compose: (upload, parts) =>
        composeObject(
          upload,
          parts,
          input.parts,
          nowMs,
          resolveLock(lockConfig, upload.lock, nowMs),
          input.expectedChecksum,
        ),
      ...(input.ifNoneMatch !== undefined || input.ifMatch !== undefined
        ? { precondition: (current: ObjectVersion | undefined) => checkWritePreconditions(input, current) }
        : {}),
    });
    return { bucket, result };
  } catch (err) {
    if (err instanceof StoreError && err.reason === 'not-found') {
      // The store says not-found both for an upload it does not know under this bucket and key (an
      // UploadId of another key included) and for a part's blob that vanished; only the latter is
      // InvalidPart.
      const upload = await ctx.meta.getUpload(input.uploadId);
      const ours = upload !== undefined && upload.bucketId === bucket.id && upload.key === input.key;
      throw ours ? new S3Error('InvalidPart', INVALID_PART) : new S3Error('NoSuchUpload', NO_SUCH_UPLOAD);
    }
    throw err;
  }
}

/** Each part's checksums, kept with the object when any part has one (GetObjectAttributes, GET ?partNumber). */
function partChecksumsOf(parts: PartRecord[]): { partChecksums?: Record<string, string>[] } {
  if (!parts.some((p) => Object.keys(p.checksums).length > 0)) return {};
  return { partChecksums: parts.map((p) => ({ ...p.checksums })) };
}
