/**
 * The data directory as an operator meets it: one server per directory (a second one is refused at
 * once, naming the directory and the pid holding it), private files (0700 directories, 0600 blobs and
 * database), and start-up failures that print one clear line instead of a stack trace or a spin.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { configFrom, DataDirError, startServer } from '@coffer/server';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function started(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const t = await startTestServer(options);
  cleanups.push(() => t.close());
  return t;
}

/** `coffer server` with a clean COFFER_* environment; resolves when it exits (it must, at once). */
function coffer(args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COFFER_')));
  const startMs = performance.now();
  return run(process.execPath, [CLI, 'server', '--log-level', 'silent', ...args], {
    env,
    timeoutMs: 15_000,
  }).then((result) => ({ ...result, durationMs: performance.now() - startMs }));
}

/** A pid that is certainly not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

const modeOf = async (file: string) => (await fs.stat(file)).mode & 0o777;

describe('one server per data directory', () => {
  it('a second server in the same process is refused, naming the directory and the pid', async () => {
    const t = await started();
    const second = startTestServer({ dataDir: t.dataDir });
    await expect(second).rejects.toBeInstanceOf(DataDirError);
    await expect(second).rejects.toThrow(
      `data directory ${t.dataDir} is in use by another Coffer server (pid ${process.pid}`,
    );
    // The first one is unharmed and its lock still holds.
    await t.s3().send(new CreateBucketCommand({ Bucket: t.bucketName('still') }));
    expect((await fs.readFile(path.join(t.dataDir, 'server.lock'), 'utf8')).trim()).toBe(String(process.pid));
  });

  it('`coffer server` on a locked directory exits 1 at once with one line', async () => {
    const t = await started();
    const result = await coffer(['--data', t.dataDir, '--address', '127.0.0.1:0']);
    expect(result.code).toBe(1);
    expect(result.durationMs).toBeLessThan(10_000);
    expect(result.stderr).toBe(
      `coffer: data directory ${t.dataDir} is in use by another Coffer server (pid ${process.pid}, lock file ${path.join(t.dataDir, 'server.lock')}); stop it first, or give this server another --data\n`,
    );
  });

  it('a lock left by a dead server is taken over; close releases the lock for a restart', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-lock-'));
    await fs.writeFile(path.join(dataDir, 'server.lock'), `${await deadPid()}\n`);
    const first = await startTestServer({ dataDir });
    expect((await fs.readFile(path.join(dataDir, 'server.lock'), 'utf8')).trim()).toBe(String(process.pid));
    await first.server.close();
    await expect(fs.stat(path.join(dataDir, 'server.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
    await started({ dataDir });
  });
});

describe('private files', () => {
  it('a new data directory, its blobs and its database (with WAL and shared memory) are readable by the owner only', async () => {
    const t = await started();
    const s3 = t.s3();
    const Bucket = t.bucketName('modes');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'secret.txt', Body: 'x'.repeat(100_000) }));
    expect(await modeOf(t.dataDir)).toBe(0o700);
    for (const dir of ['blobs', 'tmp', 'blobs/00', 'blobs/ff'])
      expect(await modeOf(path.join(t.dataDir, dir)), dir).toBe(0o700);
    for (const file of ['meta.db', 'meta.db-wal', 'meta.db-shm', 'credentials.json', 'master.key', 'server.lock'])
      expect(await modeOf(path.join(t.dataDir, file)), file).toBe(0o600);
    const blobFiles: string[] = [];
    for (const fanout of await fs.readdir(path.join(t.dataDir, 'blobs')))
      for (const name of await fs.readdir(path.join(t.dataDir, 'blobs', fanout)))
        blobFiles.push(path.join(t.dataDir, 'blobs', fanout, name));
    expect(blobFiles.length).toBeGreaterThan(0);
    for (const file of blobFiles) expect(await modeOf(file)).toBe(0o600);
  });

  it('an existing directory readable by others is made private at start, with a log line', async () => {
    const first = await startTestServer();
    const s3 = first.s3();
    const Bucket = first.bucketName('loose');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'y'.repeat(100_000) }));
    await first.server.close();
    const dataDir = first.dataDir;
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    // What an older Coffer left: everything readable by every local user.
    const loosen = async (dir: string): Promise<void> => {
      await fs.chmod(dir, 0o755);
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await loosen(full);
        else await fs.chmod(full, 0o644);
      }
    };
    await loosen(dataDir);

    const lines: { msg: string; files?: number; dataDir?: string }[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const server = await startServer(
      configFrom({ address: '127.0.0.1:0', dataDir, fsync: '0' } as Parameters<typeof configFrom>[0]),
      { log: pino({ level: 'info' }, sink) },
    );
    cleanups.push(() => server.close());
    const warning = lines.find((l) => /readable by other users/.test(l.msg));
    expect(warning).toMatchObject({ dataDir: path.resolve(dataDir) });
    expect(warning!.files).toBeGreaterThan(256);
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(path.join(dataDir, 'blobs', '3c'))).toBe(0o700);
    expect(await modeOf(path.join(dataDir, 'meta.db'))).toBe(0o600);
    for (const fanout of await fs.readdir(path.join(dataDir, 'blobs')))
      for (const name of await fs.readdir(path.join(dataDir, 'blobs', fanout)))
        expect(await modeOf(path.join(dataDir, 'blobs', fanout, name))).toBe(0o600);
  });
});

describe('start-up failures are one clear line', () => {
  it('--data under /proc fails at once (no mkdir loop)', async () => {
    const result = await coffer(['--data', '/proc/coffer-test/data', '--address', '127.0.0.1:0']);
    expect(result.code).toBe(1);
    expect(result.durationMs).toBeLessThan(10_000);
    expect(result.stderr).toMatch(/^coffer: cannot use data directory \/proc\/coffer-test\/data: .+\n$/);
  });

  it('--data below a file (ENOTDIR) and --data that is a file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-notdir-'));
    cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'plain-file');
    await fs.writeFile(file, 'x');
    const below = await coffer(['--data', path.join(file, 'data'), '--address', '127.0.0.1:0']);
    expect(below.code).toBe(1);
    expect(below.stderr).toBe(
      `coffer: cannot use data directory ${path.join(file, 'data')}: a part of the path is not a directory (stat ${path.join(file, 'data')})\n`,
    );
    const itself = await coffer(['--data', file, '--address', '127.0.0.1:0']);
    expect(itself.stderr).toBe(`coffer: data directory ${file}: ${file} exists and is not a directory\n`);
  });

  it('an address in use (EADDRINUSE) is one line, and the data directory is left unlocked', async () => {
    const t = await started();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-inuse-'));
    cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
    const result = await coffer(['--data', dir, '--address', `127.0.0.1:${t.port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`coffer: cannot listen on 127.0.0.1:${t.port}: the address is already in use\n`);
    await expect(fs.stat(path.join(dir, 'server.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
