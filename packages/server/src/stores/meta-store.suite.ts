import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  BucketRecord,
  LifecycleAction,
  MetadataStore,
  NewObjectVersion,
  ObjectVersion,
  PartRecord,
  UploadRecord,
} from './types.js';
import { INLINE_ATTACH_BYTES, StoreError } from './types.js';

/** Keys whose UTF-8 byte order differs from JavaScript's UTF-16 order, and other awkward ones. */
export const AWKWARD_KEYS = {
  ascii: 'a',
  latin1: 'é', // U+00E9
  cjk: '中', // U+4E2D
  replacementChar: '\uFFFD', // U+FFFD: sorts before astral characters in UTF-8, after them in UTF-16
  emoji: '😀', // U+1F600 (a surrogate pair in UTF-16)
  space: 'with space',
  dotdot: '../up',
  slashes: 'a//b',
  controlChar: 'tab\tkey',
} as const;

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function newVersion(overrides: Partial<NewObjectVersion> = {}): NewObjectVersion {
  return {
    isDeleteMarker: false,
    size: 3,
    etag: 'abc',
    crc64: '1',
    lastModifiedMs: 1_700_000_000_000,
    storageClass: 'STANDARD',
    objectType: 'normal',
    ownerId: 'owner',
    contentHeaders: { 'content-type': 'text/plain' },
    userMeta: { a: 'b' },
    checksums: {},
    manifest: [],
    ...overrides,
  };
}

/**
 * The MetadataStore contract: every implementation runs this suite (one suite per interface,
 * run against each implementation, as Garage's src/db/test.rs and tus's utils/src/test/stores.ts do).
 */
export function metaStoreSuite(name: string, open: () => Promise<MetadataStore>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    let bucket: BucketRecord;

    beforeEach(async () => {
      store = await open();
      bucket = await store.createBucket({ name: 'b1', ownerId: 'owner', region: 'r', createdMs: 1 });
    });
    afterEach(async () => {
      await store.close();
    });

    async function put(key: string, overrides: Partial<NewObjectVersion> = {}, blobSize = 0): Promise<ObjectVersion> {
      const blobId = randomBytes(16).toString('hex');
      const manifest = blobSize > 0 ? [{ blobId, offset: 0, length: blobSize }] : [];
      const { version } = await store.commitObject({
        bucketId: bucket.id,
        key,
        newBlobs: blobSize > 0 ? [{ id: blobId, size: blobSize }] : [],
        version: newVersion({ size: blobSize, manifest, ...overrides }),
      });
      return version;
    }

    /** The ids of the blobs the GC may delete now. */
    async function claimIds(olderThanMs: number, limit: number): Promise<string[]> {
      return (await store.claimGarbage(olderThanMs, limit)).map((g) => g.id);
    }

    /** Commits an object whose body is one inline blob (stored in the metadata, no file). */
    async function putInline(key: string, body: Buffer, sealed = false): Promise<ObjectVersion> {
      const blobId = randomBytes(16).toString('hex');
      const manifest =
        body.length === 0
          ? []
          : [
              {
                blobId,
                offset: 0,
                length: body.length,
                inline: true as const,
                ...(sealed ? { sealed: true as const } : {}),
              },
            ];
      const { version } = await store.commitObject({
        bucketId: bucket.id,
        key,
        newBlobs: body.length === 0 ? [] : [{ id: blobId, size: body.length, body }],
        version: newVersion({ size: body.length, manifest, ...(sealed ? { sse: 'AES256' as const } : {}) }),
      });
      return version;
    }

    async function listAll(prefix: string, delimiter: string, pageSize: number) {
      const out: string[] = [];
      let after = '';
      for (let guard = 0; guard < 10_000; guard++) {
        const page = await store.listObjects(bucket.id, { prefix, delimiter, after, maxKeys: pageSize });
        for (const e of page.entries) out.push(e.kind === 'prefix' ? `P:${e.prefix}` : `K:${e.object.key}`);
        if (!page.isTruncated) return out;
        after = page.nextAfter!;
      }
      throw new Error('listing did not terminate');
    }

    describe('buckets', () => {
      it('creates, finds, lists and deletes buckets', async () => {
        expect(await store.getBucket('b1')).toMatchObject({ name: 'b1', ownerId: 'owner', versioning: '' });
        await store.createBucket({ name: 'a0', ownerId: 'owner', region: 'r', createdMs: 2 });
        await store.createBucket({ name: 'c2', ownerId: 'other', region: 'r', createdMs: 3 });
        expect((await store.listBuckets('owner')).map((b) => b.name)).toEqual(['a0', 'b1']);
        expect((await store.listBuckets()).map((b) => b.name)).toEqual(['a0', 'b1', 'c2']);
        await store.deleteBucket('a0');
        expect(await store.getBucket('a0')).toBeUndefined();
      });

      it('refuses a second bucket of the same name', async () => {
        await expect(store.createBucket({ name: 'b1', ownerId: 'x', region: 'r', createdMs: 1 })).rejects.toMatchObject(
          {
            reason: 'conflict',
          },
        );
      });

      it('refuses to delete a bucket that has objects, or one that does not exist', async () => {
        await put('k');
        await expect(store.deleteBucket('b1')).rejects.toMatchObject({ reason: 'not-empty' });
        await expect(store.deleteBucket('nope')).rejects.toBeInstanceOf(StoreError);
      });

      it('keeps configuration documents per bucket and kind', async () => {
        await store.setBucketConfig(bucket.id, 'cors', '<x/>');
        expect(await store.getBucketConfig(bucket.id, 'cors')).toBe('<x/>');
        await store.setBucketConfig(bucket.id, 'cors', '<y/>');
        expect(await store.getBucketConfig(bucket.id, 'cors')).toBe('<y/>');
        await store.setBucketConfig(bucket.id, 'cors', null);
        expect(await store.getBucketConfig(bucket.id, 'cors')).toBeUndefined();
      });
    });

    describe('objects without versioning', () => {
      it('stores a version with every field and returns it', async () => {
        await put('k', { userMeta: { x: 'y' }, checksums: { CRC32: 'AAAAAA==' }, tagging: 'a=b' }, 5);
        const got = await store.getObject(bucket.id, 'k');
        expect(got).toMatchObject({
          key: 'k',
          versionId: 'null',
          isLatest: true,
          size: 5,
          userMeta: { x: 'y' },
          checksums: { CRC32: 'AAAAAA==' },
          tagging: 'a=b',
          contentHeaders: { 'content-type': 'text/plain' },
        });
        expect(got!.manifest).toHaveLength(1);
      });

      it('replaces the previous version on overwrite and queues its blob for GC', async () => {
        const first = await put('k', {}, 10);
        await put('k', { etag: 'second' }, 20);
        expect((await store.getObject(bucket.id, 'k'))!.etag).toBe('second');
        const garbage = await claimIds(Number.MAX_SAFE_INTEGER, 10);
        expect(garbage).toEqual([first.manifest[0]!.blobId]);
        await store.forgetGarbage(garbage);
        expect(await store.garbageCount()).toBe(0);
      });

      it('deletes the object and frees its blob; deleting again is harmless', async () => {
        const v = await put('k', {}, 10);
        expect(await store.deleteObject({ bucketId: bucket.id, key: 'k', nowMs: 5, ownerId: 'o' })).toMatchObject({
          deleteMarker: false,
        });
        expect(await store.getObject(bucket.id, 'k')).toBeUndefined();
        expect(await claimIds(Number.MAX_SAFE_INTEGER, 10)).toEqual([v.manifest[0]!.blobId]);
        await store.deleteObject({ bucketId: bucket.id, key: 'k', nowMs: 5, ownerId: 'o' });
        expect(await store.bucketHasObjects(bucket.id)).toBe(false);
      });

      it('aborts a commit whose precondition throws, changing nothing', async () => {
        await put('k', { etag: 'one' });
        await expect(
          store.commitObject({
            bucketId: bucket.id,
            key: 'k',
            newBlobs: [],
            version: newVersion({ etag: 'two' }),
            precondition: (current) => {
              if (current) throw new Error('exists');
            },
          }),
        ).rejects.toThrow('exists');
        expect((await store.getObject(bucket.id, 'k'))!.etag).toBe('one');
      });

      it('commits many concurrent writes, one failure not affecting the others', async () => {
        const writes = Array.from({ length: 50 }, (_, i) => put(`k${i}`));
        const failing = store.commitObject({
          bucketId: bucket.id,
          key: 'bad',
          newBlobs: [],
          version: newVersion(),
          precondition: () => {
            throw new Error('no');
          },
        });
        await Promise.all(writes);
        await expect(failing).rejects.toThrow('no');
        expect(
          (await store.listObjects(bucket.id, { prefix: '', delimiter: '', after: '', maxKeys: 1000 })).entries,
        ).toHaveLength(50);
      });
    });

    describe('blob references', () => {
      it('keeps a blob while any version references it (zero-copy copies)', async () => {
        const original = await put('src', {}, 10);
        await store.commitObject({
          bucketId: bucket.id,
          key: 'copy',
          newBlobs: [],
          version: newVersion({ size: 10, manifest: original.manifest }),
        });
        await store.deleteObject({ bucketId: bucket.id, key: 'src', nowMs: 1, ownerId: 'o' });
        expect(await store.garbageCount()).toBe(0);
        await store.deleteObject({ bucketId: bucket.id, key: 'copy', nowMs: 1, ownerId: 'o' });
        expect(await claimIds(Number.MAX_SAFE_INTEGER, 10)).toEqual([original.manifest[0]!.blobId]);
      });

      it('replaces an object by a copy of itself without freeing the blobs they share', async () => {
        const v = await put('self', {}, 10);
        await store.commitObject({
          bucketId: bucket.id,
          key: 'self',
          newBlobs: [],
          version: newVersion({ size: 10, manifest: v.manifest, storageClass: 'STANDARD_IA' }),
        });
        expect(await store.getObject(bucket.id, 'self')).toMatchObject({
          storageClass: 'STANDARD_IA',
          versionId: 'null',
        });
        expect(await store.garbageCount()).toBe(0);
      });

      it('refuses to reference a blob that no longer exists', async () => {
        const v = await put('src', {}, 10);
        await store.deleteObject({ bucketId: bucket.id, key: 'src', nowMs: 1, ownerId: 'o' });
        await expect(
          store.commitObject({
            bucketId: bucket.id,
            key: 'copy',
            newBlobs: [],
            version: newVersion({ manifest: v.manifest }),
          }),
        ).rejects.toMatchObject({ reason: 'not-found' });
        expect(await store.getObject(bucket.id, 'copy')).toBeUndefined();
      });

      it('holds GC until the grace time has passed', async () => {
        const v = await put('k', { lastModifiedMs: 1000 }, 10);
        await store.deleteObject({ bucketId: bucket.id, key: 'k', nowMs: 5000, ownerId: 'o' });
        expect(await claimIds(4999, 10)).toEqual([]);
        expect(await claimIds(5000, 10)).toEqual([v.manifest[0]!.blobId]);
      });

      it('tracks pending blob intents', async () => {
        await store.addPendingBlob('a'.repeat(32), 1);
        await store.addPendingBlob('b'.repeat(32), 1);
        expect(await store.listPendingBlobs()).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
        await store.dropPendingBlobs(['a'.repeat(32)]);
        expect(await store.listPendingBlobs()).toEqual(['b'.repeat(32)]);
        const { version } = await store.commitObject({
          bucketId: bucket.id,
          key: 'k',
          newBlobs: [{ id: 'b'.repeat(32), size: 4 }],
          version: newVersion({ size: 4, manifest: [{ blobId: 'b'.repeat(32), offset: 0, length: 4 }] }),
        });
        expect(version.size).toBe(4);
        expect(await store.listPendingBlobs()).toEqual([]);
        const referenced: string[] = [];
        for await (const id of store.listBlobIds()) referenced.push(id);
        expect(referenced).toEqual(['b'.repeat(32)]);
      });
    });

    describe('inline blobs (bodies kept in the metadata)', () => {
      it('stores an inline body with its version and returns it with the version, no intent, no file id', async () => {
        const body = randomBytes(4096);
        const v = await putInline('small', body);
        const got = await store.getObject(bucket.id, 'small');
        expect(got!.manifest).toHaveLength(1);
        expect(got!.manifest[0]).toMatchObject({
          blobId: v.manifest[0]!.blobId,
          offset: 0,
          length: 4096,
          inline: true,
        });
        expect(Buffer.compare(got!.manifest[0]!.body!, body)).toBe(0);
        expect(Buffer.compare((await store.readInlineBlob(v.manifest[0]!.blobId))!, body)).toBe(0);
        expect(await store.listPendingBlobs()).toEqual([]);
        const files: string[] = [];
        for await (const id of store.listBlobIds()) files.push(id);
        expect(files).toEqual([]);
        // A version read by id carries its body too.
        const byId = await store.getObject(bucket.id, 'small', 'null');
        expect(Buffer.compare(byId!.manifest[0]!.body!, body)).toBe(0);
      });

      it('keeps the sealed and inline flags together', async () => {
        const v = await putInline('enc', Buffer.from('ciphertext'), true);
        const got = await store.getObject(bucket.id, 'enc');
        expect(got).toMatchObject({ sse: 'AES256' });
        expect(got!.manifest[0]).toMatchObject({ blobId: v.manifest[0]!.blobId, sealed: true, inline: true });
      });

      it('a refused commit stores no body', async () => {
        const blobId = randomBytes(16).toString('hex');
        await expect(
          store.commitObject({
            bucketId: bucket.id,
            key: 'k',
            newBlobs: [{ id: blobId, size: 3, body: Buffer.from('abc') }],
            version: newVersion({ manifest: [{ blobId, offset: 0, length: 3, inline: true }] }),
            precondition: () => {
              throw new Error('refused');
            },
          }),
        ).rejects.toThrow('refused');
        expect(await store.readInlineBlob(blobId)).toBeUndefined();
      });

      it('shares an inline blob between copies; the body outlives the last reference until the GC forgets it', async () => {
        const body = Buffer.from('shared bytes');
        const src = await putInline('src', body);
        const blobId = src.manifest[0]!.blobId;
        // A copy references the source's blob (the body the store attached is ignored on write).
        const got = await store.getObject(bucket.id, 'src');
        await store.commitObject({
          bucketId: bucket.id,
          key: 'copy',
          newBlobs: [],
          version: newVersion({ size: body.length, manifest: got!.manifest }),
        });
        await store.deleteObject({ bucketId: bucket.id, key: 'src', nowMs: 1, ownerId: 'o' });
        expect(await store.garbageCount()).toBe(0);
        expect(Buffer.compare((await store.getObject(bucket.id, 'copy'))!.manifest[0]!.body!, body)).toBe(0);
        await store.deleteObject({ bucketId: bucket.id, key: 'copy', nowMs: 1, ownerId: 'o' });
        expect(await store.claimGarbage(Number.MAX_SAFE_INTEGER, 10)).toEqual([{ id: blobId, inline: true }]);
        // A reader that started on the deleted version can still read the bytes.
        expect(Buffer.compare((await store.readInlineBlob(blobId))!, body)).toBe(0);
        // No version may reference it any more.
        await expect(
          store.commitObject({
            bucketId: bucket.id,
            key: 'late',
            newBlobs: [],
            version: newVersion({ size: body.length, manifest: src.manifest }),
          }),
        ).rejects.toMatchObject({ reason: 'not-found' });
        await store.forgetGarbage([blobId]);
        expect(await store.readInlineBlob(blobId)).toBeUndefined();
        expect(await store.garbageCount()).toBe(0);
      });

      it('reports file blobs as files to the GC, next to inline ones', async () => {
        const file = await put('file', {}, 10);
        const inline = await putInline('inline', Buffer.from('x'));
        await store.deleteObject({ bucketId: bucket.id, key: 'file', nowMs: 1, ownerId: 'o' });
        await store.deleteObject({ bucketId: bucket.id, key: 'inline', nowMs: 2, ownerId: 'o' });
        expect(await store.claimGarbage(Number.MAX_SAFE_INTEGER, 10)).toEqual([
          { id: file.manifest[0]!.blobId, inline: false },
          { id: inline.manifest[0]!.blobId, inline: true },
        ]);
      });

      it('an overwrite frees the inline body it replaces', async () => {
        const first = await putInline('k', Buffer.from('one'));
        await putInline('k', Buffer.from('two'));
        expect(await claimIds(Number.MAX_SAFE_INTEGER, 10)).toEqual([first.manifest[0]!.blobId]);
        const got = await store.getObject(bucket.id, 'k');
        expect(got!.manifest[0]!.body!.toString()).toBe('two');
      });

      it('completes an upload from inline parts and file parts in one manifest', async () => {
        await store.createUpload({
          uploadId: 'mix',
          bucketId: bucket.id,
          key: 'mixed',
          initiatedMs: 1,
          ownerId: 'owner',
          storageClass: 'STANDARD',
          contentHeaders: {},
          userMeta: {},
        });
        const fileId = randomBytes(16).toString('hex');
        const inlineId = randomBytes(16).toString('hex');
        const tail = Buffer.from('the last part');
        const parts: PartRecord[] = [
          {
            partNumber: 1,
            size: 100,
            etag: 'e1',
            checksums: {},
            lastModifiedMs: 1,
            manifest: [{ blobId: fileId, offset: 0, length: 100 }],
          },
          {
            partNumber: 2,
            size: tail.length,
            etag: 'e2',
            checksums: {},
            lastModifiedMs: 1,
            manifest: [{ blobId: inlineId, offset: 0, length: tail.length, inline: true }],
          },
        ];
        await store.putPart({ uploadId: 'mix', part: parts[0]!, newBlobs: [{ id: fileId, size: 100 }] });
        await store.putPart({
          uploadId: 'mix',
          part: parts[1]!,
          newBlobs: [{ id: inlineId, size: tail.length, body: tail }],
        });
        const listed = await store.listParts('mix', 0, 10);
        expect(listed.parts[1]!.manifest[0]).toMatchObject({ blobId: inlineId, inline: true });
        await store.completeUpload({
          uploadId: 'mix',
          bucketId: bucket.id,
          key: 'mixed',
          nowMs: 2,
          compose: (_u, ps) =>
            newVersion({ size: 100 + tail.length, manifest: [...ps.get(1)!.manifest, ...ps.get(2)!.manifest] }),
        });
        const got = await store.getObject(bucket.id, 'mixed');
        expect(got!.manifest[0]).toEqual({ blobId: fileId, offset: 0, length: 100 });
        expect(got!.manifest[1]).toMatchObject({ blobId: inlineId, inline: true });
        expect(got!.manifest[1]!.body!.toString()).toBe('the last part');
        expect(await store.garbageCount()).toBe(0);
      });

      it('attaches at most INLINE_ATTACH_BYTES of bodies; the rest are read on demand', async () => {
        const chunk = randomBytes(256 * 1024);
        const manifest = [];
        const newBlobs = [];
        for (let i = 0; i < 6; i++) {
          const blobId = randomBytes(16).toString('hex');
          manifest.push({ blobId, offset: 0, length: chunk.length, inline: true as const });
          newBlobs.push({ id: blobId, size: chunk.length, body: chunk });
        }
        await store.commitObject({
          bucketId: bucket.id,
          key: 'appended',
          newBlobs,
          version: newVersion({ size: 6 * chunk.length, manifest, objectType: 'appendable' }),
        });
        const got = await store.getObject(bucket.id, 'appended');
        const attached = got!.manifest.filter((m) => m.body !== undefined);
        expect(attached.length * chunk.length).toBeLessThanOrEqual(INLINE_ATTACH_BYTES);
        expect(attached.length).toBeGreaterThan(0);
        for (const entry of got!.manifest) {
          const bytes = entry.body ?? (await store.readInlineBlob(entry.blobId));
          expect(Buffer.compare(bytes!, chunk)).toBe(0);
        }
      });
    });

    describe('listing', () => {
      it('lists in UTF-8 byte order, not UTF-16 order', async () => {
        const keys = Object.values(AWKWARD_KEYS);
        for (const key of keys) await put(key);
        const listed = await listAll('', '', 1000);
        expect(listed).toEqual([...keys].sort(utf8Order).map((k) => `K:${k}`));
        expect(utf8Order(AWKWARD_KEYS.replacementChar, AWKWARD_KEYS.emoji)).toBeLessThan(0);
      });

      it('folds keys under a delimiter into common prefixes and pages through them', async () => {
        for (const key of ['a/1', 'a/2', 'a/b/3', 'b', 'c/1', 'c/2', 'd', 'photos/2024/x.jpg', 'photos/y.jpg'])
          await put(key);
        expect(await listAll('', '/', 1000)).toEqual(['P:a/', 'K:b', 'P:c/', 'K:d', 'P:photos/']);
        expect(await listAll('', '/', 1)).toEqual(['P:a/', 'K:b', 'P:c/', 'K:d', 'P:photos/']);
        expect(await listAll('a/', '/', 1)).toEqual(['K:a/1', 'K:a/2', 'P:a/b/']);
        expect(await listAll('photos/', '/', 1000)).toEqual(['P:photos/2024/', 'K:photos/y.jpg']);
        expect(await listAll('c', '', 1)).toEqual(['K:c/1', 'K:c/2']);
      });

      it('treats a marker inside a common prefix as past that prefix', async () => {
        for (const key of ['a/1', 'a/2', 'b']) await put(key);
        const page = await store.listObjects(bucket.id, { prefix: '', delimiter: '/', after: 'a/1', maxKeys: 10 });
        expect(page.entries.map((e) => (e.kind === 'prefix' ? e.prefix : e.object.key))).toEqual(['b']);
      });

      it('matches a brute-force model for random keys, prefixes, delimiters and page sizes', async () => {
        const alphabet = ['a', 'b', '/', '-', 'é', '😀'];
        const keys = new Set<string>();
        while (keys.size < 120) {
          let key = '';
          const n = 1 + Math.floor(Math.random() * 6);
          for (let i = 0; i < n; i++) key += alphabet[Math.floor(Math.random() * alphabet.length)];
          keys.add(key);
        }
        for (const key of keys) await put(key);
        const sorted = [...keys].sort(utf8Order);
        for (const prefix of ['', 'a', 'a/', 'é', '😀', 'b-']) {
          for (const delimiter of ['', '/', '-', 'a/']) {
            const expected: string[] = [];
            const seen = new Set<string>();
            for (const key of sorted) {
              if (!key.startsWith(prefix)) continue;
              const i = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
              if (i < 0) expected.push(`K:${key}`);
              else {
                const cp = key.slice(0, i + delimiter.length);
                if (!seen.has(cp)) {
                  seen.add(cp);
                  expected.push(`P:${cp}`);
                }
              }
            }
            for (const pageSize of [1, 3, 1000]) {
              expect(
                await listAll(prefix, delimiter, pageSize),
                `prefix=${prefix} delimiter=${delimiter} page=${pageSize}`,
              ).toEqual(expected);
            }
          }
        }
      });

      it('lists by delimiter "/" exactly as the keys fold, through overwrites, deletes, markers and version removals', async () => {
        // The SQLite store answers delimiter '/' from its directory index (kept by triggers); the
        // expected page is folded here from the plain listing, which reads the objects themselves.
        const alphabet = ['a', 'b', '/', 'é'];
        const randomKey = () => {
          let key = '';
          const n = 1 + Math.floor(Math.random() * 7);
          for (let i = 0; i < n; i++) key += alphabet[Math.floor(Math.random() * alphabet.length)];
          return key;
        };
        const fold = (keys: string[], prefix: string) => {
          const out: string[] = [];
          for (const k of keys) {
            if (!k.startsWith(prefix)) continue;
            const i = k.indexOf('/', prefix.length);
            const entry = i < 0 ? `K:${k}` : `P:${k.slice(0, i + 1)}`;
            if (out[out.length - 1] !== entry) out.push(entry);
          }
          return out;
        };
        const check = async (round: number) => {
          const plain = (await listAll('', '', 1000)).map((e) => e.slice(2));
          for (const prefix of ['', 'a', 'a/', 'b/', 'a/b', '/', 'é/']) {
            for (const pageSize of [1, 4, 1000]) {
              expect(await listAll(prefix, '/', pageSize), `round ${round} prefix=${prefix} page=${pageSize}`).toEqual(
                fold(plain, prefix),
              );
            }
            // Live usage and folder size (kept by every write) equal a recount of the rows.
            expect(await store.folderUsage(bucket.id, prefix), `round ${round} folder ${prefix}`).toEqual(
              await store.folderUsage(bucket.id, prefix, true),
            );
          }
          expect(await store.bucketUsage(bucket.id), `round ${round} usage`).toEqual(
            await store.recountBucketUsage(bucket.id),
          );
        };
        for (let round = 0; round < 6; round++) {
          if (round === 2) await store.setBucketVersioning(bucket.id, 'Enabled');
          if (round === 4) await store.setBucketVersioning(bucket.id, 'Suspended');
          for (let op = 0; op < 60; op++) {
            const key = randomKey();
            const roll = Math.random();
            if (roll < 0.55) {
              await put(key);
            } else if (roll < 0.85) {
              await store.deleteObject({ bucketId: bucket.id, key, nowMs: 1, ownerId: 'o' });
            } else {
              // Remove one stored version (the latest, a noncurrent one, or a delete marker).
              const stored = await store.listObjectVersions(bucket.id, {
                prefix: key,
                delimiter: '',
                keyMarker: '',
                versionIdMarker: '',
                maxKeys: 1000,
              });
              const mine = stored.entries.flatMap((e) =>
                e.kind === 'version' && e.object.key === key ? [e.object] : [],
              );
              const victim = mine[Math.floor(Math.random() * mine.length)];
              if (victim) {
                await store.deleteObject({
                  bucketId: bucket.id,
                  key,
                  versionId: victim.versionId,
                  nowMs: 1,
                  ownerId: 'o',
                });
              }
            }
          }
          await check(round);
        }
      });

      it('folds keys holding U+0000 by "/" like any other', async () => {
        for (const key of ['n\u0000a/b', 'n/c', 'n\u0000a/d/e', 'm']) await put(key);
        expect(await listAll('', '/', 1000)).toEqual(['K:m', 'P:n\u0000a/', 'P:n/']);
        expect(await listAll('n\u0000a/', '/', 1)).toEqual(['K:n\u0000a/b', 'P:n\u0000a/d/']);
      });

      it('never lists delete markers or noncurrent versions', async () => {
        await store.setBucketVersioning(bucket.id, 'Enabled');
        await put('k1');
        await put('k1');
        await put('k2');
        await store.deleteObject({ bucketId: bucket.id, key: 'k2', nowMs: 1, ownerId: 'o' });
        expect(await listAll('', '', 1000)).toEqual(['K:k1']);
      });
    });

    describe('multipart uploads', () => {
      const upload = (uploadId: string, key = 'k', initiatedMs = 1): UploadRecord => ({
        uploadId,
        bucketId: bucket.id,
        key,
        initiatedMs,
        ownerId: 'owner',
        storageClass: 'STANDARD_IA',
        contentHeaders: { 'content-type': 'x/y' },
        userMeta: { m: 'v' },
      });
      async function part(uploadId: string, partNumber: number, size: number, startedMs = 2): Promise<PartRecord> {
        const blobId = randomBytes(16).toString('hex');
        const record: PartRecord = {
          partNumber,
          size,
          etag: `etag${partNumber}`,
          crc64: '7',
          checksums: {},
          lastModifiedMs: startedMs,
          manifest: [{ blobId, offset: 0, length: size }],
        };
        await store.putPart({ uploadId, part: record, newBlobs: [{ id: blobId, size }] });
        return record;
      }
      const compose =
        (use: number[]) =>
        (u: UploadRecord, parts: Map<number, PartRecord>): NewObjectVersion =>
          newVersion({
            storageClass: u.storageClass,
            size: use.reduce((n, p) => n + parts.get(p)!.size, 0),
            manifest: use.flatMap((p) => parts.get(p)!.manifest),
            etag: 'multi-2',
          });

      it('keeps the encryption of an upload and of a version, and the sealed flag of manifest entries', async () => {
        await store.createUpload({ ...upload('sealed'), sse: 'AES256' });
        expect((await store.getUpload('sealed'))?.sse).toBe('AES256');
        await store.createUpload(upload('clear'));
        expect(await store.getUpload('clear')).not.toHaveProperty('sse');
        const blobId = randomBytes(16).toString('hex');
        const manifest = [{ blobId, offset: 0, length: 4, sealed: true as const }];
        await store.commitObject({
          bucketId: bucket.id,
          key: 'enc',
          newBlobs: [{ id: blobId, size: 4 }],
          version: newVersion({ size: 4, manifest, sse: 'AES256' }),
        });
        const got = await store.getObject(bucket.id, 'enc');
        expect(got).toMatchObject({ sse: 'AES256', manifest });
        expect(await put('plain')).not.toHaveProperty('sse');
      });

      it('creates an upload, replaces a re-uploaded part and lists parts in pages', async () => {
        await store.createUpload(upload('u1'));
        expect(await store.getUpload('u1')).toMatchObject({
          key: 'k',
          storageClass: 'STANDARD_IA',
          userMeta: { m: 'v' },
        });
        const first = await part('u1', 1, 10);
        await part('u1', 2, 20);
        await part('u1', 3, 30);
        await part('u1', 1, 11);
        expect(await claimIds(Number.MAX_SAFE_INTEGER, 10)).toEqual([first.manifest[0]!.blobId]);
        const page1 = await store.listParts('u1', 0, 2);
        expect(page1.parts.map((p) => [p.partNumber, p.size])).toEqual([
          [1, 11],
          [2, 20],
        ]);
        expect(page1).toMatchObject({ isTruncated: true, nextPartNumberMarker: 2 });
        const page2 = await store.listParts('u1', 2, 2);
        expect(page2.parts.map((p) => p.partNumber)).toEqual([3]);
        expect(page2.isTruncated).toBe(false);
      });

      it('keeps the later send of a part number when an earlier send commits last, and frees the earlier', async () => {
        await store.createUpload(upload('u1'));
        await part('u1', 1, 10, 5);
        const late = await part('u1', 1, 11, 4); // began before the part above, finished after it
        expect((await store.listParts('u1', 0, 10)).parts.map((p) => [p.size, p.lastModifiedMs])).toEqual([[10, 5]]);
        expect(await store.claimGarbage(Number.MAX_SAFE_INTEGER, 10)).toEqual([
          { id: late.manifest[0]!.blobId, inline: false },
        ]);
      });

      it('completes from the chosen parts, frees the rest, and answers a retry with the same result', async () => {
        await store.createUpload(upload('u1'));
        const p1 = await part('u1', 1, 10);
        const p2 = await part('u1', 2, 20);
        const unused = await part('u1', 3, 30);
        const done = await store.completeUpload({
          uploadId: 'u1',
          bucketId: bucket.id,
          key: 'k',
          nowMs: 5,
          compose: compose([1, 2]),
        });
        expect(done.kind).toBe('completed');
        const object = await store.getObject(bucket.id, 'k');
        expect(object).toMatchObject({ size: 30, storageClass: 'STANDARD_IA', etag: 'multi-2' });
        expect(object!.manifest.map((m) => m.blobId)).toEqual([p1.manifest[0]!.blobId, p2.manifest[0]!.blobId]);
        expect(await claimIds(Number.MAX_SAFE_INTEGER, 10)).toEqual([unused.manifest[0]!.blobId]);
        expect(await store.getUpload('u1')).toBeUndefined();
        const again = await store.completeUpload({
          uploadId: 'u1',
          bucketId: bucket.id,
          key: 'k',
          nowMs: 6,
          compose: compose([1]),
        });
        expect(again).toMatchObject({ kind: 'already-completed', etag: 'multi-2', size: 30 });
        await expect(
          store.completeUpload({ uploadId: 'u1', bucketId: bucket.id, key: 'other', nowMs: 6, compose: compose([1]) }),
        ).rejects.toMatchObject({ reason: 'not-found' });
      });

      it('leaves the upload untouched when compose throws', async () => {
        await store.createUpload(upload('u1'));
        await part('u1', 1, 10);
        await expect(
          store.completeUpload({
            uploadId: 'u1',
            bucketId: bucket.id,
            key: 'k',
            nowMs: 5,
            compose: () => {
              throw new Error('InvalidPart');
            },
          }),
        ).rejects.toThrow('InvalidPart');
        expect((await store.listParts('u1', 0, 10)).parts).toHaveLength(1);
        expect(await store.getObject(bucket.id, 'k')).toBeUndefined();
      });

      it('aborts an upload, freeing every part; parts for a gone upload are refused', async () => {
        await store.createUpload(upload('u1'));
        const p1 = await part('u1', 1, 10);
        expect((await store.abortUpload('u1', 9)).key).toBe('k');
        expect(await claimIds(Number.MAX_SAFE_INTEGER, 10)).toEqual([p1.manifest[0]!.blobId]);
        await expect(part('u1', 2, 10)).rejects.toMatchObject({ reason: 'not-found' });
        await expect(store.abortUpload('u1', 9)).rejects.toMatchObject({ reason: 'not-found' });
      });

      it('blocks bucket deletion while uploads remain and reports their usage', async () => {
        await store.createUpload(upload('u1'));
        await part('u1', 1, 10);
        await part('u1', 2, 5);
        await put('obj', { storageClass: 'STANDARD' }, 7);
        const usage = await store.bucketUsage(bucket.id);
        expect(usage.incompleteUploads).toEqual({ count: 1, parts: 2, bytes: 15 });
        expect(usage.objects).toEqual({ STANDARD: { count: 1, bytes: 7 } });
        await store.deleteObject({ bucketId: bucket.id, key: 'obj', nowMs: 1, ownerId: 'o' });
        await expect(store.deleteBucket('b1')).rejects.toMatchObject({ reason: 'has-uploads' });
        await store.abortUpload('u1', 1);
        await store.deleteBucket('b1');
      });

      it('lists uploads by key then initiation, with markers, prefixes and delimiters', async () => {
        await store.createUpload(upload('x1', 'a/1', 1));
        await store.createUpload(upload('x2', 'a/1', 2));
        await store.createUpload(upload('x3', 'a/2', 3));
        await store.createUpload(upload('x4', 'b', 4));
        const all = await store.listUploads(bucket.id, {
          prefix: '',
          delimiter: '',
          keyMarker: '',
          uploadIdMarker: '',
          maxUploads: 10,
        });
        expect(all.entries.map((e) => e.kind === 'upload' && e.upload.uploadId)).toEqual(['x1', 'x2', 'x3', 'x4']);
        const folded = await store.listUploads(bucket.id, {
          prefix: '',
          delimiter: '/',
          keyMarker: '',
          uploadIdMarker: '',
          maxUploads: 10,
        });
        expect(folded.entries.map((e) => (e.kind === 'prefix' ? e.prefix : e.upload.uploadId))).toEqual(['a/', 'x4']);
        const seen: string[] = [];
        let keyMarker = '';
        let uploadIdMarker = '';
        for (;;) {
          const page = await store.listUploads(bucket.id, {
            prefix: 'a/',
            delimiter: '',
            keyMarker,
            uploadIdMarker,
            maxUploads: 1,
          });
          for (const e of page.entries) if (e.kind === 'upload') seen.push(e.upload.uploadId);
          if (!page.isTruncated) break;
          keyMarker = page.nextKeyMarker!;
          uploadIdMarker = page.nextUploadIdMarker ?? '';
        }
        expect(seen).toEqual(['x1', 'x2', 'x3']);
      });

      it('continues after an upload-id marker whose upload was aborted meanwhile', async () => {
        await store.createUpload(upload('y1', 'same', 1));
        await store.createUpload(upload('y2', 'same', 2));
        await store.createUpload(upload('y3', 'same', 3));
        await store.abortUpload('y1', 4);
        const page = await store.listUploads(bucket.id, {
          prefix: '',
          delimiter: '',
          keyMarker: 'same',
          uploadIdMarker: 'y1',
          maxUploads: 10,
        });
        expect(page.entries.map((e) => e.kind === 'upload' && e.upload.uploadId)).toEqual(['y2', 'y3']);
      });

      it('keeps the part sizes of a completed upload on its version, and a plain write has none', async () => {
        await store.createUpload(upload('s1'));
        await part('s1', 1, 10);
        await part('s1', 2, 20);
        await part('s1', 3, 5);
        await store.completeUpload({
          uploadId: 's1',
          bucketId: bucket.id,
          key: 'k',
          nowMs: 5,
          compose: (u, parts) => ({
            ...compose([1, 2, 3])(u, parts),
            partSizes: [10, 20, 5],
            partChecksums: [{ SHA256: 'a' }, { SHA256: 'b' }, { SHA256: 'c', CRC32: 'd' }],
          }),
        });
        expect((await store.getObject(bucket.id, 'k'))!.partSizes).toEqual([10, 20, 5]);
        expect((await store.getObject(bucket.id, 'k'))!.partChecksums).toEqual([
          { SHA256: 'a' },
          { SHA256: 'b' },
          { SHA256: 'c', CRC32: 'd' },
        ]);
        const copy = await put('copy', { partSizes: [10, 20, 5] });
        expect((await store.getObject(bucket.id, 'copy', copy.versionId))!.partSizes).toEqual([10, 20, 5]);
        await put('plain');
        expect((await store.getObject(bucket.id, 'plain'))!.partSizes).toBeUndefined();
        expect((await store.getObject(bucket.id, 'plain'))!.partChecksums).toBeUndefined();
      });

      it('forgets completed uploads after the retention time', async () => {
        await store.createUpload(upload('z1'));
        await part('z1', 1, 10);
        await store.completeUpload({
          uploadId: 'z1',
          bucketId: bucket.id,
          key: 'k',
          nowMs: 100,
          compose: compose([1]),
        });
        expect(await store.forgetCompletedUploads(100)).toBe(0);
        expect(await store.forgetCompletedUploads(101)).toBe(1);
        await expect(
          store.completeUpload({ uploadId: 'z1', bucketId: bucket.id, key: 'k', nowMs: 102, compose: compose([1]) }),
        ).rejects.toMatchObject({ reason: 'not-found' });
      });
    });

    describe('object tags', () => {
      it("sets and removes a version's tags without touching Last-Modified or which version is latest", async () => {
        await store.setBucketVersioning(bucket.id, 'Enabled');
        const v1 = await put('k', { etag: '1', tagging: 'a=b', lastModifiedMs: 10 });
        const v2 = await put('k', { etag: '2', lastModifiedMs: 20 });
        expect(await store.setObjectTagging(bucket.id, 'k', v1.versionId, 'x=y&z=')).toBe(true);
        const tagged = await store.getObject(bucket.id, 'k', v1.versionId);
        expect(tagged).toMatchObject({ tagging: 'x=y&z=', lastModifiedMs: 10, seq: v1.seq, isLatest: false });
        const latest = await store.getObject(bucket.id, 'k');
        expect(latest).toMatchObject({ versionId: v2.versionId, lastModifiedMs: 20 });
        expect(latest!.tagging).toBeUndefined();
        expect(await store.setObjectTagging(bucket.id, 'k', v1.versionId, null)).toBe(true);
        expect((await store.getObject(bucket.id, 'k', v1.versionId))!.tagging).toBeUndefined();
      });

      it('tags the null version by its id, and refuses versions that do not exist or are delete markers', async () => {
        await put('k');
        expect(await store.setObjectTagging(bucket.id, 'k', 'null', 'a=1')).toBe(true);
        expect((await store.getObject(bucket.id, 'k'))!.tagging).toBe('a=1');
        expect(await store.setObjectTagging(bucket.id, 'nope', 'null', 'a=1')).toBe(false);
        expect(await store.setObjectTagging(bucket.id, 'k', 'no-such-version', 'a=1')).toBe(false);
        await store.setBucketVersioning(bucket.id, 'Enabled');
        const marker = await store.deleteObject({ bucketId: bucket.id, key: 'k', nowMs: 9, ownerId: 'o' });
        expect(await store.setObjectTagging(bucket.id, 'k', marker.versionId!, 'a=1')).toBe(false);
      });
    });

    describe('object lock', () => {
      const DAY = 86_400_000;

      it('keeps retention and legal hold, and refuses to delete a protected version (GOVERNANCE yields to bypass)', async () => {
        await store.setBucketVersioning(bucket.id, 'Enabled');
        const retention = { mode: 'GOVERNANCE' as const, untilMs: 10 * DAY };
        const v = await put('k', { lock: { retention } });
        expect((await store.getObject(bucket.id, 'k'))!.lock).toEqual({ retention });
        const remove = (nowMs: number, bypassGovernance = false) =>
          store.deleteObject({
            bucketId: bucket.id,
            key: 'k',
            versionId: v.versionId,
            nowMs,
            ownerId: 'o',
            bypassGovernance,
          });
        await expect(remove(DAY)).rejects.toMatchObject({ reason: 'locked' });
        // A plain delete adds a marker: allowed.
        const marker = await store.deleteObject({ bucketId: bucket.id, key: 'k', nowMs: DAY, ownerId: 'o' });
        expect(marker.createdDeleteMarker).toBe(true);
        expect(await store.setObjectLock(bucket.id, 'k', marker.versionId!, () => ({}))).toBe(false);

        // The update sees the version as stored and may refuse.
        await expect(
          store.setObjectLock(bucket.id, 'k', v.versionId, () => {
            throw new StoreError('locked', 'no');
          }),
        ).rejects.toMatchObject({ reason: 'locked' });
        expect(
          await store.setObjectLock(bucket.id, 'k', v.versionId, (current) => ({ ...current.lock, legalHold: true })),
        ).toBe(true);
        expect((await store.getObject(bucket.id, 'k', v.versionId))!.lock).toEqual({ retention, legalHold: true });
        await expect(remove(DAY, true)).rejects.toMatchObject({ reason: 'locked' });
        await expect(remove(11 * DAY)).rejects.toMatchObject({ reason: 'locked' });
        expect(
          await store.setObjectLock(bucket.id, 'k', v.versionId, (current) => ({ ...current.lock, legalHold: false })),
        ).toBe(true);
        await remove(DAY, true);
        expect(await store.getObject(bucket.id, 'k', v.versionId)).toBeUndefined();
      });

      it('COMPLIANCE holds until its date, bypass or not; lifecycle batches skip protected versions', async () => {
        await store.setBucketVersioning(bucket.id, 'Enabled');
        const old = await put('k', { lock: { retention: { mode: 'COMPLIANCE', untilMs: 10 * DAY } } });
        await put('k');
        await expect(
          store.deleteObject({
            bucketId: bucket.id,
            key: 'k',
            versionId: old.versionId,
            nowMs: DAY,
            ownerId: 'o',
            bypassGovernance: true,
          }),
        ).rejects.toMatchObject({ reason: 'locked' });
        const batch = async (nowMs: number) =>
          store.applyLifecycleBatch({
            bucketId: bucket.id,
            nowMs,
            actions: [{ kind: 'delete-version', key: 'k', versionId: old.versionId, seq: old.seq }],
            runId: (await store.claimLifecycleRun(nowMs, '{}')).runId,
            state: '{}',
          });
        await batch(5 * DAY);
        expect(await store.getObject(bucket.id, 'k', old.versionId)).toBeDefined();
        await batch(11 * DAY);
        expect(await store.getObject(bucket.id, 'k', old.versionId)).toBeUndefined();
      });
    });

    describe('lifecycle runs', () => {
      it('claims one unfinished run for every caller, racing or not, until it finishes with its summary', async () => {
        const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => store.claimLifecycleRun(100 + i, '{}')));
        const runId = claims[0]!.runId;
        expect(claims.map((c) => c.runId)).toEqual(Array(6).fill(runId));
        expect(claims.filter((c) => c.created)).toHaveLength(1);
        await store.saveLifecycleRun(runId, '{"bucket":"b"}');
        expect(await store.claimLifecycleRun(200, '{}')).toMatchObject({
          runId,
          state: '{"bucket":"b"}',
          created: false,
        });
        expect(await store.getLifecycleRun(runId)).toEqual({
          runId,
          startedMs: claims.find((c) => c.created)!.startedMs,
          state: '{"bucket":"b"}',
        });

        await store.finishLifecycleRun(runId, 300, '{"objectsExpired":4}');
        expect(await store.getLifecycleRun(runId)).toMatchObject({ finishedMs: 300, summary: '{"objectsExpired":4}' });
        expect(await store.unfinishedLifecycleRun()).toBeUndefined();
        const next = await store.claimLifecycleRun(400, '{}');
        expect(next).toMatchObject({ startedMs: 400, state: '{}', created: true });
        expect(next.runId).toBeGreaterThan(runId);
        expect(await store.getLifecycleRun(next.runId + 1000)).toBeUndefined();
      });
    });

    describe('lifecycle batches', () => {
      async function apply(actions: LifecycleAction[]) {
        const { runId } = await store.claimLifecycleRun(1, '{}');
        return store.applyLifecycleBatch({ bucketId: bucket.id, nowMs: 2, actions, runId, state: '{}' });
      }

      it('applies an action only to the version it was decided for, even when a write reused its "null" id', async () => {
        // Unversioned: the scan saw null version #1; an overwrite made null version #2 before the batch ran.
        await put('plain', { etag: 'old' }, 5);
        const [seen] = await store.scanVersions(bucket.id, undefined, 10);
        await put('plain', { etag: 'new' }, 7);
        const stale = { key: 'plain', versionId: 'null', seq: seen!.seq };
        const moved = await apply([{ kind: 'transition', ...stale, storageClass: 'ARCHIVE' }]);
        expect(moved).toMatchObject({ transitioned: 0 });
        expect((await store.getObject(bucket.id, 'plain'))!.storageClass).toBe('STANDARD');

        // Versioned: the scan saw a noncurrent null version; it was replaced by a new null version that
        // another write then made noncurrent too. The new one was never judged, so it stays.
        await store.setBucketVersioning(bucket.id, 'Suspended');
        await put('k', { etag: 'null-1' }, 5);
        await store.setBucketVersioning(bucket.id, 'Enabled');
        await put('k', { etag: 'v2' }, 5);
        const scanned = await store.scanVersions(bucket.id, undefined, 10);
        const judged = scanned.find((r) => r.key === 'k' && r.versionId === 'null')!;
        expect(judged.isLatest).toBe(false);
        await store.setBucketVersioning(bucket.id, 'Suspended');
        await put('k', { etag: 'null-2' }, 5);
        await store.setBucketVersioning(bucket.id, 'Enabled');
        await put('k', { etag: 'v3' }, 5);
        const counts = await apply([{ kind: 'delete-version', key: 'k', versionId: 'null', seq: judged.seq }]);
        expect(counts).toMatchObject({ versionsDeleted: 0, bytesFreed: 0 });
        expect((await store.getObject(bucket.id, 'k', 'null'))!.etag).toBe('null-2');

        // And with the seq it was decided for, the same action does apply.
        const current = (await store.getObject(bucket.id, 'k', 'null'))!;
        const done = await apply([{ kind: 'delete-version', key: 'k', versionId: 'null', seq: current.seq }]);
        expect(done).toMatchObject({ versionsDeleted: 1, bytesFreed: 5 });
        expect(await store.getObject(bucket.id, 'k', 'null')).toBeUndefined();
      });
    });

    describe('versioning', () => {
      it('keeps every version when Enabled, newest first, with unique ids', async () => {
        await store.setBucketVersioning(bucket.id, 'Enabled');
        const v1 = await put('k', { etag: '1' });
        const v2 = await put('k', { etag: '2' });
        expect(v1.versionId).not.toBe(v2.versionId);
        expect(v1.versionId).not.toBe('null');
        expect((await store.getObject(bucket.id, 'k'))!.etag).toBe('2');
        expect((await store.getObject(bucket.id, 'k', v1.versionId))!.etag).toBe('1');
        const page = await store.listObjectVersions(bucket.id, {
          prefix: '',
          delimiter: '',
          keyMarker: '',
          versionIdMarker: '',
          maxKeys: 10,
        });
        expect(page.entries.map((e) => e.kind === 'version' && [e.object.versionId, e.object.isLatest])).toEqual([
          [v2.versionId, true],
          [v1.versionId, false],
        ]);
      });

      it('adds a delete marker, and removing the marker by version id restores the object', async () => {
        await store.setBucketVersioning(bucket.id, 'Enabled');
        const v1 = await put('k', { etag: '1' });
        const del = await store.deleteObject({ bucketId: bucket.id, key: 'k', nowMs: 9, ownerId: 'o' });
        expect(del).toMatchObject({ deleteMarker: true, createdDeleteMarker: true });
        expect((await store.getObject(bucket.id, 'k'))!.isDeleteMarker).toBe(true);
        const undo = await store.deleteObject({
          bucketId: bucket.id,
          key: 'k',
          versionId: del.versionId!,
          nowMs: 9,
          ownerId: 'o',
        });
        expect(undo).toMatchObject({ deleteMarker: true, createdDeleteMarker: false, versionId: del.versionId });
        const restored = await store.getObject(bucket.id, 'k');
        expect(restored).toMatchObject({ versionId: v1.versionId, isLatest: true, isDeleteMarker: false });
      });

      it('replaces only the null version when Suspended', async () => {
        await store.setBucketVersioning(bucket.id, 'Enabled');
        const kept = await put('k', { etag: 'kept' }, 5);
        await store.setBucketVersioning(bucket.id, 'Suspended');
        const n1 = await put('k', { etag: 'n1' }, 5);
        const n2 = await put('k', { etag: 'n2' }, 5);
        expect(n1.versionId).toBe('null');
        expect(n2.versionId).toBe('null');
        const page = await store.listObjectVersions(bucket.id, {
          prefix: '',
          delimiter: '',
          keyMarker: '',
          versionIdMarker: '',
          maxKeys: 10,
        });
        expect(page.entries.map((e) => e.kind === 'version' && e.object.etag)).toEqual(['n2', 'kept']);
        expect(await claimIds(Number.MAX_SAFE_INTEGER, 10)).toEqual([n1.manifest[0]!.blobId]);
        expect((await store.getObject(bucket.id, 'k', kept.versionId))!.etag).toBe('kept');
      });

      it('pages through versions with key and version-id markers', async () => {
        await store.setBucketVersioning(bucket.id, 'Enabled');
        for (const key of ['a', 'b', 'c']) for (let i = 0; i < 3; i++) await put(key, { etag: `${key}${i}` });
        await store.deleteObject({ bucketId: bucket.id, key: 'b', nowMs: 1, ownerId: 'o' });
        const full = await store.listObjectVersions(bucket.id, {
          prefix: '',
          delimiter: '',
          keyMarker: '',
          versionIdMarker: '',
          maxKeys: 1000,
        });
        const all = full.entries.map((e) => (e.kind === 'version' ? `${e.object.key}:${e.object.versionId}` : ''));
        expect(all).toHaveLength(10);
        for (const pageSize of [1, 2, 4]) {
          const seen: string[] = [];
          let keyMarker = '';
          let versionIdMarker = '';
          for (;;) {
            const page = await store.listObjectVersions(bucket.id, {
              prefix: '',
              delimiter: '',
              keyMarker,
              versionIdMarker,
              maxKeys: pageSize,
            });
            for (const e of page.entries) if (e.kind === 'version') seen.push(`${e.object.key}:${e.object.versionId}`);
            if (!page.isTruncated) break;
            keyMarker = page.nextKeyMarker!;
            versionIdMarker = page.nextVersionIdMarker ?? '';
          }
          expect(seen, `page size ${pageSize}`).toEqual(all);
        }
      });
    });

    describe('identities (users, access keys, user policies)', () => {
      const alice = { uin: '100000000001', ownerUin: '100000000000', name: 'alice', createdMs: 1 };
      const bob = { uin: '100000000002', ownerUin: '100000000000', name: 'bob', createdMs: 2 };
      const key = (secretId: string, uin = alice.uin, createdMs = 5) => ({
        secretId,
        uin,
        sealedSecret: `sealed-${secretId}`,
        createdMs,
      });

      it('creates, finds, lists (by name, per account) and deletes users', async () => {
        await store.createUser(bob);
        await store.createUser(alice);
        await store.createUser({ uin: '200000000001', ownerUin: '200000000000', name: 'alice', createdMs: 3 });
        expect(await store.getUser(alice.uin)).toEqual(alice);
        expect((await store.listUsers('100000000000')).map((u) => u.name)).toEqual(['alice', 'bob']);
        expect(await store.listUsers('300000000000')).toEqual([]);
        await store.deleteUser(bob.uin);
        expect(await store.getUser(bob.uin)).toBeUndefined();
        await expect(store.deleteUser(bob.uin)).rejects.toMatchObject({ reason: 'not-found' });
      });

      it('refuses a taken uin, and a name taken within the same account', async () => {
        await store.createUser(alice);
        await expect(store.createUser({ ...bob, uin: alice.uin })).rejects.toMatchObject({ reason: 'conflict' });
        await expect(store.createUser({ ...bob, name: 'alice' })).rejects.toMatchObject({ reason: 'conflict' });
        expect(await store.listUsers(alice.ownerUin)).toEqual([alice]);
      });

      it('keeps access keys per user, oldest first, up to the limit, and only for users that exist', async () => {
        await store.createUser(alice);
        await store.createAccessKey(key('K2', alice.uin, 7), 2);
        await store.createAccessKey(key('K1', alice.uin, 6), 2);
        expect(await store.getAccessKey('K1')).toEqual(key('K1', alice.uin, 6));
        expect((await store.listAccessKeys(alice.uin)).map((k) => k.secretId)).toEqual(['K1', 'K2']);
        await expect(store.createAccessKey(key('K3'), 2)).rejects.toMatchObject({ reason: 'limit-exceeded' });
        await expect(store.createAccessKey(key('K9', bob.uin), 2)).rejects.toMatchObject({ reason: 'not-found' });
        await store.deleteAccessKey('K1');
        await expect(store.createAccessKey(key('K2'), 2)).rejects.toMatchObject({ reason: 'conflict' });
        expect(await store.getAccessKey('K1')).toBeUndefined();
        await expect(store.deleteAccessKey('K1')).rejects.toMatchObject({ reason: 'not-found' });
        expect(await store.listAccessKeys(alice.uin)).toEqual([key('K2', alice.uin, 7)]);
      });

      it('attaches, replaces, lists (by name) and detaches user policies', async () => {
        await store.createUser(alice);
        await store.putUserPolicy({ uin: alice.uin, name: 'write', doc: '{"w":1}', updatedMs: 1 });
        await store.putUserPolicy({ uin: alice.uin, name: 'read', doc: '{"r":1}', updatedMs: 2 });
        await store.putUserPolicy({ uin: alice.uin, name: 'write', doc: '{"w":2}', updatedMs: 3 });
        expect(await store.listUserPolicies(alice.uin)).toEqual([
          { uin: alice.uin, name: 'read', doc: '{"r":1}', updatedMs: 2 },
          { uin: alice.uin, name: 'write', doc: '{"w":2}', updatedMs: 3 },
        ]);
        await store.deleteUserPolicy(alice.uin, 'read');
        await expect(store.deleteUserPolicy(alice.uin, 'read')).rejects.toMatchObject({ reason: 'not-found' });
        await expect(store.putUserPolicy({ uin: bob.uin, name: 'x', doc: '{}', updatedMs: 1 })).rejects.toMatchObject({
          reason: 'not-found',
        });
        expect((await store.listUserPolicies(alice.uin)).map((p) => p.name)).toEqual(['write']);
      });

      it('deleting a user deletes its keys and policies', async () => {
        await store.createUser(alice);
        await store.createUser(bob);
        await store.createAccessKey(key('KA'), 2);
        await store.createAccessKey(key('KB', bob.uin), 2);
        await store.putUserPolicy({ uin: alice.uin, name: 'p', doc: '{}', updatedMs: 1 });
        await store.deleteUser(alice.uin);
        expect(await store.getAccessKey('KA')).toBeUndefined();
        expect(await store.listAccessKeys(alice.uin)).toEqual([]);
        expect(await store.listUserPolicies(alice.uin)).toEqual([]);
        expect(await store.getAccessKey('KB')).toMatchObject({ uin: bob.uin });
        // A user made again under the same uin starts empty.
        await store.createUser(alice);
        expect(await store.listAccessKeys(alice.uin)).toEqual([]);
      });
    });
  });
}
