import type { Database } from 'better-sqlite3';

interface QueuedWrite {
  run: () => unknown;
  lazy: boolean;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** Longest a lazy write waits for an fsync when no eager write brings one. */
const LAZY_SYNC_MS = 1000;

/** Thrown out of a batch run without savepoints when write `index` fails: the batch is rolled back. */
class WriteFailed {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {}
}

type Outcome = { ok: boolean; value: unknown };

/**
 * Group commit for better-sqlite3. Writes queued during one turn of the event loop run together in
 * one transaction, and the batch pays for one COMMIT. Each write is atomic: one that throws changes
 * nothing and the others commit. With `durable`, the batch's promises settle only once it resolves
 * (the store fsyncs the WAL there, off the event loop), so an acknowledged write survives power loss.
 *
 * A batch first runs with no savepoints (a savepoint makes SQLite keep the pages a write changes in
 * a statement journal, ~20 µs a write: docs/performance.md, issue 17, fifth pass). If write i throws,
 * the whole transaction is rolled back and run once more: the writes before i as before (they
 * succeeded on the same state, so they will again), write i not at all (it failed on the state the
 * writes before it leave, which the second run recreates; its error is its outcome), and each write
 * after i inside its own savepoint, as nothing is known of them. So a batch runs at most twice, and a write's function may run twice: it must change
 * nothing outside the database but what it returns (every store write is such a function).
 */
export class WriteBatcher {
  readonly #queue: QueuedWrite[] = [];
  readonly #batch: (writes: QueuedWrite[]) => Outcome[];
  readonly #retry: (writes: QueuedWrite[], failed: WriteFailed) => Outcome[];
  readonly #alone: (write: QueuedWrite) => unknown;
  readonly #durable: (() => Promise<void>) | undefined;
  readonly #committed: ((writes: number) => void) | undefined;
  readonly #syncing = new Set<Promise<void>>();
  #scheduled = false;
  #lazySync: NodeJS.Timeout | undefined;

  /**
   * `durable`: makes the batches committed so far durable (the WAL fsync); a batch is acknowledged once
   * it resolves. `committed`: told after each COMMIT how many writes it held (the WAL checkpointer).
   */
  constructor(
    db: Database,
    options: { durable?: (() => Promise<void>) | undefined; committed?: ((writes: number) => void) | undefined } = {},
  ) {
    this.#durable = options.durable;
    this.#committed = options.committed;
    // Nested db.transaction() calls become savepoints inside the outer transaction.
    const single = db.transaction((write: QueuedWrite) => write.run());
    // A batch of one write needs no savepoint: the transaction is that write's alone, and rolling it
    // back is what its savepoint would do. Called outside a transaction, `single` is a plain
    // BEGIN … COMMIT. (A savepoint makes SQLite keep a copy of each page the write changes, to roll
    // back to; docs/performance.md, issue 17, fourth pass.)
    this.#alone = single;
    this.#batch = db.transaction((writes: QueuedWrite[]) =>
      writes.map((write, i): Outcome => {
        try {
          return { ok: true, value: write.run() };
        } catch (err) {
          // db.transaction rolls the whole batch back on the way out.
          throw new WriteFailed(i, err);
        }
      }),
    );
    this.#retry = db.transaction((writes: QueuedWrite[], failed: WriteFailed) =>
      writes.map((write, i): Outcome => {
        if (i < failed.index) return { ok: true, value: write.run() };
        if (i === failed.index) return { ok: false, value: failed.error };
        try {
          return { ok: true, value: single(write) };
        } catch (err) {
          return { ok: false, value: err };
        }
      }),
    );
  }

  /**
   * Runs `fn` inside the next batch transaction; resolves with its result once the batch is committed.
   * A `lazy` write (the access log spool) does not wait for, nor cause, an fsync of its own: it is
   * made durable by the next batch that has an eager write, or within LAZY_SYNC_MS. `fn` may run twice
   * (when a later write of its batch fails): it must change nothing outside the database but what it returns.
   */
  run<T>(fn: () => T, options: { lazy?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run: fn, lazy: options.lazy === true, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Waits for the fsyncs of committed batches (before the database is closed). */
  async settled(): Promise<void> {
    if (this.#lazySync) {
      clearTimeout(this.#lazySync);
      this.#lazySync = undefined;
      this.#track(this.#durable!());
    }
    await Promise.allSettled([...this.#syncing]);
  }

  /** Commits whatever is queued now (also called on close). */
  flush(): void {
    this.#scheduled = false;
    if (this.#queue.length === 0) return;
    const writes = this.#queue.splice(0, this.#queue.length);
    let outcomes: Outcome[];
    try {
      outcomes = writes.length === 1 ? [{ ok: true, value: this.#alone(writes[0]!) }] : this.#runBatch(writes);
    } catch (err) {
      // The write failed and was rolled back (a batch of one), or the COMMIT itself failed (disk full,
      // I/O error): nothing in the batch happened.
      for (const write of writes) write.reject(err);
      return;
    }
    this.#committed?.(writes.length);
    const settle = (syncError?: unknown) =>
      writes.forEach((write, i) => {
        const outcome = outcomes[i]!;
        if (syncError !== undefined && outcome.ok) write.reject(syncError);
        else if (outcome.ok) write.resolve(outcome.value);
        else write.reject(outcome.value);
      });
    if (!this.#durable) {
      settle();
      return;
    }
    if (writes.every((write) => write.lazy)) {
      settle();
      this.#lazySync ??= setTimeout(() => {
        this.#lazySync = undefined;
        this.#track(this.#durable!());
      }, LAZY_SYNC_MS).unref();
      return;
    }
    // This fsync covers lazy writes committed before it too.
    clearTimeout(this.#lazySync);
    this.#lazySync = undefined;
    this.#track(
      this.#durable().then(
        () => settle(),
        (err) => settle(err ?? new Error('fsync failed')),
      ),
    );
  }

  #runBatch(writes: QueuedWrite[]): Outcome[] {
    try {
      return this.#batch(writes);
    } catch (err) {
      if (!(err instanceof WriteFailed)) throw err;
      return this.#retry(writes, err);
    }
  }

  #track(sync: Promise<void>): void {
    const tracked = sync.catch(() => undefined);
    this.#syncing.add(tracked);
    void tracked.finally(() => this.#syncing.delete(tracked));
  }
}
