// Listing cost against bucket size. docs/ARCHITECTURE.md ("Listing") promises O(page), not O(bucket): with a delimiter,
// a folded common prefix is skipped with one index seek instead of being scanned. This times one 1,000-entry
// ListObjectsV2 page with a delimiter in buckets of 10 k and 1 M keys and prints both times and their ratio
// (goal: ≤ 1.2).
//
//   npm run build && node bench/list-scale.js [--keys 10000,1000000] [--runs 50] [--warmup 20] [--quick]
//                                             [--data DIR] [--keep]
//
//   --keys     bucket sizes, comma-separated (each ≥ 2048); ratios are against the first (default 10000,1000000)
//   --runs     timed requests per page and bucket, interleaved across buckets (default 50; --quick 15)
//   --warmup   untimed requests per page and bucket first (default 20; --quick 5)
//   --quick    10000,100000 keys, fewer runs: a smoke test, not a measurement
//   --data     use (and keep) DIR; buckets already filled there with the right key count are reused
//   --keep     keep the temporary data directory and print its path
//
// How: a fresh data directory gets one bucket per size, created through the API; with the server stopped, the
// metadata rows are bulk-inserted straight into <data>/meta.db (the server made the schema, migrations.ts), as empty
// objects (size 0, empty manifest: a consistent store, no blob files). The server is started again and each page is
// fetched over HTTP with a keep-alive agent and SigV4 signing; the time is request to last byte of the XML.
//
// Layout of a bucket of N keys, shaped like `dir0042/sub07/file000123.txt`:
//   - 1,024 top-level directories dir0000/ … dir1023/ share N − 1,024 keys evenly, 100 files per sub-directory
//     (about 9 keys each at 10 k, 975 at 1 M);
//   - dir0512/sub00/ holds 1,024 more files.
// Pages timed (both with delimiter '/', max-keys 1000, both must return 1,000 entries):
//   root     no prefix: 1,000 CommonPrefixes dir0000/ … dir0999/, each one a seek past everything under it;
//   prefix   prefix dir0512/sub00/: 1,000 Contents, a range scan in the middle of the bucket.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { call, readText, signedRequest, startChildServer } from './lib/child-server.js';

const { values } = parseArgs({
  options: {
    keys: { type: 'string' },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    quick: { type: 'boolean', default: false },
    data: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const sizes = (values.keys ?? (quick ? '10000,100000' : '10000,1000000')).split(',').map((s) => Number(s.trim()));
const runs = Number(values.runs ?? (quick ? 15 : 50));
const warmup = Number(values.warmup ?? (quick ? 5 : 20));
for (const n of sizes) {
  if (!Number.isSafeInteger(n) || n < 2048) throw new Error(`--keys: ${n} is not a whole number ≥ 2048`);
}

const TOP_DIRS = 1024;
const PROBE_DIR = 512;
const PROBE_FILES = 1024;
const FILES_PER_SUB = 100;
const PAGES = [
  { name: 'root', label: "delimiter '/'", query: { delimiter: '/' }, entry: '<CommonPrefixes>' },
  {
    name: 'prefix',
    label: `prefix dir${pad(PROBE_DIR, 4)}/sub00/, delimiter '/'`,
    query: { prefix: `dir${pad(PROBE_DIR, 4)}/sub00/`, delimiter: '/' },
    entry: '<Contents>',
  },
];

function pad(n, width) {
  return String(n).padStart(width, '0');
}

const bucketName = (n) => `list${n}-1250000000`;

/** The keys of a bucket of `n`, in key order (sorted inserts keep the B-trees dense and the fill fast). */
function* layout(n) {
  const bulk = n - PROBE_FILES;
  for (let d = 0; d < TOP_DIRS; d++) {
    const dir = `dir${pad(d, 4)}/`;
    if (d === PROBE_DIR) for (let f = 0; f < PROBE_FILES; f++) yield `${dir}sub00/file${pad(f, 6)}.txt`;
    const count = Math.floor(bulk / TOP_DIRS) + (d < bulk % TOP_DIRS ? 1 : 0);
    for (let r = 0; r < count; r++) {
      yield `${dir}sub${pad(1 + Math.floor(r / FILES_PER_SUB), 2)}/file${pad(r % FILES_PER_SUB, 6)}.txt`;
    }
  }
}

/** Inserts the rows of every bucket that does not already hold its key count. The server must be stopped. */
function fill(dataDir, wanted) {
  const db = new Database(path.join(dataDir, 'meta.db'));
  try {
    // Bulk-load settings for this connection only; the server puts WAL and its own synchronous back on open.
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const bucketRow = db.prepare('SELECT id, owner_id FROM buckets WHERE name = ?');
    const count = db.prepare('SELECT count(*) AS n FROM objects WHERE bucket_id = ?');
    const insert = db.prepare(`INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, is_delete_marker,
      size, etag, crc64, last_modified_ms, storage_class, object_type, owner_id, content_headers, user_meta,
      checksums, tagging, acl, manifest)
      VALUES (?, ?, ?, 'null', 1, 0, 0, 'd41d8cd98f00b204e9800998ecf8427e', '0', ?, 'STANDARD', 'normal', ?,
      '{}', '{}', '{}', NULL, NULL, '')`);
    const insertBatch = db.transaction((rows) => {
      for (const row of rows) insert.run(...row);
    });
    let seq = db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM objects').get().seq;
    for (const n of wanted) {
      const bucket = bucketRow.get(bucketName(n));
      const have = count.get(bucket.id).n;
      if (have === n) {
        console.log(`bucket ${bucketName(n)}: ${n.toLocaleString('en')} keys already there`);
        continue;
      }
      if (have !== 0) throw new Error(`bucket ${bucketName(n)} holds ${have} keys, not 0 or ${n}; use a fresh --data`);
      const startMs = performance.now();
      const nowMs = Date.now();
      let rows = [];
      for (const key of layout(n)) {
        rows.push([bucket.id, key, ++seq, nowMs, bucket.owner_id]);
        if (rows.length === 50_000) {
          insertBatch(rows);
          rows = [];
        }
      }
      insertBatch(rows);
      const seconds = (performance.now() - startMs) / 1000;
      console.log(
        `bucket ${bucketName(n)}: inserted ${n.toLocaleString('en')} keys in ${seconds.toFixed(1)} s ` +
          `(${Math.round(n / seconds).toLocaleString('en')} rows/s)`,
      );
    }
  } finally {
    db.close();
  }
}

async function listPage(server, n, page) {
  const res = await signedRequest(server, {
    method: 'GET',
    path: `/${bucketName(n)}`,
    query: { 'list-type': '2', ...page.query, 'max-keys': '1000' },
  });
  const text = await readText(res);
  if (res.statusCode !== 200) throw new Error(`list ${bucketName(n)} ${page.name}: HTTP ${res.statusCode} ${text}`);
  return text;
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const dataDir = values.data ?? (await mkdtemp(path.join(tmpdir(), 'coffer-list-scale-')));
let server = await startChildServer(dataDir, { COFFER_LOG_LEVEL: 'warn' });
try {
  for (const n of sizes) {
    const head = await signedRequest(server, { method: 'HEAD', path: `/${bucketName(n)}` });
    head.resume();
    if (head.statusCode === 404) await call(server, { method: 'PUT', path: `/${bucketName(n)}` });
  }
  await server.stop();
  fill(dataDir, sizes);
  server = await startChildServer(dataDir, { COFFER_LOG_LEVEL: 'warn' });

  // Check the shape once, then warm up (JIT, SQLite page cache, OS page cache).
  for (const n of sizes) {
    for (const page of PAGES) {
      const text = await listPage(server, n, page);
      const entries = text.split(page.entry).length - 1;
      const keyCount = /<KeyCount>(\d+)<\/KeyCount>/.exec(text)?.[1];
      if (entries !== 1000 || keyCount !== '1000' || !text.includes('<IsTruncated>true</IsTruncated>')) {
        throw new Error(
          `${bucketName(n)} ${page.name}: expected a truncated page of 1000 ${page.entry}, got ${entries}`,
        );
      }
      for (let i = 0; i < warmup; i++) await listPage(server, n, page);
    }
  }

  const times = new Map(sizes.flatMap((n) => PAGES.map((p) => [`${n}/${p.name}`, []])));
  for (let run = 0; run < runs; run++) {
    // Interleaved, so drift (other load, CPU frequency) hits every bucket alike.
    for (const n of sizes) {
      for (const page of PAGES) {
        const startMs = performance.now();
        await listPage(server, n, page);
        times.get(`${n}/${page.name}`).push(performance.now() - startMs);
      }
    }
  }

  const rows = [];
  for (const page of PAGES) {
    for (const n of sizes) {
      const sorted = times.get(`${n}/${page.name}`).sort((a, b) => a - b);
      const medianMs = quantile(sorted, 0.5);
      rows.push({
        keys: n,
        page: page.name,
        medianMs,
        minMs: sorted[0],
        p90Ms: quantile(sorted, 0.9),
        pagesPerSec: 1000 / medianMs,
      });
    }
  }
  const base = sizes[0];
  const medianOf = (n, page) => rows.find((r) => r.keys === n && r.page === page).medianMs;

  console.log('');
  console.log(`ListObjectsV2, max-keys 1000, 1,000 entries per page; median of ${runs} runs after ${warmup} warm-up`);
  console.log('');
  console.log(
    `${'keys'.padStart(10)}  ${'page'.padEnd(46)}  ${'median ms'.padStart(9)}  ${'min ms'.padStart(7)}  ` +
      `${'p90 ms'.padStart(7)}  pages/s`,
  );
  console.log(`${'-'.repeat(10)}  ${'-'.repeat(46)}  ${'-'.repeat(9)}  ${'-'.repeat(7)}  ${'-'.repeat(7)}  -------`);
  for (const r of rows) {
    const page = PAGES.find((p) => p.name === r.page);
    console.log(
      `${r.keys.toLocaleString('en').padStart(10)}  ${`${page.name}: ${page.label}`.padEnd(46)}  ` +
        `${r.medianMs.toFixed(2).padStart(9)}  ${r.minMs.toFixed(2).padStart(7)}  ${r.p90Ms.toFixed(2).padStart(7)}  ` +
        `${r.pagesPerSec.toFixed(0).padStart(7)}`,
    );
  }
  console.log('');
  const ratios = [];
  for (const n of sizes.slice(1)) {
    for (const page of PAGES) {
      const ratio = medianOf(n, page.name) / medianOf(base, page.name);
      ratios.push({ keys: n, baseKeys: base, page: page.name, ratio });
      console.log(
        `ratio ${n.toLocaleString('en')}/${base.toLocaleString('en')} keys, ${page.name} page: ` +
          `${ratio.toFixed(2)} (goal ≤ 1.2) ${ratio <= 1.2 ? 'ok' : 'OVER'}`,
      );
    }
  }
  console.log('');
  for (const r of rows) {
    console.log(
      JSON.stringify({
        bench: 'list-scale',
        keys: r.keys,
        page: r.page,
        entries: 1000,
        runs,
        medianMs: Number(r.medianMs.toFixed(3)),
        minMs: Number(r.minMs.toFixed(3)),
        p90Ms: Number(r.p90Ms.toFixed(3)),
        pagesPerSec: Number(r.pagesPerSec.toFixed(1)),
      }),
    );
  }
  for (const r of ratios) console.log(JSON.stringify({ bench: 'list-scale', ...r, ratio: Number(r.ratio.toFixed(3)) }));
} finally {
  await server.stop();
  if (values.data === undefined && !values.keep) await rm(dataDir, { recursive: true, force: true });
  else console.log(`data directory kept: ${dataDir}`);
}
