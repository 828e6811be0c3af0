import { S3Error, type XmlNode, type XmlObject, xmlChild, xmlChildren, xmlText } from '@coffer/protocol';
import type { LoggingConfiguration } from '../engine/access-log.js';

/**
 * The BucketLoggingStatus XML of PUT and GET Bucket logging, the same in both dialects (S3:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLogging.html ; COS:
 * https://www.tencentcloud.com/document/product/436/17054). An empty BucketLoggingStatus turns
 * logging off (null). TargetObjectKeyFormat's PartitionedPrefix is kept (SimplePrefix is the default);
 * TargetGrants are accepted and not kept: delivered objects get the target bucket's ACL.
 */
export function parseLogging(
  doc: { [name: string]: XmlNode | XmlNode[] },
  format: 's3' | 'cos',
): LoggingConfiguration | null {
  const enabled = xmlChildren(doc, 'LoggingEnabled');
  if (enabled.length === 0) return null;
  if (enabled.length > 1) throw new S3Error('MalformedXML', 'BucketLoggingStatus holds at most one LoggingEnabled.');
  const targetBucket = xmlText(enabled[0], 'TargetBucket')?.trim();
  if (!targetBucket) throw new S3Error('MalformedXML', 'LoggingEnabled needs a TargetBucket.');
  const targetPrefix = xmlText(enabled[0], 'TargetPrefix') ?? '';
  if (Buffer.byteLength(targetPrefix) > 512) {
    throw new S3Error('InvalidArgument', 'TargetPrefix is at most 512 bytes long.', {
      details: { ArgumentName: 'TargetPrefix' },
    });
  }
  const keyFormat = xmlChild(enabled[0], 'TargetObjectKeyFormat');
  const partitioned = keyFormat === undefined ? undefined : xmlChild(keyFormat, 'PartitionedPrefix');
  if (partitioned === undefined) return { targetBucket, targetPrefix, format };
  const dateSource = xmlText(partitioned, 'PartitionDateSource')?.trim() ?? 'EventTime';
  if (dateSource !== 'EventTime' && dateSource !== 'DeliveryTime') {
    throw new S3Error('MalformedXML', 'PartitionDateSource is EventTime or DeliveryTime.');
  }
  return { targetBucket, targetPrefix, format, partitioned: { dateSource } };
}

/** The BucketLoggingStatus body GET ?logging returns: empty when logging is off. */
export function renderLogging(config: LoggingConfiguration | undefined): XmlObject {
  if (!config) return {};
  return {
    LoggingEnabled: {
      TargetBucket: config.targetBucket,
      TargetPrefix: config.targetPrefix,
      ...(config.partitioned
        ? { TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: config.partitioned.dateSource } } }
        : {}),
    },
  };
}
