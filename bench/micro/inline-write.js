// CPU per small PUT body on the engine's write path (issue 17): a 4 KiB body read, hashed (MD5, CRC-64) and turned
// into an inline blob, by the two paths writeBlob has for it:
//   read whole   a body announced (Content-Length) at most the inline threshold: one `for await` over it
//   streamed     a body of unknown length: stream/promises pipeline → HashingSink → the inline-or-file writer
// Both end as the same inline blob; the difference is what the stream machinery costs per request.
//
//   npm run build && node bench/micro/inline-write.js [--size=4096] [--ops=20000] [--rounds=3]
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { writeBlob } from '../../packages/server/dist/engine/write-blob.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '4096' },
    ops: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
  },
});
const size = Number(values.size);
const ops = Number(values.ops);
const body = randomBytes(size);
let ids = 0;
const ctx = {
  // The inline paths touch neither store: no intent, no file.
  meta: {},
  blobs: { newBlobId: () => (ids++).toString(16).padStart(32, '0') },
  log: pino({ level: 'silent' }),
  clock: { nowMs: () => Date.now() },
  limits: { maxPutSizeBytes: 5 * 1024 ** 3, gcGraceMs: 0, inlineMaxBytes: 64 * 1024 },
  sealKey: randomBytes(32),
  pins: new Map(),
  uploadsInFlight: new Map(),
};

async function run(announced) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < ops; i++) {
    const blob = await writeBlob(ctx, Readable.from([body], { objectMode: false }), {
      maxSize: ctx.limits.maxPutSizeBytes,
      ...(announced ? { size } : {}),
    });
    if (blob.size !== size || blob.newBlobs[0]?.body === undefined) throw new Error('not an inline blob');
  }
  const used = process.cpuUsage(cpu);
  return { cpuUsPerOp: (used.user + used.system) / ops, wallUsPerOp: ((performance.now() - start) * 1000) / ops };
}

const results = { 'read whole': [], streamed: [] };
await run(true);
await run(false);
for (let round = 0; round < Number(values.rounds); round++) {
  results['read whole'].push(await run(true));
  results.streamed.push(await run(false));
}
const best = (rs) => Math.min(...rs.map((r) => r.cpuUsPerOp));
for (const [name, rs] of Object.entries(results)) {
  console.log(
    `${name.padEnd(11)} ${best(rs).toFixed(1).padStart(7)} µs CPU per ${size}-byte body (best of ${rs.length})`,
  );
}
console.log(`streamed / read whole: ${(best(results.streamed) / best(results['read whole'])).toFixed(2)}×`);
