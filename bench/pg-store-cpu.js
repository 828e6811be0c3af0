// PostgreSQL's CPU per small PUT and GET through the metadata store itself (issue 19): no HTTP, no gateway process,
// and a fixed number of PUTs committed together, so that the shared machine's load does not change how the writes
// batch (in bench/cluster.js a slower machine makes smaller group commits, and PostgreSQL's CPU per PUT moves with
// them). Each round commits --batch PUTs of a 4 KiB inline object at once (one group commit), --rounds rounds; then
// the same keys are read back (every body checked), --batch at a time. Reports the CPU of the database's backends
// (/proc/<pid>/stat, 10 ms ticks) and of this process per operation. For an A/B comparison, run it from two
// checkouts alternately, several times: single runs on a loaded machine vary by ±15%.
//
//   npm run build && node bench/pg-store-cpu.js [--batch 6] [--rounds 600] [--pg postgres://postgres@127.0.0.1:5432/test]
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PgMetaStore } from '../packages/server/dist/stores/pg/pg-meta-store.js';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '600' },
    pg: { type: 'string', default: process.env.COFFER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const admin = new pg.Client({ connectionString: values.pg });
await admin.connect();
const database = `coffer_test_${randomBytes(6).toString('hex')}`;
await admin.query(`CREATE DATABASE ${database}`);
const url = new URL(values.pg);
url.pathname = `/${database}`;
const store = await PgMetaStore.open({ url: url.toString(), poolSize: 10 });

/** CPU milliseconds the database's backends have used so far. */
async function backendsCpuMs() {
  let ms = 0;
  const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  for (const { pid } of rows) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ms += (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return ms;
}

/** Runs `op(key)` for every key, `batch` at a time; returns µs of PostgreSQL and of this process per operation. */
async function measure(op) {
  await new Promise((r) => setTimeout(r, 200));
  const pg0 = await backendsCpuMs();
  const self0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++)
    await Promise.all(Array.from({ length: batch }, (_, i) => op(`dir${r % 10}/k${r}-${i}`)));
  const self = process.cpuUsage(self0);
  const pg1 = await backendsCpuMs();
  const n = rounds * batch;
  return { pgUs: (1000 * (pg1 - pg0)) / n, nodeUs: (self.user + self.system) / n };
}

try {
  const bucket = await store.createBucket({ name: 'b', ownerId: 'o', region: 'r', createdMs: 1 });
  const body = randomBytes(4096);
  const put = (key) => {
    const id = randomBytes(16).toString('hex');
    return store.commitObject({
      bucketId: bucket.id,
      key,
      newBlobs: [{ id, size: body.length, body }],
      version: {
        isDeleteMarker: false,
        size: body.length,
        etag: 'e',
        lastModifiedMs: Date.now(),
        storageClass: 'STANDARD',
        objectType: 'normal',
        ownerId: 'o',
        contentHeaders: { 'content-type': 'application/octet-stream' },
        userMeta: {},
        checksums: {},
        manifest: [{ blobId: id, offset: 0, length: body.length, inline: true }],
      },
    });
  };
  // Warm-up: the pool's connections open and their statements are prepared.
  for (let r = 0; r < 20; r++) await Promise.all(Array.from({ length: batch }, (_, i) => put(`warm/${r}-${i}`)));
  const puts = await measure(put);
  const gets = await measure(async (key) => {
    const version = await store.getObject(bucket.id, key);
    if (!version?.manifest[0]?.body?.equals(body)) throw new Error(`${key}: wrong body`);
  });
  const f = (x) => x.toFixed(0).padStart(5);
  console.log(
    `batch ${batch}, ${rounds * batch} ops: PUT PostgreSQL ${f(puts.pgUs)} µs, store ${f(puts.nodeUs)} µs; ` +
      `GET PostgreSQL ${f(gets.pgUs)} µs, store ${f(gets.nodeUs)} µs (CPU per operation)`,
  );
} finally {
  await store.close();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}
