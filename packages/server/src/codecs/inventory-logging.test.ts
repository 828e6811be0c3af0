import { parseXml, S3Error } from '@coffer/protocol';
import { describe, expect, it } from 'vitest';
import { parseInventory, renderInventory } from './inventory.js';
import { parseLogging, renderLogging } from './logging.js';

const COS_FORM = `<InventoryConfiguration>
  <Id>list1</Id>
  <IsEnabled>true</IsEnabled>
  <Destination><COSBucketDestination>
    <Format>CSV</Format><AccountId>100000000001</AccountId>
    <Bucket>qcs::cos:ap-guangzhou::reports-1250000000</Bucket><Prefix>list1</Prefix>
    <Encryption><SSE-COS></SSE-COS></Encryption>
  </COSBucketDestination></Destination>
  <Schedule><Frequency>Weekly</Frequency></Schedule>
  <Filter><Prefix>images/</Prefix></Filter>
  <IncludedObjectVersions>All</IncludedObjectVersions>
  <OptionalFields><Field>ETag</Field><Field>Size</Field><Field>Tag</Field><Field>Size</Field></OptionalFields>
</InventoryConfiguration>`;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof S3Error ? err.code : String(err);
  }
  return undefined;
}

describe('inventory configuration codec', () => {
  it("reads COS's form (qcs destination, SSE-COS), fields deduplicated in S3's column order, and renders it back", () => {
    const config = parseInventory(parseXml(COS_FORM, 'InventoryConfiguration'), 'list1');
    expect(config).toEqual({
      id: 'list1',
      enabled: true,
      destinationBucket: 'reports-1250000000',
      destinationBucketRef: 'qcs::cos:ap-guangzhou::reports-1250000000',
      destinationPrefix: 'list1',
      destinationAccountId: '100000000001',
      encrypted: true,
      format: 'CSV',
      filterPrefix: 'images/',
      includedVersions: 'All',
      fields: ['Size', 'ETag', 'Tag'],
      frequency: 'Weekly',
      dialect: 'cos',
    });
    expect(renderInventory(config)).toMatchObject({
      Destination: { COSBucketDestination: { Encryption: { 'SSE-COS': '' }, Bucket: config.destinationBucketRef } },
      OptionalFields: { Field: ['Size', 'ETag', 'Tag'] },
    });
  });

  it('refuses what S3 refuses', () => {
    const doc = (xml: string) => parseXml(xml, 'InventoryConfiguration');
    const replace = (from: string, to: string) => doc(COS_FORM.replace(from, to));
    expect(code(() => parseInventory(doc(COS_FORM), 'other'))).toBe('InvalidArgument');
    expect(code(() => parseInventory(replace('<Id>list1</Id>', '<Id>bad id!</Id>'), 'bad id!'))).toBe(
      'InvalidArgument',
    );
    expect(code(() => parseInventory(replace('<Format>CSV</Format>', '<Format>Parquet</Format>'), 'list1'))).toBe(
      'NotImplemented',
    );
    expect(code(() => parseInventory(replace('Weekly', 'Hourly'), 'list1'))).toBe('MalformedXML');
    expect(code(() => parseInventory(replace('<Field>Tag</Field>', '<Field>Colour</Field>'), 'list1'))).toBe(
      'MalformedXML',
    );
    expect(code(() => parseInventory(replace('<IsEnabled>true</IsEnabled>', ''), 'list1'))).toBe('MalformedXML');
    expect(
      code(() =>
        parseInventory(replace('COSBucketDestination', 'Nowhere').replace('COSBucketDestination', 'Nowhere'), 'list1'),
      ),
    ).toBe('MalformedXML');
    expect(
      code(() => parseInventory(replace('<SSE-COS></SSE-COS>', '<SSE-KMS><KeyId>k</KeyId></SSE-KMS>'), 'list1')),
    ).toBe('NotImplemented');
  });
});

describe('logging status codec', () => {
  it('reads LoggingEnabled, an empty status as off, and a partitioned key format', () => {
    const parse = (xml: string) => parseLogging(parseXml(xml, 'BucketLoggingStatus'), 's3');
    expect(parse('<BucketLoggingStatus/>')).toBeNull();
    const on = parse(
      '<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix>a/</TargetPrefix>' +
        '<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>EventTime</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>' +
        '</LoggingEnabled></BucketLoggingStatus>',
    );
    expect(on).toEqual({
      targetBucket: 'logs',
      targetPrefix: 'a/',
      format: 's3',
      partitioned: { dateSource: 'EventTime' },
    });
    expect(renderLogging(on!)).toEqual({
      LoggingEnabled: {
        TargetBucket: 'logs',
        TargetPrefix: 'a/',
        TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } },
      },
    });
    expect(renderLogging(undefined)).toEqual({});
    expect(code(() => parse('<BucketLoggingStatus><LoggingEnabled></LoggingEnabled></BucketLoggingStatus>'))).toBe(
      'MalformedXML',
    );
    expect(
      code(() =>
        parse(
          `<BucketLoggingStatus><LoggingEnabled><TargetBucket>l</TargetBucket><TargetPrefix>${'x'.repeat(513)}</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`,
        ),
      ),
    ).toBe('InvalidArgument');
  });
});
