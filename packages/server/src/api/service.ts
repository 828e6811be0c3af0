import type { RequestContext } from '../http/request-context.js';
import { isoDate, sendXml } from '../http/respond.js';
import { ownerXml } from './owner.js';

/** GET Service (ListBuckets). https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html */
export async function listBuckets(ctx: RequestContext): Promise<void> {
  const buckets = await ctx.engine.listBuckets(ctx.actor);
  sendXml(ctx, 'ListAllMyBucketsResult', {
    Owner: ownerXml(ctx, ctx.actor.ownerId),
    Buckets: {
      Bucket: buckets.map((b) => ({
        Name: b.name,
        Location: b.region,
        BucketRegion: b.region,
        CreationDate: isoDate(b.createdMs),
      })),
    },
  });
}
