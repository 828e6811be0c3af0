import { S3Error } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { isoDate, sendXml } from '../http-kit/respond.js';
import type { BucketRecord } from '../stores/types.js';
import { ownerXml } from './owner.js';

/** S3 caps a page of ListBuckets at 10,000 buckets. */
const MAX_BUCKETS = 10_000;

function pageSize(ctx: RequestContext, name: string): number | undefined {
  const value = ctx.param(name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_BUCKETS) {
    throw new S3Error('InvalidArgument', `${name} must be a whole number from 1 to ${MAX_BUCKETS}.`, {
      details: { ArgumentName: name, ArgumentValue: value },
    });
  }
  return n;
}

/**
 * GET Service (ListBuckets). https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
 * Pages as S3 does (max-buckets, continuation-token: the last name of the previous page, opaque to
 * clients; prefix; bucket-region) and as COS does (max-keys, marker → IsTruncated, NextMarker).
 */
export async function listBuckets(ctx: RequestContext): Promise<void> {
  const prefix = ctx.param('prefix') ?? '';
  const region = ctx.param('bucket-region') ?? ctx.param('region');
  const token = ctx.param('continuation-token');
  let after = ctx.param('marker') ?? '';
  if (token !== undefined) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (token === '' || Buffer.from(after, 'utf8').toString('base64url') !== token) {
      throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect.', {
        details: { ArgumentName: 'continuation-token', ArgumentValue: token },
      });
    }
  }
  const maxBuckets = pageSize(ctx, 'max-buckets');
  const maxKeys = pageSize(ctx, 'max-keys');
  const limit = maxBuckets ?? maxKeys;
  const all = (await ctx.engine.listBuckets(ctx.actor)).filter(
    (b) => b.name.startsWith(prefix) && b.name > after && (region === undefined || b.region === region),
  );
  const page: BucketRecord[] = limit === undefined ? all : all.slice(0, limit);
  const truncated = page.length < all.length;
  const last = page.at(-1)?.name;
  sendXml(ctx, 'ListAllMyBucketsResult', {
    Owner: ownerXml(ctx, ctx.actor.ownerId),
    Buckets: {
      Bucket: page.map((b) => ({
        Name: b.name,
        Location: b.region,
        BucketRegion: b.region,
        CreationDate: isoDate(b.createdMs),
      })),
    },
    ...(truncated && maxBuckets !== undefined && last !== undefined
      ? { ContinuationToken: Buffer.from(last, 'utf8').toString('base64url') }
      : {}),
    ...(ctx.param('prefix') !== undefined ? { Prefix: prefix } : {}),
    ...(maxKeys !== undefined && maxBuckets === undefined
      ? {
          Marker: ctx.param('marker') ?? '',
          MaxKeys: maxKeys,
          IsTruncated: truncated,
          ...(truncated && last !== undefined ? { NextMarker: last } : {}),
        }
      : {}),
  });
}
