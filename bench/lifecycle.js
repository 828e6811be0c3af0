// Lifecycle pass throughput and memory at scale. The runner promises a pass over millions of objects in flat
// memory (engine/lifecycle/runner.ts: batches of versions read in key order, decided, and applied with the run's
// cursor in one transaction). This fills one bucket with N objects, half of them tagged `class=temp`, sets an
// expiration rule on that tag (7 days), and runs one pass with the engine's clock 30 days ahead: N versions
// scanned, N/2 expired. It prints objects scanned per second, expirations per second, and the peak RSS during
// the pass (sampled every 10 ms and, on Linux, VmHWM after resetting it just before the pass). A second pass
// (nothing left to do) is timed too.
//
//   npm run build && node bench/lifecycle.js [--objects N] [--quick] [--batch N] [--versioned] [--data DIR] [--keep]
//
//   --objects    objects in the bucket (default 1,000,000)
//   --quick      100,000 objects
//   --batch      versions per batch and transaction (default: the runner's, 1,000)
//   --versioned  a versioning-enabled bucket: expiring adds a delete marker instead of deleting the row
//   --data       use (and keep) DIR instead of a temporary directory (it must be empty)
//   --keep       keep the temporary data directory and print its path
//
// How: a child process (this script with --fill-only) creates the bucket through SqliteMetaStore (the server's
// metadata store), closes it, and bulk-inserts the object rows into <data>/meta.db in the schema of
// stores/sqlite/migrations.ts, as empty objects (size 0, empty manifest: a consistent store, no blob files). The
// fill runs in its own process so its page cache does not count in this one's RSS. Then the store is opened here
// and the pass runs through createEngine with an injected clock, exactly as `coffer server` would run it
// (POST /-/admin/lifecycle/run, or the daily schedule), GC included.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { parseXml } from '../packages/protocol/dist/index.js';
import { parseLifecycle } from '../packages/server/dist/engine/lifecycle/config.js';
import { createEngine, FsBlobStore, SqliteMetaStore } from '../packages/server/dist/index.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string' },
    quick: { type: 'boolean', default: false },
    batch: { type: 'string' },
    versioned: { type: 'boolean', default: false },
    data: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'fill-only': { type: 'boolean', default: false },
  },
});
const objects = Number(values.objects ?? (values.quick ? 100_000 : 1_000_000));
if (!Number.isSafeInteger(objects) || objects < 2)
  throw new Error(`--objects: ${values.objects} is not a whole number ≥ 2`);
const batchSize = values.batch === undefined ? undefined : Number(values.batch);
if (batchSize !== undefined && !(Number.isSafeInteger(batchSize) && batchSize > 0)) {
  throw new Error(`--batch: ${values.batch} is not a whole number ≥ 1`);
}

const DAY_MS = 86_400_000;
const BUCKET = 'lifecycle-bench-1250000000';
const OWNER = 'bench';
const RULES_XML = `<LifecycleConfiguration><Rule><ID>temp</ID><Status>Enabled</Status>
  <Filter><Tag><Key>class</Key><Value>temp</Value></Tag></Filter><Expiration><Days>7</Days></Expiration>
</Rule></LifecycleConfiguration>`;

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const rate = (n, seconds) => Math.round(n / seconds).toLocaleString('en');

/** VmHWM (peak resident set) from /proc, in bytes; undefined off Linux. */
async function vmHwm() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await readFile('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs), so it measures from here on. */
async function resetPeak() {
  try {
    await writeFile('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples RSS every 10 ms until stopped; returns the highest sample. */
function sampleRss() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

/** Bulk-loads `n` object rows, every other one tagged class=temp. The store must be closed. */
function fill(dbFile, bucketId, n, versioned, lastModifiedMs) {
  const db = new Database(dbFile);
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const insert = db.prepare(`INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, is_delete_marker,
      size, etag, crc64, last_modified_ms, storage_class, object_type, owner_id, content_headers, user_meta,
      checksums, tagging, acl, manifest)
      VALUES (?, ?, ?, ?, 1, 0, 0, 'd41d8cd98f00b204e9800998ecf8427e', '0', ?, 'STANDARD', 'normal', ?,
      '{}', '{}', '{}', ?, NULL, '')`);
    const insertBatch = db.transaction((rows) => {
      for (const row of rows) insert.run(...row);
    });
    let rows = [];
    for (let i = 0; i < n; i++) {
      const seq = i + 1;
      const key = `data/${String(i).padStart(8, '0')}.bin`;
      // Unique version ids in a versioned bucket; the store's own ids are opaque, any unique string will do.
      const versionId = versioned ? `bench${seq}` : 'null';
      rows.push([bucketId, key, seq, versionId, lastModifiedMs, OWNER, i % 2 === 0 ? 'class=temp' : null]);
      if (rows.length === 50_000) {
        insertBatch(rows);
        rows = [];
      }
    }
    insertBatch(rows);
  } finally {
    db.close();
  }
}

if (values['fill-only']) {
  // The child: create the bucket through the store, then bulk-load its rows; print the bucket id.
  const dbFile = path.join(values.data, 'meta.db');
  const createdMs = Number(process.env.BENCH_CREATED_MS);
  const meta = new SqliteMetaStore({ filename: dbFile, fsync: false });
  const bucket = await meta.createBucket({ name: BUCKET, ownerId: OWNER, region: 'ap-guangzhou', createdMs });
  if (values.versioned) await meta.setBucketVersioning(bucket.id, 'Enabled');
  await meta.close();
  fill(dbFile, bucket.id, objects, values.versioned, createdMs);
  console.log(JSON.stringify({ bucketId: bucket.id }));
  process.exit(0);
}

const dataDir = values.data ?? (await mkdtemp(path.join(tmpdir(), 'coffer-lifecycle-bench-')));
await mkdir(dataDir, { recursive: true });
const dbFile = path.join(dataDir, 'meta.db');
try {
  const fillStart = performance.now();
  const child = spawnSync(
    process.execPath,
    [
      fileURLToPath(import.meta.url),
      '--fill-only',
      '--data',
      dataDir,
      '--objects',
      String(objects),
      ...(values.versioned ? ['--versioned'] : []),
    ],
    {
      env: { ...process.env, BENCH_CREATED_MS: String(Date.now()) },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (child.status !== 0) throw new Error(`fill failed (exit ${child.status})`);
  const { bucketId } = JSON.parse(child.stdout.trim().split('\n').at(-1));
  const fillSeconds = (performance.now() - fillStart) / 1000;
  console.log(
    `filled ${BUCKET}${values.versioned ? ' (versioned)' : ''}: ${objects.toLocaleString('en')} objects in ` +
      `${fillSeconds.toFixed(1)} s (${rate(objects, fillSeconds)} rows/s)`,
  );

  const meta = new SqliteMetaStore({ filename: dbFile, fsync: false });
  const blobs = await FsBlobStore.open({ directory: dataDir, fsync: false });
  const engine = createEngine({
    meta,
    blobs,
    log: pino({ level: 'silent' }),
    region: 'ap-guangzhou',
    // The objects are empty (no blob is sealed or read), so any key will do.
    sealKey: randomBytes(32),
    limits: { maxPutSizeBytes: 5 * 1024 ** 3, gcGraceMs: 0 },
    clock: { nowMs: () => Date.now() + 30 * DAY_MS },
  });
  await engine.putBucketLifecycle(BUCKET, parseLifecycle(parseXml(RULES_XML, 'LifecycleConfiguration')));

  const options = batchSize !== undefined ? { batchSize } : {};
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const hwmReset = await resetPeak();
  const sampler = sampleRss();
  const passStart = performance.now();
  const summary = await engine.runLifecycle(options);
  const passSeconds = (performance.now() - passStart) / 1000;
  const sampledPeak = sampler.stop();
  const hwm = hwmReset ? await vmHwm() : undefined;

  const expected = Math.ceil(objects / 2);
  const usage = await meta.bucketUsage(bucketId);
  const left = Object.values(usage.objects).reduce((sum, c) => sum + c.count, 0);
  if (!summary.finished || summary.versionsScanned !== objects || summary.objectsExpired !== expected) {
    throw new Error(`unexpected pass: ${JSON.stringify(summary)}`);
  }
  if (left !== objects - expected) throw new Error(`${left} objects left, expected ${objects - expected}`);

  const againStart = performance.now();
  const again = await engine.runLifecycle(options);
  const againSeconds = (performance.now() - againStart) / 1000;
  if (again.objectsExpired !== 0) throw new Error(`second pass acted: ${JSON.stringify(again)}`);
  await meta.close();

  const result = {
    objects,
    versioned: values.versioned,
    batchSize: batchSize ?? 1000,
    passSeconds: Number(passSeconds.toFixed(2)),
    objectsPerSecond: Math.round(objects / passSeconds),
    expirationsPerSecond: Math.round(expected / passSeconds),
    rssBeforeMiB: Math.round(rssBefore / 1024 / 1024),
    peakRssSampledMiB: Math.round(sampledPeak / 1024 / 1024),
    ...(hwm !== undefined ? { peakRssVmHwmMiB: Math.round(hwm / 1024 / 1024) } : {}),
    secondPassSeconds: Number(againSeconds.toFixed(2)),
    secondPassObjectsPerSecond: Math.round(again.versionsScanned / againSeconds),
  };
  console.log(
    `pass: ${objects.toLocaleString('en')} versions scanned, ${summary.objectsExpired.toLocaleString('en')} expired ` +
      `in ${passSeconds.toFixed(2)} s → ${rate(objects, passSeconds)} objects/s (${rate(expected, passSeconds)} expirations/s)`,
  );
  console.log(
    `memory: RSS ${mib(rssBefore)} before the pass, peak ${mib(sampledPeak)} sampled` +
      (hwm !== undefined ? `, ${mib(hwm)} VmHWM` : ' (VmHWM unavailable)'),
  );
  console.log(
    `second pass (nothing to do): ${again.versionsScanned.toLocaleString('en')} versions in ${againSeconds.toFixed(2)} s ` +
      `→ ${rate(again.versionsScanned, againSeconds)} objects/s`,
  );
  console.log(JSON.stringify(result));
} finally {
  if (values.data === undefined && !values.keep) await rm(dataDir, { recursive: true, force: true });
  else console.log(`data kept in ${dataDir}`);
}
