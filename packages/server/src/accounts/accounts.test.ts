import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Error } from '@coffer/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, configFrom, loadConfig } from '../config.js';
import type { Identity } from '../identity.js';
import { SqliteMetaStore } from '../stores/sqlite/sqlite-meta-store.js';
import { Accounts, MAX_KEYS_PER_USER } from './accounts.js';
import { deriveKey, loadOrCreateMasterKey } from './master-key.js';
import { openSecret, sealSecret } from './secret-box.js';
import { newTemporaryKeyId, signSessionToken, verifySessionToken } from './sts-token.js';

const ROOT: Identity = {
  secretId: 'AKIDROOTROOTROOTROOTROOTROOTROOTROOT',
  secretKey: 'rootsecretrootsecretrootsecret00',
  appId: '1250000000',
  uin: '100000000000',
  fromEnvironment: false,
};
const MASTER = Buffer.alloc(32, 7);
const READ_POLICY = JSON.stringify({
  version: '2.0',
  statement: [{ effect: 'allow', action: ['name/cos:GetObject'], resource: ['*'] }],
});

/** What a rejected promise or throwing call failed with, as {code, status, message}. */
async function failure(
  call: Promise<unknown> | (() => unknown),
): Promise<{ code: string; status: number; message: string }> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (err) {
    const e = err as { code: string; status: number; message: string };
    return { code: e.code, status: e.status, message: e.message };
  }
  throw new Error('expected a failure');
}

describe('master.key', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-master-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is created once with 32 random bytes and mode 0600, then read back unchanged', async () => {
    const first = await loadOrCreateMasterKey(dir);
    expect(first).toMatchObject({ created: true, looseMode: false });
    expect(first.key).toHaveLength(32);
    expect((await fs.stat(path.join(dir, 'master.key'))).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateMasterKey(dir);
    expect(again.created).toBe(false);
    expect(again.key.equals(first.key)).toBe(true);
  });

  it('refuses a file of the wrong size, and reports loose permissions', async () => {
    await fs.writeFile(path.join(dir, 'master.key'), Buffer.alloc(16), { mode: 0o644 });
    await expect(loadOrCreateMasterKey(dir)).rejects.toThrow(/exactly 32 bytes/);
    await fs.writeFile(path.join(dir, 'master.key'), Buffer.alloc(32));
    await fs.chmod(path.join(dir, 'master.key'), 0o644);
    expect((await loadOrCreateMasterKey(dir)).looseMode).toBe(true);
  });

  it('derives independent keys per purpose', () => {
    const keys = (['secrets-at-rest', 'sts-token', 'sts-secret'] as const).map((p) =>
      deriveKey(MASTER, p).toString('hex'),
    );
    expect(new Set(keys).size).toBe(3);
    expect(deriveKey(MASTER, 'sts-token').equals(deriveKey(MASTER, 'sts-token'))).toBe(true);
  });
});

describe('secret box (AES-256-GCM)', () => {
  const key = deriveKey(MASTER, 'secrets-at-rest');

  it('round-trips, never contains the secret, and differs every time (random IV)', () => {
    const a = sealSecret(key, 'AKID1', 'the-secret');
    const b = sealSecret(key, 'AKID1', 'the-secret');
    expect(a).not.toBe(b);
    expect(a).not.toContain('the-secret');
    expect(openSecret(key, 'AKID1', a)).toBe('the-secret');
  });

  it('does not open for another id, another key, or altered bytes', () => {
    const sealed = sealSecret(key, 'AKID1', 'the-secret');
    expect(() => openSecret(key, 'AKID2', sealed)).toThrow(/does not decrypt/);
    expect(() => openSecret(deriveKey(Buffer.alloc(32, 8), 'secrets-at-rest'), 'AKID1', sealed)).toThrow();
    const [v, iv, ct, tag] = sealed.split('.');
    const flipped = Buffer.from(ct!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => openSecret(key, 'AKID1', [v, iv, flipped.toString('base64url'), tag].join('.'))).toThrow();
    expect(() => openSecret(key, 'AKID1', 'v0.x.y.z')).toThrow(/unknown secret format/);
  });
});

describe('session tokens', () => {
  const tokenKey = deriveKey(MASTER, 'sts-token');
  const claims = { keyId: newTemporaryKeyId(), accountUin: '1', uin: '2', issuedS: 1000, expiresS: 2000, policy: '{}' };

  it('verify what was signed, for the key it was signed for, until it expires', () => {
    const token = signSessionToken(tokenKey, claims);
    expect(token).toMatch(/^cst1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifySessionToken(tokenKey, token, claims.keyId, 1_999_999)).toEqual(claims);
    expect(() => verifySessionToken(tokenKey, token, claims.keyId, 2_000_000)).toThrow(
      expect.objectContaining({ code: 'ExpiredToken', message: expect.stringMatching(/token has expired/) }),
    );
    expect(() => verifySessionToken(tokenKey, token, newTemporaryKeyId(), 1_000_000)).toThrow(
      expect.objectContaining({ code: 'InvalidToken', message: expect.stringMatching(/another access key/) }),
    );
  });

  it('refuse altered claims, another key, other versions and garbage as InvalidToken', () => {
    const token = signSessionToken(tokenKey, claims);
    const [v, body, mac] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), exp: 9e9 }),
    ).toString('base64url');
    const cases = [
      [v, forged, mac].join('.'),
      signSessionToken(deriveKey(Buffer.alloc(32, 9), 'sts-token'), claims),
      ['cst0', body, mac].join('.'),
      `${token}x`,
      // The MAC's last character with its ignored low bits flipped: decodes to the same bytes.
      `${token.slice(0, -1)}${
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[
          'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(token.slice(-1)) ^ 1
        ]
      }`,
      '',
      'a.b',
      'cst1..',
      'x'.repeat(10_000),
    ];
    for (const bad of cases) {
      expect(() => verifySessionToken(tokenKey, bad, claims.keyId, 1_000_000), bad.slice(0, 40)).toThrow(
        expect.objectContaining({ code: 'InvalidToken' }),
      );
    }
  });
});

describe('Accounts', () => {
  let meta: SqliteMetaStore;
  let nowMs: number;
  let accounts: Accounts;
  const open = () =>
    new Accounts({ meta, masterKey: MASTER, root: ROOT, nowMs: () => nowMs, stsMaxDurationSeconds: 7200 });

  beforeEach(() => {
    meta = new SqliteMetaStore({ filename: ':memory:', fsync: false });
    nowMs = 1_700_000_000_000;
    accounts = open();
  });
  afterEach(async () => {
    await meta.close();
  });

  it('resolves the root key, and refuses a security token with a permanent key', async () => {
    expect(await accounts.lookupCredential(ROOT.secretId)).toMatchObject({
      secretKey: ROOT.secretKey,
      principal: { isRoot: true, uin: ROOT.uin, ownerUin: ROOT.uin, appId: ROOT.appId },
    });
    expect(await accounts.lookupCredential(ROOT.secretId, '')).toBeDefined();
    expect(await failure(accounts.lookupCredential(ROOT.secretId, 'cst1.x.y'))).toMatchObject({
      code: 'InvalidToken',
      status: 400,
    });
    expect(await accounts.lookupCredential('AKIDunknown')).toBeUndefined();
  });

  it('creates users with generated uins, validates names, refuses duplicates', async () => {
    const alice = await accounts.createUser('alice');
    expect(alice).toMatchObject({ name: 'alice', ownerUin: ROOT.uin });
    expect(alice.uin).toMatch(/^\d{12}$/);
    expect(accounts.ownerIdOf(alice.uin)).toBe(`qcs::cam::uin/${ROOT.uin}:uin/${alice.uin}`);
    expect(await failure(accounts.createUser('alice'))).toMatchObject({ code: 'UserAlreadyExists', status: 409 });
    for (const bad of ['', 'a b', 'x'.repeat(65), 42, undefined, 'ünï']) {
      expect(await failure(accounts.createUser(bad))).toMatchObject({ code: 'InvalidArgument', status: 400 });
    }
    expect((await accounts.listUsers()).map((u) => u.name)).toEqual(['alice']);
    expect(await failure(accounts.getUser('123'))).toMatchObject({ code: 'NoSuchUser', status: 404 });
    expect(await failure(accounts.getUser('../x'))).toMatchObject({ code: 'NoSuchUser' });
  });

  it('stores secrets sealed, resolves keys to the sub-user with its policies, and forgets deleted keys at once', async () => {
    const alice = await accounts.createUser('alice');
    const key = await accounts.createAccessKey(alice.uin);
    expect(key.secretId).toMatch(/^AKID[A-Za-z0-9]{32}$/);
    const row = await meta.getAccessKey(key.secretId);
    expect(row?.sealedSecret).not.toContain(key.secretKey);
    await accounts.putUserPolicy(alice.uin, 'read', READ_POLICY);

    const credential = await accounts.lookupCredential(key.secretId);
    expect(credential).toMatchObject({
      secretKey: key.secretKey,
      principal: { isRoot: false, uin: alice.uin, ownerUin: ROOT.uin, policies: [READ_POLICY] },
    });
    // A fresh Accounts (a restart) decrypts the same secret from the store.
    expect((await open().lookupCredential(key.secretId))?.secretKey).toBe(key.secretKey);

    // Cached, and invalidated by policy changes and deletion.
    await accounts.deleteUserPolicy(alice.uin, 'read');
    expect((await accounts.lookupCredential(key.secretId))?.principal.policies).toEqual([]);
    await accounts.deleteAccessKey(key.secretId);
    expect(await accounts.lookupCredential(key.secretId)).toBeUndefined();
    expect(await failure(accounts.deleteAccessKey(key.secretId))).toMatchObject({
      code: 'NoSuchAccessKey',
      status: 404,
    });
  });

  it('limits keys per user and lists ids only', async () => {
    const alice = await accounts.createUser('alice');
    const keys = [];
    for (let i = 0; i < MAX_KEYS_PER_USER; i++) keys.push(await accounts.createAccessKey(alice.uin));
    expect(await failure(accounts.createAccessKey(alice.uin))).toMatchObject({ code: 'LimitExceeded', status: 409 });
    const listed = await accounts.listAccessKeys(alice.uin);
    expect(listed.map((k) => k.secretId).sort()).toEqual(keys.map((k) => k.secretId).sort());
    expect(JSON.stringify(listed)).not.toContain(keys[0]!.secretKey);
  });

  it('validates user policies (MalformedPolicy) and policy names', async () => {
    const alice = await accounts.createUser('alice');
    expect(await failure(accounts.putUserPolicy(alice.uin, 'p', '{"Statement": 1}'))).toMatchObject({
      code: 'MalformedPolicy',
      status: 400,
    });
    expect(await failure(accounts.putUserPolicy(alice.uin, 'p', `{"x":"${'a'.repeat(7000)}"}`))).toMatchObject({
      code: 'MalformedPolicy',
    });
    expect(await failure(accounts.putUserPolicy(alice.uin, 'bad name', READ_POLICY))).toMatchObject({
      code: 'InvalidArgument',
    });
    expect(await failure(accounts.putUserPolicy('999', 'p', READ_POLICY))).toMatchObject({ code: 'NoSuchUser' });
    expect(await failure(accounts.getUserPolicy(alice.uin, 'p'))).toMatchObject({ code: 'NoSuchUserPolicy' });
  });

  it('deleting a user disables its keys and its STS credentials', async () => {
    const alice = await accounts.createUser('alice');
    const key = await accounts.createAccessKey(alice.uin);
    const principal = (await accounts.lookupCredential(key.secretId))!.principal;
    const sts = accounts.issueTemporaryCredentials(principal, {});
    expect(await accounts.lookupCredential(sts.tmpSecretId, sts.sessionToken)).toBeDefined();
    await accounts.deleteUser(alice.uin);
    expect(await accounts.lookupCredential(key.secretId)).toBeUndefined();
    expect(await failure(accounts.lookupCredential(sts.tmpSecretId, sts.sessionToken))).toMatchObject({
      code: 'InvalidAccessKeyId',
      message: expect.stringMatching(/no longer exists/),
    });
  });

  it('two gateways on one store: a suspension, a deletion and a deleted key made on one reach the other within the TTL', async () => {
    const TTL_MS = 40;
    const gateway = () =>
      new Accounts({
        meta,
        masterKey: MASTER,
        root: ROOT,
        nowMs: () => nowMs,
        stsMaxDurationSeconds: 7200,
        cacheTtlMs: TTL_MS,
      });
    const a = gateway();
    const b = gateway();
    await a.load();
    await b.load();
    const pastTtl = () => new Promise((r) => setTimeout(r, TTL_MS + 20));

    // An account created on A: B knows its root key once its copy is older than the TTL.
    const x = await a.registry.create('team-x');
    await pastTtl();
    expect((await b.lookupCredential(x.secretId))?.principal).toMatchObject({ isRoot: true, ownerUin: x.uin });
    const user = await a.createUser('worker', x.uin);
    const key = await a.createAccessKey(user.uin, x.uin);
    const other = await a.createAccessKey(user.uin, x.uin);
    // B caches the sub-user's key and principal.
    expect((await b.lookupCredential(key.secretId))?.principal).toMatchObject({ uin: user.uin, ownerUin: x.uin });
    expect(await b.lookupCredential(other.secretId)).toBeDefined();

    // Suspended on A: B refuses the root key and the cached sub-user key, and B's buckets check sees it.
    await a.registry.setSuspended(x.appId, true);
    await pastTtl();
    for (const id of [x.secretId, key.secretId]) {
      expect(await failure(b.lookupCredential(id)), id).toMatchObject({ code: 'AllAccessDisabled', status: 403 });
    }
    expect(b.registry.byUin(x.uin)?.suspended).toBe(true);
    await a.registry.setSuspended(x.appId, false);
    await pastTtl();
    expect(await b.lookupCredential(key.secretId)).toBeDefined();

    // A key deleted on A stops working on B (its cached secret expires).
    await a.deleteAccessKey(other.secretId, x.uin);
    await pastTtl();
    expect(await b.lookupCredential(other.secretId)).toBeUndefined();

    // The account deleted on A (it owns no bucket): its root key is unknown on B, its users' keys too.
    await a.deleteUser(user.uin, x.uin);
    await a.registry.delete(x.appId);
    await pastTtl();
    expect(await b.lookupCredential(x.secretId)).toBeUndefined();
    expect(await b.lookupCredential(key.secretId)).toBeUndefined();
    expect(b.registry.byUin(x.uin)).toBeUndefined();
  });

  describe('STS', () => {
    const rootPrincipal = async () => (await accounts.lookupCredential(ROOT.secretId))!.principal;

    it('issues credentials (default 30 minutes) whose secret is recomputed from the id and whose token carries the session', async () => {
      const sts = accounts.issueTemporaryCredentials(await rootPrincipal(), { policy: READ_POLICY });
      expect(sts.tmpSecretId).toMatch(/^AKTMP[A-Z0-9]{31}$/);
      expect(sts.startTime).toBe(1_700_000_000);
      expect(sts.expiredTime).toBe(1_700_000_000 + 1800);
      const credential = await open().lookupCredential(sts.tmpSecretId, sts.sessionToken);
      expect(credential).toEqual({
        accessKeyId: sts.tmpSecretId,
        secretKey: sts.tmpSecretKey,
        principal: {
          appId: ROOT.appId,
          ownerUin: ROOT.uin,
          uin: ROOT.uin,
          isRoot: true,
          sessionPolicy: JSON.stringify(JSON.parse(READ_POLICY)),
          sessionExpiresMs: sts.expiredTime * 1000,
        },
      });
    });

    it('a sub-user’s credentials carry its current user policies', async () => {
      const alice = await accounts.createUser('alice');
      const key = await accounts.createAccessKey(alice.uin);
      const sts = accounts.issueTemporaryCredentials((await accounts.lookupCredential(key.secretId))!.principal, {});
      await accounts.putUserPolicy(alice.uin, 'read', READ_POLICY);
      expect((await accounts.lookupCredential(sts.tmpSecretId, sts.sessionToken))?.principal).toMatchObject({
        isRoot: false,
        uin: alice.uin,
        policies: [READ_POLICY],
        sessionExpiresMs: sts.expiredTime * 1000,
      });
    });

    it('needs the token, the right token, and an unexpired one', async () => {
      const a = accounts.issueTemporaryCredentials(await rootPrincipal(), { durationSeconds: 900 });
      const b = accounts.issueTemporaryCredentials(await rootPrincipal(), {});
      expect(await failure(accounts.lookupCredential(a.tmpSecretId))).toMatchObject({
        code: 'InvalidAccessKeyId',
        status: 403,
      });
      expect(await failure(accounts.lookupCredential(a.tmpSecretId, b.sessionToken))).toMatchObject({
        code: 'InvalidToken',
        status: 400,
      });
      nowMs += 900_000;
      expect(await failure(accounts.lookupCredential(a.tmpSecretId, a.sessionToken))).toMatchObject({
        code: 'ExpiredToken',
        status: 403,
        message: expect.stringMatching(/expired/),
      });
      expect(await accounts.lookupCredential(b.tmpSecretId, b.sessionToken)).toBeDefined();
    });

    it('validates duration and policy, and refuses to chain from temporary credentials', async () => {
      const root = await rootPrincipal();
      for (const durationSeconds of [899, 7201, 1000.5, Number.NaN]) {
        expect(await failure(() => accounts.issueTemporaryCredentials(root, { durationSeconds }))).toMatchObject({
          code: 'InvalidArgument',
        });
      }
      expect(accounts.issueTemporaryCredentials(root, { durationSeconds: 7200 }).expiredTime).toBe(1_700_007_200);
      expect(
        await failure(() => accounts.issueTemporaryCredentials(root, { policy: '{"Statement":[]}' })),
      ).toMatchObject({
        code: 'MalformedPolicy',
      });
      const big = JSON.stringify({
        Statement: Array.from({ length: 60 }, (_, i) => ({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::b/${i}`,
        })),
      });
      expect(await failure(() => accounts.issueTemporaryCredentials(root, { policy: big }))).toMatchObject({
        code: 'MalformedPolicy',
        message: expect.stringMatching(/at most 4096 bytes/),
      });
      const sts = accounts.issueTemporaryCredentials(root, {});
      const temporary = (await accounts.lookupCredential(sts.tmpSecretId, sts.sessionToken))!.principal;
      expect(await failure(() => accounts.issueTemporaryCredentials(temporary, {}))).toMatchObject({
        code: 'AccessDenied',
      });
    });

    it('caps the default duration at a smaller configured maximum', async () => {
      const short = new Accounts({
        meta,
        masterKey: MASTER,
        root: ROOT,
        nowMs: () => nowMs,
        stsMaxDurationSeconds: 900,
      });
      const sts = short.issueTemporaryCredentials(await rootPrincipal(), {});
      expect(sts.expiredTime - sts.startTime).toBe(900);
    });
  });

  it('errors are S3Errors or AccountsErrors with a status, never plain errors', async () => {
    const err = await failure(accounts.getUser('1'));
    expect(err.status).toBe(404);
    const e2 = await failure(() =>
      accounts.issueTemporaryCredentials({ appId: '', ownerUin: '', uin: '', isRoot: true }, { durationSeconds: 1 }),
    );
    expect(e2).toMatchObject({ code: 'InvalidArgument', status: new S3Error('InvalidArgument').status });
  });
});

describe('config: stsMaxDurationSeconds (COFFER_STS_MAX_DURATION)', () => {
  it('defaults to two hours, reads the environment, and refuses values outside 900..129600', () => {
    expect(configFrom({}).stsMaxDurationSeconds).toBe(7200);
    expect(loadConfig([], { COFFER_STS_MAX_DURATION: '3600' }).stsMaxDurationSeconds).toBe(3600);
    for (const bad of ['899', '129601', '1.5', 'two hours']) {
      expect(() => configFrom({ stsMaxDurationSeconds: bad })).toThrow(ConfigError);
    }
    expect(() => configFrom({ stsMaxDurationSeconds: '10' })).toThrow(/900 to 129600/);
  });
});
