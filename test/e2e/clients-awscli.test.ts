import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientEnv,
  createPagedBucket,
  expectSuccess,
  md5Hex,
  multipartEtag,
  PAGE_KEYS,
  type RecordingProxy,
  run,
  startRecordingProxy,
  tempDir,
  treeDigests,
  writeTree,
} from './helpers/clients.js';
import { startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

/** Debian's awscli 2.9.19; `aws` on PATH may be a pyenv shim. */
const AWS = '/usr/bin/aws';
const MIB = 1024 * 1024;
/** awscli's default multipart_threshold and multipart_chunksize. */
const AWS_CHUNK_BYTES = 8 * MIB;

/** A tree for sync and ls: nested folders, spaces, '+' and '%' (encoding-type=url must round-trip them), UTF-8. */
const TREE: Record<string, string> = {
  'top.txt': 'top\n',
  'a+b %20.txt': 'plus and percent\n',
  'dir a/file one.txt': 'one\n',
  'dir a/sub/two.txt': 'two\n',
  'ünï/日本/😀.txt': 'unicode\n',
};

/** `aws s3 ls` output: `PRE name/` lines and `date time size name` lines. */
function parseLs(stdout: string): { prefixes: string[]; objects: [key: string, size: number][] } {
  const prefixes: string[] = [];
  const objects: [string, number][] = [];
  for (const line of stdout.split('\n').filter(Boolean)) {
    const pre = /^ +PRE (.+)$/.exec(line);
    const obj = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +(\d+) (.+)$/.exec(line);
    if (pre) prefixes.push(pre[1]!);
    else if (obj) objects.push([obj[2]!, Number(obj[1])]);
    else throw new Error(`unexpected ls line: ${JSON.stringify(line)}`);
  }
  return { prefixes, objects };
}

const sortedLines = (stdout: string) => stdout.split('\n').filter(Boolean).sort();

/**
 * awscli as its users point it at a self-hosted endpoint. Each `it` continues from the previous one's
 * bucket contents (an aws process costs ~0.7 s of Python start-up, so state is built once); what the
 * server holds is checked through the in-process @aws-sdk/client-s3, not with more aws runs.
 */
describe('AWS CLI v2 (awscli 2.9.19, addressing_style = path)', () => {
  let t: TestServer;
  let s3: S3Client;
  let proxy: RecordingProxy;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let bucket: string;
  /** Created with the server's region configured (so with a LocationConstraint); versioned later. */
  let regional: string;

  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    proxy = await startRecordingProxy(t.port);
    work = await tempDir('coffer-awscli-');
    const home = path.join(work, 'home');
    // What a user writes for a self-hosted endpoint: path style, a region, a key pair.
    await writeTree(home, {
      '.aws/config': '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n',
      '.aws/credentials': `[default]\naws_access_key_id = ${t.secretId}\naws_secret_access_key = ${t.secretKey}\n`,
    });
    env = clientEnv(home, {
      AWS_CONFIG_FILE: path.join(home, '.aws/config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws/credentials'),
      AWS_PAGER: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    bucket = t.bucketName('awscli');
    regional = t.bucketName('awsregion');
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  const aws = (...args: string[]) => run(AWS, ['--endpoint-url', t.url, ...args], { env, cwd: work });
  const ok = async (...args: string[]) => expectSuccess(await aws(...args), `aws ${args.join(' ')}`);
  /** An `aws s3api` call, its JSON output parsed ({} for commands that print nothing). */
  const api = async (...args: string[]) => {
    const { stdout } = await ok('s3api', ...args, '--output', 'json');
    // biome-ignore lint/suspicious/noExplicitAny: awscli's JSON output, asserted field by field
    return (stdout.trim() ? JSON.parse(stdout) : {}) as any;
  };
  const bytesOf = async (Bucket: string, Key: string) =>
    Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray());

  it('s3 mb creates buckets (with and without a LocationConstraint), s3 ls lists them; a second mb succeeds in us-east-1 only, as on S3', async () => {
    expect((await ok('s3', 'mb', `s3://${bucket}`)).stdout).toBe(`make_bucket: ${bucket}\n`);
    // With the server's own region configured, mb sends CreateBucketConfiguration/LocationConstraint.
    await ok('--region', TEST_REGION, 's3', 'mb', `s3://${regional}`);
    // S3 answers an owner's re-create in us-east-1 (awscli's region here) with 200, elsewhere with 409.
    expect((await ok('s3', 'mb', `s3://${bucket}`)).stdout).toBe(`make_bucket: ${bucket}\n`);
    const again = await aws('--region', TEST_REGION, 's3', 'mb', `s3://${regional}`);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('BucketAlreadyOwnedByYou');
    const names = (await ok('s3', 'ls')).stdout.split('\n').filter(Boolean);
    expect(names.map((line) => line.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, '')).sort()).toEqual(
      [bucket, regional].sort(),
    );
  });

  it('s3 cp uploads and downloads a small file, also to stdout', async () => {
    const body = 'hello from awscli\n';
    await fs.writeFile(path.join(work, 'small.txt'), body);
    expect((await ok('s3', 'cp', 'small.txt', `s3://${bucket}/small.txt`, '--no-progress')).stdout).toBe(
      `upload: ./small.txt to s3://${bucket}/small.txt\n`,
    );
    const [toFile, toStdout] = await Promise.all([
      ok('s3', 'cp', `s3://${bucket}/small.txt`, 'down/small.txt', '--no-progress'),
      ok('s3', 'cp', `s3://${bucket}/small.txt`, '-'),
    ]);
    expect(toFile.stdout).toBe(`download: s3://${bucket}/small.txt to down/small.txt\n`);
    expect(await fs.readFile(path.join(work, 'down/small.txt'), 'utf8')).toBe(body);
    expect(toStdout.stdout).toBe(body);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'small.txt' }));
    expect(head).toMatchObject({ ContentLength: body.length, ETag: `"${md5Hex(body)}"`, ContentType: 'text/plain' });
  });

  it('s3 cp sends a 20 MiB file as 3 parts of 8 MiB and reads it back byte for byte', async () => {
    const data = randomBytes(20 * MIB);
    await fs.writeFile(path.join(work, 'big.bin'), data);
    const partsBefore = t.server.metrics.requests('UploadPart');
    await ok('s3', 'cp', 'big.bin', `s3://${bucket}/big.bin`, '--no-progress');
    expect(t.server.metrics.requests('UploadPart') - partsBefore).toBe(3);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    expect(head).toMatchObject({ ContentLength: data.length, ETag: `"${multipartEtag(data, AWS_CHUNK_BYTES)}"` });
    await ok('s3', 'cp', `s3://${bucket}/big.bin`, 'down/big.bin', '--no-progress');
    expect((await fs.readFile(path.join(work, 'down/big.bin'))).equals(data)).toBe(true);
  });

  it('s3 sync uploads a tree once; the second run uploads nothing; --delete removes what is gone', async () => {
    await writeTree(path.join(work, 'tree'), TREE);
    const first = await ok('s3', 'sync', 'tree', `s3://${bucket}/t`, '--no-progress');
    expect(sortedLines(first.stdout)).toEqual(
      Object.keys(TREE)
        .map((k) => `upload: tree/${k} to s3://${bucket}/t/${k}`)
        .sort(),
    );
    // sync compares size and LastModified: a server clock behind the upload would re-upload everything.
    expect((await ok('s3', 'sync', 'tree', `s3://${bucket}/t`, '--no-progress')).stdout).toBe('');

    await fs.writeFile(path.join(work, 'tree/top.txt'), 'top, now longer\n');
    await fs.writeFile(path.join(work, 'tree/new file.txt'), 'new\n');
    await fs.rm(path.join(work, 'tree/dir a/sub/two.txt'));
    const third = await ok('s3', 'sync', 'tree', `s3://${bucket}/t`, '--delete', '--no-progress');
    expect(sortedLines(third.stdout)).toEqual([
      `delete: s3://${bucket}/t/dir a/sub/two.txt`,
      `upload: tree/new file.txt to s3://${bucket}/t/new file.txt`,
      `upload: tree/top.txt to s3://${bucket}/t/top.txt`,
    ]);

    // And back down: everything once, then nothing.
    const down = await ok('s3', 'sync', `s3://${bucket}/t`, 'synced', '--no-progress');
    expect(sortedLines(down.stdout)).toHaveLength(5);
    expect((await ok('s3', 'sync', `s3://${bucket}/t`, 'synced', '--no-progress')).stdout).toBe('');
    expect(await treeDigests(path.join(work, 'synced'))).toEqual(await treeDigests(path.join(work, 'tree')));
  });

  it('s3 ls lists a prefix (folders as PRE), a partial prefix, and --recursive with awkward keys', async () => {
    const [inT, partial, all] = await Promise.all([
      ok('s3', 'ls', `s3://${bucket}/t/`),
      ok('s3', 'ls', `s3://${bucket}/t/d`),
      ok('s3', 'ls', '--recursive', `s3://${bucket}/`),
    ]);
    expect(parseLs(inT.stdout)).toEqual({
      prefixes: ['dir a/', 'ünï/'],
      objects: [
        ['a+b %20.txt', 17],
        ['new file.txt', 4],
        ['top.txt', 16],
      ],
    });
    expect(parseLs(partial.stdout)).toEqual({ prefixes: ['dir a/'], objects: [] });
    // UTF-8 byte order, as S3 lists.
    expect(parseLs(all.stdout).objects.map(([key]) => key)).toEqual([
      'big.bin',
      'small.txt',
      't/a+b %20.txt',
      't/dir a/file one.txt',
      't/new file.txt',
      't/top.txt',
      't/ünï/日本/😀.txt',
    ]);
  });

  it('s3 ls --recursive pages past 1,000 keys (continuation token, encoding-type=url)', async () => {
    const paged = t.bucketName('awspaged');
    await createPagedBucket(s3, paged);
    const listed = parseLs((await ok('s3', 'ls', '--recursive', `s3://${paged}/`)).stdout);
    expect(listed.objects.map(([key]) => key)).toEqual(PAGE_KEYS);
    await ok('s3', 'rb', '--force', `s3://${paged}`);
  });

  it('s3 presign makes a SigV4 query URL that plain fetch can use, for keys with spaces too', async () => {
    const url = (await ok('s3', 'presign', `s3://${bucket}/t/dir a/file one.txt`, '--expires-in', '300')).stdout.trim();
    expect(new URL(url).searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('300');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('one\n');
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    const denied = await fetch(tampered);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('s3 rm --recursive deletes every key under a prefix with one DeleteObject each', async () => {
    const before = { one: t.server.metrics.requests('DeleteObject'), many: t.server.metrics.requests('DeleteObjects') };
    const rm = await ok('s3', 'rm', '--recursive', `s3://${bucket}/t/`);
    const deleted = ['a+b %20.txt', 'dir a/file one.txt', 'new file.txt', 'top.txt', 'ünï/日本/😀.txt'];
    expect(sortedLines(rm.stdout)).toEqual(deleted.map((k) => `delete: s3://${bucket}/t/${k}`).sort());
    expect(t.server.metrics.requests('DeleteObject') - before.one).toBe(deleted.length);
    expect(t.server.metrics.requests('DeleteObjects') - before.many).toBe(0);
  });

  it('s3api put-object, head-object, get-object and list-objects-v2 return exact fields', async () => {
    const body = 'api body\n';
    await fs.writeFile(path.join(work, 'api.txt'), body);
    const put = await api(
      ...['put-object', '--bucket', bucket, '--key', 'api/x y.txt', '--body', 'api.txt'],
      ...['--content-type', 'text/x-coffer', '--metadata', 'color=blue,shape=round', '--cache-control', 'max-age=60'],
    );
    expect(put).toEqual({ ETag: `"${md5Hex(body)}"` });
    const expected = {
      ContentLength: body.length,
      ETag: `"${md5Hex(body)}"`,
      ContentType: 'text/x-coffer',
      CacheControl: 'max-age=60',
      Metadata: { color: 'blue', shape: 'round' },
    };
    const [head, got, list] = await Promise.all([
      api('head-object', '--bucket', bucket, '--key', 'api/x y.txt'),
      api('get-object', '--bucket', bucket, '--key', 'api/x y.txt', 'api-out.txt'),
      api('list-objects-v2', '--bucket', bucket, '--delimiter', '/', '--no-paginate'),
    ]);
    expect(head).toMatchObject(expected);
    expect(got).toMatchObject(expected);
    expect(await fs.readFile(path.join(work, 'api-out.txt'), 'utf8')).toBe(body);
    expect(list.Contents.map((c: { Key: string }) => c.Key)).toEqual(['big.bin', 'small.txt']);
    expect(list.Contents[1]).toMatchObject({ Size: 18, ETag: `"${md5Hex('hello from awscli\n')}"` });
    expect(list.CommonPrefixes).toEqual([{ Prefix: 'api/' }]);
    expect(list).toMatchObject({
      Name: bucket,
      Prefix: '',
      Delimiter: '/',
      MaxKeys: 1000,
      KeyCount: 3,
      IsTruncated: false,
    });
  });

  it('s3api versioning: put-bucket-versioning, list-object-versions, delete-objects by version', async () => {
    await api('put-bucket-versioning', '--bucket', regional, '--versioning-configuration', 'Status=Enabled');
    expect(await api('get-bucket-versioning', '--bucket', regional)).toEqual({ Status: 'Enabled' });
    await fs.writeFile(path.join(work, 'v1.txt'), 'version one');
    await fs.writeFile(path.join(work, 'v2.txt'), 'version two!');
    const v1 = (await api('put-object', '--bucket', regional, '--key', 'v key.txt', '--body', 'v1.txt')).VersionId;
    const v2 = (await api('put-object', '--bucket', regional, '--key', 'v key.txt', '--body', 'v2.txt')).VersionId;
    expect(v1).toMatch(/^\S+$/);
    expect(v2).not.toBe(v1);
    const versions = await api('list-object-versions', '--bucket', regional);
    expect(versions.Versions.map((v: Record<string, unknown>) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([
      ['v key.txt', v2, true, 12],
      ['v key.txt', v1, false, 11],
    ]);
    const del = await api(
      ...['delete-objects', '--bucket', regional, '--delete'],
      JSON.stringify({
        Objects: [
          { Key: 'v key.txt', VersionId: v1 },
          { Key: 'v key.txt', VersionId: v2 },
        ],
      }),
    );
    expect(del.Deleted).toEqual(
      expect.arrayContaining([
        { Key: 'v key.txt', VersionId: v1 },
        { Key: 'v key.txt', VersionId: v2 },
      ]),
    );
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: regional }))).Versions).toBeUndefined();
    // Every version is gone, so no delete marker keeps the bucket alive.
    expect((await ok('s3', 'rb', `s3://${regional}`)).stdout).toBe(`remove_bucket: ${regional}\n`);
  });

  it('s3api multipart: create-multipart-upload, upload-part, list-parts, complete; abort leaves no upload', async () => {
    const part1 = randomBytes(5 * MIB);
    const part2 = Buffer.from('the short last part');
    await fs.writeFile(path.join(work, 'p1'), part1);
    await fs.writeFile(path.join(work, 'p2'), part2);
    const { UploadId } = await api('create-multipart-upload', '--bucket', bucket, '--key', 'mp.bin');
    const common = ['--bucket', bucket, '--key', 'mp.bin', '--upload-id', UploadId];
    const [e1, e2] = (
      await Promise.all([
        api('upload-part', ...common, '--part-number', '1', '--body', 'p1'),
        api('upload-part', ...common, '--part-number', '2', '--body', 'p2'),
      ])
    ).map((r) => r.ETag);
    expect([e1, e2]).toEqual([`"${md5Hex(part1)}"`, `"${md5Hex(part2)}"`]);
    const parts = await api('list-parts', ...common);
    expect(parts.Parts.map((p: Record<string, unknown>) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, part1.length, e1],
      [2, part2.length, e2],
    ]);
    const layout = JSON.stringify({
      Parts: [
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 2, ETag: e2 },
      ],
    });
    const done = await api('complete-multipart-upload', ...common, '--multipart-upload', layout);
    const whole = Buffer.concat([part1, part2]);
    expect(done).toMatchObject({ Bucket: bucket, Key: 'mp.bin', ETag: `"${multipartEtag(whole, 5 * MIB)}"` });
    expect((await bytesOf(bucket, 'mp.bin')).equals(whole)).toBe(true);

    const other = await api('create-multipart-upload', '--bucket', bucket, '--key', 'abandoned');
    expect((await api('list-multipart-uploads', '--bucket', bucket)).Uploads).toEqual([
      expect.objectContaining({ Key: 'abandoned', UploadId: other.UploadId }),
    ]);
    await api('abort-multipart-upload', '--bucket', bucket, '--key', 'abandoned', '--upload-id', other.UploadId);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads).toBeUndefined();
  });

  it('sends what the quirks file says: signed payload hash, Content-MD5, ListObjectsV2 with encoding-type=url', async () => {
    const body = 'on the wire\n';
    await fs.writeFile(path.join(work, 'wire.txt'), body);
    const via = (...args: string[]) => run(AWS, ['--endpoint-url', proxy.url, ...args], { env, cwd: work });
    expectSuccess(await via('s3', 'cp', 'wire.txt', `s3://${bucket}/wire.txt`), 'cp via proxy');
    expectSuccess(await via('s3', 'ls', `s3://${bucket}/`), 'ls via proxy');
    const put = proxy.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe(`/${bucket}/wire.txt`);
    expect(put.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
    expect(put.headers['content-md5']).toBe(createHash('md5').update(body).digest('base64'));
    expect(put.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/us-east-1\/s3\//);
    const list = proxy.requests.find((r) => r.method === 'GET')!;
    expect(Object.fromEntries(list.query)).toMatchObject({ 'list-type': '2', delimiter: '/', 'encoding-type': 'url' });
  });

  it('s3 rb refuses a non-empty bucket; rb --force empties and removes it', async () => {
    const refused = await aws('s3', 'rb', `s3://${bucket}`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('BucketNotEmpty');
    const forced = await ok('s3', 'rb', '--force', `s3://${bucket}`);
    expect(sortedLines(forced.stdout)).toEqual(
      [
        ...['api/x y.txt', 'big.bin', 'mp.bin', 'small.txt', 'wire.txt'].map((k) => `delete: s3://${bucket}/${k}`),
        `remove_bucket: ${bucket}`,
      ].sort(),
    );
    expect((await s3.send(new ListBucketsCommand({}))).Buckets).toEqual([]);
  });
});
