import { randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStore, BlobWriter } from '../types.js';
import { FdCache } from './fd-cache.js';

export interface FsBlobStoreOptions {
  /** Root directory; blobs go to `<directory>/blobs/<2 hex>/<id>`, writes in progress to `<directory>/tmp`. */
  directory: string;
  /** fsync each blob and its directory before commit() resolves. */
  fsync: boolean;
  /** Read-stream buffer size. */
  readChunkBytes?: number;
  /** Open handles kept for small reads (FdCache); default: a quarter of the open-file limit, 256–8192. */
  cachedHandles?: number;
  /**
   * Gateways sharing the directory each write in their own `tmp/<gatewayTmp>/`, so one gateway's
   * start-up never deletes another's writes in progress (workers/shared-recovery.ts clears a dead
   * gateway's). Default: tmp/ itself (one server holds the directory).
   */
  gatewayTmp?: string;
}

const FANOUT = 256;

/** The soft limit on open files (Linux: /proc/self/limits), or undefined where it cannot be read. */
export function openFileLimit(limits = '/proc/self/limits'): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(limits, 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * How many blob handles to keep open: a quarter of the process's open-file limit (the rest is for
 * sockets, the database and directories), at least 256 and at most 8192. A GET of a small object
 * whose handle is cached is one pread; without it, an open, a pread and a close, three trips through
 * the threadpool (GET 4 KiB over 1,000 objects: 0.57–0.73 of the ceiling with 256 handles, 0.93–1.24
 * with 4,096). Raise `ulimit -n` to let Coffer keep more.
 */
export function defaultCachedHandles(limit: number | undefined): number {
  if (limit === undefined) return 256;
  return Math.max(256, Math.min(8192, Math.floor(limit / 4)));
}

/**
 * Blobs as immutable files named by random id, never overwritten (docs/ARCHITECTURE.md, "Blobs").
 * A blob is written to tmp/ and renamed into place only when complete, so a crash never leaves a
 * torn file under a blob id; what tmp/ holds after a crash is garbage by definition.
 */
export class FsBlobStore implements BlobStore {
  readonly #blobsDir: string;
  readonly #tmpDir: string;
  readonly #tmpRoot: string;
  readonly #fsync: boolean;
  readonly #readChunkBytes: number;
  readonly #handles: FdCache;
  /** The fan-out directories, kept open for their fsyncs. */
  readonly #directories = new DirectoryHandles();

  private constructor(options: FsBlobStoreOptions) {
    this.#blobsDir = path.join(options.directory, 'blobs');
    this.#tmpRoot = path.join(options.directory, 'tmp');
    this.#tmpDir = options.gatewayTmp ? path.join(this.#tmpRoot, options.gatewayTmp) : this.#tmpRoot;
    this.#fsync = options.fsync;
    this.#readChunkBytes = options.readChunkBytes ?? 512 * 1024;
    this.#handles = new FdCache(options.cachedHandles ?? defaultCachedHandles(openFileLimit()));
  }

  static async open(options: FsBlobStoreOptions): Promise<FsBlobStore> {
    const store = new FsBlobStore(options);
    await fs.mkdir(store.#tmpDir, { recursive: true, mode: 0o700 });
    // Fan-out directories are made once here, so no write pays for a mkdir.
    await Promise.all(
      Array.from({ length: FANOUT }, (_, i) =>
        fs.mkdir(path.join(store.#blobsDir, i.toString(16).padStart(2, '0')), { recursive: true, mode: 0o700 }),
      ),
    );
    return store;
  }

  newBlobId(): string {
    return randomBlobId();
  }

  #blobPath(blobId: string): string {
    if (!/^[0-9a-f]{32}$/.test(blobId)) throw new Error(`not a blob id: ${blobId}`);
    return path.join(this.#blobsDir, blobId.slice(0, 2), blobId);
  }

  async createWriter(blobId: string): Promise<BlobWriter> {
    const finalPath = this.#blobPath(blobId);
    const tmpPath = path.join(this.#tmpDir, blobId);
    // 0600: objects are readable by the server's user only (the data directory is private too).
    const handle = await fs.open(tmpPath, 'wx', 0o600);
    const fsync = this.#fsync;
    const directories = this.#directories;
    let state: 'open' | 'committed' | 'aborted' = 'open';
    return {
      blobId,
      async write(chunks) {
        if (chunks.length === 1) await handle.write(chunks[0]!);
        else await handle.writev(chunks);
      },
      async commit() {
        if (state !== 'open') throw new Error(`blob ${blobId} is ${state}`);
        if (fsync) await handle.sync();
        await handle.close();
        await fs.rename(tmpPath, finalPath);
        // The rename is durable only once the directory entry is: fsync the directory too
        // (https://lwn.net/Articles/457667/; Garage's block manager does the same).
        if (fsync) await directories.sync(path.dirname(finalPath));
        state = 'committed';
      },
      async abort() {
        if (state !== 'open') return;
        state = 'aborted';
        await handle.close().catch(() => {});
        await fs.rm(tmpPath, { force: true });
      },
    };
  }

  async read(blobId: string, start: number, end: number): Promise<Buffer> {
    const length = end - start + 1;
    return this.#handles.use(blobId, this.#blobPath(blobId), async (handle) => {
      const buffer = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, start + done);
        if (bytesRead === 0) throw new Error(`blob ${blobId} is shorter than its manifest says`);
        done += bytesRead;
      }
      return buffer;
    });
  }

  withHandle<T>(blobId: string, fn: (handle: FileHandle) => Promise<T>): Promise<T> {
    return this.#handles.use(blobId, this.#blobPath(blobId), fn);
  }

  createReadStream(blobId: string, start: number, end: number): Readable {
    return createReadStream(this.#blobPath(blobId), { start, end, highWaterMark: this.#readChunkBytes });
  }

  async delete(blobId: string): Promise<void> {
    this.#handles.evict(blobId);
    await fs.rm(this.#blobPath(blobId), { force: true });
  }

  /** Closes cached handles (at shutdown). */
  async close(): Promise<void> {
    await this.#handles.closeAll();
    await this.#directories.closeAll();
  }

  async clearTemporary(): Promise<void> {
    for (const name of await fs.readdir(this.#tmpDir)) await fs.rm(path.join(this.#tmpDir, name), { force: true });
  }

  /**
   * The other gateways' temporary directories under tmp/ (shared mode), and loose files there (an
   * embedded server's), each with its last modification time.
   */
  async otherTemporary(): Promise<{ name: string; isDirectory: boolean; mtimeMs: number }[]> {
    const out: { name: string; isDirectory: boolean; mtimeMs: number }[] = [];
    for (const entry of await fs.readdir(this.#tmpRoot, { withFileTypes: true })) {
      const full = path.join(this.#tmpRoot, entry.name);
      if (full === this.#tmpDir) continue;
      const stat = await fs.stat(full).catch(() => undefined);
      if (stat) out.push({ name: entry.name, isDirectory: entry.isDirectory(), mtimeMs: stat.mtimeMs });
    }
    return out;
  }

  /** Removes another gateway's temporary directory (or a loose file) under tmp/. */
  async removeTemporary(name: string): Promise<void> {
    if (name.includes('/') || name === '..' || name === '.') throw new Error(`not a tmp/ entry: ${name}`);
    await fs.rm(path.join(this.#tmpRoot, name), { recursive: true, force: true });
  }

  /** Whether `tmp/<gatewayTmp>/<blobId>` exists: that gateway is writing the blob. */
  async writingIn(gatewayTmp: string, blobId: string): Promise<boolean> {
    return fs.stat(path.join(this.#tmpRoot, gatewayTmp, blobId)).then(
      () => true,
      () => false,
    );
  }

  /** When the blob file was last written, or undefined if it is not there. */
  async blobMtimeMs(blobId: string): Promise<number | undefined> {
    return (await fs.stat(this.#blobPath(blobId)).catch(() => undefined))?.mtimeMs;
  }

  async *listBlobIds(): AsyncIterable<string> {
    for (let i = 0; i < FANOUT; i++) {
      const dir = path.join(this.#blobsDir, i.toString(16).padStart(2, '0'));
      for (const name of (await fs.readdir(dir)).sort()) yield name;
    }
  }
}

/** Open directory handles by path (256 fan-out directories at most), so an fsync needs no open/close. */
class DirectoryHandles {
  readonly #handles = new Map<string, Promise<FileHandle>>();

  async sync(dir: string): Promise<void> {
    let handle = this.#handles.get(dir);
    if (!handle) {
      handle = fs.open(dir, 'r');
      this.#handles.set(dir, handle);
      handle.catch(() => this.#handles.delete(dir));
    }
    await (await handle).sync();
  }

  async closeAll(): Promise<void> {
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    await Promise.all(handles.map((h) => h.then((fh) => fh.close()).catch(() => {})));
  }
}

/**
 * 16 random bytes as hex, cut from a 4 KiB pool refilled from the CSPRNG every 256 ids: one
 * `randomBytes(16)` per id cost ~1.6 µs of every PUT, the pool ~0.1 µs (node's randomUUID caches
 * entropy the same way). The ids are as random as before; they only name files.
 */
let idPool = Buffer.alloc(0);
let idOffset = 0;
function randomBlobId(): string {
  if (idOffset + 16 > idPool.length) {
    idPool = randomBytes(4096);
    idOffset = 0;
  }
  const id = idPool.toString('hex', idOffset, idOffset + 16);
  idOffset += 16;
  return id;
}
