/**
 * The built `coffer` command line against a live server, once with COS signing and once with S3 (SigV4)
 * signing: buckets, cp up/down/remote-to-remote, ls, du, stat, cat, mv, rm, sync, presign, exit codes and
 * the server's Code/Message/RequestId on errors.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, treeDigests, writeTree } from './helpers/clients.js';
import { cliEnv, coffer, cofferJson, cofferOk, type Signing } from './helpers/coffer-cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MIB = 1024 * 1024;
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const accepted = (op: string) => t.server.metrics.snapshot()[op]?.byStatus['2xx'] ?? 0;

describe.each(['cos', 's3'] as Signing[])('coffer with %s signing', (signing) => {
  let env: NodeJS.ProcessEnv;
  let home: string;
  let bucket: string;
  let url: string;
  const scheme = signing === 'cos' ? 'cos' : 's3';
  beforeAll(async () => {
    home = await tempDir('coffer-cli-home-');
    env = cliEnv(t, home, signing);
    bucket = t.bucketName(`cli${signing}`);
    url = `${scheme}://${bucket}`;
    await cofferOk(env, ['mb', url]);
  });
  afterAll(async () => {
    await fs.rm(home, { recursive: true, force: true });
  });

  it('mb / ls lists the bucket; a second mb is a conflict with the server Code and RequestId (exit 6)', async () => {
    const listed = await cofferJson<{ buckets: { name: string }[] }>(env, ['ls']);
    expect(listed.buckets.map((b) => b.name)).toContain(bucket);
    const again = await coffer(env, ['mb', url]);
    expect(again.code).toBe(6);
    expect(again.stderr).toMatch(/BucketAlreadyExists|BucketAlreadyOwnedByYou/);
    expect(again.stderr).toMatch(/RequestId: \S+/);
    const json = await coffer(env, ['--json', 'mb', url]);
    expect(JSON.parse(json.stdout).error).toMatchObject({ status: 409, requestId: expect.any(String) });
  });

  it('cp -r a folder up (small files at once, a large one in parts, --exclude), down again, byte for byte', async () => {
    const src = path.join(home, 'src');
    const files: Record<string, Buffer> = {
      'a.txt': Buffer.from('hello\n'),
      'dir one/b.bin': randomBytes(40_000),
      'dir one/ü ñ.txt': Buffer.from('unicode'),
      'big.bin': randomBytes(5 * MIB + 17),
      'skip.map': Buffer.from('excluded'),
    };
    await writeTree(src, files);
    const partsBefore = accepted('UploadPart');
    const up = await cofferJson<{
      files: number;
      bytes: number;
      transfers: { destination: string }[];
      failed: unknown[];
    }>(env, ['cp', '-r', '--part-size', '1MiB', '--exclude', '*.map', src, `${url}/tree/`]);
    expect(up.files).toBe(4);
    expect(up.failed).toEqual([]);
    expect(up.bytes).toBe(6 + 40_000 + 7 + 5 * MIB + 17);
    expect(accepted('UploadPart') - partsBefore).toBe(6);
    const listing = await cofferJson<{ objects: { key: string; sizeBytes: number }[] }>(env, [
      'ls',
      '-r',
      `${url}/tree/`,
    ]);
    expect(listing.objects.map((o) => o.key).sort()).toEqual([
      'tree/a.txt',
      'tree/big.bin',
      'tree/dir one/b.bin',
      'tree/dir one/ü ñ.txt',
    ]);
    const level = await cofferJson<{ objects: { key: string }[]; prefixes: string[] }>(env, ['ls', `${url}/tree/`]);
    expect(level.prefixes).toEqual(['tree/dir one/']);

    const down = path.join(home, 'down');
    await cofferOk(env, ['cp', '-r', '--part-size', '1MiB', `${url}/tree/`, down]);
    const expected = await treeDigests(src);
    delete expected['skip.map'];
    expect(await treeDigests(down)).toEqual(expected);

    const du = await cofferJson<{ objects: number; bytes: number }>(env, ['du', `${url}/tree/`]);
    expect(du).toMatchObject({ objects: 4, bytes: up.bytes });
  });

  it('cp one file to a folder and to a key, stat, cat, remote-to-remote copy, mv, rm', async () => {
    const file = path.join(home, 'one.txt');
    await fs.writeFile(file, 'one file\n');
    await cofferOk(env, ['cp', file, `${url}/single/`, '--meta', 'project=coffer', '--content-type', 'text/x-test']);
    const st = await cofferJson<{
      sizeBytes: number;
      contentType: string;
      metadata: Record<string, string>;
      etag: string;
    }>(env, ['stat', `${url}/single/one.txt`]);
    expect(st).toMatchObject({ sizeBytes: 9, contentType: 'text/x-test', metadata: { project: 'coffer' } });
    expect(st.etag).toBe(`"${md5('one file\n')}"`);
    expect((await cofferOk(env, ['cat', `${url}/single/one.txt`])).stdout).toBe('one file\n');
    expect((await cofferOk(env, ['cat', '--range', '4-7', `${url}/single/one.txt`])).stdout).toBe('file');

    await cofferOk(env, ['cp', `${url}/single/one.txt`, `${url}/copied/one %+ü? copy.txt`]);
    expect((await cofferOk(env, ['cat', `${url}/copied/one %+ü? copy.txt`])).stdout).toBe('one file\n');
    await cofferOk(env, ['mv', `${url}/copied/one %+ü? copy.txt`, `${url}/moved.txt`]);
    expect((await coffer(env, ['stat', `${url}/copied/one %+ü? copy.txt`])).code).toBe(3);
    expect((await cofferOk(env, ['cat', `${url}/moved.txt`])).stdout).toBe('one file\n');

    const moveSrc = path.join(home, 'to-move.txt');
    await fs.writeFile(moveSrc, 'moving');
    await cofferOk(env, ['mv', moveSrc, `${url}/moved-local.txt`]);
    await expect(fs.stat(moveSrc)).rejects.toThrow();

    await cofferOk(env, ['rm', `${url}/moved.txt`]);
    const missing = await coffer(env, ['cat', `${url}/moved.txt`]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/NoSuchKey/);
  });

  it('a large object comes down as parallel ranged GETs, byte for byte; --no-ranged-downloads as one GET', async () => {
    const big = randomBytes(5 * MIB + 123);
    const file = path.join(home, 'ranged.bin');
    await fs.writeFile(file, big);
    await cofferOk(env, ['cp', '--part-size', '1MiB', file, `${url}/ranged/big.bin`]);
    const before = accepted('GetObject');
    const down = path.join(home, 'ranged-down.bin');
    await cofferOk(env, ['cp', '--part-size', '1MiB', '--range-jobs', '3', `${url}/ranged/big.bin`, down]);
    // Above four parts: --range-jobs ranges of at least a part each (5 MiB / 3 → three ranges).
    expect(accepted('GetObject') - before).toBe(3);
    expect(md5(await fs.readFile(down))).toBe(md5(big));
    await fs.rm(down);
    // By default four ranges (rclone's four streams), whatever --part-jobs says for uploads.
    const four = accepted('GetObject');
    await cofferOk(env, ['cp', '--part-size', '1MiB', '--part-jobs', '2', `${url}/ranged/big.bin`, down]);
    expect(accepted('GetObject') - four).toBe(4);
    expect(md5(await fs.readFile(down))).toBe(md5(big));
    await fs.rm(down);
    const single = accepted('GetObject');
    await cofferOk(env, ['cp', '--part-size', '1MiB', '--no-ranged-downloads', `${url}/ranged/big.bin`, down]);
    expect(accepted('GetObject') - single).toBe(1);
    expect(md5(await fs.readFile(down))).toBe(md5(big));
    expect(await fs.readdir(home)).not.toContainEqual(expect.stringMatching(/\.part$/));
  });

  it('a small file goes up from memory and keeps the Content-Type of its extension', async () => {
    const file = path.join(home, 'page.html');
    await fs.writeFile(file, '<p>hi</p>');
    await cofferOk(env, ['cp', file, `${url}/typed/`]);
    const st = await cofferJson<{ contentType: string; sizeBytes: number }>(env, ['stat', `${url}/typed/page.html`]);
    expect(st).toMatchObject({ contentType: 'text/html', sizeBytes: 9 });
  });

  it('rm -r deletes a prefix in batches of 1,000 (DeleteObjects), --dry-run first', async () => {
    const src = path.join(home, 'many');
    const files: Record<string, string> = {};
    for (let i = 0; i < 1001; i++) files[`f${String(i).padStart(4, '0')}.txt`] = String(i);
    await writeTree(src, files);
    await cofferOk(env, ['cp', '-r', '-q', src, `${url}/many/`]);
    const dry = await cofferJson<{ deleted: number; dryRun: boolean }>(env, ['rm', '-r', '--dry-run', `${url}/many/`]);
    expect(dry).toMatchObject({ deleted: 1001, dryRun: true });
    const batches = accepted('DeleteObjects');
    const res = await cofferJson<{ deleted: number; failed: unknown[] }>(env, ['rm', '-r', `${url}/many/`]);
    expect(res).toMatchObject({ deleted: 1001, failed: [] });
    expect(accepted('DeleteObjects') - batches).toBe(2);
    expect((await cofferJson<{ objects: number }>(env, ['du', `${url}/many/`])).objects).toBe(0);
  });

  it('sync uploads what changed and nothing the second time; --delete --dry-run then --delete', async () => {
    const src = path.join(home, 'site');
    await writeTree(src, { 'index.html': '<h1>hi</h1>', 'css/a.css': 'a{}', 'big.bin': randomBytes(3 * MIB) });
    const first = await cofferJson<{ files: number; skipped: number }>(env, [
      'sync',
      '--part-size',
      '1MiB',
      src,
      `${url}/site/`,
    ]);
    expect(first).toMatchObject({ files: 3, skipped: 0 });
    const puts = accepted('PutObject') + accepted('UploadPart');
    const second = await cofferJson<{ files: number; skipped: number }>(env, [
      'sync',
      '--part-size',
      '1MiB',
      src,
      `${url}/site/`,
    ]);
    expect(second).toMatchObject({ files: 0, skipped: 3 });
    const byEtag = await cofferJson<{ files: number; skipped: number }>(env, [
      'sync',
      '--check',
      'etag',
      src,
      `${url}/site/`,
    ]);
    expect(byEtag).toMatchObject({ files: 0, skipped: 3 });
    expect(accepted('PutObject') + accepted('UploadPart')).toBe(puts);

    // Same size, other bytes: CRC-64 sees it.
    await fs.writeFile(path.join(src, 'css/a.css'), 'b{}');
    await fs.rm(path.join(src, 'index.html'));
    const dry = await cofferJson<{ planned: { destination: string }[]; deleted: string[]; dryRun: boolean }>(env, [
      'sync',
      '--delete',
      '--dry-run',
      src,
      `${url}/site/`,
    ]);
    expect(dry.planned.map((p) => p.destination)).toEqual([`${url}/site/css/a.css`]);
    expect(dry.deleted).toEqual(['site/index.html']);
    expect((await cofferOk(env, ['cat', `${url}/site/index.html`])).stdout).toBe('<h1>hi</h1>');
    const synced = await cofferJson<{ files: number; deleted: string[] }>(env, [
      'sync',
      '--delete',
      src,
      `${url}/site/`,
    ]);
    expect(synced).toMatchObject({ files: 1, deleted: ['site/index.html'] });
    expect((await cofferOk(env, ['cat', `${url}/site/css/a.css`])).stdout).toBe('b{}');
    expect((await coffer(env, ['stat', `${url}/site/index.html`])).code).toBe(3);

    // Down: a local copy, then nothing to do.
    const local = path.join(home, 'site-copy');
    expect(await cofferJson(env, ['sync', `${url}/site/`, local])).toMatchObject({ files: 2 });
    expect(await cofferJson(env, ['sync', `${url}/site/`, local])).toMatchObject({ files: 0, skipped: 2 });
  });

  it('presign GET and PUT URLs that work without keys', async () => {
    const put = (
      await cofferOk(env, ['presign', '--method', 'PUT', '--expires', '600', `${url}/presigned.txt`])
    ).stdout.trim();
    expect((await fetch(put, { method: 'PUT', body: 'via presigned PUT' })).status).toBe(200);
    const get = await cofferJson<{ url: string; expiresSeconds: number }>(env, ['presign', `${url}/presigned.txt`]);
    expect(get.expiresSeconds).toBe(3600);
    const res = await fetch(get.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('via presigned PUT');
    if (signing === 's3') expect(get.url).toMatch(/X-Amz-Signature=/);
    else expect(get.url).toMatch(/q-signature=/);
  });

  it('exit codes: 2 for a bad command line, 3 for a missing bucket, 4 for a wrong key, 5 for no server', async () => {
    const usage = await coffer(env, ['cp', 'a', 'b']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/both paths are local/);
    expect((await coffer(env, ['cp', '--jobs', 'x', 'a', `${url}/`])).code).toBe(2);
    expect((await coffer(env, ['frobnicate'])).code).toBe(2);
    const noBucket = await coffer(env, ['ls', `${scheme}://nosuch${signing}-1250000000/`]);
    expect(noBucket.code).toBe(3);
    expect(noBucket.stderr).toMatch(/NoSuchBucket/);
    const denied = await coffer({ ...env, COFFER_SECRET_KEY: 'wrong'.repeat(8) }, ['ls', `${url}/`]);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toMatch(/SignatureDoesNotMatch.*RequestId/);
    const down = await coffer({ ...env, COFFER_ENDPOINT: 'http://127.0.0.1:9' }, ['ls']);
    expect(down.code).toBe(5);
  });
});
