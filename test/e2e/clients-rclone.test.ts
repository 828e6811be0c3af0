import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { HeadBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientEnv,
  createPagedBucket,
  expectSuccess,
  multipartEtag,
  PAGE_DIR,
  PAGE_KEYS,
  type RecordingProxy,
  run,
  startRecordingProxy,
  tempDir,
  treeDigests,
  writeTree,
} from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const RCLONE = '/usr/bin/rclone';
const MIB = 1024 * 1024;
/** rclone's default upload_cutoff is 200 MiB; these make a 30 MiB file go up as 6 parts of 5 MiB. */
const UPLOAD_CUTOFF = '16Mi';
const CHUNK_BYTES = 5 * MIB;
const BIG_KEY = 'big/thirty mib.bin';

/** Nested folders, spaces, UTF-8, and one file large enough for multipart. */
const SMALL_FILES: Record<string, string> = {
  'top.txt': 'top\n',
  'dir a/file one.txt': 'one\n',
  'dir a/sub/two.txt': 'two\n',
  'dir a/sub/deeper/d e.txt': 'deep\n',
  'ünï/日本/😀 x.txt': 'unicode\n',
};

/** rclone -v log lines `INFO  : <name>: <what>`, as [name, what], sorted. */
function actions(stderr: string): [string, string][] {
  return [...stderr.matchAll(/ INFO {2}: (.+): (Copied \(new\)|Copied \(replaced existing\)|Deleted)$/gm)]
    .map((m): [string, string] => [m[1]!, m[2]!])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const lines = (stdout: string) => stdout.split('\n').filter(Boolean).sort();

/**
 * rclone as its users configure an S3-compatible endpoint, here all from the environment
 * (RCLONE_CONFIG_<REMOTE>_*, `--config /dev/null`). `--retries 1` so a server error fails the
 * command instead of being retried away.
 */
describe('rclone 1.60.1 (provider Other, force_path_style)', () => {
  let t: TestServer;
  let s3: S3Client;
  let proxy: RecordingProxy;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let bucket: string;
  let big: Buffer;

  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    proxy = await startRecordingProxy(t.port);
    work = await tempDir('coffer-rclone-');
    await fs.mkdir(path.join(work, 'home'));
    const remote = (name: string, endpoint: string) => ({
      [`RCLONE_CONFIG_${name}_TYPE`]: 's3',
      [`RCLONE_CONFIG_${name}_PROVIDER`]: 'Other',
      [`RCLONE_CONFIG_${name}_ENDPOINT`]: endpoint,
      [`RCLONE_CONFIG_${name}_ACCESS_KEY_ID`]: t.secretId,
      [`RCLONE_CONFIG_${name}_SECRET_ACCESS_KEY`]: t.secretKey,
      [`RCLONE_CONFIG_${name}_FORCE_PATH_STYLE`]: 'true',
      [`RCLONE_CONFIG_${name}_REGION`]: 'us-east-1',
      [`RCLONE_CONFIG_${name}_UPLOAD_CUTOFF`]: UPLOAD_CUTOFF,
      [`RCLONE_CONFIG_${name}_CHUNK_SIZE`]: `${CHUNK_BYTES / MIB}Mi`,
    });
    // C talks to Coffer directly; W goes through the recording proxy.
    env = clientEnv(path.join(work, 'home'), { ...remote('C', t.url), ...remote('W', proxy.url) });
    bucket = t.bucketName('rclone');
    big = randomBytes(30 * MIB);
    await writeTree(path.join(work, 'tree'), { ...SMALL_FILES, [BIG_KEY]: big });
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  const rclone = (...args: string[]) =>
    run(RCLONE, ['--config', '/dev/null', '--retries', '1', ...args], { env, cwd: work });
  const ok = async (...args: string[]) => expectSuccess(await rclone(...args), `rclone ${args.join(' ')}`);

  it('mkdir creates the bucket and lsd lists it', async () => {
    await ok('mkdir', `c:${bucket}`);
    expect((await ok('lsd', 'c:')).stdout).toMatch(
      new RegExp(`^ +-1 \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +-1 ${bucket}\n$`),
    );
  });

  it('copy uploads a tree; the 30 MiB file goes multipart and keeps its MD5 and mtime in metadata', async () => {
    const partsBefore = t.server.metrics.requests('UploadPart');
    const copy = await ok('copy', '-v', 'tree', `c:${bucket}/tree`);
    expect(actions(copy.stderr)).toEqual(
      [...Object.keys(SMALL_FILES), BIG_KEY].sort().map((name) => [name, 'Copied (new)']),
    );
    expect(copy.stderr).toMatch(/Transferred:\s+6 \/ 6, 100%/);
    expect(t.server.metrics.requests('UploadPart') - partsBefore).toBe(6);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `tree/${BIG_KEY}` }));
    expect(head.ETag).toBe(`"${multipartEtag(big, CHUNK_BYTES)}"`);
    // rclone cannot get an MD5 from a multipart ETag, so it keeps one in metadata and reads it back on HEAD.
    expect(head.Metadata).toMatchObject({
      md5chksum: createHash('md5').update(big).digest('base64'),
      mtime: expect.stringMatching(/^\d+(\.\d+)?$/),
    });
  });

  it('ls, lsf and lsd list the tree at every depth', async () => {
    const root = `c:${bucket}/tree`;
    const [lsf, lsfDeep, lsfAll, lsd, lsdAll, lsDir] = await Promise.all([
      ok('lsf', root),
      ok('lsf', '--max-depth', '2', root),
      ok('lsf', '-R', root),
      ok('lsd', root),
      ok('lsd', '-R', root),
      ok('ls', `${root}/dir a`),
    ]);
    expect(lines(lsf.stdout)).toEqual(['big/', 'dir a/', 'top.txt', 'ünï/']);
    expect(lines(lsfDeep.stdout)).toEqual(
      ['big/', BIG_KEY, 'dir a/', 'dir a/file one.txt', 'dir a/sub/', 'top.txt', 'ünï/', 'ünï/日本/'].sort(),
    );
    expect(lines(lsfAll.stdout)).toEqual(
      [
        ...Object.keys(SMALL_FILES),
        BIG_KEY,
        ...['big/', 'dir a/', 'dir a/sub/', 'dir a/sub/deeper/', 'ünï/', 'ünï/日本/'],
      ].sort(),
    );
    const dirNames = (stdout: string) => lines(stdout.replace(/^ +-?\d+ \S+ \S+ +-?\d+ /gm, ''));
    expect(dirNames(lsd.stdout)).toEqual(['big', 'dir a', 'ünï']);
    expect(dirNames(lsdAll.stdout)).toEqual(['big', 'dir a', 'dir a/sub', 'dir a/sub/deeper', 'ünï', 'ünï/日本']);
    expect(lines(lsDir.stdout)).toEqual(
      ['        4 file one.txt', '        5 sub/deeper/d e.txt', '        4 sub/two.txt'].sort(),
    );
  });

  it('md5sum and check agree with the local files: 0 differences', async () => {
    const sums = lines((await ok('md5sum', `c:${bucket}/tree`)).stdout);
    const local = await treeDigests(path.join(work, 'tree'));
    expect(sums).toEqual(
      Object.entries(local)
        .map(([name, md5]) => `${md5}  ${name}`)
        .sort(),
    );
    const check = await ok('check', 'tree', `c:${bucket}/tree`);
    expect(check.stderr).toContain(': 0 differences found');
    expect(check.stderr).toContain(': 6 matching files');
  });

  it('copies the tree back down byte for byte', async () => {
    await ok('copy', `c:${bucket}/tree`, 'down');
    expect(await treeDigests(path.join(work, 'down'))).toEqual(await treeDigests(path.join(work, 'tree')));
  });

  it('sync uploads what changed and deletes what is gone; a second sync has nothing to do', async () => {
    await fs.rm(path.join(work, 'tree/dir a/sub/two.txt'));
    await fs.writeFile(path.join(work, 'tree/top.txt'), 'top, now longer\n');
    await fs.writeFile(path.join(work, 'tree/dir a/new.txt'), 'new\n');
    const sync = await ok('sync', '-v', 'tree', `c:${bucket}/tree`);
    expect(actions(sync.stderr)).toEqual([
      ['dir a/new.txt', 'Copied (new)'],
      ['dir a/sub/two.txt', 'Deleted'],
      ['top.txt', 'Copied (replaced existing)'],
    ]);
    expect(sync.stderr).toMatch(/Deleted:\s+1 \(files\), 0 \(dirs\)/);
    expect(sync.stderr).toMatch(/Transferred:\s+2 \/ 2, 100%/);
    const again = await ok('sync', '-v', 'tree', `c:${bucket}/tree`);
    expect(again.stderr).toContain('There was nothing to transfer');
    expect(actions(again.stderr)).toEqual([]);
    const check = await ok('check', 'tree', `c:${bucket}/tree`);
    expect(check.stderr).toContain(': 0 differences found');
    expect(check.stderr).toContain(': 6 matching files');
  });

  it('sends Content-MD5 on every PUT (UNSIGNED-PAYLOAD on single PUTs) and lists with V1, per directory when walking', async () => {
    const from = proxy.requests.length;
    const part = randomBytes(17 * MIB);
    await writeTree(path.join(work, 'wire'), { 'w.txt': 'wire\n', 'w.bin': part });
    expectSuccess(await rclone('copy', 'wire', `w:${bucket}/wire`), 'copy via proxy');
    const sent = proxy.requests.slice(from);
    const puts = sent.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => (r.query.has('partNumber') ? 'part' : r.path)).sort()).toEqual(
      ['part', 'part', 'part', 'part', `/${bucket}/wire/w.txt`].sort(),
    );
    // The single PUT is UNSIGNED-PAYLOAD; parts carry the part's signed SHA-256 (this is what rclone
    // 1.60.1 sends). Both come with Content-MD5.
    for (const put of puts) {
      const n = Number(put.query.get('partNumber') ?? 0);
      const body = n ? part.subarray((n - 1) * CHUNK_BYTES, n * CHUNK_BYTES) : Buffer.from('wire\n');
      expect(put.headers['x-amz-content-sha256']).toBe(
        n ? createHash('sha256').update(body).digest('hex') : 'UNSIGNED-PAYLOAD',
      );
      expect(put.headers['content-md5']).toBe(createHash('md5').update(body).digest('base64'));
    }

    // check walks the tree one directory at a time (delimiter '/'); lsf -R asks for everything at once.
    const walked = proxy.requests.length;
    expectSuccess(await rclone('check', 'tree', `w:${bucket}/tree`), 'check via proxy');
    const flat = proxy.requests.length;
    expectSuccess(await rclone('lsf', '-R', `w:${bucket}/tree`), 'lsf -R via proxy');
    const listing = (r: (typeof sent)[number]) =>
      r.method === 'GET' && r.query.has('prefix')
        ? [r.query.get('list-type'), r.query.get('delimiter'), r.query.get('prefix')]
        : [];
    const perDirectory = proxy.requests
      .slice(walked, flat)
      .map(listing)
      .filter((l) => l.length);
    expect(perDirectory.sort()).toEqual(
      ['tree/', 'tree/big/', 'tree/dir a/', 'tree/dir a/sub/', 'tree/dir a/sub/deeper/', 'tree/ünï/', 'tree/ünï/日本/']
        .sort()
        .map((prefix) => [null, '/', prefix]),
    );
    expect(
      proxy.requests
        .slice(flat)
        .map(listing)
        .filter((l) => l.length),
    ).toEqual([[null, '', 'tree/']]);
  });

  it('lists past 1,000 keys, by directory (NextMarker) and recursively (last Key); purge empties it', async () => {
    const paged = t.bucketName('rclonepaged');
    await createPagedBucket(s3, paged);
    const names = PAGE_KEYS.map((k) => k.slice(PAGE_DIR.length));
    expect((await ok('lsf', `c:${paged}/${PAGE_DIR}`)).stdout.split('\n').filter(Boolean)).toEqual(names);
    expect(lines((await ok('lsf', '-R', `c:${paged}`)).stdout)).toEqual(['paged/', PAGE_DIR, ...PAGE_KEYS].sort());
    await ok('purge', `c:${paged}`);
  });

  it('delete removes matching files only; purge removes everything and the bucket', async () => {
    await ok('delete', '--include', '*.txt', `c:${bucket}`);
    expect(lines((await ok('lsf', '-R', `c:${bucket}`)).stdout)).toEqual(
      ['tree/', 'tree/big/', `tree/${BIG_KEY}`, 'wire/', 'wire/w.bin'].sort(),
    );
    await ok('purge', `c:${bucket}`);
    expect((await ok('lsd', 'c:')).stdout).toBe('');
    const head = await s3.send(new HeadBucketCommand({ Bucket: bucket })).catch((e) => e);
    expect(head.$metadata?.httpStatusCode).toBe(404);
  });
});
