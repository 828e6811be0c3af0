// CPU of the SQLite store's commit of a small PUT (issue 17): `commitObject` of a new key (`load/<n>`, as the load
// generator's PUTs) with one 4 KiB inline body, `--batch` commits queued per turn (one group commit each), fsync off
// so only the process's own work is timed: the transaction (savepoints, the version row and its triggers, the blob
// and body rows), the COMMIT's WAL writes, and the checkpoints SQLite runs inside a COMMIT every
// `--autocheckpoint` WAL pages (1000, SQLite's default and the store's; 0 = never, to see what checkpoints cost).
//
//   npm run build && node bench/micro/sqlite-commit.js [--batch=32] [--commits=20000] [--rounds=3]
//                                                      [--autocheckpoint=1000] [--dir=.bench]
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteBuckets } from '../../packages/server/dist/stores/sqlite/buckets.js';
import { SqliteObjects } from '../../packages/server/dist/stores/sqlite/objects.js';
import { SqliteDb } from '../../packages/server/dist/stores/sqlite/sqlite-db.js';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '32' },
    commits: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    autocheckpoint: { type: 'string', default: '1000' },
    dir: { type: 'string', default: '.bench' },
  },
});
const batch = Number(values.batch);
const commits = Number(values.commits);
mkdirSync(values.dir, { recursive: true });
const dir = mkdtempSync(path.join(values.dir, 'sqlite-commit-'));
const db = new SqliteDb({ filename: path.join(dir, 'meta.db'), fsync: false });
db.db.pragma(`wal_autocheckpoint = ${Number(values.autocheckpoint)}`);
const objects = new SqliteObjects(db);
const owner = 'qcs::cam::uin/100000000001:uin/100000000001';
const bucket = await new SqliteBuckets(db).createBucket({
  name: 'bench-1250000000',
  ownerId: owner,
  region: 'r',
  createdMs: 1,
});
const body = randomBytes(4096);
let n = 0;

function commit() {
  const blobId = randomBytes(16).toString('hex');
  return objects.commitObject({
    bucketId: bucket.id,
    key: `load/${n++}`,
    newBlobs: [{ id: blobId, size: body.length, body }],
    version: {
      isDeleteMarker: false,
      size: body.length,
      etag: '0123456789abcdef0123456789abcdef',
      lastModifiedMs: Date.now(),
      storageClass: 'STANDARD',
      objectType: 'normal',
      ownerId: owner,
      contentHeaders: { 'content-type': 'application/octet-stream' },
      userMeta: {},
      checksums: {},
      manifest: [{ blobId, offset: 0, length: body.length, inline: true }],
    },
  });
}

const results = [];
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < commits; i += batch) await Promise.all(Array.from({ length: batch }, commit));
    const used = process.cpuUsage(cpu);
    results.push({
      total: (used.user + used.system) / commits,
      user: used.user / commits,
      system: used.system / commits,
    });
  }
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
const best = results.reduce((a, b) => (b.total < a.total ? b : a));
console.log(
  `batch ${batch}, wal_autocheckpoint ${values.autocheckpoint}: ${best.total.toFixed(1)} µs CPU per 4 KiB commit ` +
    `(user ${best.user.toFixed(1)}, system ${best.system.toFixed(1)}; best of ${results.length}: ` +
    `${results.map((r) => r.total.toFixed(1)).join(', ')})`,
);
