// CPU per small request, piece by piece (issue 17): what a 4 KiB GET or PUT pays besides its bytes, measured for
// the build in packages/server/dist against an earlier build of the same package, in the same process, rounds
// alternating (so that noise from other work on the machine falls on both alike).
//
//   npm run build
//   git stash && npx tsc -b && cp -r packages/server/dist .bench/before/server-dist \
//     && cp -r packages/protocol/dist .bench/before/protocol-dist && git stash pop && npx tsc -b
//   node bench/micro/small-request.js [--before .bench/before/server-dist] [--before-protocol .bench/before/protocol-dist]
//     [--ops 100000] [--rounds 3]
//
// Pieces (each run `ops` times; best round of CPU µs per call, user + system):
//   authenticate   SigV4 header verification of a signed GET, as the load generator signs it
//   toVersion      a version row (4 KiB inline object) mapped to the store's record, on every GET/HEAD/PUT
//   meta hit       a cached bucket-config read through the store wrappers, as authorization makes 4–5 a request:
//                  timed outside the cache (before) or inside it (after)
//   bucketAccess   what authorization reads of a bucket (record, ACL, policy, block, ownership), from a store
//                  answering at once
//   authorize      the dispatcher's authorization of that GET by the bucket owner's root key
//                  (authorizeRequest with a request context holding what it reads; the bucket access given)
//   metrics        request accounting per request (start + finish), for scale
//   signal         the request's abort signal as the dispatcher sets it up: an AbortController per request
//                  (before) or a closure making one on first use, which a GET never makes (after; a copy of
//                  the pattern in http/dispatch.ts, not the build's own code)
//   canonical      SigV4's canonical request and string to sign for that GET (@coffer/protocol, whose build
//                  before is --before-protocol: the server builds above both import the current protocol, so
//                  `authenticate` does not show changes made there)
//   getObject      the SQLite store's read of a 4 KiB inline object (version row and body), as a small GET does
//   put headers    what a PUT reads of its request headers (readObjectAttributes, readCustomerKey,
//                  readBodyExpectations) for a 4 KiB PUT signed as the load generator signs it: ~80 header
//                  lookups, nearly all of absent x-amz-/x-cos- names
// Without --before only the current build is measured.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeSigner } from '../lib/sign.js';

const { values } = parseArgs({
  options: {
    before: { type: 'string', default: '.bench/before/server-dist' },
    'before-protocol': { type: 'string', default: '.bench/before/protocol-dist' },
    ops: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
  },
});
const ROOT = path.resolve(import.meta.dirname, '../..');
const ops = Number(values.ops);
const rounds = Number(values.rounds);

async function load(dist) {
  const url = (p) => new URL(`file://${path.resolve(ROOT, dist, p)}`).href;
  return {
    authenticate: (await import(url('auth/index.js'))).authenticate,
    toVersion: (await import(url('stores/sqlite/rows.js'))).toVersion,
    Metrics: (await import(url('http-kit/metrics.js'))).Metrics,
    withBucketCache: (await import(url('stores/cached-meta-store.js'))).withBucketCache,
    bucketAccess: (await import(url('engine/access.js'))).bucketAccess,
    authorizeRequest: (await import(url('http-kit/authorize-request.js'))).authorizeRequest,
    SqliteMetaStore: (await import(url('stores/sqlite/sqlite-meta-store.js'))).SqliteMetaStore,
    RequestContext: (await import(url('http-kit/request-context.js'))).RequestContext,
    objectHeaders: await import(url('api/object-headers.js')),
    readCustomerKey: (await import(url('api/sse-headers.js'))).readCustomerKey,
  };
}

const protocolOf = async (dir) => import(new URL(`file://${path.resolve(ROOT, dir, 'index.js')}`).href);
const builds = {
  after: { ...(await load('packages/server/dist')), protocol: await protocolOf('packages/protocol/dist') },
};
const beforeDir = path.resolve(ROOT, values.before);
const beforeProtocol = path.resolve(ROOT, values['before-protocol']);
if (existsSync(beforeDir)) {
  builds.before = await load(beforeDir);
  builds.before.protocol = await protocolOf(existsSync(beforeProtocol) ? beforeProtocol : 'packages/protocol/dist');
} else console.log(`no ${values.before}: measuring the current build only`);

// A GET signed as bench/lib/sign.js signs it (SigV4, UNSIGNED-PAYLOAD), headers as node's parser hands them over.
const credentials = { accessKeyId: 'AKIDBENCH', secretKey: 'bench-secret' };
const sign = makeSigner({ scheme: 'sigv4', credentials, region: 'ap-guangzhou' });
const rawPath = '/bench-1250000000/obj-000123';
const signed = sign({
  method: 'GET',
  path: rawPath,
  query: '',
  headers: { host: '127.0.0.1:9000', 'user-agent': 'bench', accept: '*/*' },
});
const headers = { connection: 'keep-alive' };
for (const [name, value] of Object.entries(signed)) headers[name.toLowerCase()] = value;
// A 4 KiB PUT as the load generator signs it.
const putHeaders = { connection: 'keep-alive' };
for (const [name, value] of Object.entries(
  sign({
    method: 'PUT',
    path: rawPath,
    query: '',
    headers: { host: '127.0.0.1:9000', 'user-agent': 'bench', 'content-length': '4096' },
  }),
))
  putHeaders[name.toLowerCase()] = value;
const principal = { appId: '1250000000', ownerUin: '100000000001', uin: '100000000001', isRoot: true };
const authContext = {
  region: 'ap-guangzhou',
  nowMs: () => Date.now(),
  lookupCredential: async (id) => ({ accessKeyId: id, secretKey: credentials.secretKey, principal }),
};
const signedHeaders = /SignedHeaders=([^,]+)/.exec(headers.authorization)[1].split(';');
const scope = /Credential=[^/]+\/([^,]+)/.exec(headers.authorization)[1];
const benchCrypto = {
  hmac: (alg, key, data) => createHmac(alg, key).update(data).digest(),
  hash: (alg, data) => createHash(alg).update(data).digest(),
};
const request = { method: 'GET', rawPath, rawQuery: '', headers, pathStyleBucket: 'bench-1250000000' };

const row = {
  id: 1,
  bucket_id: 1,
  key: 'obj-000123',
  seq: 5,
  version_id: 'AAAAAAAAAAUabcdefgh',
  is_latest: 1,
  is_delete_marker: 0,
  size: 4096,
  etag: '0123456789abcdef0123456789abcdef',
  crc64: '12345678901234567',
  last_modified_ms: Date.now(),
  storage_class: 'STANDARD',
  object_type: 'normal',
  owner_id: 'qcs::cam::uin/100000000001:uin/100000000001',
  content_headers: '{"content-type":"application/octet-stream"}',
  user_meta: '{}',
  checksums: '{}',
  tagging: null,
  acl: null,
  manifest: '0123456789abcdef0123456789abcdef:0:4096:i',
  part_sizes: null,
  part_checksums: null,
  sse: null,
  lock_mode: null,
  lock_until_ms: null,
  legal_hold: null,
  restored_until_ms: null,
};

/** A store whose only methods are the two authorization reads, answered at once. */
const bareStore = {
  async getBucket() {
    return { id: 1, name: 'bench-1250000000', ownerId: row.owner_id };
  },
  async getBucketConfig() {
    return undefined;
  },
};

const scratch = mkdtempSync(path.join(tmpdir(), 'coffer-small-request-'));
const stores = [];
/** Where pieces leave what they make, so that it is not optimized away. */
let sink;

/** A SQLite store holding one 4 KiB inline object, as a small PUT leaves it. */
async function inlineObjectStore(build, name) {
  const store = new build.SqliteMetaStore({ filename: path.join(scratch, `${name}.db`), fsync: false });
  stores.push(store);
  const bucket = await store.createBucket({
    name: 'bench-1250000000',
    ownerId: row.owner_id,
    region: 'r',
    createdMs: 1,
  });
  const body = randomBytes(4096);
  const blobId = randomBytes(16).toString('hex');
  await store.commitObject({
    bucketId: bucket.id,
    key: 'obj-000123',
    newBlobs: [{ id: blobId, size: body.length, body }],
    version: {
      isDeleteMarker: false,
      size: body.length,
      etag: row.etag,
      lastModifiedMs: Date.now(),
      storageClass: 'STANDARD',
      objectType: 'normal',
      ownerId: row.owner_id,
      contentHeaders: { 'content-type': 'application/octet-stream' },
      userMeta: {},
      checksums: {},
      manifest: [{ blobId, offset: 0, length: body.length, inline: true }],
    },
  });
  return { store, bucketId: bucket.id };
}

async function pieces(build, name) {
  const inline = await inlineObjectStore(build, name);
  const metrics = new build.Metrics({ processMetrics: false });
  // The store timed below the bucket cache, as the server composes them (both builds since the second pass).
  const meta = build.withBucketCache(metrics.timeStore(bareStore));
  const access = await build.bucketAccess({ meta: bareStore }, 'bench-1250000000');
  const caller = { id: row.owner_id, accountUin: '100000000001', isRoot: true, userPolicies: [] };
  const registry = { refresh: async () => {}, byUin: () => undefined };
  const authzContext = () => ({
    caller,
    address: { style: 'path', bucket: 'bench-1250000000', key: 'obj-000123', internal: false },
    bucketAccessCache: new Map(),
    engine: { bucketAccess: async () => access, nowMs: () => Date.now() },
    appIdOf: () => '1250000000',
    accounts: { registry },
    param: () => undefined,
    header: () => undefined,
  });
  const putContext = new build.RequestContext({
    req: { method: 'PUT', headers: putHeaders },
    res: {},
    requestId: 'r1',
    startMs: 0,
    rawPath,
    rawQuery: '',
    address: { style: 'path', bucket: 'bench-1250000000', key: 'obj-000123', internal: false },
    engine: {},
    config: {},
    log: {},
    signal: () => new AbortController().signal,
    metrics,
    appIdOf: () => '1250000000',
    accounts: {},
  });
  putContext.auth = { kind: 'sigv4' };
  putContext.actor = { ownerId: row.owner_id };
  return {
    authenticate: async () => {
      const auth = await build.authenticate(request, authContext);
      if (auth.kind !== 'sigv4') throw new Error('not verified');
    },
    toVersion: () => build.toVersion(row),
    'meta hit': () => meta.getBucketConfig(1, 'acl'),
    bucketAccess: () => build.bucketAccess({ meta: bareStore }, 'bench-1250000000'),
    authorize: () => build.authorizeRequest(authzContext(), 'GetObject'),
    metrics: () => {
      metrics.start();
      metrics.finish('GetObject', 200, performance.now(), 0, 4096);
    },
    signal:
      name === 'before'
        ? () => {
            const controller = new AbortController();
            sink = controller.signal;
          }
        : () => {
            let controller;
            sink = () => (controller ??= new AbortController()).signal;
          },
    canonical: () => {
      const p = build.protocol;
      const canonicalRequest = p.sigV4CanonicalRequest({
        method: 'GET',
        canonicalUri: p.sigV4CanonicalUri(rawPath),
        canonicalQuery: p.sigV4CanonicalQuery([], { excludeSignature: false }),
        canonicalHeaders: p.sigV4CanonicalHeaders(headers, signedHeaders),
        signedHeaders,
        payloadHash: p.UNSIGNED_PAYLOAD,
      });
      sink = p.sigV4StringToSign(benchCrypto, headers['x-amz-date'], scope, canonicalRequest);
    },
    'put headers': async () => {
      const attributes = await build.objectHeaders.readObjectAttributes(putContext);
      if (build.readCustomerKey(putContext) !== undefined || attributes.acl === undefined) throw new Error('no ACL');
      sink = build.objectHeaders.readBodyExpectations(putContext);
    },
    getObject: async () => {
      const version = await inline.store.getObject(inline.bucketId, 'obj-000123');
      if (version.manifest[0].body?.length !== 4096) throw new Error('no inline body');
    },
  };
}

async function measure(fn) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < ops; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / ops;
}

const sets = {};
for (const name of Object.keys(builds)) sets[name] = await pieces(builds[name], name);
const names = Object.keys(sets.after);
const best = {};
for (const build of Object.keys(sets)) for (const piece of names) await measure(sets[build][piece]); // warm-up
for (let round = 0; round < rounds; round++) {
  for (const piece of names) {
    // Which build goes first alternates by round, so that neither always runs on a warmer cache.
    const order = round % 2 === 0 ? Object.keys(sets) : Object.keys(sets).reverse();
    for (const build of order) {
      const us = await measure(sets[build][piece]);
      const key = `${piece}\n${build}`;
      best[key] = Math.min(best[key] ?? Number.POSITIVE_INFINITY, us);
    }
  }
}
console.log(`CPU µs per call, best of ${rounds} rounds of ${ops}`);
console.log(`${'piece'.padEnd(14)} ${'before'.padStart(8)} ${'after'.padStart(8)} ${'ratio'.padStart(7)}`);
for (const piece of names) {
  const before = best[`${piece}\nbefore`];
  const after = best[`${piece}\nafter`];
  const fmt = (v) => (v === undefined ? 'n/a' : v.toFixed(2)).padStart(8);
  const ratio = before === undefined ? 'n/a' : `${(before / after).toFixed(2)}×`;
  console.log(`${piece.padEnd(14)} ${fmt(before)} ${fmt(after)} ${ratio.padStart(7)}`);
}
for (const store of stores) await store.close();
rmSync(scratch, { recursive: true, force: true });
if (sink === undefined) throw new Error('nothing measured');
