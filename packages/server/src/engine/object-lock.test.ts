import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OWNER, openTestEngine, put, read, type TestEngine } from './engine.fixture.js';

/**
 * Object lock on the engine itself: a retained or held version cannot be deleted; GOVERNANCE gives
 * way to a bypass, COMPLIANCE to nothing but time.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 */
const BUCKET = 'locked-1250000000';
const KEY = 'record.txt';
const DAY_MS = 86_400_000;

let t: TestEngine;
beforeEach(async () => {
  t = await openTestEngine();
  await t.engine.createBucket(OWNER, BUCKET, { objectLock: true });
});
afterEach(() => t.close());

async function putRetained(mode: 'GOVERNANCE' | 'COMPLIANCE', days = 1) {
  const untilMs = t.engine.nowMs() + days * DAY_MS;
  const { version } = await put(t.engine, BUCKET, KEY, 'kept', { lock: { retention: { mode, untilMs } } });
  return { versionId: version.versionId, untilMs };
}

function deleteVersion(versionId: string, bypassGovernance = false) {
  return t.engine.deleteObject({ bucket: BUCKET, key: KEY, versionId, actor: OWNER, bypassGovernance });
}

describe('object lock on the engine', () => {
  it('keeps versioning on for good', async () => {
    expect((await t.engine.headBucket(BUCKET)).versioning).toBe('Enabled');
    await expect(t.engine.setBucketVersioning(BUCKET, 'Suspended')).rejects.toMatchObject({
      code: 'InvalidBucketState',
    });
  });

  it('a GOVERNANCE retention blocks deleting the version, unless the delete bypasses governance', async () => {
    const { versionId } = await putRetained('GOVERNANCE');
    await expect(deleteVersion(versionId)).rejects.toMatchObject({ code: 'AccessDenied', status: 403 });
    expect((await read(t.engine, BUCKET, KEY, versionId)).toString()).toBe('kept');

    await deleteVersion(versionId, true);
    await expect(read(t.engine, BUCKET, KEY, versionId)).rejects.toMatchObject({ code: 'NoSuchVersion' });
  });

  it('a delete without a version id only adds a delete marker: the retained version stays', async () => {
    const { versionId } = await putRetained('COMPLIANCE');
    const result = await t.engine.deleteObject({ bucket: BUCKET, key: KEY, actor: OWNER });
    expect(result.deleteMarker).toBe(true);
    await expect(read(t.engine, BUCKET, KEY)).rejects.toMatchObject({ code: 'NoSuchKey' });
    expect((await read(t.engine, BUCKET, KEY, versionId)).toString()).toBe('kept');
  });

  it('a COMPLIANCE retention yields to no bypass and cannot be shortened, only extended, until it passes', async () => {
    const { versionId, untilMs } = await putRetained('COMPLIANCE');
    await expect(deleteVersion(versionId, true)).rejects.toMatchObject({ code: 'AccessDenied' });
    const retention = (mode: 'GOVERNANCE' | 'COMPLIANCE', until: number) =>
      t.engine.putObjectRetention({
        bucket: BUCKET,
        key: KEY,
        versionId,
        retention: { mode, untilMs: until },
        bypassGovernance: true,
      });
    await expect(retention('COMPLIANCE', untilMs - 1000)).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(retention('GOVERNANCE', untilMs + DAY_MS)).rejects.toMatchObject({ code: 'AccessDenied' });
    await retention('COMPLIANCE', untilMs + DAY_MS);

    t.advanceMs(DAY_MS + 60_000);
    await expect(deleteVersion(versionId)).rejects.toMatchObject({ code: 'AccessDenied' });
    t.advanceMs(DAY_MS);
    await deleteVersion(versionId);
    await expect(read(t.engine, BUCKET, KEY, versionId)).rejects.toMatchObject({ code: 'NoSuchVersion' });
  });

  it('a GOVERNANCE retention is shortened or removed only with the bypass', async () => {
    const { versionId } = await putRetained('GOVERNANCE', 10);
    const remove = (bypassGovernance: boolean) =>
      t.engine.putObjectRetention({ bucket: BUCKET, key: KEY, versionId, retention: undefined, bypassGovernance });
    await expect(remove(false)).rejects.toMatchObject({ code: 'AccessDenied' });
    await remove(true);
    await deleteVersion(versionId);
  });

  it('a legal hold blocks deleting the version, bypass or not, until it is released', async () => {
    const { version } = await put(t.engine, BUCKET, KEY, 'held', { lock: { legalHold: true } });
    await expect(deleteVersion(version.versionId, true)).rejects.toMatchObject({ code: 'AccessDenied' });

    await t.engine.putObjectLegalHold({ bucket: BUCKET, key: KEY, versionId: version.versionId, on: false });
    expect((await t.engine.lockedVersion({ bucket: BUCKET, key: KEY })).lock).toEqual({ legalHold: false });
    await deleteVersion(version.versionId);

    const later = await put(t.engine, BUCKET, KEY, 'held later');
    await t.engine.putObjectLegalHold({ bucket: BUCKET, key: KEY, versionId: later.version.versionId, on: true });
    await expect(deleteVersion(later.version.versionId)).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it("gives new versions the bucket's default retention", async () => {
    await t.engine.putObjectLockConfiguration(BUCKET, { enabled: true, rule: { mode: 'GOVERNANCE', days: 3 } });
    const before = t.engine.nowMs();
    const { version } = await put(t.engine, BUCKET, KEY, 'defaulted');
    expect(version.lock?.retention?.mode).toBe('GOVERNANCE');
    expect(version.lock!.retention!.untilMs - before).toBeGreaterThanOrEqual(3 * DAY_MS);
    expect(version.lock!.retention!.untilMs - before).toBeLessThan(3 * DAY_MS + 60_000);
    await expect(deleteVersion(version.versionId)).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('refuses a lock in a bucket without object lock, and a retention in the past', async () => {
    await t.engine.createBucket(OWNER, 'plain-1250000000');
    await expect(put(t.engine, 'plain-1250000000', KEY, 'x', { lock: { legalHold: true } })).rejects.toMatchObject({
      code: 'InvalidRequest',
    });
    await expect(
      put(t.engine, BUCKET, KEY, 'x', { lock: { retention: { mode: 'GOVERNANCE', untilMs: t.engine.nowMs() - 1 } } }),
    ).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});
