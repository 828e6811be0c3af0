// Multipart: how long CompleteMultipartUpload takes for 10 and 10,000 parts (goal: both under 1 s — Complete is
// one metadata transaction, its time must not grow with the data), a real 10-part upload end to end, and the peak RSS
// of the server while a 5 GiB object streams in as 64 MiB parts (goal: under 256 MiB).
//
//   npm run build && node bench/multipart.js [--quick] [--runs 3] [--interval-ms 50] [--keep]
//
//   --quick        smaller sizes: 512 MiB for the RSS row, 1 MiB parts for the real upload, one run
//   --runs         Completes timed per part count (median and max reported; default 3, 1 with --quick)
//   --interval-ms  how often the server's VmRSS is sampled (default 50)
//   --keep         keep the data directory
//
// A `coffer server` child (the built CLI; default settings, fsync on) serves everything over HTTP with SigV4.
// The Complete rows cannot upload 10,000 real parts (with the 1 MiB minimum that is 10 GB), so their parts are
// written into the server's own data directory through the metadata store API (`putPart`) while the server is
// stopped: every part has its own 1 MiB blob, as UploadPart would leave it, but the blob files are hard links to one
// real file, so the completed object is consistent and readable (verified: size, ETag, CRC-64 and a ranged GET
// across a part boundary) at 1 MiB of disk. The timed request is the real CompleteMultipartUpload over HTTP.

import { createHash, randomFillSync } from 'node:crypto';
import { link, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { crc64, crc64Combine } from '../packages/native/dist/index.js';
import { FsBlobStore, SqliteMetaStore } from '../packages/server/dist/index.js';
import { call, readText, signedRequest, startChildServer } from './lib/child-server.js';
import { readMemory, watchMemory as watchProcessMemory } from './lib/rss.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    'interval-ms': { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
  },
});
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const quick = values.quick;
const runs = Number(values.runs ?? (quick ? 1 : 3));
const intervalMs = Number(values['interval-ms']);
const COMPLETE_PART_COUNTS = [10, 10_000];
const COMPLETE_GOAL_MS = 1000;
const REAL_PARTS = 10;
const REAL_PART_BYTES = quick ? MIB : 8 * MIB;
const RSS_OBJECT_BYTES = quick ? 512 * MIB : 5 * GIB;
const RSS_PART_BYTES = 64 * MIB;
const RSS_CONCURRENCY = 4;
const RSS_GOAL_BYTES = 256 * MIB;
const BUCKET = 'multipart-bench-1250000000';

const rows = [];
const mib = (bytes) => (bytes / MIB).toFixed(1);

/** Bodies made on the fly: a random 1 MiB pattern with the block number stamped in, so no two blocks match. */
function* generate(size, seed) {
  const pattern = randomFillSync(Buffer.alloc(MIB));
  for (let at = 0, block = 0n; at < size; at += MIB, block++) {
    const chunk = Buffer.allocUnsafe(Math.min(MIB, size - at));
    pattern.copy(chunk, 0, 0, chunk.length);
    if (chunk.length >= 16) {
      chunk.writeBigUInt64BE(seed, 0);
      chunk.writeBigUInt64BE(block, 8);
    }
    yield chunk;
  }
}

function completeXml(parts) {
  return `<CompleteMultipartUpload>${parts
    .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${p.etag}"</ETag></Part>`)
    .join('')}</CompleteMultipartUpload>`;
}

async function initiate(server, key) {
  const { text } = await call(server, { method: 'POST', path: `/${BUCKET}/${key}`, query: { uploads: '' } });
  return /<UploadId>([^<]+)<\/UploadId>/.exec(text)[1];
}

async function complete(server, key, uploadId, parts) {
  const xml = Buffer.from(completeXml(parts));
  const startMs = performance.now();
  const { text } = await call(server, {
    method: 'POST',
    path: `/${BUCKET}/${key}`,
    query: { uploadId },
    headers: { 'content-length': xml.length, 'content-type': 'application/xml' },
    body: Readable.from([xml]),
  });
  const ms = performance.now() - startMs;
  return { ms, etag: /<ETag>(?:&quot;|")([^<&"]+)/.exec(text)[1], xmlBytes: xml.length };
}

async function uploadPart(server, key, uploadId, partNumber, size, seed) {
  const res = await signedRequest(server, {
    method: 'PUT',
    path: `/${BUCKET}/${key}`,
    query: { partNumber: String(partNumber), uploadId },
    headers: { 'content-length': size },
    body: Readable.from(generate(size, seed), { objectMode: false, highWaterMark: MIB }),
  });
  const text = await readText(res);
  if (res.statusCode !== 200) throw new Error(`UploadPart ${partNumber}: HTTP ${res.statusCode} ${text}`);
  return { partNumber, etag: res.headers.etag.replaceAll('"', '') };
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

/**
 * Writes `counts.length` incomplete uploads straight into the stopped server's metadata, each part exactly what
 * UploadPart records for 1 MiB: its own blob (so Complete moves one reference per part, as in real use) holding the
 * same random 1 MiB. The blob files are hard links to one real file (`<data>/blobs/<2 hex>/<id>`, the FsBlobStore
 * layout), so 10,000 parts cost 1 MiB of disk and every one of them reads back.
 */
async function prefillUploads(dataDir, counts) {
  const meta = new SqliteMetaStore({ filename: path.join(dataDir, 'meta.db'), fsync: false });
  const blobs = await FsBlobStore.open({ directory: dataDir, fsync: false });
  const blobPath = (id) => path.join(dataDir, 'blobs', id.slice(0, 2), id);
  try {
    const bucket = await meta.getBucket(BUCKET);
    const body = randomFillSync(Buffer.alloc(MIB));
    const etag = createHash('md5').update(body).digest('hex');
    const crc = crc64(body);
    const nowMs = Date.now();
    const original = blobs.newBlobId();
    const writer = await blobs.createWriter(original);
    await writer.write([body]);
    await writer.commit();
    const uploads = [];
    for (const [i, count] of counts.entries()) {
      const uploadId = `bench${i}x${count}x${nowMs.toString(36)}`;
      const key = `prefilled/${count}-parts-${i}.bin`;
      await meta.createUpload({
        uploadId,
        bucketId: bucket.id,
        key,
        initiatedMs: nowMs,
        ownerId: bucket.ownerId,
        storageClass: 'STANDARD',
        contentHeaders: {},
        userMeta: {},
      });
      const writes = [];
      for (let n = 1; n <= count; n++) {
        const blobId = i === 0 && n === 1 ? original : blobs.newBlobId();
        if (blobId !== original) await link(blobPath(original), blobPath(blobId));
        const part = {
          partNumber: n,
          size: MIB,
          etag,
          crc64: crc.toString(),
          checksums: {},
          lastModifiedMs: nowMs,
          manifest: [{ blobId, offset: 0, length: MIB }],
        };
        // Issued together: the store commits them in one write batch.
        writes.push(meta.putPart({ uploadId, part, newBlobs: [{ id: blobId, size: MIB }] }));
      }
      await Promise.all(writes);
      uploads.push({
        uploadId,
        key,
        count,
        parts: Array.from({ length: count }, (_, j) => ({ partNumber: j + 1, etag })),
      });
    }
    return { uploads, etag, crc, body };
  } finally {
    await meta.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const dataDir = await mkdtemp(path.join(tmpdir(), 'coffer-bench-multipart-'));
let server = await startChildServer(dataDir);
try {
  await call(server, { method: 'PUT', path: `/${BUCKET}` });
  console.log(`server pid ${server.pid}, data ${dataDir}${quick ? ' (--quick)' : ''}`);

  // 1. Complete of prefilled uploads: stop the server, write the parts through the store API, start it again.
  await server.stop();
  const counts = COMPLETE_PART_COUNTS.flatMap((count) => Array.from({ length: runs }, () => count));
  const fillStart = performance.now();
  const filled = await prefillUploads(dataDir, counts);
  const fillSeconds = (performance.now() - fillStart) / 1000;
  console.log(
    `prefilled ${counts.length} uploads (${counts.reduce((a, b) => a + b, 0)} parts) through putPart in ${fillSeconds.toFixed(1)} s`,
  );
  server = await startChildServer(dataDir);
  // One small request first so the timed ones do not pay for the server's first request.
  await call(server, { method: 'GET', path: `/${BUCKET}`, query: { uploads: '', 'max-uploads': '1' } });
  for (const count of COMPLETE_PART_COUNTS) {
    const times = [];
    let last;
    for (const upload of filled.uploads.filter((u) => u.count === count)) {
      const done = await complete(server, upload.key, upload.uploadId, upload.parts);
      times.push(done.ms);
      last = { upload, done };
    }
    // Verify the object the last Complete made: size, ETag, CRC-64, and bytes across a part boundary.
    const head = await signedRequest(server, { method: 'HEAD', path: `/${BUCKET}/${last.upload.key}` });
    await readText(head);
    const md5s = Buffer.concat(last.upload.parts.map((p) => Buffer.from(p.etag, 'hex')));
    const expectedEtag = `${createHash('md5').update(md5s).digest('hex')}-${count}`;
    let wholeCrc = filled.crc;
    for (let i = 1; i < count; i++) wholeCrc = crc64Combine(wholeCrc, filled.crc, MIB);
    const ok =
      Number(head.headers['content-length']) === count * MIB &&
      head.headers.etag === `"${expectedEtag}"` &&
      last.done.etag === expectedEtag &&
      head.headers['x-cos-hash-crc64ecma'] === wholeCrc.toString();
    const ranged = await signedRequest(server, {
      method: 'GET',
      path: `/${BUCKET}/${last.upload.key}`,
      headers: { range: `bytes=${MIB - 2}-${MIB + 1}` },
    });
    const chunks = [];
    for await (const chunk of ranged) chunks.push(chunk);
    // Every part is the same 1 MiB, so the four bytes around a boundary are its last two and first two.
    const expectedSpan = Buffer.concat([filled.body.subarray(MIB - 2), filled.body.subarray(0, 2)]);
    if (!ok || ranged.statusCode !== 206 || !Buffer.concat(chunks).equals(expectedSpan)) {
      throw new Error(
        `the ${count}-part object is wrong: ${JSON.stringify(head.headers)} (range ${ranged.statusCode})`,
      );
    }
    rows.push({
      row: `complete-${count}-parts`,
      source: 'prefilled via putPart',
      parts: count,
      objectBytes: count * MIB,
      completeBodyBytes: last.done.xmlBytes,
      runs: times.length,
      completeMedianMs: Number(median(times).toFixed(1)),
      completeMaxMs: Number(Math.max(...times).toFixed(1)),
      goalMs: COMPLETE_GOAL_MS,
      pass: Math.max(...times) < COMPLETE_GOAL_MS,
    });
  }

  // 2. A real 10-part upload, end to end over HTTP.
  {
    const key = 'real/ten-parts.bin';
    const startMs = performance.now();
    const uploadId = await initiate(server, key);
    const parts = [];
    for (let n = 1; n <= REAL_PARTS; n++) parts.push(await uploadPart(server, key, uploadId, n, REAL_PART_BYTES, 7n));
    const done = await complete(server, key, uploadId, parts);
    const totalMs = performance.now() - startMs;
    const md5s = Buffer.concat(parts.map((p) => Buffer.from(p.etag, 'hex')));
    const expectedEtag = `${createHash('md5').update(md5s).digest('hex')}-${REAL_PARTS}`;
    if (done.etag !== expectedEtag) throw new Error(`10-part ETag ${done.etag}, expected ${expectedEtag}`);
    rows.push({
      row: `real-${REAL_PARTS}-parts`,
      source: 'initiate + UploadPart + Complete over HTTP',
      parts: REAL_PARTS,
      objectBytes: REAL_PARTS * REAL_PART_BYTES,
      totalMs: Number(totalMs.toFixed(1)),
      mibPerSec: Number(((REAL_PARTS * REAL_PART_BYTES) / MIB / (totalMs / 1000)).toFixed(1)),
      completeMs: Number(done.ms.toFixed(1)),
      goalMs: COMPLETE_GOAL_MS,
      pass: done.ms < COMPLETE_GOAL_MS,
    });
  }

  // 3. Peak RSS while a large object streams in as 64 MiB parts, RSS_CONCURRENCY at a time.
  {
    const key = 'real/large.bin';
    const idle = await readMemory(server.pid);
    const uploadId = await initiate(server, key);
    const partCount = Math.ceil(RSS_OBJECT_BYTES / RSS_PART_BYTES);
    const watch = await watchMemory(server.pid);
    const startMs = performance.now();
    const parts = new Array(partCount);
    let next = 1;
    const worker = async () => {
      while (next <= partCount) {
        const n = next++;
        const size = Math.min(RSS_PART_BYTES, RSS_OBJECT_BYTES - (n - 1) * RSS_PART_BYTES);
        parts[n - 1] = await uploadPart(server, key, uploadId, n, size, BigInt(1000 + n));
      }
    };
    await Promise.all(Array.from({ length: RSS_CONCURRENCY }, worker));
    const done = await complete(server, key, uploadId, parts);
    const seconds = (performance.now() - startMs) / 1000;
    const memory = await watch.stop();
    const head = await signedRequest(server, { method: 'HEAD', path: `/${BUCKET}/${key}` });
    await readText(head);
    if (Number(head.headers['content-length']) !== RSS_OBJECT_BYTES) throw new Error('large object has the wrong size');
    const peak = Math.max(memory.peakRss, memory.hwm);
    rows.push({
      row: `rss-${mib(RSS_OBJECT_BYTES)}MiB-upload`,
      source: `${partCount} parts of ${RSS_PART_BYTES / MIB} MiB, ${RSS_CONCURRENCY} at a time`,
      parts: partCount,
      objectBytes: RSS_OBJECT_BYTES,
      seconds: Number(seconds.toFixed(1)),
      mibPerSec: Number((RSS_OBJECT_BYTES / MIB / seconds).toFixed(1)),
      completeMs: Number(done.ms.toFixed(1)),
      idleRssBytes: idle.rss,
      peakRssBytes: memory.peakRss,
      hwmBytes: memory.hwm,
      hwmReset: memory.hwmReset,
      samples: memory.samples,
      goalBytes: RSS_GOAL_BYTES,
      pass: peak < RSS_GOAL_BYTES,
    });
  }
} finally {
  await server.stop();
  if (values.keep) console.log(`data directory kept: ${dataDir}`);
  else await rm(dataDir, { recursive: true, force: true });
}

console.log('');
console.log(
  `${'row'.padEnd(25)}  ${'parts'.padStart(6)}  ${'object'.padStart(12)}  ${'Complete (median / max)'.padEnd(24)}  ${'other'.padEnd(46)}  goal`,
);
console.log(`${'-'.repeat(25)}  ${'-'.repeat(6)}  ${'-'.repeat(12)}  ${'-'.repeat(24)}  ${'-'.repeat(46)}  ----`);
for (const r of rows) {
  const complete =
    r.completeMedianMs !== undefined ? `${r.completeMedianMs} / ${r.completeMaxMs} ms` : `${r.completeMs} ms`;
  const other =
    r.peakRssBytes !== undefined
      ? `peak RSS ${mib(Math.max(r.peakRssBytes, r.hwmBytes))} MiB (idle ${mib(r.idleRssBytes)}), ${r.mibPerSec} MiB/s`
      : r.totalMs !== undefined
        ? `total ${r.totalMs} ms, ${r.mibPerSec} MiB/s`
        : `${r.source}`;
  console.log(
    `${r.row.padEnd(25)}  ${String(r.parts).padStart(6)}  ${`${mib(r.objectBytes)} MiB`.padStart(12)}  ` +
      `${complete.padEnd(24)}  ${other.padEnd(46)}  ${r.pass ? 'PASS' : 'FAIL'}`,
  );
}
console.log('');
console.log("complete-* rows: parts written into the stopped server's metadata with putPart (10,000 real 1 MiB parts");
console.log('would be 10 GB); each part has its own blob (hard links to one real 1 MiB file); the timed Complete is');
console.log('a real HTTP request.');
for (const r of rows) console.log(JSON.stringify({ bench: 'multipart', ...r }));
if (rows.some((r) => !r.pass)) process.exitCode = 1;
