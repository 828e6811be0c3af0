// CPU per small request, piece by piece (issue 17): what a 4 KiB GET or PUT pays besides its bytes, measured for
// the build in packages/server/dist against an earlier build of the same package, in the same process, rounds
// alternating (so that noise from other work on the machine falls on both alike).
//
//   npm run build
//   git stash && npx tsc -b && cp -r packages/server/dist .bench/before/server-dist && git stash pop && npx tsc -b
//   node bench/micro/small-request.js [--before .bench/before/server-dist] [--ops 100000] [--rounds 3]
//
// Pieces (each run `ops` times; best round of CPU µs per call, user + system):
//   authenticate   SigV4 header verification of a signed GET, as the load generator signs it
//   toVersion      a version row (4 KiB inline object) mapped to the store's record, on every GET/HEAD/PUT
//   meta hit       a cached bucket-config read through the store wrappers, as authorization makes 4–5 a request:
//                  timed outside the cache (before) or inside it (after)
//   metrics        request accounting per request (start + finish), for scale
// Without --before only the current build is measured.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeSigner } from '../lib/sign.js';

const { values } = parseArgs({
  options: {
    before: { type: 'string', default: '.bench/before/server-dist' },
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
  };
}

const builds = { after: await load('packages/server/dist') };
const beforeDir = path.resolve(ROOT, values.before);
if (existsSync(beforeDir)) builds.before = await load(beforeDir);
else console.log(`no ${values.before}: measuring the current build only`);

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
const principal = { appId: '1250000000', ownerUin: '100000000001', uin: '100000000001', isRoot: true };
const authContext = {
  region: 'ap-guangzhou',
  nowMs: () => Date.now(),
  lookupCredential: async (id) => ({ accessKeyId: id, secretKey: credentials.secretKey, principal }),
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
    return { id: 1, name: 'bench-1250000000' };
  },
  async getBucketConfig() {
    return undefined;
  },
};

function pieces(build, name) {
  const metrics = new build.Metrics({ processMetrics: false });
  // Before: metrics.timeStore(withBucketCache(store)); after: withBucketCache(metrics.timeStore(store)).
  const meta =
    name === 'before'
      ? metrics.timeStore(build.withBucketCache(bareStore))
      : build.withBucketCache(metrics.timeStore(bareStore));
  return {
    authenticate: async () => {
      const auth = await build.authenticate(request, authContext);
      if (auth.kind !== 'sigv4') throw new Error('not verified');
    },
    toVersion: () => build.toVersion(row),
    'meta hit': () => meta.getBucketConfig(1, 'acl'),
    metrics: () => {
      metrics.start();
      metrics.finish('GetObject', 200, performance.now(), 0, 4096);
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

const sets = Object.fromEntries(Object.keys(builds).map((name) => [name, pieces(builds[name], name)]));
const names = Object.keys(sets.after);
const best = {};
for (const build of Object.keys(sets)) for (const piece of names) await measure(sets[build][piece]); // warm-up
for (let round = 0; round < rounds; round++) {
  for (const piece of names) {
    for (const build of Object.keys(sets)) {
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
