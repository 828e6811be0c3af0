/**
 * PUT / GET / DELETE Bucket ?lifecycle through @aws-sdk/client-s3 and cos-nodejs-sdk-v5
 * (docs/sdk.md): every action and filter form round-trips; a bucket without a configuration
 * is 404 NoSuchLifecycleConfiguration, which the COS SDK turns into `Rules: []`; a bad rule is
 * refused whole with MalformedXML / InvalidArgument naming the rule, and the previous configuration
 * stays.
 */
import {
  CreateBucketCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosError, expectCosError, REGION } from './helpers/cos.js';
import { errorOf, rawRequest, sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
beforeAll(async () => {
  t = await startTestServer({ config: { lifecycleHourUtc: '-1' } });
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

async function newBucket(prefix: string): Promise<string> {
  const Bucket = t.bucketName(prefix);
  await s3.send(new CreateBucketCommand({ Bucket }));
  return Bucket;
}

/** Every action and filter form the issue lists. */
const RULES: LifecycleRule[] = [
  {
    ID: 'logs',
    Status: 'Enabled',
    Filter: { Prefix: 'logs/' },
    Transitions: [
      { Days: 30, StorageClass: 'STANDARD_IA' },
      { Days: 90, StorageClass: 'ARCHIVE' as 'GLACIER' },
    ],
    Expiration: { Days: 365 },
  },
  {
    ID: 'tagged-and',
    Status: 'Disabled',
    Filter: {
      And: {
        Prefix: 'a/',
        Tags: [
          { Key: 'team', Value: 'x' },
          { Key: 'tier', Value: 'cold' },
        ],
      },
    },
    NoncurrentVersionTransitions: [{ NoncurrentDays: 3, StorageClass: 'DEEP_ARCHIVE' }],
    NoncurrentVersionExpiration: { NoncurrentDays: 7 },
  },
  {
    ID: 'one-tag',
    Status: 'Enabled',
    Filter: { Tag: { Key: 'temp', Value: 'yes' } },
    Transitions: [{ Date: new Date('2031-01-01T00:00:00.000Z'), StorageClass: 'INTELLIGENT_TIERING' }],
  },
  {
    ID: 'uploads',
    Status: 'Enabled',
    Filter: { Prefix: 'big/' },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  },
  {
    ID: 'markers',
    Status: 'Enabled',
    Filter: { Prefix: '' },
    Expiration: { ExpiredObjectDeleteMarker: true },
  },
  {
    ID: 'by-date',
    Status: 'Enabled',
    Filter: { Prefix: 'tmp/' },
    Expiration: { Date: new Date('2030-06-01T00:00:00.000Z') },
  },
];

describe('round trip', () => {
  it('the S3 SDK gets back exactly the rules it put; DELETE makes GET 404 NoSuchLifecycleConfiguration', async () => {
    const Bucket = await newBucket('lcs3');
    const none = await sdkError(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })));
    expect(none).toMatchObject({ status: 404, code: 'NoSuchLifecycleConfiguration' });

    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: RULES } }));
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
    expect(got.Rules).toEqual(RULES);

    // A second PUT replaces the whole configuration.
    const one = [RULES[3]!];
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: one } }));
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules).toEqual(one);

    await s3.send(new DeleteBucketLifecycleCommand({ Bucket }));
    expect(await sdkError(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })))).toMatchObject({
      status: 404,
      code: 'NoSuchLifecycleConfiguration',
    });
  });

  it('the COS SDK: Rules: [] without a configuration; its own rule shapes round-trip; each SDK reads the other', async () => {
    const cos = t.cos('path');
    const Bucket = await newBucket('lccos');
    const empty = await cos.getBucketLifecycle({ Bucket, Region: REGION });
    expect(empty.Rules).toEqual([]);
    expect(empty.statusCode).toBe(404);

    // The rule of the COS console (https://intl.cloud.tencent.com/document/product/436/31632): clear incomplete
    // multipart uploads seven days after creation.
    const Rules: COS.LifecycleRule[] = [
      {
        ID: 'clear-fragments',
        Status: 'Enabled',
        Filter: {},
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      },
      {
        ID: 'archive-logs',
        Status: 'Enabled',
        Filter: { Prefix: 'logs/' },
        Transition: { Days: 30, StorageClass: 'ARCHIVE' },
        Expiration: { Days: 180 },
      },
      {
        ID: 'old-versions',
        Status: 'Disabled',
        Filter: {
          And: {
            Prefix: 'docs/',
            Tag: [
              { Key: 'keep', Value: 'no' },
              { Key: 'x', Value: 'y' },
            ],
          },
        },
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        NoncurrentVersionTransition: { NoncurrentDays: 10, StorageClass: 'STANDARD_IA' },
      },
    ];
    const put = await cos.putBucketLifecycle({ Bucket, Region: REGION, Rules });
    expect(put.statusCode).toBe(200);
    const got = await cos.getBucketLifecycle({ Bucket, Region: REGION });
    // The COS SDK reads every XML value as a string
    // (https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/util.js, xml2json).
    expect(got.Rules).toEqual([
      {
        ID: 'clear-fragments',
        Filter: { Prefix: '' },
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: '7' },
      },
      {
        ID: 'archive-logs',
        Filter: { Prefix: 'logs/' },
        Status: 'Enabled',
        Transition: { Days: '30', StorageClass: 'ARCHIVE' },
        Expiration: { Days: '180' },
      },
      {
        ID: 'old-versions',
        Filter: {
          And: {
            Prefix: 'docs/',
            Tag: [
              { Key: 'keep', Value: 'no' },
              { Key: 'x', Value: 'y' },
            ],
          },
        },
        Status: 'Disabled',
        NoncurrentVersionTransition: { NoncurrentDays: '10', StorageClass: 'STANDARD_IA' },
        NoncurrentVersionExpiration: { NoncurrentDays: '30' },
      },
    ]);
    const viaS3 = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
    expect(viaS3.Rules?.map((r) => r.ID)).toEqual(['clear-fragments', 'archive-logs', 'old-versions']);
    expect(viaS3.Rules?.[1]).toMatchObject({
      Transitions: [{ Days: 30, StorageClass: 'ARCHIVE' }],
      Expiration: { Days: 180 },
    });

    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: RULES } }));
    const back = await cos.getBucketLifecycle({ Bucket, Region: REGION });
    expect(back.Rules.map((r: { ID: string }) => r.ID)).toEqual(RULES.map((r) => r.ID));

    const del = await cos.deleteBucketLifecycle({ Bucket, Region: REGION });
    expect([200, 204]).toContain(del.statusCode);
    expect((await cos.getBucketLifecycle({ Bucket, Region: REGION })).Rules).toEqual([]);
  });
});

/** errorOf reads raw XML text; messages quote rule IDs, which the XML escapes. */
function unescapeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

describe('validation', () => {
  const rule = (inner: string) => `<Rule>${inner}</Rule>`;
  const ok =
    '<ID>fine</ID><Status>Enabled</Status><Filter><Prefix>x/</Prefix></Filter><Expiration><Days>5</Days></Expiration>';
  const cases: [name: string, body: string, code: string, message: RegExp][] = [
    ['no rule at all', '', 'MalformedXML', /at least one Rule/],
    [
      'a Status other than Enabled/Disabled',
      rule('<ID>bad-status</ID><Status>On</Status><Filter/><Expiration><Days>1</Days></Expiration>'),
      'MalformedXML',
      /rule "bad-status".*Status/,
    ],
    [
      'a rule with no action',
      rule('<ID>idle</ID><Status>Enabled</Status><Filter/>'),
      'MalformedXML',
      /rule "idle".*action/,
    ],
    [
      'zero Days',
      rule('<ID>zero</ID><Status>Enabled</Status><Filter/><Expiration><Days>0</Days></Expiration>'),
      'InvalidArgument',
      /rule "zero".*positive/,
    ],
    [
      'Days that are not a number',
      rule('<ID>nan</ID><Status>Enabled</Status><Filter/><Expiration><Days>ten</Days></Expiration>'),
      'InvalidArgument',
      /rule "nan".*"ten"/,
    ],
    [
      'a Date that is not midnight UTC',
      rule('<ID>noon</ID><Status>Enabled</Status><Filter/><Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>'),
      'InvalidArgument',
      /rule "noon".*midnight/,
    ],
    [
      'both Days and Date',
      rule(
        '<ID>both</ID><Status>Enabled</Status><Filter/><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>',
      ),
      'MalformedXML',
      /rule "both"/,
    ],
    [
      'ExpiredObjectDeleteMarker with Days',
      rule(
        '<ID>mix</ID><Status>Enabled</Status><Filter/><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>',
      ),
      'MalformedXML',
      /rule "mix"/,
    ],
    [
      'an unknown storage class',
      rule(
        '<ID>gold</ID><Status>Enabled</Status><Filter/><Transition><Days>1</Days><StorageClass>GOLD</StorageClass></Transition>',
      ),
      'InvalidArgument',
      /rule "gold".*GOLD/,
    ],
    [
      'a transition to STANDARD',
      rule(
        '<ID>std</ID><Status>Enabled</Status><Filter/><Transition><Days>1</Days><StorageClass>STANDARD</StorageClass></Transition>',
      ),
      'InvalidArgument',
      /rule "std".*STANDARD/,
    ],
    [
      'Expiration before a Transition',
      rule(
        '<ID>order</ID><Status>Enabled</Status><Filter/><Transition><Days>30</Days><StorageClass>ARCHIVE</StorageClass></Transition><Expiration><Days>10</Days></Expiration>',
      ),
      'InvalidArgument',
      /rule "order".*greater/,
    ],
    [
      'AbortIncompleteMultipartUpload with a Tag filter',
      rule(
        '<ID>tagmpu</ID><Status>Enabled</Status><Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>',
      ),
      'InvalidArgument',
      /rule "tagmpu".*Tag/,
    ],
    [
      'NoncurrentVersionExpiration without NoncurrentDays',
      rule('<ID>nc</ID><Status>Enabled</Status><Filter/><NoncurrentVersionExpiration></NoncurrentVersionExpiration>'),
      'MalformedXML',
      /rule "nc".*NoncurrentDays/,
    ],
    ['two rules with one ID', rule(ok) + rule(ok), 'InvalidArgument', /rule "fine".*unique/],
    [
      'an unnamed bad rule (named by position)',
      rule(ok) + rule('<Status>Enabled</Status><Filter/><Expiration><Days>-1</Days></Expiration>'),
      'InvalidArgument',
      /rule #2/,
    ],
  ];

  it.each(cases)(
    'refuses %s, naming the rule, and keeps the previous configuration',
    async (_name, rules, code, message) => {
      const Bucket = await newBucket('lcbad');
      await s3.send(
        new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [RULES[3]!] } }),
      );
      const res = await rawRequest(t, {
        method: 'PUT',
        path: `/${Bucket}`,
        query: 'lifecycle',
        body: `<LifecycleConfiguration>${rules}</LifecycleConfiguration>`,
      });
      const err = errorOf(res);
      expect(err).toMatchObject({ status: 400, code });
      expect(unescapeXml(err.message)).toMatch(message);
      expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules).toEqual([RULES[3]]);
    },
  );

  it('both SDKs surface the code and the rule-naming message', async () => {
    const Bucket = await newBucket('lcsdk');
    const viaS3 = await sdkError(
      s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket,
          LifecycleConfiguration: {
            Rules: [{ ID: 'weekly', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 0 } }],
          },
        }),
      ),
    );
    expect(viaS3).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(viaS3.message).toMatch(/rule "weekly"/);

    const viaCos = await cosError(
      t.cos('path').putBucketLifecycle({
        Bucket,
        Region: REGION,
        Rules: [
          {
            ID: 'fragments',
            Status: 'Enable' as 'Enabled',
            Filter: {},
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      }),
    );
    expectCosError(viaCos, { statusCode: 400, code: 'MalformedXML' });
    expect(viaCos.message).toMatch(/rule "fragments"/);
    expect((await t.cos('path').getBucketLifecycle({ Bucket, Region: REGION })).Rules).toEqual([]);
  });
});
