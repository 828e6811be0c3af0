import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logObjectKey } from './access-log.js';
import type { AccessLogEntry } from './access-log-format.js';
import { OWNER, openTestEngine, read, type TestEngine } from './engine.fixture.js';

let t: TestEngine;
beforeEach(async () => {
  t = await openTestEngine();
  await t.engine.createBucket(OWNER, 'src');
  await t.engine.createBucket(OWNER, 'logs');
  await t.engine.putBucketLogging('src', { targetBucket: 'logs', targetPrefix: 'l/', format: 's3' });
});
afterEach(async () => {
  await t.close();
});

function entry(requestId: string): Omit<AccessLogEntry, 'bucketOwner' | 'region'> {
  return {
    bucket: 'src',
    startMs: Date.UTC(2030, 1, 6, 0, 0, 38),
    totalTimeMs: 7,
    requestId,
    operation: 'GetObject',
    s3Operation: 'REST.GET.OBJECT',
    method: 'GET',
    key: 'a b.txt',
    requestUri: '/src/a%20b.txt',
    httpVersion: '1.1',
    status: 200,
    bytesSent: 5,
    bytesReceived: 0,
    objectSize: 5,
  };
}

async function objectsUnder(prefix: string): Promise<string[]> {
  const { page } = await t.engine.listObjects('logs', { prefix, delimiter: '', after: '', maxKeys: 1000 });
  return page.entries.flatMap((e) => (e.kind === 'object' ? [e.object.key] : []));
}

const OPTIONS = { maxRecords: 3, retryMs: 1000 };

describe('access log delivery', () => {
  it('renders the S3 fields in order and splits a stream into batches of at most maxRecords', async () => {
    // Two appends (chunks) of two records each; a batch holds whole chunks.
    await Promise.all(['r1', 'r2'].map((id) => t.engine.accessLog.record('src', () => entry(id))));
    await Promise.all(['r3', 'r4'].map((id) => t.engine.accessLog.record('src', () => entry(id))));
    const summary = await t.engine.accessLog.deliver(OPTIONS);
    expect(summary).toEqual({ delivered: 2, records: 4, failed: 0, alreadyThere: 0 });
    const keys = await objectsUnder('l/');
    expect(keys).toHaveLength(2);
    const first = (await read(t.engine, 'logs', keys[0]!)).toString();
    expect(first.split('\n')[0]).toBe(
      `${OWNER.ownerId} src [06/Feb/2030:00:00:38 +0000] - - r1 REST.GET.OBJECT a%20b.txt "GET /src/a%20b.txt HTTP/1.1" 200 - 5 5 7 - "-" "-" - - - - - - - - -`,
    );
    expect(first.split('\n')).toHaveLength(3); // two records and the final newline
  });

  it('a delivery that wrote its object but crashed before forgetting the batch is not written twice', async () => {
    await t.engine.accessLog.record('src', () => entry('only'));
    const meta = t.meta;
    const finish = meta.finishAccessLogBatch.bind(meta);
    // The process "dies" between writing the object and forgetting the batch.
    meta.finishAccessLogBatch = async () => {
      throw new Error('crash');
    };
    expect(await t.engine.accessLog.deliver(OPTIONS)).toMatchObject({ delivered: 0, failed: 1 });
    const written = await objectsUnder('l/');
    expect(written).toHaveLength(1);
    meta.finishAccessLogBatch = finish;
    // Before its retry time nothing is tried; a forced flush retries at once and finds the object there.
    expect(await t.engine.accessLog.deliver(OPTIONS)).toMatchObject({ delivered: 0, failed: 0 });
    expect(await t.engine.accessLog.deliver({ ...OPTIONS, force: true })).toEqual({
      delivered: 1,
      records: 1,
      failed: 0,
      alreadyThere: 1,
    });
    expect(await objectsUnder('l/')).toEqual(written);
    expect(await t.meta.accessLogBacklog()).toEqual({ records: 0, batches: 0, failing: 0 });
  });

  it('a batch delivered by two deliveries at once (two gateways) is written once, also to a versioned target', async () => {
    await t.engine.setBucketVersioning('logs', 'Enabled');
    await t.engine.accessLog.record('src', () => entry('only'));
    const meta = t.meta;
    const finish = meta.finishAccessLogBatch.bind(meta);
    const getObject = meta.getObject.bind(meta);
    // The first delivery writes the object but has not yet forgotten the batch when the second looks.
    meta.finishAccessLogBatch = async () => {
      throw new Error('not yet');
    };
    expect(await t.engine.accessLog.deliver(OPTIONS)).toMatchObject({ delivered: 0, failed: 1 });
    meta.finishAccessLogBatch = finish;
    // The second delivery checked the target just before the first one's object landed.
    meta.getObject = async () => undefined;
    const summary = await t.engine.accessLog.deliver({ ...OPTIONS, force: true });
    meta.getObject = getObject;
    expect(summary).toEqual({ delivered: 1, records: 1, failed: 0, alreadyThere: 1 });
    const { page } = await t.engine.listObjectVersions('logs', {
      prefix: 'l/',
      delimiter: '',
      keyMarker: '',
      versionIdMarker: '',
      maxKeys: 1000,
    });
    expect(page.entries.filter((e) => e.kind === 'version')).toHaveLength(1);
  });

  it('names objects after the batch: S3 and COS key forms', () => {
    const batch = {
      id: 255,
      sealedMs: Date.UTC(2030, 0, 2, 3, 4, 5),
      targetPrefix: 'p/',
      sourceBucket: 'src',
      keyFormat: 'simple' as const,
    };
    expect(logObjectKey({ ...batch, format: 's3' })).toBe('p/2030-01-02-03-04-05-00000000000000FF');
    expect(logObjectKey({ ...batch, format: 'cos' })).toBe('p/2030/01/02/20300102030405_00000000000000FF_0');
    expect(
      logObjectKey({ ...batch, format: 's3', keyFormat: 'partitioned' }, { accountId: '100', region: 'ap-guangzhou' }),
    ).toBe('p/100/ap-guangzhou/src/2030/01/02/2030-01-02-03-04-05-00000000000000FF');
  });
});
