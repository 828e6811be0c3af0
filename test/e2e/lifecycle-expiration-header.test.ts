/**
 * x-amz-expiration through @aws-sdk/client-s3: PUT, HEAD, GET, copy and CompleteMultipartUpload of a
 * current version that an enabled Expiration rule selects say when it expires (the midnight UTC after
 * Last-Modified + Days, or the rule's Date) and by which rule; other objects, versions and disabled
 * rules say nothing. Rules sent without an ID get one.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useS3Bucket } from './helpers/server.js';

const DAY_MS = 86_400_000;

/** `expiry-date="<date>", rule-id="<id>"` → its parts. */
function parse(header: string | undefined): { date: number; ruleId: string } | undefined {
  if (header === undefined) return undefined;
  const m = /^expiry-date="([^"]+)", rule-id="(.*)"$/.exec(header);
  expect(m, header).not.toBeNull();
  return { date: Date.parse(m![1]!), ruleId: m![2]! };
}

describe('x-amz-expiration (@aws-sdk/client-s3)', () => {
  const fx = useS3Bucket('expiration');

  it('names the rule and the midnight after Last-Modified + Days on PUT, HEAD, GET, copy and Complete', async () => {
    const { s3, bucket: Bucket } = fx;
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 3 } },
            { ID: 'logs-sooner', Status: 'Disabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } },
            {
              ID: 'fixed',
              Status: 'Enabled',
              Filter: { Prefix: 'tmp/' },
              Expiration: { Date: new Date('2040-01-01T00:00:00Z') },
            },
          ],
        },
      }),
    );
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'logs/a', Body: 'x' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'logs/a' }));
    const expected = Math.ceil((head.LastModified!.getTime() + 3 * DAY_MS) / DAY_MS) * DAY_MS;
    expect(parse(put.Expiration)).toEqual({ date: expected, ruleId: 'logs' });
    expect(parse(head.Expiration)).toEqual({ date: expected, ruleId: 'logs' });
    expect(parse((await s3.send(new GetObjectCommand({ Bucket, Key: 'logs/a' }))).Expiration)).toEqual({
      date: expected,
      ruleId: 'logs',
    });

    const copied = await s3.send(new CopyObjectCommand({ Bucket, Key: 'tmp/b', CopySource: `${Bucket}/logs/a` }));
    expect(parse(copied.Expiration)).toEqual({ date: Date.parse('2040-01-01T00:00:00Z'), ruleId: 'fixed' });

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'logs/multi' }));
    const { ETag } = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'logs/multi', UploadId, PartNumber: 1, Body: 'p' }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'logs/multi',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
      }),
    );
    expect(parse(done.Expiration)?.ruleId).toBe('logs');

    const other = await s3.send(new PutObjectCommand({ Bucket, Key: 'keep/c', Body: 'x' }));
    expect(other.Expiration).toBeUndefined();
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'keep/c' }))).Expiration).toBeUndefined();
  });

  it('rules sent without an ID get a unique one', async () => {
    const { s3, bucket: Bucket } = fx;
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            { Status: 'Enabled', Filter: { Prefix: 'a/' }, Expiration: { Days: 1 } },
            { Status: 'Enabled', Filter: { Prefix: 'b/' }, Expiration: { Days: 1 } },
          ],
        },
      }),
    );
    const rules = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules ?? [];
    const ids = rules.map((r) => r.ID);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(2);
  });
});
