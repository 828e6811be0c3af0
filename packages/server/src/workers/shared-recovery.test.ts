import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../stores/fs/fs-blob-store.js';
import { leaseDatabase } from './lease-test-kit.js';
import { gatewayLease, SharedRecovery } from './shared-recovery.js';

const log = pino({ level: 'silent' });
const TTL = 30_000;
const STALE = 15 * 60_000;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const exists = (file: string) =>
  fs.stat(file).then(
    () => true,
    () => false,
  );

describe('recovery of a shared data directory: two gateways, one directory, a fake clock', () => {
  it("never touches a live gateway's writes, and clears a dead one's after its lease lapses", async () => {
    const db = leaseDatabase(2);
    closers.push(() => db.close());
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-shared-'));
    closers.push(() => fs.rm(dir, { recursive: true, force: true }));
    const blobsA = await FsBlobStore.open({ directory: dir, fsync: false, gatewayTmp: 'gw-a' });
    const blobsB = await FsBlobStore.open({ directory: dir, fsync: false, gatewayTmp: 'gw-b' });
    closers.push(
      () => blobsA.close(),
      () => blobsB.close(),
    );
    let now = Date.now();
    await db.leases[0]!.acquireLease(gatewayLease('gw-a'), 'a', TTL, now);
    await db.leases[1]!.acquireLease(gatewayLease('gw-b'), 'b', TTL, now);

    // gw-a: one PUT still streaming (its tmp file), one renamed into place but not yet committed.
    const streaming = blobsA.newBlobId();
    await db.meta.addPendingBlob(streaming, now);
    const writer = await blobsA.createWriter(streaming);
    await writer.write([Buffer.from('half a body')]);
    const renamed = blobsA.newBlobId();
    await db.meta.addPendingBlob(renamed, now);
    const w2 = await blobsA.createWriter(renamed);
    await w2.write([Buffer.from('whole')]);
    await w2.commit();
    const renamedFile = path.join(dir, 'blobs', renamed.slice(0, 2), renamed);

    // gw-b's recovery, as often as it likes while gw-a lives: nothing of gw-a's goes.
    const recovery = new SharedRecovery({
      blobs: blobsB,
      meta: db.meta,
      leases: db.leases[1]!,
      gatewayTmp: 'gw-b',
      staleMs: STALE,
      nowMs: () => now,
      log,
    });
    for (let i = 0; i < 3; i++) {
      now += TTL / 3;
      await db.leases[0]!.renewLease(gatewayLease('gw-a'), 'a', TTL, now);
      expect(await recovery.run()).toEqual({ tmpRemoved: 0, blobsRemoved: 0 });
    }
    expect(await exists(path.join(dir, 'tmp', 'gw-a', streaming))).toBe(true);
    expect(await exists(renamedFile)).toBe(true);
    expect((await db.meta.listPendingBlobs()).sort()).toEqual([renamed, streaming].sort());

    // gw-a dies (stops renewing). Once its lease lapses its tmp/ goes; its pending blobs go only after
    // they have looked abandoned for STALE.
    now += TTL;
    expect(await recovery.run()).toEqual({ tmpRemoved: 1, blobsRemoved: 0 });
    expect(await exists(path.join(dir, 'tmp', 'gw-a'))).toBe(false);
    expect(await exists(path.join(dir, 'tmp', 'gw-b'))).toBe(true);
    now += STALE;
    expect(await recovery.run()).toEqual({ tmpRemoved: 0, blobsRemoved: 2 });
    expect(await exists(renamedFile)).toBe(false);
    expect(await db.meta.listPendingBlobs()).toEqual([]);
    await writer.abort();
  });
});
