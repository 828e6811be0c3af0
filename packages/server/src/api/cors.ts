import { S3Error } from '@coffer/protocol';
import { parseCors, renderCors } from '../codecs/cors.js';
import { type CorsRule, findCorsRule } from '../engine/cors.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';

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
 * OPTIONS Object, the CORS preflight (seed 004_ "Pre-requesting Cross-origin Configuration";
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

/**
 * Response headers browsers need to read what COS and S3 SDKs read (cos-api-map.md §5.3): exposed
 * with every matching rule, after the rule's own ExposeHeaders, so a browser SDK works with a rule
 * that forgot them.
 */
const SDK_EXPOSE_HEADERS = [
  'ETag',
  'Content-Length',
  'x-cos-request-id',
  'x-cos-version-id',
  'x-cos-hash-crc64ecma',
  'x-cos-delete-marker',
  'x-amz-request-id',
  'x-amz-version-id',
  'x-amz-delete-marker',
];

/**
 * The CORS headers for a request a rule allows. An AllowedOrigin of `*` answers `*` (as S3 does);
 * any other answers the request's Origin and allows credentials.
 */
export function corsAllowHeaders(
  match: { rule: CorsRule; origin: string },
  requestOrigin: string,
  preflight?: { requestedHeaders: string[] },
): Record<string, string> {
  const { rule } = match;
  const headers: Record<string, string> = {};
  if (match.origin === '*') headers['access-control-allow-origin'] = '*';
  else {
    headers['access-control-allow-origin'] = requestOrigin;
    headers['access-control-allow-credentials'] = 'true';
  }
  headers['access-control-allow-methods'] = rule.allowedMethods.join(',');
  if (preflight && preflight.requestedHeaders.length > 0) {
    headers['access-control-allow-headers'] = preflight.requestedHeaders.join(',');
  }
  const expose = new Map<string, string>();
  for (const name of [...rule.exposeHeaders, ...SDK_EXPOSE_HEADERS]) {
    if (!expose.has(name.toLowerCase())) expose.set(name.toLowerCase(), name);
  }
  headers['access-control-expose-headers'] = [...expose.values()].join(',');
  if (rule.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.maxAgeSeconds);
  return headers;
}

/**
 * For an actual (non-preflight) request that names a bucket and carries an Origin: sets the CORS
 * headers of the first rule allowing that origin and method, and `Vary: Origin` whenever the bucket
 * has a CORS configuration (the answer depends on the Origin). Returns what it set, so the
 * dispatcher can put them back on an error response, which browsers must be able to read too.
 */
export async function setCorsHeaders(ctx: RequestContext): Promise<Record<string, string> | undefined> {
  const origin = ctx.header('origin');
  if (origin === undefined || ctx.address.bucket === undefined) return undefined;
  const { config } = await ctx.engine.bucketCors(ctx.address.bucket);
  if (!config) return undefined;
  const match = findCorsRule(config, { origin, method: ctx.method });
  const headers = { vary: 'Origin', ...(match ? corsAllowHeaders(match, origin) : {}) };
  for (const [name, value] of Object.entries(headers)) ctx.res.setHeader(name, value);
  return headers;
}
