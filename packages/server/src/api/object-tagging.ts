import { parseXml, S3Error } from '@coffer/protocol';
import { parseTaggingXml, renderTaggingXml } from '../codecs/tagging.js';
import type { ObjectTaggingResult } from '../engine/tagging.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { versionHeaders } from './object-headers.js';

/** A Tagging document is small: 50 tags of 128 + 256 characters fit several times over. */
export const MAX_TAGGING_BODY_BYTES = 64 * 1024;

/** The `<Tagging>` body of a PUT ?tagging (an empty or ill-formed body is MalformedXML). */
export async function readTaggingBody(ctx: RequestContext) {
  return parseTaggingXml(parseXml(await ctx.readSmallBody(MAX_TAGGING_BODY_BYTES), 'Tagging'));
}

function target(ctx: RequestContext): { bucket: string; key: string; versionId?: string } {
  const versionId = ctx.param('versionId');
  if (versionId === '') {
    throw new S3Error('InvalidArgument', 'Version id cannot be the empty string', {
      details: { ArgumentName: 'versionId', ArgumentValue: '' },
    });
  }
  return { bucket: ctx.bucket, key: ctx.key, ...(versionId !== undefined ? { versionId } : {}) };
}

/** x-amz-version-id / x-cos-version-id of the version the request read or changed (versioned buckets). */
function headersOf(ctx: RequestContext, result: ObjectTaggingResult): Record<string, string> {
  return versionHeaders(
    result.version.versionId,
    result.bucket.versioning !== '' || ctx.param('versionId') !== undefined,
  );
}

/** PUT Object ?tagging: replaces the version's tag set. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html */
export async function putObjectTagging(ctx: RequestContext): Promise<void> {
  const tags = await readTaggingBody(ctx);
  const result = await ctx.engine.putObjectTagging({ ...target(ctx), tags });
  sendEmpty(ctx, 200, headersOf(ctx, result));
}

/** GET Object ?tagging: an object without tags answers an empty TagSet (200), as S3 does. */
export async function getObjectTagging(ctx: RequestContext): Promise<void> {
  const result = await ctx.engine.getObjectTagging(target(ctx));
  sendXml(ctx, 'Tagging', renderTaggingXml(result.tags), { headers: headersOf(ctx, result) });
}

/** DELETE Object ?tagging: 204. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html */
export async function deleteObjectTagging(ctx: RequestContext): Promise<void> {
  const result = await ctx.engine.deleteObjectTagging(target(ctx));
  sendEmpty(ctx, 204, headersOf(ctx, result));
}
