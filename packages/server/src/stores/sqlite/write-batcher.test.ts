import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { WriteBatcher } from './write-batcher.js';

// A batch runs without savepoints and, when a write throws, once more with the failing write left out
// and a savepoint around each write after it (write-batcher.ts). These tests hold every write atomic
// through that: a failed write changes nothing, every other write commits, and each write sees what
// the writes before it in the batch did, as if the writes had run one by one.

function store() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE TABLE c (n INTEGER NOT NULL); INSERT INTO c VALUES (0)');
  const insert = db.prepare('INSERT INTO t (id) VALUES (?)');
  const add = db.prepare('UPDATE c SET n = n + ?');
  const counter = () => (db.prepare('SELECT n FROM c').get() as { n: number }).n;
  const ids = () => (db.prepare('SELECT id FROM t ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  return { db, batcher: new WriteBatcher(db), insert, add, counter, ids };
}

describe('WriteBatcher: a failing write in a batch', () => {
  it('rolls back only the failing write, after statements it ran; the writes before and after it commit', async () => {
    const s = store();
    const runs = new Map<number, number>();
    const write = (id: number, fail = false) =>
      s.batcher.run(() => {
        runs.set(id, (runs.get(id) ?? 0) + 1);
        s.insert.run(id);
        s.add.run(id);
        if (fail) throw new Error(`write ${id} failed`);
        return id;
      });
    const outcomes = await Promise.allSettled([write(1), write(2), write(3, true), write(4), write(5)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toEqual(new Error('write 3 failed'));
    expect(s.ids()).toEqual([1, 2, 4, 5]);
    expect(s.counter()).toBe(1 + 2 + 4 + 5);
    // The writes before the failing one ran again in the second run; the failing one did not.
    expect(Object.fromEntries(runs)).toEqual({ 1: 2, 2: 2, 3: 1, 4: 1, 5: 1 });
  });

  it('rolls back a second failing write after the first alone (its savepoint), keeping the ones between', async () => {
    const s = store();
    const write = (id: number, fail = false) =>
      s.batcher.run(() => {
        s.insert.run(id);
        if (fail) throw new Error(`write ${id} failed`);
      });
    const outcomes = await Promise.allSettled([write(1, true), write(2), write(3, true), write(4)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(s.ids()).toEqual([2, 4]);
  });

  it('matches writes run one by one, with failures that depend on what earlier writes of the batch did', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      let x = seed;
      const random = () => {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        return x / 2 ** 31;
      };
      const s = store();
      // The model: each write applied on its own, a failed one leaving no trace.
      let modelN = 0;
      const modelIds: number[] = [];
      let id = 0;
      for (let turn = 0; turn < 12; turn++) {
        const size = 1 + Math.floor(random() * 8);
        const writes: Promise<string>[] = [];
        const expected: string[] = [];
        for (let i = 0; i < size; i++) {
          const me = ++id;
          const step = 1 + Math.floor(random() * 5);
          // Fails when the counter it finds is divisible by `mod`: a state the writes before it set.
          const mod = 2 + Math.floor(random() * 4);
          const failFirst = random() < 0.3;
          const fails = modelN % mod === 0;
          if (!fails) {
            modelN += step;
            modelIds.push(me);
          }
          expected.push(fails ? 'failed' : 'ok');
          writes.push(
            s.batcher
              .run(() => {
                const seen = s.counter();
                if (failFirst && seen % mod === 0) throw new Error('precondition');
                s.add.run(step);
                s.insert.run(me);
                if (seen % mod === 0) throw new Error('after its statements');
              })
              .then(
                () => 'ok',
                () => 'failed',
              ),
          );
        }
        expect(await Promise.all(writes), `seed ${seed}, turn ${turn}`).toEqual(expected);
      }
      expect(s.counter(), `seed ${seed}`).toBe(modelN);
      expect(s.ids(), `seed ${seed}`).toEqual(modelIds);
      s.db.close();
    }
  });
});
