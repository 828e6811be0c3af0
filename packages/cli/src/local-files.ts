/**
 * The local side of a transfer, tuned for many small files. Each asynchronous fs call is a round trip through
 * libuv's thread pool, and a profile of `coffer cp -r` over 2,000 files of 16 KiB showed the client's main thread
 * spending more time on those round trips (stat, open, read, close, rename: a thread wakes, the main thread is
 * switched out) than on HTTP. Files up to SMALL_FILE_BYTES are therefore read and written with synchronous calls,
 * which cost microseconds from the page cache and hold at most `--jobs` × 256 KiB in memory (creating a file is the
 * exception: see writeSmallFile); anything larger is streamed as before. Directories are made once per process.
 */
import fs from 'node:fs';
import { promisify } from 'node:util';

/** Files up to this size are read whole into memory for an upload, and received whole for a download. */
export const SMALL_FILE_BYTES = 256 * 1024;

/**
 * The content of a small file, or undefined when it has grown past SMALL_FILE_BYTES since it was listed (the
 * caller streams it then).
 */
export function readSmallFile(file: string): Buffer | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const sizeBytes = fs.fstatSync(fd).size;
    if (sizeBytes > SMALL_FILE_BYTES) return undefined;
    const buffer = Buffer.allocUnsafe(sizeBytes);
    let at = 0;
    while (at < sizeBytes) {
      const n = fs.readSync(fd, buffer, at, sizeBytes - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === sizeBytes ? buffer : buffer.subarray(0, at);
  } finally {
    fs.closeSync(fd);
  }
}

const openFile = promisify(fs.open);

/**
 * Writes a small downloaded body (received whole). When nothing is at `file` yet it is created there directly
 * (O_EXCL, so an existing file is never touched this way) and written with one write: no temporary name, no
 * rename, which on the bench machine's ext4 was a second thread-pool trip and a second wait on the directory's
 * lock per file. If writing fails, the file it created is removed. When `file` exists, the body is written beside
 * it and renamed into place, so that a failed write never leaves the old file half overwritten. Creating is the
 * slow step (1–2 ms), so the open goes through the thread pool, where several overlap; the write is synchronous.
 *
 * The one window this leaves: a process killed between the create and the end of the single write leaves a short
 * file under the real name (where before it left a `.part` file). `sync` sees its size differ and fetches it again.
 */
export async function writeSmallFile(file: string, body: Uint8Array): Promise<void> {
  let fd: number;
  try {
    fd = await openFile(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return replaceSmallFile(file, body);
  }
  try {
    try {
      writeAll(fd, body);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    await fs.promises.rm(file, { force: true });
    throw err;
  }
}

function writeAll(fd: number, body: Uint8Array): void {
  let at = 0;
  while (at < body.length) at += fs.writeSync(fd, body, at, body.length - at);
}

/** Writes beside an existing `file` and renames the copy over it. */
async function replaceSmallFile(file: string, body: Uint8Array): Promise<void> {
  const temp = partFileOf(file);
  const fd = await openFile(temp, 'w');
  try {
    try {
      writeAll(fd, body);
    } finally {
      fs.closeSync(fd);
    }
    await fs.promises.rename(temp, file);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
}

/** The name a download is written under until it is complete. */
export function partFileOf(file: string): string {
  return `${file}.coffer-${process.pid}.part`;
}

const madeDirs = new Map<string, Promise<unknown>>();

/** mkdir -p, once per directory per process (a download of 2,000 files into one folder makes it once). */
export function ensureDir(dir: string): Promise<unknown> {
  let made = madeDirs.get(dir);
  if (!made) {
    made = fs.promises.mkdir(dir, { recursive: true });
    madeDirs.set(dir, made);
    made.catch(() => madeDirs.delete(dir));
  }
  return made;
}
