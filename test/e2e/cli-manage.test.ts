/**
 * The built `coffer` managing buckets, with COS signing and with S3 signing: multipart ls|rm|clear, versions,
 * restore, lifecycle|cors|policy|acl|tagging get|set|rm, admin user|key|policy, usage, and rb --force on a bucket
 * with versions and incomplete uploads.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import COS from '@coffer/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/clients.js';
import { cliEnv, coffer, cofferJson, cofferOk, type Signing } from './helpers/coffer-cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const Region = 'ap-guangzhou';
let t: TestServer;
let sdk: COS;
beforeAll(async () => {
  t = await startTestServer();
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
});

/** An incomplete upload of `key` with one 1 MiB part. */
async function incompleteUpload(Bucket: string, Key: string): Promise<string> {
  const { UploadId } = await sdk.multipartInit({ Bucket, Region, Key });
  await sdk.multipartUpload({ Bucket, Region, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024 * 1024, 7) });
  return UploadId;
}

describe.each(['cos', 's3'] as Signing[])('coffer with %s signing', (signing) => {
  let env: NodeJS.ProcessEnv;
  let home: string;
  let bucket: string;
  let url: string;
  beforeAll(async () => {
    home = await tempDir('coffer-cli-manage-');
    env = cliEnv(t, home, signing);
    bucket = t.bucketName(`mg${signing}`);
    url = `${signing}://${bucket}`;
    await cofferOk(env, ['mb', url]);
  });
  afterAll(async () => {
    await fs.rm(home, { recursive: true, force: true });
  });

  it('multipart ls shows incomplete uploads with their bytes; rm aborts one; clear aborts the rest', async () => {
    const a = await incompleteUpload(bucket, 'mp/a.bin');
    await incompleteUpload(bucket, 'mp/b.bin');
    await incompleteUpload(bucket, 'other/c.bin');
    const listed = await cofferJson<{ uploads: { key: string; uploadId: string; parts: number; sizeBytes: number }[] }>(
      env,
      ['multipart', 'ls', `${url}/mp/`],
    );
    expect(listed.uploads.map((u) => [u.key, u.parts, u.sizeBytes]).sort()).toEqual([
      ['mp/a.bin', 1, 1048576],
      ['mp/b.bin', 1, 1048576],
    ]);
    const human = await cofferOk(env, ['multipart', 'ls', url]);
    expect(human.stdout).toMatch(/1\.0 MiB\s+1 parts\s+\S+\s+mp\/a\.bin/);
    await cofferOk(env, ['multipart', 'rm', `${url}/mp/a.bin`, a]);
    expect((await cofferJson<{ uploads: unknown[] }>(env, ['ls', '--incomplete', `${url}/mp/`])).uploads).toHaveLength(
      1,
    );
    const cleared = await cofferJson<{ aborted: unknown[] }>(env, ['multipart', 'clear', url]);
    expect(cleared.aborted).toHaveLength(2);
    expect((await sdk.multipartList({ Bucket: bucket, Region })).Upload).toEqual([]);
    const gone = await coffer(env, ['multipart', 'rm', `${url}/mp/a.bin`, a]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/NoSuchUpload/);
  });

  it('versions: enable, list, restore an old version, undelete', async () => {
    await cofferOk(env, ['versions', 'enable', url]);
    const file = path.join(home, 'doc.txt');
    await fs.writeFile(file, 'version one');
    await cofferOk(env, ['cp', file, `${url}/doc.txt`]);
    await fs.writeFile(file, 'version two');
    await cofferOk(env, ['cp', file, `${url}/doc.txt`]);
    const listed = await cofferJson<{ versions: { versionId: string; isLatest: boolean; sizeBytes: number }[] }>(env, [
      'versions',
      'ls',
      `${url}/doc.txt`,
    ]);
    expect(listed.versions).toHaveLength(2);
    const oldest = listed.versions.find((v) => !v.isLatest)!;
    await cofferOk(env, ['versions', 'restore', `${url}/doc.txt`, oldest.versionId]);
    expect((await cofferOk(env, ['cat', `${url}/doc.txt`])).stdout).toBe('version one');
    await cofferOk(env, ['rm', `${url}/doc.txt`]);
    expect((await coffer(env, ['cat', `${url}/doc.txt`])).code).toBe(3);
    const withMarker = await cofferJson<{ versions: { deleteMarker: boolean; isLatest: boolean }[] }>(env, [
      'ls',
      '--versions',
      `${url}/doc.txt`,
    ]);
    expect(withMarker.versions.filter((v) => v.deleteMarker)).toEqual([expect.objectContaining({ isLatest: true })]);
    await cofferOk(env, ['versions', 'undelete', `${url}/doc.txt`]);
    expect((await cofferOk(env, ['cat', `${url}/doc.txt`])).stdout).toBe('version one');
    expect((await cofferOk(env, ['cat', '--version-id', oldest.versionId, `${url}/doc.txt`])).stdout).toBe(
      'version one',
    );
  });

  it('cp --storage-class ARCHIVE, then restore makes it readable', async () => {
    const file = path.join(home, 'cold.txt');
    await fs.writeFile(file, 'cold data');
    await cofferOk(env, ['cp', '--storage-class', 'ARCHIVE', file, `${url}/cold.txt`]);
    expect(await cofferJson(env, ['stat', `${url}/cold.txt`])).toMatchObject({ storageClass: 'ARCHIVE' });
    const before = await coffer(env, ['cat', `${url}/cold.txt`]);
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/InvalidObjectState/);
    // A recursive download takes small objects on its own GETs; a refused one is fetched again through the sdk, so
    // the error still names the server's Code, Message and RequestId, and nothing is left on disk.
    const downDir = path.join(home, 'cold-down');
    const down = await coffer(env, ['cp', '-r', '--include', 'cold.txt', `${url}/`, downDir]);
    expect(down.code).toBe(7);
    expect(down.stderr).toMatch(/cold\.txt: InvalidObjectState: .+ \(RequestId: \S+\)/);
    expect(await fs.readdir(downDir).catch(() => [])).toEqual([]);
    expect(await cofferJson(env, ['restore', '--days', '2', '--tier', 'Expedited', `${url}/cold.txt`])).toMatchObject({
      days: 2,
    });
    expect((await cofferOk(env, ['cat', `${url}/cold.txt`])).stdout).toBe('cold data');
  });

  it('lifecycle, cors, policy: set from JSON and from XML, get, rm', async () => {
    const lc = path.join(home, 'lc.json');
    await fs.writeFile(
      lc,
      JSON.stringify({
        Rules: [{ ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } }],
      }),
    );
    await cofferOk(env, ['lifecycle', 'set', url, lc]);
    expect(await cofferJson(env, ['lifecycle', 'get', url])).toMatchObject({
      Rules: [{ ID: 'logs', Expiration: { Days: '30' } }],
    });
    const lcXml = path.join(home, 'lc.xml');
    await fs.writeFile(
      lcXml,
      '<LifecycleConfiguration><Rule><ID>tmp</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>',
    );
    await cofferOk(env, ['lifecycle', 'set', url, lcXml]);
    expect(await cofferJson(env, ['lifecycle', 'get', url])).toMatchObject({ Rules: [{ ID: 'tmp' }] });
    await cofferOk(env, ['lifecycle', 'rm', url]);
    expect(await cofferJson(env, ['lifecycle', 'get', url])).toEqual({ Rules: [] });

    const cors = path.join(home, 'cors.json');
    await fs.writeFile(
      cors,
      JSON.stringify({
        CORSRules: [{ AllowedOrigins: ['https://example.com'], AllowedMethods: ['GET'], AllowedHeaders: ['*'] }],
      }),
    );
    await cofferOk(env, ['cors', 'set', url, cors]);
    expect(await cofferJson(env, ['cors', 'get', url])).toMatchObject({
      CORSRules: [{ AllowedOrigins: ['https://example.com'] }],
    });
    await cofferOk(env, ['cors', 'rm', url]);
    expect(await cofferJson(env, ['cors', 'get', url])).toEqual({ CORSRules: [] });

    const policy = path.join(home, 'policy.json');
    await fs.writeFile(
      policy,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/public/*`] },
        ],
      }),
    );
    await cofferOk(env, ['policy', 'set', url, policy]);
    expect(JSON.stringify(await cofferJson(env, ['policy', 'get', url]))).toMatch(/public\/\*/);
    await cofferOk(env, ['policy', 'rm', url]);
    const none = await coffer(env, ['policy', 'get', url]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/NoSuchBucketPolicy/);
    const bad = await coffer(env, ['lifecycle', 'set', `${url}/key`, lc]);
    expect(bad.code).toBe(2);
  });

  it('acl and tagging on the bucket and on an object', async () => {
    await cofferOk(env, ['cp', path.join(home, 'cold.txt'), `${url}/tagged.txt`]);
    await cofferOk(env, ['acl', 'set', `${url}/tagged.txt`, 'public-read']);
    const anonymous = await fetch(`${t.url}/${bucket}/tagged.txt`);
    expect(anonymous.status).toBe(200);
    const acl = await cofferJson<{ Grants: unknown[] }>(env, ['acl', 'get', `${url}/tagged.txt`]);
    expect(JSON.stringify(acl.Grants)).toMatch(/AllUsers|anyone/);
    await cofferOk(env, ['acl', 'set', url, 'private']);
    expect(await cofferJson(env, ['acl', 'get', url])).toHaveProperty('Owner');

    await cofferOk(env, ['tagging', 'set', `${url}/tagged.txt`, 'project=coffer', 'team=storage']);
    expect(await cofferJson(env, ['tagging', 'get', `${url}/tagged.txt`])).toEqual({
      Tags: [
        { Key: 'project', Value: 'coffer' },
        { Key: 'team', Value: 'storage' },
      ],
    });
    await cofferOk(env, ['tagging', 'rm', `${url}/tagged.txt`]);
    expect(await cofferJson(env, ['tagging', 'get', `${url}/tagged.txt`])).toEqual({ Tags: [] });
    await cofferOk(env, ['tagging', 'set', url, 'env=test']);
    expect(await cofferJson(env, ['tagging', 'get', url])).toEqual({ Tags: [{ Key: 'env', Value: 'test' }] });
    await cofferOk(env, ['tagging', 'rm', url]);
  });

  it('admin user|key|policy: a sub-user whose new key can read what its policy allows', async () => {
    const user = await cofferJson<{ uin: string; name: string }>(env, ['admin', 'user', 'add', `reader-${signing}`]);
    expect(user.name).toBe(`reader-${signing}`);
    expect(
      (await cofferJson<{ users: { uin: string }[] }>(env, ['admin', 'user', 'ls'])).users.map((u) => u.uin),
    ).toContain(user.uin);
    const key = await cofferJson<{ secretId: string; secretKey: string }>(env, ['admin', 'key', 'add', user.uin]);
    const policy = path.join(home, 'reader.json');
    await fs.writeFile(
      policy,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] }],
      }),
    );
    await cofferOk(env, ['admin', 'policy', 'set', user.uin, 'read', policy]);
    expect(
      (await cofferJson<{ policies: { name: string }[] }>(env, ['admin', 'policy', 'ls', user.uin])).policies.map(
        (p) => p.name,
      ),
    ).toEqual(['read']);
    const asUser = { ...env, COFFER_SECRET_ID: key.secretId, COFFER_SECRET_KEY: key.secretKey };
    expect((await cofferOk(asUser, ['cat', `${url}/tagged.txt`])).stdout).toBe('cold data');
    const refused = await coffer(asUser, ['rm', `${url}/tagged.txt`]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/AccessDenied/);
    const notRoot = await coffer(asUser, ['admin', 'user', 'ls']);
    expect(notRoot.code).toBe(4);
    expect(notRoot.stderr).toMatch(/AccessDenied.*RequestId/);
    await cofferOk(env, ['admin', 'policy', 'rm', user.uin, 'read']);
    expect((await cofferJson<{ keys: unknown[] }>(env, ['admin', 'key', 'ls', user.uin])).keys).toHaveLength(1);
    await cofferOk(env, ['admin', 'key', 'rm', key.secretId]);
    await cofferOk(env, ['admin', 'user', 'rm', user.uin]);
    expect((await coffer(env, ['admin', 'user', 'show', user.uin])).code).toBe(3);
  });

  it('admin account: the operator creates an account whose root sees only its own buckets, suspends and deletes it', async () => {
    const made = await cofferJson<{ appId: string; uin: string; secretId: string; secretKey: string }>(env, [
      'admin',
      'account',
      'add',
      `cli-${signing}`,
    ]);
    expect(made.appId).toMatch(/^\d+$/);
    const listed = await cofferJson<{ accounts: { appId: string; operator: boolean }[] }>(env, [
      'admin',
      'account',
      'ls',
    ]);
    expect(listed.accounts[0]!.operator).toBe(true);
    expect(listed.accounts.map((a) => a.appId)).toContain(made.appId);
    const asAccount = { ...env, COFFER_SECRET_ID: made.secretId, COFFER_SECRET_KEY: made.secretKey };
    expect((await cofferOk(asAccount, ['ls'])).stdout).not.toContain(bucket);
    const notOperator = await coffer(asAccount, ['admin', 'account', 'ls']);
    expect(notOperator.code).toBe(4);
    expect((await cofferJson<{ suspended: boolean }>(env, ['admin', 'account', 'suspend', made.appId])).suspended).toBe(
      true,
    );
    expect((await coffer(asAccount, ['ls'])).stderr).toMatch(/AllAccessDisabled/);
    await cofferOk(env, ['admin', 'account', 'resume', made.appId]);
    await cofferOk(env, ['admin', 'account', 'rm', made.appId]);
    expect((await coffer(env, ['admin', 'account', 'show', made.appId])).code).toBe(3);
  });

  it('usage reports the bucket; rb --force removes versions, delete markers and incomplete uploads, then the bucket', async () => {
    const usage = await cofferJson<Record<string, unknown>>(env, ['usage', url]);
    expect(JSON.stringify(usage)).toMatch(/objects|Objects/);
    await incompleteUpload(bucket, 'left/behind.bin');
    const plain = await coffer(env, ['rb', url]);
    expect(plain.code).toBe(6);
    expect(plain.stderr).toMatch(/BucketNotEmpty/);
    const removed = await cofferJson<{ removed: boolean; objectVersionsDeleted: number; uploadsAborted: number }>(env, [
      'rb',
      '--force',
      url,
    ]);
    expect(removed.removed).toBe(true);
    expect(removed.uploadsAborted).toBe(1);
    expect(removed.objectVersionsDeleted).toBeGreaterThanOrEqual(5);
    expect((await coffer(env, ['ls', `${url}/`])).code).toBe(3);
  });
});

describe('coffer lifecycle run --data DIR, coffer config profiles, help', () => {
  it('finds the running server from <data>/server.json (no --endpoint)', async () => {
    const info = JSON.parse(await fs.readFile(path.join(t.dataDir, 'server.json'), 'utf8'));
    expect(info).toMatchObject({ pid: process.pid });
    // A cluster's gateways share the data directory: the file names one of them (the last to start).
    expect(t.gateways.map((g) => g.url)).toContain(info.url);
    const home = await tempDir('coffer-cli-lc-');
    const r = await coffer({ PATH: process.env.PATH, HOME: home }, ['lifecycle', 'run', '--data', t.dataDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ finished: true });
  });

  it('config set/show/use/list keep profiles in COFFER_CONFIG; --profile picks one', async () => {
    const home = await tempDir('coffer-cli-cfg-');
    const env = { PATH: process.env.PATH, HOME: home, COFFER_CONFIG: path.join(home, 'sub', 'config.json') };
    await cofferOk(env, ['config', 'set', 'endpoint', t.url, 'secretId', t.secretId, 'secretKey', t.secretKey]);
    await cofferOk(env, [
      'config',
      'set',
      '--profile',
      'sigv4',
      'endpoint',
      t.url,
      'secretId',
      t.secretId,
      'secretKey',
      t.secretKey,
      'signing',
      's3',
    ]);
    expect((await fs.stat(env.COFFER_CONFIG)).mode & 0o777).toBe(0o600);
    expect(await cofferJson(env, ['config', 'list'])).toEqual({ current: 'default', profiles: ['default', 'sigv4'] });
    const shown = await cofferJson<{ signing: string; secretKey: string }>(env, [
      '--profile',
      'sigv4',
      'config',
      'show',
    ]);
    expect(shown.signing).toBe('s3');
    expect(shown.secretKey).not.toContain(t.secretKey.slice(0, 8));
    await cofferOk(env, ['ls']);
    await cofferOk(env, ['--profile', 'sigv4', 'ls']);
    await cofferOk(env, ['config', 'use', 'sigv4']);
    expect((await cofferJson<{ name: string }>(env, ['config', 'show'])).name).toBe('sigv4');
    expect((await coffer(env, ['--profile', 'nope', 'ls'])).code).toBe(2);
    expect((await coffer(env, ['config', 'set', 'signing', 'v2'])).code).toBe(2);
    const noKeys = await coffer({ PATH: process.env.PATH, HOME: home, COFFER_CONFIG: path.join(home, 'none.json') }, [
      'ls',
    ]);
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toMatch(/no keys/);
  });

  it('--version, server --help and a group without a subcommand print help, exit 0', async () => {
    const env = { PATH: process.env.PATH, HOME: await tempDir('coffer-cli-help-') };
    expect((await cofferOk(env, ['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await cofferOk(env, ['server', '--help'])).stdout).toMatch(/--address <host:port>[\s\S]*COFFER_DATA_DIR/);
    expect((await cofferOk(env, ['lifecycle'])).stdout).toMatch(/Usage: coffer lifecycle[\s\S]*run/);
    expect((await cofferOk(env, ['admin', 'user'])).stdout).toMatch(/Usage: coffer admin user/);
    expect((await cofferOk(env, ['cp', '--help'])).stdout).toMatch(/Examples:/);
  });
});
