import { S3Error } from '@coffer/protocol';
import { parseEncryption, renderEncryption } from '../codecs/encryption.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';

/**
 * PUT Bucket encryption: the bucket's default server-side encryption (codecs/encryption.ts):
 * SSEAlgorithm AES256, or aws:kms / cos/kms with an optional KMSMasterKeyID of the local key
 * registry (engine/kms.ts); a key that does not exist or is disabled is refused at once.
 */
export async function putBucketEncryption(ctx: RequestContext): Promise<void> {
  const config = parseEncryption(await requireXmlBody(ctx, 'ServerSideEncryptionConfiguration'));
  await ctx.engine.putBucketEncryption(ctx.bucket, config);
  sendEmpty(ctx, 200);
}

/**
 * GET Bucket encryption. Without a configuration COS and S3 name the 404 differently, and each SDK
 * turns only its own code into "no rules" (Tencent's getBucketEncryption: `Rules: []`).
 */
export async function getBucketEncryption(ctx: RequestContext): Promise<void> {
  const config = await ctx.engine.getBucketEncryption(ctx.bucket);
  if (!config) {
    const [code, message] =
      ctx.flavor === 's3'
        ? ([
            'ServerSideEncryptionConfigurationNotFoundError',
            'The server side encryption configuration was not found.',
          ] as const)
        : ([
            'NoSuchEncryptionConfiguration',
            'The specified bucket does not have an encryption configuration.',
          ] as const);
    throw new S3Error(code, message, { details: { BucketName: ctx.bucket } });
  }
  sendXml(ctx, 'ServerSideEncryptionConfiguration', renderEncryption(config));
}

/** DELETE Bucket encryption: new writes are stored in the clear again (what is stored stays as it is). */
export async function deleteBucketEncryption(ctx: RequestContext): Promise<void> {
  await ctx.engine.putBucketEncryption(ctx.bucket, null);
  sendEmpty(ctx, 204);
}
