// The benchmark matrix: Coffer against the limit of this machine (the ceiling, bench/ceiling-server.js) and against
// a peer (s3rver), measured in one run by one client, with the goals of issue 7 checked on the ratios.
//
//   npm run bench        (node bench/run.js --quick: under 3 minutes)
//   npm run bench:full   (node bench/run.js --full: longer runs, a 10 M-key bucket too)
//
//   --quick | --full   the profile (default --quick)
//   --auth sigv4|cos   how the client signs requests to Coffer (default sigv4; s3rver always gets SigV4)
//   --only IDS         only these rows (comma-separated ids or id prefixes: put-4k, get-256m, list, complete, delete,
//                      rss); a GET row brings its PUT row along
//   --targets NAMES    only these targets (default coffer,ceiling,s3rver)
//   --cpu-prof DIR     run every Coffer server under `node --cpu-prof`, profiles written to DIR
//   --coffer-node-args "FLAGS"  more node/V8 flags for every Coffer server (to A/B a runtime setting)
//   --coffer-env "K=V,…"        COFFER_* settings for every Coffer server (e.g. COFFER_INLINE_MAX_BYTES=0)
//   --no-build         skip `tsc -b` (the servers run from packages/*/dist)
//
// Rows (each run on Coffer, then the ceiling, then s3rver, interleaved in rounds so that noise from other work on
// the machine falls on all three alike):
//   PUT/GET 4 KiB and 64 KiB c=32, 1 MiB c=8 (by duration), 256 MiB c=1 (by count); every GET body verified byte for
//   byte; the servers' CPU ms per request (from /proc/<pid>/stat) beside each rate
//   DeleteObjects of 1,000 keys (the 4 KiB objects), median time of one request
//   peak RSS of the server during one 2 GiB PUT (a fresh server per target)
//   LIST: a 1,000-entry page with delimiter '/' from buckets of 10 k and 1 M keys (10 M with --full), root page
//         (1,000 CommonPrefixes) and a prefix page (1,000 Contents); metadata filled directly (bench/lib/prefill.js)
//   CompleteMultipartUpload of 10,000 parts (parts written directly; the Complete is a real request)
// Output: a table of every measurement, a summary with ratios and PASS/MISS per goal, one JSON line per row, and
// everything in .bench/results-<timestamp>.json.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient, describeResponse } from './lib/http-client.js';
import { formatSize, queryString, runLoad, Stats } from './lib/load.js';
import {
  fillCofferListing,
  fillS3rverListing,
  PROBE_DIR,
  prefillCofferUploads,
  prefillS3rverParts,
} from './lib/prefill.js';
import { num } from './lib/report.js';
import { readMemory, watchMemory } from './lib/rss.js';
import { goals, measurementTable, rowRecord, summaryTable } from './lib/summary.js';
import { startTarget, TARGET_NAMES } from './lib/targets.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    auth: { type: 'string', default: 'sigv4' },
    only: { type: 'string' },
    targets: { type: 'string', default: TARGET_NAMES.join(',') },
    'cpu-prof': { type: 'string' },
    'coffer-node-args': { type: 'string' },
    'coffer-env': { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const ROOT = path.resolve(import.meta.dirname, '..');
const PROFILES = {
  quick: {
    rounds: 2,
    roundMs: 1200,
    warmupMs: 400,
    bigRounds: 2,
    bigPerRound: 1,
    listSizes: [10_000, 1_000_000],
    listRounds: 3,
    listPagesPerRound: 10,
    listWarmup: 5,
    peerListPagesPerRound: 2,
    completeRuns: 1,
    deleteRuns: 2,
    rssBytes: 2 * GIB,
  },
  full: {
    rounds: 3,
    roundMs: 4000,
    warmupMs: 2000,
    bigRounds: 4,
    bigPerRound: 2,
    listSizes: [10_000, 1_000_000, 10_000_000],
    listRounds: 5,
    listPagesPerRound: 20,
    listWarmup: 20,
    peerListPagesPerRound: 5,
    completeRuns: 3,
    deleteRuns: 5,
    rssBytes: 2 * GIB,
  },
};
const profileName = values.full ? 'full' : 'quick';
const P = PROFILES[profileName];
const AUTH = values.auth;
const TARGETS = values.targets.split(',').filter((t) => TARGET_NAMES.includes(t));
const BUCKET = 'bench-1250000000';
const MPU_BUCKET = 'mpu-1250000000';
const COMPLETE_PARTS = 10_000;
/** s3rver's Complete copies every byte of every part, so its parts are kept small (see the notes printed). */
const PEER_PART_BYTES = KIB;
const listBucket = (n) => `list${n}-1250000000`;
const keysLabel = (n) => (n >= 1e6 ? `${n / 1e6} M` : `${n / 1e3} k`);

/** Byte rows in order; a GET row reads the objects its `from` row wrote. */
const BYTE_ROWS = [
  // Issue 17's goals: small objects are stored inline (one group-committed database write, no file),
  // so a 4 KiB PUT is to beat a file-per-object server with fsync (1.3×) and s3rver (3×, no fsync).
  { id: 'put-4k', mode: 'put', sizeBytes: 4 * KIB, concurrency: 32, unit: 'ops/s', ceiling: 1.3, peer: 3 },
  { id: 'get-4k', mode: 'get', sizeBytes: 4 * KIB, concurrency: 32, unit: 'ops/s', ceiling: 0.9, from: 'put-4k' },
  { id: 'put-64k', mode: 'put', sizeBytes: 64 * KIB, concurrency: 32, unit: 'ops/s', ceiling: 1 },
  { id: 'get-64k', mode: 'get', sizeBytes: 64 * KIB, concurrency: 32, unit: 'ops/s', ceiling: 1, from: 'put-64k' },
  { id: 'put-1m', mode: 'put', sizeBytes: MIB, concurrency: 8, unit: 'MiB/s' },
  { id: 'get-1m', mode: 'get', sizeBytes: MIB, concurrency: 8, unit: 'MiB/s', from: 'put-1m' },
  { id: 'put-256m', mode: 'put', sizeBytes: 256 * MIB, concurrency: 1, unit: 'MiB/s', ceiling: 0.9, big: true },
  {
    id: 'get-256m',
    mode: 'get',
    sizeBytes: 256 * MIB,
    concurrency: 1,
    unit: 'MiB/s',
    ceiling: 0.85,
    big: true,
    from: 'put-256m',
  },
];
const LIST_PAGES = [
  { name: 'root', label: "root, delimiter '/'", list: { delimiter: '/', maxKeys: 1000, expectEntries: 1000 } },
  {
    name: 'prefix',
    label: `prefix ${PROBE_DIR}`,
    list: { prefix: PROBE_DIR, delimiter: '/', maxKeys: 1000, expectEntries: 1000 },
  },
];

const only = values.only?.split(',').map((s) => s.trim());
const wants = (id) => only === undefined || only.some((o) => id === o || id.startsWith(o));
const rows = [];
const notes = [];
const say = (line = '') => console.log(line);

function build() {
  if (values['no-build']) return;
  const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const startMs = performance.now();
  const result = spawnSync(process.execPath, [tsc, '-b'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error('`tsc -b` failed: the servers run from packages/*/dist (pass --no-build to use it as it is)');
  }
  say(`tsc -b: ${((performance.now() - startMs) / 1000).toFixed(1)} s`);
}

function cofferOptions(extra = {}) {
  return {
    auth: AUTH,
    ...(values['cpu-prof'] ? { cpuProfDir: values['cpu-prof'] } : {}),
    ...(values['coffer-node-args'] ? { nodeArgs: values['coffer-node-args'].split(/\s+/) } : {}),
    ...(values['coffer-env']
      ? { env: Object.fromEntries(values['coffer-env'].split(',').map((kv) => kv.split('=', 2))) }
      : {}),
    ...extra,
  };
}

async function start(name, bucket, extra = {}) {
  return startTarget(name, name === 'coffer' ? cofferOptions({ bucket, ...extra }) : { bucket, ...extra });
}

async function createBucket(target, bucket) {
  const client = createClient({ ...target, bucket }, { concurrency: 1 });
  try {
    const res = await client.send({ method: 'PUT', path: `/${bucket}` });
    if (res.status !== 200) throw new Error(`${target.name}: ${describeResponse('PUT', `/${bucket}`, res)}`);
  } finally {
    client.close();
  }
}

/** `items` rotated left by `n`. */
function rotate(items, n) {
  const k = n % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * Writes back every dirty page (sync(1)) before a write measurement. s3rver does not fsync, so without this the
 * kernel writes its data back while the next target is being measured, and that target pays for it.
 */
function flushDirtyPages() {
  spawnSync('sync', { stdio: 'ignore' });
}

/**
 * CPU time (user + system) a server process has used so far, in ms, from /proc/<pid>/stat (clock ticks of
 * 10 ms; a round of a second or more makes that fine enough). Summed over rounds and divided by the
 * verified operations, it is the row's "server CPU ms per request": a figure the machine's other load
 * moves far less than a rate.
 */
async function serverCpuMs(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) of proc(5); the slice starts at field 3.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** A measurement from merged stats: the summary plus the row's value. */
function measurement(stats, seconds, extra, value) {
  const m = { ...stats.summary(seconds), ...extra };
  m.value = value(m);
  return m;
}

function progress(title, name, m, unit) {
  say(
    `  ${title.padEnd(30)} ${name.padEnd(8)} ${num(m.value, 1).padStart(10)} ${unit.padEnd(8)} ` +
      `p50 ${num(m.p50Ms, 2)} ms, p99 ${num(m.p99Ms, 2)} ms, ${m.errors} errors` +
      (m.errorSamples ? ` (${m.errorSamples[0]})` : ''),
  );
}

/** PUT/GET rows and DeleteObjects, all three targets running side by side (only one is ever loaded at a time). */
async function byteSection() {
  const defs = BYTE_ROWS.filter((d) => wants(d.id) || BYTE_ROWS.some((g) => g.from === d.id && wants(g.id)));
  const wantDelete = wants('delete-1000');
  if (defs.length === 0 && !wantDelete) return;
  say('PUT / GET rows');
  const targets = [];
  try {
    for (const name of TARGETS) {
      const target = await start(name, BUCKET);
      targets.push(target);
      await createBucket(target, BUCKET);
    }
    const keysOf = new Map();
    for (const def of defs) {
      const title = `${def.mode.toUpperCase()} ${formatSize(def.sizeBytes)} c=${def.concurrency}`;
      const row = {
        id: def.id,
        title,
        unit: def.unit,
        higherIsBetter: true,
        digits: 1,
        measurements: {},
        goals: [
          ...(def.ceiling !== undefined ? [goals.ceiling(def.ceiling)] : []),
          goals.peer(def.peer ?? 2),
          goals.noErrors(),
        ],
      };
      const acc = new Map(
        targets.map((t) => [t.name, { stats: new Stats(), seconds: 0, clientCpuMs: 0, serverCpuMs: 0, keys: [] }]),
      );
      const clients = new Map(targets.map((t) => [t.name, createClient(t, { concurrency: def.concurrency })]));
      try {
        const rounds = def.big ? P.bigRounds : P.rounds;
        for (let round = 0; round < rounds; round++) {
          // Each round starts with another target, so no target always runs right after the same neighbour.
          for (const target of rotate(targets, round)) {
            const client = clients.get(target.name);
            const keys = def.from ? (keysOf.get(`${target.name}/${def.from}`) ?? []) : [];
            if (def.mode === 'get' && keys.length === 0) continue;
            const options = {
              mode: def.mode,
              sizeBytes: def.sizeBytes,
              concurrency: def.concurrency,
              keys,
              // Flat keys: s3rver removes a directory emptied by a delete and races itself doing so.
              keyPrefix: `${def.id}-r${round}-`,
            };
            if (round === 0 && !def.big) {
              await runLoad(client, { ...options, durationMs: P.warmupMs, keyPrefix: `${def.id}-warm-` });
            }
            flushDirtyPages();
            const cpuBefore = await serverCpuMs(target.pid);
            const result = await runLoad(client, {
              ...options,
              ...(def.big ? { count: P.bigPerRound } : { durationMs: P.roundMs }),
            });
            const a = acc.get(target.name);
            a.serverCpuMs += (await serverCpuMs(target.pid)) - cpuBefore;
            a.stats.merge(result.stats);
            a.seconds += result.seconds;
            a.clientCpuMs += result.clientCpuMs;
            a.keys.push(...result.keys);
          }
        }
      } finally {
        for (const client of clients.values()) client.close();
      }
      for (const target of targets) {
        const a = acc.get(target.name);
        keysOf.set(`${target.name}/${def.id}`, a.keys);
        if (a.seconds === 0) continue;
        const clientCpuPct = Number(((100 * a.clientCpuMs) / 1000 / a.seconds).toFixed(1));
        const serverCpuMsPerOp = a.stats.ops > 0 ? Number((a.serverCpuMs / a.stats.ops).toFixed(4)) : undefined;
        const m = measurement(
          a.stats,
          a.seconds,
          {
            sizeBytes: def.sizeBytes,
            concurrency: def.concurrency,
            clientCpuPct,
            ...(serverCpuMsPerOp !== undefined ? { serverCpuMsPerOp } : {}),
            extra: `client CPU ${clientCpuPct}%, server CPU ${serverCpuMsPerOp?.toFixed(3) ?? '?'} ms/req`,
          },
          (x) => (def.unit === 'MiB/s' ? x.mibPerSec : x.opsPerSec),
        );
        row.measurements[target.name] = m;
        progress(title, target.name, m, def.unit);
      }
      if (wants(def.id)) rows.push(row);
    }
    if (wantDelete) await deleteObjectsRow(targets, keysOf);
  } finally {
    for (const target of targets) await target.stop();
  }
}

/** DeleteObjects of 1,000 keys at a time (the 4 KiB objects, topped up when too few were written). */
async function deleteObjectsRow(targets, keysOf) {
  const title = 'DeleteObjects 1,000 keys';
  const row = {
    id: 'delete-1000',
    title,
    unit: 'ms',
    higherIsBetter: false,
    digits: 1,
    measurements: {},
    goals: [goals.peer(2), goals.noErrors()],
  };
  const needed = P.deleteRuns * 1000;
  for (const target of targets) {
    if (target.name === 'ceiling') continue; // no multi-object delete: bytes only
    let keys = keysOf.get(`${target.name}/put-4k`) ?? [];
    if (keys.length < needed) {
      const writer = createClient(target, { concurrency: 32 });
      try {
        const more = await runLoad(writer, {
          mode: 'put',
          sizeBytes: 4 * KIB,
          concurrency: 32,
          count: needed - keys.length,
          keyPrefix: 'delete-',
        });
        keys = [...keys, ...more.keys];
      } finally {
        writer.close();
      }
    }
    keys = keys.slice(0, needed);
    const client = createClient(target, { concurrency: 1 });
    try {
      const result = await runLoad(client, { mode: 'delete', batch: 1000, concurrency: 1, keys, count: P.deleteRuns });
      // The keys must really be gone.
      const head = await client.send({ method: 'HEAD', path: `/${target.bucket}/${keys[0]}` });
      if (head.status !== 404) result.stats.fail(new Error(`HEAD of a deleted key: HTTP ${head.status}`));
      const m = measurement(result.stats, result.seconds, { concurrency: 1 }, (x) => x.p50Ms);
      row.measurements[target.name] = m;
      progress(title, target.name, m, 'ms');
    } finally {
      client.close();
    }
  }
  rows.push(row);
}

/** Peak RSS during one 2 GiB PUT, a fresh server per target, started and stopped one after another. */
async function rssSection() {
  if (!wants('rss-2g')) return;
  say('Peak RSS during one PUT');
  const title = `Peak RSS, ${formatSize(P.rssBytes)} PUT`;
  const row = {
    id: 'rss-2g',
    title,
    unit: 'MB',
    higherIsBetter: false,
    digits: 1,
    measurements: {},
    goals: [goals.below(200, 'MB'), goals.peer(2), goals.noErrors()],
  };
  for (const name of TARGETS) {
    const target = await start(name, BUCKET);
    try {
      await createBucket(target, BUCKET);
      flushDirtyPages();
      const idle = await readMemory(target.pid);
      const watch = await watchMemory(target.pid);
      const client = createClient(target, { concurrency: 1 });
      let result;
      try {
        result = await runLoad(client, {
          mode: 'put',
          sizeBytes: P.rssBytes,
          concurrency: 1,
          count: 1,
          keyPrefix: 'rss-',
        });
        const head = await client.send({ method: 'HEAD', path: `/${BUCKET}/${result.keys[0] ?? 'rss-0'}` });
        if (head.status !== 200 || Number(head.headers['content-length']) !== P.rssBytes) {
          result.stats.fail(new Error(`HEAD after the PUT: HTTP ${head.status}, ${head.headers['content-length']}`));
        }
      } finally {
        client.close();
      }
      const memory = await watch.stop();
      const m = measurement(
        result.stats,
        result.seconds,
        {
          sizeBytes: P.rssBytes,
          concurrency: 1,
          idleRssMB: Number((idle.rss / 1e6).toFixed(1)),
          peakRssMB: Number((memory.peakBytes / 1e6).toFixed(1)),
          hwmReset: memory.hwmReset,
          samples: memory.samples,
          extra: `RSS idle ${(idle.rss / 1e6).toFixed(1)} MB, peak ${(memory.peakBytes / 1e6).toFixed(1)} MB`,
        },
        (x) => (x.errors > 0 && x.ops === 0 ? Number.NaN : memory.peakBytes / 1e6),
      );
      row.measurements[name] = m;
      progress(title, name, m, 'MB');
    } finally {
      await target.stop();
    }
  }
  rows.push(row);
}

/** Merged list stats per page and bucket size; interleaved so drift hits every bucket alike. */
async function measureListing(target, sizes, pagesPerRound) {
  const clients = new Map(
    sizes.map((n) => [n, createClient({ ...target, bucket: listBucket(n) }, { concurrency: 1 })]),
  );
  const acc = new Map();
  try {
    for (const page of LIST_PAGES) {
      for (const n of sizes) {
        await runLoad(clients.get(n), { mode: 'list', list: page.list, count: Math.min(P.listWarmup, pagesPerRound) });
        acc.set(`${page.name}/${n}`, { stats: new Stats(), seconds: 0 });
      }
    }
    for (let round = 0; round < P.listRounds; round++) {
      for (const page of LIST_PAGES) {
        for (const n of sizes) {
          const result = await runLoad(clients.get(n), { mode: 'list', list: page.list, count: pagesPerRound });
          const a = acc.get(`${page.name}/${n}`);
          a.stats.merge(result.stats);
          a.seconds += result.seconds;
        }
      }
    }
  } finally {
    for (const client of clients.values()) client.close();
  }
  return acc;
}

/** One timed CompleteMultipartUpload; returns the stats of that one request (an error when the answer is wrong). */
async function timeComplete(client, key, uploadId, parts, expectedSize, expectedEtagSuffix) {
  const stats = new Stats();
  const xml = Buffer.from(
    `<CompleteMultipartUpload>${parts
      .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${p.etag}"</ETag></Part>`)
      .join('')}</CompleteMultipartUpload>`,
  );
  const path = `/${client.target.bucket}/${key}`;
  const startMs = performance.now();
  try {
    const res = await client.send({
      method: 'POST',
      path,
      query: queryString({ uploadId }),
      headers: { 'content-length': xml.length, 'content-type': 'application/xml' },
      body: xml,
      collect: true,
    });
    const ms = performance.now() - startMs;
    if (res.status !== 200 || !res.text.includes('<ETag>') || res.text.includes('<Error>')) {
      throw new Error(describeResponse('Complete', path, res));
    }
    const etag = /<ETag>(?:&quot;|")?([^<&"]+)/.exec(res.text)?.[1] ?? '';
    if (expectedEtagSuffix && !etag.endsWith(expectedEtagSuffix)) throw new Error(`Complete: ETag ${etag}`);
    const head = await client.send({ method: 'HEAD', path });
    if (head.status !== 200 || Number(head.headers['content-length']) !== expectedSize) {
      throw new Error(`HEAD after Complete: HTTP ${head.status}, ${head.headers['content-length']} bytes`);
    }
    stats.record(ms, 0);
  } catch (err) {
    stats.fail(err);
  }
  return { stats, seconds: (performance.now() - startMs) / 1000 };
}

/** LIST and Complete rows: Coffer filled while stopped, s3rver filled while running. The ceiling has no metadata. */
async function metadataSection() {
  const sizes = P.listSizes;
  const wantList = LIST_PAGES.some((p) => sizes.some((n) => wants(`list-${p.name}-${n}`)));
  const wantComplete = wants('complete-10000');
  if (!wantList && !wantComplete) return;
  say('LIST and Complete rows');
  const listAcc = {};
  const completeAcc = {};

  if (TARGETS.includes('coffer')) {
    const first = await start('coffer', MPU_BUCKET);
    const dataDir = first.dataDir;
    try {
      if (wantList) for (const n of sizes) await createBucket(first, listBucket(n));
      await createBucket(first, MPU_BUCKET);
    } finally {
      await first.stop({ keepData: true });
    }
    if (wantList) {
      for (const n of sizes) {
        const seconds = fillCofferListing(dataDir, listBucket(n), n);
        say(`  coffer: filled ${listBucket(n)} with ${n.toLocaleString('en')} keys in ${seconds.toFixed(1)} s`);
      }
    }
    let uploads = [];
    if (wantComplete) {
      const startMs = performance.now();
      const keys = Array.from({ length: P.completeRuns }, (_, i) => `complete-${i}`);
      ({ uploads } = await prefillCofferUploads(dataDir, MPU_BUCKET, keys, COMPLETE_PARTS));
      say(
        `  coffer: wrote ${uploads.length} uploads of ${COMPLETE_PARTS} parts in ` +
          `${((performance.now() - startMs) / 1000).toFixed(1)} s`,
      );
    }
    const target = await start('coffer', MPU_BUCKET, { dataDir, ownsData: true });
    try {
      if (wantList) listAcc.coffer = await measureListing(target, sizes, P.listPagesPerRound);
      if (wantComplete) {
        const client = createClient(target, { concurrency: 1 });
        try {
          const acc = { stats: new Stats(), seconds: 0 };
          for (const upload of uploads) {
            const one = await timeComplete(
              client,
              upload.key,
              upload.uploadId,
              upload.parts,
              COMPLETE_PARTS * MIB,
              `-${COMPLETE_PARTS}`,
            );
            acc.stats.merge(one.stats);
            acc.seconds += one.seconds;
          }
          completeAcc.coffer = { ...acc, partBytes: MIB };
        } finally {
          client.close();
        }
      }
    } finally {
      await target.stop();
    }
  }

  if (TARGETS.includes('s3rver')) {
    const peerSize = sizes[0];
    const target = await start('s3rver', MPU_BUCKET);
    try {
      if (wantList) {
        await createBucket(target, listBucket(peerSize));
        const seconds = await fillS3rverListing(target.dataDir, listBucket(peerSize), peerSize);
        say(
          `  s3rver: filled ${listBucket(peerSize)} with ${peerSize.toLocaleString('en')} keys in ${seconds.toFixed(1)} s`,
        );
        listAcc.s3rver = await measureListing(target, [peerSize], P.peerListPagesPerRound);
      }
      if (wantComplete) {
        await createBucket(target, MPU_BUCKET);
        const client = createClient(target, { concurrency: 1 });
        try {
          const acc = { stats: new Stats(), seconds: 0 };
          for (let i = 0; i < P.completeRuns; i++) {
            const key = `complete-${i}`;
            const init = await client.send({
              method: 'POST',
              path: `/${MPU_BUCKET}/${key}`,
              query: 'uploads',
              collect: true,
            });
            const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text ?? '')?.[1];
            if (uploadId === undefined) throw new Error(describeResponse('s3rver POST ?uploads', key, init));
            const parts = await prefillS3rverParts(
              target.dataDir,
              MPU_BUCKET,
              key,
              uploadId,
              COMPLETE_PARTS,
              PEER_PART_BYTES,
            );
            const one = await timeComplete(client, key, uploadId, parts, COMPLETE_PARTS * PEER_PART_BYTES);
            acc.stats.merge(one.stats);
            acc.seconds += one.seconds;
          }
          completeAcc.s3rver = { ...acc, partBytes: PEER_PART_BYTES };
        } finally {
          client.close();
        }
      }
    } finally {
      await target.stop();
    }
  }

  if (wantList) {
    for (const page of LIST_PAGES) {
      let baseRow;
      for (const n of sizes) {
        const title = `LIST ${page.name} page, ${keysLabel(n)} keys`;
        const row = {
          id: `list-${page.name}-${n}`,
          title,
          unit: 'pages/s',
          higherIsBetter: true,
          digits: 1,
          measurements: {},
          goals: [goals.atLeast(100, 'pages/s')],
          notes: [page.label],
        };
        for (const [name, acc] of Object.entries(listAcc)) {
          const a = acc.get(`${page.name}/${n}`);
          if (a === undefined) continue;
          const m = measurement(a.stats, a.seconds, { concurrency: 1, keys: n }, (x) => x.opsPerSec);
          row.measurements[name] = m;
          progress(title, name, m, 'pages/s');
        }
        if (baseRow === undefined) {
          baseRow = row;
          row.goals.push(goals.peer(2));
        } else {
          row.goals.push(goals.latencyWithin(1.2, baseRow, keysLabel(sizes[0])));
        }
        row.goals.push(goals.noErrors());
        if (wants(row.id)) rows.push(row);
      }
    }
  }
  if (wantComplete) {
    const title = `Complete ${COMPLETE_PARTS.toLocaleString('en')} parts`;
    const row = {
      id: 'complete-10000',
      title,
      unit: 'ms',
      higherIsBetter: false,
      digits: 1,
      measurements: {},
      goals: [goals.below(1000, 'ms'), goals.peer(2), goals.noErrors()],
    };
    for (const [name, a] of Object.entries(completeAcc)) {
      const m = measurement(
        a.stats,
        a.seconds,
        { concurrency: 1, extra: `parts of ${formatSize(a.partBytes)}` },
        (x) => (x.ops === 0 ? Number.NaN : x.p50Ms),
      );
      row.measurements[name] = m;
      progress(title, name, m, 'ms');
    }
    rows.push(row);
  }
}

const startedAt = new Date();
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGB: Number((totalmem() / 1e9).toFixed(1)),
  node: process.version,
  loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
};
const runStartMs = performance.now();
say(`Coffer benchmark matrix (${profileName}), auth ${AUTH}, targets ${TARGETS.join(', ')}`);
say(`${machine.cpus} cores (${machine.cpuModel}), node ${machine.node}, load average ${machine.loadAverageAtStart}`);
const sectionSeconds = {};
async function timed(name, fn) {
  const startMs = performance.now();
  await fn();
  const seconds = (performance.now() - startMs) / 1000;
  if (seconds >= 0.05) sectionSeconds[name] = Number(seconds.toFixed(1));
}
await timed('build', build);
await timed('bytes', byteSection);
await timed('rss', rssSection);
await timed('metadata', metadataSection);
machine.loadAverageAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
const seconds = (performance.now() - runStartMs) / 1000;

notes.push(
  'Ratios are Coffer relative to the baseline, above 1 = Coffer better (rates: Coffer/baseline; ms and MB: baseline/Coffer).',
  'Only verified operations count: every GET body is compared byte for byte; "!" marks a value with errors.',
  'ceiling: bare node:http doing the same byte work (MD5, write, fsync file + directory, rename; 512 KiB reads); ' +
    'n/a where there is no byte work to compare (listing, multipart, multi-delete).',
  's3rver: does not fsync (its PUT rows are not durable, Coffer and the ceiling are) and does not verify SigV4; ' +
    `it gets SigV4 whatever --auth says. Its LIST rows use the ${keysLabel(P.listSizes[0])}-key bucket only (it walks the ` +
    `whole directory tree per page); its Complete concatenates part files, so its ${COMPLETE_PARTS.toLocaleString('en')} ` +
    `parts are ${formatSize(PEER_PART_BYTES)} each (Coffer's are 1 MiB, referenced without copying).`,
  'LIST rows: metadata rows inserted directly (bench/lib/prefill.js); pages/s is sequential (c=1) pages per second.',
  'Complete rows: parts recorded directly (10,000 real 1 MiB parts would be 10 GB); the Complete itself is a real request.',
  `Peak RSS: one ${formatSize(P.rssBytes)} PUT into a freshly started server; VmRSS sampled every 50 ms and VmHWM.`,
);
if (profileName === 'quick') {
  notes.push(
    `--quick: ${P.rounds} rounds of ${P.roundMs / 1000} s per target (after ${P.warmupMs / 1000} s warm-up), ` +
      `${P.bigRounds * P.bigPerRound} objects of 256 MiB, ${P.listRounds * P.listPagesPerRound} pages per list row ` +
      `(s3rver ${P.listRounds * P.peerListPagesPerRound}), ${P.completeRuns} Complete, ${P.deleteRuns} DeleteObjects; ` +
      'list buckets of 10 k and 1 M keys (10 M only with --full).',
  );
}

say('');
say('Measurements');
say('');
for (const line of measurementTable(rows, formatSize)) say(line);
say('');
say(
  `Summary (${profileName}, ${seconds.toFixed(0)} s: ${Object.entries(sectionSeconds)
    .map(([name, s]) => `${name} ${s} s`)
    .join(', ')}; load average ${machine.loadAverageAtStart} → ${machine.loadAverageAtEnd})`,
);
say('');
for (const line of summaryTable(rows)) say(line);
say('');
for (const note of notes) say(`- ${note}`);
say('');
const records = rows.map(rowRecord);
for (const record of records) say(JSON.stringify(record));

const outDir = path.join(ROOT, '.bench');
await mkdir(outDir, { recursive: true });
const file = path.join(
  outDir,
  `results-${startedAt
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z')}.json`,
);
await writeFile(
  file,
  `${JSON.stringify({ startedAt: startedAt.toISOString(), profile: profileName, auth: AUTH, seconds, sectionSeconds, machine, notes, rows: records }, null, 2)}\n`,
);
say('');
say(`results: ${path.relative(process.cwd(), file)}`);
