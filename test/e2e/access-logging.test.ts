/**
 * Access logging (docs/operations.md, "Access logs"): PUT/GET ?logging in the S3 and COS forms,
 * records spooled durably and delivered as objects to the target bucket and prefix, at once on
 * POST /-/admin/logging/flush. The COS FAQ's "how many times is an object requested?"
 * (https://www.tencentcloud.com/document/product/436/30748, answered "set Logging and analyse the
 * logs") is answered from delivered logs with the one-liner the docs show, run by a shell.
 * Delivery survives a restart with the target bucket unwritable (gone) for a while: nothing logged
 * is lost, nothing delivered twice. Against a cluster, requests land on every gateway and the flush,
 * received by one, delivers the records all of them buffered.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketLoggingCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketLoggingCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { admin } from './helpers/access.js';
import { clusterSize, settledOnEveryGateway } from './helpers/cluster.js';
import { REGION } from './helpers/cos.js';
import { metadataUrlOf, readAll, startTestServer, type TestServer } from './helpers/server.js';

interface FlushReply {
  delivered: number;
  records: number;
  failed: number;
  alreadyThere: number;
  backlog: { records: number; batches: number; failing: number };
  /** In a cluster: the gateways that spooled their buffered records first. */
  gateways?: { asked: number; answered: number; silent: string[] };
}

async function flush(t: TestServer): Promise<FlushReply> {
  const res = await admin(t, 'POST', '/admin/logging/flush');
  expect(res.status, res.text).toBe(200);
  return res.json as FlushReply;
}

/** Downloads every log object under the prefix into a fresh directory; returns it and the keys. */
async function download(s3: S3Client, Bucket: string, Prefix: string): Promise<{ dir: string; keys: string[] }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-logs-'));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix }));
  const keys = (listed.Contents ?? []).map((o) => o.Key!);
  for (const [i, Key] of keys.entries()) {
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    await fs.writeFile(path.join(dir, `log-${i}`), await readAll(got.Body as AsyncIterable<Uint8Array>));
  }
  return { dir, keys };
}

/** The docs' one-liner, run by a shell over the downloaded logs. */
function countWithShell(dir: string, awkProgram: string): number {
  const out = execFileSync('sh', ['-c', `cat ${dir}/log-* | awk '${awkProgram}' | wc -l`], { encoding: 'utf8' });
  return Number(out.trim());
}

const servers: TestServer[] = [];
afterAll(async () => {
  for (const t of servers) await t.close().catch(() => undefined);
});

describe('S3 form: PutBucketLogging, records in the S3 server access log format', () => {
  it('counts how many times an object was requested from the delivered logs', async () => {
    const t = await startTestServer({ config: { accessLogIntervalMs: '3600000' } });
    servers.push(t);
    const s3 = t.s3();
    const Bucket = t.bucketName('photos');
    const target = t.bucketName('logs');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: target }));

    expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toBeUndefined();
    await s3.send(
      new PutBucketLoggingCommand({
        Bucket,
        BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target, TargetPrefix: 'access/' } },
      }),
    );
    // In a cluster, every gateway must have heard of the configuration before the requests it logs.
    await settledOnEveryGateway(async () =>
      expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toEqual({
        TargetBucket: target,
        TargetPrefix: 'access/',
      }),
    );

    await s3.send(new PutObjectCommand({ Bucket, Key: 'photos/cat.jpg', Body: 'meow' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'photos/dog.jpg', Body: 'woof' }));
    for (let i = 0; i < 7; i++)
      await readAll(
        (await s3.send(new GetObjectCommand({ Bucket, Key: 'photos/cat.jpg' }))).Body as AsyncIterable<Uint8Array>,
      );
    for (let i = 0; i < 2; i++)
      await readAll(
        (await s3.send(new GetObjectCommand({ Bucket, Key: 'photos/dog.jpg' }))).Body as AsyncIterable<Uint8Array>,
      );
    await s3.send(new HeadObjectCommand({ Bucket, Key: 'photos/cat.jpg' }));
    await expect(s3.send(new GetObjectCommand({ Bucket, Key: 'photos/none.jpg' }))).rejects.toThrow();

    // In a cluster the records are spread over the gateways' buffers: the flush reaches every one (on
    // PostgreSQL metadata every server is a gateway of a cluster, if only of one).
    const reply = await flush(t);
    expect(reply).toMatchObject({ delivered: 1, failed: 0, backlog: { records: 0, batches: 0 } });
    const n = t.gateways.length;
    expect(reply.gateways).toEqual(
      metadataUrlOf(t.dataDir) || clusterSize() > 0 ? { asked: n, answered: n, silent: [] } : undefined,
    );
    const { dir, keys } = await download(s3, target, 'access/');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^access\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$/);

    // The documented answer (docs/operations.md): GETs of one key.
    expect(countWithShell(dir, '$8 == "REST.GET.OBJECT" && $9 == "photos/cat.jpg"')).toBe(7);
    expect(countWithShell(dir, '$8 == "REST.GET.OBJECT" && $9 == "photos/dog.jpg"')).toBe(2);
    expect(countWithShell(dir, '$8 == "REST.HEAD.OBJECT"')).toBe(1);
    expect(countWithShell(dir, '$8 == "REST.GET.OBJECT" && $13 == 404 && $14 == "NoSuchKey"')).toBe(1);

    const text = await fs.readFile(path.join(dir, 'log-0'), 'utf8');
    const get = text.split('\n').find((l) => l.includes('REST.GET.OBJECT photos/cat.jpg'))!;
    // bucket owner, bucket, [time], remote ip, requester, request id, operation, key, "request", status, error, bytes, size, ...
    expect(get).toMatch(
      new RegExp(
        `^qcs::cam::uin/\\d+:uin/\\d+ ${Bucket} \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000\\] 127\\.0\\.0\\.1 qcs::cam::uin/\\d+:uin/\\d+ \\S+ REST\\.GET\\.OBJECT photos/cat\\.jpg "GET /${Bucket}/photos/cat\\.jpg[^"]* HTTP/1\\.1" 200 - 4 4 \\d+ - "-" "[^"]*" - - SigV4 - AuthHeader 127\\.0\\.0\\.1:\\d+ - - -$`,
      ),
    );
    // The PUT ?logging itself is in the log too, as S3 names it.
    expect(countWithShell(dir, '$8 == "REST.PUT.OBJECT"')).toBe(2);
    await fs.rm(dir, { recursive: true });

    // A second flush delivers nothing new; turning logging off stops the records.
    expect(await flush(t)).toMatchObject({ delivered: 0, backlog: { records: 0 } });
    await s3.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: {} }));
    await settledOnEveryGateway(async () =>
      expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toBeUndefined(),
    );
    await s3.send(new GetObjectCommand({ Bucket, Key: 'photos/cat.jpg' }));
    expect(await flush(t)).toMatchObject({ delivered: 0, records: 0, backlog: { records: 0 } });
  });

  it('delivers under a partitioned prefix (TargetObjectKeyFormat PartitionedPrefix)', async () => {
    const t = servers[0]!;
    const s3 = t.s3();
    const Bucket = t.bucketName('parted');
    const target = t.bucketName('partlogs');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: target }));
    const LoggingEnabled = {
      TargetBucket: target,
      TargetPrefix: 'p/',
      TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'DeliveryTime' as const } },
    };
    await s3.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: { LoggingEnabled } }));
    await settledOnEveryGateway(async () =>
      expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toEqual(LoggingEnabled),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'a' }));
    expect(await flush(t)).toMatchObject({ delivered: 1, failed: 0 });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: target }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^p/\\d+/ap-guangzhou/${Bucket}/\\d{4}/\\d{2}/\\d{2}/\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-[0-9A-F]{16}$`,
        ),
      ),
    ]);
  });

  it('refuses a target bucket that does not exist', async () => {
    const t = servers[0]!;
    const s3 = t.s3();
    const Bucket = t.bucketName('src');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const err = await s3
      .send(
        new PutBucketLoggingCommand({
          Bucket,
          BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'nope-1250000000', TargetPrefix: 'x/' } },
        }),
      )
      .catch((e: { name: string; $metadata: { httpStatusCode: number } }) => e);
    expect(err).toMatchObject({ name: 'InvalidTargetBucketForLogging', $metadata: { httpStatusCode: 400 } });
  });
});

describe('COS form: putBucketLogging, records with COS fields', () => {
  it('counts GetObject requests of a key with COS field positions', async () => {
    const t = servers[0]!;
    const cos = t.cos('path');
    const Bucket = t.bucketName('cosphotos');
    const target = t.bucketName('coslogs');
    await cos.putBucket({ Bucket, Region: REGION });
    await cos.putBucket({ Bucket: target, Region: REGION });
    await cos.putBucketLogging({
      Bucket,
      Region: REGION,
      BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target, TargetPrefix: 'cos-logs/' } },
    });
    await settledOnEveryGateway(async () =>
      expect((await cos.getBucketLogging({ Bucket, Region: REGION })).BucketLoggingStatus).toMatchObject({
        LoggingEnabled: { TargetBucket: target, TargetPrefix: 'cos-logs/' },
      }),
    );
    await cos.putObject({ Bucket, Region: REGION, Key: 'photos/cat.jpg', Body: 'meow' });
    for (let i = 0; i < 3; i++) await cos.getObject({ Bucket, Region: REGION, Key: 'photos/cat.jpg' });

    expect(await flush(t)).toMatchObject({ failed: 0 });
    const { dir, keys } = await download(t.s3(), target, 'cos-logs/');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^cos-logs\/\d{4}\/\d{2}\/\d{2}\/\d{14}_[0-9A-F]{16}_0$/);
    expect(countWithShell(dir, '$6 == "GetObject" && $12 == "/photos/cat.jpg"')).toBe(3);
    const line = (await fs.readFile(path.join(dir, 'log-0'), 'utf8'))
      .split('\n')
      .find((l) => l.includes(' GetObject '))!;
    const fields = line.split(' ');
    expect(fields).toHaveLength(30);
    expect(fields.slice(0, 4)).toEqual([
      '1.0',
      Bucket,
      REGION,
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    ]);
    expect(fields[12]).toBe('get');
    expect(fields[14]).toBe('200');
    expect(fields[17]).toBe('4'); // resBytesSent
    expect(fields[19]).toBe('USER');
    await fs.rm(dir, { recursive: true });
  });
});

describe('delivery across a restart, the target bucket gone for a while', () => {
  it('keeps every record spooled, delivers each exactly once when the target is back', async () => {
    const first = await startTestServer({ config: { accessLogIntervalMs: '3600000', accessLogRetryMs: '0' } });
    const s3 = first.s3();
    const Bucket = first.bucketName('busy');
    const target = first.bucketName('sink');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: target }));
    await s3.send(
      new PutBucketLoggingCommand({
        Bucket,
        BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target, TargetPrefix: 'logs/' } },
      }),
    );
    await settledOnEveryGateway(async () =>
      expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toBeDefined(),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: 'hot.txt', Body: 'x' }));
    // The target becomes unwritable: it is deleted (it is empty).
    await s3.send(new DeleteBucketCommand({ Bucket: target }));
    for (let i = 0; i < 5; i++) await s3.send(new GetObjectCommand({ Bucket, Key: 'hot.txt' }));
    const failing = await flush(first);
    expect(failing).toMatchObject({ delivered: 0, failed: 1, backlog: { batches: 1, failing: 1 } });

    // Restart on the same data directory.
    await first.server.close();
    const second = await startTestServer({
      dataDir: first.dataDir,
      config: { accessLogIntervalMs: '3600000', accessLogRetryMs: '0' },
    });
    servers.push(second);
    const s3b = second.s3();
    for (let i = 0; i < 4; i++) await s3b.send(new GetObjectCommand({ Bucket, Key: 'hot.txt' }));
    expect(await flush(second)).toMatchObject({ delivered: 0, failed: 2, backlog: { batches: 2, failing: 2 } });
    // Operators see it in /-/metrics.
    const metrics = await second.server.metrics.expose();
    expect(metrics).toMatch(/^coffer_access_log_failing_batches 2$/m);
    expect(Number(/^coffer_access_log_backlog_records (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(9);

    // The target is writable again.
    await s3b.send(new CreateBucketCommand({ Bucket: target }));
    await settledOnEveryGateway(() => s3b.send(new HeadBucketCommand({ Bucket: target })));
    const delivered = await flush(second);
    expect(delivered).toMatchObject({ delivered: 2, failed: 0, backlog: { records: 0, batches: 0 } });
    const { dir, keys } = await download(s3b, target, 'logs/');
    expect(keys).toHaveLength(2);
    expect(countWithShell(dir, '$8 == "REST.GET.OBJECT" && $9 == "hot.txt"')).toBe(9);
    // Every request id once: nothing delivered twice.
    const ids = execFileSync('sh', ['-c', `cat ${dir}/log-* | awk '{print $7}' | sort | uniq -d | wc -l`], {
      encoding: 'utf8',
    });
    expect(Number(ids.trim())).toBe(0);
    await fs.rm(dir, { recursive: true });
    expect(await flush(second)).toMatchObject({ delivered: 0, records: 0 });
    expect((await s3b.send(new ListObjectsV2Command({ Bucket: target, Prefix: 'logs/' }))).KeyCount).toBe(2);
  });
});
