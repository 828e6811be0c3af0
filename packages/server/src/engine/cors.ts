import { S3Error } from '@coffer/protocol';
import type { BucketRecord } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';

/**
 * A bucket's CORS configuration and how a request is matched against it.
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html ;
 * COS: https://www.tencentcloud.com/document/product/436/8279 (PUT Bucket cors).
 */
export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  /** Upper-case: GET, PUT, HEAD, POST, DELETE. */
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

export interface CorsConfiguration {
  rules: CorsRule[];
  /** COS's ResponseVary, kept so GET returns what was put. Coffer always sends Vary: Origin. */
  responseVary?: string;
}

export const CORS_METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'] as const;
/** S3 allows 100 rules per bucket. */
export const MAX_CORS_RULES = 100;

/** Case-insensitive match of a value against a pattern in which `*` stands for any run of characters. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  const pieces = p.split('*');
  if (pieces.length === 1) return p === v;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (v.length < first.length + last.length || !v.startsWith(first) || !v.endsWith(last)) return false;
  let at = first.length;
  const end = v.length - last.length;
  for (const middle of pieces.slice(1, -1)) {
    const found = v.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

export interface CorsRequest {
  origin: string;
  /** The actual request's method, or a preflight's Access-Control-Request-Method. */
  method: string;
  /** A preflight's Access-Control-Request-Headers, lower-cased; each must be allowed. */
  headers?: string[];
}

/**
 * The first rule that allows the request (S3 and COS use the first match), with the AllowedOrigin
 * that matched it; undefined when none does.
 */
export function findCorsRule(
  config: CorsConfiguration,
  request: CorsRequest,
): { rule: CorsRule; origin: string } | undefined {
  const method = request.method.toUpperCase();
  for (const rule of config.rules) {
    if (!rule.allowedMethods.includes(method)) continue;
    const origin = rule.allowedOrigins.find((pattern) => wildcardMatch(pattern, request.origin));
    if (origin === undefined) continue;
    const headers = request.headers ?? [];
    if (!headers.every((h) => rule.allowedHeaders.some((pattern) => wildcardMatch(pattern, h)))) continue;
    return { rule, origin };
  }
  return undefined;
}

/** Stored as one JSON document in the generic bucket config store (as ACLs, policies and lifecycle rules are). */
const CORS = 'cors';

/** PUT Bucket cors (null deletes). https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html */
export async function putBucketCors(ctx: EngineContext, name: string, config: CorsConfiguration | null): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  await ctx.meta.setBucketConfig(bucket.id, CORS, config === null ? null : JSON.stringify(config));
}

/** GET Bucket cors, or NoSuchCORSConfiguration. https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketCors.html */
export async function getBucketCors(ctx: EngineContext, name: string): Promise<CorsConfiguration> {
  const { config } = await bucketCors(ctx, name);
  if (!config) throw new S3Error('NoSuchCORSConfiguration', 'The CORS configuration does not exist.');
  return config;
}

/**
 * The bucket (undefined when it does not exist) and its CORS configuration (undefined when it has
 * none), for preflights and for the CORS headers of actual requests, which must not fail on either.
 */
export async function bucketCors(
  ctx: EngineContext,
  name: string,
): Promise<{ bucket?: BucketRecord; config?: CorsConfiguration }> {
  const bucket = await ctx.meta.getBucket(name);
  if (!bucket) return {};
  const doc = await ctx.meta.getBucketConfig(bucket.id, CORS);
  return { bucket, ...(doc !== undefined ? { config: JSON.parse(doc) as CorsConfiguration } : {}) };
}
