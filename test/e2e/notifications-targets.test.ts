/**
 * Bucket notifications end to end: every event type Coffer records reaches every kind of target —
 * a webhook receiver here (HMAC-checked), and the Redis, NATS JetStream, RabbitMQ and Mosquitto
 * servers the machines run — through the durable outbox and its delivery worker. Also the
 * configuration itself: S3's QueueConfiguration and COS's CloudFunctionConfiguration forms, filters,
 * and an unknown target refused.
 */
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  RestoreObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION } from './helpers/cos.js';
import { DAY_MS, movableClock } from './helpers/lifecycle.js';
import {
  cleanRedisStream,
  deleteNatsStream,
  type EventRecord,
  mqttCollector,
  readAmqpQueue,
  readNatsStream,
  readRedisStream,
  webhookReceiver,
} from './helpers/notify-receivers.js';
import { formBody, policyDoc, postForm, sigV4SignedFields } from './helpers/post-form.js';
import { sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const RUN = `${process.pid}x${randomBytes(3).toString('hex')}`;
const REDIS = 'redis://127.0.0.1:6379';
const NATS = 'nats://127.0.0.1:4222';
const AMQP = 'amqp://guest:guest@127.0.0.1:5672';
const MQTT = 'mqtt://127.0.0.1:1883';
const SECRET = 'hook-secret';
const STREAM = `coffer-test-${RUN}`;
const NATS_STREAM = `COFFER_TEST_${RUN}`;
const SUBJECT = `coffer.test.${RUN}`;
const QUEUE = `coffer-test-${RUN}`;
const TOPIC = `coffer/test/${RUN}`;
const TARGETS = ['webhook', 'redis', 'nats', 'amqp', 'mqtt'] as const;

const clock = movableClock(Date.now());
let t: TestServer;
let s3: S3Client;
let hook: Awaited<ReturnType<typeof webhookReceiver>>;
let mqttSub: Awaited<ReturnType<typeof mqttCollector>>;

beforeAll(async () => {
  hook = await webhookReceiver(SECRET);
  mqttSub = await mqttCollector(MQTT, TOPIC);
  t = await startTestServer({
    clock,
    config: { lifecycleHourUtc: '-1' },
    notifyEnv: {
      COFFER_NOTIFY_WEBHOOK_hook: hook.url,
      COFFER_NOTIFY_WEBHOOK_hook_SECRET: SECRET,
      COFFER_NOTIFY_REDIS_r1: REDIS,
      COFFER_NOTIFY_REDIS_r1_STREAM: STREAM,
      COFFER_NOTIFY_NATS_n1: NATS,
      COFFER_NOTIFY_NATS_n1_STREAM: NATS_STREAM,
      COFFER_NOTIFY_NATS_n1_SUBJECT: SUBJECT,
      COFFER_NOTIFY_AMQP_a1: AMQP,
      COFFER_NOTIFY_AMQP_a1_QUEUE: QUEUE,
      COFFER_NOTIFY_MQTT_m1: MQTT,
      COFFER_NOTIFY_MQTT_m1_TOPIC: TOPIC,
    },
  });
  s3 = t.s3();
});
afterAll(async () => {
  await t?.close();
  await hook?.stop();
  await mqttSub?.close();
  await cleanRedisStream(REDIS, STREAM).catch(() => {});
  await deleteNatsStream(NATS, NATS_STREAM).catch(() => {});
});

const ARNS: Record<(typeof TARGETS)[number], string> = {
  webhook: 'arn:coffer:sqs::hook:webhook',
  redis: 'arn:coffer:sqs::r1:redis',
  nats: 'arn:coffer:sqs::n1:nats',
  amqp: 'arn:coffer:sqs::a1:amqp',
  mqtt: 'arn:coffer:sqs::m1:mqtt',
};

async function notifyEverything(Bucket: string): Promise<void> {
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket,
      NotificationConfiguration: {
        QueueConfigurations: TARGETS.map((kind) => ({
          Id: `all-${kind}`,
          QueueArn: ARNS[kind],
          Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:ObjectRestore:*'],
        })),
      },
    }),
  );
}

/** Waits until the outbox is empty (every target took every event) or fails after 20 s. */
async function drained(): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const backlog = await t.server.engine.ctx.meta.outboxBacklog();
    if (backlog.length === 0) return;
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(backlog)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('PUT/GET ?notification', () => {
  it('keeps S3 QueueConfigurations with filters and returns them', async () => {
    const Bucket = t.bucketName('ncfg');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Id: 'images',
              QueueArn: ARNS.webhook,
              Events: ['s3:ObjectCreated:*'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'prefix', Value: 'images/' },
                    { Name: 'suffix', Value: '.jpg' },
                  ],
                },
              },
            },
          ],
        },
      }),
    );
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
    expect(got.QueueConfigurations).toEqual([
      {
        Id: 'images',
        QueueArn: ARNS.webhook,
        Events: ['s3:ObjectCreated:*'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'prefix', Value: 'images/' },
              { Name: 'suffix', Value: '.jpg' },
            ],
          },
        },
      },
    ]);
  });

  it('refuses a target the server does not declare, naming it, and keeps the old configuration', async () => {
    const Bucket = t.bucketName('nbad');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await notifyEverything(Bucket);
    const err = await sdkError(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: {
            QueueConfigurations: [{ QueueArn: 'arn:coffer:sqs::nope:webhook', Events: ['s3:ObjectCreated:*'] }],
          },
        }),
      ),
    );
    expect(err.code).toBe('InvalidArgument');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/no webhook target "nope"/);
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
    expect(got.QueueConfigurations).toHaveLength(TARGETS.length);
  });

  it('accepts the COS form (CloudFunctionConfiguration, cos:ObjectRemove:*) and filters by prefix', async () => {
    const Bucket = t.bucketName('ncos');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const cos = t.cos();
    const xml =
      '<NotificationConfiguration><CloudFunctionConfiguration><Id>cosrule</Id>' +
      '<Filter><S3Key><FilterRule><Name>Prefix</Name><Value>cos/</Value></FilterRule></S3Key></Filter>' +
      `<CloudFunction>${ARNS.webhook}</CloudFunction><Event>cos:ObjectCreated:Put</Event><Event>cos:ObjectRemove:*</Event>` +
      '</CloudFunctionConfiguration></NotificationConfiguration>';
    const res = await cos.request({
      Method: 'PUT',
      Bucket,
      Region: REGION,
      Action: 'notification',
      Body: xml,
      Headers: { 'content-type': 'application/xml' },
    });
    expect(res.statusCode).toBe(200);
    const before = hook.events.length;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'other/x', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'cos/a', Body: 'a' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'cos/a' }));
    await drained();
    const mine = hook.events.slice(before).filter((e) => e.s3.bucket.name === Bucket);
    expect(mine.map((e) => `${e.eventName} ${e.s3.object.key}`)).toEqual([
      'ObjectCreated:Put cos/a',
      'ObjectRemoved:Delete cos/a',
    ]);
  });
});

describe('every event type reaches every target', () => {
  it('Put, Post, Copy, Complete, Append, Delete, DeleteMarkerCreated, lifecycle, Restore', async () => {
    const plain = t.bucketName('nall');
    const versioned = t.bucketName('nver');
    for (const Bucket of [plain, versioned]) {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await notifyEverything(Bucket);
    }
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: 'Enabled' } }),
    );

    const put = await s3.send(new PutObjectCommand({ Bucket: plain, Key: 'put key+1', Body: 'hello' }));
    const doc = policyDoc([{ bucket: plain }, ['eq', '$key', 'posted']]);
    const posted = await postForm(
      t,
      plain,
      formBody([['key', 'posted'], ...sigV4SignedFields(t, doc)], { content: 'p' }),
    );
    expect(posted.status).toBe(204);
    await s3.send(new CopyObjectCommand({ Bucket: plain, Key: 'copied', CopySource: `${plain}/put key+1` }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: plain, Key: 'multi' }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: plain, Key: 'multi', UploadId, PartNumber: 1, Body: 'm' }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: plain,
        Key: 'multi',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
      }),
    );
    await t.cos().appendObject({ Bucket: plain, Region: REGION, Key: 'appended', Position: 0, Body: 'a1' });
    await s3.send(new DeleteObjectCommand({ Bucket: plain, Key: 'copied' }));
    await s3.send(new DeleteObjectsCommand({ Bucket: plain, Delete: { Objects: [{ Key: 'posted' }] } }));
    await s3.send(new PutObjectCommand({ Bucket: versioned, Key: 'v', Body: 'v1' }));
    await s3.send(new DeleteObjectCommand({ Bucket: versioned, Key: 'v' }));
    await s3.send(new PutObjectCommand({ Bucket: plain, Key: 'cold', Body: 'c', StorageClass: 'DEEP_ARCHIVE' }));
    await s3.send(new RestoreObjectCommand({ Bucket: plain, Key: 'cold', RestoreRequest: { Days: 1 } }));
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: plain,
        LifecycleConfiguration: {
          Rules: [{ ID: 'exp', Status: 'Enabled', Filter: { Prefix: 'multi' }, Expiration: { Days: 1 } }],
        },
      }),
    );
    clock.now += 3 * DAY_MS;
    await t.server.engine.runLifecycle();
    await drained();

    const expected = [
      `${plain} ObjectCreated:Put put+key%2B1`,
      `${plain} ObjectCreated:Post posted`,
      `${plain} ObjectCreated:Copy copied`,
      `${plain} ObjectCreated:CompleteMultipartUpload multi`,
      `${plain} ObjectCreated:Append appended`,
      `${plain} ObjectRemoved:Delete copied`,
      `${plain} ObjectRemoved:Delete posted`,
      `${versioned} ObjectCreated:Put v`,
      `${versioned} ObjectRemoved:DeleteMarkerCreated v`,
      `${plain} ObjectCreated:Put cold`,
      `${plain} ObjectRestore:Post cold`,
      `${plain} ObjectRestore:Completed cold`,
      `${plain} LifecycleExpiration:Delete multi`,
    ].sort();
    const mine = (events: EventRecord[]) =>
      events
        .filter((e) => e.s3.bucket.name === plain || e.s3.bucket.name === versioned)
        .map((e) => `${e.s3.bucket.name} ${e.eventName} ${e.s3.object.key}`)
        .sort();
    // MQTT subscribers get messages asynchronously after the broker's PUBACK: wait a moment for them.
    for (let i = 0; i < 50 && mine(mqttSub.events).length < expected.length; i++)
      await new Promise((r) => setTimeout(r, 100));
    const received = {
      webhook: mine(hook.events),
      redis: mine(await readRedisStream(REDIS, STREAM)),
      nats: mine(await readNatsStream(NATS, NATS_STREAM)),
      amqp: mine(await readAmqpQueue(AMQP, QUEUE)),
      mqtt: mine(mqttSub.events),
    };
    for (const kind of TARGETS) expect(received[kind], kind).toEqual(expected);
    expect(hook.badSignatures()).toBe(0);

    const putEvent = hook.events.find((e) => e.eventName === 'ObjectCreated:Put' && e.s3.bucket.name === plain)!;
    expect(putEvent.s3.object).toMatchObject({ size: 5, eTag: put.ETag!.replace(/"/g, '') });
    expect(putEvent.s3.object.sequencer).toMatch(/^[0-9A-F]{16}$/);
    const full = putEvent as unknown as {
      requestParameters: { sourceIPAddress: string };
      responseElements: { 'x-amz-request-id': string };
      userIdentity: { principalId: string };
    };
    expect(full.requestParameters.sourceIPAddress).toMatch(/127\.0\.0\.1/);
    expect(full.responseElements['x-amz-request-id']).toBe(put.$metadata.requestId);
    expect(full.userIdentity.principalId).toMatch(/^qcs::cam::uin\//);
    const marker = hook.events.find((e) => e.eventName === 'ObjectRemoved:DeleteMarkerCreated')!;
    expect(marker.s3.object.versionId).toMatch(/.+/);

    const metrics = (await t.server.engine.notificationMetrics()) as {
      target: string;
      delivered: number;
      backlog: number;
    }[];
    for (const name of ['webhook:hook', 'redis:r1', 'nats:n1', 'amqp:a1', 'mqtt:m1']) {
      const m = metrics.find((x) => x.target === name)!;
      expect(m.delivered, name).toBeGreaterThanOrEqual(expected.length);
      expect(m.backlog, name).toBe(0);
    }
  });
});
