/**
 * At-least-once delivery across kill -9: a server whose webhook target is down takes PUTs and
 * DELETEs from concurrent writers, is killed with SIGKILL mid-load, restarts on the same data and
 * takes more; then the webhook comes up. Every acknowledged write's event arrives, and each key's
 * events arrive in the order of their writes (by sequencer). Redeliveries carry the same event id.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { callAdmin, configFrom } from '@coffer/server';
import { afterAll, describe, expect, it } from 'vitest';
import { childS3, startChildServer, stopChildServer } from './helpers/child-server.js';
import { type EventRecord, webhookReceiver } from './helpers/notify-receivers.js';

const BUCKET = 'notifycrash-1250000000';
const SECRET = 'crash-hook-secret';
const CREDENTIALS = {
  accessKeyId: 'AKIDnotifycrash000000000000000000',
  secretKey: 'notifycrashsecret000000000000000',
};
const KEYS = 12;
const METRICS_TOKEN = 'notify-crash-metrics-token-0123';

const startChild = (dataDir: string, hookUrl: string) =>
  startChildServer(dataDir, CREDENTIALS, {
    COFFER_NOTIFY_WEBHOOK_hook: hookUrl,
    COFFER_NOTIFY_WEBHOOK_hook_SECRET: SECRET,
    COFFER_METRICS_TOKEN: METRICS_TOKEN,
  });

/** The webhook target's notification series on /-/metrics (Prometheus text, unlabelled by anything else). */
async function notifyMetrics(url: string): Promise<Record<string, number>> {
  const res = await fetch(`${url}/-/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  const out: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    const m = /^(coffer_notify_\w+)\{target="webhook:hook"\} (\S+)$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** What a writer got acknowledged, per key, in order: `put:<etag>` or `delete`. */
type Acked = Map<string, string[]>;

/** Writers, one per key (so each key's writes are ordered), until `stop` says so. */
async function write(s3: S3Client, acked: Acked, stop: () => boolean, generation: { n: number }): Promise<void> {
  await Promise.all(
    Array.from({ length: KEYS }, async (_, k) => {
      const Key = `k${k}`;
      const list = acked.get(Key) ?? [];
      acked.set(Key, list);
      while (!stop()) {
        const gen = generation.n++;
        try {
          if (gen % 5 === 4) {
            await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key }));
            list.push('delete');
          } else {
            const Body = `${Key} generation ${gen}`;
            await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
            list.push(`put:${createHash('md5').update(Body).digest('hex')}`);
          }
        } catch {
          return; // the server was killed under this request: its outcome is unknown
        }
      }
    }),
  );
}

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

describe('notification delivery across kill -9 with the webhook down', () => {
  it('delivers every acknowledged write, in order per key, once the webhook is back', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-notify-crash-'));
    cleanup.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    // Take a port for the webhook, then close it: the target is down (connection refused).
    const probe = await webhookReceiver(SECRET);
    const hookPort = probe.port;
    const hookUrl = probe.url;
    await probe.stop();

    let server = await startChild(dataDir, hookUrl);
    cleanup.push(async () => {
      server.child.kill('SIGKILL');
    });
    let s3 = childS3(server, CREDENTIALS);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: {
          QueueConfigurations: [
            { QueueArn: 'arn:coffer:sqs::hook:webhook', Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] },
          ],
        },
      }),
    );

    const acked: Acked = new Map();
    const generation = { n: 0 };
    // Phase 1: load, then SIGKILL while the writers are mid-request.
    let killed = false;
    const writers = write(s3, acked, () => killed, generation);
    await new Promise((r) => setTimeout(r, 1500));
    killed = true;
    await stopChildServer(server);
    await writers;
    s3.destroy();

    // Phase 2: restart on the same data; the backlog is still there and still undeliverable.
    server = await startChild(dataDir, hookUrl);
    s3 = childS3(server, CREDENTIALS);
    let done = false;
    const more = write(s3, acked, () => done, generation);
    await new Promise((r) => setTimeout(r, 800));
    done = true;
    await more;
    const config = configFrom({
      dataDir,
      address: new URL(server.url).host,
      secretId: CREDENTIALS.accessKeyId,
      secretKey: CREDENTIALS.secretKey,
    });
    const admin = await callAdmin(config, 'GET', '/-/admin/notifications', {
      endpoint: server.url,
    });
    expect(admin.status).toBe(200);
    const hookMetrics = (admin.body as { targets: { target: string; backlog: number; failed: number }[] }).targets.find(
      (m) => m.target === 'webhook:hook',
    )!;
    expect(hookMetrics.backlog).toBeGreaterThan(0);
    expect(hookMetrics.failed).toBeGreaterThan(0);
    // The same on /-/metrics (prom-client): failures counted, the backlog and its age read from the outbox.
    const down = await notifyMetrics(server.url);
    expect(down.coffer_notify_failed_total).toBeGreaterThan(0);
    expect(down.coffer_notify_backlog_events).toBeGreaterThan(0);
    expect(down.coffer_notify_oldest_undelivered_seconds).toBeGreaterThan(0);
    expect(down.coffer_notify_delivered_total).toBe(0);

    // Phase 3: the webhook comes up on its port; everything arrives.
    const hook = await webhookReceiver(SECRET, hookPort);
    cleanup.push(() => hook.stop());
    const expectedCount = [...acked.values()].reduce((n, list) => n + list.length, 0);
    expect(expectedCount).toBeGreaterThan(KEYS * 3);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const backlog = (await callAdmin(config, 'GET', '/-/admin/notifications', { endpoint: server.url })).body as {
        targets: { backlog: number }[];
      };
      if (backlog.targets.every((t) => t.backlog === 0)) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    // Deduplicate redeliveries by event id, keeping first arrival order.
    const seen = new Set<string>();
    const byKey = new Map<string, EventRecord[]>();
    hook.events.forEach((event, i) => {
      const id = hook.ids[i]!;
      if (seen.has(id)) return;
      seen.add(id);
      const list = byKey.get(event.s3.object.key) ?? [];
      list.push(event);
      byKey.set(event.s3.object.key, list);
    });
    for (const [key, writes] of acked) {
      const events = byKey.get(key) ?? [];
      // In order per key: sequencers increase in arrival order.
      const sequencers = events.map((e) => e.s3.object.sequencer);
      expect(sequencers, key).toEqual([...sequencers].sort());
      // Every acknowledged write is there, in the order it was made (unacknowledged ones may be too).
      const received = events.map((e) => (e.eventName === 'ObjectCreated:Put' ? `put:${e.s3.object.eTag}` : 'delete'));
      let at = 0;
      for (const w of writes) {
        const found = received.indexOf(w, at);
        expect(found, `${key}: ${w} (write ${writes.indexOf(w)}) missing or out of order`).toBeGreaterThanOrEqual(0);
        at = found + 1;
      }
    }
    // Delivered now, some after failed attempts; nothing waits.
    const up = await notifyMetrics(server.url);
    expect(up.coffer_notify_delivered_total).toBeGreaterThan(0);
    expect(up.coffer_notify_retried_total).toBeGreaterThan(0);
    expect(up.coffer_notify_backlog_events).toBe(0);
    expect(up.coffer_notify_oldest_undelivered_seconds).toBe(0);
    expect(up.coffer_notify_dead_lettered_total).toBe(0);
    await stopChildServer(server, 'SIGTERM');
  }, 120_000);
});
