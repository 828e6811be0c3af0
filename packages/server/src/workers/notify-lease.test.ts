import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../engine/engine.js';
import { parseNotifyConfig } from '../notify-config.js';
import { SqliteMetaStore } from '../stores/sqlite/sqlite-meta-store.js';
import type { MetadataStore, OutboxEntry } from '../stores/types.js';
import { type BackgroundWork, startBackgroundWork } from './background.js';
import { leaseDatabase } from './lease-test-kit.js';

const log = pino({ level: 'silent' });
const TTL = 30_000;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Records events the way the engine does: in the commit of an object. */
function recorder(meta: MetadataStore, bucketId: string) {
  return (key: string, body: string) =>
    meta.commitObject({
      bucketId,
      key,
      newBlobs: [],
      events: (): OutboxEntry[] => [{ target: 'webhook:h', key, payload: JSON.stringify({ body }) }],
      version: {
        isDeleteMarker: false,
        size: 0,
        etag: '',
        lastModifiedMs: 0,
        storageClass: 'STANDARD',
        objectType: 'normal',
        ownerId: 'o',
        contentHeaders: {},
        userMeta: {},
        checksums: {},
        manifest: [],
      },
    });
}

/** A webhook receiver whose answer can be switched (200 up, 503 down); keeps the bodies it took. */
async function receiver() {
  let up = true;
  const got: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      if (up) got.push((JSON.parse(body) as { body: string }).body);
      res.writeHead(up ? 200 : 503).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => server.close(r)));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    got,
    setUp(value: boolean) {
      up = value;
    },
  };
}

async function until(check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const delivered = async (work: BackgroundWork) => (await work.notify!.metrics())[0]?.delivered ?? 0;
const notifyLease = (work: BackgroundWork) => work.keepers.find((k) => k.name === 'notify')!;

describe('notification delivery under the notify lease: two gateways, one outbox, a fake lease clock', () => {
  it('only the holder sends; when it dies the other takes over and every event arrives, in order per key', async () => {
    const db = leaseDatabase(2);
    closers.push(() => db.close());
    // gw-1 has its own connection to the same database, as a second gateway would.
    const metaB = new SqliteMetaStore({ filename: db.filename, fsync: false });
    closers.push(() => metaB.close());
    const bucket = await db.meta.createBucket({ name: 'b', ownerId: 'o', region: 'r', createdMs: 0 });
    const putA = recorder(db.meta, bucket.id);
    const putB = recorder(metaB, bucket.id);
    const target = await receiver();
    const config = parseNotifyConfig({ COFFER_NOTIFY_WEBHOOK_h: target.url });
    let now = 1_700_000_000_000;
    const engine = { collectGarbage: async () => 0 } as unknown as Engine;
    const start = (i: number, meta: MetadataStore) => {
      const work = startBackgroundWork({
        engine,
        leases: db.leases[i]!,
        clock: { nowMs: () => now },
        nowMs: () => now,
        leaseTtlMs: TTL,
        lifecycleHourUtc: -1,
        gcIntervalMs: 3_600_000,
        log,
        holder: `gw-${i}`,
        notify: { meta, config },
      });
      // A frozen gateway's stop() waits for its hung lease call forever: give it a second.
      closers.push(() => Promise.race([work.stop(), new Promise((r) => setTimeout(r, 1000))]));
      return work;
    };
    const workA = start(0, db.meta);
    await until(() => notifyLease(workA).held());
    const workB = start(1, metaB);
    await notifyLease(workB).tick();
    expect(notifyLease(workB).held()).toBe(false);

    // Events recorded through both gateways are all sent by gw-0.
    for (let i = 0; i < 5; i++) {
      await putA('a', `a${i}`);
      await putB('b', `b${i}`);
    }
    await until(async () => (await db.meta.outboxBacklog()).length === 0);
    expect([await delivered(workA), await delivered(workB)]).toEqual([10, 0]);

    // The target goes down; events pile up while gw-0 retries them …
    target.setUp(false);
    for (let i = 5; i < 10; i++) {
      await putB('a', `a${i}`);
      await putA('b', `b${i}`);
    }
    await until(async () => ((await workA.notify!.metrics())[0]?.failed ?? 0) > 0);
    // … then gw-0 freezes: its renewals never reach the database and the lease clock runs past the TTL.
    db.stall(0);
    void notifyLease(workA).tick();
    now += TTL;
    expect(notifyLease(workA).held()).toBe(false);
    await notifyLease(workB).tick();
    expect(notifyLease(workB).held()).toBe(true);

    // The target comes back: gw-1 delivers the backlog, gw-0 sends nothing more.
    target.setUp(true);
    await until(async () => (await metaB.outboxBacklog()).length === 0);
    expect([await delivered(workA), await delivered(workB)]).toEqual([10, 10]);
    const keyA = target.got.filter((b) => b.startsWith('a'));
    const keyB = target.got.filter((b) => b.startsWith('b'));
    expect(keyA).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    expect(keyB).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`));
  });
});
