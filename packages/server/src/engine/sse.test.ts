import { randomBytes } from 'node:crypto';
import { S3Error } from '@coffer/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OWNER, openTestEngine, put, read, type TestEngine } from './engine.fixture.js';
import { decodeSse, manifestMatches } from './sse.js';

const BUCKET = 'sse-1250000000';
const DAY_MS = 86_400_000;

async function failure(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3Error) return { code: err.code, status: err.status };
    throw err;
  }
  throw new Error('expected a failure');
}

describe('SSE-C, SSE-KMS and intelligent tiering in the engine', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openTestEngine();
    await t.engine.createBucket(OWNER, BUCKET);
  });
  afterEach(async () => {
    await t.close();
  });

  it('SSE-C: the version keeps a salted check, not the key; reads need the key; copy with the same key is zero-copy', async () => {
    const key = randomBytes(32);
    const { version } = await put(t.engine, BUCKET, 'c', 'customer bytes', { sse: { kind: 'customer', key } });
    const spec = decodeSse(version.sse);
    expect(spec?.kind).toBe('customer');
    expect(version.sse).not.toContain(key.toString('base64'));
    expect(version.sse).not.toContain(key.toString('hex'));
    expect(await failure(read(t.engine, BUCKET, 'c'))).toEqual({ code: 'InvalidRequest', status: 400 });
    expect(await failure(t.engine.getObject({ bucket: BUCKET, key: 'c', customerKey: randomBytes(32) }))).toEqual({
      code: 'AccessDenied',
      status: 403,
    });
    const got = await t.engine.getObject({ bucket: BUCKET, key: 'c', customerKey: key });
    expect((await got.readBody()).toString()).toBe('customer bytes');
    const copy = await t.engine.copyObject({
      source: { bucket: BUCKET, key: 'c' },
      sourceConditions: {},
      sourceCustomerKey: key,
      bucket: BUCKET,
      key: 'c2',
      actor: OWNER,
      metadataDirective: 'COPY',
      taggingDirective: 'COPY',
      attributes: { contentHeaders: {}, userMeta: {}, sse: { kind: 'customer', key } },
    });
    // Same key: the copy names the same blob; a fresh salt all the same.
    expect(copy.version.manifest[0]!.blobId).toBe(version.manifest[0]!.blobId);
    expect(copy.version.sse).not.toBe(version.sse);
  });

  it('manifestMatches: clear with clear, sealed under the same root only', () => {
    const a = randomBytes(32);
    const sealed = [{ blobId: 'x', offset: 0, length: 1, sealed: true as const }];
    const clear = [{ blobId: 'x', offset: 0, length: 1 }];
    expect(manifestMatches(clear, undefined, undefined)).toBe(true);
    expect(manifestMatches(sealed, a, Buffer.from(a))).toBe(true);
    expect(manifestMatches(sealed, a, randomBytes(32))).toBe(false);
    expect(manifestMatches(sealed, a, undefined)).toBe(false);
    expect(manifestMatches(clear, undefined, a)).toBe(false);
  });

  it('KMS: a disabled key refuses reads but not HEAD; rotation keeps old versions readable; the context is part of the key', async () => {
    const kms = t.engine.kms;
    const key = await kms.createKey('unit');
    await put(t.engine, BUCKET, 'k', 'kms bytes', {
      sse: { kind: 'kms', method: 'aws:kms', keyId: key.keyId, context: 'e30=' },
    });
    await kms.rotateKey(key.keyId);
    await put(t.engine, BUCKET, 'k2', 'newer', { sse: { kind: 'kms', method: 'aws:kms', keyId: key.arn } });
    const newer = await t.engine.getObject({ bucket: BUCKET, key: 'k2', headOnly: true });
    expect(decodeSse(newer.version.sse)).toMatchObject({ kind: 'kms', keyId: key.keyId, version: 2 });
    expect((await read(t.engine, BUCKET, 'k')).toString()).toBe('kms bytes');
    await kms.setEnabled(key.keyId, false);
    expect(await failure(read(t.engine, BUCKET, 'k'))).toEqual({ code: 'KMS.DisabledException', status: 400 });
    await t.engine.getObject({ bucket: BUCKET, key: 'k', headOnly: true });
    await kms.setEnabled(key.keyId, true);
    expect((await read(t.engine, BUCKET, 'k2')).toString()).toBe('newer');
    expect(await failure(kms.describeKey('missing'))).toEqual({ code: 'KMS.NotFoundException', status: 400 });
  });

  it('intelligent tiering: INFREQUENT after 30 idle days, back to FREQUENT on a GET; archive tiers only when configured', async () => {
    const { version } = await put(t.engine, BUCKET, 'it', 'tiered', { storageClass: 'INTELLIGENT_TIERING' });
    expect(await t.engine.accessTierOf(version)).toBe('FREQUENT');
    t.advanceMs(31 * DAY_MS);
    expect(await t.engine.accessTierOf(version)).toBe('INFREQUENT');
    await read(t.engine, BUCKET, 'it');
    await new Promise((r) => setTimeout(r, 20));
    expect(await t.engine.accessTierOf(version)).toBe('FREQUENT');
    await t.engine.putTieringConfiguration(BUCKET, {
      id: 'all',
      status: 'Enabled',
      tierings: [{ accessTier: 'ARCHIVE_ACCESS', days: 90 }],
    });
    t.advanceMs(95 * DAY_MS);
    expect(await t.engine.accessTierOf(version)).toBe('ARCHIVE_ACCESS');
    expect(await failure(read(t.engine, BUCKET, 'it'))).toEqual({ code: 'InvalidObjectState', status: 403 });
    const usage = await t.engine.bucketUsage(BUCKET);
    expect(usage.tiers).toEqual({ ARCHIVE_ACCESS: { count: 1, bytes: 6 } });
    await t.engine.restoreObject({ bucket: BUCKET, key: 'it' });
    expect((await read(t.engine, BUCKET, 'it')).toString()).toBe('tiered');
  });
});
