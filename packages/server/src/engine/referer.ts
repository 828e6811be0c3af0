import { S3Error } from '@coffer/protocol';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';

/**
 * COS hotlink protection: a bucket's Referer white or black list.
 * https://www.tencentcloud.com/document/product/436/31423 (PUT Bucket referer)
 */
export interface RefererConfiguration {
  enabled: boolean;
  type: 'White-List' | 'Black-List';
  /** As written: `www.example.com`, `www.example.com/path`, `192.168.1.2:8080`, `*.example.com`. */
  domains: string[];
  /** EmptyReferConfiguration: whether a request without a Referer passes (COS default: Deny). */
  allowEmpty: boolean;
}

/**
 * Whether a domain entry matches a Referer. COS matches entries as prefixes of the Referer
 * without its scheme, `*` standing for any labels (`*.example.com` covers a.example.com and
 * a.b.example.com, not example.com). An entry without a path must end where the host (or host:port)
 * ends, so `example.com` does not cover `example.com.evil.net`.
 */
export function refererMatches(domain: string, referer: string): boolean {
  const target = referer.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const pattern = domain.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const source = pattern
    .split('*')
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/?#]*');
  const boundary = pattern.includes('/') ? '' : '(?=$|[:/?#])';
  return new RegExp(`^${source}${boundary}`, 'i').test(target);
}

/** Whether the configuration lets a request with this Referer header (undefined or '' when absent) through. */
export function refererAllowed(config: RefererConfiguration, referer: string | undefined): boolean {
  if (!config.enabled) return true;
  if (referer === undefined || referer.trim() === '') return config.allowEmpty;
  const listed = config.domains.some((domain) => refererMatches(domain, referer.trim()));
  return config.type === 'White-List' ? listed : !listed;
}

/** Stored as one JSON document in the generic bucket config store (as ACLs, policies and lifecycle rules are). */
const REFERER = 'referer';

/** PUT Bucket referer (COS). https://www.tencentcloud.com/document/product/436/31423 */
export async function putBucketReferer(ctx: EngineContext, name: string, config: RefererConfiguration): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  await ctx.meta.setBucketConfig(bucket.id, REFERER, JSON.stringify(config));
}

/** GET Bucket referer (COS), or NoSuchRefererConfiguration. https://www.tencentcloud.com/document/product/436/32493 */
export async function getBucketReferer(ctx: EngineContext, name: string): Promise<RefererConfiguration> {
  const bucket = await requireBucket(ctx, name);
  const doc = await ctx.meta.getBucketConfig(bucket.id, REFERER);
  if (doc === undefined) throw new S3Error('NoSuchRefererConfiguration', 'The referer configuration does not exist.');
  return JSON.parse(doc) as RefererConfiguration;
}

/** The Referer configuration to enforce: undefined when the bucket does not exist or has none. */
export async function bucketReferer(ctx: EngineContext, name: string): Promise<RefererConfiguration | undefined> {
  const bucket = await ctx.meta.getBucket(name);
  if (!bucket) return undefined;
  const doc = await ctx.meta.getBucketConfig(bucket.id, REFERER);
  return doc === undefined ? undefined : (JSON.parse(doc) as RefererConfiguration);
}
