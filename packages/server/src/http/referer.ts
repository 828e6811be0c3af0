import { S3Error } from '@coffer/protocol';
import { refererAllowed } from '../engine/referer-config.js';
import type { RequestContext } from './request-context.js';

/**
 * COS hotlink protection: a bucket's Referer list applies to what a browser fetches — anonymous
 * requests, presigned URLs and form uploads — never to requests signed in a header, which come
 * from an application holding a key, not from a page embedding a link.
 */
export async function enforceReferer(ctx: RequestContext): Promise<void> {
  if (ctx.address.bucket === undefined) return;
  if (ctx.auth.kind !== 'anonymous' && !ctx.auth.presigned) return;
  const config = await ctx.engine.bucketReferer(ctx.address.bucket);
  if (!config || refererAllowed(config, ctx.header('referer'))) return;
  throw new S3Error('AccessDenied', "Access Denied: the Referer is not allowed by the bucket's referer configuration.");
}
