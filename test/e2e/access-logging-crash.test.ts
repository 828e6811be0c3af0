/**
 * Access logs survive kill -9: a child `coffer server` (fsync on) delivering logs every 200 ms is
 * killed with SIGKILL at random moments while clients GET objects of a logged bucket, some kills
 * landing mid-delivery, and restarted on the same data directory. At the end every request
 * acknowledged well before a kill (its record had time to reach the spool: records are appended
 * after the answer) is in the delivered logs, and no request is in them twice: a delivery cut short
 * after its object was written is recognised, not repeated.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketLoggingCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { signV4Headers } from '@coffer/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../packages/server/src/auth/node-crypto.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
const REGION = 'ap-guangzhou';
const BUCKET = 'logcrash-1250000000';
const TARGET = 'logcrashsink-1250000000';
const CREDENTIALS = {
  accessKeyId: 'AKIDlogcrash00000000000000000000000',
  secretKey: 'logcrashsecretkey000000000000000',
};
const TRIALS = 4;
/** A record reaches the spool within a few milliseconds of its answer; this much earlier is certain. */
const SETTLED_MS = 250;

interface Child {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

async function startChild(dataDir: string, intervalMs: number): Promise<Child> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COFFER_')));
  const child = spawn(process.execPath, [CLI, 'server'], {
    env: {
      ...inherited,
      COFFER_ADDRESS: '127.0.0.1:0',
      COFFER_DATA_DIR: dataDir,
      COFFER_LOG_LEVEL: 'error',
      COFFER_SECRET_ID: CREDENTIALS.accessKeyId,
      COFFER_SECRET_KEY: CREDENTIALS.secretKey,
      COFFER_ACCESS_LOG_INTERVAL_MS: String(intervalMs),
      COFFER_ACCESS_LOG_MAX_RECORDS: '50',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner; stderr: ${stderr}`)), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /serving the COS and S3 APIs at (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => reject(new Error(`server exited before serving; stderr: ${stderr}`)));
  });
  return { child, url, exited };
}

function client(server: Child): S3Client {
  return new S3Client({
    endpoint: server.url,
    region: REGION,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: CREDENTIALS.secretKey },
  });
}

async function flush(server: Child): Promise<{ failed: number; backlog: { records: number } }> {
  const { host } = new URL(server.url);
  const { headers } = signV4Headers(
    { method: 'POST', path: '/-/admin/logging/flush', query: '', headers: { host } },
    { credentials: CREDENTIALS, region: REGION, nowMs: Date.now() },
    nodeCrypto,
  );
  const res = await fetch(`${server.url}/-/admin/logging/flush`, { method: 'POST', headers });
  if (res.status !== 200) throw new Error(`flush: ${res.status} ${await res.text()}`);
  return (await res.json()) as { failed: number; backlog: { records: number } };
}

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
      server.child.kill('SIGKILL');
      await server.exited;
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
    server.child.kill('SIGKILL');
    await server.exited;
    s3.destroy();
  });
});
