import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** How many committed writes ask for one checkpoint (a 4 KiB PUT adds 2–3 WAL pages, a batch of them a few more). */
const CHECKPOINT_EVERY_WRITES = 128;
/**
 * Writes committed with no checkpoint completed after which the main connection checkpoints itself
 * (SQLite's own autocheckpoint again): the worker died, or its checkpoints never complete.
 */
const STALLED_AFTER_CHECKPOINTS = 64;
/** SQLite's default wal_autocheckpoint, restored on the main connection when the worker is gone. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

/**
 * The worker's code, as a string (`eval`), so that the same code runs from the TypeScript sources
 * (vitest) and from dist: a worker file would have to exist as JavaScript in both places. It opens a
 * connection of its own (a better-sqlite3 connection belongs to the thread that opened it) and runs
 * one PASSIVE checkpoint per message: it copies committed WAL frames into the database file without
 * waiting on (or blocking) the writer and readers (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html).
 * With synchronous=NORMAL a checkpoint fsyncs the WAL before it copies and the database file after
 * (https://www.sqlite.org/pragma.html#pragma_synchronous), so the pages it copies are durable before
 * the writer may restart the WAL over them.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.filename, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  const [result] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage(result);
});
`;

/** What one PASSIVE checkpoint reports: WAL frames, and how many of them are now in the database file. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface WalCheckpointerOptions {
  /** The database file (the main connection's). */
  filename: string;
  /** Committed writes that ask for one checkpoint (default 128). */
  everyWrites?: number;
}

/**
 * Runs the WAL checkpoints of the main connection in a worker thread. Left to SQLite, a checkpoint
 * runs inside the COMMIT that takes the WAL past 1,000 pages, on the event loop: 12–22 µs of CPU a
 * small PUT, and with fsync two synchronous fsyncs (docs/performance.md, issue 17, fourth pass). Here
 * the main connection never checkpoints (`wal_autocheckpoint = 0`); every `everyWrites` committed
 * writes it asks the worker for one, never more than one at a time. The writer restarts the WAL from
 * its start once a checkpoint has copied all of it, so the WAL stays about as small as SQLite keeps it.
 * If the worker fails, or no checkpoint completes for STALLED_AFTER_CHECKPOINTS requests' worth of
 * writes, the main connection checkpoints again as SQLite does by default: the WAL never grows without
 * bound. Durability is unchanged: a commit is acknowledged by the store's own fsync of the WAL, and a
 * checkpoint only copies frames already in it.
 */
export class WalCheckpointer {
  readonly #db: Database.Database;
  readonly #filename: string;
  readonly #everyWrites: number;
  #worker: Worker | undefined;
  /** Set when the worker failed or stalled: SQLite's autocheckpoint is back on the main connection. */
  #fallback = false;
  #requested = false;
  /** Writes committed since the last request. */
  #sinceRequest = 0;
  /** Writes committed since the last checkpoint that ended. */
  #sinceCheckpoint = 0;
  #exited: Promise<void> | undefined;
  /** Every checkpoint's report, for tests and diagnostics. */
  onCheckpoint: ((result: CheckpointResult) => void) | undefined;

  constructor(db: Database.Database, options: WalCheckpointerOptions) {
    this.#db = db;
    this.#filename = options.filename;
    this.#everyWrites = Math.max(1, options.everyWrites ?? CHECKPOINT_EVERY_WRITES);
    db.pragma('wal_autocheckpoint = 0');
  }

  /** The worker thread while it runs (tests end it to see the fallback). */
  get worker(): Worker | undefined {
    return this.#worker;
  }

  /** Called after each COMMIT with the number of writes it committed. */
  committed(writes: number): void {
    if (this.#fallback) return;
    this.#sinceRequest += writes;
    this.#sinceCheckpoint += writes;
    if (this.#sinceCheckpoint > this.#everyWrites * STALLED_AFTER_CHECKPOINTS) {
      this.#fallBack();
      return;
    }
    if (this.#requested || this.#sinceRequest < this.#everyWrites) return;
    this.#requested = true;
    this.#sinceRequest = 0;
    try {
      (this.#worker ??= this.#start()).postMessage('checkpoint');
    } catch {
      // No worker (out of threads or memory): SQLite checkpoints on the main connection, as by default.
      this.#fallBack();
    }
  }

  /** Ends the worker (its connection closes first), before the main connection closes. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    // Referenced again while it closes: an unreferenced worker would let the process end with this
    // promise pending (a closing store keeps nothing else on the event loop).
    worker.ref();
    worker.postMessage('close');
    await this.#exited;
  }

  #start(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { sqlite: createRequire(import.meta.url).resolve('better-sqlite3'), filename: this.#filename },
    });
    // The store closes it; a process that ends without closing the store must not wait for it.
    worker.unref();
    worker.on('message', (result: CheckpointResult) => {
      this.#requested = false;
      this.#sinceCheckpoint = this.#sinceRequest;
      this.onCheckpoint?.(result);
    });
    this.#exited = new Promise((resolve) => {
      worker.on('error', () => undefined);
      worker.on('exit', () => {
        if (this.#worker === worker) this.#fallBack();
        resolve();
      });
    });
    return worker;
  }

  #fallBack(): void {
    this.#fallback = true;
    const worker = this.#worker;
    this.#worker = undefined;
    void worker?.terminate();
    this.#db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    try {
      // Catch up at once: the WAL may already be long. (A checkpoint the worker still runs makes
      // this one report busy; the next COMMIT past the threshold tries again.)
      this.#db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // An I/O error here is the next COMMIT's to report; this runs after a COMMIT and must not throw.
    }
  }
}
