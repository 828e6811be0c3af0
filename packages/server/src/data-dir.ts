import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

/** Modes of everything in the data directory: only the server's user may read objects and metadata. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** The lock file: its existence (and the pid inside) says a server is using the directory. */
export const LOCK_FILE = 'server.lock';

/**
 * The cluster marker: written by gateways sharing the directory (`--metadata postgres://…`), naming
 * their metadata database (without its password). An embedded server refuses a directory that has one:
 * the shared gateways take no lock file, and its SQLite database is not where the objects are listed.
 */
export const CLUSTER_FILE = 'cluster.json';

/** The server cannot start, for a reason the operator can fix: printed as one line by `coffer server`. */
export class StartupError extends Error {
  override readonly name: string = 'StartupError';
}

/** The data directory cannot be used; the message names the directory and what is wrong. */
export class DataDirError extends StartupError {
  override readonly name = 'DataDirError';
}

/** A data directory this process holds exclusively until `release`. */
export interface DataDirLock {
  readonly dir: string;
  release(): Promise<void>;
}

export interface OpenDataDirOptions {
  /**
   * The metadata store is shared by several gateways (PostgreSQL: `MetadataStore.sharedByGateways`), and so is
   * this directory: no exclusive lock is taken, only a check that no embedded server holds one. Each
   * gateway then writes in its own tmp/<gateway>/ and start-up recovery is the `recovery` lease's
   * job (workers/shared-recovery.ts). Default false: the embedded SQLite store, exclusive (#18).
   */
  shared?: boolean;
  /**
   * Shared: the metadata database's URL, recorded in cluster.json (password removed) so that an embedded
   * server refuses the directory and a gateway pointed at another database does too.
   */
  metadataUrl?: string;
}

/**
 * Prepares `dir` for one server: creates it (0700) if needed, takes the exclusive lock (a second server
 * on the same directory would be a second writer on one SQLite database and one blob tree), and
 * tightens the modes of a directory that an older Coffer left readable by others, with a log line.
 * With `shared`, gateways of one cluster share the directory and no exclusive lock is taken.
 */
export async function openDataDir(dir: string, log: Logger, options: OpenDataDirOptions = {}): Promise<DataDirLock> {
  const absolute = path.resolve(dir);
  await makeDirectory(absolute);
  // Each side writes its own mark before looking for the other's (a gateway: cluster.json, then the
  // lock file; an embedded server: the lock file, then cluster.json), so of two starting at once at
  // least one sees the other.
  let lock: DataDirLock;
  if (options.shared) {
    const marked = options.metadataUrl !== undefined && (await markCluster(absolute, options.metadataUrl));
    try {
      lock = await checkNotLocked(absolute);
    } catch (err) {
      if (marked) await fs.rm(path.join(absolute, CLUSTER_FILE), { force: true });
      throw err;
    }
  } else lock = await lockDataDir(absolute);
  try {
    if (!options.shared) await checkNotCluster(absolute);
    const tightened = await tightenModes(absolute);
    if (tightened > 0) {
      log.warn(
        { dataDir: absolute, files: tightened },
        'data directory was readable by other users: made it private (directories 0700, files 0600)',
      );
    }
  } catch (err) {
    await lock.release();
    throw err;
  }
  return lock;
}

/**
 * mkdir -p with mode 0700, hand-written because Node's `mkdir({ recursive: true })` never returns
 * for a path it cannot create under /proc (it retries the same mkdir forever at 100% CPU, Node 20):
 * here each missing ancestor is created once, and any failure is a DataDirError at once.
 */
async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = dir; ; current = path.dirname(current)) {
    const stat = await fs.stat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw dataDirError(dir, err);
    });
    if (stat?.isDirectory()) break;
    if (stat) throw new DataDirError(`data directory ${dir}: ${current} exists and is not a directory`);
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const current of missing) {
    await fs.mkdir(current, { mode: PRIVATE_DIR_MODE }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw dataDirError(dir, err);
    });
  }
}

function dataDirError(dir: string, err: NodeJS.ErrnoException): DataDirError {
  const reason =
    err.code === 'ENOTDIR'
      ? 'a part of the path is not a directory'
      : err.code === 'EACCES' || err.code === 'EPERM'
        ? 'permission denied'
        : err.code === 'EROFS'
          ? 'read-only file system'
          : err.code === 'ENOENT'
            ? 'the directory cannot be created there'
            : (err.code ?? err.message);
  return new DataDirError(`cannot use data directory ${dir}: ${reason} (${err.syscall ?? 'fs'} ${err.path ?? dir})`);
}

/**
 * The lock: `server.lock` created exclusively (O_EXCL) holding this process's pid. A lock whose pid is
 * no longer running is stale (a server killed with SIGKILL or a power loss leaves one) and is taken
 * over; a live one refuses. Node has no flock(2), and a pid file also tells the operator who holds it.
 */
async function lockDataDir(dir: string): Promise<DataDirLock> {
  const file = path.join(dir, LOCK_FILE);
  const content = `${process.pid}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(file, content, { flag: 'wx', mode: PRIVATE_FILE_MODE });
      break;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'EEXIST') throw dataDirError(dir, e);
    }
    const holder = await readPid(file);
    if (holder !== undefined && isRunning(holder)) {
      throw new DataDirError(
        `data directory ${dir} is in use by another Coffer server (pid ${holder}, lock file ${file}); ` +
          'stop it first, or give this server another --data',
      );
    }
    if (attempt > 0) throw new DataDirError(`data directory ${dir}: could not take the lock file ${file}`);
    // Stale: move it aside under a name of our own (rename is atomic, so of two servers taking over the
    // same stale lock only one moves it), then create ours exclusively on the next turn.
    const aside = `${file}.stale-${process.pid}`;
    await fs.rename(file, aside).catch(() => {});
    await fs.rm(aside, { force: true });
  }
  let released = false;
  return {
    dir,
    release: async () => {
      if (released) return;
      released = true;
      if ((await readPid(file)) === process.pid) await fs.rm(file, { force: true });
    },
  };
}

/**
 * Shared mode: refuses a directory an embedded server holds exclusively (its SQLite database is not
 * the shared store), and takes nothing itself; release() is a no-op.
 */
async function checkNotLocked(dir: string): Promise<DataDirLock> {
  const file = path.join(dir, LOCK_FILE);
  const holder = await readPid(file);
  if (holder !== undefined && isRunning(holder)) {
    throw new DataDirError(
      `data directory ${dir} is in use by an embedded Coffer server (pid ${holder}, lock file ${file}); ` +
        'gateways sharing a metadata database cannot share its directory with it',
    );
  }
  return { dir, release: async () => {} };
}

/** A metadata URL as cluster.json records it and messages show it: no password. */
export function redactedMetadataUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, '@');
  }
}

interface ClusterMarker {
  metadata: string;
}

async function readClusterMarker(dir: string): Promise<ClusterMarker | undefined> {
  const file = path.join(dir, CLUSTER_FILE);
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw dataDirError(dir, err);
  });
  if (text === undefined) return undefined;
  try {
    const marker = JSON.parse(text) as Partial<ClusterMarker>;
    if (typeof marker.metadata === 'string') return { metadata: marker.metadata };
  } catch {}
  throw new DataDirError(`data directory ${dir}: ${file} is not a cluster marker ({"metadata": "postgres://…"})`);
}

/**
 * Shared gateways: writes cluster.json unless it is there (O_EXCL, so of gateways starting together
 * one writes it), and refuses a directory whose marker names another metadata database: two clusters
 * on one blob tree would each delete the other's blobs as unreferenced.
 */
async function markCluster(dir: string, metadataUrl: string): Promise<boolean> {
  const file = path.join(dir, CLUSTER_FILE);
  const metadata = redactedMetadataUrl(metadataUrl);
  const content = `${JSON.stringify({ metadata, createdAt: new Date().toISOString() })}\n`;
  const created = await fs.writeFile(file, content, { flag: 'wx', mode: PRIVATE_FILE_MODE }).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return false;
      throw dataDirError(dir, err);
    },
  );
  if (created) return true;
  const marker = await readClusterMarker(dir);
  if (marker && marker.metadata !== metadata) {
    throw new DataDirError(
      `data directory ${dir} belongs to the cluster whose metadata is in ${marker.metadata} (${file}), ` +
        `not ${metadata}; give this gateway that --metadata, or another --data ` +
        `(if the database itself moved, edit ${file})`,
    );
  }
  return false;
}

/** Embedded: refuses a directory that gateways of a cluster share (they take no lock file). */
async function checkNotCluster(dir: string): Promise<void> {
  const marker = await readClusterMarker(dir);
  if (!marker) return;
  throw new DataDirError(
    `data directory ${dir} belongs to a cluster of gateways whose metadata is in ${marker.metadata} ` +
      `(${path.join(dir, CLUSTER_FILE)}): an embedded server cannot use it; start with ` +
      '--metadata pointing at that database, or give this server another --data',
  );
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether a process with this pid exists (signal 0 checks without sending; EPERM: it exists, not ours). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes the data directory private. When the directory itself is already 0700 only its top-level
 * entries are checked (a start must not stat millions of blob files); when it was open to others, the
 * whole tree is walked once. Returns how many entries changed.
 */
async function tightenModes(dir: string): Promise<number> {
  const stat = await fs.stat(dir);
  if ((stat.mode & 0o077) === 0) {
    let changed = 0;
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      changed += await tighten(path.join(dir, entry.name), entry.isDirectory());
    }
    return changed;
  }
  let changed = await tighten(dir, true);
  const walk = async (current: string): Promise<void> => {
    for (const entry of await fs.readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      changed += await tighten(full, entry.isDirectory());
      if (entry.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  return changed;
}

async function tighten(file: string, isDirectory: boolean): Promise<number> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat || stat.isSymbolicLink() || (stat.mode & 0o077) === 0) return 0;
  // Group and others lose everything; the owner keeps (at least) what the server needs.
  await fs.chmod(file, (stat.mode & 0o700) | (isDirectory ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE));
  return 1;
}

/**
 * Creates an empty file with mode 0600 unless it exists: SQLite creates its database 0644, and its WAL
 * and shared-memory files take the database file's mode, so creating it first keeps all three private.
 */
export async function createPrivateFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'a', PRIVATE_FILE_MODE);
  await handle.close();
}
