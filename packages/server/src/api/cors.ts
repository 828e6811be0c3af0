import { S3Error } from '@coffer/protocol';
import { parseCors, renderCors } from '../codecs/cors.js';
import { findCorsRule } from '../engine/cors.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';
import { corsAllowHeaders } from './cors-headers.js';

/** PUT Bucket ?cors: the whole configuration, validated (MalformedXML, InvalidArgument for unknown methods). */
export async function putBucketCors(ctx: RequestContext): Promise<void> {
  const config = parseCors(await requireXmlBody(ctx, 'CORSConfiguration'));
  await ctx.engine.putBucketCors(ctx.bucket, config);
  sendEmpty(ctx, 200);
}

/** GET Bucket ?cors: 404 NoSuchCORSConfiguration when none (the COS SDK turns that into CORSRules: []). */
export async function getBucketCors(ctx: RequestContext): Promise<void> {
  sendXml(ctx, 'CORSConfiguration', renderCors(await ctx.engine.getBucketCors(ctx.bucket)));
}

export async function deleteBucketCors(ctx: RequestContext): Promise<void> {
  await ctx.engine.putBucketCors(ctx.bucket, null);
  sendEmpty(ctx, 204);
}

const NOT_ALLOWED =
  'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / ' +
  "Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

/**
 * OPTIONS Object, the CORS preflight (https://intl.cloud.tencent.com/document/product/436/8288;
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html). It needs no signature:
 * browsers never sign preflights (the COS SDK's optionsObject does, and the signature is ignored),
 * and it reveals only whether the bucket's CORS rules allow the described request. 403 when there is
 * no configuration or no rule allows the Origin, method and headers; otherwise 200 with the rule's
 * Access-Control-* headers. Served for any path in the bucket, whatever sub-resource it names.
 */
export async function optionsObject(ctx: RequestContext): Promise<void> {
  const origin = ctx.header('origin');
  if (origin === undefined)
    throw new S3Error('InvalidRequest', 'Insufficient information. Origin request header needed.');
  const method = ctx.header('access-control-request-method');
  if (method === undefined) {
    throw new S3Error('InvalidRequest', 'Invalid Access-Control-Request-Method: the header is missing.');
  }
  const requestedHeaders = (ctx.header('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  const { bucket, config } = await ctx.engine.bucketCors(ctx.bucket);
  if (!bucket) throw new S3Error('NoSuchBucket', `The specified bucket does not exist: ${ctx.bucket}`);
  if (!config) throw new S3Error('AccessDenied', 'CORSResponse: CORS is not enabled for this bucket.');
  const match = findCorsRule(config, { origin, method, headers: requestedHeaders });
  if (!match) throw new S3Error('AccessDenied', NOT_ALLOWED);
  sendEmpty(ctx, 200, {
    ...corsAllowHeaders(match, origin, { requestedHeaders }),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  });
}
