// Bucket notifications under load (docs/notifications.md): 4 KiB PUT throughput into a bucket that notifies a
// webhook, one that notifies NATS JetStream, and one with no notifications, on one server in one run (rounds
// interleaved, so noise from other work falls on all three alike), and the delivery latency (eventTime to
// arrival) of every event while the load runs. Goal: with notifications ≥ 0.85× of none.
//
//   npm run build && node bench/notifications.js [--seconds 5] [--rounds 3] [--concurrency 32] [--nats nats://127.0.0.1:4222]
//
// The webhook receiver runs in this process; the NATS side subscribes (core NATS) to the subject the server's
// JetStream publishes on. Latency is measured on one machine's clock (the server's eventTime has millisecond
// precision).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect, StringCodec } from 'nats';
import { CREDENTIALS, call, REGION, startChildServer } from './lib/child-server.js';
import { createClient } from './lib/http-client.js';
import { round, runLoad } from './lib/load.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const run = randomBytes(3).toString('hex');
const subject = `coffer.bench.${run}`;
const stream = `COFFER_BENCH_${run}`;

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const latencies = { webhook: [], nats: [] };
const received = { webhook: 0, nats: 0 };
const arrival = (kind, payload) => {
  const now = Date.now();
  for (const record of JSON.parse(payload).Records) latencies[kind].push(now - Date.parse(record.eventTime));
  received[kind]++;
};

const hook = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    arrival('webhook', Buffer.concat(chunks).toString());
    res.writeHead(204).end();
  });
});
await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
const hookUrl = `http://127.0.0.1:${hook.address().port}/`;

const natsUrl = new URL(values.nats);
const nc = await connect({ servers: `${natsUrl.hostname}:${natsUrl.port || 4222}` });
const sc = StringCodec();
const sub = nc.subscribe(subject);
(async () => {
  for await (const m of sub) arrival('nats', sc.decode(m.data));
})();

const dataDir = await mkdtemp(path.join(tmpdir(), 'coffer-bench-notify-'));
const server = await startChildServer(dataDir, {
  COFFER_LOG_LEVEL: 'warn',
  COFFER_NOTIFY_WEBHOOK_bench: hookUrl,
  COFFER_NOTIFY_NATS_bench: values.nats,
  COFFER_NOTIFY_NATS_bench_SUBJECT: subject,
  COFFER_NOTIFY_NATS_bench_STREAM: stream,
});

const buckets = { none: `none${run}-1250000000`, webhook: `hook${run}-1250000000`, nats: `nats${run}-1250000000` };
for (const [kind, bucket] of Object.entries(buckets)) {
  await call(server, { method: 'PUT', path: `/${bucket}` });
  if (kind === 'none') continue;
  const arn = kind === 'webhook' ? 'arn:coffer:sqs::bench:webhook' : 'arn:coffer:sqs::bench:nats';
  const body = `<NotificationConfiguration><QueueConfiguration><Queue>${arn}</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`;
  await call(server, {
    method: 'PUT',
    path: `/${bucket}`,
    query: { notification: '' },
    headers: { 'content-length': String(Buffer.byteLength(body)) },
    body: (await import('node:stream')).Readable.from([Buffer.from(body)]),
  });
}

const totals = { none: { ops: 0, s: 0 }, webhook: { ops: 0, s: 0 }, nats: { ops: 0, s: 0 } };
const target = (bucket) => ({
  name: 'coffer',
  host: server.host,
  port: server.port,
  bucket,
  auth: 'sigv4',
  credentials: CREDENTIALS,
  region: REGION,
});
for (let r = 0; r < rounds; r++) {
  // The order rotates each round, so a drift in the machine's load favours no row.
  const kinds = ['none', 'webhook', 'nats'];
  for (const kind of [...kinds.slice(r % 3), ...kinds.slice(0, r % 3)]) {
    const client = createClient(target(buckets[kind]), { concurrency });
    const result = await runLoad(client, {
      mode: 'put',
      sizeBytes: 4096,
      concurrency,
      durationMs: seconds * 1000,
      keyPrefix: `r${r}/`,
    });
    totals[kind].ops += result.ops;
    totals[kind].s += result.seconds ?? seconds;
    console.log(`round ${r + 1} ${kind.padEnd(8)} ${result.opsPerSec} PUT/s`);
  }
}
// Let the last events arrive.
const expected = { webhook: totals.webhook.ops, nats: totals.nats.ops };
const deadline = Date.now() + 30_000;
while (Date.now() < deadline && (received.webhook < expected.webhook || received.nats < expected.nats)) {
  await new Promise((r) => setTimeout(r, 100));
}

const rate = (k) => totals[k].ops / totals[k].s;
const rows = ['none', 'webhook', 'nats'].map((kind) => {
  const sorted = kind === 'none' ? [] : latencies[kind].slice().sort((a, b) => a - b);
  return {
    row: `put-4k-notify-${kind}`,
    putPerSec: round(rate(kind), 1),
    ratioToNone: round(rate(kind) / rate('none'), 3),
    ...(kind === 'none'
      ? {}
      : {
          eventsExpected: expected[kind],
          eventsReceived: received[kind],
          deliveryP50Ms: percentile(sorted, 0.5),
          deliveryP99Ms: percentile(sorted, 0.99),
          goal: rate(kind) / rate('none') >= 0.85 ? 'PASS (≥ 0.85× none)' : 'MISS (< 0.85× none)',
        }),
  };
});
console.table(rows);
for (const row of rows) console.log(JSON.stringify(row));

await server.stop();
await nc.close();
hook.close();
await rm(dataDir, { recursive: true, force: true });
