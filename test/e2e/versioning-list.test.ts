/**
 * ListObjectVersions (GET Bucket ?versions) through both SDKs: paging with key-marker /
 * version-id-marker at every small max-keys gives exactly the full listing, with prefix and delimiter
 * too; the XML interleaves Version and DeleteMarker newest first with IsLatest; encoding-type=url
 * carries keys no XML can hold.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION } from './helpers/cos.js';
import { movableClock } from './helpers/lifecycle.js';
import { AWKWARD_KEYS, rawRequest, sdkError, xmlValues } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Every write one second after the previous one, so LastModified orders a key's versions strictly and
// the SDKs' separate Version / DeleteMarker arrays can be merged back into listing order.
const clock = movableClock(Date.UTC(2030, 0, 1));
let t: TestServer;
let s3: S3Client;
let Bucket: string;

/** What the bucket holds, written in this order; `-` deletes (adds a delete marker). */
const HISTORY: [key: string, op: 'put' | 'delete'][] = [
  ['a', 'put'],
  ['a', 'put'],
  ['a', 'put'],
  ['b', 'put'],
  ['b', 'delete'],
  ['dir/x', 'put'],
  ['dir/x', 'put'],
  ['dir/y', 'put'],
  ['dir/sub/z', 'put'],
  ['dir/sub/z', 'delete'],
  ['dir/sub/z', 'put'],
  ['e', 'delete'], // a lone delete marker
  ['f/', 'put'], // a folder object
  ['f/g', 'put'],
  ['z', 'put'],
  ['z', 'put'],
];

beforeAll(async () => {
  t = await startTestServer({ clock });
  s3 = t.s3();
  Bucket = t.bucketName('vlist');
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  for (const [Key, op] of HISTORY) {
    clock.now += 1000;
    if (op === 'put') await s3.send(new PutObjectCommand({ Bucket, Key, Body: `${Key}@${clock.now}` }));
    else await s3.send(new DeleteObjectCommand({ Bucket, Key }));
  }
});
afterAll(async () => {
  await t.close();
});

interface Entry {
  key: string;
  versionId: string;
  latest: boolean;
  marker: boolean;
  modifiedMs: number;
}

function sortListing(entries: Entry[]): Entry[] {
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  return entries.sort((x, y) => Buffer.compare(bytes(x.key), bytes(y.key)) || y.modifiedMs - x.modifiedMs);
}

const line = (e: Entry) => `${e.key} ${e.marker ? 'M' : 'V'} ${e.versionId}${e.latest ? ' latest' : ''}`;

function fromS3(out: ListObjectVersionsCommandOutput, decode = (s: string) => s): Entry[] {
  return sortListing([
    ...(out.Versions ?? []).map((v) => ({
      key: decode(v.Key!),
      versionId: v.VersionId!,
      latest: v.IsLatest!,
      marker: false,
      modifiedMs: v.LastModified!.getTime(),
    })),
    ...(out.DeleteMarkers ?? []).map((m) => ({
      key: decode(m.Key!),
      versionId: m.VersionId!,
      latest: m.IsLatest!,
      marker: true,
      modifiedMs: m.LastModified!.getTime(),
    })),
  ]);
}

interface CosEntry {
  Key: string;
  VersionId: string;
  IsLatest: string;
  LastModified: string;
}

function fromCos(data: { Versions: unknown[]; DeleteMarkers: unknown[] }, decode = (s: string) => s): Entry[] {
  const map = (e: CosEntry, marker: boolean): Entry => ({
    key: decode(e.Key),
    versionId: e.VersionId,
    latest: e.IsLatest === 'true',
    marker,
    modifiedMs: Date.parse(e.LastModified),
  });
  return sortListing([
    ...(data.Versions as CosEntry[]).map((e) => map(e, false)),
    ...(data.DeleteMarkers as CosEntry[]).map((e) => map(e, true)),
  ]);
}

interface Query {
  prefix?: string;
  delimiter?: string;
}

/** Pages through with the S3 SDK; returns the entries and common prefixes in order, and the page count. */
async function pageS3(maxKeys: number, q: Query = {}) {
  const entries: Entry[] = [];
  const prefixes: string[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  let pages = 0;
  for (;;) {
    const out = await s3.send(
      new ListObjectVersionsCommand({
        Bucket,
        MaxKeys: maxKeys,
        ...(q.prefix ? { Prefix: q.prefix } : {}),
        ...(q.delimiter ? { Delimiter: q.delimiter } : {}),
        ...(KeyMarker !== undefined ? { KeyMarker } : {}),
        ...(VersionIdMarker !== undefined ? { VersionIdMarker } : {}),
      }),
    );
    pages++;
    const page = fromS3(out);
    expect(page.length + (out.CommonPrefixes?.length ?? 0)).toBeLessThanOrEqual(maxKeys);
    entries.push(...page);
    prefixes.push(...(out.CommonPrefixes ?? []).map((p) => p.Prefix!));
    expect(out.KeyMarker ?? '').toBe(KeyMarker ?? '');
    if (!out.IsTruncated) {
      expect(out.NextKeyMarker).toBeUndefined();
      break;
    }
    expect(out.NextKeyMarker).toBeDefined();
    KeyMarker = out.NextKeyMarker;
    VersionIdMarker = out.NextVersionIdMarker;
    if (pages > 100) throw new Error('paging does not end');
  }
  return { entries, prefixes, pages };
}

async function pageCos(maxKeys: number, q: Query = {}) {
  const cos = t.cos('path');
  const entries: Entry[] = [];
  const prefixes: string[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (let pages = 1; ; pages++) {
    const data = (await cos.listObjectVersions({
      Bucket,
      Region: REGION,
      MaxKeys: String(maxKeys),
      ...(q.prefix ? { Prefix: q.prefix } : {}),
      ...(q.delimiter ? { Delimiter: q.delimiter } : {}),
      ...(KeyMarker !== undefined ? { KeyMarker } : {}),
      ...(VersionIdMarker !== undefined ? { VersionIdMarker } : {}),
    } as COS.ListObjectVersionsParams)) as COS.ListObjectVersionsResult & { NextKeyMarker?: string };
    entries.push(...fromCos(data));
    const common = (data as { CommonPrefixes?: { Prefix: string } | { Prefix: string }[] }).CommonPrefixes;
    prefixes.push(...(common === undefined ? [] : Array.isArray(common) ? common : [common]).map((p) => p.Prefix));
    if (data.IsTruncated !== 'true') break;
    KeyMarker = data.NextKeyMarker;
    VersionIdMarker = data.NextVersionIdMarker;
    if (pages > 100) throw new Error('paging does not end');
  }
  return { entries, prefixes };
}

describe('the full listing', () => {
  it('holds every version and marker: keys in byte order, newest first, exactly one IsLatest per key', async () => {
    const all = fromS3(await s3.send(new ListObjectVersionsCommand({ Bucket })));
    expect(all).toHaveLength(HISTORY.length);
    const shape = all.map((e) => `${e.key} ${e.marker ? 'M' : 'V'}${e.latest ? ' latest' : ''}`);
    expect(shape).toEqual([
      'a V latest',
      'a V',
      'a V',
      'b M latest',
      'b V',
      'dir/sub/z V latest',
      'dir/sub/z M',
      'dir/sub/z V',
      'dir/x V latest',
      'dir/x V',
      'dir/y V latest',
      'e M latest',
      'f/ V latest',
      'f/g V latest',
      'z V latest',
      'z V',
    ]);
    expect(new Set(all.map((e) => e.versionId)).size).toBe(all.length);
  });

  it('interleaves <Version> and <DeleteMarker> in listing order in the XML itself', async () => {
    const res = await rawRequest(t, { method: 'GET', path: `/${Bucket}`, query: 'prefix=dir%2Fsub%2F&versions=' });
    expect(res.status).toBe(200);
    const order = [...res.text.matchAll(/<(Version|DeleteMarker)>.*?<IsLatest>(true|false)<\/IsLatest>/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(order).toEqual(['Version true', 'DeleteMarker false', 'Version false']);
    expect(xmlValues(res.text, 'Key')).toEqual(['dir/sub/z', 'dir/sub/z', 'dir/sub/z']);
  });

  it('the COS SDK sees the same listing', async () => {
    const viaS3 = fromS3(await s3.send(new ListObjectVersionsCommand({ Bucket }))).map(line);
    const viaCos = fromCos(await t.cos('path').listObjectVersions({ Bucket, Region: REGION })).map(line);
    expect(viaCos).toEqual(viaS3);
  });
});

describe('paging with key-marker and version-id-marker', () => {
  const cases: [string, Query][] = [
    ['the whole bucket', {}],
    ['a prefix', { prefix: 'dir/' }],
    ['a delimiter', { delimiter: '/' }],
    ['a prefix and a delimiter', { prefix: 'dir/', delimiter: '/' }],
  ];
  it.each(cases)('max-keys 1, 2 and 3 page %s to exactly the full listing (S3 SDK)', async (_name, q) => {
    const full = await pageS3(1000, q);
    expect(full.pages).toBe(1);
    for (const maxKeys of [1, 2, 3]) {
      const paged = await pageS3(maxKeys, q);
      expect(paged.entries.map(line), `max-keys ${maxKeys}`).toEqual(full.entries.map(line));
      expect(paged.prefixes, `max-keys ${maxKeys}`).toEqual(full.prefixes);
      expect(paged.pages).toBe(Math.ceil((full.entries.length + full.prefixes.length) / maxKeys));
    }
    if (q.delimiter) expect(full.prefixes.length).toBeGreaterThan(0);
  });

  it.each(cases)('max-keys 1, 2 and 3 page %s to exactly the full listing (COS SDK)', async (_name, q) => {
    const full = await pageCos(1000, q);
    for (const maxKeys of [1, 2, 3]) {
      const paged = await pageCos(maxKeys, q);
      expect(paged.entries.map(line), `max-keys ${maxKeys}`).toEqual(full.entries.map(line));
      expect(paged.prefixes, `max-keys ${maxKeys}`).toEqual(full.prefixes);
    }
  });

  it('key-marker alone starts after every version of that key; a version-id-marker needs a key-marker', async () => {
    const out = fromS3(await s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker: 'a', MaxKeys: 2 })));
    expect(out.map((e) => e.key)).toEqual(['b', 'b']);
    const bad = await sdkError(s3.send(new ListObjectVersionsCommand({ Bucket, VersionIdMarker: 'xyz' })));
    expect(bad).toMatchObject({ status: 400, code: 'InvalidArgument' });
  });
});

describe('encoding-type=url', () => {
  it('percent-encodes keys, prefixes and markers, so control characters list and page correctly', async () => {
    const b = t.bucketName('vlistenc');
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    const keys = Object.values(AWKWARD_KEYS);
    for (const Key of keys) {
      for (let i = 0; i < 2; i++) {
        clock.now += 1000;
        await s3.send(new PutObjectCommand({ Bucket: b, Key, Body: `${i}` }));
      }
    }
    const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

    // AWS SDK: the keys come back encoded; the caller decodes them (and the markers).
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: b, EncodingType: 'url' }));
    expect(out.EncodingType).toBe('url');
    expect((out.Versions ?? []).some((v) => v.Key !== decodeURIComponent(v.Key!))).toBe(true);
    expect((out.Versions ?? []).every((v) => !/[\u0000-\u001f\u007f ]/.test(v.Key!))).toBe(true);
    const full = fromS3(out, decodeURIComponent);
    expect([...new Set(full.map((e) => e.key))]).toEqual(sorted);
    expect(full).toHaveLength(2 * keys.length);

    const paged: Entry[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await s3.send(
        new ListObjectVersionsCommand({ Bucket: b, EncodingType: 'url', MaxKeys: 3, KeyMarker, VersionIdMarker }),
      );
      paged.push(...fromS3(page, decodeURIComponent));
      if (!page.IsTruncated) break;
      KeyMarker = decodeURIComponent(page.NextKeyMarker!);
      VersionIdMarker = page.NextVersionIdMarker;
    }
    expect(paged.map(line)).toEqual(full.map(line));

    // COS SDK, with a prefix and a delimiter: the common prefix comes back encoded too.
    const cos = await t.cos('path').listObjectVersions({
      Bucket: b,
      Region: REGION,
      Prefix: 'dir with space/',
      Delimiter: '/',
      EncodingType: 'url',
    });
    expect(cos.Prefix).toBe('dir%20with%20space/');
    expect(fromCos(cos, decodeURIComponent).map((e) => e.key)).toEqual([AWKWARD_KEYS.space, AWKWARD_KEYS.space]);
    const unicode = await t
      .cos('path')
      .listObjectVersions({ Bucket: b, Region: REGION, Delimiter: '/', EncodingType: 'url' });
    const common = (unicode as unknown as { CommonPrefixes: { Prefix: string }[] }).CommonPrefixes.map((p) => p.Prefix);
    const folders = [...new Set(sorted.filter((k) => k.includes('/')).map((k) => k.slice(0, k.indexOf('/') + 1)))];
    expect(common.map(decodeURIComponent)).toEqual(folders);
    expect(common).toContain('%C3%BCn%C3%AFc%C3%B8d%C3%A9/');
  });
});
