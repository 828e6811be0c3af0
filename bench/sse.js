// Issue 16's bench row: the cost of encryption at rest on big objects. PUT and GET of a 256 MiB object (c=1,
// every GET body verified byte for byte) in the clear, with SSE-S3 (x-amz-server-side-encryption: AES256) and with
// SSE-KMS (aws:kms, a key of the local registry), against one Coffer server, in interleaved rounds so that noise
// falls on all three alike. Prints each mode's median MiB/s and its ratio to plaintext. Goal: ≥ 0.85×.
// Also prints the server process's CPU time per GiB (utime + stime from /proc/<pid>/stat around each
// request): on a shared machine wall-clock MiB/s moves with other load, CPU time per byte much less.
//
//   npx tsc -b && node bench/sse.js [--rounds 3] [--size 256MiB] [--cpu-prof DIR]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient, describeResponse } from './lib/http-client.js';
import { formatSize, getVerified, parseSize, putObject } from './lib/load.js';
import { num, table } from './lib/report.js';
import { startTarget } from './lib/targets.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    size: { type: 'string', default: '256MiB' },
    'cpu-prof': { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const SIZE = parseSize(values.size);
const BUCKET = 'sse-1250000000';
const GOAL = 0.85;

const target = await startTarget('coffer', {
  bucket: BUCKET,
  env: { COFFER_LIFECYCLE_HOUR: '-1' },
  ...(values['cpu-prof'] ? { cpuProfDir: values['cpu-prof'] } : {}),
});
/** The server's CPU time so far (user + system), in ms. */
const TICK_MS = 10; // USER_HZ is 100 on Linux
function serverCpuMs() {
  const fields = readFileSync(`/proc/${target.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}
const client = createClient(target, { concurrency: 1 });
try {
  const created = await client.send({ method: 'PUT', path: `/${BUCKET}`, collect: true });
  if (created.status !== 200) throw new Error(describeResponse('PUT', `/${BUCKET}`, created));
  const body = JSON.stringify({ description: 'bench' });
  const key = await client.send({
    method: 'POST',
    path: '/-/admin/kms/keys',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    body: Buffer.from(body),
    collect: true,
  });
  if (key.status !== 201) throw new Error(describeResponse('POST', '/-/admin/kms/keys', key));
  const { keyId } = JSON.parse(key.text);
  const modes = [
    { name: 'plaintext', headers: {} },
    { name: 'AES256', headers: { 'x-amz-server-side-encryption': 'AES256' } },
    {
      name: 'aws:kms',
      headers: { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': keyId },
    },
  ];
  const samples = new Map(modes.map((m) => [m.name, { put: [], get: [], putCpu: [], getCpu: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes) {
      const objectKey = `big-${mode.name.replace(':', '-')}-${round}`;
      let cpu = serverCpuMs();
      let start = performance.now();
      const put = await putObject(client, objectKey, SIZE, { extraHeaders: mode.headers });
      const putMs = performance.now() - start;
      const putCpuMs = serverCpuMs() - cpu;
      const sse = put.headers['x-amz-server-side-encryption'];
      if ((sse ?? 'plaintext') !== mode.name) throw new Error(`${mode.name}: the PUT answered ${sse}`);
      cpu = serverCpuMs();
      start = performance.now();
      await getVerified(client, objectKey, SIZE);
      const getMs = performance.now() - start;
      const getCpuMs = serverCpuMs() - cpu;
      const gib = SIZE / 1024 ** 3;
      samples.get(mode.name).putCpu.push(putCpuMs / gib);
      samples.get(mode.name).getCpu.push(getCpuMs / gib);
      const mib = SIZE / (1024 * 1024);
      samples.get(mode.name).put.push(mib / (putMs / 1000));
      samples.get(mode.name).get.push(mib / (getMs / 1000));
      await client.send({ method: 'DELETE', path: `/${BUCKET}/${objectKey}` });
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = samples.get('plaintext');
  const rows = [];
  const record = { bench: 'sse', sizeBytes: SIZE, rounds: ROUNDS };
  for (const mode of modes) {
    const s = samples.get(mode.name);
    const put = median(s.put);
    const get = median(s.get);
    const putRatio = put / median(base.put);
    const getRatio = get / median(base.get);
    const pass = mode.name === 'plaintext' ? '' : putRatio >= GOAL && getRatio >= GOAL ? 'PASS' : 'MISS';
    const putCpu = median(s.putCpu);
    const getCpu = median(s.getCpu);
    rows.push([
      mode.name,
      formatSize(SIZE),
      num(put),
      num(putRatio, 2),
      num(get),
      num(getRatio, 2),
      num(putCpu),
      num(getCpu),
      pass,
    ]);
    record[mode.name] = {
      putMibPerSec: put,
      getMibPerSec: get,
      putRatio,
      getRatio,
      putServerCpuMsPerGiB: putCpu,
      getServerCpuMsPerGiB: getCpu,
    };
  }
  const columns = [
    { title: 'mode', align: 'left' },
    { title: 'size' },
    { title: 'PUT MiB/s' },
    { title: 'PUT ×plain' },
    { title: 'GET MiB/s' },
    { title: 'GET ×plain' },
    { title: 'PUT cpu ms/GiB' },
    { title: 'GET cpu ms/GiB' },
    { title: `goal ≥${GOAL}×`, align: 'left' },
  ];
  console.log(table(columns, rows).join('\n'));
  console.log(JSON.stringify(record));
} finally {
  client.close();
  await target.stop();
}
