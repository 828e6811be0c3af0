// Durable group commit on the SQLite store (issue 17): how many 4 KiB writes a second `--concurrency` writers get
// through SqliteDb's WriteBatcher with fsync on, when one WAL fsync runs at a time (walSyncDepth 1: a batch
// committed while an fsync runs waits for it to end, then for its own) and when two may run at once (depth 2, the
// default: a batch's fsync starts at once on a second descriptor). Each writer inserts a row with a 4 KiB blob
// (what an inline PUT adds to its transaction), waits for the acknowledgement, optionally burns `--work-us` of CPU
// (a request's own work on the event loop), waits a random 0–`--stagger-ms` (requests arrive one by one, not in
// step), and goes again. The depths alternate by round on one database file in
// a temp directory on the data disk (`--dir`, default .bench/), best round each.
//
//   npm run build && node bench/micro/wal-fsync.js [--concurrency=32] [--seconds=3] [--rounds=3] [--work-us=0]
//                                                  [--stagger-ms=1] [--depths=1,2] [--size=4096] [--dir=.bench]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SqliteDb } from '../../packages/server/dist/stores/sqlite/sqlite-db.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    'work-us': { type: 'string', default: '0' },
    'stagger-ms': { type: 'string', default: '1' },
    depths: { type: 'string', default: '1,2' },
    size: { type: 'string', default: '4096' },
    dir: { type: 'string', default: '.bench' },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const workUs = Number(values['work-us']);
const staggerMs = Number(values['stagger-ms']);
const depths = values.depths.split(',').map(Number);
const body = Buffer.alloc(Number(values.size), 7);
mkdirSync(values.dir, { recursive: true });
const dir = mkdtempSync(path.join(values.dir, 'wal-fsync-'));

// Counts the WAL fsyncs (every FileHandle's sync goes through one prototype): writes per fsync is the group size.
let fsyncs = 0;
{
  const probe = await fs.open(path.join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe);
  await probe.close();
  const sync = proto.sync;
  proto.sync = function (...args) {
    fsyncs++;
    return sync.apply(this, args);
  };
}

function burn(us) {
  if (us <= 0) return;
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

async function round(depth, n) {
  const db = new SqliteDb({ filename: path.join(dir, `d${depth}-${n}.db`), fsync: true, walSyncDepth: depth });
  db.db.exec('CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  const insert = db.db.prepare('INSERT INTO bench (body) VALUES (?)');
  await db.writes.run(() => insert.run(body)); // creates the WAL before the clock starts
  const latencies = [];
  let ops = 0;
  const fsyncsBefore = fsyncs;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  const writer = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await db.writes.run(() => insert.run(body));
      latencies.push(performance.now() - t);
      ops++;
      burn(workUs);
      // Requests reach the server one by one, not in step: without this, every writer waits for the same fsync and
      // all of them commit again in one batch after it, so no batch is ever committed while an fsync runs.
      if (staggerMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * staggerMs));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, writer));
  const elapsed = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  await db.close();
  latencies.sort((a, b) => a - b);
  return {
    opsPerS: ops / elapsed,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)],
    p99Ms: latencies[Math.floor(latencies.length * 0.99)],
    cpuUsPerOp: (used.user + used.system) / ops,
    writesPerFsync: ops / Math.max(1, fsyncs - fsyncsBefore),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = new Map(depths.map((d) => [d, []]));
try {
  for (let r = 0; r < Number(values.rounds); r++) {
    const order = r % 2 === 0 ? depths : [...depths].reverse();
    for (const depth of order) results.get(depth).push(await round(depth, r));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `c=${concurrency}, ${body.length}-byte rows, ${workUs} µs of CPU per write and 0–${staggerMs} ms apart, fsync on`,
);
const best = new Map();
for (const [depth, rs] of results) {
  const b = rs.reduce((x, y) => (y.opsPerS > x.opsPerS ? y : x));
  best.set(depth, b);
  console.log(
    `walSyncDepth ${depth}: ${b.opsPerS.toFixed(0).padStart(6)} writes/s  p50 ${b.p50Ms.toFixed(2)} ms  p99 ${b.p99Ms.toFixed(2)} ms  ` +
      `${b.cpuUsPerOp.toFixed(1)} µs CPU/write  ${b.writesPerFsync.toFixed(1)} writes/fsync  (best of ${rs.length}; median ${median(rs.map((x) => x.opsPerS)).toFixed(0)}; all: ${rs.map((x) => x.opsPerS.toFixed(0)).join(', ')})`,
  );
}
if (best.has(1) && best.has(2))
  console.log(`depth 2 / depth 1: ${(best.get(2).opsPerS / best.get(1).opsPerS).toFixed(2)}×`);
