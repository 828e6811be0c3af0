import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { FsBlobStore } from '../stores/fs/fs-blob-store.js';
import { SqliteKmsKeyStore } from '../stores/sqlite/kms-keys.js';
import { SqliteObjectAccessStore } from '../stores/sqlite/object-access.js';
import { SqliteMetaStore } from '../stores/sqlite/sqlite-meta-store.js';
import type { Actor } from './buckets.js';
import { createEngine, type Engine } from './engine.js';

/**
 * An engine on stores made for one test, for engine tests that call it directly, as a handler does
 * (no HTTP): SQLite in memory, blobs in a temporary directory, GC without a grace period, and a
 * clock the test can move.
 */
export interface TestEngine {
  engine: Engine;
  meta: SqliteMetaStore;
  blobs: FsBlobStore;
  /** Milliseconds added to the real clock. */
  advanceMs(ms: number): void;
  close(): Promise<void>;
}

export const OWNER: Actor = { ownerId: 'qcs::cam::uin/100000000001:uin/100000000001', displayName: '100000000001' };

export async function openTestEngine(): Promise<TestEngine> {
  const directory = await mkdtemp(path.join(tmpdir(), 'coffer-engine-'));
  const meta = new SqliteMetaStore({ filename: ':memory:', fsync: false });
  const blobs = await FsBlobStore.open({ directory, fsync: false });
  let offsetMs = 0;
  const engine = createEngine({
    meta,
    blobs,
    log: pino({ level: 'silent' }),
    clock: { nowMs: () => Date.now() + offsetMs },
    region: 'ap-guangzhou',
    sealKey: randomBytes(32),
    kmsKeys: new SqliteKmsKeyStore(meta.shared()),
    kmsWrapKey: randomBytes(32),
    access: new SqliteObjectAccessStore(meta.shared()),
    limits: { maxPutSizeBytes: 64 * 1024 * 1024, gcGraceMs: 0 },
  });
  return {
    engine,
    meta,
    blobs,
    advanceMs: (ms) => {
      offsetMs += ms;
    },
    close: async () => {
      await meta.close();
      await blobs.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** PUT Object of `body` with no content headers or metadata but those given. */
export function put(
  engine: Engine,
  bucket: string,
  key: string,
  body: Buffer | string,
  attributes: Partial<Parameters<Engine['putObject']>[0]> = {},
) {
  return engine.putObject({
    bucket,
    key,
    actor: OWNER,
    body: Readable.from([Buffer.from(body)]),
    expect: {},
    contentHeaders: {},
    userMeta: {},
    ...attributes,
  });
}

/** The whole body of an object (or of one version). */
export async function read(engine: Engine, bucket: string, key: string, versionId?: string): Promise<Buffer> {
  const got = await engine.getObject({ bucket, key, ...(versionId !== undefined ? { versionId } : {}) });
  return got.readBody();
}

/** Blob ids the metadata references, and those on disk. */
export async function blobIds(t: TestEngine): Promise<{ referenced: string[]; onDisk: string[] }> {
  const referenced: string[] = [];
  for await (const id of t.meta.listBlobIds()) referenced.push(id);
  const onDisk: string[] = [];
  for await (const id of t.blobs.listBlobIds()) onDisk.push(id);
  return { referenced: referenced.sort(), onDisk: onDisk.sort() };
}
