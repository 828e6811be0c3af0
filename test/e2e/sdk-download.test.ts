/**
 * downloadFile (Tencent's Node SDK advanced method) in @coffer/sdk against a live Coffer: one GET up to
 * ChunkSize, parallel ranged GETs above it, monotonic progress, the same file as Tencent's downloadFile writes,
 * ObjectHasChanged when the object is replaced mid-download, and a missing key's 404; and getObjectStream,
 * the stream returned at once, beside Tencent's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/clients.js';
import { REGION as Region } from './helpers/cos.js';
import { cofferSdk } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('@coffer/sdk downloadFile', () => {
  let t: TestServer;
  let dir: string;
  const Bucket = `download${process.pid}-1250000000`;
  const big = randomBytes(5 * MiB + 12345);
  beforeAll(async () => {
    t = await startTestServer();
    dir = await tempDir('coffer-download-');
    const cos = cofferSdk(t);
    await cos.putBucket({ Bucket, Region });
    await cos.putObject({ Bucket, Region, Key: 'big.bin', Body: big });
    await cos.putObject({ Bucket, Region, Key: 'small.txt', Body: 'small body' });
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('downloads a large object in parallel ranges, with monotonic progress reaching 1, into an exact copy', async () => {
    const file = path.join(dir, 'big.bin');
    await fs.writeFile(file, Buffer.alloc(20 * MiB, 1)); // a longer file already there is emptied first
    const percents: number[] = [];
    const data = await cofferSdk(t).downloadFile({
      Bucket,
      Region,
      Key: 'big.bin',
      FilePath: file,
      ChunkSize: MiB,
      ParallelLimit: 3,
      onProgress: (info) => percents.push(info.percent),
    });
    expect(data.statusCode).toBe(206);
    const written = await fs.readFile(file);
    expect(written.length).toBe(big.length);
    expect(md5(written)).toBe(md5(big));
    expect(percents.at(-1)).toBe(1);
    for (let i = 1; i < percents.length; i++) expect(percents[i]!).toBeGreaterThanOrEqual(percents[i - 1]!);
  });

  it("writes the same file as Tencent's downloadFile, and a small object in one GET", async () => {
    const ours = path.join(dir, 'ours.bin');
    const theirs = path.join(dir, 'theirs.bin');
    await cofferSdk(t, 'path').downloadFile({ Bucket, Region, Key: 'big.bin', FilePath: ours, ChunkSize: 2 * MiB });
    await t.cos('path').downloadFile({ Bucket, Region, Key: 'big.bin', FilePath: theirs, ChunkSize: 2 * MiB });
    expect(md5(await fs.readFile(ours))).toBe(md5(await fs.readFile(theirs)));
    const small = path.join(dir, 'small.txt');
    const data = await cofferSdk(t).downloadFile({ Bucket, Region, Key: 'small.txt', FilePath: small });
    expect(data.statusCode).toBe(200);
    expect(await fs.readFile(small, 'utf8')).toBe('small body');
  });

  it('an object replaced mid-download fails with ObjectHasChanged; a missing key with 404', async () => {
    const cos = cofferSdk(t);
    const key = 'moving.bin';
    await cos.putObject({ Bucket, Region, Key: key, Body: randomBytes(8 * MiB) });
    // The object is replaced just before the second ranged GET is served (by whichever gateway serves it).
    const engines = t.gateways.map((g) => g.engine);
    const originals = engines.map((engine) => engine.getObject.bind(engine));
    let ranged = 0;
    engines.forEach((engine, i) => {
      engine.getObject = async (input) => {
        if (input.key === key && input.range && ++ranged === 2) {
          await cos.putObject({ Bucket, Region, Key: key, Body: 'new' });
        }
        return originals[i]!(input);
      };
    });
    try {
      const err = await cos
        .downloadFile({
          Bucket,
          Region,
          Key: key,
          FilePath: path.join(dir, 'moving.bin'),
          ChunkSize: MiB,
          ParallelLimit: 1,
        })
        .catch((e: { code?: string }) => e);
      expect((err as { code?: string }).code).toBe('ObjectHasChanged');
    } finally {
      engines.forEach((engine, i) => {
        engine.getObject = originals[i]!;
      });
    }
    const missing = await cos
      .downloadFile({ Bucket, Region, Key: 'absent', FilePath: path.join(dir, 'absent') })
      .catch((e: { statusCode?: number }) => e);
    expect((missing as { statusCode?: number }).statusCode).toBe(404);
  });

  it("getObjectStream returns the body as a stream at once, as Tencent's does; a missing key errors the stream", async () => {
    const ours = path.join(dir, 'stream-ours.bin');
    const theirs = path.join(dir, 'stream-theirs.bin');
    let result: { statusCode?: number } | undefined;
    const stream = cofferSdk(t).getObjectStream({ Bucket, Region, Key: 'big.bin' }, (err, data) => {
      expect(err).toBeNull();
      result = data;
    });
    await pipeline(stream, createWriteStream(ours));
    await pipeline(t.cos('path').getObjectStream({ Bucket, Region, Key: 'big.bin' }), createWriteStream(theirs));
    expect(md5(await fs.readFile(ours))).toBe(md5(big));
    expect(md5(await fs.readFile(theirs))).toBe(md5(big));
    await new Promise((r) => setImmediate(r));
    expect(result?.statusCode).toBe(200);

    const missing = cofferSdk(t).getObjectStream({ Bucket, Region, Key: 'absent' });
    const failure = await new Promise<{ statusCode?: number }>((resolve) => missing.on('error', resolve));
    expect(failure.statusCode).toBe(404);
  });
});
