import fs, { type FileHandle } from 'node:fs/promises';

interface Entry {
  handle: Promise<FileHandle>;
  users: number;
  evicted: boolean;
}

/**
 * Open file handles of recently read blobs, least recently used out first. Blobs are immutable, so
 * a cached handle stays valid until the blob is deleted, when `evict` closes it (after the reads
 * using it finish). A small GET then costs one pread instead of open + read + close.
 */
export class FdCache {
  readonly #entries = new Map<string, Entry>();

  constructor(readonly capacity: number) {}

  async use<T>(blobId: string, path: string, fn: (handle: FileHandle) => Promise<T>): Promise<T> {
    let entry = this.#entries.get(blobId);
    if (entry) {
      // Most recently used last.
      this.#entries.delete(blobId);
      this.#entries.set(blobId, entry);
    } else {
      entry = { handle: fs.open(path, 'r'), users: 0, evicted: false };
      this.#entries.set(blobId, entry);
      this.#trim();
    }
    entry.users++;
    try {
      return await fn(await entry.handle);
    } catch (err) {
      // A handle that failed to open must not stay cached.
      if (this.#entries.get(blobId) === entry) await entry.handle.catch(() => this.#entries.delete(blobId));
      throw err;
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) this.#close(entry);
    }
  }

  /** Forgets a blob's handle (its file is being deleted); it closes once no read uses it. */
  evict(blobId: string): void {
    const entry = this.#entries.get(blobId);
    if (!entry) return;
    this.#entries.delete(blobId);
    entry.evicted = true;
    if (entry.users === 0) this.#close(entry);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => e.handle.then((h) => h.close()).catch(() => {})));
  }

  #trim(): void {
    while (this.#entries.size > this.capacity) {
      const [oldest] = this.#entries.keys();
      this.evict(oldest!);
    }
  }

  #close(entry: Entry): void {
    entry.handle.then((h) => h.close()).catch(() => {});
  }
}
