/**
 * APPEND Object (POST ?append&position=N) through cos-nodejs-sdk-v5's appendObject: creation at
 * position 0, appends at the object's length, the CRC-64 of the whole object, the COS errors for a
 * wrong position and a normal object, racing appends, overwrite by PUT, and versioned buckets; and
 * @coffer/sdk's appendObject against Tencent's, call for call.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosError, crc64ecma, expectCosError, md5Hex, REGION } from './helpers/cos.js';
import { cofferSdk } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('cos-nodejs-sdk-v5 appendObject', () => {
  let t: TestServer;
  const Bucket = `append${process.pid}-1250000000`;
  beforeAll(async () => {
    t = await startTestServer();
    await t.cos('vhost').putBucket({ Bucket, Region: REGION });
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates an appendable object at position 0 and extends it; GET returns every byte, in order', async () => {
    const cos = t.cos('vhost');
    const Key = 'log/app.log';
    const first = await cos.appendObject({
      Bucket,
      Region: REGION,
      Key,
      Position: 0,
      Body: 'line one\n',
      Headers: { 'Content-Type': 'text/plain', 'x-cos-meta-source': 'test' },
    });
    expect(first.statusCode).toBe(200);
    expect(first.headers?.['x-cos-next-append-position']).toBe('9');
    expect(first.headers?.['x-cos-hash-crc64ecma']).toBe(crc64ecma('line one\n'));
    const second = await cos.appendObject({ Bucket, Region: REGION, Key, Position: 9, Body: 'line two\n' });
    expect(second.headers?.['x-cos-next-append-position']).toBe('18');
    const third = await cos.appendObject({ Bucket, Region: REGION, Key, Position: 18, Body: Buffer.alloc(100_000, 7) });
    const whole = Buffer.concat([Buffer.from('line one\nline two\n'), Buffer.alloc(100_000, 7)]);
    // The CRC-64 of the whole object, combined from the segments' (not re-read).
    expect(third.headers?.['x-cos-hash-crc64ecma']).toBe(crc64ecma(whole));
    expect(third.headers?.etag).toMatch(/^"[0-9a-f]{32}-3"$/);

    const got = await cos.getObject({ Bucket, Region: REGION, Key });
    expect(Buffer.compare(got.Body as Buffer, whole)).toBe(0);
    expect(got.headers?.['x-cos-object-type']).toBe('appendable');
    expect(got.headers?.['content-type']).toBe('text/plain');
    expect(got.headers?.['x-cos-meta-source']).toBe('test');
    expect(got.headers?.['x-cos-hash-crc64ecma']).toBe(crc64ecma(whole));
    expect(got.ETag).toBe(third.headers?.etag);
    const ranged = await cos.getObject({ Bucket, Region: REGION, Key, Range: 'bytes=5-12' });
    expect((ranged.Body as Buffer).toString()).toBe('one\nline');
  });

  it('a wrong position is 409 PositionNotEqualToLength with the right one; a normal object is 409 ObjectNotAppendable', async () => {
    const cos = t.cos('vhost');
    await cos.appendObject({ Bucket, Region: REGION, Key: 'pos', Position: 0, Body: 'abc' });
    for (const Position of [0, 2, 4]) {
      const err = await cosError(cos.appendObject({ Bucket, Region: REGION, Key: 'pos', Position, Body: 'x' }));
      expectCosError(err, { statusCode: 409, code: 'PositionNotEqualToLength' });
      expect(err.headers['x-cos-next-append-position']).toBe('3');
    }
    const absent = await cosError(cos.appendObject({ Bucket, Region: REGION, Key: 'absent', Position: 5, Body: 'x' }));
    expectCosError(absent, { statusCode: 409, code: 'PositionNotEqualToLength' });
    await cos.putObject({ Bucket, Region: REGION, Key: 'normal', Body: 'abc' });
    expectCosError(
      await cosError(cos.appendObject({ Bucket, Region: REGION, Key: 'normal', Position: 3, Body: 'x' })),
      {
        statusCode: 409,
        code: 'ObjectNotAppendable',
      },
    );
    // Nothing changed.
    expect((await cos.getObject({ Bucket, Region: REGION, Key: 'pos' })).Body?.toString()).toBe('abc');
    expect((await cos.getObject({ Bucket, Region: REGION, Key: 'normal' })).Body?.toString()).toBe('abc');
    expect((await cosError(cos.headObject({ Bucket, Region: REGION, Key: 'absent' }))).statusCode).toBe(404);
  });

  it('of appends racing at one position exactly one wins; the loser changes nothing', async () => {
    const cos = t.cos('vhost');
    await cos.appendObject({ Bucket, Region: REGION, Key: 'race', Position: 0, Body: 'start.' });
    const bodies = ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'];
    const results = await Promise.allSettled(
      bodies.map((Body) => cos.appendObject({ Bucket, Region: REGION, Key: 'race', Position: 6, Body })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('PositionNotEqualToLength');
    }
    const body = (await cos.getObject({ Bucket, Region: REGION, Key: 'race' })).Body?.toString();
    expect(body).toMatch(/^start\.(aaaa|bbbb|cccc|dddd|eeee)$/);
  });

  it('a PUT over an appendable object makes it normal again; DELETE removes it; Content-MD5 is checked', async () => {
    const cos = t.cos('vhost');
    await cos.appendObject({ Bucket, Region: REGION, Key: 'flip', Position: 0, Body: 'x' });
    await cos.putObject({ Bucket, Region: REGION, Key: 'flip', Body: 'plain' });
    const head = await cos.headObject({ Bucket, Region: REGION, Key: 'flip' });
    expect(head.headers?.['x-cos-object-type']).toBe('normal');
    expect(head.ETag).toBe(`"${md5Hex('plain')}"`);
    await cos.appendObject({ Bucket, Region: REGION, Key: 'gone', Position: 0, Body: 'x' });
    await cos.deleteObject({ Bucket, Region: REGION, Key: 'gone' });
    const again = await cos.appendObject({ Bucket, Region: REGION, Key: 'gone', Position: 0, Body: 'y' });
    expect(again.headers?.['x-cos-next-append-position']).toBe('1');
    const badMd5 = createHash('md5').update('not the body').digest('base64');
    expectCosError(
      await cosError(
        cos.appendObject({
          Bucket,
          Region: REGION,
          Key: 'gone',
          Position: 1,
          Body: 'z',
          Headers: { 'Content-MD5': badMd5 },
        }),
      ),
      { statusCode: 400, code: 'BadDigest' },
    );
    expect((await cos.getObject({ Bucket, Region: REGION, Key: 'gone' })).Body?.toString()).toBe('y');
  });

  it("@coffer/sdk appendObject answers as Tencent's does, and either extends what the other wrote", async () => {
    const tencent = t.cos('path');
    const ours = cofferSdk(t);
    const a = await tencent.appendObject({ Bucket, Region: REGION, Key: 'both', Position: 0, Body: 'ab' });
    const b = await ours.appendObject({ Bucket, Region: REGION, Key: 'both', Position: 2, Body: 'cd' });
    expect(b.statusCode).toBe(200);
    expect(b.headers['x-cos-next-append-position']).toBe('4');
    expect(b.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    const c = await tencent.appendObject({ Bucket, Region: REGION, Key: 'both', Position: 4, Body: 'ef' });
    expect(c.headers?.['x-cos-hash-crc64ecma']).toBe(crc64ecma('abcdef'));
    expect(a.headers?.['x-cos-next-append-position']).toBe('2');
    const err = await ours
      .appendObject({ Bucket, Region: REGION, Key: 'both', Position: 1, Body: 'x' })
      .catch((e) => e);
    expect({ statusCode: err.statusCode, code: err.code }).toEqual({
      statusCode: 409,
      code: 'PositionNotEqualToLength',
    });
    expect((await ours.getObject({ Bucket, Region: REGION, Key: 'both' })).Body?.toString()).toBe('abcdef');
  });

  it('a bucket with versioning Enabled is 409 InvalidBucketState (appendable objects are not versioned); Suspended appends', async () => {
    const cos = t.cos('vhost');
    const versioned = `appendv${process.pid}-1250000000`;
    await cos.putBucket({ Bucket: versioned, Region: REGION });
    await cos.putBucketVersioning({
      Bucket: versioned,
      Region: REGION,
      VersioningConfiguration: { Status: 'Enabled' },
    });
    expectCosError(
      await cosError(cos.appendObject({ Bucket: versioned, Region: REGION, Key: 'k', Position: 0, Body: 'x' })),
      { statusCode: 409, code: 'InvalidBucketState' },
    );
    // Suspended: writes replace the 'null' version, and appends work again (Tencent's SDK tests do this).
    await cos.putBucketVersioning({
      Bucket: versioned,
      Region: REGION,
      VersioningConfiguration: { Status: 'Suspended' },
    });
    await cos.appendObject({ Bucket: versioned, Region: REGION, Key: 'k', Position: 0, Body: 'ab' });
    await cos.appendObject({ Bucket: versioned, Region: REGION, Key: 'k', Position: 2, Body: 'cd' });
    expect((await cos.getObject({ Bucket: versioned, Region: REGION, Key: 'k' })).Body?.toString()).toBe('abcd');
  });
});
