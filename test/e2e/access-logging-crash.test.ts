/**
 * Access logs survive kill -9: a child `coffer server` (fsync on) delivering logs every 200 ms is
 * killed with SIGKILL at random moments while clients GET objects of a logged bucket, some kills
 * landing mid-delivery, and restarted on the same data directory. At the end every request
 * acknowledged well before a kill (its record had time to reach the spool: records are appended
 * after the answer) is in the delivered logs, and no request is in them twice: a delivery cut short
 * after its object was written is recognised, not repeated.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketLoggingCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildServer, childAdmin, childS3, startChildServer, stopChildServer } from './helpers/child-server.js';

const BUCKET = 'logcrash-1250000000';
const TARGET = 'logcrashsink-1250000000';
const CREDENTIALS = {
  accessKeyId: 'AKIDlogcrash00000000000000000000000',
  secretKey: 'logcrashsecretkey000000000000000',
};
const TRIALS = 4;
/** A record reaches the spool within a few milliseconds of its answer; this much earlier is certain. */
const SETTLED_MS = 250;

const startChild = (dataDir: string, intervalMs: number) =>
  startChildServer(dataDir, CREDENTIALS, {
    COFFER_LOG_LEVEL: 'error',
    COFFER_ACCESS_LOG_INTERVAL_MS: String(intervalMs),
    COFFER_ACCESS_LOG_MAX_RECORDS: '50',
  });

const client = (server: ChildServer) => childS3(server, CREDENTIALS);

const flush = async (server: ChildServer) =>
  (await childAdmin(server, CREDENTIALS, 'POST', '/-/admin/logging/flush')) as {
    failed: number;
    backlog: { records: number };
  };

/** GETs until the server dies; each acknowledged request id with the time of its answer. */
async function readUntilDead(s3: S3Client, acked: Map<string, number>): Promise<void> {
  for (;;) {
    try {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `k${randomInt(4)}` }));
      await got.Body!.transformToByteArray();
      acked.set(got.$metadata.requestId!, Date.now());
    } catch {
      return;
    }
  }
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

describe('access logs across kill -9', () => {
  it('loses no settled record and delivers none twice', { timeout: 120_000 }, async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-log-crash-'));
    dirs.push(dataDir);
    let server = await startChild(dataDir, 200);
    let s3 = client(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: TARGET }));
    for (let i = 0; i < 4; i++) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `k${i}`, Body: `v${i}` }));
    await s3.send(
      new PutBucketLoggingCommand({
        Bucket: BUCKET,
        BucketLoggingStatus: { LoggingEnabled: { TargetBucket: TARGET, TargetPrefix: 'logs/' } },
      }),
    );
    const required = new Set<string>();
    for (let trial = 0; trial < TRIALS; trial++) {
      const acked = new Map<string, number>();
      const readers = Array.from({ length: 4 }, () => readUntilDead(s3, acked));
      await new Promise((r) => setTimeout(r, 400 + randomInt(800)));
      const killedAt = Date.now();
      await stopChildServer(server);
      await Promise.all(readers);
      s3.destroy();
      for (const [id, at] of acked) if (at < killedAt - SETTLED_MS) required.add(id);
      server = await startChild(dataDir, trial === TRIALS - 1 ? 3_600_000 : 200);
      s3 = client(server);
    }
    expect(required.size).toBeGreaterThan(50);

    const flushed = await flush(server);
    expect(flushed).toMatchObject({ failed: 0, backlog: { records: 0 } });
    const seen = new Map<string, number>();
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: TARGET, Prefix: 'logs/', ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        const text = await (
          await s3.send(new GetObjectCommand({ Bucket: TARGET, Key: o.Key! }))
        ).Body!.transformToString();
        for (const line of text.split('\n')) {
          const fields = line.split(' ');
          if (fields[7] === 'REST.GET.OBJECT') seen.set(fields[6]!, (seen.get(fields[6]!) ?? 0) + 1);
        }
      }
      token = page.NextContinuationToken;
    } while (token);
    const missing = [...required].filter((id) => !seen.has(id));
    expect(missing).toEqual([]);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    await stopChildServer(server);
    s3.destroy();
  });
});
