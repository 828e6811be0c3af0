import { S3Error, type XmlObject, xmlChildren, xmlText } from '@coffer/protocol';
import type { DeleteObjectsResult } from '../engine/objects.js';
import { authorizeRequest } from '../http-kit/authorize-request.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';
import { versionHeaders } from './object-headers.js';
import { bypassGovernance } from './object-lock.js';

/** DELETE Object: 204 whether or not the key existed. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html */
export async function deleteObject(ctx: RequestContext): Promise<void> {
  const versionId = ctx.param('versionId');
  const result = await ctx.engine.deleteObject({
    bucket: ctx.bucket,
    key: ctx.key,
    ...(versionId !== undefined ? { versionId } : {}),
    actor: ctx.actor,
    bypassGovernance: await bypassGovernance(ctx, ctx.key),
  });
  const headers: Record<string, string> = versionHeaders(result.versionId, result.versioned || versionId !== undefined);
  if (result.deleteMarker) {
    headers['x-cos-delete-marker'] = 'true';
    headers['x-amz-delete-marker'] = 'true';
  }
  sendEmpty(ctx, 204, headers);
}

/** At most this many keys per DeleteObjects request (S3, COS). */
export const MAX_DELETE_KEYS = 1000;

/**
 * POST Bucket ?delete (DeleteObjects). https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 * Keys are taken literally: a key written with a leading '/' names a different object than the one
 * without, so "deleting" it succeeds and the object stays, as the COS API FAQ warns:
 * https://intl.cloud.tencent.com/document/product/436/10687
 */
export async function deleteObjects(ctx: RequestContext): Promise<void> {
  const doc = await requireXmlBody(ctx, 'Delete', 2 * 1024 * 1024);
  const quiet = xmlText(doc, 'Quiet')?.trim().toLowerCase() === 'true';
  const objects = xmlChildren(doc, 'Object').map((node) => {
    const key = xmlText(node, 'Key');
    if (key === undefined) throw new S3Error('MalformedXML', 'Each <Object> must have a <Key>.');
    const versionId = xmlText(node, 'VersionId');
    return { key, ...(versionId !== undefined && versionId !== '' ? { versionId } : {}) };
  });
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) {
    throw new S3Error(
      'MalformedXML',
      `The request must name between 1 and ${MAX_DELETE_KEYS} objects; it named ${objects.length}.`,
    );
  }
  // Each key is authorized on its own, as S3 does: a denied key is reported, the others proceed.
  const denied = new Set<number>();
  await Promise.all(
    objects.map(async (o, i) => {
      try {
        await authorizeRequest(ctx, 'DeleteObject', {
          bucket: ctx.bucket,
          key: o.key,
          ...(o.versionId ? { versionId: o.versionId } : {}),
        });
      } catch (err) {
        if (!(err instanceof S3Error) || err.code !== 'AccessDenied') throw err;
        denied.add(i);
      }
    }),
  );
  const allowed = objects.filter((_, i) => !denied.has(i));
  const done =
    allowed.length > 0
      ? await ctx.engine.deleteObjects(ctx.bucket, allowed, ctx.actor, await bypassGovernance(ctx, '*'))
      : await ctx.engine.headBucket(ctx.bucket).then(() => []);
  const results: DeleteObjectsResult[] = [];
  let next = 0;
  objects.forEach((o, i) => {
    results.push(
      denied.has(i)
        ? {
            key: o.key,
            ...(o.versionId ? { versionId: o.versionId } : {}),
            error: new S3Error('AccessDenied', 'Access Denied.'),
          }
        : done[next++]!,
    );
  });
  const deleted: XmlObject[] = [];
  const errors: XmlObject[] = [];
  for (const r of results) {
    if ('error' in r) {
      errors.push({
        Key: r.key,
        ...(r.versionId ? { VersionId: r.versionId } : {}),
        Code: r.error.code,
        Message: r.error.message,
      });
    } else if (!quiet) {
      deleted.push({
        Key: r.key,
        ...(r.requestedVersionId !== undefined ? { VersionId: r.requestedVersionId } : {}),
        ...(r.deleteMarker ? { DeleteMarker: true } : {}),
        ...(r.deleteMarker && r.versionId !== undefined ? { DeleteMarkerVersionId: r.versionId } : {}),
      });
    }
  }
  sendXml(ctx, 'DeleteResult', { Deleted: deleted, Error: errors });
}
