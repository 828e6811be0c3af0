/**
 * Bucket configurations Coffer does not serve (website, replication, acceleration, requester pays),
 * and logging and notifications on a bucket that never turned them on: through @aws-sdk/client-s3,
 * reads answer what S3 answers for a bucket that has none, deletes are no-ops, writes stay 501
 * NotImplemented, and a missing fx.bucket is NoSuchBucket first. Ownership controls and public access
 * block are served now (ownership-controls.test.ts, public-access-block.test.ts); their reads and
 * deletes on a bucket without them still answer as below.
 */
import {
  DeleteBucketEncryptionCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteBucketReplicationCommand,
  DeleteBucketWebsiteCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketEncryptionCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketReplicationCommand,
  GetBucketRequestPaymentCommand,
  GetBucketWebsiteCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  PutBucketWebsiteCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { rawRequest, sdkError } from './helpers/s3.js';
import { TEST_REGION, useS3Bucket } from './helpers/server.js';

describe('unserved bucket configurations (@aws-sdk/client-s3)', () => {
  const fx = useS3Bucket('unserved');

  // Default encryption (sse.test.ts) and object lock (object-lock.test.ts) are served; a bucket without
  // them reads the same way as these.
  const NOT_FOUND: [name: string, command: (b: string) => Parameters<S3Client['send']>[0], code: string][] = [
    [
      'encryption',
      (b) => new GetBucketEncryptionCommand({ Bucket: b }),
      'ServerSideEncryptionConfigurationNotFoundError',
    ],
    ['website', (b) => new GetBucketWebsiteCommand({ Bucket: b }), 'NoSuchWebsiteConfiguration'],
    [
      'object lock',
      (b) => new GetObjectLockConfigurationCommand({ Bucket: b }),
      'ObjectLockConfigurationNotFoundError',
    ],
    ['replication', (b) => new GetBucketReplicationCommand({ Bucket: b }), 'ReplicationConfigurationNotFoundError'],
    [
      'ownership controls',
      (b) => new GetBucketOwnershipControlsCommand({ Bucket: b }),
      'OwnershipControlsNotFoundError',
    ],
    [
      'public access block',
      (b) => new GetPublicAccessBlockCommand({ Bucket: b }),
      'NoSuchPublicAccessBlockConfiguration',
    ],
  ];

  it.each(NOT_FOUND)(
    'GET %s: 404 with its not-found code; NoSuchBucket for a missing bucket',
    async (_n, command, code) => {
      expect(await sdkError(fx.s3.send(command(fx.bucket)))).toMatchObject({ status: 404, code });
      expect(await sdkError(fx.s3.send(command(fx.t.bucketName('absent'))))).toMatchObject({
        status: 404,
        code: 'NoSuchBucket',
      });
    },
  );

  it('GET logging, notification, accelerate and requestPayment: the documents of a fx.bucket without them', async () => {
    const logging = await fx.s3.send(new GetBucketLoggingCommand({ Bucket: fx.bucket }));
    expect(logging.$metadata.httpStatusCode).toBe(200);
    expect(logging.LoggingEnabled).toBeUndefined();
    const notification = await fx.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: fx.bucket }));
    expect(notification.$metadata.httpStatusCode).toBe(200);
    expect(notification.TopicConfigurations ?? []).toEqual([]);
    expect(notification.QueueConfigurations ?? []).toEqual([]);
    expect(notification.LambdaFunctionConfigurations ?? []).toEqual([]);
    const accelerate = await fx.s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: fx.bucket }));
    expect(accelerate.$metadata.httpStatusCode).toBe(200);
    expect(accelerate.Status).toBeUndefined();
    const payment = await fx.s3.send(new GetBucketRequestPaymentCommand({ Bucket: fx.bucket }));
    expect(payment.Payer).toBe('BucketOwner');
    const raw = await rawRequest(fx.t, { method: 'GET', path: `/${fx.bucket}`, query: 'logging' });
    expect(raw.text).toContain('<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"');
    expect(raw.text).not.toContain('ListBucketResult');
  });

  it('DELETE of each is a no-op 204; setting one is still 501 and leaves the reads unchanged', async () => {
    for (const command of [
      new DeleteBucketEncryptionCommand({ Bucket: fx.bucket }),
      new DeleteBucketWebsiteCommand({ Bucket: fx.bucket }),
      new DeleteBucketReplicationCommand({ Bucket: fx.bucket }),
      new DeleteBucketOwnershipControlsCommand({ Bucket: fx.bucket }),
      new DeletePublicAccessBlockCommand({ Bucket: fx.bucket }),
    ]) {
      expect((await fx.s3.send(command as Parameters<S3Client['send']>[0])).$metadata.httpStatusCode).toBe(204);
    }
    expect(
      await sdkError(
        fx.s3.send(
          new PutBucketWebsiteCommand({
            Bucket: fx.bucket,
            WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } },
          }),
        ),
      ),
    ).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(await sdkError(fx.s3.send(new GetBucketWebsiteCommand({ Bucket: fx.bucket })))).toMatchObject({
      code: 'NoSuchWebsiteConfiguration',
    });
  });

  it('only the owner reads them: anonymous is AccessDenied', async () => {
    const res = await rawRequest(fx.t, { method: 'GET', path: `/${fx.bucket}`, query: 'encryption', sign: 'none' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('<Code>AccessDenied</Code>');
  });

  it('through cos-nodejs-sdk-v5: website and encryption read as empty configurations, logging and accelerate as none', async () => {
    const cos = fx.t.cos('path');
    const Bucket = fx.t.bucketName('unserved-cos');
    await cos.putBucket({ Bucket, Region: TEST_REGION });
    // Each SDK turns only its own "not found" code into an empty configuration.
    const website = await cos.getBucketWebsite({ Bucket, Region: TEST_REGION });
    expect(website.WebsiteConfiguration).toEqual({});
    const encryption = await cos.getBucketEncryption({ Bucket, Region: TEST_REGION });
    expect(encryption.EncryptionConfiguration).toEqual({ Rules: [] });
    const logging = await cos.getBucketLogging({ Bucket, Region: TEST_REGION });
    expect(logging.statusCode).toBe(200);
    expect((logging.BucketLoggingStatus as { LoggingEnabled?: unknown } | string | undefined) || {}).not.toHaveProperty(
      'LoggingEnabled',
    );
    const accelerate = await cos.getBucketAccelerate({ Bucket, Region: TEST_REGION });
    expect(accelerate.statusCode).toBe(200);
  });
});
