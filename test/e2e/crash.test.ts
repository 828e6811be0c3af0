/**
 * Crash safety of the write protocol (docs/ARCHITECTURE.md, "Storage engine": intent, temp file, fsync + rename, one
 * metadata commit). A child `coffer server` (the built CLI, fsync on, one data directory for the whole file) is
 * killed with SIGKILL at a random moment while clients PUT and overwrite objects, then restarted on the same data
 * directory. After every restart:
 *
 * - every key whose PUT was acknowledged reads back byte-identical as the last acknowledged generation, or as the
 *   later generation whose PUT was in flight when the process died, and as nothing else (each body spells out its
 *   key, generation and offset on every 64-byte line, so a torn or mixed body says where it went wrong);
 * - HEAD (size, ETag, x-amz-meta-gen), GET and ListObjectsV2 agree;
 * - `tmp/` is empty, no intent is left, every blob the metadata references exists with its size, reference counts
 *   match the manifests, and every blob file is referenced or queued for GC. Right after each kill, before recovery,
 *   every blob file must already be referenced, queued, or covered by a pending intent (else recovery could never
 *   find it).
 *
 * Most bodies are small enough to be stored inline (in the metadata database, no file: issue 17); an inline body
 * must be exactly as durable as a file. The last test of the first group lets the GC worker (every 5 s,
 * COFFER_GC_GRACE_MS=0) run and then requires the blob files and inline bodies to be exactly the referenced blobs.
 * A second group kills the server during a load of 4 KiB PUTs at c=32 (all inline) and loses nothing acknowledged.
 *
 * COFFER_CRASH_TRIALS (default 50) and COFFER_CRASH_SEED (random; printed with every failure) tune a run;
 * COFFER_CRASH_KEEP=1 keeps the data directory.
 */
import { createHash, randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { signV4Headers, uriEncode } from '@coffer/protocol';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../packages/server/src/auth/node-crypto.js';
import { type ChildServer as BaseChildServer, CLI, startChildServer, stopChildServer } from './helpers/child-server.js';

const TRIALS = Number(process.env.COFFER_CRASH_TRIALS ?? 50);
const SEED = Number(process.env.COFFER_CRASH_SEED ?? randomInt(2 ** 31));
const REGION = 'ap-guangzhou';
const BUCKET = 'crash-1250000000';
const CREDENTIALS = {
  accessKeyId: 'AKIDcrashtest0000000000000000000000',
  secretKey: 'crashtestsecretkey00000000000000',
};
/** Keys written; each has one writer at a time, so "last acknowledged" is exact. */
const KEY_COUNT = 32;
/** Concurrent PUTs. */
const WORKERS = 6;
/** Every line of a body is `<key> g<generation> @<offset> ....\n`, 64 bytes. */
const LINE_BYTES = 64;
const CHUNK_BYTES = 64 * 1024;
const MIB = 1024 * 1024;
/** When the chosen kill never comes (too few acks, no large PUT), kill anyway after this long. */
const FALLBACK_KILL_MS = 1500;

// ---- bodies -----------------------------------------------------------------------------------

/** Bytes [start, end) of generation `gen` of `key`. */
function bodyBytes(key: string, gen: number, start: number, end: number): Buffer {
  const first = Math.floor(start / LINE_BYTES);
  const last = Math.ceil(end / LINE_BYTES);
  const lines = Buffer.alloc((last - first) * LINE_BYTES, '.');
  for (let i = first; i < last; i++) {
    const at = (i - first) * LINE_BYTES;
    lines.write(`${key} g${gen} @${i * LINE_BYTES} `, at, 'latin1');
    lines[at + LINE_BYTES - 1] = 0x0a;
  }
  return lines.subarray(start - first * LINE_BYTES, end - first * LINE_BYTES);
}

/** A body streamed in 64 KiB chunks; `onSent(bytes)` runs as each chunk is taken by the request. */
function* bodyChunks(key: string, gen: number, size: number, onSent?: (bytes: number) => void): Generator<Buffer> {
  for (let at = 0; at < size; at += CHUNK_BYTES) {
    const end = Math.min(size, at + CHUNK_BYTES);
    yield bodyBytes(key, gen, at, end);
    onSent?.(end);
  }
}

const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** Sizes: a few empty, many small, some hundreds of KiB, some a few MiB (streamed). */
/**
 * Mostly small objects, as real buckets hold: about 70 % at or below the default inline threshold
 * (16 KiB: kept in the metadata database, no file), the rest blob files up to 4 MiB.
 */
function pickSize(random: () => number): number {
  const r = random();
  if (r < 0.03) return 0;
  if (r < 0.45) return 1 + Math.floor(random() * 4096);
  if (r < 0.7) return 4096 + Math.floor(random() * (INLINE_MAX_BYTES - 4096 + 1));
  if (r < 0.82) return INLINE_MAX_BYTES + 1 + Math.floor(random() * 192 * 1024);
  if (r < 0.93) return 256 * 1024 + Math.floor(random() * 768 * 1024);
  return largeSize(random);
}

/** The server's default inline threshold (COFFER_INLINE_MAX_BYTES). */
const INLINE_MAX_BYTES = 64 * 1024;

const largeSize = (random: () => number) => MIB + Math.floor(random() * 3 * MIB);

/** mulberry32: the run's choices (sizes, keys, kill modes) repeat with the same seed; the timing does not. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the child server ---------------------------------------------------------------------------

/** The child (helpers/child-server.ts) with a keep-alive agent for this file's raw signed requests. */
interface ChildServer extends BaseChildServer {
  host: string;
  port: number;
  agent: http.Agent;
}

async function startChild(dataDir: string, maxSockets = WORKERS): Promise<ChildServer> {
  const server = await startChildServer(dataDir, CREDENTIALS, { COFFER_GC_GRACE_MS: '0' });
  const { hostname, port } = new URL(server.url);
  return { ...server, host: hostname, port: Number(port), agent: new http.Agent({ keepAlive: true, maxSockets }) };
}

async function killChild(server: ChildServer): Promise<void> {
  await stopChildServer(server);
  server.agent.destroy();
}

// ---- signed HTTP ----------------------------------------------------------------------------------

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One SigV4-signed request (UNSIGNED-PAYLOAD); the body streams from `chunks` with backpressure. */
async function send(
  server: ChildServer,
  method: string,
  objectPath: string,
  options: { headers?: Record<string, string | number>; chunks?: Iterable<Buffer> } = {},
): Promise<Reply> {
  const { headers } = signV4Headers(
    { method, path: objectPath, headers: { host: `${server.host}:${server.port}`, ...options.headers } },
    { credentials: CREDENTIALS, region: REGION, nowMs: Date.now() },
    nodeCrypto,
  );
  const req = http.request({
    host: server.host,
    port: server.port,
    method,
    path: objectPath,
    headers,
    agent: server.agent,
  });
  const replied = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  // Errors surface through `replied`; the pipeline's own rejection would be a duplicate.
  // objectMode off so the source reads ahead by one chunk, not sixteen: `onSent` then tracks the socket closely.
  pipeline(Readable.from(options.chunks ?? [], { objectMode: false, highWaterMark: CHUNK_BYTES }), req).catch(() => {});
  const res = await replied;
  const parts: Buffer[] = [];
  for await (const part of res) parts.push(part as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) };
}

const objectPath = (key: string) => `/${BUCKET}/${uriEncode(key, false)}`;

// ---- the store on disk ------------------------------------------------------------------------------

interface StoreState {
  tmpFiles: string[];
  /** Blob files under blobs/<2 hex>/, by id, with their sizes. */
  files: Map<string, number>;
  /** Inline blob bodies (blob_bodies, migration 11), by id, with their sizes. */
  inline: Map<string, number>;
  blobs: Map<string, { size: number; refs: number }>;
  gcQueue: Set<string>;
  pending: Set<string>;
  /** Distinct blob ids per version row (and multipart part), counted: what `blobs.refs` must equal. */
  manifestRefs: Map<string, number>;
}

type BlobRow = { id: string; size: number; refs: number };

async function readStore(dataDir: string): Promise<StoreState> {
  const tmpFiles = await fs.readdir(path.join(dataDir, 'tmp'));
  const files = new Map<string, number>();
  const blobsDir = path.join(dataDir, 'blobs');
  for (const fanout of await fs.readdir(blobsDir)) {
    for (const name of await fs.readdir(path.join(blobsDir, fanout))) {
      // A GC pass running beside this read may delete a file between readdir and stat.
      const stat = await fs.stat(path.join(blobsDir, fanout, name)).catch((err) => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      });
      if (stat) files.set(name, stat.size);
    }
  }
  // Read-only, beside (or after) the server: WAL lets a reader see exactly the committed transactions.
  const db = new Database(path.join(dataDir, 'meta.db'), { readonly: true, fileMustExist: true });
  try {
    const blobs = new Map<string, { size: number; refs: number }>();
    for (const row of db.prepare('SELECT id, size, refs FROM blobs').all() as BlobRow[]) {
      blobs.set(row.id, { size: row.size, refs: row.refs });
    }
    const ids = (sql: string) => new Set((db.prepare(sql).all() as { id: string }[]).map((r) => r.id));
    const hasBodies = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'blob_bodies'").get();
    const inline = new Map<string, number>();
    const bodies = hasBodies ? db.prepare('SELECT id, length(body) AS size FROM blob_bodies').all() : [];
    for (const row of bodies as { id: string; size: number }[]) inline.set(row.id, row.size);
    const manifestRefs = new Map<string, number>();
    // Versions and multipart parts (schema 2 onwards) each hold one reference per distinct blob.
    const hasParts = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'parts'").get();
    const manifestsSql = `SELECT manifest FROM objects${hasParts ? ' UNION ALL SELECT manifest FROM parts' : ''}`;
    for (const { manifest } of db.prepare(manifestsSql).all() as { manifest: string }[]) {
      // The store's manifest encoding: `blobId:offset:length[:flags]` joined by ','.
      const distinct = new Set(manifest === '' ? [] : manifest.split(',').map((entry) => entry.split(':')[0]!));
      for (const id of distinct) manifestRefs.set(id, (manifestRefs.get(id) ?? 0) + 1);
    }
    return {
      tmpFiles,
      files,
      inline,
      blobs,
      gcQueue: ids('SELECT id FROM gc_queue'),
      pending: ids('SELECT id FROM pending_blobs'),
      manifestRefs,
    };
  } finally {
    db.close();
  }
}

/** What must hold on disk at every moment a process could see it, crashed or running. */
function storeInvariants(s: StoreState): string[] {
  const problems: string[] = [];
  for (const [id, blob] of s.blobs) {
    const fileSize = s.files.get(id);
    const inlineSize = s.inline.get(id);
    if (fileSize !== undefined && inlineSize !== undefined) problems.push(`blob ${id} is both a file and inline`);
    const size = fileSize ?? inlineSize;
    if (size === undefined) {
      problems.push(`blob ${id} is in the blobs table (refs ${blob.refs}) but has no file and no inline body`);
    } else if (size !== blob.size)
      problems.push(`blob ${id}: stored with ${size} bytes, blobs table says ${blob.size}`);
    if (s.gcQueue.has(id)) problems.push(`blob ${id} is both live and queued for GC`);
    const refs = s.manifestRefs.get(id) ?? 0;
    if (refs !== blob.refs) problems.push(`blob ${id}: refs ${blob.refs}, but ${refs} version(s) reference it`);
  }
  for (const [id, refs] of s.manifestRefs) {
    if (!s.blobs.has(id)) problems.push(`blob ${id} is referenced by ${refs} version(s) but not in the blobs table`);
  }
  // An inline body is committed with the blob row that counts its references: it can only outlive
  // that row in the GC queue, never be stranded.
  for (const id of s.inline.keys()) {
    if (!s.blobs.has(id) && !s.gcQueue.has(id)) problems.push(`inline body ${id} is neither live nor queued for GC`);
  }
  return problems;
}

/** Right after SIGKILL: every blob file must be live, queued, or covered by an intent recovery will see. */
function crashedStoreProblems(s: StoreState): string[] {
  const problems = storeInvariants(s);
  for (const id of s.files.keys()) {
    if (!s.blobs.has(id) && !s.gcQueue.has(id) && !s.pending.has(id)) {
      problems.push(`blob file ${id} is not referenced, not queued for GC and has no intent: recovery cannot find it`);
    }
  }
  return problems;
}

/** After recovery: nothing in tmp/, no intents, and every blob file live or queued for GC. */
function recoveredStoreProblems(s: StoreState): string[] {
  const problems = storeInvariants(s);
  if (s.tmpFiles.length > 0) problems.push(`tmp/ holds ${s.tmpFiles.length} file(s) after start: ${s.tmpFiles}`);
  if (s.pending.size > 0) problems.push(`${s.pending.size} pending intent(s) survived recovery: ${[...s.pending]}`);
  for (const id of s.files.keys()) {
    if (!s.blobs.has(id) && !s.gcQueue.has(id)) problems.push(`orphaned blob file ${id} after recovery`);
  }
  return problems;
}

// ---- the model of what may be stored ----------------------------------------------------------------

interface KeyState {
  key: string;
  /** The generation known to be stored: acknowledged, or read back after a restart. */
  stored?: number;
  /** A generation whose PUT started and was not acknowledged before the kill: it may or may not have landed. */
  inFlight?: number;
  nextGen: number;
  /** Body size of every generation ever attempted. */
  sizes: Map<number, number>;
  busy: boolean;
}

interface Totals {
  puts: number;
  acked: number;
  inFlightAtKill: number;
  inFlightLanded: number;
  midBodyKills: number;
  kills: Record<KillMode, number>;
  recoveredBlobs: number;
  bytesAcked: number;
}

/** Reads every key back (HEAD through @aws-sdk/client-s3, GET raw, one listing) and checks it against the model. */
async function verifyObjects(server: ChildServer, keys: KeyState[], totals: Totals): Promise<string[]> {
  const problems: string[] = [];
  const s3 = new S3Client({
    endpoint: server.url,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: CREDENTIALS.secretKey },
    maxAttempts: 1,
  });
  try {
    const listed = new Map<string, { size: number; etag: string }>();
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
      for (const o of page.Contents ?? []) listed.set(o.Key!, { size: o.Size!, etag: o.ETag! });
      token = page.NextContinuationToken;
    } while (token);
    for (const key of listed.keys()) {
      if (!keys.some((k) => k.key === key)) problems.push(`listing shows ${key}, which was never written`);
    }
    const observed = await Promise.all(keys.map((k) => verifyKey(server, s3, k, listed.get(k.key))));
    keys.forEach((k, i) => {
      const { gen, problems: found } = observed[i]!;
      problems.push(...found);
      if (k.inFlight !== undefined) {
        totals.inFlightAtKill++;
        if (gen === k.inFlight) totals.inFlightLanded++;
      }
      // What is there now is the new truth; an in-flight generation that did not land never will.
      k.stored = gen;
      k.inFlight = undefined;
    });
  } finally {
    s3.destroy();
  }
  return problems;
}

async function verifyKey(
  server: ChildServer,
  s3: S3Client,
  k: KeyState,
  listing: { size: number; etag: string } | undefined,
): Promise<{ gen: number | undefined; problems: string[] }> {
  const problems: string[] = [];
  const candidates: { gen: number; why: string }[] = [];
  if (k.stored !== undefined) candidates.push({ gen: k.stored, why: 'last acknowledged' });
  if (k.inFlight !== undefined) candidates.push({ gen: k.inFlight, why: 'in flight at the kill' });
  const allowed = [
    ...candidates.map((c) => `g${c.gen} (${c.why}, ${k.sizes.get(c.gen)} B)`),
    ...(k.stored === undefined ? ['absent (never acknowledged)'] : []),
  ].join(' or ');
  const got = await send(server, 'GET', objectPath(k.key));
  let head: { size: number; etag: string; gen: string | undefined } | undefined;
  try {
    const h = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: k.key }));
    head = { size: h.ContentLength!, etag: h.ETag!, gen: h.Metadata?.gen };
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
  }
  if (candidates.length === 0) {
    // Never written: must not exist in any view.
    if (got.status !== 404 || head || listing) problems.push(`${k.key}: never written, yet GET ${got.status}`);
    return { gen: undefined, problems };
  }
  if (got.status === 404) {
    if (k.stored !== undefined) problems.push(`${k.key}: GET 404, but it must be ${allowed}`);
    if (head) problems.push(`${k.key}: GET says 404 but HEAD finds ${head.size} B (gen ${head.gen})`);
    if (listing) problems.push(`${k.key}: GET says 404 but the listing shows ${listing.size} B`);
    return { gen: undefined, problems };
  }
  if (got.status !== 200) {
    problems.push(`${k.key}: GET ${got.status} ${got.body.toString('utf8').slice(0, 200)}`);
    return { gen: k.stored, problems };
  }
  // Two generations can have the same bytes (both empty, say): the one the metadata names, if its body matches.
  const matching = candidates.filter((c) => got.body.equals(expectedBody(k, c.gen)));
  const matched = matching.find((c) => String(c.gen) === got.headers['x-amz-meta-gen']) ?? matching[0];
  if (!matched) {
    problems.push(
      `${k.key}: body of ${got.body.length} B is none of ${allowed}: ${describeBody(k, got.body, candidates)}`,
    );
    return { gen: k.stored, problems };
  }
  const gen = matched.gen;
  const etag = `"${md5Hex(got.body)}"`;
  const where = `${k.key} g${gen} (${matched.why}, ${got.body.length} B)`;
  if (got.headers.etag !== etag) problems.push(`${where}: GET ETag ${got.headers.etag}, body MD5 ${etag}`);
  if (got.headers['x-amz-meta-gen'] !== String(gen)) {
    problems.push(`${where}: GET x-amz-meta-gen ${got.headers['x-amz-meta-gen']}: metadata and body disagree`);
  }
  if (!head) problems.push(`${where}: GET serves it but HEAD says 404`);
  else {
    if (head.gen !== String(gen)) problems.push(`${where}: HEAD x-amz-meta-gen is ${head.gen}`);
    if (head.size !== got.body.length) problems.push(`${where}: HEAD Content-Length ${head.size}`);
    if (head.etag !== etag) problems.push(`${where}: HEAD ETag ${head.etag}, expected ${etag}`);
  }
  if (!listing) problems.push(`${where}: missing from ListObjectsV2`);
  else if (listing.size !== got.body.length || listing.etag !== etag) {
    problems.push(`${where}: listing says ${listing.size} B ${listing.etag}, HEAD/GET ${got.body.length} B ${etag}`);
  }
  return { gen, problems };
}

function expectedBody(k: KeyState, gen: number): Buffer {
  return bodyBytes(k.key, gen, 0, k.sizes.get(gen)!);
}

/** For a body that matches nothing: where it first departs from each candidate, and what it holds there. */
function describeBody(k: KeyState, body: Buffer, candidates: { gen: number }[]): string {
  return candidates
    .map(({ gen }) => {
      const expected = expectedBody(k, gen);
      let at = 0;
      while (at < body.length && at < expected.length && body[at] === expected[at]) at++;
      const line = Math.floor(at / LINE_BYTES) * LINE_BYTES;
      const seen = body
        .subarray(line, line + LINE_BYTES - 1)
        .toString('latin1')
        .replace(/[^\x20-\x7e]/g, '?')
        .replace(/\.+$/, '…');
      return `vs g${gen} (${expected.length} B) it differs from byte ${at}, where the line reads "${seen}"`;
    })
    .join('; ');
}

// ---- one trial --------------------------------------------------------------------------------------

type KillMode = 'timer' | 'mid-body' | 'after-acks';

/** Runs PUTs and overwrites until the server is killed, per the trial's kill mode; returns what went wrong. */
/** The write load of a trial: how many PUTs at once, their sizes, and how the kill may come. */
interface Load {
  workers: number;
  pickSize: (random: () => number) => number;
  modes: readonly KillMode[];
}

const MIXED_LOAD: Load = { workers: WORKERS, pickSize, modes: ['timer', 'mid-body', 'after-acks'] };

async function writeUntilKilled(
  server: ChildServer,
  keys: KeyState[],
  random: () => number,
  totals: Totals,
  load: Load = MIXED_LOAD,
): Promise<{ killedBy: string; problems: string[] }> {
  const problems: string[] = [];
  const mode: KillMode = load.modes[Math.floor(random() * load.modes.length)]!;
  totals.kills[mode]++;
  let killedBy = '';
  const kill = (why: string) => {
    if (killedBy !== '') return;
    killedBy = why;
    server.child.kill('SIGKILL');
  };
  const delayMs = Math.floor(random() * 400);
  const ackTarget = 1 + Math.floor(random() * 40);
  const midBodyFraction = 0.05 + random() * 0.9;
  const timer = setTimeout(
    () => kill(mode === 'timer' ? `timer, ${delayMs} ms` : `fallback timer, ${FALLBACK_KILL_MS} ms`),
    mode === 'timer' ? delayMs : FALLBACK_KILL_MS,
  );
  let acks = 0;
  const worker = async (w: number) => {
    for (let n = 0; killedBy === ''; n++) {
      const idle = keys.filter((k) => !k.busy);
      const k = idle[Math.floor(random() * idle.length)]!;
      const gen = k.nextGen++;
      // In mid-body mode worker 0 opens with a large body, and the kill lands part-way through it.
      const midBody = mode === 'mid-body' && w === 0 && n === 0;
      const size = midBody ? largeSize(random) : load.pickSize(random);
      const onSent = midBody
        ? (bytes: number) => {
            if (killedBy !== '' || bytes < size * midBodyFraction || bytes === size) return;
            totals.midBodyKills++;
            kill(`mid-body, ${bytes} of ${size} B of ${k.key} g${gen} sent`);
          }
        : undefined;
      k.sizes.set(gen, size);
      k.inFlight = gen;
      k.busy = true;
      totals.puts++;
      try {
        const reply = await send(server, 'PUT', objectPath(k.key), {
          headers: { 'content-length': size, 'content-type': 'text/plain', 'x-amz-meta-gen': gen },
          chunks: bodyChunks(k.key, gen, size, onSent),
        });
        if (reply.status !== 200) {
          problems.push(
            `PUT ${k.key} g${gen} (${size} B): HTTP ${reply.status} ${reply.body.toString().slice(0, 300)}`,
          );
          return;
        }
        // The server answers only after the commit: from here on this generation must survive.
        k.stored = gen;
        k.inFlight = undefined;
        totals.acked++;
        totals.bytesAcked += size;
        if (mode === 'after-acks' && ++acks === ackTarget) kill(`after ${ackTarget} acknowledged PUTs`);
      } catch (err) {
        if (killedBy === '') problems.push(`PUT ${k.key} g${gen} (${size} B) failed before any kill: ${err}`);
        return;
      } finally {
        k.busy = false;
      }
    }
  };
  await Promise.all(Array.from({ length: load.workers }, (_, w) => worker(w)));
  clearTimeout(timer);
  kill('end of trial');
  await killChild(server);
  for (const text of server.logs) {
    const line = JSON.parse(text) as { level: number; msg: string };
    if (line.level >= 50) problems.push(`server logged ${line.msg}: ${JSON.stringify(line).slice(0, 500)}`);
  }
  return { killedBy, problems };
}

/** Keys no trial has written yet, named by `name`. */
function newKeys(count: number, name: (i: number) => string): KeyState[] {
  return Array.from({ length: count }, (_, i) => ({ key: name(i), nextGen: 1, sizes: new Map(), busy: false }));
}

function newTotals(): Totals {
  return {
    puts: 0,
    acked: 0,
    inFlightAtKill: 0,
    inFlightLanded: 0,
    midBodyKills: 0,
    kills: { timer: 0, 'mid-body': 0, 'after-acks': 0 },
    recoveredBlobs: 0,
    bytesAcked: 0,
  };
}

// ---- the tests --------------------------------------------------------------------------------------

describe('SIGKILL during PUTs and overwrites', () => {
  let dataDir: string;
  let server: ChildServer | undefined;
  const random = seededRandom(SEED);
  const keys = newKeys(KEY_COUNT, (i) => `crash/obj${String(i).padStart(2, '0')}`);
  const totals = newTotals();

  beforeAll(async () => {
    await fs.access(CLI).catch(() => {
      throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does) before this test`);
    });
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-crash-'));
    server = await startChild(dataDir);
    const created = await send(server, 'PUT', `/${BUCKET}`, { headers: { 'content-length': 0 } });
    expect(created.status, created.body.toString()).toBe(200);
  });

  afterAll(async () => {
    if (server) await killChild(server);
    if (process.env.COFFER_CRASH_KEEP !== '1') await fs.rm(dataDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged write across ${TRIALS} kills, with nothing torn and no orphans`, async () => {
    const startedMs = performance.now();
    for (let trial = 1; trial <= TRIALS; trial++) {
      const context = (what: string) => `trial ${trial}/${TRIALS}, seed ${SEED}, data ${dataDir}: ${what}`;
      const { killedBy, problems } = await writeUntilKilled(server!, keys, random, totals);
      expect(problems, context(`writing (killed: ${killedBy})`)).toEqual([]);
      const crashed = await readStore(dataDir);
      expect(crashedStoreProblems(crashed), context(`store right after the kill (${killedBy})`)).toEqual([]);

      server = await startChild(dataDir);
      for (const text of server.logs) {
        const line = JSON.parse(text) as { blobs?: unknown };
        if (typeof line.blobs === 'number') totals.recoveredBlobs += line.blobs;
      }
      const recovered = await readStore(dataDir);
      expect(recoveredStoreProblems(recovered), context(`store after restart (killed: ${killedBy})`)).toEqual([]);
      const reads = await verifyObjects(server, keys, totals);
      expect(reads, context(`reading back after restart (killed: ${killedBy})`)).toEqual([]);
    }
    const seconds = (performance.now() - startedMs) / 1000;
    console.log(
      `crash test: ${TRIALS} SIGKILL/restart trials in ${seconds.toFixed(1)} s (seed ${SEED}): ` +
        `${totals.puts} PUTs, ${totals.acked} acknowledged (${(totals.bytesAcked / MIB).toFixed(0)} MiB), ` +
        `${totals.inFlightAtKill} in flight at a kill (${totals.inFlightLanded} landed), ` +
        `kill modes ${JSON.stringify(totals.kills)} (${totals.midBodyKills} landed mid-body), ` +
        `${totals.recoveredBlobs} blob(s) removed by recovery`,
    );
    expect(totals.acked).toBeGreaterThan(TRIALS);
  }, 300_000);

  it('after a GC pass, the blob files are exactly the referenced blobs', async () => {
    // The GC worker runs every 5 s; with COFFER_GC_GRACE_MS=0 its first pass deletes the whole queue.
    const deadline = performance.now() + 15_000;
    let state = await readStore(dataDir);
    const queued = state.gcQueue.size;
    expect(queued, 'overwrites queued replaced blobs for GC').toBeGreaterThan(0);
    while (state.gcQueue.size > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      state = await readStore(dataDir);
    }
    expect([...state.gcQueue], 'gc_queue after 15 s of GC passes').toEqual([]);
    // Once more, now that no pass has anything left to delete (one may have been deleting during the last read).
    state = await readStore(dataDir);
    expect(recoveredStoreProblems(state), `store after GC (data ${dataDir})`).toEqual([]);
    expect(
      [...state.files.keys(), ...state.inline.keys()].sort(),
      'blob files and inline bodies after GC vs the blobs table',
    ).toEqual([...state.blobs.keys()].sort());
    expect(state.inline.size, 'small objects are stored inline').toBeGreaterThan(0);
    console.log(
      `GC: ${queued} queued blob(s) deleted; ${state.files.size} blob files and ${state.inline.size} inline bodies left, all referenced`,
    );
    const reads = await verifyObjects(server!, keys, totals);
    expect(reads, `reading back after GC (seed ${SEED}, data ${dataDir})`).toEqual([]);
  }, 30_000);
});

/**
 * Small objects at the speed of the disk (issue 17) rest on one promise: a 4 KiB PUT, acknowledged
 * once its group commit's WAL fsync is done, survives a crash although no file of its own was ever
 * written or fsynced. Many PUTs at once (c=32), all 4 KiB, all inline, killed at random moments.
 */
describe('SIGKILL during a 4 KiB PUT load at c=32 (inline bodies, fsync on)', () => {
  const SMALL_TRIALS = Number(process.env.COFFER_CRASH_SMALL_TRIALS ?? 12);
  const SMALL_LOAD: Load = { workers: 32, pickSize: () => 4096, modes: ['timer', 'after-acks'] };
  let dataDir: string;
  let server: ChildServer | undefined;
  const random = seededRandom(SEED ^ 0x5a5a5a5a);
  // More keys than writers, so each writer finds an idle key at once.
  const keys = newKeys(128, (i) => `small/obj${String(i).padStart(3, '0')}`);
  const totals = newTotals();

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-crash-small-'));
    server = await startChild(dataDir, SMALL_LOAD.workers);
    const created = await send(server, 'PUT', `/${BUCKET}`, { headers: { 'content-length': 0 } });
    expect(created.status, created.body.toString()).toBe(200);
  });

  afterAll(async () => {
    if (server) await killChild(server);
    if (process.env.COFFER_CRASH_KEEP !== '1') await fs.rm(dataDir, { recursive: true, force: true });
  });

  it(`loses no acknowledged 4 KiB PUT across ${SMALL_TRIALS} kills; no file is written for any of them`, async () => {
    for (let trial = 1; trial <= SMALL_TRIALS; trial++) {
      const context = (what: string) => `trial ${trial}/${SMALL_TRIALS}, seed ${SEED}, data ${dataDir}: ${what}`;
      const { killedBy, problems } = await writeUntilKilled(server!, keys, random, totals, SMALL_LOAD);
      expect(problems, context(`writing (killed: ${killedBy})`)).toEqual([]);
      const crashed = await readStore(dataDir);
      expect(crashedStoreProblems(crashed), context(`store right after the kill (${killedBy})`)).toEqual([]);
      expect(crashed.files.size, context('4 KiB objects have no blob files')).toBe(0);
      expect(crashed.pending.size, context('4 KiB PUTs record no intents')).toBe(0);
      server = await startChild(dataDir, SMALL_LOAD.workers);
      const recovered = await readStore(dataDir);
      expect(recoveredStoreProblems(recovered), context(`store after restart (killed: ${killedBy})`)).toEqual([]);
      const reads = await verifyObjects(server, keys, totals);
      expect(reads, context(`reading back after restart (killed: ${killedBy})`)).toEqual([]);
    }
    console.log(
      `crash test, 4 KiB at c=32: ${SMALL_TRIALS} SIGKILL/restart trials (seed ${SEED}): ` +
        `${totals.puts} PUTs, ${totals.acked} acknowledged, ${totals.inFlightAtKill} in flight at a kill ` +
        `(${totals.inFlightLanded} landed), kill modes ${JSON.stringify(totals.kills)}`,
    );
    expect(totals.acked).toBeGreaterThan(SMALL_TRIALS * 10);
  }, 300_000);
});
