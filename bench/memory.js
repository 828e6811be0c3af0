// Memory stays flat while a large object streams through the server: a 2 GiB PUT and GET must keep the server's
// RSS under 200 MiB (never hold a whole body in memory).
//
//   npm run build && node bench/memory.js [--size 2GiB] [--limit-mib 200] [--interval-ms 50] [--keep]
//
//   --size         object size: bytes, or with KiB/MiB/GiB (or KB/MB/GB) (default 2GiB)
//   --limit-mib    PASS when the peak RSS of both phases stays under this many MiB (default 200)
//   --interval-ms  how often the server's RSS is sampled (default 50)
//   --keep         keep the data directory
//
// A `coffer server` child (the built CLI, default settings: fsync on, log level info) gets one PUT with
// Content-Length and SigV4 UNSIGNED-PAYLOAD, its body generated 1 MiB at a time (no file, never whole in memory),
// hashed (SHA-256) as it is sent; then one GET, hashed as it arrives and compared. Meanwhile the child's
// /proc/<pid>/status is read every interval: VmRSS sampled gives the peak seen; VmHWM (the kernel's own high-water
// mark, reset before each phase through /proc/<pid>/clear_refs) catches peaks between samples. Exit code 1 on FAIL.

import { createHash, randomFillSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { call, signedRequest, startChildServer } from './lib/child-server.js';
import { readMemory, watchMemory as watchProcessMemory } from './lib/rss.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '2GiB' },
    'limit-mib': { type: 'string', default: '200' },
    'interval-ms': { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
  },
});
const MIB = 1024 * 1024;
const BLOCK_BYTES = MIB;
const sizeBytes = parseSize(values.size);
const limitBytes = Number(values['limit-mib']) * 1024 * 1024;
const intervalMs = Number(values['interval-ms']);
const BUCKET = 'memory-1250000000';
const KEY = 'big.bin';

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(|b|kib|mib|gib|kb|mb|gb|k|m|g)$/i.exec(text.trim());
  if (!m) throw new Error(`--size ${text}: use bytes or a number with KiB, MiB, GiB, KB, MB or GB`);
  const unit = m[2].toLowerCase();
  const scale =
    { '': 1, b: 1, kib: 1024, k: 1024, mib: MIB, m: MIB, gib: 1024 ** 3, g: 1024 ** 3 }[unit] ??
    { kb: 1e3, mb: 1e6, gb: 1e9 }[unit];
  return Math.round(Number(m[1]) * scale);
}

/** One random 1 MiB block, its first 8 bytes replaced by the block number, so every block differs. */
function* generateBody(size, hash) {
  const pattern = randomFillSync(Buffer.alloc(BLOCK_BYTES));
  for (let at = 0, block = 0n; at < size; at += BLOCK_BYTES, block++) {
    const chunk = Buffer.allocUnsafe(Math.min(BLOCK_BYTES, size - at));
    pattern.copy(chunk, 0, 0, chunk.length);
    if (chunk.length >= 8) chunk.writeBigUInt64BE(block, 0);
    hash.update(chunk);
    yield chunk;
  }
}

/** VmRSS sampled every interval, VmHWM (reset first where the kernel allows): the shared watcher, in this script's terms. */
async function watchMemory(pid) {
  const watch = await watchProcessMemory(pid, intervalMs);
  return {
    async stop() {
      const m = await watch.stop();
      return { peakRss: m.sampledPeakBytes, hwm: m.hwmBytes, hwmReset: m.hwmReset, samples: m.samples };
    },
  };
}

const mib = (bytes) => (bytes / MIB).toFixed(1);

const dataDir = await mkdtemp(path.join(tmpdir(), 'coffer-memory-'));
const server = await startChildServer(dataDir);
const results = [];
try {
  await call(server, { method: 'PUT', path: `/${BUCKET}` });
  const idle = await readMemory(server.pid);
  console.log(`server pid ${server.pid}, ${mib(idle.rss)} MiB RSS idle; object ${mib(sizeBytes)} MiB`);

  // PUT: generator → request, with backpressure; the server acknowledges after fsync + commit.
  const sentHash = createHash('sha256');
  let watch = await watchMemory(server.pid);
  let startMs = performance.now();
  const put = await signedRequest(server, {
    method: 'PUT',
    path: `/${BUCKET}/${KEY}`,
    headers: { 'content-length': sizeBytes, 'content-type': 'application/octet-stream' },
    body: Readable.from(generateBody(sizeBytes, sentHash), { objectMode: false, highWaterMark: BLOCK_BYTES }),
  });
  let text = '';
  for await (const part of put) text += part;
  let seconds = (performance.now() - startMs) / 1000;
  if (put.statusCode !== 200) throw new Error(`PUT: HTTP ${put.statusCode} ${text}`);
  results.push({ phase: 'PUT', seconds, ...(await watch.stop()) });
  const sent = sentHash.digest('hex');

  // GET: hashed while streaming, never collected.
  watch = await watchMemory(server.pid);
  startMs = performance.now();
  const get = await signedRequest(server, { method: 'GET', path: `/${BUCKET}/${KEY}` });
  if (get.statusCode !== 200) throw new Error(`GET: HTTP ${get.statusCode}`);
  const gotHash = createHash('sha256');
  let gotBytes = 0;
  for await (const part of get) {
    gotHash.update(part);
    gotBytes += part.length;
  }
  seconds = (performance.now() - startMs) / 1000;
  results.push({ phase: 'GET', seconds, ...(await watch.stop()) });
  const got = gotHash.digest('hex');
  if (gotBytes !== sizeBytes || got !== sent) {
    throw new Error(`GET returned ${gotBytes} bytes with SHA-256 ${got}; sent ${sizeBytes} bytes with ${sent}`);
  }
  console.log(`GET body verified: ${gotBytes} bytes, SHA-256 ${got}`);
} finally {
  await server.stop();
  if (values.keep) console.log(`data directory kept: ${dataDir}`);
  else await rm(dataDir, { recursive: true, force: true });
}

console.log('');
console.log(`phase  ${'MiB/s'.padStart(7)}  ${'peak VmRSS'.padStart(10)}  ${'VmHWM'.padStart(9)}  samples`);
console.log(`-----  ${'-'.repeat(7)}  ${'-'.repeat(10)}  ${'-'.repeat(9)}  -------`);
for (const r of results) {
  console.log(
    `${r.phase.padEnd(5)}  ${(sizeBytes / MIB / r.seconds).toFixed(0).padStart(7)}  ` +
      `${`${mib(r.peakRss)} MiB`.padStart(10)}  ${`${mib(r.hwm)} MiB`.padStart(9)}${r.hwmReset ? ' ' : '*'}  ${r.samples}`,
  );
}
if (results.some((r) => !r.hwmReset))
  console.log('* VmHWM could not be reset: it is the peak since the server started');
const peak = Math.max(...results.map((r) => Math.max(r.peakRss, r.hwm)));
const pass = peak < limitBytes;
console.log('');
console.log(`peak RSS ${mib(peak)} MiB, limit ${mib(limitBytes)} MiB: ${pass ? 'PASS' : 'FAIL'}`);
for (const r of results) {
  console.log(
    JSON.stringify({
      bench: 'memory',
      phase: r.phase,
      sizeBytes,
      seconds: Number(r.seconds.toFixed(2)),
      mibPerSec: Number((sizeBytes / MIB / r.seconds).toFixed(1)),
      peakRssBytes: r.peakRss,
      hwmBytes: r.hwm,
      hwmReset: r.hwmReset,
      samples: r.samples,
    }),
  );
}
console.log(JSON.stringify({ bench: 'memory', peakBytes: peak, limitBytes, pass }));
if (!pass) process.exitCode = 1;
