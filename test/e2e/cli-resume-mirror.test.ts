/**
 * The built `coffer`: a 200 MB `cp` SIGKILLed midway that a second `cp` finishes by sending only the parts the
 * server lacks (UploadPart counted on the server), and `mirror --watch` following a folder (a new file, a
 * changed file, a deleted file).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import COS from '@coffer/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from './helpers/clients.js';
import { COFFER_CLI, cliEnv, cofferJson, cofferOk } from './helpers/coffer-cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MIB = 1024 * 1024;
const PART = 8 * MIB;
const FILE_BYTES = 200 * 1000 * 1000;
const PARTS = Math.ceil(FILE_BYTES / PART);
const Region = 'ap-guangzhou';

let t: TestServer;
let home: string;
let sdk: COS;
beforeAll(async () => {
  t = await startTestServer();
  home = await tempDir('coffer-cli-resume-');
  sdk = new COS({
    SecretId: t.secretId,
    SecretKey: t.secretKey,
    Protocol: 'http:',
    Domain: `127.0.0.1:${t.port}`,
    ForcePathStyle: true,
  });
});
afterAll(async () => {
  await t?.close();
  await fs.promises.rm(home, { recursive: true, force: true });
});

const acceptedParts = () => t.server.metrics.snapshot().UploadPart?.byStatus['2xx'] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

it('a 200 MB cp killed midway is finished by a second cp that sends only the missing parts', async () => {
  const env = cliEnv(t, home, 'cos');
  const bucket = t.bucketName('resume');
  await cofferOk(env, ['mb', `cos://${bucket}`]);
  const file = path.join(home, 'big.bin');
  const out = fs.createWriteStream(file);
  const whole = createHash('md5');
  for (let written = 0; written < FILE_BYTES; written += MIB) {
    const chunk = randomBytes(Math.min(MIB, FILE_BYTES - written));
    whole.update(chunk);
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  const args = [
    COFFER_CLI,
    '--quiet',
    'cp',
    '--part-size',
    '8MiB',
    '--part-jobs',
    '4',
    file,
    `cos://${bucket}/big.bin`,
  ];

  // Run 1: SIGKILLed once the server has accepted a third of the parts.
  const before = acceptedParts();
  const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor('a third of the parts', () => acceptedParts() - before >= Math.floor(PARTS / 3), 120_000);
  child.kill('SIGKILL');
  await exited;
  await sleep(300);
  const uploads = (await sdk.multipartList({ Bucket: bucket, Region })).Upload;
  expect(uploads).toHaveLength(1);
  const uploadId = uploads[0]!.UploadId;
  const partsThere = (await sdk.multipartListPart({ Bucket: bucket, Region, Key: 'big.bin', UploadId: uploadId })).Part
    .length;
  expect(partsThere).toBeGreaterThanOrEqual(Math.floor(PARTS / 3));
  expect(partsThere).toBeLessThan(PARTS);

  // Run 2: the same command.
  const requestsBefore = t.server.metrics.requests('UploadPart');
  const second = await cofferJson<{ files: number; transfers: { etag: string; resumedParts?: number }[] }>(
    env,
    args.slice(2),
  );
  expect(second.files).toBe(1);
  expect(t.server.metrics.requests('UploadPart') - requestsBefore).toBe(PARTS - partsThere);
  expect(second.transfers[0]!.resumedParts).toBe(partsThere);
  expect(second.transfers[0]!.etag).toMatch(new RegExp(`-${PARTS}"$`));
  expect((await sdk.multipartList({ Bucket: bucket, Region })).Upload).toEqual([]);

  // The object is the file.
  const down = path.join(home, 'back.bin');
  await cofferOk(env, ['cp', '--quiet', `cos://${bucket}/big.bin`, down]);
  const back = createHash('md5');
  for await (const chunk of fs.createReadStream(down)) back.update(chunk as Buffer);
  expect(back.digest('hex')).toBe(whole.digest('hex'));
  await fs.promises.rm(file);
  await fs.promises.rm(down);
}, 300_000);

it('mirror --watch uploads a new file and a changed one, and with --delete removes a deleted one', async () => {
  const env = cliEnv(t, home, 's3');
  const bucket = t.bucketName('mirror');
  await cofferOk(env, ['mb', `s3://${bucket}`]);
  const dir = path.join(home, 'watched');
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'first.txt'), 'there before');
  const child = spawn(
    process.execPath,
    [COFFER_CLI, '--json', 'mirror', '--watch', '--delete', dir, `s3://${bucket}/m/`],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const events: { event?: string; destination?: string; etag?: string; files?: number }[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => events.push(JSON.parse(line)));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor('watching', () => events.some((e) => e.event === 'watching'));
    expect(events[0]).toMatchObject({ files: 1 });
    const body = async (key: string) =>
      (await sdk.getObject({ Bucket: bucket, Region, Key: key }).catch(() => undefined))?.Body?.toString();

    fs.writeFileSync(path.join(dir, 'sub', 'new.txt'), 'a new file');
    await waitFor('the new file', async () => (await body('m/sub/new.txt')) === 'a new file');
    fs.writeFileSync(path.join(dir, 'first.txt'), 'changed afterwards');
    await waitFor('the changed file', async () => (await body('m/first.txt')) === 'changed afterwards');
    fs.rmSync(path.join(dir, 'sub', 'new.txt'));
    await waitFor('the deletion', async () => (await body('m/sub/new.txt')) === undefined);
    expect(events.filter((e) => e.event === 'upload').map((e) => e.destination)).toEqual(
      expect.arrayContaining([`s3://${bucket}/m/sub/new.txt`, `s3://${bucket}/m/first.txt`]),
    );
    expect(events.some((e) => e.event === 'delete' && e.destination === `s3://${bucket}/m/sub/new.txt`)).toBe(true);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited, stderr).toBe(0);
}, 120_000);
