import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientEnv,
  createPagedBucket,
  expectSuccess,
  md5Hex,
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
import { startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

const S3CMD = '/usr/bin/s3cmd';
const MIB = 1024 * 1024;
/** --multipart-chunk-size-mb=5: a 12 MiB file goes up as 5 + 5 + 2 MiB. */
const CHUNK_MB = 5;

const TREE: Record<string, string> = {
  'top.txt': 'top\n',
  'dir a/file one.txt': 'one\n',
  'dir a/sub/two.txt': 'two\n',
  'ünï/日本/😀.txt': 'unicode\n',
};

/**
 * `s3cmd ls`/`la` output: `DIR s3://…/` lines and `date time size s3://…` lines. With -l a line also
 * has the ETag and storage class.
 */
function parseLs(stdout: string): { dirs: string[]; objects: string[][] } {
  const dirs: string[] = [];
  const objects: string[][] = [];
  for (const line of stdout.split('\n').filter(Boolean)) {
    const dir = /^ +DIR +(s3:\/\/.+)$/.exec(line);
    if (dir) {
      dirs.push(dir[1]!);
      continue;
    }
    const obj = /^\d{4}-\d\d-\d\d \d\d:\d\d +(\d+) +(?:(\S+) +(\S+) +)?(s3:\/\/.+)$/.exec(line);
    if (!obj) throw new Error(`unexpected s3cmd ls line: ${JSON.stringify(line)}`);
    objects.push([obj[4]!, obj[1]!, ...(obj[2] ? [obj[2], obj[3]!] : [])]);
  }
  return { dirs, objects };
}

/** The `Name: value` lines of `s3cmd info`. */
function parseInfo(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .map((line) => /^ {3}([^:]+):\s+(.*)$/.exec(line))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
}

const encodePath = (key: string) => key.split('/').map(encodeURIComponent).join('/');

describe('s3cmd 2.3.0 (host_base = host_bucket = 127.0.0.1:port, path style)', () => {
  let t: TestServer;
  let s3: S3Client;
  let proxy: RecordingProxy;
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    proxy = await startRecordingProxy(t.port);
    work = await tempDir('coffer-s3cmd-');
    env = clientEnv(path.join(work, 'home'));
    await fs.mkdir(path.join(work, 'home'));
    // What a user writes into .s3cfg for a self-hosted endpoint (host_bucket without %(bucket)s = path style).
    for (const [name, port] of [
      ['s3cfg', t.port],
      ['s3cfg-proxy', proxy.port],
    ] as const) {
      await fs.writeFile(
        path.join(work, name),
        [
          '[default]',
          `access_key = ${t.secretId}`,
          `secret_key = ${t.secretKey}`,
          `host_base = 127.0.0.1:${port}`,
          `host_bucket = 127.0.0.1:${port}`,
          'use_https = False',
          'signature_v2 = False',
          '',
        ].join('\n'),
      );
    }
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('ls pages past 1,000 keys with ListObjects V1, recursive and by folder', async () => {
    const paged = t.bucketName('s3cmdpaged');
    await createPagedBucket(s3, paged);
    const s3cmd = (...args: string[]) => run(S3CMD, ['-c', path.join(work, 's3cfg'), ...args], { env, cwd: work });
    const recursive = parseLs(expectSuccess(await s3cmd('ls', '-r', `s3://${paged}`), 'ls -r').stdout);
    expect(recursive.objects.map(([uri]) => uri)).toEqual(PAGE_KEYS.map((k) => `s3://${paged}/${k}`));
    const folder = parseLs(expectSuccess(await s3cmd('ls', `s3://${paged}/${PAGE_DIR}`), 'ls').stdout);
    expect(folder.objects.map(([uri]) => uri)).toEqual(PAGE_KEYS.map((k) => `s3://${paged}/${k}`));
    expectSuccess(await s3cmd('del', '--recursive', '--force', `s3://${paged}`), 'del');
    expectSuccess(await s3cmd('rb', `s3://${paged}`), 'rb');
  });

  describe.each([
    { scheme: 'SigV4 (signature_v2 = False)', flags: [] as string[], authorization: /^AWS4-HMAC-SHA256 Credential=/ },
    { scheme: 'SigV2 (--signature-v2)', flags: ['--signature-v2'], authorization: /^AWS [^:\s]+:[A-Za-z0-9+/]+=*$/ },
  ])('$scheme', ({ flags, authorization }) => {
    let bucket: string;
    let big: Buffer;
    const s3cmd = (...args: string[]) =>
      run(S3CMD, ['-c', path.join(work, 's3cfg'), ...flags, ...args], { env, cwd: work });
    const ok = async (...args: string[]) => expectSuccess(await s3cmd(...args), `s3cmd ${args.join(' ')}`);

    beforeAll(async () => {
      bucket = t.bucketName(flags.length ? 's3cmdv2' : 's3cmdv4');
      big = randomBytes(12 * MIB);
      // s3cmd guesses the MIME type with libmagic: random bytes sometimes begin like a known format ("MZ": a
      // DOS executable, application/x-dosexec); a zero first 16 bytes is plain data.
      big.fill(0, 0, 16);
      await writeTree(work, { 'small.txt': 'hello from s3cmd\n', 'big.bin': big });
    });

    it('mb, then put a small file and a multipart one (--multipart-chunk-size-mb=5)', async () => {
      expect((await ok('mb', `s3://${bucket}`)).stdout).toBe(`Bucket 's3://${bucket}/' created\n`);
      const small = await ok('put', 'small.txt', `s3://${bucket}/small.txt`);
      expect(small.stdout).toMatch(new RegExp(`^upload: 'small.txt' -> 's3://${bucket}/small.txt' \\(17 bytes in `));
      const partsBefore = t.server.metrics.requests('UploadPart');
      await ok('put', `--multipart-chunk-size-mb=${CHUNK_MB}`, 'big.bin', `s3://${bucket}/dir/big.bin`);
      expect(t.server.metrics.requests('UploadPart') - partsBefore).toBe(3);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/big.bin' }));
      expect(head.ETag).toBe(`"${multipartEtag(big, CHUNK_MB * MIB)}"`);
      expect(head.ContentLength).toBe(big.length);
      // s3cmd keeps the whole file's MD5 (and mode, owner, times) in its own metadata: it must come back.
      expect(head.Metadata?.['s3cmd-attrs']).toContain(`md5:${md5Hex(big)}`);
    });

    it('ls (one level, -r, -l), la and the bucket list', async () => {
      const top = parseLs((await ok('ls', `s3://${bucket}`)).stdout);
      expect(top).toEqual({ dirs: [`s3://${bucket}/dir/`], objects: [[`s3://${bucket}/small.txt`, '17']] });
      const long = parseLs((await ok('ls', '-r', '-l', `s3://${bucket}`)).stdout);
      expect(long.objects).toEqual([
        [`s3://${bucket}/dir/big.bin`, String(big.length), multipartEtag(big, CHUNK_MB * MIB), 'STANDARD'],
        [`s3://${bucket}/small.txt`, '17', md5Hex('hello from s3cmd\n'), 'STANDARD'],
      ]);
      const all = parseLs((await ok('la')).stdout);
      expect(all.dirs).toEqual([`s3://${bucket}/dir/`]);
      expect(all.objects.map(([uri]) => uri)).toEqual([`s3://${bucket}/small.txt`]);
      const buckets = (await ok('ls')).stdout.split('\n').filter(Boolean);
      expect(buckets).toEqual([
        expect.stringMatching(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  s3://${bucket}$`)),
      ]);
    });

    it('get downloads both files byte for byte (and the multipart MD5 check passes)', async () => {
      const got = await ok('get', '--force', `s3://${bucket}/dir/big.bin`, 'got-big.bin');
      expect(got.stderr).not.toContain('WARNING');
      expect((await fs.readFile(path.join(work, 'got-big.bin'))).equals(big)).toBe(true);
      await ok('get', '--force', `s3://${bucket}/small.txt`, 'got-small.txt');
      expect(await fs.readFile(path.join(work, 'got-small.txt'), 'utf8')).toBe('hello from s3cmd\n');
    });

    it('sync uploads a tree once and nothing the second time; syncing back down matches', async () => {
      const tree = `tree-${bucket}`;
      await writeTree(path.join(work, tree), TREE);
      const first = await ok('sync', `${tree}/`, `s3://${bucket}/t/`);
      const uploaded = first.stdout.split('\n').filter((l) => l.startsWith('upload: '));
      expect(uploaded.map((l) => /-> '(.+?)'/.exec(l)![1]).sort()).toEqual(
        Object.keys(TREE)
          .map((k) => `s3://${bucket}/t/${k}`)
          .sort(),
      );
      expect((await ok('sync', `${tree}/`, `s3://${bucket}/t/`)).stdout).not.toContain('upload:');
      const down = `down-${bucket}`;
      await ok('sync', `s3://${bucket}/t/`, `${down}/`);
      expect((await ok('sync', `s3://${bucket}/t/`, `${down}/`)).stdout).not.toContain('download:');
      expect(await treeDigests(path.join(work, down))).toEqual(await treeDigests(path.join(work, tree)));
    });

    it('info shows the object (size, MD5, type, ACL) and the bucket (location)', async () => {
      const object = parseInfo((await ok('info', `s3://${bucket}/dir/big.bin`)).stdout);
      expect(object).toMatchObject({
        'File size': String(big.length),
        'MD5 sum': md5Hex(big),
        'MIME type': 'application/octet-stream',
        Storage: 'STANDARD',
      });
      expect(object['ACL']).toMatch(/: FULL_CONTROL$/);
      expect(parseInfo((await ok('info', `s3://${bucket}`)).stdout)).toMatchObject({ Location: TEST_REGION });
    });

    it('modify --remove-header drops metadata, though s3cmd echoes our x-cos-meta-* headers back', async () => {
      await ok('put', '--add-header=x-amz-meta-foo: bar', 'small.txt', `s3://${bucket}/meta.txt`);
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta.txt' }))).Metadata).toMatchObject({
        foo: 'bar',
      });
      await ok('modify', '--remove-header=x-amz-meta-foo', `s3://${bucket}/meta.txt`);
      const after = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta.txt' }));
      expect(after.Metadata?.['foo']).toBeUndefined();
      await ok('modify', '--add-header=x-amz-meta-color: blue', `s3://${bucket}/meta.txt`);
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta.txt' }))).Metadata).toMatchObject({
        color: 'blue',
      });
      await ok('del', `s3://${bucket}/meta.txt`);
    });

    it('setacl --acl-public lets anonymous GET in; --acl-private shuts it out again', async () => {
      const key = 'ünï/日本/😀.txt';
      const url = `${t.url}/${bucket}/t/${encodePath(key)}`;
      expect((await fetch(url)).status).toBe(403);
      expect((await ok('setacl', '--acl-public', `s3://${bucket}/t/${key}`)).stdout).toContain('ACL set to Public');
      const open = await fetch(url);
      expect(open.status).toBe(200);
      expect(await open.text()).toBe('unicode\n');
      expect((await ok('setacl', '--acl-private', `s3://${bucket}/t/${key}`)).stdout).toContain('ACL set to Private');
      expect((await fetch(url)).status).toBe(403);
    });

    it('sends SigV4/SigV2 headers, no User-Agent, lists with V1, sets ACLs by GET ?acl then a PUT ?acl body', async () => {
      const from = proxy.requests.length;
      const via = (...args: string[]) =>
        run(S3CMD, ['-c', path.join(work, 's3cfg-proxy'), ...flags, ...args], { env, cwd: work });
      expectSuccess(await via('ls', `s3://${bucket}/t/`), 'ls via proxy');
      expectSuccess(await via('setacl', '--acl-public', `s3://${bucket}/small.txt`), 'setacl via proxy');
      const sent = proxy.requests.slice(from);
      expect(sent.every((r) => authorization.test(String(r.headers['authorization'])))).toBe(true);
      expect(sent.every((r) => r.headers['user-agent'] === undefined)).toBe(true);
      const list = sent.find((r) => r.method === 'GET' && r.query.has('prefix'))!;
      expect(list.query.get('list-type')).toBeNull();
      expect(Object.fromEntries(list.query)).toMatchObject({ prefix: 't/', delimiter: '/' });
      const acl = sent.filter((r) => r.query.has('acl')).map((r) => r.method);
      expect(acl).toEqual(['GET', 'PUT']);
      const put = sent.find((r) => r.method === 'PUT' && r.query.has('acl'))!;
      expect(Number(put.headers['content-length'])).toBeGreaterThan(0);
      expect(put.headers['x-amz-acl']).toBeUndefined();
      expect((await fetch(`${t.url}/${bucket}/small.txt`)).status).toBe(200);
    });

    it('del removes one object, del --recursive the rest, rb removes the bucket', async () => {
      expect((await ok('del', `s3://${bucket}/small.txt`)).stdout).toBe(`delete: 's3://${bucket}/small.txt'\n`);
      const rest = await ok('del', '--recursive', '--force', `s3://${bucket}`);
      expect(rest.stdout.split('\n').filter(Boolean).sort()).toEqual(
        ['dir/big.bin', ...Object.keys(TREE).map((k) => `t/${k}`)].map((k) => `delete: 's3://${bucket}/${k}'`).sort(),
      );
      expect((await ok('rb', `s3://${bucket}`)).stdout).toBe(`Bucket 's3://${bucket}/' removed\n`);
      const gone = await s3cmd('ls', `s3://${bucket}`);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toContain('NoSuchBucket');
    });
  });
});
