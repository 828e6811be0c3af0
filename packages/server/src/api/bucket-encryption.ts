import { S3Error, xmlChildren, xmlText } from '@coffer/protocol';
import { type BucketEncryption, parseSse } from '../engine/encryption.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';

/**
 * PUT Bucket encryption: the bucket's default server-side encryption, one Rule whose
 * ApplyServerSideEncryptionByDefault names SSEAlgorithm AES256 (S3:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html ; COS:
 * https://www.tencentcloud.com/document/product/436/40136). aws:kms and cos/kms are 501: Coffer has
 * no key management service.
 */
export async function putBucketEncryption(ctx: RequestContext): Promise<void> {
  const doc = await requireXmlBody(ctx, 'ServerSideEncryptionConfiguration');
  const rules = xmlChildren(doc, 'Rule');
  if (rules.length !== 1) {
    throw new S3Error('MalformedXML', 'A server-side encryption configuration holds exactly one Rule.');
  }
  const rule = rules[0]!;
  // Tencent's SDK documents (and sends) the container as ApplySideEncryptionConfiguration; COS's API
  // reference and S3 name it ApplyServerSideEncryptionByDefault. Either is taken.
  const container =
    xmlChildren(rule, 'ApplyServerSideEncryptionByDefault')[0] ??
    xmlChildren(rule, 'ApplySideEncryptionConfiguration')[0];
  const algorithm = xmlText(container, 'SSEAlgorithm')?.trim();
  if (algorithm === undefined) {
    throw new S3Error('MalformedXML', 'The Rule needs ApplyServerSideEncryptionByDefault with an SSEAlgorithm.');
  }
  const sse = parseSse(algorithm, 'SSEAlgorithm')!;
  const bucketKey = xmlText(rule, 'BucketKeyEnabled')?.trim();
  if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false') {
    throw new S3Error('MalformedXML', 'BucketKeyEnabled is true or false.');
  }
  const config: BucketEncryption = {
    algorithm: sse,
    ...(bucketKey !== undefined ? { bucketKeyEnabled: bucketKey === 'true' } : {}),
  };
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
  sendXml(ctx, 'ServerSideEncryptionConfiguration', {
    Rule: {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: config.algorithm },
      ...(config.bucketKeyEnabled !== undefined ? { BucketKeyEnabled: String(config.bucketKeyEnabled) } : {}),
    },
  });
}

/** DELETE Bucket encryption: new writes are stored in the clear again (what is stored stays as it is). */
export async function deleteBucketEncryption(ctx: RequestContext): Promise<void> {
  await ctx.engine.putBucketEncryption(ctx.bucket, null);
  sendEmpty(ctx, 204);
}
