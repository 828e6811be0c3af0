// Scale-out (#19): PUT and GET of 4 KiB and 1 MiB objects against one embedded server (SQLite) and against 1, 2 and
// 3 gateways on one PostgreSQL database and one shared data directory, all in the same run. The machine is shared
// by the load generator, the gateways and PostgreSQL, so a rate alone says little: each row also reports the CPU
// seconds the gateways and PostgreSQL's backends used (from /proc/<pid>/stat), and ops per server CPU-second.
// Goal: with 3 gateways, ops per server CPU-second ≥ 0.85× one gateway's (adding gateways costs little
// coordination). docs/performance.md, "Scale-out".
//
//   npm run build && node bench/cluster.js [--seconds 5] [--concurrency 12] [--pg postgres://postgres@127.0.0.1:5432/test]
//
// Load: one client per gateway (bench/lib/load.js, every GET verified byte for byte), the concurrency split evenly
// between them, as a round-robin load balancer would; GETs on gateway i read the keys gateway i+1 wrote.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { call, startChildServer } from './lib/child-server.js';
import { createClient } from './lib/http-client.js';
import { runLoad } from './lib/load.js';
import { table } from './lib/report.js';
import { externalTarget } from './lib/targets.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '12' },
    pg: { type: 'string', default: process.env.COFFER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const durationMs = Number(values.seconds) * 1000;
const concurrency = Number(values.concurrency);
const BUCKET = 'bench-1250000000';
const SIZES = [4 * 1024, 1024 * 1024];
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
async function cpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

async function admin(fn) {
  const client = new pg.Client({ connectionString: values.pg });
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

async function startSetup(name, gateways) {
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
  const servers = [await startChildServer(dir, env)];
  for (let i = 1; i < Math.max(1, gateways); i++) servers.push(await startChildServer(dir, env));
  await call(servers[0], { method: 'PUT', path: `/${BUCKET}` });
  return {
    name,
    servers,
    database,
    async cpu() {
      let gatewaysCpu = 0;
      for (const s of servers) gatewaysCpu += await cpuSeconds(s.pid);
      let pgCpu = 0;
      if (database) for (const pid of await backendPids(database)) pgCpu += await cpuSeconds(pid);
      return { gatewaysCpu, pgCpu };
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
  const clients = setup.servers.map((s) =>
    createClient(externalTarget({ url: s.url, bucket: BUCKET }), { concurrency: Math.ceil(concurrency / n) }),
  );
  const before = await setup.cpu();
  const rows = await Promise.all(
    clients.map((client, i) =>
      runLoad(client, {
        mode,
        sizeBytes,
        concurrency: Math.ceil(concurrency / n),
        durationMs,
        keyPrefix: `${mode}-${sizeBytes}-${i}/`,
        ...(mode === 'get' ? { keys: keysOf[(i + 1) % n] } : {}),
      }),
    ),
  );
  const after = await setup.cpu();
  const ops = rows.reduce((sum, r) => sum + r.ops, 0);
  const errors = rows.reduce((sum, r) => sum + r.errors, 0);
  const seconds = Math.max(...rows.map((r) => r.seconds));
  const gatewaysCpu = after.gatewaysCpu - before.gatewaysCpu;
  // A backend that closed during the run loses its CPU from the sum: the figure is a lower bound.
  const pgCpu = Math.max(0, after.pgCpu - before.pgCpu);
  const row = {
    setup: setup.name,
    op: mode.toUpperCase(),
    size: sizeBytes >= 1024 * 1024 ? `${sizeBytes / 1024 / 1024} MiB` : `${sizeBytes / 1024} KiB`,
    opsPerSec: ops / seconds,
    errors,
    gatewaysCpu,
    pgCpu,
    opsPerCpuSecond: ops / Math.max(0.01, gatewaysCpu + pgCpu),
  };
  for (const r of rows) if (r.errorSamples) console.error(setup.name, mode, r.errorSamples);
  return { row, keys: rows.map((r) => r.keys) };
}

const setups = [
  ['embedded', 0],
  ['pg ×1', 1],
  ['pg ×2', 2],
  ['pg ×3', 3],
];
const results = [];
console.log(
  `concurrency ${concurrency} in all, ${durationMs / 1000} s per row; PostgreSQL at ${new URL(values.pg).host}`,
);
for (const [name, gateways] of setups) {
  const setup = await startSetup(name, gateways);
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

const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const cols = (titles) => titles.map((title, i) => ({ title, align: i < 3 ? 'left' : 'right' }));
console.log(
  table(
    cols(['setup', 'op', 'size', 'ops/s', 'errors', 'gateway CPU s', 'PostgreSQL CPU s', 'ops / server CPU-s']),
    results.map((r) => [
      r.setup,
      r.op,
      r.size,
      fmt(r.opsPerSec),
      String(r.errors),
      fmt(r.gatewaysCpu, 2),
      fmt(r.pgCpu, 2),
      fmt(r.opsPerCpuSecond),
    ]),
  ).join('\n'),
);
console.log('\nops per server CPU-second, 3 gateways ÷ 1 (goal ≥ 0.85); 1 gateway on PostgreSQL ÷ embedded:');
const find = (setup, op, size) => results.find((r) => r.setup === setup && r.op === op && r.size === size);
const ratios = [];
for (const op of ['PUT', 'GET']) {
  for (const size of ['4 KiB', '1 MiB']) {
    const one = find('pg ×1', op, size);
    const three = find('pg ×3', op, size);
    const embedded = find('embedded', op, size);
    ratios.push([
      op,
      size,
      fmt(three.opsPerCpuSecond / one.opsPerCpuSecond, 2),
      three.opsPerCpuSecond / one.opsPerCpuSecond >= 0.85 ? 'met' : 'missed',
      fmt(one.opsPerSec / embedded.opsPerSec, 2),
    ]);
  }
}
console.log(table(cols(['op', 'size', '3 ÷ 1 per CPU-s', 'goal', 'pg ×1 ÷ embedded ops/s']), ratios).join('\n'));
