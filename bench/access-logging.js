// Issue 14's access logging bench row, in one run (about a minute):
//
//   npx tsc -b && node bench/access-logging.js [--rounds 6] [--duration 3s] [--concurrency 32] [--interval 2s]
//
// The cost of server access logging on 4 KiB PUT throughput: two Coffer servers side by side, the same build, one
// with logging on for the bucket under load (every request spooled, then delivered to a target bucket every 2 s, so
// deliveries run during the load) and one with it off, loaded in alternating rounds so that noise falls on both.
// The cost is the median over rounds of each round's on/off ratio (the two runs of a round are back to back, so
// slow drift of a shared machine cancels out), shown next to the plain medians. At the end every PUT must be in the
// delivered logs, once. Goal: access logging costs under 10%.
import { parseArgs } from 'node:util';
import { alternatingPutRounds, median, sendOk } from './lib/ab.js';
import { parseDuration } from './lib/load.js';
import { num, table } from './lib/report.js';
import { startTarget } from './lib/targets.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '3s' },
    concurrency: { type: 'string', default: '32' },
    /** How often the logging server delivers (COFFER_ACCESS_LOG_INTERVAL_MS): 2 s, so deliveries run during the load. */
    interval: { type: 'string', default: '2s' },
  },
});
const ROUNDS = Number(values.rounds);
const DURATION_MS = parseDuration(values.duration);
const CONCURRENCY = Number(values.concurrency);
const BUCKET = 'busy-1250000000';
const TARGET = 'logs-1250000000';
const ENV = {
  COFFER_LIFECYCLE_HOUR: '-1',
  COFFER_ACCESS_LOG_INTERVAL_MS: String(parseDuration(values.interval)),
  COFFER_INVENTORY_CHECK_MS: '0',
};

const send = (target, request, bucket = BUCKET) => sendOk(target, request, bucket);

const logging = await startTarget('coffer', { bucket: BUCKET, env: ENV });
const plain = await startTarget('coffer', { bucket: BUCKET, env: ENV });
for (const t of [logging, plain]) {
  await send(t, { method: 'PUT', path: `/${BUCKET}` });
  await send(t, { method: 'PUT', path: `/${TARGET}` }, TARGET);
}
const status = Buffer.from(
  `<BucketLoggingStatus><LoggingEnabled><TargetBucket>${TARGET}</TargetBucket><TargetPrefix>access/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`,
);
await send(logging, {
  method: 'PUT',
  path: `/${BUCKET}`,
  query: 'logging',
  body: status,
  headers: { 'content-length': String(status.length) },
});

const rounds = await alternatingPutRounds(
  { on: logging, off: plain },
  { bucket: BUCKET, rounds: ROUNDS, durationMs: DURATION_MS, concurrency: CONCURRENCY },
);
const puts = { on: rounds.on.map((r) => r.opsPerSec), off: rounds.off.map((r) => r.opsPerSec) };
const loggedPuts = rounds.on.reduce((n, r) => n + r.ops, 0);

// Every PUT is in the delivered logs, once.
const flushed = JSON.parse((await send(logging, { method: 'POST', path: '/-/admin/logging/flush' })).text);
if (flushed.backlog.records !== 0 || flushed.failed !== 0)
  throw new Error(`not all delivered: ${JSON.stringify(flushed)}`);
let delivered = 0;
let objects = 0;
let after = '';
for (;;) {
  const page = (
    await send(
      logging,
      {
        method: 'GET',
        path: `/${TARGET}`,
        query: `list-type=2&prefix=access%2F${after ? `&start-after=${encodeURIComponent(after)}` : ''}`,
      },
      TARGET,
    )
  ).text;
  const keys = [...page.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
  for (const key of keys) {
    const text = (await send(logging, { method: 'GET', path: `/${TARGET}/${key}` }, TARGET)).text;
    delivered += text.split('\n').filter((line) => line.includes(' REST.PUT.OBJECT ')).length;
    objects++;
  }
  if (!page.includes('<IsTruncated>true</IsTruncated>') || keys.length === 0) break;
  after = keys[keys.length - 1];
}
if (delivered !== loggedPuts) throw new Error(`${loggedPuts} PUTs, ${delivered} PUT records delivered`);
await logging.stop();
await plain.stop();

const onOps = median(puts.on);
const offOps = median(puts.off);
const ratios = puts.on.map((on, i) => on / puts.off[i]);
const ratio = median(ratios);
const cost = 1 - ratio;
const rows = [
  [`PUT 4 KiB c=${CONCURRENCY}, access logging on`, 'ops/s', num(onOps), puts.on.map((x) => num(x)).join(' / ')],
  [`PUT 4 KiB c=${CONCURRENCY}, logging off`, 'ops/s', num(offOps), puts.off.map((x) => num(x)).join(' / ')],
  ['ratio on / off, median of rounds', '×', num(ratio, 3), ratios.map((x) => num(x, 2)).join(' / ')],
  ['ratio of the medians', '×', num(onOps / offOps, 3), ''],
  ['cost of access logging', '%', num(cost * 100), cost < 0.1 ? 'goal < 10%: PASS' : 'goal < 10%: MISS'],
  ['records delivered', 'PUTs', delivered.toLocaleString('en'), `in ${objects} log objects, every PUT once`],
];
const columns = [
  { title: 'row', align: 'left' },
  { title: 'unit', align: 'left' },
  { title: 'value', align: 'right' },
  { title: 'notes', align: 'left' },
];
console.log(table(columns, rows).join('\n'));
console.log(
  JSON.stringify({
    bench: 'access-logging',
    putOpsLoggingOn: puts.on,
    putOpsLoggingOff: puts.off,
    ratios,
    ratio,
    accessLoggingCost: cost,
    recordsDelivered: delivered,
    logObjects: objects,
  }),
);
