/**
 * The thumbnail example (examples/thumbnails) end to end: images uploaded under images/ to a bucket
 * that notifies the example's webhook come out 200 pixels wide in the thumbnail bucket; other keys
 * do not.
 */
import type { AddressInfo } from 'node:net';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import COS from '@coffer/sdk';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the example is plain JavaScript
import { createThumbnailService } from '../../examples/thumbnails/thumbnails.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SECRET = 'thumb-secret';
let t: TestServer;
let s3: S3Client;
let service: import('node:http').Server;

beforeAll(async () => {
  // The service's port must be known before the server declares it: listen first, then point the
  // service's SDK at the server once it is up (the handler reads `cos` lazily).
  let cos: InstanceType<typeof COS> | undefined;
  const lazyCos = new Proxy(
    {},
    {
      get: (_o, name) => {
        const value = (cos as unknown as Record<string | symbol, unknown>)[name];
        return typeof value === 'function' ? value.bind(cos) : value;
      },
    },
  );
  service = createThumbnailService({
    cos: lazyCos,
    region: 'ap-guangzhou',
    secret: SECRET,
    targetBucket: 'thumbs-1250000000',
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  const port = (service.address() as AddressInfo).port;
  t = await startTestServer({
    notifyEnv: {
      COFFER_NOTIFY_WEBHOOK_thumbs: `http://127.0.0.1:${port}/`,
      COFFER_NOTIFY_WEBHOOK_thumbs_SECRET: SECRET,
    },
  });
  const endpoint = new URL(t.url);
  cos = new COS({
    SecretId: t.secretId,
    SecretKey: t.secretKey,
    Protocol: 'http:',
    Domain: endpoint.host,
    ForcePathStyle: true,
  });
  s3 = t.s3();
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => service?.close(r));
});

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } })
    .png()
    .toBuffer();
}

describe('examples/thumbnails', () => {
  it('writes a 200-pixel-wide copy of every image under images/ to the thumbnail bucket', async () => {
    const Bucket = t.bucketName('photos');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: 'thumbs-1250000000' }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              QueueArn: 'arn:coffer:sqs::thumbs:webhook',
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images/' }] } },
            },
          ],
        },
      }),
    );
    const keys = ['images/cat.png', 'images/holiday/beach 1.png', 'images/big.png'];
    await s3.send(new PutObjectCommand({ Bucket, Key: keys[0], Body: await png(800, 600), ContentType: 'image/png' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: keys[1], Body: await png(400, 400), ContentType: 'image/png' }));
    await s3.send(
      new PutObjectCommand({ Bucket, Key: keys[2], Body: await png(3000, 1000), ContentType: 'image/png' }),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: 'docs/not-an-image.png', Body: await png(500, 500) }));

    const deadline = Date.now() + 20_000;
    for (const Key of keys) {
      for (;;) {
        try {
          await s3.send(new HeadObjectCommand({ Bucket: 'thumbs-1250000000', Key }));
          break;
        } catch {
          if (Date.now() > deadline) throw new Error(`no thumbnail for ${Key}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const got = await s3.send(new GetObjectCommand({ Bucket: 'thumbs-1250000000', Key }));
      const meta = await sharp(Buffer.from(await got.Body!.transformToByteArray())).metadata();
      expect(meta.format, Key).toBe('png');
      expect(meta.width, Key).toBe(200);
    }
    const cat = await sharp(
      Buffer.from(
        await (
          await s3.send(new GetObjectCommand({ Bucket: 'thumbs-1250000000', Key: keys[0] }))
        ).Body!.transformToByteArray(),
      ),
    ).metadata();
    expect(cat.height).toBe(150);
    // Outside images/: no event, no thumbnail.
    const outside = await s3
      .send(new HeadObjectCommand({ Bucket: 'thumbs-1250000000', Key: 'docs/not-an-image.png' }))
      .catch((e: Error) => e);
    expect(outside).toBeInstanceOf(Error);
  });
});
