// The load generator on its own: one mode against one target, printed as a table and as one JSON line per row.
//
//   npx tsc -b && node bench/load.js --mode get --size 4KiB --concurrency 32 --duration 5s [--target coffer]
//
//   --target       coffer | ceiling | s3rver (started as a child on a fresh data directory, stopped at the end;
//                  repeat the flag or use commas for several, run one after another; default coffer), or
//   --url          an already running server (with --bucket; credentials from --access-key / --secret-key, default
//                  the bench key of bench/lib/child-server.js)
//   --bucket       bucket to use (created when missing; default bench-1250000000)
//   --mode         put | get | head | list | delete | multipart | mixed (default put)
//   --size         object size, e.g. 4KiB, 1MiB, 256MiB (default 4KiB)
//   --concurrency  workers, each with one request in flight (-c; default 1)
//   --duration     how long to issue requests, e.g. 500ms, 5s (default 5s), or
//   --count        how many operations (overrides the default duration; with both, whichever ends first)
//   --warmup       run the same mode this long first, unmeasured (default 0; not for delete)
//   --objects      objects written first for get/head/delete/list/mixed (default: enough to cycle through, ≤ 1 GiB)
//   --batch        delete: keys per request; 1 is DELETE, more is DeleteObjects (default 1)
//   --part-size    multipart: part size (default 8MiB; Coffer's minimum is 1 MiB)
//   --mix          mixed: op weights (default get=60,put=20,head=10,list=5,delete=5)
//   --list-prefix, --delimiter, --max-keys, --expect-entries: the list page (default prefix = the objects' prefix)
//   --auth         sigv4 | cos (Coffer; COS q-sign signs path-style without the bucket) (default sigv4)
//   --cpu-prof DIR run the started server under `node --cpu-prof`, profile written to DIR at exit
//   --coffer-node-args "FLAGS"  more node/V8 flags for a started Coffer (A/B a runtime setting against the ceiling)
//   --json         print only the JSON lines
//
// Every GET body is compared byte for byte with what was written (see bench/lib/body.js): a wrong or short body is
// an error, and only verified operations count towards ops/s and MiB/s.
import { parseArgs } from 'node:util';
import { createClient } from './lib/http-client.js';
import { formatSize, parseDuration, parseMix, parseSize, runLoad } from './lib/load.js';
import { loadTable } from './lib/report.js';
import { externalTarget, startTarget } from './lib/targets.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string', multiple: true },
    url: { type: 'string' },
    bucket: { type: 'string', default: 'bench-1250000000' },
    'access-key': { type: 'string' },
    'secret-key': { type: 'string' },
    mode: { type: 'string', default: 'put' },
    size: { type: 'string', default: '4KiB' },
    concurrency: { type: 'string', short: 'c', default: '1' },
    duration: { type: 'string' },
    count: { type: 'string' },
    warmup: { type: 'string', default: '0' },
    objects: { type: 'string' },
    batch: { type: 'string', default: '1' },
    'part-size': { type: 'string', default: '8MiB' },
    mix: { type: 'string', default: 'get=60,put=20,head=10,list=5,delete=5' },
    'list-prefix': { type: 'string' },
    delimiter: { type: 'string' },
    'max-keys': { type: 'string', default: '1000' },
    'expect-entries': { type: 'string' },
    auth: { type: 'string', default: 'sigv4' },
    'cpu-prof': { type: 'string' },
    'coffer-node-args': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const mode = values.mode;
const sizeBytes = parseSize(values.size);
const concurrency = Number(values.concurrency);
const count = values.count === undefined ? undefined : Number(values.count);
const durationMs =
  values.duration !== undefined ? parseDuration(values.duration) : count === undefined ? 5000 : undefined;
const warmupMs = parseDuration(values.warmup);
const batch = Number(values.batch);
const say = values.json ? () => {} : (line) => console.log(line);

/** How many objects to write before a mode that needs them. */
function objectsNeeded() {
  if (values.objects !== undefined) return Number(values.objects);
  if (mode === 'list') return 1000;
  if (mode === 'delete') return (count ?? 2000) * batch;
  if (mode === 'get' || mode === 'head' || mode === 'mixed') {
    return Math.max(concurrency, Math.min(1000, Math.floor(1024 ** 3 / Math.max(sizeBytes, 1))));
  }
  return 0;
}

async function runOne(target) {
  const client = createClient(target, { concurrency });
  try {
    const made = await client.send({ method: 'PUT', path: `/${target.bucket}` });
    if (made.status !== 200 && made.status !== 409) throw new Error(`create bucket: HTTP ${made.status}`);
    // Flat keys: s3rver removes a directory a delete empties, and races itself doing so under concurrency.
    const prefix = `load-${Date.now().toString(36)}-`;
    let keys = [];
    const needed = objectsNeeded();
    if (needed > 0) {
      const loaded = await runLoad(client, {
        mode: 'put',
        sizeBytes: mode === 'list' ? 0 : sizeBytes,
        concurrency,
        count: needed,
        keyPrefix: `${prefix}obj-`,
      });
      if (loaded.errors > 0) throw new Error(`writing ${needed} objects first: ${loaded.errorSamples.join('; ')}`);
      keys = loaded.keys;
      say(`${target.name}: wrote ${keys.length} objects of ${formatSize(sizeBytes)} first`);
    }
    const options = {
      mode,
      sizeBytes,
      concurrency,
      keys,
      batch,
      keyPrefix: `${prefix}new-`,
      partSizeBytes: parseSize(values['part-size']),
      mix: parseMix(values.mix),
      list: {
        prefix: values['list-prefix'] ?? `${prefix}obj-`,
        ...(values.delimiter !== undefined ? { delimiter: values.delimiter } : {}),
        maxKeys: Number(values['max-keys']),
        ...(values['expect-entries'] !== undefined
          ? { expectEntries: Number(values['expect-entries']) }
          : mode === 'list' && values['list-prefix'] === undefined
            ? { expectEntries: Math.min(keys.length, Number(values['max-keys'])) }
            : {}),
      },
    };
    if (warmupMs > 0 && mode !== 'delete') {
      await runLoad(client, { ...options, durationMs: warmupMs, keyPrefix: `${prefix}warm-` });
    }
    return await runLoad(client, { ...options, durationMs, count });
  } finally {
    client.close();
  }
}

const rows = [];
if (values.url !== undefined) {
  const target = externalTarget({
    url: values.url,
    bucket: values.bucket,
    auth: values.auth,
    ...(values['access-key'] !== undefined
      ? { credentials: { accessKeyId: values['access-key'], secretKey: values['secret-key'] ?? '' } }
      : {}),
  });
  rows.push(await runOne(target));
} else {
  for (const name of (values.target ?? ['coffer']).flatMap((t) => t.split(','))) {
    const target = await startTarget(name, {
      bucket: values.bucket,
      auth: values.auth,
      ...(values['cpu-prof'] !== undefined ? { cpuProfDir: values['cpu-prof'] } : {}),
      ...(name === 'coffer' && values['coffer-node-args'] ? { nodeArgs: values['coffer-node-args'].split(/\s+/) } : {}),
    });
    try {
      rows.push(await runOne(target));
    } finally {
      await target.stop();
    }
  }
}

say('');
for (const line of loadTable(rows, formatSize)) say(line);
for (const r of rows) if (r.errorSamples) say(`${r.target} errors: ${r.errorSamples.join('; ')}`);
say('');
for (const r of rows) console.log(JSON.stringify({ bench: 'load', ...r }));
if (rows.some((r) => r.errors > 0)) process.exitCode = 1;
