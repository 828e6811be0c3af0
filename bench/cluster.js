// Scale-out (#19): PUT and GET of 4 KiB and 1 MiB objects against one embedded server (SQLite) and against 1, 2 and
// 3 gateways on one PostgreSQL database and one shared data directory, all in the same run. The machine is shared
// by the load generator, the gateways and PostgreSQL, so a rate alone says little: each row also reports the CPU
// seconds the gateways and PostgreSQL's backends used (from /proc/<pid>/stat), and ops per server CPU-second.
// Goal: with 3 gateways, ops per server CPU-second ≥ 0.85× one gateway's (adding gateways costs little
// coordination). docs/performance.md, "Scale-out".
//
//   npm run build && node bench/cluster.js [--seconds 5] [--concurrency 12] [--gateways 1,2,3] [--no-embedded]
//                                          [--cpu-prof DIR] [--sizes 4096,1048576]
//                                          [--list 1000000,10000000 [--runs 20] [--warmup 5]] [--no-load]
//                                          [--pg postgres://postgres@127.0.0.1:5432/test]
//
// Load: one client per gateway (bench/lib/load.js, every GET verified byte for byte), the concurrency split evenly
// between them, as a round-robin load balancer would; GETs on gateway i read the keys gateway i+1 wrote.
// --gateways: the PostgreSQL setups (gateway counts); the ratio compares the first with the last. N:one-row runs N
// gateways with the bucket's usage counted in one row (as before migration 4 of stores/pg/migrations.ts).
// --cpu-prof DIR: every gateway writes a V8 CPU profile into DIR when it stops (node --cpu-prof).
// --per-gateway: --concurrency connections for each gateway instead of split between them (the load each gateway
// sees stays the same as gateways are added).
// --sizes: the object sizes of the PUT/GET rows, in bytes (--sizes 4096 for the small-object rows alone).
// --no-load: skip the PUT/GET rows; --no-embedded: skip the embedded server's. Each row also reports PostgreSQL's
// transactions per operation (pg_stat_database): a measure of how well the gateways' group commits batch.
//
// LIST (--list N1,N2,…): one throwaway PostgreSQL database per size, its bucket filled with N keys straight through
// SQL (bench/lib/pg-list.js: the rows an empty-object PUT writes, usage and directory index rebuilt, VACUUM
// ANALYZE), one gateway on each; then 1,000-key ListObjectsV2 pages through HTTP at the start, the middle and the
// end of the key space, with and without delimiter '/', with start-after and with continuation tokens, interleaved
// across the sizes, every response's keys checked one by one (count and order) against the layout. Reports the
// median and p95 ms per page, the CPU ms per page of the gateway and its PostgreSQL backends, and the ratio of the
// medians, last size ÷ first. Goal: a page at 10 M keys within 1.2× of the same page at 1 M. The databases are
// dropped at the end; with --keep they are named coffer_bench_list_<N>, kept with their data directories
// (<tmpdir>/coffer_bench_list_<N>) and reused by the next --keep run (drop both by hand afterwards: a 10 M database
// is about 7 GB).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { call, readText, signedRequest, startChildServer } from './lib/child-server.js';
import { createClient } from './lib/http-client.js';
import { runLoad } from './lib/load.js';
import { fillListBucket, keyAt, keyIn, listLayout, TOP_DIRS } from './lib/pg-list.js';
import { table } from './lib/report.js';
import { externalTarget } from './lib/targets.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '12' },
    pg: { type: 'string', default: process.env.COFFER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    gateways: { type: 'string', default: '1,2,3' },
    'cpu-prof': { type: 'string' },
    'no-load': { type: 'boolean', default: false },
    'no-embedded': { type: 'boolean', default: false },
    'per-gateway': { type: 'boolean', default: false },
    list: { type: 'string' },
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
    sizes: { type: 'string', default: '4096,1048576' },
  },
});
// "3" is three gateways; "3:one-row" is three gateways with the bucket's usage counted in one row per kind and class,
// as before migration 4 (stores/pg/migrations.ts), to compare both in one run.
const pgSetups = values.gateways.split(',').map((s) => {
  const [count, variant] = s.trim().split(':');
  if (!Number.isSafeInteger(Number(count)) || Number(count) < 1 || (variant !== undefined && variant !== 'one-row')) {
    throw new Error(`--gateways: ${s} is not N or N:one-row`);
  }
  return {
    name: `pg ×${count}${variant ? ` ${variant}` : ''}`,
    gateways: Number(count),
    oneRow: variant !== undefined,
  };
});
const listSizes = values.list ? values.list.split(',').map((s) => Number(s.trim())) : [];
for (const n of listSizes) listLayout(n); // throws on a size the layout cannot hold
const durationMs = Number(values.seconds) * 1000;
const concurrency = Number(values.concurrency);
const BUCKET = 'bench-1250000000';
const SIZES = values.sizes.split(',').map((s) => Number(s.trim()));
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
async function cpuSeconds(pid) {
  return (await cpuSecondsIfAlive(pid)) ?? 0;
}

/** The same, undefined once the process is gone. */
async function cpuSecondsIfAlive(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Options of node for a gateway: a CPU profile into --cpu-prof DIR when given. */
function profiling() {
  const dir = values['cpu-prof'];
  return { nodeArgs: dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [] };
}

async function admin(fn, url = values.pg) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The backends serving one database (the gateways' pools and LISTEN connections). */
async function backendPids(database) {
  return admin(
    async (c) => (await c.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])).rows,
  ).then((rows) => rows.map((r) => r.pid));
}

/** Puts back the single usage row per bucket, kind and class of before migration 4 (--gateways N:one-row). */
const ONE_USAGE_ROW = `CREATE OR REPLACE FUNCTION coffer_usage_add(b integer, k text, cls text, n bigint, nbytes bigint)
  RETURNS void LANGUAGE sql AS $$
    INSERT INTO bucket_usage (bucket_id, kind, storage_class, shard, count, bytes) VALUES (b, k, cls, 0, n, nbytes)
    ON CONFLICT (bucket_id, kind, storage_class, shard)
    DO UPDATE SET count = bucket_usage.count + excluded.count, bytes = bucket_usage.bytes + excluded.bytes;
  $$`;

async function startSetup(name, gateways, oneRow = false) {
  const dir = await mkdtemp(path.join(tmpdir(), `coffer-bench-cluster-${name}-`));
  let database;
  const env = { COFFER_APPID: '1250000000', COFFER_LOG_LEVEL: 'warn', COFFER_LIFECYCLE_HOUR: '-1' };
  if (gateways > 0) {
    database = `coffer_test_${randomBytes(6).toString('hex')}`;
    await admin((c) => c.query(`CREATE DATABASE ${database}`));
    const url = new URL(values.pg);
    url.pathname = `/${database}`;
    env.COFFER_METADATA_URL = url.toString();
  }
  // The first one migrates the schema and writes credentials.json; the others find both.
  const servers = [await startChildServer(dir, env, profiling())];
  if (oneRow) await admin((c) => c.query(ONE_USAGE_ROW), env.COFFER_METADATA_URL);
  for (let i = 1; i < Math.max(1, gateways); i++) servers.push(await startChildServer(dir, env, profiling()));
  await call(servers[0], { method: 'PUT', path: `/${BUCKET}` });
  if (values['cpu-prof']) console.log(`${name}: gateway pids ${servers.map((s) => s.pid).join(', ')}`);
  return {
    name,
    servers,
    database,
    async cpu() {
      let gatewaysCpu = 0;
      for (const s of servers) gatewaysCpu += await cpuSeconds(s.pid);
      return gatewaysCpu;
    },
    /**
     * Watches the database's backends until the returned stop() is called, which resolves with the CPU seconds they
     * used meanwhile and the transactions committed or rolled back. Backends come and go (the pools close idle
     * connections): each is sampled every 200 ms and counted from its first sample (0 if it started meanwhile) to
     * its last, so only the final < 200 ms of one that closed are missed.
     */
    watchDatabase() {
      if (!database) return { stop: async () => ({ pgCpu: 0, xacts: 0 }) };
      const first = new Map();
      const last = new Map();
      let initial = true;
      // One connection for the whole watch (it is in another database, so not counted).
      const client = new pg.Client({ connectionString: values.pg });
      const connected = client.connect();
      const sample = async () => {
        await connected;
        const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
        for (const { pid } of rows) {
          // A backend that exited between the query and the read keeps its last sample.
          const cpu = await cpuSecondsIfAlive(pid);
          if (cpu === undefined) continue;
          if (!first.has(pid)) first.set(pid, initial ? cpu : 0);
          last.set(pid, cpu);
        }
        initial = false;
      };
      const xacts = async () => {
        await connected;
        // A fresh statistics snapshot each time (they are cached for the transaction otherwise).
        await client.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await client.query(
          'SELECT (xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database WHERE datname = $1',
          [database],
        );
        return Number(rows[0].n);
      };
      const started = Promise.all([sample(), xacts()]);
      let timer;
      let stopped = false;
      let sampling = started;
      const tick = () => {
        sampling = sample().then(() => {
          if (!stopped) timer = setTimeout(tick, 200);
        });
      };
      started.then(() => {
        if (!stopped) timer = setTimeout(tick, 200);
      });
      return {
        async stop() {
          stopped = true;
          clearTimeout(timer);
          await sampling;
          await sample();
          // Backends report their counts at most once a second: let the last ones arrive.
          await new Promise((r) => setTimeout(r, 1100));
          const [, xacts0] = await started;
          let pgCpu = 0;
          for (const [pid, cpu] of last) pgCpu += cpu - first.get(pid);
          const xacts1 = await xacts();
          await client.end();
          return { pgCpu, xacts: xacts1 - xacts0 };
        },
      };
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      await rm(dir, { recursive: true, force: true });
      if (database) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    },
  };
}

/** One mode at one size over every gateway of `setup`; returns the row. */
async function measure(setup, mode, sizeBytes, keysOf) {
  const n = setup.servers.length;
  const perGateway = values['per-gateway'] ? concurrency : Math.ceil(concurrency / n);
  const clients = setup.servers.map((s) =>
    createClient(externalTarget({ url: s.url, bucket: BUCKET }), { concurrency: perGateway }),
  );
  const before = await setup.cpu();
  const watch = setup.watchDatabase();
  const rows = await Promise.all(
    clients.map((client, i) =>
      runLoad(client, {
        mode,
        sizeBytes,
        concurrency: perGateway,
        durationMs,
        keyPrefix: `${mode}-${sizeBytes}-${i}/`,
        ...(mode === 'get' ? { keys: keysOf[(i + 1) % n] } : {}),
      }),
    ),
  );
  const after = await setup.cpu();
  const { pgCpu, xacts } = await watch.stop();
  const ops = rows.reduce((sum, r) => sum + r.ops, 0);
  const errors = rows.reduce((sum, r) => sum + r.errors, 0);
  const seconds = Math.max(...rows.map((r) => r.seconds));
  const gatewaysCpu = after - before;
  const row = {
    setup: setup.name,
    op: mode.toUpperCase(),
    size: sizeLabel(sizeBytes),
    opsPerSec: ops / seconds,
    errors,
    gatewaysCpu,
    pgCpu,
    xactsPerOp: xacts / Math.max(1, ops),
    opsPerCpuSecond: ops / Math.max(0.01, gatewaysCpu + pgCpu),
  };
  for (const r of rows) if (r.errorSamples) console.error(setup.name, mode, r.errorSamples);
  return { row, keys: rows.map((r) => r.keys) };
}

const sizeLabel = (bytes) => (bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`);
const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const cols = (titles, left = 3) => titles.map((title, i) => ({ title, align: i < left ? 'left' : 'right' }));

async function loadBench() {
  const setups = [...(values['no-embedded'] ? [] : [{ name: 'embedded', gateways: 0, oneRow: false }]), ...pgSetups];
  const results = [];
  console.log(
    `concurrency ${concurrency} ${values['per-gateway'] ? 'per gateway' : 'in all'}, ${durationMs / 1000} s per row; PostgreSQL at ${new URL(values.pg).host}`,
  );
  for (const { name, gateways, oneRow } of setups) {
    const setup = await startSetup(name, gateways, oneRow);
    try {
      for (const size of SIZES) {
        const put = await measure(setup, 'put', size);
        results.push(put.row);
        results.push((await measure(setup, 'get', size, put.keys)).row);
      }
    } finally {
      await setup.stop();
    }
  }

  console.log(
    table(
      cols([
        'setup',
        'op',
        'size',
        'ops/s',
        'errors',
        'gateway CPU s',
        'PostgreSQL CPU s',
        'PostgreSQL xacts / op',
        'ops / server CPU-s',
      ]),
      results.map((r) => [
        r.setup,
        r.op,
        r.size,
        fmt(r.opsPerSec),
        String(r.errors),
        fmt(r.gatewaysCpu, 2),
        fmt(r.pgCpu, 2),
        r.setup === 'embedded' ? '' : fmt(r.xactsPerOp, 2),
        fmt(r.opsPerCpuSecond),
      ]),
    ).join('\n'),
  );
  const first = pgSetups[0].name;
  const others = pgSetups.slice(1).map((p) => p.name);
  console.log(
    `\nops per server CPU-second, each setup ÷ ${first} (goal ≥ 0.85 for 3 gateways ÷ 1); ${first} ÷ embedded ops/s:`,
  );
  const find = (setup, op, size) => results.find((r) => r.setup === setup && r.op === op && r.size === size);
  const ratios = [];
  for (const op of ['PUT', 'GET']) {
    for (const size of SIZES.map(sizeLabel)) {
      const one = find(first, op, size);
      const embedded = find('embedded', op, size);
      const cells = [op, size];
      for (const other of others) {
        const ratio = find(other, op, size).opsPerCpuSecond / one.opsPerCpuSecond;
        cells.push(`${fmt(ratio, 2)} ${ratio >= 0.85 ? 'met' : 'missed'}`);
      }
      cells.push(embedded ? fmt(one.opsPerSec / embedded.opsPerSec, 2) : '');
      ratios.push(cells);
    }
  }
  console.log(
    table(cols(['op', 'size', ...others.map((o) => `${o} ÷ ${first}`), `${first} ÷ embedded`], 2), ratios).join('\n'),
  );
}

// ---- LIST ----

const LIST_BUCKET = 'list-1250000000';
const LIST_PAGE = 1000;

/**
 * The pages timed in a bucket of `layout`, each with what it must return: `keys` (Contents, in order) or
 * `prefixes` (CommonPrefixes), and whether it is truncated. A page with `after` continues the named page through
 * its NextContinuationToken.
 */
function listPages(layout) {
  const { n } = layout;
  const run = (from, count) => Array.from({ length: count }, (_, k) => keyAt(layout, from + k));
  const files = (d, from, count) => Array.from({ length: count }, (_, k) => keyIn(d, from + k));
  const tops = (from, count) => Array.from({ length: count }, (_, k) => `dir${String(from + k).padStart(4, '0')}/`);
  const mid = Math.floor(n / 2);
  const end = n - 1500;
  const probe = (d) => ({ prefix: `dir${String(d).padStart(4, '0')}/sub000/`, delimiter: '/' });
  return [
    { name: 'start', query: {}, keys: run(0, LIST_PAGE), truncated: true },
    { name: 'middle, start-after', query: { 'start-after': keyAt(layout, mid) }, keys: run(mid + 1, LIST_PAGE) },
    { name: 'middle, continuation', after: 'middle, start-after', keys: run(mid + 1 + LIST_PAGE, LIST_PAGE) },
    { name: 'end, start-after', query: { 'start-after': keyAt(layout, end) }, keys: run(end + 1, LIST_PAGE) },
    { name: "root, delimiter '/'", query: { delimiter: '/' }, prefixes: tops(0, LIST_PAGE) },
    {
      name: "root, delimiter '/', continuation",
      after: "root, delimiter '/'",
      prefixes: tops(LIST_PAGE, TOP_DIRS - LIST_PAGE),
      truncated: false,
    },
    { name: 'start dir0000/sub000/, delimiter', query: probe(0), keys: files(0, 0, LIST_PAGE) },
    {
      name: 'middle dir0512/sub000/, delimiter, start-after',
      query: { ...probe(512), 'start-after': keyIn(512, 499) },
      keys: files(512, 500, LIST_PAGE),
    },
    { name: 'end dir1023/sub000/, delimiter', query: probe(1023), keys: files(1023, 0, LIST_PAGE) },
    {
      name: 'end dir1023/sub000/, delimiter, continuation',
      after: 'end dir1023/sub000/, delimiter',
      keys: files(1023, LIST_PAGE, LIST_PAGE),
    },
  ].map((p) => ({ truncated: true, prefixes: [], keys: [], ...p }));
}

const blocks = (text, tag) => [...text.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
const element = (text, tag) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1];

/** Fetches one page of `bucket` (query: the page's parameters) and checks it against `page`; returns its token. */
async function listPage(bucket, page, query) {
  const res = await signedRequest(bucket.server, {
    method: 'GET',
    path: `/${LIST_BUCKET}`,
    query: { 'list-type': '2', 'max-keys': String(LIST_PAGE), ...query },
  });
  const text = await readText(res);
  const where = `${bucket.n} keys, ${page.name}`;
  if (res.statusCode !== 200) throw new Error(`${where}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
  const keys = blocks(text, 'Contents').map((c) => element(c, 'Key'));
  const prefixes = blocks(text, 'CommonPrefixes').map((c) => element(c, 'Prefix'));
  const same = (got, want) => got.length === want.length && got.every((k, i) => k === want[i]);
  if (!same(keys, page.keys) || !same(prefixes, page.prefixes)) {
    throw new Error(
      `${where}: got ${keys.length} keys (${keys[0]} … ${keys.at(-1)}) and ${prefixes.length} prefixes, ` +
        `want ${page.keys.length} (${page.keys[0]} … ${page.keys.at(-1)}) and ${page.prefixes.length}`,
    );
  }
  if (element(text, 'IsTruncated') !== String(page.truncated)) throw new Error(`${where}: IsTruncated is wrong`);
  return element(text, 'NextContinuationToken');
}

/** A database and a gateway for a LIST bucket of n keys, filled. */
async function startListBucket(n) {
  const database = values.keep ? `coffer_bench_list_${n}` : `coffer_test_${randomBytes(6).toString('hex')}`;
  // A kept database goes with its data directory (credentials, the account's ids): both are kept.
  const dir = values.keep
    ? path.join(tmpdir(), database)
    : await mkdtemp(path.join(tmpdir(), `coffer-bench-list-${n}-`));
  if (values.keep) await mkdir(dir, { recursive: true });
  const exists = await admin(
    async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount > 0,
  );
  if (!exists) await admin((c) => c.query(`CREATE DATABASE ${database}`));
  const url = new URL(values.pg);
  url.pathname = `/${database}`;
  const env = {
    COFFER_APPID: '1250000000',
    COFFER_LOG_LEVEL: 'warn',
    COFFER_LIFECYCLE_HOUR: '-1',
    COFFER_METADATA_URL: url.toString(),
  };
  const bucket = { n, dir, database, server: undefined, fillSeconds: 0 };
  try {
    if (exists) {
      const count = await admin(
        async (c) =>
          (
            await c.query(
              'SELECT count(*)::int AS n FROM objects o JOIN buckets b ON b.id = o.bucket_id WHERE b.name = $1',
              [LIST_BUCKET],
            )
          ).rows[0].n,
        url.toString(),
      );
      if (count !== n) throw new Error(`${database} holds ${count} keys, not ${n}: drop it`);
      console.log(`reusing ${database} (${n.toLocaleString('en-US')} keys)`);
    } else {
      // The gateway migrates the schema and creates the bucket; it is stopped while the rows go in.
      const first = await startChildServer(dir, env);
      await call(first, { method: 'PUT', path: `/${LIST_BUCKET}` }).finally(() => first.stop());
      console.log(`filling ${n.toLocaleString('en-US')} keys into ${database}`);
      bucket.fillSeconds = await admin((c) => fillListBucket(c, LIST_BUCKET, n, console.log), url.toString());
      const size = await admin(
        async (c) => (await c.query('SELECT pg_size_pretty(pg_database_size($1)) AS s', [database])).rows[0].s,
      );
      console.log(`  ${fmt(bucket.fillSeconds, 1)} s (${fmt(n / bucket.fillSeconds)} keys/s); database ${size}`);
    }
    bucket.server = await startChildServer(dir, env, profiling());
    return bucket;
  } catch (err) {
    await stopListBucket(bucket);
    throw err;
  }
}

async function stopListBucket(bucket) {
  await bucket.server?.stop();
  if (!values.keep) await rm(bucket.dir, { recursive: true, force: true });
  if (!values.keep) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${bucket.database} WITH (FORCE)`));
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function listBench() {
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const buckets = [];
  try {
    for (const n of listSizes) buckets.push(await startListBucket(n));
    // First pass: check every page once and collect the continuation tokens (a page's token is the same every time).
    for (const bucket of buckets) {
      bucket.pages = listPages(listLayout(bucket.n));
      const tokens = new Map();
      for (const page of bucket.pages) {
        // A continuation repeats the first page's prefix and delimiter (the token holds only the position).
        const base = page.after && bucket.pages.find((b) => b.name === page.after);
        page.params = base ? { ...base.query, 'continuation-token': tokens.get(page.after) } : page.query;
        if (base) delete page.params['start-after'];
        tokens.set(page.name, await listPage(bucket, page, page.params));
      }
      for (const page of bucket.pages) for (let i = 0; i < warmup; i++) await listPage(bucket, page, page.params);
      bucket.pids = [bucket.server.pid, ...(await backendPids(bucket.database))];
      bucket.times = new Map(bucket.pages.map((p) => [p.name, []]));
      bucket.cpu = new Map(bucket.pages.map((p) => [p.name, 0]));
    }
    const cpuOf = async (pids) => {
      let sum = 0;
      for (const pid of pids) sum += await cpuSeconds(pid);
      return sum;
    };
    const load = () => readFile('/proc/loadavg', 'utf8').then((t) => t.split(' ').slice(0, 3).join(' '));
    const loadBefore = await load();
    // Interleaved (every page of every size in turn, run after run), so drift on a shared machine hits all alike.
    for (let run = 0; run < runs; run++) {
      for (let p = 0; p < buckets[0].pages.length; p++) {
        for (const bucket of buckets) {
          const page = bucket.pages[p];
          const cpu0 = await cpuOf(bucket.pids);
          const t0 = performance.now();
          await listPage(bucket, page, page.params);
          bucket.times.get(page.name).push(performance.now() - t0);
          bucket.cpu.set(page.name, bucket.cpu.get(page.name) + (await cpuOf(bucket.pids)) - cpu0);
        }
      }
    }
    console.log(
      `\nListObjectsV2, ${LIST_PAGE} keys a page, ${runs} timed runs of each page after ${warmup} untimed, ` +
        `interleaved; every response checked key by key; load average ${loadBefore} → ${await load()}`,
    );
    const rows = [];
    const first = buckets[0];
    const last = buckets[buckets.length - 1];
    const median = (bucket, name) =>
      quantile(
        [...bucket.times.get(name)].sort((a, b) => a - b),
        0.5,
      );
    for (const page of first.pages) {
      const cells = [page.name];
      for (const bucket of buckets) {
        const sorted = [...bucket.times.get(page.name)].sort((a, b) => a - b);
        cells.push(
          fmt(quantile(sorted, 0.5), 2),
          fmt(quantile(sorted, 0.95), 2),
          fmt((bucket.cpu.get(page.name) * 1000) / runs, 2),
        );
      }
      const ratio = median(last, page.name) / median(first, page.name);
      cells.push(fmt(ratio, 2), ratio <= 1.2 ? 'met' : 'missed');
      rows.push(cells);
    }
    const sizeName = (n) => (n >= 1e6 ? `${n / 1e6} M` : `${n / 1e3} k`);
    const titles = ['page'];
    for (const bucket of buckets) {
      const s = sizeName(bucket.n);
      titles.push(`${s} p50 ms`, `${s} p95 ms`, `${s} CPU ms`);
    }
    titles.push(`${sizeName(last.n)} ÷ ${sizeName(first.n)} p50`, 'goal ≤ 1.2');
    console.log(table(cols(titles, 1), rows).join('\n'));
    console.log('CPU ms: the gateway and its PostgreSQL backends, per page (/proc/<pid>/stat, 10 ms ticks, averaged).');
  } finally {
    for (const bucket of buckets) await stopListBucket(bucket);
  }
}

if (!values['no-load']) await loadBench();
if (listSizes.length > 0) await listBench();
