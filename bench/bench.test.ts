// A smoke test of the bench tool itself (never a benchmark run): the load generator against a Coffer started in
// this process, tiny sizes, about two seconds in all; and proof that GET verification catches a wrong body.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { configFrom, type RunningServer, startServer } from '@coffer/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyVerifier, bodyChunks, PERIOD_BYTES, smallBody } from './lib/body.js';
import { createClient } from './lib/http-client.js';
import { runLoad as runLoadUntyped } from './lib/load.js';

const CREDENTIALS = {
  accessKeyId: 'AKIDbenchtest000000000000000000000',
  secretKey: 'benchtestsecret00000000000000000',
};
const BUCKET = 'smoke-1250000000';
const LOAD_CLI = fileURLToPath(new URL('./load.js', import.meta.url));
const ROW_FIELDS = [
  'target',
  'mode',
  'sizeBytes',
  'concurrency',
  'ops',
  'errors',
  'opsPerSec',
  'mibPerSec',
  'p50Ms',
  'p99Ms',
];

/** What runLoad returns (bench/lib/load.js is plain JS). */
interface LoadRow {
  target: string;
  mode: string;
  ops: number;
  errors: number;
  opsPerSec: number;
  mibPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errorSamples?: string[];
  byOp?: Record<string, unknown>;
  keys: string[];
}
type Client = ReturnType<typeof createClient>;
const runLoad = runLoadUntyped as (client: Client, options: Record<string, unknown>) => Promise<LoadRow>;

let server: RunningServer;
let dataDir: string;

interface Target {
  name: string;
  host: string;
  port: number;
  bucket: string;
  auth: 'sigv4' | 'cos' | 'none';
  credentials: typeof CREDENTIALS;
  region: string;
}

function cofferTarget(auth: Target['auth'] = 'sigv4'): Target {
  return {
    name: 'coffer',
    host: '127.0.0.1',
    port: server.port,
    bucket: BUCKET,
    auth,
    credentials: CREDENTIALS,
    region: 'ap-guangzhou',
  };
}

/** Runs `fn` with a client for `target` and closes it after. */
async function withClient<T>(target: Target, concurrency: number, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = createClient(target, { concurrency });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

function expectCleanRow(row: LoadRow, mode: string): void {
  for (const field of ROW_FIELDS) expect(row, `${mode} row lacks ${field}`).toHaveProperty(field);
  expect(row.mode).toBe(mode);
  expect(row.errorSamples).toBeUndefined();
  expect(row.errors).toBe(0);
  expect(row.ops).toBeGreaterThan(0);
  expect(row.opsPerSec).toBeGreaterThan(0);
  expect(row.p99Ms).toBeGreaterThanOrEqual(row.p50Ms);
}

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-bench-smoke-'));
  server = await startServer(
    configFrom({
      address: '127.0.0.1:0',
      dataDir,
      logLevel: 'silent',
      fsync: '0',
      secretId: CREDENTIALS.accessKeyId,
      secretKey: CREDENTIALS.secretKey,
      appId: '1250000000',
    }),
  );
  await withClient(cofferTarget(), 1, async (client) => {
    const res = await client.send({ method: 'PUT', path: `/${BUCKET}` });
    expect(res.status).toBe(200);
  });
});

afterAll(async () => {
  await server?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('bench body patterns', () => {
  it('verifies what it sends, across chunk boundaries and the period wrap', () => {
    const key = 'pattern/key';
    const size = PERIOD_BYTES + 12_345;
    const sent = Buffer.concat([...bodyChunks(key, size, { chunkBytes: 65_536 })]);
    expect(sent.length).toBe(size);
    const verifier = new BodyVerifier(key, size);
    for (let at = 0; at < size; at += 7_777) verifier.update(sent.subarray(at, Math.min(size, at + 7_777)));
    expect(verifier.finish()).toBeUndefined();
    // A window later in the body is the same bytes (multipart parts are sent this way).
    const tail = Buffer.concat([...bodyChunks(key, 1000, { start: PERIOD_BYTES + 5 })]);
    expect(tail.equals(sent.subarray(PERIOD_BYTES + 5, PERIOD_BYTES + 1005))).toBe(true);
    expect(smallBody(key, 64).equals(sent.subarray(0, 64))).toBe(true);
  });

  it('reports a flipped byte, a short body and a long one', () => {
    const body = Buffer.from(smallBody('k', 4096));
    const flipped = Buffer.from(body);
    flipped[1234]! ^= 1;
    const check = (chunk: Buffer, size = 4096) => {
      const v = new BodyVerifier('k', size);
      v.update(chunk);
      return v.finish();
    };
    expect(check(body)).toBeUndefined();
    expect(check(flipped)).toMatch(/differs/);
    expect(check(body.subarray(0, 4000))).toMatch(/4000 bytes, expected 4096/);
    expect(check(body, 4000)).toMatch(/longer/);
  });
});

describe('load generator against Coffer', () => {
  // By count, not by duration: a 250 ms window made no operation at all once, on a machine at load 15.
  it('runs every mode with verified results and the row fields', async () => {
    const target = cofferTarget();
    const put = await withClient(target, 4, (client) =>
      runLoad(client, { mode: 'put', sizeBytes: 1024, concurrency: 4, count: 40, keyPrefix: 'smoke/put-' }),
    );
    expectCleanRow(put, 'put');
    expect(put.mibPerSec).toBeGreaterThan(0);
    const keys = put.keys;
    expect(keys.length).toBe(put.ops);
    const rows = await withClient(target, 4, async (client) => [
      await runLoad(client, { mode: 'get', sizeBytes: 1024, concurrency: 4, count: 20, keys }),
      await runLoad(client, { mode: 'head', sizeBytes: 1024, concurrency: 4, count: 20, keys }),
      await runLoad(client, {
        mode: 'list',
        concurrency: 1,
        count: 5,
        list: { prefix: 'smoke/', maxKeys: 2, expectEntries: 2 },
      }),
      await runLoad(client, {
        mode: 'mixed',
        sizeBytes: 512,
        concurrency: 4,
        count: 40,
        keyPrefix: 'smoke/mixed-',
        keys: [],
      }),
      await runLoad(client, {
        mode: 'multipart',
        sizeBytes: 1024 * 1024 + 4096,
        partSizeBytes: 1024 * 1024,
        concurrency: 1,
        count: 1,
        keyPrefix: 'smoke/mpu-',
      }),
      await runLoad(client, { mode: 'delete', concurrency: 2, keys: keys.slice(0, 4), count: 4 }),
      await runLoad(client, { mode: 'delete', batch: 3, concurrency: 1, keys: keys.slice(4, 10), count: 2 }),
    ]);
    for (const row of rows) expectCleanRow(row, row.mode);
    const mixed = rows.find((r) => r.mode === 'mixed');
    expect(Object.keys(mixed?.byOp ?? {}).length).toBeGreaterThan(1);
    // The completed multipart object reads back as its key's pattern, part after part.
    const multipart = rows.find((r) => r.mode === 'multipart');
    const back = await withClient(target, 1, (client) =>
      runLoad(client, { mode: 'get', sizeBytes: 1024 * 1024 + 4096, count: 1, keys: multipart?.keys }),
    );
    expectCleanRow(back, 'get');
  });

  it('signs with COS q-sign as well', async () => {
    const target = cofferTarget('cos');
    const put = await withClient(target, 2, (client) =>
      runLoad(client, { mode: 'put', sizeBytes: 300, concurrency: 2, count: 6, keyPrefix: 'smoke/cos-' }),
    );
    expectCleanRow(put, 'put');
    const get = await withClient(target, 2, (client) =>
      runLoad(client, { mode: 'get', sizeBytes: 300, concurrency: 2, count: 6, keys: put.keys }),
    );
    expectCleanRow(get, 'get');
  });

  it('prints one JSON line per row from the command line', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        LOAD_CLI,
        ...['--url', `http://127.0.0.1:${server.port}`, '--bucket', BUCKET, '--mode', 'get', '--size', '2KiB'],
        ...['--objects', '8', '--count', '16', '-c', '2', '--json'],
        ...['--access-key', CREDENTIALS.accessKeyId, '--secret-key', CREDENTIALS.secretKey],
      ],
      { timeout: 30_000 },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const row = JSON.parse(lines[0]!) as LoadRow & { bench: string };
    expect(row.bench).toBe('load');
    expectCleanRow(row, 'get');
    expect(row.ops).toBe(16);
  });
});

describe('GET verification', () => {
  /** A server that accepts any PUT and answers every GET with `body(key)`. */
  async function fakeServer(body: (key: string) => Buffer) {
    const fake = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const key = decodeURIComponent((req.url ?? '').split('?')[0]!.split('/').slice(2).join('/'));
        const bytes = req.method === 'GET' ? body(key) : Buffer.alloc(0);
        res.writeHead(200, { 'content-length': bytes.length });
        res.end(bytes);
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const target: Target = {
      name: 'fake',
      host: '127.0.0.1',
      port: (fake.address() as AddressInfo).port,
      bucket: 'any',
      auth: 'none',
      credentials: CREDENTIALS,
      region: 'ap-guangzhou',
    };
    return { target, close: () => new Promise((resolve) => fake.close(resolve)) };
  }

  const keys = ['a', 'b/c', 'd'];

  it('counts every wrong body as an error and never as a result', async () => {
    const liar = await fakeServer((key) => {
      const bytes = Buffer.from(smallBody(key, 4096));
      bytes[4000]! ^= 0xff;
      return bytes;
    });
    try {
      const row = await withClient(liar.target, 2, (client) =>
        runLoad(client, { mode: 'get', sizeBytes: 4096, concurrency: 2, count: 6, keys }),
      );
      expect(row.errors).toBe(6);
      expect(row.ops).toBe(0);
      expect(row.opsPerSec).toBe(0);
      expect(row.errorSamples?.[0]).toMatch(/differs within bytes/);
    } finally {
      await liar.close();
    }
  });

  it('counts another key’s body and a short body as errors', async () => {
    const swapper = await fakeServer((key) => Buffer.from(smallBody(`${key}x`, key === 'd' ? 100 : 4096)));
    try {
      const row = await withClient(swapper.target, 1, (client) =>
        runLoad(client, { mode: 'get', sizeBytes: 4096, concurrency: 1, count: 3, keys }),
      );
      expect(row.errors).toBe(3);
      expect(row.ops).toBe(0);
    } finally {
      await swapper.close();
    }
  });

  it('accepts the right bytes from the same fake server', async () => {
    const honest = await fakeServer((key) => Buffer.from(smallBody(key, 4096)));
    try {
      const row = await withClient(honest.target, 2, (client) =>
        runLoad(client, { mode: 'get', sizeBytes: 4096, concurrency: 2, count: 6, keys }),
      );
      expectCleanRow(row, 'get');
      expect(row.ops).toBe(6);
    } finally {
      await honest.close();
    }
  });
});
