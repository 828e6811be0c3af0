import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OWNER, openTestEngine, put, read, type TestEngine } from './engine.fixture.js';
import type { InventoryConfiguration } from './inventory.js';

let t: TestEngine;
beforeEach(async () => {
  t = await openTestEngine();
});
afterEach(async () => {
  await t.close();
});

function config(overrides: Partial<InventoryConfiguration> = {}): InventoryConfiguration {
  return {
    id: 'daily',
    enabled: true,
    destinationBucket: 'reports',
    destinationBucketRef: 'arn:aws:s3:::reports',
    destinationPrefix: 'inv',
    encrypted: false,
    format: 'CSV',
    includedVersions: 'Current',
    fields: ['Size', 'LastModifiedDate', 'ETag', 'StorageClass', 'IsMultipartUploaded'],
    frequency: 'Daily',
    dialect: 's3',
    ...overrides,
  };
}

interface Manifest {
  sourceBucket: string;
  destinationBucket: string;
  version: string;
  creationTimestamp: string;
  fileFormat: string;
  fileSchema: string;
  files: { key: string; size: number; MD5checksum: string }[];
}

/** Reads a report back, checking manifest.checksum and every file's size and MD5 against the manifest. */
async function readReport(manifestKey: string): Promise<{ manifest: Manifest; lines: string[] }> {
  const manifestBody = await read(t.engine, 'reports', manifestKey);
  const checksum = (
    await read(t.engine, 'reports', manifestKey.replace(/manifest\.json$/, 'manifest.checksum'))
  ).toString();
  expect(checksum).toBe(createHash('md5').update(manifestBody).digest('hex'));
  const manifest = JSON.parse(manifestBody.toString()) as Manifest;
  const lines: string[] = [];
  for (const file of manifest.files) {
    const gz = await read(t.engine, 'reports', file.key);
    expect(gz.length).toBe(file.size);
    expect(createHash('md5').update(gz).digest('hex')).toBe(file.MD5checksum);
    const text = gunzipSync(gz).toString();
    if (text !== '') lines.push(...text.slice(0, -1).split('\n'));
  }
  return { manifest, lines };
}

/**
 * Runs `fn` and returns its result with the most live heap it held above the heap before it: a full GC every
 * 50 ms, then heapUsed. Reading heapUsed without a GC counts garbage not yet collected, which depends on how
 * busy the machine is (74 MB once under a full suite), not on what the code keeps.
 */
async function liveHeapPeak<T extends object>(fn: () => Promise<T>): Promise<T & { peakGrowth: number }> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = 0;
  const sample = () => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - before);
  };
  const timer = setInterval(sample, 50);
  try {
    const result = await fn();
    sample();
    return Object.assign(result, { peakGrowth: peak });
  } finally {
    clearInterval(timer);
  }
}

describe('inventory reports', () => {
  it('lists 100,000 keys exactly as ListObjects does, in several gzip files whose manifest checksums hold', async () => {
    const source = await t.engine.createBucket(OWNER, 'photos');
    await t.engine.createBucket(OWNER, 'reports');
    const KEYS = 100_000;
    // Build the keys through the store directly (empty objects, one group commit per chunk).
    const CHUNK = 5000;
    for (let start = 0; start < KEYS; start += CHUNK) {
      const writes = [];
      for (let i = start; i < Math.min(start + CHUNK, KEYS); i++) {
        const ext = i % 4 === 0 ? 'jpg' : i % 4 === 1 ? 'png' : 'txt';
        writes.push(
          t.meta.commitObject({
            bucketId: source.id,
            key: `dir${i % 7}/item-${i}.${ext}`,
            newBlobs: [],
            version: {
              isDeleteMarker: false,
              size: i % 1000,
              etag: 'd41d8cd98f00b204e9800998ecf8427e',
              lastModifiedMs: 1_700_000_000_000 + i,
              storageClass: i % 10 === 0 ? 'STANDARD_IA' : 'STANDARD',
              objectType: 'normal',
              ownerId: OWNER.ownerId,
              contentHeaders: {},
              userMeta: {},
              checksums: {},
              manifest: [],
            },
          }),
        );
      }
      await Promise.all(writes);
    }
    await t.engine.putBucketInventory('photos', config());
    const report = await liveHeapPeak(() => t.engine.runInventory('photos', 'daily', { maxRowsPerFile: 40_000 }));
    const heapGrowth = report.peakGrowth;
    expect(report.rows).toBe(KEYS);
    expect(report.files.map((f) => f.rows)).toEqual([40_000, 40_000, 20_000]);
    expect(report.manifestKey).toMatch(/^inv\/photos\/daily\/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z\/manifest\.json$/);
    // Bounded memory: the live heap stays far below the report (rows ~20 MB); about 1 MB is measured.
    expect(heapGrowth).toBeLessThan(16 * 1024 * 1024);

    const { manifest, lines } = await readReport(report.manifestKey);
    expect(manifest).toMatchObject({
      sourceBucket: 'photos',
      destinationBucket: 'arn:aws:s3:::reports',
      version: '2016-11-30',
      fileFormat: 'CSV',
      fileSchema: 'Bucket, Key, Size, LastModifiedDate, ETag, StorageClass, IsMultipartUploaded',
    });
    expect(manifest.files.every((f) => /^inv\/photos\/daily\/data\/[0-9a-f-]{36}\.csv\.gz$/.test(f.key))).toBe(true);

    // The report against a full listing, page by page.
    let after = '';
    let i = 0;
    for (;;) {
      const { page } = await t.engine.listObjects('photos', { prefix: '', delimiter: '', after, maxKeys: 1000 });
      for (const entry of page.entries) {
        if (entry.kind !== 'object') continue;
        const o = entry.object;
        expect(lines[i++]).toBe(
          `"photos","${o.key}","${o.size}","${new Date(o.lastModifiedMs).toISOString()}","${o.etag}","${o.storageClass}","false"`,
        );
      }
      if (!page.isTruncated) break;
      after = page.nextAfter!;
    }
    expect(i).toBe(KEYS);
    expect(lines).toHaveLength(KEYS);
    const images = lines.filter((l) => /\.(jpe?g|png|gif|webp)",/.test(l)).length;
    expect(images).toBe(50_000);
  }, 120_000);

  it('with all versions lists delete markers and noncurrent versions; a prefix filter narrows it; keys are URL-encoded', async () => {
    await t.engine.createBucket(OWNER, 'docs');
    await t.engine.createBucket(OWNER, 'reports');
    await t.engine.setBucketVersioning('docs', 'Enabled');
    const v1 = await put(t.engine, 'docs', 'a/x y+z.txt', 'one');
    const v2 = await put(t.engine, 'docs', 'a/x y+z.txt', 'two!');
    await put(t.engine, 'docs', 'b/other.txt', 'other');
    const marker = await t.engine.deleteObject({ bucket: 'docs', key: 'a/x y+z.txt', actor: OWNER });
    await t.engine.putBucketInventory(
      'docs',
      config({ id: 'all', includedVersions: 'All', filterPrefix: 'a/', fields: ['Size', 'EncryptionStatus'] }),
    );
    const report = await t.engine.runInventory('docs', 'all');
    const { manifest, lines } = await readReport(report.manifestKey);
    expect(manifest.fileSchema).toBe('Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, EncryptionStatus');
    const markerId = (marker as { versionId?: string }).versionId;
    expect(lines).toEqual([
      `"docs","a/x%20y%2Bz.txt","${markerId}","true","true","",""`,
      `"docs","a/x%20y%2Bz.txt","${v2.version.versionId}","false","false","4","NOT-SSE"`,
      `"docs","a/x%20y%2Bz.txt","${v1.version.versionId}","false","false","3","NOT-SSE"`,
    ]);
  });

  it('is due daily after midnight UTC, weekly after seven days, and again after a failed run', async () => {
    const { inventoryDue } = await import('./inventory.js');
    const day = Date.UTC(2030, 0, 10);
    expect(inventoryDue('Daily', undefined, day)).toBe(true);
    expect(inventoryDue('Daily', day + 1000, day + 3_600_000)).toBe(false);
    expect(inventoryDue('Daily', day - 1000, day + 3_600_000)).toBe(true);
    expect(inventoryDue('Weekly', day, day + 6 * 86_400_000)).toBe(false);
    expect(inventoryDue('Weekly', day, day + 7 * 86_400_000)).toBe(true);

    await t.engine.createBucket(OWNER, 'src');
    await t.engine.createBucket(OWNER, 'reports');
    await t.engine.putBucketInventory('src', config());
    await t.engine.deleteBucket('reports');
    expect(await t.engine.runDueInventories()).toEqual({ ran: 0, failed: 1 });
    await t.engine.createBucket(OWNER, 'reports');
    expect(await t.engine.runDueInventories()).toEqual({ ran: 1, failed: 0 });
    expect(await t.engine.runDueInventories()).toEqual({ ran: 0, failed: 0 });
  });
});
