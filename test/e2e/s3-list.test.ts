import {
  CreateBucketCommand,
  ListObjectsCommand,
  type ListObjectsCommandInput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWKWARD_KEYS, errorOf, rawRequest, recordWire, sdkError, xmlFields, xmlValues } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** A small tree: two folder markers, nested keys, and keys before and after the folders. */
const TREE = ['a.txt', 'b/', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'd/', 'e.txt'];

/** Keys whose UTF-8 byte order differs from their UTF-16 (JavaScript) order: U+FF5A < U+1F600 only in UTF-8. */
const ORDER_KEYS = ['z', 'é', '\uff5a', '😀'];

/** What encoding-type=url must produce: every byte but unreserved characters and '/' escaped. */
function urlEncoded(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

describe('S3 ListObjects V1 and V2 (@aws-sdk/client-s3)', () => {
  let t: TestServer;
  let s3: S3Client;
  let wire: ReturnType<typeof recordWire>;
  let tree: string;
  let awkward: string;
  let big: string;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    wire = recordWire(s3);
    tree = t.bucketName('tree');
    awkward = t.bucketName('awkward');
    big = t.bucketName('big');
    for (const b of [tree, awkward, big]) await s3.send(new CreateBucketCommand({ Bucket: b }));
    const put = (Bucket: string, Key: string) =>
      s3.send(new PutObjectCommand({ Bucket, Key, Body: Key.endsWith('/') ? new Uint8Array(0) : `body:${Key}` }));
    await Promise.all(TREE.map((k) => put(tree, k)));
    await Promise.all([...Object.values(AWKWARD_KEYS), ...ORDER_KEYS].map((k) => put(awkward, k)));
    // 1001 keys: one more than a page can hold.
    const keys = Array.from({ length: 1001 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => put(big, k)));
  });
  afterAll(async () => {
    await t.close();
  });

  const v1 = (input: Omit<ListObjectsCommandInput, 'Bucket'> & { Bucket?: string }) =>
    s3.send(new ListObjectsCommand({ Bucket: tree, ...input }));
  const v2 = (input: Omit<ListObjectsV2CommandInput, 'Bucket'> & { Bucket?: string }) =>
    s3.send(new ListObjectsV2Command({ Bucket: tree, ...input }));
  const keysOf = (r: { Contents?: { Key?: string }[] }) => (r.Contents ?? []).map((c) => c.Key);
  const prefixesOf = (r: { CommonPrefixes?: { Prefix?: string }[] }) => (r.CommonPrefixes ?? []).map((p) => p.Prefix);

  describe('V1', () => {
    it('lists every key in order with ETag, Size, Owner and StorageClass', async () => {
      const res = await v1({});
      expect(keysOf(res)).toEqual(TREE);
      expect(res).toMatchObject({ Name: tree, Prefix: '', Marker: '', MaxKeys: 1000, IsTruncated: false });
      const a = res.Contents![0]!;
      expect(a.Size).toBe('body:a.txt'.length);
      expect(a.ETag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(a.StorageClass).toBe('STANDARD');
      expect(a.Owner?.ID).toMatch(/^qcs::cam::uin\//);
      expect(res.Contents![1]).toMatchObject({ Key: 'b/', Size: 0, ETag: '"d41d8cd98f00b204e9800998ecf8427e"' });
      expect(wire.at(-1)!.query['list-type']).toBeUndefined();
    });

    it('delimiter "/" folds folders into CommonPrefixes', async () => {
      const root = await v1({ Delimiter: '/' });
      expect(keysOf(root)).toEqual(['a.txt', 'e.txt']);
      expect(prefixesOf(root)).toEqual(['b/', 'd/']);
      expect(root.Delimiter).toBe('/');
      const inB = await v1({ Delimiter: '/', Prefix: 'b/' });
      expect(keysOf(inB)).toEqual(['b/', 'b/1.txt', 'b/2.txt']);
      expect(prefixesOf(inB)).toEqual(['b/c/']);
      expect(inB.Prefix).toBe('b/');
    });

    it('marker starts after the given key; MaxKeys pages with NextMarker', async () => {
      expect(keysOf(await v1({ Marker: 'b/1.txt' }))).toEqual(['b/2.txt', 'b/c/3.txt', 'd/', 'e.txt']);
      const seen: string[] = [];
      let marker: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await v1({ Delimiter: '/', MaxKeys: 1, ...(marker ? { Marker: marker } : {}) });
        seen.push(...keysOf(res).map(String), ...prefixesOf(res).map(String));
        expect(res.MaxKeys).toBe(1);
        if (!res.IsTruncated) break;
        marker = res.NextMarker;
        expect(marker).toBe(seen.at(-1));
      }
      // A common prefix counts as one entry and is skipped as a whole.
      expect(seen).toEqual(['a.txt', 'b/', 'd/', 'e.txt']);
    });
  });

  describe('V2', () => {
    it('paginates with continuation tokens, echoing the token and counting keys', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const res = await v2({ MaxKeys: 3, ...(token ? { ContinuationToken: token } : {}) });
        pages++;
        expect(res.ContinuationToken).toBe(token);
        expect(res.KeyCount).toBe(res.Contents?.length ?? 0);
        seen.push(...keysOf(res).map(String));
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
        if (res.IsTruncated) expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        else expect(res.NextContinuationToken).toBeUndefined();
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual(TREE);
      expect(wire.at(-1)!.query['list-type']).toBe('2');
    });

    it('start-after, prefix and delimiter; KeyCount includes common prefixes', async () => {
      const after = await v2({ StartAfter: 'b/2.txt' });
      expect(keysOf(after)).toEqual(['b/c/3.txt', 'd/', 'e.txt']);
      expect(after.StartAfter).toBe('b/2.txt');
      const folded = await v2({ Delimiter: '/' });
      expect(keysOf(folded)).toEqual(['a.txt', 'e.txt']);
      expect(prefixesOf(folded)).toEqual(['b/', 'd/']);
      expect(folded.KeyCount).toBe(4);
      const nested = await v2({ Prefix: 'b/c', Delimiter: '/' });
      expect(keysOf(nested)).toEqual([]);
      expect(prefixesOf(nested)).toEqual(['b/c/']);
      // A continuation token wins over start-after.
      const first = await v2({ MaxKeys: 1 });
      const second = await v2({ MaxKeys: 1, StartAfter: 'd/', ContinuationToken: first.NextContinuationToken });
      expect(keysOf(second)).toEqual(['b/']);
    });

    it('fetch-owner: Owner only when asked for', async () => {
      const without = await v2({ MaxKeys: 1 });
      expect(without.Contents![0]!.Owner).toBeUndefined();
      const withOwner = await v2({ MaxKeys: 1, FetchOwner: true });
      expect(withOwner.Contents![0]!.Owner?.ID).toMatch(/^qcs::cam::uin\/\d+:uin\/\d+$/);
      expect(wire.at(-1)!.query['fetch-owner']).toBe('true');
    });

    it('MaxKeys 0 returns nothing and is not truncated', async () => {
      const res = await v2({ MaxKeys: 0 });
      expect(res).toMatchObject({ KeyCount: 0, MaxKeys: 0, IsTruncated: false });
      expect(res.Contents).toBeUndefined();
    });
  });

  describe('limits and bad arguments', () => {
    it('max-keys above 1000 is clamped to 1000 (V1 and V2)', async () => {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: big, MaxKeys: 5000 }));
      expect(page.MaxKeys).toBe(1000);
      expect(page.KeyCount).toBe(1000);
      expect(page.IsTruncated).toBe(true);
      expect(page.Contents!.at(-1)!.Key).toBe('k0999');
      const rest = await s3.send(
        new ListObjectsV2Command({ Bucket: big, MaxKeys: 5000, ContinuationToken: page.NextContinuationToken }),
      );
      expect(keysOf(rest)).toEqual(['k1000']);
      expect(rest.IsTruncated).toBe(false);
      const defaultPage = await s3.send(new ListObjectsCommand({ Bucket: big }));
      expect(defaultPage.Contents).toHaveLength(1000);
      expect(defaultPage.IsTruncated).toBe(true);
      const v1Clamped = await s3.send(new ListObjectsCommand({ Bucket: big, MaxKeys: 1001 }));
      expect(v1Clamped.MaxKeys).toBe(1000);
      expect(v1Clamped.Contents).toHaveLength(1000);
    });

    it.each(['-1', 'abc', '1.5', '99999999999999999999x'])('max-keys=%s is 400 InvalidArgument', async (value) => {
      for (const query of [`list-type=2&max-keys=${value}`, `max-keys=${value}`]) {
        const res = await rawRequest(t, { method: 'GET', path: `/${tree}`, query });
        expect(errorOf(res)).toMatchObject({ status: 400, code: 'InvalidArgument' });
        expect(xmlFields(res.text)['ArgumentName']).toBe('max-keys');
      }
    });

    it('a negative MaxKeys from the SDK is 400 InvalidArgument', async () => {
      expect(await sdkError(v2({ MaxKeys: -1 }))).toMatchObject({ status: 400, code: 'InvalidArgument' });
    });

    it.each(['not-a-token!', 'Zm9v', '%%%', 'AAAA'])(
      'a bad continuation token (%s) is 400 InvalidArgument',
      async (token) => {
        expect(await sdkError(v2({ ContinuationToken: token }))).toMatchObject({
          status: 400,
          code: 'InvalidArgument',
        });
      },
    );

    it('an empty continuation token lists from the start and is echoed back', async () => {
      const res = await v2({ ContinuationToken: '' });
      expect(res.ContinuationToken).toBe('');
      expect(res.KeyCount).toBeGreaterThan(0);
      expect(res.Contents?.[0]?.Key).toBe((await v2({})).Contents?.[0]?.Key);
    });

    it('encoding-type other than url is 400 InvalidArgument', async () => {
      const res = await rawRequest(t, { method: 'GET', path: `/${tree}`, query: 'list-type=2&encoding-type=base64' });
      expect(errorOf(res)).toMatchObject({ status: 400, code: 'InvalidArgument' });
    });

    it('listing a missing bucket is 404 NoSuchBucket', async () => {
      expect(await sdkError(v2({ Bucket: t.bucketName('nobucket') }))).toMatchObject({
        status: 404,
        code: 'NoSuchBucket',
      });
      expect(await sdkError(v1({ Bucket: t.bucketName('nobucket') }))).toMatchObject({
        status: 404,
        code: 'NoSuchBucket',
      });
    });
  });

  describe('awkward keys', () => {
    const allKeys = () =>
      [...Object.values(AWKWARD_KEYS), ...ORDER_KEYS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

    it('encoding-type=url returns every key percent-encoded, control characters included (V2)', async () => {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: awkward, EncodingType: 'url' }));
      expect(res.EncodingType).toBe('url');
      // The SDK hands the encoded form back as it arrived; decoding gives the exact keys, in UTF-8 byte order.
      expect(keysOf(res)).toEqual(allKeys().map(urlEncoded));
      expect(keysOf(res).map((k) => decodeURIComponent(k!))).toEqual(allKeys());
      const raw = await rawRequest(t, { method: 'GET', path: `/${awkward}`, query: 'list-type=2&encoding-type=url' });
      expect(raw.text).toContain(`<Key>${urlEncoded(AWKWARD_KEYS.control)}</Key>`);
      expect(raw.text).toContain('<Key>ctl%01%02%1F%7F.txt</Key>');
      expect(raw.text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    });

    it('encoding-type=url also encodes Prefix, Delimiter, StartAfter and CommonPrefixes', async () => {
      const res = await rawRequest(t, {
        method: 'GET',
        path: `/${awkward}`,
        query: `list-type=2&encoding-type=url&delimiter=%2F&prefix=${encodeURIComponent('dir with')}&start-after=${encodeURIComponent('dir with a')}`,
      });
      expect(res.status).toBe(200);
      const f = xmlFields(res.text);
      expect(f['Prefix']).toBe('dir%20with');
      expect(f['StartAfter']).toBe('dir%20with%20a');
      expect(f['Delimiter']).toBe('/');
      expect(xmlValues(res.text, 'Prefix')).toEqual(['dir%20with', 'dir%20with%20space/']);
    });

    it('V1 with encoding-type=url encodes Marker and NextMarker, which (as in S3) only comes with a delimiter', async () => {
      const res = await s3.send(
        new ListObjectsCommand({ Bucket: awkward, EncodingType: 'url', Marker: AWKWARD_KEYS.space, MaxKeys: 1 }),
      );
      const next = allKeys()[allKeys().indexOf(AWKWARD_KEYS.space) + 1]!;
      expect(res.Marker).toBe(urlEncoded(AWKWARD_KEYS.space));
      expect(keysOf(res)).toEqual([urlEncoded(next)]);
      expect(res.IsTruncated).toBe(true);
      // Without a delimiter clients resume from the last Key (minio-js would re-encode an encoded NextMarker).
      expect(res.NextMarker).toBeUndefined();
      const grouped = await s3.send(
        new ListObjectsCommand({ Bucket: awkward, EncodingType: 'url', Delimiter: '/', MaxKeys: 2 }),
      );
      expect(keysOf(grouped)).toEqual([urlEncoded(AWKWARD_KEYS.leadingSpace)]);
      expect(prefixesOf(grouped)).toEqual(['100%25/']);
      expect(grouped.NextMarker).toBe('100%25/');
    });

    it('without encoding-type, keys are XML-escaped and control characters are numeric references', async () => {
      const raw = await rawRequest(t, { method: 'GET', path: `/${awkward}`, query: 'list-type=2' });
      expect(raw.status).toBe(200);
      expect(raw.text).toContain('<Key>ctl&#x1;&#x2;&#x1F;&#x7F;.txt</Key>');
      expect(raw.text).toContain('<Key>&lt;tag attr=&quot;v&quot;&gt;&amp;amp;&apos;&lt;/tag&gt;</Key>');
      expect(raw.text).toContain('<Key> padded </Key>');
      // The SDK reads plain keys back exactly (those XML can carry).
      const res = await s3.send(new ListObjectsV2Command({ Bucket: awkward, Prefix: 'ü' }));
      expect(keysOf(res)).toEqual([AWKWARD_KEYS.unicode]);
      const specials = await s3.send(new ListObjectsV2Command({ Bucket: awkward, Prefix: '<' }));
      expect(keysOf(specials)).toEqual([AWKWARD_KEYS.xmlSpecials]);
    });

    it('lists in UTF-8 byte order, not UTF-16 order', async () => {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: awkward, StartAfter: 'y' }));
      // é = C3 A9, ü = C3 BC, ｚ = EF BD 9A, 😀 = F0 9F 98 80 (UTF-16 would put 😀, a surrogate pair, before ｚ).
      expect(keysOf(res)).toEqual(['z', 'é', AWKWARD_KEYS.unicode, '\uff5a', '😀']);
    });

    it('prefix and delimiter work on keys with "?" "#" "%" "+"', async () => {
      for (const key of [AWKWARD_KEYS.question, AWKWARD_KEYS.hash, AWKWARD_KEYS.plus]) {
        const res = await s3.send(new ListObjectsV2Command({ Bucket: awkward, Prefix: key }));
        expect(keysOf(res)).toEqual([key]);
      }
      const pct = await s3.send(new ListObjectsV2Command({ Bucket: awkward, Prefix: '100%', Delimiter: '/' }));
      expect(prefixesOf(pct)).toEqual(['100%/']);
    });
  });
});
