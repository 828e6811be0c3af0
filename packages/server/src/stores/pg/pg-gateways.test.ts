import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Accounts } from '../../accounts/accounts.js';
import { Kms } from '../../engine/kms.js';
import type { Identity } from '../../identity.js';
import { withBucketCache } from '../cached-meta-store.js';
import type { BucketRecord, MetadataChange, MetadataStore, NewObjectVersion } from '../types.js';
import { StoreError } from '../types.js';
import { createTestDatabase } from './pg.fixture.js';
import { commitChannel } from './pg-db.js';
import { PgMetaStore } from './pg-meta-store.js';

/**
 * What several gateways on one PostgreSQL must agree on: three stores (three pools) on one schema
 * race each other, and exactly one of each contest wins, with no blob reference lost or leaked.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

function version(blobId: string, size: number): NewObjectVersion {
  return {
    isDeleteMarker: false,
    size,
    etag: 'e',
    lastModifiedMs: 1,
    storageClass: 'STANDARD',
    objectType: 'normal',
    ownerId: 'o',
    contentHeaders: {},
    userMeta: {},
    checksums: {},
    manifest: [{ blobId, offset: 0, length: size }],
  };
}

const newBlobId = () => randomBytes(16).toString('hex');

let n = 0;
describe('PostgreSQL store: gateways racing on one database', () => {
  let gateways: MetadataStore[];
  let bucket: BucketRecord;

  beforeEach(async () => {
    const schema = `g${n++}`;
    gateways = [];
    for (let i = 0; i < 3; i++) gateways.push(await PgMetaStore.open({ url: database.url, schema, poolSize: 4 }));
    bucket = await gateways[0]!.createBucket({ name: 'b', ownerId: 'o', region: 'r', createdMs: 1 });
  });
  afterEach(async () => {
    for (const g of gateways) await g.close();
  });

  /** Every blob is referenced by exactly the versions and parts that name it, or waits in the GC queue. */
  async function expectNoLeak(expectedLive: string[], expectedGarbage: string[]): Promise<void> {
    const live: string[] = [];
    for await (const id of gateways[0]!.listBlobIds()) live.push(id);
    expect(live.sort()).toEqual([...expectedLive].sort());
    const garbage = (await gateways[0]!.claimGarbage(Number.MAX_SAFE_INTEGER, 1000)).map((g) => g.id);
    expect(garbage.sort()).toEqual([...expectedGarbage].sort());
  }

  it('concurrent PUTs of one key through different gateways leave exactly one latest version and no leaked blob', async () => {
    const blobs = Array.from({ length: 30 }, newBlobId);
    const results = await Promise.all(
      blobs.map((blobId, i) =>
        gateways[i % 3]!.commitObject({
          bucketId: bucket.id,
          key: 'contested',
          newBlobs: [{ id: blobId, size: 10 }],
          version: version(blobId, 10),
        }),
      ),
    );
    expect(results).toHaveLength(30);
    const latest = await gateways[1]!.getObject(bucket.id, 'contested');
    const page = await gateways[2]!.listObjectVersions(bucket.id, {
      prefix: '',
      delimiter: '',
      keyMarker: '',
      versionIdMarker: '',
      maxKeys: 100,
    });
    expect(page.entries).toHaveLength(1);
    const winner = latest!.manifest[0]!.blobId;
    await expectNoLeak(
      [winner],
      blobs.filter((b) => b !== winner),
    );
    expect((await gateways[0]!.bucketUsage(bucket.id)).objects.STANDARD).toEqual({ count: 1, bytes: 10 });
  });

  it('If-None-Match creates have exactly one winner', async () => {
    const blobs = Array.from({ length: 12 }, newBlobId);
    const outcomes = await Promise.allSettled(
      blobs.map((blobId, i) =>
        gateways[i % 3]!.commitObject({
          bucketId: bucket.id,
          key: 'once',
          newBlobs: [{ id: blobId, size: 1 }],
          version: version(blobId, 1),
          precondition: (current) => {
            if (current) throw new StoreError('conflict', 'exists');
          },
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').every((o) => o.reason instanceof StoreError)).toBe(true);
  });

  it('a Complete racing an Abort of the same upload ends in exactly one of the two', async () => {
    for (let round = 0; round < 5; round++) {
      const uploadId = `u${round}`;
      await gateways[0]!.createUpload({
        uploadId,
        bucketId: bucket.id,
        key: `mp${round}`,
        initiatedMs: 1,
        ownerId: 'o',
        storageClass: 'STANDARD',
        contentHeaders: {},
        userMeta: {},
      });
      const blobId = newBlobId();
      await gateways[1]!.putPart({
        uploadId,
        part: {
          partNumber: 1,
          size: 5,
          etag: 'p',
          checksums: {},
          lastModifiedMs: 1,
          manifest: [{ blobId, offset: 0, length: 5 }],
        },
        newBlobs: [{ id: blobId, size: 5 }],
      });
      const [complete, abort] = await Promise.allSettled([
        gateways[1]!.completeUpload({
          uploadId,
          bucketId: bucket.id,
          key: `mp${round}`,
          nowMs: 2,
          compose: (_upload, parts) => ({ ...version(blobId, 5), manifest: parts.get(1)!.manifest }),
        }),
        gateways[2]!.abortUpload(uploadId, 2),
      ]);
      expect([complete.status, abort.status].filter((s) => s === 'fulfilled')).toHaveLength(1);
      const object = await gateways[0]!.getObject(bucket.id, `mp${round}`);
      expect(object !== undefined).toBe(complete.status === 'fulfilled');
    }
  });

  it('group-commits concurrent small writes: many commits share one transaction', async () => {
    const store = gateways[0]!;
    const commits: number[] = [];
    const onCommit = (message: unknown) => commits.push((message as { writes: number }).writes);
    commitChannel.subscribe(onCommit);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const blobId = newBlobId();
        return store.commitObject({
          bucketId: bucket.id,
          key: `small/${i}`,
          newBlobs: [{ id: blobId, size: 3, body: Buffer.from('abc') }],
          version: { ...version(blobId, 3), manifest: [{ blobId, offset: 0, length: 3, inline: true }] },
        });
      }),
    ).finally(() => commitChannel.unsubscribe(onCommit));
    expect(commits.reduce((sum, c) => sum + c, 0)).toBe(40);
    expect(commits.length).toBeLessThan(10);
    expect(
      (await store.listObjects(bucket.id, { prefix: 'small/', delimiter: '', after: '', maxKeys: 100 })).entries,
    ).toHaveLength(40);
  });

  it("invalidates other gateways' caches when a change commits (LISTEN/NOTIFY), long before the TTL", async () => {
    const a = withBucketCache(gateways[0]!, 60_000);
    const b = withBucketCache(gateways[1]!, 60_000);
    const seen: MetadataChange[] = [];
    gateways[2]!.changes!.subscribe((change) => seen.push(change));
    await new Promise((r) => setTimeout(r, 300)); // the feeds connect and LISTEN
    await a.setBucketConfig(bucket.id, 'cors', '<one/>');
    expect(await b.getBucketConfig(bucket.id, 'cors')).toBe('<one/>');
    await a.setBucketConfig(bucket.id, 'cors', '<two/>');
    await a.setBucketVersioning(bucket.id, 'Enabled');
    const until = Date.now() + 5000;
    while (Date.now() < until && (await b.getBucketConfig(bucket.id, 'cors')) !== '<two/>')
      await new Promise((r) => setTimeout(r, 20));
    expect(await b.getBucketConfig(bucket.id, 'cors')).toBe('<two/>');
    expect((await b.getBucket('b'))?.versioning).toBe('Enabled');
    // Identities: an access key deleted through one gateway is announced to all of them.
    await a.createUser({ uin: '100', ownerUin: '1', name: 'u', createdMs: 1 });
    await a.createAccessKey({ secretId: 'AKID1', uin: '100', sealedSecret: 's', createdMs: 1 }, 2);
    await a.deleteAccessKey('AKID1');
    while (Date.now() < until && !seen.some((c) => c.kind === 'identity' && c.secretId === 'AKID1'))
      await new Promise((r) => setTimeout(r, 20));
    expect(seen).toContainEqual({ kind: 'identity', secretId: 'AKID1' });
    expect(seen).toContainEqual({ kind: 'bucket', name: 'b' });
  });

  it('an access key deleted through one gateway stops working on the others at once', async () => {
    const root: Identity = {
      secretId: 'AKIDROOTROOTROOTROOTROOTROOTROOTROOT',
      secretKey: 'rootsecretrootsecretrootsecret00',
      appId: '1250000000',
      uin: '100000000000',
      fromEnvironment: false,
    };
    const open = (meta: MetadataStore) =>
      new Accounts({ meta, masterKey: Buffer.alloc(32, 7), root, nowMs: () => 1, stsMaxDurationSeconds: 7200 });
    const [one, two] = [open(gateways[0]!), open(gateways[1]!)];
    await new Promise((r) => setTimeout(r, 300)); // the feeds connect and LISTEN
    const user = await one.createUser('alice');
    const key = await one.createAccessKey(user.uin);
    expect(await two.lookupCredential(key.secretId)).toBeDefined(); // now cached on the second gateway
    await one.deleteAccessKey(key.secretId);
    const until = Date.now() + 5000;
    while (Date.now() < until && (await two.lookupCredential(key.secretId)) !== undefined)
      await new Promise((r) => setTimeout(r, 20));
    expect(await two.lookupCredential(key.secretId)).toBeUndefined();
  });

  it('an account created or suspended through one gateway is known, or refused, on the others at once', async () => {
    const root: Identity = {
      secretId: 'AKIDROOTROOTROOTROOTROOTROOTROOTROOT',
      secretKey: 'rootsecretrootsecretrootsecret00',
      appId: '1250000000',
      uin: '100000000000',
      fromEnvironment: false,
    };
    const open = (meta: MetadataStore) =>
      new Accounts({ meta, masterKey: Buffer.alloc(32, 7), root, nowMs: () => 1, stsMaxDurationSeconds: 7200 });
    const [one, two] = [open(gateways[0]!), open(gateways[1]!)];
    // Started together: both record the operator's account, one of them first.
    await Promise.all([one.load(), two.load()]);
    await new Promise((r) => setTimeout(r, 300)); // the feeds connect and LISTEN
    const acme = await one.registry.create('acme');
    const until = Date.now() + 5000;
    while (Date.now() < until && (await two.lookupCredential(acme.secretId)) === undefined)
      await new Promise((r) => setTimeout(r, 20));
    expect(await two.lookupCredential(acme.secretId)).toMatchObject({ accessKeyId: acme.secretId });
    await one.registry.setSuspended(acme.appId, true);
    const refused = async () =>
      two.lookupCredential(acme.secretId).then(
        () => false,
        (err: Error) => err.name === 'S3Error' || /disabled/i.test(err.message),
      );
    while (Date.now() < until && !(await refused())) await new Promise((r) => setTimeout(r, 20));
    await expect(two.lookupCredential(acme.secretId)).rejects.toThrow(/disabled/i);
  });

  it('an SSE-KMS key disabled or rotated through one gateway is refused, or used at its new version, on the others at once', async () => {
    const open = (meta: MetadataStore) =>
      new Kms({
        store: (meta as PgMetaStore).kmsKeyStore(),
        wrapKey: Buffer.alloc(32, 9),
        region: 'r',
        accountId: '1',
        nowMs: () => 1,
        changes: meta.changes,
      });
    const [one, two] = [open(gateways[0]!), open(gateways[1]!)];
    await new Promise((r) => setTimeout(r, 300)); // the feeds connect and LISTEN
    const { keyId } = await one.createKey('k');
    expect(await two.keyForWrite(keyId)).toEqual({ keyId, version: 1 }); // now cached on the second gateway
    const until = Date.now() + 5000;
    await one.rotateKey(keyId);
    while (Date.now() < until && (await two.keyForWrite(keyId)).version === 1)
      await new Promise((r) => setTimeout(r, 20));
    expect(await two.keyForWrite(keyId)).toEqual({ keyId, version: 2 });
    await one.setEnabled(keyId, false);
    const refused = () =>
      two.keyForWrite(keyId).then(
        () => false,
        (err: Error) => err.name === 'S3Error',
      );
    while (Date.now() < until && !(await refused())) await new Promise((r) => setTimeout(r, 20));
    await expect(two.material(keyId, 1)).rejects.toThrow(/is disabled/);
  });

  it('group-committed PUTs judge each precondition on its own, and a PUT whose blob is gone fails alone', async () => {
    const store = gateways[0]!;
    for (let i = 0; i < 10; i++) {
      const blobId = newBlobId();
      await store.commitObject({
        bucketId: bucket.id,
        key: `k${i}`,
        newBlobs: [{ id: blobId, size: 1 }],
        version: version(blobId, 1),
      });
    }
    const gone = newBlobId();
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => {
        const blobId = newBlobId();
        return store.commitObject({
          bucketId: bucket.id,
          key: `k${i}`,
          newBlobs: [{ id: blobId, size: 1 }],
          version: version(blobId, 1),
          precondition: (current) => {
            if (current) throw new StoreError('conflict', 'exists');
          },
        });
      }),
      // References a blob no commit created: refused, and only this PUT.
      store.commitObject({ bucketId: bucket.id, key: 'dangling', newBlobs: [], version: version(gone, 1) }),
    ]);
    expect(outcomes.slice(0, 10).every((o) => o.status === 'rejected')).toBe(true);
    expect(outcomes.slice(10, 20).every((o) => o.status === 'fulfilled')).toBe(true);
    expect(outcomes[20]).toMatchObject({ status: 'rejected', reason: { reason: 'not-found' } });
    const listed = await store.listObjects(bucket.id, { prefix: 'k', delimiter: '', after: '', maxKeys: 100 });
    expect(listed.entries).toHaveLength(20);
    expect((await store.bucketUsage(bucket.id)).objects.STANDARD).toEqual({ count: 20, bytes: 20 });
  });

  it('commits a batch of PUTs without preconditions in one statement, outside BEGIN/COMMIT; a PUT whose bucket or blob is gone fails alone', async () => {
    const store = gateways[0]!;
    const put = (key: string, bucketId = bucket.id) => {
      const blobId = newBlobId();
      return {
        blobId,
        done: store.commitObject({ bucketId, key, newBlobs: [{ id: blobId, size: 1 }], version: version(blobId, 1) }),
      };
    };
    // Every statement the pools send, as pg's Client sees them.
    const sent: string[] = [];
    const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    const query = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      const config = args[0] as string | { text: string };
      sent.push(typeof config === 'string' ? config : config.text);
      return original.apply(this, args);
    } as never);
    // A PUT on its own, then a batch.
    const alone = put('alone');
    await alone.done;
    const first = Array.from({ length: 20 }, (_, i) => put(`s${i}`));
    const gone = newBlobId();
    const outcomes = await Promise.allSettled([
      ...first.map((p) => p.done),
      store.commitObject({ bucketId: bucket.id, key: 'dangling', newBlobs: [], version: version(gone, 1) }),
      put('nowhere', bucket.id + 1000).done,
    ]).finally(() => query.mockRestore());
    expect(outcomes.slice(0, 20).every((o) => o.status === 'fulfilled')).toBe(true);
    expect(outcomes[20]).toMatchObject({ status: 'rejected', reason: { reason: 'not-found' } });
    expect(outcomes[21]).toMatchObject({ status: 'rejected', reason: { reason: 'not-found' } });
    expect(sent.filter((text) => text.includes('coffer_commit_object(')).length).toBeGreaterThan(0);
    const statements = sent.filter((text) => text.includes('coffer_put_objects'));
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.length).toBeLessThan(8);
    expect(sent.filter((text) => /^\s*(BEGIN|COMMIT|SAVEPOINT)/.test(text))).toEqual([]);
    expect((await store.getObject(bucket.id, 's7'))!.manifest[0]!.blobId).toBe(first[7]!.blobId);
    // Overwrites the same way: each new blob holds one reference, each replaced one none (queued for GC).
    const second = Array.from({ length: 5 }, (_, i) => put(`s${i}`));
    await Promise.all(second.map((p) => p.done));
    // Alone too, a PUT whose blob or bucket is gone is refused.
    await expect(
      store.commitObject({ bucketId: bucket.id, key: 'dangling', newBlobs: [], version: version(gone, 1) }),
    ).rejects.toMatchObject({ reason: 'not-found' });
    await expect(put('nowhere', bucket.id + 1000).done).rejects.toMatchObject({ reason: 'not-found' });
    await expectNoLeak(
      [alone.blobId, ...second.map((p) => p.blobId), ...first.slice(5).map((p) => p.blobId)],
      first.slice(0, 5).map((p) => p.blobId),
    );
    expect((await store.bucketUsage(bucket.id)).objects.STANDARD).toEqual({ count: 21, bytes: 21 });
  });

  it("keeps usage exact across the counter shards of every gateway's connections, overwrites included", async () => {
    // 60 new keys through the three gateways at once, then 30 of them overwritten through another gateway
    // than wrote them: the overwrite's −1 lands in one backend's shard, the first +1 in another's.
    const put = (g: number, key: string, size: number) => {
      const blobId = newBlobId();
      return gateways[g]!.commitObject({
        bucketId: bucket.id,
        key,
        newBlobs: [{ id: blobId, size }],
        version: version(blobId, size),
      });
    };
    await Promise.all(Array.from({ length: 60 }, (_, i) => put(i % 3, `k${i}`, 10)));
    await Promise.all(Array.from({ length: 30 }, (_, i) => put((i + 1) % 3, `k${i}`, 3)));
    for (const g of gateways) {
      const usage = await g.bucketUsage(bucket.id);
      expect(usage.objects).toEqual({ STANDARD: { count: 60, bytes: 30 * 10 + 30 * 3 } });
      expect(usage).toEqual(await g.recountBucketUsage(bucket.id));
    }
  });
});
