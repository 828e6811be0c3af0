import { S3Error } from '@coffer/protocol';
import { parseRecycle, renderRecycle } from '../codecs/recycle.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import type { RecycledEntry } from '../stores/types.js';
import { requireXmlBody } from './bucket.js';

/**
 * PUT ?recycle — Coffer's recycle bin (docs/recycle-bin.md):
 * `<RecycleConfiguration><Status>Enabled</Status><Days>7</Days></RecycleConfiguration>`;
 * Status Disabled turns it off.
 */
export async function putBucketRecycle(ctx: RequestContext): Promise<void> {
  const { days } = parseRecycle(await requireXmlBody(ctx, 'RecycleConfiguration'));
  await ctx.engine.putBucketRecycle(ctx.bucket, days);
  sendEmpty(ctx, 200);
}

export async function getBucketRecycle(ctx: RequestContext): Promise<void> {
  const days = await ctx.engine.getBucketRecycle(ctx.bucket);
  sendXml(ctx, 'RecycleConfiguration', renderRecycle(days));
}

export async function deleteBucketRecycle(ctx: RequestContext): Promise<void> {
  await ctx.engine.putBucketRecycle(ctx.bucket, null);
  sendEmpty(ctx, 204);
}

/** GET ?recycled[&prefix=][&marker=][&max-keys=]: what the bin holds, by key. */
export async function listRecycled(ctx: RequestContext): Promise<void> {
  const maxKeysParam = ctx.param('max-keys');
  const maxKeys = maxKeysParam === undefined ? 1000 : Number(maxKeysParam);
  if (!Number.isInteger(maxKeys) || maxKeys < 0 || maxKeys > 1000) {
    throw new S3Error('InvalidArgument', 'max-keys must be a whole number from 0 to 1000.');
  }
  const prefix = ctx.param('prefix') ?? '';
  const marker = ctx.param('marker');
  const page = await ctx.engine.listRecycled(ctx.bucket, { prefix, maxKeys, ...(marker ? { marker } : {}) });
  sendXml(ctx, 'ListRecycledResult', {
    Name: ctx.bucket,
    Prefix: prefix,
    Marker: marker ?? '',
    MaxKeys: maxKeys,
    IsTruncated: page.truncated,
    ...(page.nextMarker !== undefined ? { NextMarker: page.nextMarker } : {}),
    Entry: page.entries.map((e: RecycledEntry) => ({
      Id: e.id,
      Key: e.key,
      VersionId: e.versionId,
      Size: e.size,
      ETag: `"${e.etag}"`,
      DeletedAt: new Date(e.deletedMs).toISOString(),
      DeletedBy: e.deletedBy,
      PurgeAt: new Date(e.purgeMs).toISOString(),
    })),
  });
}

/** POST /<bucket>/<key>?recycled&id=N: restores entry N of the bin to <key> (its own key or another). */
export async function restoreRecycled(ctx: RequestContext): Promise<void> {
  const id = Number(ctx.param('id'));
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new S3Error('InvalidArgument', 'Name the entry to restore: ?recycled&id=<Id from the listing>.');
  }
  const { version } = await ctx.engine.restoreRecycled(ctx.bucket, id, ctx.key);
  sendXml(ctx, 'RestoreRecycledResult', {
    Key: version.key,
    ETag: `"${version.etag}"`,
    Size: version.size,
    ...(version.versionId !== 'null' ? { VersionId: version.versionId } : {}),
  });
}

/** DELETE /<bucket>?recycled&id=N: purges entry N now, before its PurgeAt (its blobs go to GC). */
export async function purgeRecycledEntry(ctx: RequestContext): Promise<void> {
  const id = Number(ctx.param('id'));
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new S3Error('InvalidArgument', 'Name the entry to purge: ?recycled&id=<Id from the listing>.');
  }
  await ctx.engine.purgeRecycledEntry(ctx.bucket, id);
  sendEmpty(ctx, 204);
}
