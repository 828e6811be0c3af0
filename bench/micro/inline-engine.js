// CPU per small GET in the engine (issue 17): getObject + readBody of a 4 KiB object stored inline (its body read with
// the version row, in one synchronous store call) against the same object stored as a blob file (a pread through the
// cached file handle, in libuv's threadpool). Real SqliteMetaStore and FsBlobStore on a temporary directory, fsync off;
// the objects are read at random from a set of 1,000, alternating the two kinds in rounds. CPU is the process's
// (user + system, all threads), so the threadpool's share of a file read counts too.
//
//   npm run build && node bench/micro/inline-engine.js [--size=4096] [--ops=20000] [--rounds=3]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createEngine, FsBlobStore, SqliteMetaStore } from '../../packages/server/dist/index.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '4096' },
    ops: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
  },
});
const size = Number(values.size);
const ops = Number(values.ops);
const OBJECTS = 1000;
const dir = await mkdtemp(path.join(tmpdir(), 'coffer-inline-read-'));
const meta = new SqliteMetaStore({ filename: path.join(dir, 'meta.db'), fsync: false });
const blobs = await FsBlobStore.open({ directory: dir, fsync: false });
const engineWith = (inlineMaxBytes) =>
  createEngine({
    meta,
    blobs,
    log: pino({ level: 'silent' }),
    clock: { nowMs: () => Date.now() },
    region: 'r',
    sealKey: randomBytes(32),
    limits: { maxPutSizeBytes: 5 * 1024 ** 3, gcGraceMs: 60_000, inlineMaxBytes },
  });
const inline = engineWith(64 * 1024);
const files = engineWith(0);
const actor = { ownerId: '1', principal: { kind: 'root' } };
await inline.createBucket(actor, 'micro-1250000000');
const body = randomBytes(size);
const put = (engine, key) =>
  engine.putObject({
    bucket: 'micro-1250000000',
    key,
    actor,
    body: Readable.from([body], { objectMode: false }),
    expect: { size },
    contentHeaders: {},
    userMeta: {},
  });
for (let i = 0; i < OBJECTS; i++) {
  await put(inline, `inline/${i}`);
  await put(files, `file/${i}`);
}

async function run(engine, prefix) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < ops; i++) {
    const result = await engine.getObject({ bucket: 'micro-1250000000', key: `${prefix}/${(i * 7919) % OBJECTS}` });
    const bytes = await result.readBody();
    if (bytes.length !== size) throw new Error('short read');
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / ops;
}

const results = { inline: [], file: [] };
await run(inline, 'inline');
await run(files, 'file');
for (let round = 0; round < Number(values.rounds); round++) {
  results.inline.push(await run(inline, 'inline'));
  results.file.push(await run(files, 'file'));
}
const best = (xs) => Math.min(...xs);
for (const [name, xs] of Object.entries(results)) {
  console.log(
    `${name.padEnd(7)} ${best(xs).toFixed(1).padStart(7)} µs CPU per ${size}-byte GET (best of ${xs.length})`,
  );
}
console.log(`file / inline: ${(best(results.file) / best(results.inline)).toFixed(2)}×`);
await meta.close();
await blobs.close();
await rm(dir, { recursive: true, force: true });
