// The `coffer` command line against the AWS CLI and rclone, same machine, same server, same data, one run:
// `cp -r` of many small files up and down, and of one large file up and down. Each tool runs with its own
// defaults (coffer: 16 files at once, 8 MiB parts 8 at once, large downloads as 4 ranges; aws s3: 10 threads, 8 MiB
// parts; rclone: 4 transfers, 5 MiB chunks x 4, 4 ranged streams above 250 MiB), as a user would run it. Every tool
// downloads the same objects (put there once by coffer). Peak RSS and CPU time (user + system) of each client
// process come from /usr/bin/time.
//
//   npm run build && node bench/cli.js            (2,000 x 16 KiB files and a 256 MiB file: about 2 minutes)
//   node bench/cli.js --full                      (the sizes: 2,000 x 16 KiB and 1 GiB)
//   node bench/cli.js --files 500 --big-mib 64    (anything in between)
//   node bench/cli.js --repeat 3                  (each row 3 times, tools interleaved; ratios of the medians)
//   node bench/cli.js --only small-down --tools coffer --cpu-prof prof/   (one row, with a CPU profile per run)
//   node bench/cli.js --base-cli ../main/packages/cli/dist/main.js   (another checkout's CLI as tool "base",
//                                                 interleaved with this one: before/after in one run)
//
// The server is a `coffer server` child with fsync off (COFFER_FSYNC=0), so the clients, not the disk, are what
// is measured. Goals (issue 13): coffer >= 3x aws and >= 1x rclone on the small files, >= 1x both on the large
// file, coffer's peak RSS under 150 MB. Before each timed run the kernel's dirty pages are flushed (`sync`), so that
// no run pays for the writeback of the 1 GiB the run before it wrote. Every downloaded file is checked against its source: count, sizes and the
// SHA-256 of each file (untimed).
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CLI, CREDENTIALS, REGION, startChildServer } from './lib/child-server.js';

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    files: { type: 'string' },
    'file-kib': { type: 'string', default: '16' },
    'big-mib': { type: 'string' },
    tools: { type: 'string', default: 'coffer,aws,rclone' },
    keep: { type: 'boolean', default: false },
    // Rows to run, e.g. `small-up,big-down` (default: all four).
    only: { type: 'string' },
    // Times to run each row; the table shows each run, the ratios use the median.
    repeat: { type: 'string', default: '1' },
    // Writes a V8 CPU profile of each coffer run into this folder (open it in Chrome DevTools).
    'cpu-prof': { type: 'string' },
    // Another checkout's built CLI (packages/cli/dist/main.js), run as the tool "base" with coffer's arguments.
    'base-cli': { type: 'string' },
  },
});
const MIB = 1024 * 1024;
const FILES = Number(values.files ?? 2000);
const FILE_BYTES = Number(values['file-kib']) * 1024;
const BIG_BYTES = Number(values['big-mib'] ?? (values.full ? 1024 : 256)) * MIB;
const BASE_CLI = values['base-cli'] ? path.resolve(values['base-cli']) : undefined;
const TOOLS = values.tools.split(',');
if (BASE_CLI && !TOOLS.includes('base')) TOOLS.splice(TOOLS.indexOf('coffer') + 1, 0, 'base');
const ONLY = values.only?.split(',');
const REPEAT = Number(values.repeat);
const PROFILE_DIR = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
const NODE_ARGS = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];

const work = await fs.mkdtemp(path.join(tmpdir(), 'coffer-bench-cli-'));
const server = await startChildServer(path.join(work, 'data'), { COFFER_FSYNC: '0', COFFER_LOG_LEVEL: 'warn' });
const bucket = 'clibench-1250000000';

const baseEnv = {
  PATH: process.env.PATH,
  HOME: work,
  LANG: 'C.UTF-8',
  COFFER_CONFIG: path.join(work, 'coffer.json'),
  COFFER_ENDPOINT: server.url,
  COFFER_SECRET_ID: CREDENTIALS.accessKeyId,
  COFFER_SECRET_KEY: CREDENTIALS.secretKey,
  COFFER_REGION: REGION,
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretKey,
  AWS_DEFAULT_REGION: REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: path.join(work, 'aws-config'),
  RCLONE_CONFIG_B_TYPE: 's3',
  RCLONE_CONFIG_B_PROVIDER: 'Other',
  RCLONE_CONFIG_B_ENDPOINT: server.url,
  RCLONE_CONFIG_B_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  RCLONE_CONFIG_B_SECRET_ACCESS_KEY: CREDENTIALS.secretKey,
  RCLONE_CONFIG_B_FORCE_PATH_STYLE: 'true',
  RCLONE_CONFIG_B_REGION: REGION,
};
await fs.writeFile(baseEnv.AWS_CONFIG_FILE, '[default]\ns3 =\n  addressing_style = path\n');

/**
 * Runs a command under /usr/bin/time; resolves with wall seconds, CPU seconds (user + system) and peak RSS in bytes,
 * rejects on a non-zero exit.
 */
function timed(command, args) {
  const rssFile = path.join(work, `rss-${process.hrtime.bigint()}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, command, ...args], {
      env: baseEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', async (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      const [kib, user, system] = (await fs.readFile(rssFile, 'utf8')).trim().split('\n').at(-1).split(' ').map(Number);
      resolve({ seconds, cpuSeconds: user + system, userSeconds: user, systemSeconds: system, rssBytes: kib * 1024 });
    });
  });
}

const cmds = {
  coffer: {
    up: (src, prefix) => [
      process.execPath,
      [...NODE_ARGS, CLI, '--quiet', 'cp', '-r', src, `cos://${bucket}/${prefix}/`],
    ],
    down: (prefix, dest) => [
      process.execPath,
      [...NODE_ARGS, CLI, '--quiet', 'cp', '-r', `cos://${bucket}/${prefix}/`, dest],
    ],
  },
  base: {
    up: (src, prefix) => [
      process.execPath,
      [...NODE_ARGS, BASE_CLI, '--quiet', 'cp', '-r', src, `cos://${bucket}/${prefix}/`],
    ],
    down: (prefix, dest) => [
      process.execPath,
      [...NODE_ARGS, BASE_CLI, '--quiet', 'cp', '-r', `cos://${bucket}/${prefix}/`, dest],
    ],
  },
  aws: {
    up: (src, prefix) => [
      '/usr/bin/aws',
      ['s3', 'cp', '--recursive', '--only-show-errors', '--endpoint-url', server.url, src, `s3://${bucket}/${prefix}/`],
    ],
    down: (prefix, dest) => [
      '/usr/bin/aws',
      [
        's3',
        'cp',
        '--recursive',
        '--only-show-errors',
        '--endpoint-url',
        server.url,
        `s3://${bucket}/${prefix}/`,
        dest,
      ],
    ],
  },
  rclone: {
    up: (src, prefix) => ['rclone', ['copy', '--config', '/dev/null', src, `B:${bucket}/${prefix}`]],
    down: (prefix, dest) => ['rclone', ['copy', '--config', '/dev/null', `B:${bucket}/${prefix}`, dest]],
  },
};

/** CPU seconds the server child has used so far, user and system, from /proc (Linux; clock ticks of 1/100 s). */
async function serverCpuSeconds() {
  const stat = await fs.readFile(`/proc/${server.pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return { user: Number.NaN, system: Number.NaN };
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/**
 * The kernel's memory counters that tell a run that paid for reclaim (free pages short: the writer's page-cache
 * allocations reclaim in its own context, `allocstall`/`pgsteal_direct`) from one that did not. /proc/vmstat, Linux.
 */
const VMSTAT_KEYS = ['allocstall_normal', 'allocstall_movable', 'pgsteal_direct', 'pgsteal_kswapd', 'nr_free_pages'];
async function vmstat() {
  const text = await fs.readFile('/proc/vmstat', 'utf8').catch(() => '');
  const counters = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.split(' ');
    if (VMSTAT_KEYS.includes(key)) counters[key] = Number(value);
  }
  return counters;
}

/** `sync`: the kernel writes every dirty page back before this resolves. */
function flushDirtyPages() {
  return new Promise((resolve, reject) => {
    spawn('sync', [], { stdio: 'ignore' }).on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`sync exited ${code}`)),
    );
  });
}

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk);
  return hash.digest('hex');
}

/** Every regular file under `dir`: relative path → { bytes, sha256 }. */
async function tree(dir) {
  const files = new Map();
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    files.set(path.relative(dir, file), { bytes: (await fs.stat(file)).size, sha256: await sha256(file) });
  }
  return files;
}

/** Throws unless `got` holds exactly the files of `want`, each with the same size and SHA-256. */
function sameTree(tool, want, got) {
  let bytes = 0;
  for (const f of got.values()) bytes += f.bytes;
  const wantBytes = [...want.values()].reduce((n, f) => n + f.bytes, 0);
  if (got.size !== want.size || bytes !== wantBytes)
    throw new Error(`${tool} downloaded ${got.size} files / ${bytes} bytes, expected ${want.size} / ${wantBytes}`);
  for (const [name, f] of want) {
    const g = got.get(name);
    if (!g) throw new Error(`${tool} did not download ${name}`);
    if (g.bytes !== f.bytes || g.sha256 !== f.sha256)
      throw new Error(
        `${tool} downloaded ${name} with ${g.bytes} bytes, SHA-256 ${g.sha256}: expected ${f.bytes}, ${f.sha256}`,
      );
  }
}

try {
  // Data: many small files, and one large file (random, written in 16 MiB pieces).
  const small = path.join(work, 'small');
  await fs.mkdir(small);
  const piece = Buffer.alloc(FILE_BYTES);
  for (let i = 0; i < FILES; i++) {
    randomFillSync(piece);
    await fs.writeFile(path.join(small, `f${String(i).padStart(5, '0')}.bin`), piece);
  }
  const bigDir = path.join(work, 'big');
  await fs.mkdir(bigDir);
  const handle = await fs.open(path.join(bigDir, 'big.bin'), 'w');
  const block = Buffer.alloc(16 * MIB);
  for (let at = 0; at < BIG_BYTES; at += block.length) {
    randomFillSync(block);
    await handle.write(block, 0, Math.min(block.length, BIG_BYTES - at));
  }
  await handle.close();
  await timed(process.execPath, [CLI, '--quiet', 'mb', `cos://${bucket}`]);

  const scenarios = [
    { id: 'small', label: `${FILES} x ${FILE_BYTES / 1024} KiB`, src: small, bytes: FILES * FILE_BYTES, count: FILES },
    { id: 'big', label: `1 x ${BIG_BYTES / MIB} MiB`, src: bigDir, bytes: BIG_BYTES, count: 1 },
  ];
  const rows = [];
  const wanted = (s, direction) => !ONLY || ONLY.includes(`${s.id}-${direction}`);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  for (const s of scenarios) {
    // Every tool downloads the same objects, put there once by coffer (untimed).
    const source = `src-${s.id}`;
    let want;
    if (wanted(s, 'down')) {
      await timed(process.execPath, [CLI, '--quiet', 'cp', '-r', s.src, `cos://${bucket}/${source}/`]);
      want = await tree(s.src);
    }
    for (const direction of ['up', 'down']) {
      if (!wanted(s, direction)) continue;
      // Rounds interleave the tools, so that each round's tools see about the same load on the shared machine, and
      // each round starts with the next tool: the first run after the data is written (or after another tool's
      // 1 GiB file is deleted) shares the disk with that writeback, and no tool should always be the one that does.
      for (let round = 1; round <= REPEAT; round++) {
        for (const tool of TOOLS.map((_, i) => TOOLS[(i + round - 1) % TOOLS.length])) {
          const prefix = `${tool}-${s.id}-${round}`;
          const dest = path.join(work, `down-${tool}-${s.id}`);
          const [command, args] = direction === 'up' ? cmds[tool].up(s.src, prefix) : cmds[tool].down(source, dest);
          // The previous run's dirty pages (a 1 GiB file just written, or deleted) are flushed before the clock starts,
          // so that no run pays for the writeback of the one before it.
          await flushDirtyPages();
          const serverCpuBefore = await serverCpuSeconds();
          const vmBefore = await vmstat();
          const r = await timed(command, args);
          const vmAfter = await vmstat();
          const serverCpuAfter = await serverCpuSeconds();
          const serverSystem = serverCpuAfter.system - serverCpuBefore.system;
          const serverCpu = serverCpuAfter.user - serverCpuBefore.user + serverSystem;
          if (direction === 'down') {
            sameTree(tool, want, await tree(dest));
            await fs.rm(dest, { recursive: true, force: true });
          }
          const row = {
            scenario: `${s.label} ${direction}`,
            tool,
            round,
            seconds: Number(r.seconds.toFixed(2)),
            mibPerSec: Number((s.bytes / MIB / r.seconds).toFixed(1)),
            filesPerSec: Number((s.count / r.seconds).toFixed(1)),
            // The client's own CPU (user + system), whole run and per file: what it leaves to the server.
            cpuSeconds: Number(r.cpuSeconds.toFixed(2)),
            userSeconds: r.userSeconds,
            systemSeconds: r.systemSeconds,
            cpuMsPerFile: Number(((r.cpuSeconds * 1000) / s.count).toFixed(2)),
            peakRssMiB: Number((r.rssBytes / MIB).toFixed(1)),
            // The server's CPU over the same run (it serves nothing else meanwhile).
            serverCpuSeconds: Number(serverCpu.toFixed(2)),
            serverSystemCpuSeconds: Number(serverSystem.toFixed(2)),
            // Machine-wide over the run (JSON line only): pages reclaimed by allocating processes and by kswapd,
            // and free memory (MiB) when the run started.
            directReclaimPages: (vmAfter.pgsteal_direct ?? 0) - (vmBefore.pgsteal_direct ?? 0),
            allocStalls:
              (vmAfter.allocstall_normal ?? 0) +
              (vmAfter.allocstall_movable ?? 0) -
              (vmBefore.allocstall_normal ?? 0) -
              (vmBefore.allocstall_movable ?? 0),
            kswapdReclaimPages: (vmAfter.pgsteal_kswapd ?? 0) - (vmBefore.pgsteal_kswapd ?? 0),
            freeMiBBefore: Math.round(((vmBefore.nr_free_pages ?? 0) * 4096) / MIB),
          };
          rows.push(row);
          console.log(JSON.stringify(row));
        }
      }
    }
  }

  console.log(
    `\nload average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs`,
  );
  console.log(
    '\nscenario                      tool    round seconds   MiB/s  files/s  CPU s  CPU ms/file  peak RSS  server CPU s (system)',
  );
  for (const r of rows) {
    console.log(
      `${r.scenario.padEnd(30)}${r.tool.padEnd(8)}${String(r.round).padStart(5)}${String(r.seconds).padStart(8)}  ${String(r.mibPerSec).padStart(6)}  ${String(r.filesPerSec).padStart(7)}${String(r.cpuSeconds).padStart(7)}${String(r.cpuMsPerFile).padStart(13)}  ${String(r.peakRssMiB).padStart(6)} MiB${String(r.serverCpuSeconds).padStart(14)} (${r.serverSystemCpuSeconds})`,
    );
  }
  console.log('\nratios of median seconds (coffer speed / other speed; > 1 = coffer faster)');
  const goals = { small: { aws: 3, rclone: 1 }, big: { aws: 1, rclone: 1 } };
  const secondsOf = (scenario, tool) =>
    median(rows.filter((r) => r.scenario === scenario && r.tool === tool).map((r) => r.seconds));
  for (const s of scenarios) {
    for (const direction of ['up', 'down']) {
      const scenario = `${s.label} ${direction}`;
      if (!rows.some((r) => r.scenario === scenario && r.tool === 'coffer')) continue;
      const mine = secondsOf(scenario, 'coffer');
      for (const other of TOOLS.filter((tool) => tool !== 'coffer')) {
        const ratio = secondsOf(scenario, other) / mine;
        const goal = goals[s.id][other];
        const verdict = goal === undefined ? 'before/after' : `goal >= ${goal}x: ${ratio >= goal ? 'PASS' : 'MISS'}`;
        console.log(`  ${scenario.padEnd(28)} vs ${other.padEnd(7)} ${ratio.toFixed(2)}x  (${verdict})`);
      }
    }
  }
  console.log('\nclient CPU ms per file, median (user + system)');
  for (const s of scenarios) {
    for (const direction of ['up', 'down']) {
      const scenario = `${s.label} ${direction}`;
      const line = TOOLS.filter((tool) => rows.some((r) => r.scenario === scenario && r.tool === tool)).map(
        (tool) =>
          `${tool} ${median(rows.filter((r) => r.scenario === scenario && r.tool === tool).map((r) => r.cpuMsPerFile))}`,
      );
      if (line.length) console.log(`  ${scenario.padEnd(28)} ${line.join('  ')}`);
    }
  }
  const peak = Math.max(...rows.filter((r) => r.tool === 'coffer').map((r) => r.peakRssMiB));
  console.log(`  coffer peak RSS ${peak} MiB (goal < 150 MB = 143 MiB: ${peak < 143 ? 'PASS' : 'MISS'})`);
} finally {
  await server.stop();
  if (!values.keep) await fs.rm(work, { recursive: true, force: true });
}
