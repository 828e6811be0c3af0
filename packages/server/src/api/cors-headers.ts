import type { CorsRule } from '../engine/cors.js';
import { findCorsRule } from '../engine/cors.js';
import type { RequestContext } from '../http-kit/request-context.js';

/**
 * Response headers browsers need to read what COS and S3 SDKs read (docs/sdk.md, "In a browser"): exposed
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
