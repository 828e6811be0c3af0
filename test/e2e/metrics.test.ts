/**
 * GET /-/metrics (docs/operations.md, "Metrics"): Prometheus text from prom-client, read here with
 * an independent parser (parse-prometheus-text-format, a port of the Prometheus Python client's);
 * labelled histograms, which that parser folds together, are read back from prom-client's registry.
 * Guarded: the configured bearer token or the root's signature; anyone else is refused.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubUser, rootCreds, send } from './helpers/access.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const TOKEN = 'metrics-token-0123456789abcdef';

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; count?: string }[];
}

let t: TestServer;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestServer({ config: { metricsToken: TOKEN, metricsMaxBuckets: '2' } });
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

async function scrape(): Promise<Map<string, Family>> {
  const res = await fetch(`${t.url}/-/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const families = parsePrometheusTextFormat(await res.text()) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}

function sample(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  if (!family) throw new Error(`no metric ${name}`);
  const found = family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return found.reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
}

describe('/-/metrics', () => {
  it('counts requests by operation and status, times them, adds their bytes, and shows usage per bucket', async () => {
    const Bucket = t.bucketName('metrics');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const before = await scrape();
    const putsBefore = before.has('coffer_requests_total')
      ? sample(before, 'coffer_requests_total', { operation: 'PutObject', status: '200' })
      : 0;
    for (let i = 0; i < 3; i++) {
      await s3.send(new PutObjectCommand({ Bucket, Key: `k${i}`, Body: Buffer.alloc(1000) }));
    }
    await s3.send(new GetObjectCommand({ Bucket, Key: 'k0' })).then((r) => r.Body!.transformToByteArray());
    await expect(s3.send(new GetObjectCommand({ Bucket, Key: 'missing' }))).rejects.toThrow();

    const m = await scrape();
    expect(sample(m, 'coffer_requests_total', { operation: 'PutObject', status: '200' }) - putsBefore).toBe(3);
    expect(sample(m, 'coffer_requests_total', { operation: 'GetObject', status: '404' })).toBe(1);
    expect(m.get('coffer_request_duration_seconds')!.type).toBe('HISTOGRAM');
    // The parser folds labelled histograms into one sample (prom2json's shape), so the per-operation
    // series are read back from prom-client's registry, the same numbers the text was made from.
    const duration = await t.server.metrics.registry.getSingleMetric('coffer_request_duration_seconds')!.get();
    const putCount = duration.values.find(
      (v) => v.labels.operation === 'PutObject' && (v as { metricName?: string }).metricName?.endsWith('_count'),
    )!;
    expect(putCount.value).toBeGreaterThanOrEqual(3);
    expect(sample(m, 'coffer_received_bytes_total', { operation: 'PutObject' })).toBeGreaterThanOrEqual(3000);
    expect(sample(m, 'coffer_sent_bytes_total', { operation: 'GetObject' })).toBeGreaterThanOrEqual(1000);
    // The scrape itself is in flight while it is answered.
    expect(sample(m, 'coffer_requests_in_flight')).toBeGreaterThanOrEqual(1);
    expect(m.get('coffer_metadata_store_duration_seconds')!.type).toBe('HISTOGRAM');
    const meta = await t.server.metrics.registry.getSingleMetric('coffer_metadata_store_duration_seconds')!.get();
    expect(new Set(meta.values.map((v) => v.labels.method))).toContain('commitObject');
    expect(m.get('coffer_nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE');
    expect(sample(m, 'coffer_bucket_objects', { bucket: Bucket, storage_class: 'STANDARD' })).toBe(3);
    expect(sample(m, 'coffer_bucket_bytes', { bucket: Bucket, storage_class: 'STANDARD' })).toBe(3000);
    for (const name of ['coffer_gc_backlog_blobs', 'coffer_gc_runs_total', 'coffer_lifecycle_run_unfinished']) {
      expect(m.has(name), name).toBe(true);
    }
    // A single node holds every background job's lease.
    expect(sample(m, 'coffer_lease_held', { lease: 'gc' })).toBe(1);
    expect(sample(m, 'coffer_lease_held', { lease: 'lifecycle' })).toBe(1);
  });

  it('names at most COFFER_METRICS_MAX_BUCKETS buckets; the smaller ones sum as _other', async () => {
    const names = [t.bucketName('big'), t.bucketName('mid'), t.bucketName('small')];
    for (const [i, Bucket] of names.entries()) {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutObjectCommand({ Bucket, Key: 'x', Body: Buffer.alloc(100_000 - i * 40_000) }));
    }
    const m = await scrape();
    const buckets = new Set(m.get('coffer_bucket_bytes')!.metrics.map((s) => s.labels!.bucket));
    expect(buckets.size).toBe(3); // two named, plus _other
    expect(buckets.has('_other')).toBe(true);
    expect(buckets.has(names[0]!)).toBe(true);
    expect(buckets.has(names[2]!)).toBe(false);
  });

  it('GC passes are counted', async () => {
    const Bucket = t.bucketName('gc');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'x', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'x', Body: 'two' })); // the first blob is garbage
    const before = sample(await scrape(), 'coffer_gc_blobs_deleted_total');
    await t.server.engine.collectGarbage();
    const after = await scrape();
    expect(sample(after, 'coffer_gc_blobs_deleted_total') - before).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'coffer_gc_runs_total')).toBeGreaterThanOrEqual(1);
  });

  it('refuses a wrong token, no credentials, and a signed non-root; answers the signed root', async () => {
    const wrong = await fetch(`${t.url}/-/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${t.url}/-/metrics`)).status).toBe(403);
    const root = await send(t, { method: 'GET', path: '/-/metrics' }, { kind: 'v4', creds: rootCreds(t) });
    expect(root.status).toBe(200);
    expect(root.text).toContain('# TYPE coffer_requests_total counter');
    const user = await createSubUser(t, 'metrics-user');
    const sub = await send(t, { method: 'GET', path: '/-/metrics' }, { kind: 'v4', creds: user.creds });
    expect(sub.status).toBe(403);
  });
});
