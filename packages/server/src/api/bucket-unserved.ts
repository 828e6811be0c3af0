import { S3Error, type S3ErrorCode, type XmlObject } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import type { Handler } from './handler.js';

/**
 * Bucket configurations Coffer does not serve (website, replication,
 * ...). No bucket can have one, so the reads answer what S3 answers for a bucket without one: the
 * "not found" error of that configuration, or the documented empty/default document where S3 has
 * no such error. Deleting one is a no-op 204. Setting one stays 501 NotImplemented (routes.ts), so
 * a client never believes a configuration took effect.
 */
function notConfigured(code: S3ErrorCode, message: string): Handler {
  return async (ctx: RequestContext) => {
    await ctx.engine.headBucket(ctx.bucket);
    throw new S3Error(code, message, { details: { BucketName: ctx.bucket } });
  };
}

function fixedDocument(root: string, body: XmlObject): Handler {
  return async (ctx: RequestContext) => {
    await ctx.engine.headBucket(ctx.bucket);
    sendXml(ctx, root, body);
  };
}

async function deleteNothing(ctx: RequestContext): Promise<void> {
  await ctx.engine.headBucket(ctx.bucket);
  sendEmpty(ctx, 204);
}

export const getBucketWebsite = notConfigured(
  'NoSuchWebsiteConfiguration',
  'The specified bucket does not have a website configuration.',
);
export const getBucketReplication = notConfigured(
  'ReplicationConfigurationNotFoundError',
  'The replication configuration was not found.',
);

/** Transfer acceleration never enabled: an empty configuration, as S3 returns for such a bucket. */
export const getBucketAccelerate = fixedDocument('AccelerateConfiguration', {});
/** The bucket owner pays. */
export const getBucketRequestPayment = fixedDocument('RequestPaymentConfiguration', { Payer: 'BucketOwner' });

export { deleteNothing };
