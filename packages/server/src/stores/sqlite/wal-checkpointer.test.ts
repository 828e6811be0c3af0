import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteDb } from './sqlite-db.js';
import type { CheckpointResult } from './wal-checkpointer.js';

// WAL checkpoints in a worker thread (issue 17): the main connection never checkpoints, the worker
// does, concurrently with the writes and reads of the main thread, and the WAL stays small.

const dir = mkdtempSync(path.join(tmpdir(), 'coffer-wal-checkpointer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const ROW_BYTES = 4096;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function open(filename: string, everyWrites = 32) {
  const db = new SqliteDb({ filename, fsync: true, checkpointEveryWrites: everyWrites });
  db.db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  const checkpoints: CheckpointResult[] = [];
  db.checkpoints!.onCheckpoint = (result) => checkpoints.push(result);
  const insert = db.db.prepare('INSERT INTO t (id, body) VALUES (?, ?)');
  const read = db.db.prepare('SELECT body FROM t WHERE id = ?').pluck();
  const body = (id: number) => Buffer.alloc(ROW_BYTES, id % 251);
  const write = (id: number) => db.writes.run(() => insert.run(id, body(id)));
  return { db, checkpoints, write, read, body };
}

describe('WalCheckpointer', () => {
  it('checkpoints in the worker while writes and reads go on, the WAL stays small, and nothing is lost', async () => {
    const filename = path.join(dir, `meta${n++}.db`);
    const s = open(filename);
    let id = 0;
    for (let turn = 0; turn < 300; turn++) {
      // Batches of 1–16 writes, and reads of rows committed earlier, while checkpoints run.
      const writes = Array.from({ length: 1 + (turn % 16) }, () => s.write(++id));
      await Promise.all(writes);
      const probe = 1 + ((turn * 7919) % id);
      expect(s.read.get(probe)).toEqual(s.body(probe));
      if (turn % 20 === 0) await sleep(2);
    }
    // The main connection still never checkpoints: the worker did not fail or stall.
    expect(s.db.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(s.checkpoints.length).toBeGreaterThan(10);
    // Left alone (wal_autocheckpoint = 0, no worker) the WAL would hold every page written: > 9 MB.
    const rowsBytes = id * ROW_BYTES;
    expect(rowsBytes).toBeGreaterThan(9_000_000);
    expect(statSync(`${filename}-wal`).size).toBeLessThan(rowsBytes / 3);
    await s.db.close();
    // Both connections closed: the last to close checkpointed the WAL into the database and deleted it.
    expect(existsSync(`${filename}-wal`)).toBe(false);
    const again = open(filename);
    expect(again.db.db.prepare('SELECT count(*) AS n, sum(length(body)) AS bytes FROM t').get()).toEqual({
      n: id,
      bytes: rowsBytes,
    });
    for (const probe of [1, Math.floor(id / 2), id]) expect(again.read.get(probe)).toEqual(again.body(probe));
    await again.db.close();
  });

  it('gives the checkpoints back to SQLite on the main connection when the worker dies', async () => {
    const filename = path.join(dir, `meta${n++}.db`);
    const s = open(filename, 8);
    let id = 0;
    while (s.checkpoints.length === 0) {
      await Promise.all(Array.from({ length: 8 }, () => s.write(++id)));
      await sleep(5);
    }
    await s.db.checkpoints!.worker!.terminate();
    await sleep(5);
    expect(s.db.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    // Writes go on, and the WAL is checkpointed by SQLite again (1,000 pages, ~4 MB).
    for (let turn = 0; turn < 300; turn++) await Promise.all(Array.from({ length: 16 }, () => s.write(++id)));
    expect(statSync(`${filename}-wal`).size).toBeLessThan((id * ROW_BYTES) / 3);
    await s.db.close();
    const again = open(filename);
    expect(again.db.db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: id });
    await again.db.close();
  });

  it('close() resolves in a process with nothing else to do (the worker is unreferenced until then)', () => {
    // Run in a process of its own: vitest's keeps its event loop busy, so a close() that let the process
    // end with its promise pending would pass here. vite-node runs the TypeScript source, as the tests do.
    const script = path.join(dir, `close${n++}.ts`);
    const source = fileURLToPath(new URL('./sqlite-db.ts', import.meta.url));
    writeFileSync(
      script,
      `import { SqliteDb } from ${JSON.stringify(source)};
const db = new SqliteDb({ filename: ${JSON.stringify(`${script}.db`)}, fsync: true, checkpointEveryWrites: 4 });
db.db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
let checkpoints = 0;
db.checkpoints!.onCheckpoint = () => checkpoints++;
for (let i = 1; checkpoints === 0; i += 4) {
  await Promise.all([0, 1, 2, 3].map((k) => db.writes.run(() => db.db.prepare('INSERT INTO t VALUES (?)').run(i + k))));
  await new Promise((resolve) => setTimeout(resolve, 5));
}
await db.close();
console.log('closed');
`,
    );
    const viteNode = fileURLToPath(new URL('../../../../../node_modules/.bin/vite-node', import.meta.url));
    const run = spawnSync(viteNode, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('closed');
    expect(run.status).toBe(0);
  });

  it('starts no worker for a store that has not written enough to need a checkpoint', async () => {
    const s = open(path.join(dir, `meta${n++}.db`), 1000);
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.write(i + 1)));
    expect(s.db.checkpoints!.worker).toBeUndefined();
    await s.db.close();
  });
});
