import { mkdtempSync, rmSync } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteDb } from './sqlite-db.js';

// The WAL fsyncs of a durable store (issue 17): which fsync acknowledges which batch, how many run at
// once, on which descriptor. The WAL's descriptors are replaced by fakes whose fsyncs end when the test
// says, so every interleaving is reproducible; the database itself is a real file in WAL mode.

const dir = mkdtempSync(path.join(tmpdir(), 'coffer-sqlite-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
let n = 0;

interface FakeSync {
  lane: number;
  /** Ids of the writes whose batches had committed when this fsync started: what it covers. */
  covers: Set<number>;
  done: boolean;
  finish: (err?: Error) => void;
}

/** A store whose WAL fsyncs are fakes, and writes that record what had committed when each fsync began. */
function harness(walSyncDepth?: number) {
  const syncs: FakeSync[] = [];
  const committed = new Set<number>();
  let lanes = 0;
  vi.spyOn(fs, 'open').mockImplementation(async () => {
    const lane = lanes++;
    let running = false;
    const handle = {
      sync: () => {
        // One fsync at a time per descriptor: Linux reports a writeback error once per descriptor.
        if (running) throw new Error(`lane ${lane}: two fsyncs at once on one descriptor`);
        running = true;
        return new Promise<void>((resolve, reject) => {
          const sync: FakeSync = {
            lane,
            covers: new Set(committed),
            done: false,
            finish: (err) => {
              sync.done = true;
              running = false;
              if (err) reject(err);
              else resolve();
            },
          };
          syncs.push(sync);
        });
      },
      close: async () => undefined,
    };
    return handle as unknown as FileHandle;
  });
  const db = new SqliteDb({ filename: path.join(dir, `meta${n++}.db`), fsync: true, walSyncDepth });
  db.db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
  const acked: number[] = [];
  const failed: number[] = [];
  const insert = db.db.prepare('INSERT INTO t (id) VALUES (?)');
  /** One write; its promise checks, when it resolves, that a finished fsync started after its commit. */
  const write = (id: number) =>
    db.writes
      .run(() => {
        insert.run(id);
        // Inside the batch's transaction; the COMMIT follows synchronously, before any fsync starts.
        queueMicrotask(() => committed.add(id));
      })
      .then(
        () => {
          const by = syncs.filter((s) => s.done && s.covers.has(id));
          if (by.length === 0) throw new Error(`write ${id} acknowledged before an fsync covering it ended`);
          acked.push(id);
        },
        () => failed.push(id),
      );
  return { db, syncs, acked, failed, write, lanes: () => lanes };
}

/** Lets the batcher's setImmediate flush and the fsync promise chains run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));
async function turns(k = 3) {
  for (let i = 0; i < k; i++) await turn();
}

describe('SqliteDb WAL fsync (group commit)', () => {
  it('starts the next batch’s fsync while the previous one runs, each batch acknowledged by its own', async () => {
    const h = harness();
    const first = h.write(1);
    await turns();
    expect(h.syncs).toHaveLength(1);
    const second = h.write(2);
    await turns();
    // Depth 2: the second batch did not wait for the first fsync to end.
    expect(h.syncs).toHaveLength(2);
    expect(h.syncs[0]!.covers.has(2)).toBe(false);
    expect(h.syncs[1]!.covers).toEqual(new Set([1, 2]));
    expect(h.syncs[0]!.lane).not.toBe(h.syncs[1]!.lane);
    // The second fsync ends first: only the second write is acknowledged.
    h.syncs[1]!.finish();
    await second;
    expect(h.acked).toEqual([2]);
    h.syncs[0]!.finish();
    await first;
    expect(h.acked).toEqual([2, 1]);
    await h.db.close();
  });

  it('queues one fsync, started when a lane frees, for every batch committed while all lanes are busy', async () => {
    const h = harness(2);
    const w1 = h.write(1);
    await turns();
    const w2 = h.write(2);
    await turns();
    const w3 = h.write(3);
    await turns();
    const w4 = h.write(4);
    await turns();
    // Two lanes busy: batches 3 and 4 wait for an fsync that has not started yet.
    expect(h.syncs).toHaveLength(2);
    h.syncs[0]!.finish();
    await w1;
    await turns();
    // Ending fsync 1 acknowledges write 1 only; the queued fsync starts on the freed lane and covers 3 and 4.
    expect(h.acked).toEqual([1]);
    expect(h.syncs).toHaveLength(3);
    expect(h.syncs[2]!.lane).toBe(h.syncs[0]!.lane);
    expect(h.syncs[2]!.covers).toEqual(new Set([1, 2, 3, 4]));
    h.syncs[2]!.finish();
    await Promise.all([w3, w4]);
    expect(h.acked.sort()).toEqual([1, 3, 4]);
    h.syncs[1]!.finish();
    await w2;
    expect(h.acked.sort()).toEqual([1, 2, 3, 4]);
    expect(h.lanes()).toBe(2);
    await h.db.close();
  });

  it('with depth 1, a batch committed during an fsync waits for the next one (serial group fsync)', async () => {
    const h = harness(1);
    const w1 = h.write(1);
    await turns();
    const w2 = h.write(2);
    await turns();
    expect(h.syncs).toHaveLength(1);
    h.syncs[0]!.finish();
    await w1;
    await turns();
    expect(h.acked).toEqual([1]);
    expect(h.syncs).toHaveLength(2);
    h.syncs[1]!.finish();
    await w2;
    expect(h.acked).toEqual([1, 2]);
    expect(h.lanes()).toBe(1);
    await h.db.close();
  });

  it('acknowledges no write before an fsync that started after its commit has ended, in random interleavings', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      let x = seed;
      const random = () => {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        return x / 2 ** 31;
      };
      const h = harness(1 + (seed % 3));
      const pending: Promise<void>[] = [];
      let id = 0;
      for (let step = 0; step < 60; step++) {
        const r = random();
        if (r < 0.5) {
          // A batch of one to three writes in this turn.
          const k = 1 + Math.floor(random() * 3);
          for (let i = 0; i < k; i++) pending.push(h.write(++id));
        } else {
          const running = h.syncs.filter((s) => !s.done);
          if (running.length > 0) running[Math.floor(random() * running.length)]!.finish();
        }
        await turns(2);
      }
      while (h.syncs.some((s) => !s.done)) {
        for (const s of h.syncs.filter((s) => !s.done)) s.finish();
        await turns(2);
      }
      await Promise.all(pending);
      // The check inside `write` threw for any early acknowledgement, and nothing failed.
      expect(h.failed).toEqual([]);
      expect(h.acked.sort((a, b) => a - b)).toEqual(Array.from({ length: id }, (_, i) => i + 1));
      await h.db.close();
    }
  });

  it('after a failed fsync acknowledges no later write, even one whose own fsync succeeds', async () => {
    const h = harness(2);
    const w1 = h.write(1);
    await turns();
    const w2 = h.write(2);
    await turns();
    h.syncs[0]!.finish(new Error('EIO'));
    await w1;
    expect(h.failed).toEqual([1]);
    h.syncs[1]!.finish();
    await w2;
    const w3 = h.write(3);
    await turns();
    await w3;
    expect(h.failed).toEqual([1, 2, 3]);
    expect(h.acked).toEqual([]);
    // The rows are committed (readable) all the same: only their durability is unknown.
    expect(h.db.db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3 });
    await h.db.close();
  });

  it('rolls back a write that fails alone in its batch, and starts no fsync for it', async () => {
    const h = harness();
    const insert = h.db.db.prepare('INSERT INTO t (id) VALUES (?)');
    const failing = h.db.writes.run(() => {
      insert.run(7);
      throw new Error('precondition failed');
    });
    await expect(failing).rejects.toThrow('precondition failed');
    expect(h.db.db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
    expect(h.syncs).toHaveLength(0);
    // The next lone write commits and is acknowledged by its fsync as usual.
    const ok = h.write(8);
    await turns();
    expect(h.syncs).toHaveLength(1);
    h.syncs[0]!.finish();
    await ok;
    expect(h.acked).toEqual([8]);
    await h.db.close();
  });

  it('rolls back only the failing write of a batch of several', async () => {
    const h = harness();
    const insert = h.db.db.prepare('INSERT INTO t (id) VALUES (?)');
    const first = h.write(1);
    const failing = h.db.writes.run(() => {
      insert.run(2);
      throw new Error('conflict');
    });
    const third = h.write(3);
    await turns();
    // One batch, one fsync; the failed write's outcome is settled with the others once it ends.
    expect(h.syncs).toHaveLength(1);
    h.syncs[0]!.finish();
    await expect(failing).rejects.toThrow('conflict');
    await Promise.all([first, third]);
    expect(h.acked.sort()).toEqual([1, 3]);
    expect(h.db.db.prepare('SELECT id FROM t ORDER BY id').all()).toEqual([{ id: 1 }, { id: 3 }]);
    await h.db.close();
  });
});
