/**
 * Three gateway processes on one PostgreSQL (`--metadata postgres://…`) and ONE shared data directory
 * (docs/operations.md, "A shared data directory"), under a mixed load of small objects (inline, in
 * PostgreSQL) and large ones (256 KiB – 1.6 MiB, blob files in blobs/) from clients that spread
 * requests round-robin and retry a failed request on the next gateway; the gateway holding the GC
 * lease is killed with SIGKILL mid-load. Then: no acknowledged write is lost (every key reads back, on
 * every surviving gateway, as its last acknowledged write left it), no read returned a torn object
 * (each body matches its ETag and is one that was written), the dead gateway's leases move to a
 * survivor within their TTL, and once the shared-recovery stale period (COFFER_SHARED_STALE_MS, short
 * here) has passed the dead gateway's tmp/<gateway>/ is gone, no pending blob is left, and every blob a
 * committed object references is still on disk.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from './helpers/postgres.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
const BUCKET = 'pgkill-1250000000';
const CREDENTIALS = {
  accessKeyId: 'AKIDpgkill0000000000000000000000',
  secretAccessKey: 'pgkillsecret00000000000000000000',
};
const LEASE_TTL_MS = 3000;
/** How long a dead gateway's writes must look abandoned before recovery removes them. */
const STALE_MS = 5000;
const KEYS = 24;
const KIB = 1024;

interface Gateway {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

async function startGateway(dataDir: string, metadataUrl: string): Promise<Gateway> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COFFER_')));
  const child = spawn(process.execPath, [CLI, 'server'], {
    env: {
      ...inherited,
      COFFER_ADDRESS: '127.0.0.1:0',
      COFFER_DATA_DIR: dataDir,
      COFFER_METADATA_URL: metadataUrl,
      COFFER_LOG_LEVEL: 'warn',
      COFFER_SECRET_ID: CREDENTIALS.accessKeyId,
      COFFER_SECRET_KEY: CREDENTIALS.secretAccessKey,
      COFFER_APPID: '1250000000',
      COFFER_LEASE_TTL_MS: String(LEASE_TTL_MS),
      COFFER_SHARED_STALE_MS: String(STALE_MS),
      COFFER_FSYNC: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 20 s: ${stderr}`)), 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /serving the COS and S3 APIs at (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => reject(new Error(`gateway exited before serving: ${stderr}`)));
  });
  return { child, url, exited };
}

function client(url: string): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'ap-guangzhou',
    forcePathStyle: true,
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
}

/**
 * A body that says which write it is: every third key large (256 KiB – 1.6 MiB, a blob file, above the
 * default 16 KiB inline limit), the others a few KiB (kept inline in PostgreSQL).
 */
function bodyOf(key: string, k: number, generation: number): string {
  const head = `${key} generation ${generation}\n`;
  const size = k % 3 === 0 ? 256 * KIB + (generation % 6) * 256 * KIB : 3000 + (generation % 7) * 100;
  return head + String.fromCharCode(97 + (generation % 26)).repeat(size - head.length);
}

const md5 = (text: string | Buffer) => createHash('md5').update(text).digest('hex');

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

describe('three gateways on one PostgreSQL, one killed with SIGKILL under load', () => {
  it('loses no acknowledged write, serves no torn object, and moves the dead gateway’s leases', async () => {
    const metadataUrl = await createTestDatabase();
    cleanup.push(() => dropTestDatabase(metadataUrl));
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-pgkill-'));
    cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
    const gateways: Gateway[] = [];
    cleanup.push(async () => {
      for (const g of gateways) g.child.kill('SIGKILL');
    });
    // The first gateway migrates the schema and makes master.key and credentials.json (the operator's
    // uin) in the shared directory; the other two start on the same directory.
    gateways.push(await startGateway(dir, metadataUrl));
    gateways.push(...(await Promise.all([1, 2].map(() => startGateway(dir, metadataUrl)))));
    const clients = gateways.map((g) => client(g.url));
    cleanup.push(async () => {
      for (const c of clients) c.destroy();
    });
    await clients[0]!.send(new CreateBucketCommand({ Bucket: BUCKET }));

    const db = new pg.Client({ connectionString: metadataUrl });
    await db.connect();
    cleanup.push(() => db.end());
    const gcHolder = async () =>
      (
        await db.query<{ holder: string; expires_ms: string }>(
          "SELECT holder, expires_ms FROM leases WHERE name = 'gc'",
        )
      ).rows[0];

    const dead = new Set<number>();
    let next = 0;
    /** Runs a request on the next live gateway, retrying on the following ones until one answers. */
    async function send<T>(make: (c: S3Client) => Promise<T>): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        const i = next++ % clients.length;
        if (dead.has(i)) continue;
        try {
          return await make(clients[i]!);
        } catch (err) {
          if (attempt > 30) throw err;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }

    // The state each key's last acknowledged write left: a body, or undefined (deleted).
    const acked = new Map<string, string | undefined>();
    const written = new Map<string, Set<string>>();
    let stop = false;
    let reads = 0;
    let torn = 0;
    let generation = 0;
    const writers = Array.from({ length: KEYS }, async (_, k) => {
      const Key = `k${k}`;
      written.set(Key, new Set());
      while (!stop) {
        const gen = generation++;
        if (gen % 6 === 5) {
          await send((c) => c.send(new DeleteObjectCommand({ Bucket: BUCKET, Key })));
          acked.set(Key, undefined);
        } else {
          const Body = bodyOf(Key, k, gen);
          written.get(Key)!.add(md5(Body));
          await send((c) => c.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body })));
          acked.set(Key, Body);
        }
      }
    });
    const readers = Array.from({ length: 4 }, async (_, r) => {
      while (!stop) {
        const Key = `k${(reads + r) % KEYS}`;
        reads++;
        try {
          // The body is read inside the retry: a response cut by the kill (ECONNRESET mid-body) is a
          // failed request the client retries elsewhere, not a torn read.
          const { got, bytes } = await send(async (c) => {
            const got = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
            return { got, bytes: Buffer.from(await got.Body!.transformToByteArray()) };
          });
          const etag = got.ETag!.replaceAll('"', '');
          if (md5(bytes) !== etag || !written.get(Key)!.has(etag) || !bytes.toString().startsWith(`${Key} `)) torn++;
        } catch (err) {
          if ((err as { name?: string }).name !== 'NoSuchKey') throw err;
        }
        if (r === 0) await send((c) => c.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 10 })));
      }
    });

    // Let the load run, then kill the gateway that holds the GC lease.
    await new Promise((r) => setTimeout(r, 1500));
    const before = await gcHolder();
    expect(before).toBeDefined();
    const victim = gateways.findIndex((g) => before!.holder.includes(`:${g.child.pid}:`));
    expect(victim).toBeGreaterThanOrEqual(0);
    gateways[victim]!.child.kill('SIGKILL');
    await gateways[victim]!.exited;
    dead.add(victim);
    const killedAt = Date.now();
    // Its writes in progress were in tmp/<its holder id>/ (a large PUT cut mid-stream leaves a file there).
    const victimTmp = path.join(dir, 'tmp', before!.holder.replace(/[^A-Za-z0-9._-]/g, '_'));
    expect((await fs.stat(victimTmp)).isDirectory()).toBe(true);

    // Its lease moves to a survivor once it lapses: within the TTL plus a renewal period (and slack
    // for this loaded machine).
    let after = await gcHolder();
    while (after!.holder === before!.holder && Date.now() - killedAt < 4 * LEASE_TTL_MS + 5000) {
      await new Promise((r) => setTimeout(r, 100));
      after = await gcHolder();
    }
    expect(after!.holder).not.toBe(before!.holder);
    const survivors = gateways.filter((_, i) => i !== victim).map((g) => `:${g.child.pid}:`);
    expect(survivors.some((pid) => after!.holder.includes(pid))).toBe(true);

    // None of the dead gateway's leases still runs (lifecycle's too, if it held it).
    const held = await db.query<{ name: string }>('SELECT name FROM leases WHERE holder = $1 AND expires_ms > $2', [
      before!.holder,
      Date.now(),
    ]);
    expect(held.rows).toEqual([]);

    // The load goes on while recovery (on whichever survivor holds `recovery`) removes the dead
    // gateway's tmp/ directory: after its liveness lease lapses, within a few recovery passes.
    while (
      (await fs.stat(victimTmp).then(
        () => true,
        () => false,
      )) &&
      Date.now() - killedAt < 2 * LEASE_TTL_MS + 3 * STALE_MS + 10_000
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(
      await fs.stat(victimTmp).then(
        () => 'still there',
        () => 'gone',
      ),
    ).toBe('gone');
    stop = true;
    await Promise.all([...writers, ...readers]);
    expect(torn).toBe(0);
    expect(reads).toBeGreaterThan(KEYS);
    expect(generation).toBeGreaterThan(KEYS * 2);

    // Every key as its last acknowledged write left it, on each surviving gateway.
    for (const [i, c] of clients.entries()) {
      if (dead.has(i)) continue;
      for (const [Key, body] of acked) {
        if (body === undefined) {
          await expect(c.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).rejects.toMatchObject({
            name: 'NoSuchKey',
          });
        } else {
          const got = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
          expect(await got.Body!.transformToString(), `${Key} on gateway ${i}`).toBe(body);
        }
      }
      const listed = await c.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      expect(listed.Contents?.some((o) => (o.Size ?? 0) > 256 * KIB)).toBe(true);
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
        [...acked]
          .filter(([, b]) => b !== undefined)
          .map(([k]) => k)
          .sort(),
      );
    }

    // Once the load has stopped and the stale period passed, no write is pending (every intent of the
    // dead gateway and of the survivors was committed or cleared) ...
    const settledAt = Date.now();
    let pending = await db.query<{ id: string }>('SELECT id FROM pending_blobs');
    while (pending.rows.length > 0 && Date.now() - settledAt < 3 * STALE_MS + 10_000) {
      await new Promise((r) => setTimeout(r, 250));
      pending = await db.query<{ id: string }>('SELECT id FROM pending_blobs');
    }
    expect(pending.rows).toEqual([]);
    // ... and every blob a committed version references and whose body is not inline is a file on disk.
    const referenced = await db.query<{ id: string }>(
      'SELECT id FROM blobs WHERE refs > 0 AND id NOT IN (SELECT id FROM blob_bodies)',
    );
    expect(referenced.rows.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const { id } of referenced.rows) {
      const exists = await fs.stat(path.join(dir, 'blobs', id.slice(0, 2), id)).then(
        () => true,
        () => false,
      );
      if (!exists) missing.push(id);
    }
    expect(missing).toEqual([]);
  }, 120_000);
});
