import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseNotifyConfig } from '../notify-config.js';
import { SqliteMetaStore } from '../stores/sqlite/sqlite-meta-store.js';
import type { OutboxEntry } from '../stores/types.js';
import { NotifyDelivery } from './notify-delivery.js';

const log = pino({ level: 'silent' });
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A store with a bucket, and a way to record events through real commits (as the engine does). */
async function storeWithEvents() {
  const meta = new SqliteMetaStore({ filename: ':memory:', fsync: false });
  closers.push(() => meta.close());
  const bucket = await meta.createBucket({ name: 'b', ownerId: 'o', region: 'r', createdMs: 0 });
  const put = (key: string, target: string, body: string) =>
    meta.commitObject({
      bucketId: bucket.id,
      key,
      newBlobs: [],
      events: (): OutboxEntry[] => [{ target, key, payload: JSON.stringify({ body }) }],
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
  return { meta, put };
}

/** A webhook that answers `status()` and keeps what it accepted. */
async function hook(status: () => number) {
  const got: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      const s = status();
      if (s < 300) got.push(body);
      res.writeHead(s).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, got };
}

async function until(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('parseNotifyConfig', () => {
  it('reads targets and their options, and refuses what it cannot use', () => {
    const config = parseNotifyConfig({
      COFFER_NOTIFY_WEBHOOK_thumbs: 'http://127.0.0.1:8080/hook',
      COFFER_NOTIFY_WEBHOOK_thumbs_SECRET: 's',
      COFFER_NOTIFY_NATS_bus: 'nats://127.0.0.1:4222',
      COFFER_NOTIFY_NATS_bus_SUBJECT: 'x.y',
      COFFER_NOTIFY_DEAD_LETTER_DAYS: '2',
    });
    expect(config.targets).toEqual([
      { kind: 'webhook', id: 'thumbs', url: 'http://127.0.0.1:8080/hook', options: { secret: 's' } },
      { kind: 'nats', id: 'bus', url: 'nats://127.0.0.1:4222', options: { subject: 'x.y' } },
    ]);
    expect(config.deadLetterAfterMs).toBe(2 * 86_400_000);
    expect(() => parseNotifyConfig({ COFFER_NOTIFY_REDIS_r: 'http://x' })).toThrow(/redis: or rediss:/);
    expect(() => parseNotifyConfig({ COFFER_NOTIFY_WEBHOOK_h_SECRET: 's' })).toThrow(/names no declared target/);
    expect(() => parseNotifyConfig({ COFFER_NOTIFY_MQTT_a_b: 'mqtt://x' })).toThrow(/letters, digits and '-'/);
    expect(() => parseNotifyConfig({ COFFER_NOTIFY_DEAD_LETTER_DAYS: '0' })).toThrow(/positive/);
  });
});

describe('NotifyDelivery', () => {
  it('retries a failing target with backoff and then delivers in order per key', async () => {
    const { meta, put } = await storeWithEvents();
    let failures = 3;
    const target = await hook(() => (failures-- > 0 ? 500 : 200));
    for (let i = 0; i < 5; i++) {
      await put('a', 'webhook:h', `a${i}`);
      await put('b', 'webhook:h', `b${i}`);
    }
    const worker = new NotifyDelivery({
      meta,
      log,
      config: parseNotifyConfig({ COFFER_NOTIFY_WEBHOOK_h: target.url }),
    }).start();
    closers.push(() => worker.stop());
    await until(async () => (await meta.outboxBacklog()).length === 0);
    const bodies = target.got.map((b) => (JSON.parse(b) as { body: string }).body);
    expect(bodies.filter((b) => b.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(bodies.filter((b) => b.startsWith('b'))).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    const [m] = await worker.metrics();
    expect(m).toMatchObject({ target: 'webhook:h', delivered: 10, backlog: 0, oldestUndelivered: null });
    expect(m!.failed).toBeGreaterThanOrEqual(1);
    expect(m!.retried).toBeGreaterThanOrEqual(1);
  });

  it('reports the backlog of a target that is down, and moves old events to the dead-letter list', async () => {
    const { meta, put } = await storeWithEvents();
    const target = await hook(() => 503);
    await put('k', 'webhook:down', 'old');
    await new Promise((r) => setTimeout(r, 30));
    const config = { ...parseNotifyConfig({ COFFER_NOTIFY_WEBHOOK_down: target.url }), deadLetterAfterMs: 20 };
    const worker = new NotifyDelivery({ meta, log, config }).start();
    closers.push(() => worker.stop());
    await until(async () => (await meta.deadLetters(10)).length === 1);
    const [dead] = await meta.deadLetters(10);
    expect(dead).toMatchObject({ target: 'webhook:down', key: 'k', payload: '{"body":"old"}' });
    // A newer event is not dead yet: it stays in the backlog, and its attempts fail.
    await put('k', 'webhook:down', 'new');
    await until(async () => ((await worker.metrics())[0]?.failed ?? 0) > 0);
    const [m] = await worker.metrics();
    expect(m).toMatchObject({ target: 'webhook:down', delivered: 0, deadLettered: 1, backlog: 1 });
    expect(m!.oldestUndelivered).not.toBeNull();
    expect(m!.lastError).toMatch(/503/);
  });
});
