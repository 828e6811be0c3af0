/**
 * #15: notification targets declared in the config file (`[notify.webhook.<id>]`), not the
 * environment: a bucket configuration naming one is accepted, one naming an undeclared target is
 * refused, and events reach the file-declared webhook signed with the file's secret.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { loadConfig, type RunningServer, startServer } from '@coffer/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookReceiver } from './helpers/notify-receivers.js';
import { sdkError } from './helpers/s3.js';

const SECRET = 'secret-from-the-file';
let dir: string;
let server: RunningServer;
let s3: S3Client;
let hook: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  hook = await webhookReceiver(SECRET);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-notify-file-'));
  const file = path.join(dir, 'coffer.toml');
  await fs.writeFile(
    file,
    [
      'address = "127.0.0.1:0"',
      'data_dir = "data"',
      'fsync = false',
      'log_level = "silent"',
      'lifecycle_hour = -1',
      '[notify.webhook.filehook]',
      `url = "${hook.url}"`,
      `secret = "${SECRET}"`,
      '',
    ].join('\n'),
  );
  server = await startServer(loadConfig(['--config', file], {}));
  s3 = new S3Client({
    endpoint: server.url,
    region: 'ap-guangzhou',
    forcePathStyle: true,
    credentials: { accessKeyId: server.identity.secretId, secretAccessKey: server.identity.secretKey },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  s3?.destroy();
  await server?.close();
  await hook?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('a notification target declared in the config file', () => {
  it('is accepted by a bucket configuration and receives its events', async () => {
    const Bucket = 'filetarget-1250000000';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const configure = (QueueArn: string) =>
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: {
            QueueConfigurations: [{ Id: 'q', QueueArn, Events: ['s3:ObjectCreated:*'] }],
          },
        }),
      );
    const refused = await sdkError(configure('arn:coffer:sqs::nosuch:webhook'));
    expect(refused.status).toBe(400);
    await configure('arn:coffer:sqs::filehook:webhook');
    for (const key of ['a.txt', 'b.txt']) await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: key }));
    const deadline = Date.now() + 20_000;
    while (hook.events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(hook.events.map((e) => e.s3.object.key).sort()).toEqual(['a.txt', 'b.txt']);
    expect(hook.badSignatures()).toBe(0);
  });
});
