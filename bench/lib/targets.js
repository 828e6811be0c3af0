// The servers a benchmark runs against, each a child process on 127.0.0.1 with a free port and a fresh data directory
// under os.tmpdir(), so the client and the server are separate processes sharing the machine's cores:
//   coffer   `coffer server` (the built CLI), log level warn, default settings (fsync on)
//   ceiling  bench/ceiling-server.js: the same byte work on a bare node:http server, fsync on
//   s3rver   the s3rver npm package (a Node S3 server on the filesystem), started with --openssl-legacy-provider
//            (Node 20 needs it for s3rver's V2 listing tokens); it parses but does not verify SigV4 and cannot parse
//            COS q-sign, so it always gets SigV4 with its built-in S3RVER key
import { spawn } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CLI, CREDENTIALS, REGION } from './child-server.js';

export const TARGET_NAMES = ['coffer', 'ceiling', 's3rver'];
const CEILING = fileURLToPath(new URL('../ceiling-server.js', import.meta.url));
const S3RVER_BIN = path.join(
  path.dirname(createRequire(import.meta.url).resolve('s3rver/package.json')),
  'bin',
  's3rver.js',
);
/** s3rver's hard-coded account (lib/models/account.js): any other key id is InvalidAccessKeyId. */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretKey: 'S3RVER' };
const START_TIMEOUT_MS = 60_000;

/**
 * Spawns `node [nodeArgs] script [args]` and resolves once a stdout line matches `ready` (its first group is the
 * URL, or host and port groups). stop() sends SIGTERM and waits for the exit (SIGKILL after 30 s).
 */
async function spawnServer({ name, script, args = [], nodeArgs = [], env = {}, ready }) {
  await access(script).catch(() => {
    throw new Error(`${script} is missing${script === CLI ? ': run `npx tsc -b` first' : ''}`);
  });
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([n]) => !n.startsWith('COFFER_')));
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text) => {
    stderr = (stderr + text).slice(-8192);
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: not ready after ${START_TIMEOUT_MS / 1000} s; stderr: ${stderr}`));
    }, START_TIMEOUT_MS);
    lines.on('line', (line) => {
      const m = ready.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve(m.length > 2 ? `http://${m[1]}:${m[2]}` : m[1]);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready; stderr: ${stderr}`));
    });
  });
  // Keep draining stdout (warn-level logs) so a full pipe never blocks the server.
  lines.on('line', () => {});
  const { hostname, port } = new URL(url);
  return {
    child,
    pid: child.pid,
    url,
    host: hostname,
    port: Number(port),
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/**
 * Starts target `name` ('coffer' | 'ceiling' | 's3rver') over `dataDir` (a fresh temporary directory when not given,
 * removed again by stop()). Returns what createClient needs ({ name, host, port, bucket, auth, credentials, region })
 * plus pid, dataDir and stop(). `auth` is the scheme for Coffer ('sigv4' or 'cos'); the ceiling ignores whatever it
 * is sent and s3rver always gets SigV4. `ownsData`: stop() removes the directory (default: only one it made itself,
 * so a restart over a kept directory passes `{ dataDir, ownsData: true }`). `cpuProfDir` runs the server under `node --cpu-prof` (written at exit);
 * `nodeArgs` are more node/V8 flags for the server process (e.g. `--initial-old-space-size=64`).
 */
export async function startTarget(
  name,
  {
    bucket,
    auth = 'sigv4',
    dataDir,
    ownsData = dataDir === undefined,
    env = {},
    cpuProfDir,
    nodeArgs: extraArgs = [],
  } = {},
) {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), `coffer-bench-${name}-`)));
  const nodeArgs = [...extraArgs, ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [])];
  let server;
  let credentials = CREDENTIALS;
  let scheme = auth;
  if (name === 'coffer') {
    server = await spawnServer({
      name,
      script: CLI,
      args: ['server'],
      nodeArgs,
      env: {
        COFFER_ADDRESS: '127.0.0.1:0',
        COFFER_DATA_DIR: dir,
        COFFER_SECRET_ID: CREDENTIALS.accessKeyId,
        COFFER_SECRET_KEY: CREDENTIALS.secretKey,
        COFFER_APPID: '1250000000',
        COFFER_LOG_LEVEL: 'warn',
        ...env,
      },
      ready: /^\s*Endpoint\s+(http:\/\/\S+)/,
    });
  } else if (name === 'ceiling') {
    server = await spawnServer({
      name,
      script: CEILING,
      args: ['--address', '127.0.0.1:0', '--data', dir, '--fsync', env.COFFER_FSYNC ?? '1'],
      nodeArgs,
      ready: /^\s*Endpoint\s+(http:\/\/\S+)/,
    });
  } else if (name === 's3rver') {
    server = await spawnServer({
      name,
      script: S3RVER_BIN,
      args: ['--directory', dir, '--address', '127.0.0.1', '--port', '0', '--silent'],
      nodeArgs: ['--openssl-legacy-provider', ...nodeArgs],
      ready: /S3rver listening on (\S+):(\d+)/,
    });
    credentials = S3RVER_CREDENTIALS;
    scheme = 'sigv4';
  } else {
    throw new Error(`unknown target ${name}: use ${TARGET_NAMES.join(', ')}`);
  }
  return {
    name,
    host: server.host,
    port: server.port,
    url: server.url,
    pid: server.pid,
    bucket,
    auth: scheme,
    credentials,
    region: REGION,
    dataDir: dir,
    /** Stops the server; with `keepData` the directory stays (to start the target again over it). */
    async stop({ keepData = false } = {}) {
      await server.stop();
      if (ownsData && !keepData) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A target record for a server someone else started (bench/load.js --url). */
export function externalTarget({ url, bucket, auth = 'sigv4', credentials = CREDENTIALS, region = REGION }) {
  const { hostname, port } = new URL(url);
  return { name: url, host: hostname, port: Number(port || 80), url, bucket, auth, credentials, region };
}
