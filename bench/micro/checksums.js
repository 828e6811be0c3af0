// Checksum throughput as the server sees it: one call per 64 KiB chunk over a large body, on the main thread.
// The server hashes every upload with MD5 (ETag) and CRC-64/XZ (x-cos-hash-crc64ecma) side by side, so CRC-64 must be
// far faster than MD5 to be free.
//
//   npm run build && node bench/micro/checksums.js [--size-mib=256] [--chunk-kib=64] [--runs=3]
import { createHash, randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { crc32, crc32c, crc64, crc64nvme, nativeImplementation } from '../../packages/native/dist/index.js';
import {
  crc32 as jsCrc32,
  crc32c as jsCrc32c,
  crc64 as jsCrc64,
  crc64nvme as jsCrc64nvme,
} from '../../packages/protocol/dist/index.js';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '256' },
    'chunk-kib': { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
  },
});
const sizeBytes = Number(values['size-mib']) * 1024 * 1024;
const chunkBytes = Number(values['chunk-kib']) * 1024;
const runs = Number(values.runs);

const body = new Uint8Array(sizeBytes);
for (let at = 0; at < sizeBytes; at += 1 << 30) randomFillSync(body, at, Math.min(1 << 30, sizeBytes - at));
const chunks = [];
for (let at = 0; at < sizeBytes; at += chunkBytes) chunks.push(body.subarray(at, at + chunkBytes));

/** Each function hashes all chunks and returns something, so the work cannot be optimised away. */
const crcLoop = (fn, init) => () => {
  let crc = init;
  for (const chunk of chunks) crc = fn(chunk, crc);
  return crc;
};

// The addon's table fallback, for machines without PCLMULQDQ / SSE4.2 (forced through its test hook).
let binding;
try {
  binding = createRequire(import.meta.url)('../../packages/native/build/Release/coffer_native.node');
} catch {}
const forcedTable = (fn) => () => {
  binding._forceGeneric(true);
  try {
    return fn();
  } finally {
    binding._forceGeneric(false);
  }
};

const cases = [
  [
    'MD5 (node:crypto)',
    () => {
      const hash = createHash('md5');
      for (const chunk of chunks) hash.update(chunk);
      return hash.digest('hex');
    },
  ],
  [`CRC-64/XZ @coffer/native (${nativeImplementation.crc64})`, crcLoop(crc64, 0n)],
  ...(binding ? [['CRC-64/XZ @coffer/native (table, forced)', forcedTable(crcLoop(crc64, 0n))]] : []),
  ['CRC-64/XZ JS (@coffer/protocol)', crcLoop(jsCrc64, 0n)],
  [`CRC-64/NVME @coffer/native (${nativeImplementation.crc64})`, crcLoop(crc64nvme, 0n)],
  ['CRC-64/NVME JS (@coffer/protocol)', crcLoop(jsCrc64nvme, 0n)],
  [`CRC-32 @coffer/native (${nativeImplementation.crc32})`, crcLoop(crc32, 0)],
  ['CRC-32 JS (@coffer/protocol)', crcLoop(jsCrc32, 0)],
  [`CRC-32C @coffer/native (${nativeImplementation.crc32c})`, crcLoop(crc32c, 0)],
  ...(binding ? [['CRC-32C @coffer/native (table, forced)', forcedTable(crcLoop(crc32c, 0))]] : []),
  ['CRC-32C JS (@coffer/protocol)', crcLoop(jsCrc32c, 0)],
];

console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
console.log(
  `${sizeBytes / 1024 / 1024} MiB in ${chunkBytes / 1024} KiB chunks, best of ${runs}; ` +
    `addon: ${nativeImplementation.loadError ? `not loaded (${nativeImplementation.loadError})` : 'loaded'}`,
);
console.log('');
const nameWidth = Math.max(...cases.map(([name]) => name.length));
console.log(`${'checksum'.padEnd(nameWidth)}  ${'MiB/s'.padStart(8)}  ${'vs MD5'.padStart(7)}`);
console.log(`${'-'.repeat(nameWidth)}  ${'-'.repeat(8)}  ${'-'.repeat(7)}`);
let md5MiBps;
for (const [name, run] of cases) {
  run(); // warm up: JIT, page faults
  let bestMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    run();
    bestMs = Math.min(bestMs, performance.now() - start);
  }
  const mibps = sizeBytes / 1024 / 1024 / (bestMs / 1000);
  md5MiBps ??= mibps;
  console.log(
    `${name.padEnd(nameWidth)}  ${mibps.toFixed(0).padStart(8)}  ${`${(mibps / md5MiBps).toFixed(1)}x`.padStart(7)}`,
  );
}
