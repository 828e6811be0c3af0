// The load generator: `runLoad(client, options)` runs one mode against one target with N concurrent workers for a
// duration or a count of operations, and returns one result row (ops/s, MiB/s, p50/p99 latency, errors).
//
// Only verified operations count. A GET is an error unless its status is 200 and its body is, byte for byte, the
// body written under that key (bench/lib/body.js); a HEAD must report the right length; a LIST must return the
// expected number of entries when the caller knows it; a Complete must answer with an ETag and no error document;
// a DeleteObjects must report every key deleted. Latencies of successful operations go into a typed array, sorted
// once at the end.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { uriEncode } from '../../packages/protocol/dist/index.js';
import { BodyVerifier, bodyChunks, smallBody } from './body.js';
import { describeResponse } from './http-client.js';

export const MODES = ['put', 'get', 'head', 'list', 'delete', 'multipart', 'mixed'];
const MIB = 1024 * 1024;

/** Latencies (ms) in a growable Float64Array, plus counters. */
export class Stats {
  #latencies = new Float64Array(4096);
  ops = 0;
  errors = 0;
  bytes = 0;
  errorSamples = [];

  record(ms, bytes) {
    if (this.ops === this.#latencies.length) {
      const grown = new Float64Array(this.#latencies.length * 2);
      grown.set(this.#latencies);
      this.#latencies = grown;
    }
    this.#latencies[this.ops++] = ms;
    this.bytes += bytes;
  }

  fail(err) {
    this.errors++;
    const message = err instanceof Error ? err.message : String(err);
    if (this.errorSamples.length < 5 && !this.errorSamples.includes(message)) this.errorSamples.push(message);
  }

  /** Adds another run's numbers (list rows merge interleaved rounds). */
  merge(other) {
    for (const ms of other.latencies()) this.record(ms, 0);
    this.bytes += other.bytes;
    this.errors += other.errors;
    for (const m of other.errorSamples) if (this.errorSamples.length < 5) this.errorSamples.push(m);
  }

  latencies() {
    return this.#latencies.subarray(0, this.ops);
  }

  summary(seconds) {
    const sorted = this.latencies().slice().sort();
    const at = (q) => (sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]);
    return {
      ops: this.ops,
      errors: this.errors,
      seconds: round(seconds, 3),
      opsPerSec: round(this.ops / seconds, 1),
      mibPerSec: round(this.bytes / MIB / seconds, 1),
      p50Ms: round(at(0.5), 3),
      p99Ms: round(at(0.99), 3),
      maxMs: round(at(1), 3),
      ...(this.errorSamples.length > 0 ? { errorSamples: this.errorSamples } : {}),
    };
  }
}

export function round(x, digits) {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
}

/** A query string (no '?') from an object; a value of undefined gives a bare name (`?uploads`). */
export function queryString(params) {
  return Object.entries(params)
    .map(([name, value]) =>
      value === undefined ? uriEncode(name, true) : `${uriEncode(name, true)}=${uriEncode(value, true)}`,
    )
    .join('&');
}

/** Path of `key` in the client's bucket (keys here are ASCII without reserved characters except '/'). */
function objectPath(client, key) {
  return `/${client.target.bucket}/${key
    .split('/')
    .map((s) => uriEncode(s, true))
    .join('/')}`;
}

function countOf(text, tag) {
  return text.split(tag).length - 1;
}

/** PUT `key` with its `size`-byte pattern body; resolves once the server acknowledged it. */
export async function putObject(client, key, size, { query = '', extraHeaders = {}, start = 0 } = {}) {
  const path = objectPath(client, key);
  const headers = { 'content-length': size, 'content-type': 'application/octet-stream', ...extraHeaders };
  const small = start === 0 ? smallBody(key, size) : undefined;
  const res = await client.send({
    method: 'PUT',
    path,
    query,
    headers,
    ...(small !== undefined ? { body: small } : { chunks: bodyChunks(key, size, { start }) }),
  });
  if (res.status !== 200) throw new Error(describeResponse('PUT', path, res));
  return res;
}

/** GET `key` and check every byte against its `size`-byte pattern. */
export async function getVerified(client, key, size) {
  const path = objectPath(client, key);
  const verifier = new BodyVerifier(key, size);
  const res = await client.send({ method: 'GET', path, onChunk: (chunk) => verifier.update(chunk) });
  if (res.status !== 200) throw new Error(describeResponse('GET', path, res));
  const wrong = verifier.finish();
  if (wrong !== undefined) throw new Error(`GET ${path}: ${wrong}`);
}

export async function headVerified(client, key, size) {
  const path = objectPath(client, key);
  const res = await client.send({ method: 'HEAD', path });
  if (res.status !== 200) throw new Error(describeResponse('HEAD', path, res));
  if (Number(res.headers['content-length']) !== size) {
    throw new Error(`HEAD ${path}: content-length ${res.headers['content-length']}, expected ${size}`);
  }
}

export async function deleteObject(client, key) {
  const path = objectPath(client, key);
  const res = await client.send({ method: 'DELETE', path });
  if (res.status !== 204 && res.status !== 200) throw new Error(describeResponse('DELETE', path, res));
}

/** DeleteObjects (POST ?delete) of `keys`, verbose: every key must come back <Deleted>, none as <Error>. */
export async function deleteObjects(client, keys) {
  const xml = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>false</Quiet>${keys
      .map((k) => `<Object><Key>${k}</Key></Object>`)
      .join('')}</Delete>`,
  );
  const path = `/${client.target.bucket}`;
  const res = await client.send({
    method: 'POST',
    path,
    query: 'delete',
    headers: {
      'content-length': xml.length,
      'content-type': 'application/xml',
      'content-md5': createHash('md5').update(xml).digest('base64'),
    },
    body: xml,
    collect: true,
  });
  if (res.status !== 200) throw new Error(describeResponse('POST ?delete', path, res));
  const deleted = countOf(res.text, '<Deleted>');
  const errors = countOf(res.text, '<Error>');
  if (deleted !== keys.length || errors !== 0) {
    throw new Error(`DeleteObjects of ${keys.length} keys: ${deleted} deleted, ${errors} errors`);
  }
}

/** ListObjectsV2; with `expectEntries`, the page must hold exactly that many Contents + CommonPrefixes. */
export async function listPage(client, { prefix, delimiter, maxKeys = 1000, expectEntries }) {
  const path = `/${client.target.bucket}`;
  const query = queryString({
    'list-type': '2',
    ...(prefix !== undefined ? { prefix } : {}),
    ...(delimiter !== undefined ? { delimiter } : {}),
    'max-keys': String(maxKeys),
  });
  const res = await client.send({ method: 'GET', path, query, collect: true });
  if (res.status !== 200) throw new Error(describeResponse('LIST', path, res));
  if (!res.text.includes('</ListBucketResult>')) throw new Error(`LIST ${path}: not a ListBucketResult`);
  const entries = countOf(res.text, '<Contents>') + countOf(res.text, '<CommonPrefixes>');
  if (expectEntries !== undefined && entries !== expectEntries) {
    throw new Error(`LIST ${path}?${query}: ${entries} entries, expected ${expectEntries}`);
  }
  return res.text.length;
}

/** Initiate → parts (sequential) → Complete; the object's bytes are `key`'s pattern, part after part. */
export async function multipartUpload(client, key, size, partSizeBytes) {
  const path = objectPath(client, key);
  const init = await client.send({ method: 'POST', path, query: 'uploads', collect: true });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text ?? '')?.[1];
  if (init.status !== 200 || uploadId === undefined) throw new Error(describeResponse('POST ?uploads', path, init));
  const parts = [];
  for (let n = 1, at = 0; at < size || n === 1; n++, at += partSizeBytes) {
    const length = Math.min(partSizeBytes, size - at);
    const res = await putObject(client, key, length, {
      query: queryString({ partNumber: String(n), uploadId }),
      start: at,
    });
    parts.push(`<Part><PartNumber>${n}</PartNumber><ETag>${res.headers.etag}</ETag></Part>`);
    if (length === 0) break;
  }
  const xml = Buffer.from(`<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`);
  const done = await client.send({
    method: 'POST',
    path,
    query: queryString({ uploadId }),
    headers: { 'content-length': xml.length, 'content-type': 'application/xml' },
    body: xml,
    collect: true,
  });
  // Complete may fail after a 200 (the error document then arrives as the body), so look at the body too.
  if (done.status !== 200 || !done.text.includes('<ETag>') || done.text.includes('<Error>')) {
    throw new Error(describeResponse('Complete', path, done));
  }
  return parts.length;
}

/** Parses "get=60,put=20,head=10,list=5,delete=5" (weights, any scale). */
export function parseMix(text) {
  const mix = {};
  for (const item of text.split(',')) {
    const [name, weight] = item.split(/[=:]/);
    if (!['get', 'put', 'head', 'list', 'delete'].includes(name) || !(Number(weight) >= 0)) {
      throw new Error(`--mix ${text}: use op=weight items, ops get, put, head, list, delete`);
    }
    mix[name] = Number(weight);
  }
  return mix;
}

/** Deterministic pseudo-random number in [0, 1) for operation i (mulberry32 of i). */
function randomOf(i) {
  let t = (i + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * Keys a mixed run may read or delete. A key being deleted leaves the pool first, and a key with a read in flight
 * is never picked for deletion, so no verified read races its own delete.
 */
class KeyPool {
  #keys;
  #readers = new Map();

  constructor(keys) {
    this.#keys = [...keys];
  }

  get size() {
    return this.#keys.length;
  }

  add(key) {
    this.#keys.push(key);
  }

  beginRead(r) {
    if (this.#keys.length === 0) return undefined;
    const key = this.#keys[Math.floor(r * this.#keys.length)];
    this.#readers.set(key, (this.#readers.get(key) ?? 0) + 1);
    return key;
  }

  endRead(key) {
    const n = this.#readers.get(key) - 1;
    if (n === 0) this.#readers.delete(key);
    else this.#readers.set(key, n);
  }

  take(r) {
    for (let tries = 0; tries < 8 && this.#keys.length > 0; tries++) {
      const i = Math.floor(((r + tries * 0.618) % 1) * this.#keys.length);
      const key = this.#keys[i];
      if (this.#readers.has(key)) continue;
      this.#keys[i] = this.#keys[this.#keys.length - 1];
      this.#keys.pop();
      return key;
    }
    return undefined;
  }
}

/**
 * Runs one mode. Options:
 *   mode          put | get | head | list | delete | multipart | mixed
 *   sizeBytes     object size (put, get, head, multipart, mixed)
 *   concurrency   workers, each with at most one request in flight
 *   durationMs    stop issuing after this long, or
 *   count         stop after this many operations (whichever comes first when both are given)
 *   keyPrefix     new keys are keyPrefix + operation number (put, multipart, mixed)
 *   keys          existing keys of sizeBytes bytes (get and head cycle through them; delete consumes them; mixed
 *                 starts from them)
 *   batch         delete: keys per request (1: DELETE; more: DeleteObjects)
 *   list          { prefix, delimiter, maxKeys, expectEntries } for list (and the list share of mixed)
 *   partSizeBytes multipart part size
 *   mix           mixed: { get, put, head, list, delete } weights
 * Returns the summary plus mode, target, size, concurrency, `keys` written (put, multipart) and `byOp` (mixed).
 */
export async function runLoad(client, options) {
  const {
    mode,
    sizeBytes = 0,
    concurrency = 1,
    durationMs,
    keyPrefix = 'load/',
    keys = [],
    batch = 1,
    list = {},
    partSizeBytes = 8 * MIB,
    mix = { get: 60, put: 20, head: 10, list: 5, delete: 5 },
  } = options;
  let { count } = options;
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}: use one of ${MODES.join(', ')}`);
  if (durationMs === undefined && count === undefined) throw new Error('give durationMs or count');
  if ((mode === 'get' || mode === 'head') && keys.length === 0) throw new Error(`${mode} needs existing keys`);
  if (mode === 'delete') count = Math.min(count ?? Number.POSITIVE_INFINITY, Math.ceil(keys.length / batch));

  const written = [];
  const stats = new Stats();
  const byOp = new Map();
  const pool = mode === 'mixed' ? new KeyPool(keys) : undefined;
  const mixTotal = Object.values(mix).reduce((a, b) => a + b, 0);

  /** One operation; resolves with the payload bytes it moved (for MiB/s), throws when it was not right. */
  const operation = async (i) => {
    switch (mode) {
      case 'put': {
        const key = `${keyPrefix}${i}`;
        await putObject(client, key, sizeBytes);
        written.push(key);
        return sizeBytes;
      }
      case 'get':
        await getVerified(client, keys[i % keys.length], sizeBytes);
        return sizeBytes;
      case 'head':
        await headVerified(client, keys[i % keys.length], sizeBytes);
        return 0;
      case 'list':
        await listPage(client, list);
        return 0;
      case 'delete':
        if (batch === 1) await deleteObject(client, keys[i]);
        else await deleteObjects(client, keys.slice(i * batch, (i + 1) * batch));
        return 0;
      case 'multipart': {
        const key = `${keyPrefix}${i}`;
        await multipartUpload(client, key, sizeBytes, partSizeBytes);
        written.push(key);
        return sizeBytes;
      }
      case 'mixed':
        return mixedOperation(i);
    }
  };

  const mixedOperation = async (i) => {
    let r = randomOf(i) * mixTotal;
    let kind = 'get';
    for (const [name, weight] of Object.entries(mix)) {
      if (r < weight) {
        kind = name;
        break;
      }
      r -= weight;
    }
    // Reads and deletes need an existing key; with none free, the operation becomes a PUT.
    let key;
    if (kind === 'get' || kind === 'head') key = pool.beginRead(randomOf(i + 1));
    else if (kind === 'delete') key = pool.take(randomOf(i + 1));
    if (key === undefined && kind !== 'list') {
      kind = 'put';
      key = `${keyPrefix}m${i}`;
    }
    const sub = byOp.get(kind) ?? byOp.set(kind, new Stats()).get(kind);
    const startMs = performance.now();
    try {
      let bytes = 0;
      if (kind === 'get') {
        await getVerified(client, key, sizeBytes).finally(() => pool.endRead(key));
        bytes = sizeBytes;
      } else if (kind === 'head') {
        await headVerified(client, key, sizeBytes).finally(() => pool.endRead(key));
      } else if (kind === 'delete') {
        await deleteObject(client, key);
      } else if (kind === 'list') {
        await listPage(client, { prefix: keyPrefix, maxKeys: 100, ...list });
      } else {
        await putObject(client, key, sizeBytes);
        pool.add(key);
        bytes = sizeBytes;
      }
      sub.record(performance.now() - startMs, bytes);
      return bytes;
    } catch (err) {
      sub.fail(err);
      throw err;
    }
  };

  let next = 0;
  const startCpu = process.cpuUsage();
  const startMs = performance.now();
  const deadline = durationMs === undefined ? Number.POSITIVE_INFINITY : startMs + durationMs;
  const worker = async () => {
    while (performance.now() < deadline && (count === undefined || next < count)) {
      const i = next++;
      const opStart = performance.now();
      try {
        const bytes = await operation(i);
        stats.record(performance.now() - opStart, bytes);
      } catch (err) {
        stats.fail(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - startMs) / 1000;
  const cpu = process.cpuUsage(startCpu);
  const clientCpuMs = (cpu.user + cpu.system) / 1000;
  const row = {
    target: client.target.name,
    mode,
    sizeBytes: mode === 'list' || mode === 'delete' ? 0 : sizeBytes,
    concurrency,
    ...stats.summary(seconds),
    // This process's CPU time over the run, in % of one core: how much of the machine the client itself took.
    clientCpuPct: round((100 * clientCpuMs) / 1000 / seconds, 1),
  };
  Object.defineProperty(row, 'clientCpuMs', { value: clientCpuMs, enumerable: false });
  if (mode === 'mixed') row.byOp = Object.fromEntries([...byOp].map(([name, s]) => [name, s.summary(seconds)]));
  Object.defineProperty(row, 'keys', { value: written, enumerable: false });
  Object.defineProperty(row, 'stats', { value: stats, enumerable: false });
  return row;
}

/** Sizes as people write them: 4KiB, 1MiB, 256MiB, 2GiB, 1.5MB, 4096. */
export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(|b|k|kib|kb|m|mib|mb|g|gib|gb)$/i.exec(String(text).trim());
  if (!m) throw new Error(`size ${text}: use bytes or a number with KiB, MiB, GiB (or KB, MB, GB)`);
  const unit = m[2].toLowerCase();
  const scale =
    { '': 1, b: 1, k: 1024, kib: 1024, m: MIB, mib: MIB, g: 1024 * MIB, gib: 1024 * MIB }[unit] ??
    {
      kb: 1e3,
      mb: 1e6,
      gb: 1e9,
    }[unit];
  return Math.round(Number(m[1]) * scale);
}

/** Durations: 500ms, 3s, 2m, or a bare number of seconds. */
export function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|)$/.exec(String(text).trim());
  if (!m) throw new Error(`duration ${text}: use e.g. 500ms, 3s, 1m`);
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, '': 1000 }[m[2]] ?? 1000);
}

/** Human size: 4 KiB, 1 MiB, 256 MiB, 2 GiB. */
export function formatSize(bytes) {
  for (const [unit, scale] of [
    ['GiB', 1024 * MIB],
    ['MiB', MIB],
    ['KiB', 1024],
  ]) {
    if (bytes >= scale && bytes % (scale / 1024) === 0) return `${round(bytes / scale, 2)} ${unit}`;
  }
  return `${bytes} B`;
}
