import { S3Error } from '@coffer/protocol';
import type { BucketRecord, ObjectVersion } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import { findObject } from './find-object.js';

/**
 * Object and bucket tags: the rules S3 and COS apply to them, the x-amz-tagging / x-cos-tagging
 * header a write carries, their stored form, and the tagging operations. The `<Tagging>` document
 * is codecs/tagging.ts's.
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html ;
 * COS: https://www.tencentcloud.com/document/product/436/35665 (object tags).
 *
 * An object's tags are stored on its version as a query string (`k=v&k2=v2`, URLSearchParams
 * encoding), which is what lifecycle tag filters and x-amz-tagging-count read. A bucket's tags
 * are a JSON document in the bucket configuration store, like its CORS rules.
 */
export interface Tag {
  key: string;
  value: string;
}

export const MAX_OBJECT_TAGS = 10;
export const MAX_BUCKET_TAGS = 50;
export const MAX_TAG_KEY_CHARS = 128;
export const MAX_TAG_VALUE_CHARS = 256;

/**
 * What S3 and COS allow in keys and values: Unicode letters, numbers and white space, and
 * `_ . : / = + - @`. Combining marks are let through too: several scripts cannot write their
 * letters without them.
 */
const TAG_CHARACTERS = /^[\p{L}\p{M}\p{N}\p{Z}_.:/=+\-@]*$/u;

function invalidTag(message: string): S3Error {
  return new S3Error('InvalidTag', message);
}

/**
 * Checks a tag set against S3's rules; throws InvalidTag naming the first rule broken. Lengths
 * count Unicode code points, not bytes.
 */
export function validateTags(tags: Tag[], scope: 'object' | 'bucket'): void {
  const max = scope === 'object' ? MAX_OBJECT_TAGS : MAX_BUCKET_TAGS;
  if (tags.length > max) {
    throw invalidTag(
      scope === 'object'
        ? `Object tags cannot be greater than ${max}`
        : `Bucket tag count cannot be greater than ${max}`,
    );
  }
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    const keyChars = [...key].length;
    if (keyChars < 1 || keyChars > MAX_TAG_KEY_CHARS || !TAG_CHARACTERS.test(key)) {
      throw invalidTag('The TagKey you have provided is invalid');
    }
    if ([...value].length > MAX_TAG_VALUE_CHARS || !TAG_CHARACTERS.test(value)) {
      throw invalidTag('The TagValue you have provided is invalid');
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidTag('System tags cannot be added/updated by requester');
    }
    if (seen.has(key)) throw invalidTag('Cannot provide multiple Tags with the same key');
    seen.add(key);
  }
}

/** `+` is a space and the rest percent-decoded, as in a form-encoded query; bad escapes are refused. */
function decodeTagPart(text: string, header: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw taggingHeaderInvalid(header);
  }
}

function taggingHeaderInvalid(header: string): S3Error {
  return new S3Error(
    'InvalidArgument',
    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
    { details: { ArgumentName: 'x-amz-tagging', ArgumentValue: header } },
  );
}

/**
 * Parses the x-amz-tagging / x-cos-tagging header (URL query form, `k1=v1&k2=v2`; a key without
 * `=` has the empty value). A pair holding a second raw `=`, or a bad percent escape, is
 * InvalidArgument, as S3 answers; the tags themselves are then checked like a Tagging document's.
 */
export function parseTaggingHeader(header: string): Tag[] {
  const tags: Tag[] = [];
  for (const pair of header.split('&')) {
    if (pair === '') continue;
    const parts = pair.split('=');
    if (parts.length > 2) throw taggingHeaderInvalid(header);
    tags.push({ key: decodeTagPart(parts[0]!, header), value: decodeTagPart(parts[1] ?? '', header) });
  }
  validateTags(tags, 'object');
  return tags;
}

/** An object's tags in their stored form; undefined for none (so an empty set stores nothing). */
export function encodeTagging(tags: Tag[]): string | undefined {
  if (tags.length === 0) return undefined;
  return new URLSearchParams(tags.map((t): [string, string] => [t.key, t.value])).toString();
}

/** An object's stored tags back as a list, in the order they were set. */
export function decodeTagging(tagging: string | undefined): Tag[] {
  if (!tagging) return [];
  // In key order (S3 keeps no order; Ceph's conformance tests expect keys sorted).
  return [...new URLSearchParams(tagging)]
    .map(([key, value]) => ({ key, value }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The stored form of the tags a write request names in its header (PUT, copy with the REPLACE
 * tagging directive, multipart initiate), validated before anything is written.
 */
export function taggingFromHeader(header: string | undefined): string | undefined {
  return header === undefined ? undefined : encodeTagging(parseTaggingHeader(header));
}

// The tagging operations, on objects (their versions) and on buckets.

/** A bucket's tags: a JSON document in the bucket configuration store. */
const BUCKET_TAGGING = 'tagging';

export interface ObjectTaggingResult {
  bucket: BucketRecord;
  /** The version whose tags were read or changed. */
  version: ObjectVersion;
  tags: Tag[];
}

async function setObjectTags(
  ctx: EngineContext,
  input: { bucket: string; key: string; versionId?: string },
  tags: Tag[],
): Promise<ObjectTaggingResult> {
  const bucket = await requireBucket(ctx, input.bucket);
  const version = await findObject(ctx, bucket, input.key, input.versionId);
  // The version found is named by id, so a write landing meanwhile is not tagged by mistake. Only
  // the tags change: not Last-Modified, not the version (S3 does the same).
  const changed = await ctx.meta.setObjectTagging(bucket.id, input.key, version.versionId, encodeTagging(tags) ?? null);
  if (!changed) throw new S3Error(input.versionId === undefined ? 'NoSuchKey' : 'NoSuchVersion');
  return { bucket, version, tags };
}

/**
 * PutObjectTagging: replaces the version's whole tag set (an empty set removes it); an invalid set
 * changes nothing. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
 */
export function putObjectTagging(
  ctx: EngineContext,
  input: { bucket: string; key: string; versionId?: string; tags: Tag[] },
): Promise<ObjectTaggingResult> {
  validateTags(input.tags, 'object');
  return setObjectTags(ctx, input, input.tags);
}

/** GetObjectTagging: an object without tags has an empty set. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html */
export async function getObjectTagging(
  ctx: EngineContext,
  input: { bucket: string; key: string; versionId?: string },
): Promise<ObjectTaggingResult> {
  const bucket = await requireBucket(ctx, input.bucket);
  const version = await findObject(ctx, bucket, input.key, input.versionId);
  return { bucket, version, tags: decodeTagging(version.tagging) };
}

/** DeleteObjectTagging. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html */
export function deleteObjectTagging(
  ctx: EngineContext,
  input: { bucket: string; key: string; versionId?: string },
): Promise<ObjectTaggingResult> {
  return setObjectTags(ctx, input, []);
}

/**
 * PutBucketTagging (tags null: DeleteBucketTagging). An empty set leaves the bucket without tags.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html
 */
export async function putBucketTagging(ctx: EngineContext, name: string, tags: Tag[] | null): Promise<void> {
  if (tags) validateTags(tags, 'bucket');
  const bucket = await requireBucket(ctx, name);
  await ctx.meta.setBucketConfig(bucket.id, BUCKET_TAGGING, tags?.length ? JSON.stringify(tags) : null);
}

/** GetBucketTagging, or 404 NoSuchTagSet. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html */
export async function getBucketTagging(ctx: EngineContext, name: string): Promise<Tag[]> {
  const bucket = await requireBucket(ctx, name);
  const doc = await ctx.meta.getBucketConfig(bucket.id, BUCKET_TAGGING);
  if (doc === undefined) throw new S3Error('NoSuchTagSet', 'The TagSet does not exist');
  return JSON.parse(doc) as Tag[];
}
